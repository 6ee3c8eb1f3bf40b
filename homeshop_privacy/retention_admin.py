"""Admin of the retention rules (officers edit, with history) and of their runs (read).

The rules' list shows the dry run: how many records the next daily run would process
under each rule (``homeshop_privacy.retention.rule_due_count``), before it does."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from . import retention
from .admin_base import TrackedAdmin
from .models import RetentionRule, RetentionRun


class RetentionRuleForm(ModelForm):
    class Meta:
        model = RetentionRule
        fields = ("code", "category", "event", "keep_days", "action", "legal_reason", "is_active")

    def clean(self):
        data = super().clean()
        action, code = data.get("action"), data.get("code") or self.instance.code
        if action and action != RetentionRule.Action.KEEP and retention.process(code) is None:
            raise ValidationError(
                _(
                    "No process anonymises or deletes data under this code; choose “keep” "
                    "or the code of an existing rule."
                )
            )
        if not (data.get("legal_reason") or "").strip():
            self.add_error("legal_reason", _("Say which law or clause sets this term."))
        return data


#: The rules' list counts the records due up to this many.
DUE_COUNT_CAP = 10_000


@admin.register(RetentionRule)
class RetentionRuleAdmin(TrackedAdmin):
    form = RetentionRuleForm
    list_display = (
        "category",
        "event",
        "keep_days",
        "action",
        "is_active",
        "due_at_next_run",
        "code",
    )
    # The category names the rule for a person; the code (kept last) is what the apps'
    # processes are registered under.
    list_display_links = ("category",)
    list_filter = ("category", "action", "is_active")
    ordering = ("category", "code")

    def get_readonly_fields(self, request, obj=None):
        # The code names the process that applies the rule: fixed once written.
        return ("code",) if obj is not None else ()

    @admin.display(description=_("due at the next run"))
    def due_at_next_run(self, obj):
        # Counted up to the cap on the list (issue 14: no exact count of millions per view).
        count = retention.rule_due_count(obj, limit=DUE_COUNT_CAP)
        if count is None:
            return "—"
        if count > DUE_COUNT_CAP:
            return f"{number_format(DUE_COUNT_CAP, force_grouping=True)}+"
        return count

    def has_delete_permission(self, request, obj=None):
        return False  # a rule is switched off (with its history), never deleted


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "status", "records")
    list_filter = ("status",)
    ordering = ("-started_at", "-id")
    fields = readonly_fields = ("started_at", "finished_at", "status", "counts", "error")

    @admin.display(description=_("records processed"))
    def records(self, obj):
        return sum(entry.get("records", 0) for entry in (obj.counts or {}).values())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
