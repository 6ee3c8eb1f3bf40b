import json

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename, get_user_model
from django.db.models.functions import Lower
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import outbox
from .access_log import PersonalDataAdminMixin
from .admin_base import EstimatedCountPaginator, ListRowsMixin, TrackedAdmin
from .errors import DomainError
from .models import OutboundMessage, PersonalDataAccess
from .outbox_reasons import reason_choices, reason_label


def record_link(key: str):
    """The admin page of the record named by a key such as ``claims.claim:42:ack``, as
    "claim 42" in the staff member's language (no query per row); the key as it is when
    it names no registered model."""
    from django.apps import apps

    label, _sep, rest = key.partition(":")
    pk = rest.split(":", 1)[0]
    app_label, _dot, model_name = label.partition(".")
    try:
        model = apps.get_model(app_label, model_name)
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except (LookupError, ValueError, NoReverseMatch):
        return key
    return format_html('<a href="{}">{} {}</a>', url, model._meta.verbose_name, pk)


class ReasonFilter(admin.SimpleListFilter):
    """The outbox's reasons by what they mean, not by their code: the reasons the apps
    registered (``outbox_reasons``), so that no ``SELECT DISTINCT reason`` runs over the
    whole outbox on every view, as Django's field filter would (issue 14)."""

    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return reason_choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(reason=self.value())
        return queryset


def outbox_search(queryset, term: str):
    """Exact recipient (any case), Message-ID or object key, each through its index."""
    term = term.strip()
    if not term:
        return queryset
    if term.startswith("<"):
        return queryset.filter(message_id=term)
    if "@" in term:
        return queryset.alias(_recipient=Lower("recipient")).filter(_recipient=term.lower())
    return queryset.filter(object_key=term)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(PersonalDataAdminMixin, TrackedAdmin):
    # Status and the error first: what an operator looks for fits on a laptop screen.
    list_display = (
        "created_at",
        "status",
        "reason_label",
        "record",
        "attempts",
        "possible_duplicates",
        "last_error",
        "sent_at",
    )
    list_filter = ("status", ReasonFilter)
    search_fields = ("=object_key",)  # see get_search_results
    search_help_text = _("Exact recipient email, Message-ID or object (e.g. claims.claim:42:ack).")
    ordering = ("-created_at", "-id")
    actions = ("retry_failed",)
    # Issue 8 item 3: the bodies and headers are shown only through secrets_masked(); a
    # row with a one-time link stores its text with the link already masked.
    # Issue 13: the reason and the record as a person reads them, before their codes.
    fields = readonly_fields = [
        "reason_label",
        "record",
        *(
            f.name
            for f in OutboundMessage._meta.fields
            if f.name not in ("body_text", "body_html", "headers")
        ),
        "text_body",
        "html_body",
        "extra_headers",
    ]

    @admin.display(description=_("reason"), ordering="reason")
    def reason_label(self, obj):
        return reason_label(obj.reason)

    @admin.display(description=_("record"), ordering="object_key")
    def record(self, obj):
        return record_link(obj.object_key)

    @admin.display(description=_("text body"))
    def text_body(self, obj):
        return outbox.secrets_masked(obj.body_text)

    @admin.display(description=_("HTML body"))
    def html_body(self, obj):
        return outbox.secrets_masked(obj.body_html)

    @admin.display(description=_("extra headers"))
    def extra_headers(self, obj):
        return outbox.secrets_masked(json.dumps(obj.headers, ensure_ascii=False, indent=1))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The page shows a message, it never edits one: saving it wrote a history row
        # although nothing changed. Retrying is the one write (``retry_failed``).
        return False

    def has_retry_permission(self, request):
        """Who may queue failed messages again: the holders of the change permission
        (officers), checked here since the change view is closed to everyone (issue 8
        item 4)."""
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def get_search_results(self, request, queryset, search_term):
        return outbox_search(queryset, search_term), False

    @admin.action(description=_("Retry sending the selected messages"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        retried = 0
        for message in queryset.exclude(status=OutboundMessage.Status.SENT):
            try:
                outbox.message_retry(message=message, actor=request.user)
            except DomainError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                continue
            retried += 1
        self.message_user(request, _("%(count)s message(s) queued again.") % {"count": retried})


from . import calendar_admin  # noqa: E402,F401,I001  (calendar overrides, issue #5)
from . import retention_admin  # noqa: E402,F401,I001  (retention rules, issue 11)
from .api import admin as api_admin  # noqa: E402,F401  (API keys and webhooks, issue 12)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ListRowsMixin, admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = ("at", "user", "action", "record", "path")
    list_filter = ("action",)
    search_fields = ("=subject_key",)  # see get_search_results
    search_help_text = _("Exact staff email, or a record such as accounts.customer:42.")
    list_select_related = ("user",)
    ordering = ("-at", "-id")

    @admin.display(description=_("record"), ordering="subject_key")
    def record(self, obj):
        """The record's admin page, built from its key (no query per row)."""
        return record_link(obj.subject_key)

    def get_search_results(self, request, queryset, search_term):
        # By the (subject_key, at) and (user, at) indexes; "=field" would be UPPER(...).
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            from accounts.models import email_match  # the user model's own lookup

            staff = email_match(get_user_model().objects.all(), term).values("pk")
            return queryset.filter(user_id__in=staff), False
        return queryset.filter(subject_key=term), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
