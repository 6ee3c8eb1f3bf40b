"""Admin of breaches (5.4.4): compliance officers only (roles exclude "breach" for support)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.classification import DataCategory
from homeshop_privacy import roles
from homeshop_privacy.admin_base import TrackedAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.errors import DomainError
from homeshop_privacy.timestamps import display_datetime

from .. import selectors, services
from ..models import (
    BreachIncident,
    BreachNotice,
    Disclosure,
    category_labels,
)


class BreachIncidentForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("data categories concerned"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    add_from_disclosure = forms.ModelChoiceField(
        label=_("add the customers of register entry"),
        queryset=Disclosure.objects.all(),
        required=False,
        widget=forms.NumberInput,
        help_text=_("Register entry number, e.g. a lost courier manifest."),
    )
    add_emails = forms.CharField(
        label=_("add customers by email"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One email per line."),
    )

    class Meta:
        model = BreachIncident
        fields = (
            "reference",
            "title",
            "description",
            "discovered_at",
            "occurred_at",
            "categories",
            "notice_ru",
            "notice_kk",
            "notice_en",
        )

    def clean_categories(self):
        try:
            return services.breach_categories_check(self.cleaned_data["categories"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message_dict["categories"]) from exc

    def clean_add_emails(self):
        emails = (self.cleaned_data.get("add_emails") or "").split()
        try:
            return services.breach_customer_ids_by_email(emails=emails)
        except DomainError as exc:
            raise forms.ValidationError(exc.messages) from exc


class BreachNoticeInline(admin.TabularInline):
    model = BreachNotice
    fields = ("customer", "created_at", "email_status", "sent_at")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    list_limit = 100

    def get_queryset(self, request):
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        queryset = super().get_queryset(request).select_related("customer", "message")
        if object_id and str(object_id).isdigit():
            first = BreachNotice.objects.filter(incident_id=int(object_id)).order_by("pk")
            queryset = queryset.filter(
                pk__in=list(first.values_list("pk", flat=True)[: self.list_limit])
            )
        return queryset

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("email"))
    def email_status(self, notice):
        return notice.message.get_status_display()

    @admin.display(description=_("sent at"))
    def sent_at(self, notice):
        return display_datetime(notice.message.sent_at)


@admin.register(BreachIncident)
class BreachIncidentAdmin(ServiceAdmin, TrackedAdmin):
    form = BreachIncidentForm
    list_display = ("reference", "title", "discovered_at", "notification_started_at")
    search_fields = ("=reference", "title")
    ordering = ("-discovered_at", "-id")
    inlines = [BreachNoticeInline]
    actions = ["start_notification"]
    readonly_fields = ("notification_started_at", "progress", "recorded_by", "recorded_at")

    def get_fields(self, request, obj=None):
        fields = (*BreachIncidentForm.Meta.fields, "add_from_disclosure", "add_emails")
        if obj is None:
            return fields
        if obj.notification_started_at:
            # Frozen: the categories are shown by their names, not as stored codes.
            fields = tuple("categories_display" if f == "categories" else f for f in fields)
        return (*fields, *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.notification_started_at:
            # What customers are told is frozen once the first of them was told.
            return (
                *self.readonly_fields,
                "categories_display",
                "notice_ru",
                "notice_kk",
                "notice_en",
            )
        return self.readonly_fields

    @admin.display(description=_("data categories concerned"))
    def categories_display(self, obj):
        return ", ".join(category_labels(obj.categories))

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("customers affected / told / email sent"))
    def progress(self, obj):
        p = selectors.breach_notification_progress(incident=obj)
        return f"{p['affected']} / {p['notified']} / {p['sent']}"

    def service_save(self, request, obj, form, change):
        services.breach_save(
            incident=obj,
            actor=request.user,
            reason="edited in admin" if change else "breach recorded in admin",
        )
        ids = list(form.cleaned_data.get("add_emails") or [])
        disclosure = form.cleaned_data.get("add_from_disclosure")
        if disclosure is not None:
            services.breach_add_affected_from_disclosure(
                incident=obj, disclosure=disclosure, actor=request.user
            )
        if ids:
            services.breach_add_affected(incident=obj, customer_ids=ids, actor=request.user)
        return obj

    def has_notify_permission(self, request):
        return request.user.has_perm(roles.NOTIFY_BREACH)

    @admin.action(
        description=_("Notify the affected customers (each once)"), permissions=["notify"]
    )
    def start_notification(self, request, queryset):
        for incident in queryset:
            services.breach_notification_start(incident=incident, actor=request.user)
        self.message_user(
            request, _("Notification started; the page shows how many were told and sent.")
        )
