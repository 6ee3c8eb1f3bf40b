from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import linebreaks_filter as linebreaks
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.selectors import customers_search
from homeshop_privacy.access_log import PersonalDataAdminMixin
from homeshop_privacy.admin_base import AppendOnlyAdmin, TrackedAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.errors import DomainError, domain_error_to_form

from . import services
from .customer_page import export_proof_csv, export_proof_json
from .models import ConsentEvent, PolicyVersion, Purpose
from .policy_text import policy_blocks

# --- policy versions -----------------------------------------------------------------------


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ServiceAdmin, TrackedAdmin):
    list_display = ("label", "status", "published_at", "effective_from", "is_material")
    list_filter = ("is_material",)
    search_fields = ("=label",)
    ordering = ("-created_at", "-id")
    actions = ["publish", "notify_again"]
    editable_fields = (
        "label",
        "is_material",
        "effective_from",
        "change_summary",
        "change_summary_kk",
        "change_summary_en",
        "text_ru",
        "text_kk",
        "text_en",
    )
    rendered_fields = ("published_at", "rendered_ru", "rendered_kk", "rendered_en")

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.editable_fields
        if obj.is_published:
            # The frozen texts are shown once, as customers see them.
            return tuple(f for f in self.editable_fields if not f.startswith("text_")) + (
                self.rendered_fields
            )
        return self.editable_fields + self.rendered_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            # 7.1: a published text is frozen; a correction is a new version.
            return self.editable_fields + self.rendered_fields
        return self.rendered_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would touch published rows
        return actions

    @admin.display(description=_("status"))
    def status(self, obj):
        if not obj.is_published:
            return _("Draft")
        if obj.effective_from > timezone.now():
            return _("Published, not yet in force")
        return _("Published")

    def _rendered(self, obj, language):
        text = getattr(obj, f"text_{language}")
        if not text:
            return _("(not translated: customers see the Russian text)")
        return format_html(
            '<div lang="{}" style="max-height:28em;overflow:auto;max-width:60em;'
            'border:1px solid #ddd;padding:.5em 1em">{}</div>',
            language,
            render_to_string("consents/_policy_blocks.html", {"blocks": policy_blocks(text)}),
        )

    @admin.display(description=_("rendered (Russian)"))
    def rendered_ru(self, obj):
        return self._rendered(obj, "ru")

    @admin.display(description=_("rendered (Kazakh)"))
    def rendered_kk(self, obj):
        return self._rendered(obj, "kk")

    @admin.display(description=_("rendered (English)"))
    def rendered_en(self, obj):
        return self._rendered(obj, "en")

    def service_save(self, request, obj, form, change):
        return services.policy_version_save_draft(version=obj, actor=request.user)

    @admin.action(description=_("Publish the selected drafts now"), permissions=["change"])
    def publish(self, request, queryset):
        for version in queryset.order_by("pk"):
            try:
                services.policy_version_publish(version=version, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("Version %s published.") % version, messages.SUCCESS)

    @admin.action(
        description=_("Inform customers of the selected material changes (again)"),
        permissions=["change"],
    )
    def notify_again(self, request, queryset):
        for version in queryset.filter(is_material=True, published_at__isnull=False):
            services.policy_change_notification_dispatch(version=version)
            self.message_user(
                request,
                _("Notification of version %s started; already informed customers are skipped.")
                % version,
            )


# --- purposes ------------------------------------------------------------------------------


@admin.register(Purpose)
class PurposeAdmin(TrackedAdmin):
    list_display = ("code", "title_en", "kind", "basis")
    list_filter = ("kind", "basis")
    ordering = ("kind", "position", "code")
    # The catalogue is fixed by the policy (4.2); only the titles' wording may be corrected.
    readonly_fields = ("code", "kind", "basis", "position")
    fields = ("code", "kind", "basis", "position", "title_ru", "title_kk", "title_en")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the ledger ----------------------------------------------------------------------------


class ConsentEventAddForm(forms.ModelForm):
    """Staff record a choice the customer made elsewhere (a signed form, a phone call)."""

    wording_text = forms.CharField(
        label=_("wording the customer saw or signed"), widget=forms.Textarea, required=False
    )

    class Meta:
        model = ConsentEvent
        fields = ("customer", "purpose", "action", "occurred_at", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "purpose" in self.fields:
            self.fields["purpose"].queryset = Purpose.objects.filter(
                basis=Purpose.Basis.CONSENT
            ).order_by("kind", "position")

    def clean(self):
        cleaned = super().clean()
        purpose, action = cleaned.get("purpose"), cleaned.get("action")
        if purpose and action:
            try:
                services.consent_event_validate(
                    purpose=purpose,
                    action=action,
                    occurred_at=cleaned.get("occurred_at") or timezone.now(),
                )
            except DomainError as exc:
                domain_error_to_form(self, exc)
        return cleaned


@admin.register(ConsentEvent)
class ConsentEventAdmin(ServiceAdmin, PersonalDataAdminMixin, AppendOnlyAdmin):
    # 1.5: an event shows the customer's IP address and browser; each view is logged.
    # The ledger has no edit history (rows never change): the plain admin log suffices.
    object_history_template = None
    change_form_template = None
    form = ConsentEventAddForm
    list_display = (
        "occurred_at",
        "customer",
        "purpose_code",
        "action",
        "channel",
        "policy_version",
        "actor",
    )
    list_filter = ("purpose", "action", "channel", "occurred_at")
    date_hierarchy = None
    search_fields = ("=customer__email", "=customer__phone", "customer__last_name")
    search_help_text = _("The customer's exact email, phone number or last name.")
    list_select_related = ("customer", "purpose", "policy_version", "actor")
    raw_id_fields = ("customer",)
    ordering = ("-occurred_at", "-id")
    actions = [export_proof_json, export_proof_csv]
    readonly_fields = (
        "customer",
        "purpose",
        "action",
        "occurred_at",
        "recorded_at",
        "channel",
        "actor",
        "policy_version",
        "ip_address",
        "user_agent",
        "wording_hash",
        "wording_text",
        "note",
    )

    def history_view(self, request, object_id, extra_context=None):
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("customer", "purpose", "action", "occurred_at", "note", "wording_text")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """The customer's exact email (any case), phone (as typed) or last name: each
        through an index of the customers (``accounts.selectors.customers_search``),
        then the ledger's own (customer, ...) index."""
        if not search_term.strip():
            return queryset, False
        customers = customers_search(term=search_term).values("pk")
        return queryset.filter(customer_id__in=customers), False

    @admin.display(description=_("purpose"), ordering="purpose__code")
    def purpose_code(self, obj):
        return obj.purpose.code

    @admin.display(description=_("wording SHA-256"))
    def wording_hash(self, obj):
        return obj.wording.sha256 if obj.wording else "—"

    @admin.display(description=_("wording shown"))
    def wording_text(self, obj):
        return linebreaks(obj.wording.text) if obj.wording else "—"

    def service_save(self, request, obj, form, change):
        return services.consent_record(
            customer=obj.customer,
            purpose_code=obj.purpose.code,
            action=obj.action,
            channel=ConsentEvent.Channel.STAFF,
            actor=request.user,
            occurred_at=form.cleaned_data.get("occurred_at"),
            wording_text=form.cleaned_data.get("wording_text", ""),
            note=obj.note,
        )
