"""Admin of recipients and written permissions (5.3.2); thin: services write."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.classification import DataCategory
from accounts.selectors import customers_search
from consents.models import Purpose
from homeshop_privacy.access_log import (
    PersonalDataAdminMixin,
    access_record,
)
from homeshop_privacy.admin_base import TrackedAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.errors import DomainError, domain_error_to_form
from homeshop_privacy.models import PersonalDataAccess
from homeshop_privacy.private_files import (
    TYPES,
    download_name,
    file_check,
    private_file_response,
    stored_content_type,
)

from .. import services
from ..models import (
    Recipient,
    WrittenPermission,
    category_labels,
)


class RecipientForm(forms.ModelForm):
    """Takes a BIN written with spaces and a lower-case country code, as people type them."""

    bin = forms.CharField(
        label=_("BIN"),
        required=False,
        max_length=20,
        help_text=_("Kazakhstan business identification number, 12 digits."),
    )

    class Meta:
        model = Recipient
        fields = (
            "legal_name",
            "kind",
            "bin",
            "foreign_registration",
            "country",
            "contact",
            "agreement_reference",
            "agreement_date",
            "is_active",
        )

    def clean_bin(self):
        return "".join((self.cleaned_data.get("bin") or "").split())

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").strip().upper()


@admin.register(Recipient)
class RecipientAdmin(ServiceAdmin, TrackedAdmin):
    form = RecipientForm
    list_display = ("legal_name", "kind", "bin", "country", "agreement_reference", "is_active")
    list_filter = ("kind", "is_active", "country")
    search_fields = ("legal_name", "=bin", "=foreign_registration")
    ordering = ("legal_name",)

    def has_delete_permission(self, request, obj=None):
        # The register points at recipients; a former one is made inactive instead.
        return False

    def service_save(self, request, obj, form, change):
        return services.recipient_save(
            recipient=obj,
            actor=request.user,
            reason="edited in admin" if change else "added in admin",
        )


# --- written permissions (5.3.2) ---------------------------------------------------------


class WrittenPermissionForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("data categories"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WrittenPermission
        fields = (
            "customer",
            "recipient",
            "purpose",
            "categories",
            "scope",
            "signed_on",
            "valid_until",
            "document_reference",
            "scan",
            "revocation_reason",
        )

    def clean(self):
        # The service checks again; here the refusal lands next to the field.
        cleaned = super().clean()
        scan = cleaned.get("scan")
        if scan and not self.instance.pk:
            try:
                file_check(scan, field="scan")
            except DomainError as exc:
                domain_error_to_form(self, exc)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "scan" in self.fields:
            self.fields["scan"].help_text = _("PDF, JPEG or PNG, up to 10 MB.")
        if self.instance.pk:
            # Once recorded, only the revocation reason is written (the rest is read-only).
            self.fields.pop("categories", None)
            if "revocation_reason" in self.fields:
                self.fields["revocation_reason"].help_text = _(
                    "Written when the customer withdraws the permission: saving it revokes "
                    "the permission from now on."
                )
        if "purpose" in self.fields:
            self.fields["purpose"].queryset = Purpose.objects.section4()


@admin.register(WrittenPermission)
class WrittenPermissionAdmin(ServiceAdmin, PersonalDataAdminMixin, TrackedAdmin):
    """Added once; afterwards only a revocation (with its reason) can be written."""

    form = WrittenPermissionForm
    list_display = (
        "document_reference",
        "customer",
        "recipient",
        "signed_on",
        "valid_until",
        "revoked_at",
    )
    list_filter = ("recipient", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("=document_reference",)  # see get_search_results
    search_help_text = _("Document reference, or the customer's exact email, phone or last name.")
    list_select_related = ("customer", "recipient")
    raw_id_fields = ("customer",)
    ordering = ("-signed_on", "-id")
    add_fields = WrittenPermissionForm.Meta.fields[:-1]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        shown_as = {"scan": "scan_download", "categories": "categories_display"}
        shown = tuple(shown_as.get(f, f) for f in self.add_fields)
        return (*shown, "recorded_at", "recorded_by", "revoked_at", "revocation_reason")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = (*self.get_fields(request, obj)[:-1],)
        if obj.revoked_at is not None:
            readonly += ("revocation_reason",)
        return readonly

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        # "=customer__email" is UPPER(email) on PostgreSQL: no index; customers are found
        # through accounts' own indexed search instead.
        term = search_term.strip()
        if not term:
            return queryset, False
        customers = customers_search(term=term).values("pk")
        return queryset.filter(Q(document_reference=term) | Q(customer_id__in=customers)), False

    @admin.display(description=_("data categories"))
    def categories_display(self, obj):
        return ", ".join(category_labels(obj.categories))

    @admin.display(description=_("scan"))
    def scan_download(self, obj):
        if not obj.scan:
            return "—"
        url = reverse("admin:disclosures_writtenpermission_scan", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/scan/",
                self.admin_site.admin_view(self.scan_view),
                name="disclosures_writtenpermission_scan",
            ),
            *super().get_urls(),
        ]

    def scan_view(self, request, pk):
        """The signed scan, for staff only: it is never under MEDIA_URL (1.5: logged)."""
        permission = get_object_or_404(WrittenPermission, pk=pk)
        if not self.has_view_permission(request, permission):
            raise PermissionDenied
        if not permission.scan:
            raise Http404
        access_record(
            user=request.user,
            obj=permission,
            action=PersonalDataAccess.Action.EXPORT,
            path=request.path,
        )
        # The type is read from the content (a scan kept before the checks existed may be
        # anything: it goes out as an opaque download); the name is the document's
        # reference, never the name the uploader gave the file.
        content_type = stored_content_type(permission.scan)
        extension = TYPES.get(content_type, ".bin")
        return private_file_response(
            permission.scan,
            filename=download_name(
                permission.document_reference, extension, fallback=f"permission-{permission.pk}"
            ),
            content_type=content_type or "application/octet-stream",
        )

    def service_save(self, request, obj, form, change):
        if change:
            if "revocation_reason" in form.changed_data and obj.revocation_reason.strip():
                return services.written_permission_revoke(
                    permission=obj, actor=request.user, reason=obj.revocation_reason
                )
            return obj
        return services.written_permission_record(
            actor=request.user,
            customer=obj.customer,
            recipient=obj.recipient,
            categories=form.cleaned_data["categories"],
            scope=obj.scope,
            signed_on=obj.signed_on,
            valid_until=obj.valid_until,
            document_reference=obj.document_reference,
            purpose_code=obj.purpose.code if obj.purpose_id else "",
            scan=form.cleaned_data.get("scan"),
        )
