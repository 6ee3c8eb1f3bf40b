"""Admin of recipients, written permissions and the disclosure register (thin: services write)."""

import csv
import os
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.classification import DataCategory
from accounts.models import Customer
from accounts.selectors import customers_search
from consents.models import Purpose
from homeshop_privacy import roles
from homeshop_privacy.access_log import (
    PersonalDataAdminMixin,
    access_record,
    accesses_record_many,
)
from homeshop_privacy.admin_base import AppendOnlyAdmin, TrackedAdmin
from homeshop_privacy.csv_safety import csv_safe_row
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import PersonalDataAccess

from . import selectors, services
from .models import (
    BreachIncident,
    BreachNotice,
    Disclosure,
    DisclosureLine,
    DisclosureVoid,
    Recipient,
    WrittenPermission,
    category_labels,
)
from .services import LineInput


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# --- recipients --------------------------------------------------------------------------


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
class RecipientAdmin(TrackedAdmin):
    form = RecipientForm
    list_display = ("legal_name", "kind", "bin", "country", "agreement_reference", "is_active")
    list_filter = ("kind", "is_active", "country")
    search_fields = ("legal_name", "=bin", "=foreign_registration")
    ordering = ("legal_name",)

    def has_delete_permission(self, request, obj=None):
        # The register points at recipients; a former one is made inactive instead.
        return False

    def save_model(self, request, obj, form, change):
        services.recipient_save(
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
class WrittenPermissionAdmin(PersonalDataAdminMixin, TrackedAdmin):
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
        return FileResponse(
            permission.scan.open("rb"),
            as_attachment=True,
            filename=os.path.basename(permission.scan.name),
        )

    def save_model(self, request, obj, form, change):
        if change:
            if "revocation_reason" in form.changed_data and obj.revocation_reason.strip():
                services.written_permission_revoke(
                    permission=obj, actor=request.user, reason=obj.revocation_reason
                )
            return
        saved = services.written_permission_record(
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
        obj.pk = saved.pk
        obj._state.adding = False


# --- the register ------------------------------------------------------------------------


class DisclosureForm(forms.ModelForm):
    """One disclosure concerning one customer (a manifest goes through import_manifest)."""

    categories = forms.MultipleChoiceField(
        label=_("data categories"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    customer = forms.ModelChoiceField(
        label=_("customer"),
        queryset=Customer.objects.all(),
        required=False,
        widget=forms.NumberInput,
        help_text=_("Customer id; leave empty for 5.4.1 or when the order is given."),
    )
    order_number = forms.CharField(label=_("order number"), required=False, max_length=32)

    class Meta:
        model = Disclosure
        fields = (
            "recipient",
            "basis",
            "purpose",
            "categories",
            "disclosed_at",
            "reference",
            "request_number",
            "request_date",
            "legal_ground",
            "note",
        )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        if "purpose" in self.fields:  # the add form (an entry's own page is read-only)
            self.fields["purpose"].queryset = Purpose.objects.section4()
            self.fields["recipient"].queryset = Recipient.objects.filter(is_active=True)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        customer, number = data.get("customer"), (data.get("order_number") or "").strip()
        lines = []
        if customer is not None or number:
            lines = [LineInput(order_number=number, customer_id=customer.pk if customer else None)]
        return {
            "actor": self.actor,
            "recipient": data["recipient"],
            "basis": data["basis"],
            "purpose_code": data["purpose"].code,
            "categories": data["categories"],
            "disclosed_at": data["disclosed_at"],
            "lines": lines,
            "reference": data.get("reference", ""),
            "request_number": data.get("request_number", ""),
            "request_date": data.get("request_date"),
            "legal_ground": data.get("legal_ground", ""),
            "note": data.get("note", ""),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.disclosure_check(**self.service_arguments())
        except services.LinesRefused as exc:
            raise forms.ValidationError([r.message for r in exc.rejected]) from exc
        except DomainError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                raise forms.ValidationError(exc.messages) from exc
        return cleaned


class VoidedFilter(admin.SimpleListFilter):
    title = _("voided")
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return (("no", _("In force")), ("yes", _("Voided")))

    def queryset(self, request, queryset):
        voided = Exists(DisclosureVoid.objects.filter(disclosure=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(voided)
        if self.value() == "no":
            return queryset.filter(~voided)
        return queryset


class PurposeFilter(admin.SimpleListFilter):
    """The ten purposes of 4.2 (the catalogue also holds cookie and policy codes)."""

    title = _("purpose")
    parameter_name = "purpose"

    def lookups(self, request, model_admin):
        return [(str(p.pk), str(p)) for p in Purpose.objects.section4()]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(purpose_id=int(self.value()))
        return queryset


class CustomerFilter(admin.SimpleListFilter):
    """``?customer=<id>``: the link from a customer's page to all their disclosures."""

    title = _("customer")
    parameter_name = "customer"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, _("customer %(id)s") % {"id": value})] if value else []

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            lines = DisclosureLine.objects.filter(customer_id=int(self.value()))
            return queryset.filter(pk__in=lines.values("disclosure_id"))
        return queryset


class DisclosureLineInline(admin.TabularInline):
    model = DisclosureLine
    fields = ("line_no", "customer", "order", "permission")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    # A manifest has thousands of lines: the page shows the first ones, the CSV all.
    list_limit = 100

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("customer", "order", "permission")
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if object_id and str(object_id).isdigit():
            first = (
                DisclosureLine.objects.filter(disclosure_id=int(object_id))
                .order_by("line_no")
                .values_list("pk", flat=True)[: self.list_limit]
            )
            queryset = queryset.filter(pk__in=list(first))
        return queryset

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DisclosureVoidInline(admin.StackedInline):
    model = DisclosureVoid
    fields = ("voided_at", "voided_by", "reason")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VoidActionForm(ActionForm):
    void_reason = forms.CharField(
        label=_("reason (for voiding)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(Disclosure)
class DisclosureAdmin(PersonalDataAdminMixin, AppendOnlyAdmin):
    form = DisclosureForm
    action_form = VoidActionForm
    change_list_template = "admin/disclosures/disclosure/change_list.html"
    # Narrow enough for a laptop: a void shows next to the date, the basis as its clause
    # (the full wording on hover); the recipient's kind is a filter and in the CSV.
    list_display = (
        "disclosed_at",
        "voided",
        "recipient",
        "basis_code",
        "purpose_code",
        "categories_display",
        "line_count",
        "reference",
    )
    list_filter = (
        "recipient",
        "recipient__kind",
        "basis",
        PurposeFilter,
        ("disclosed_at", admin.DateFieldListFilter),
        VoidedFilter,
        CustomerFilter,
    )
    list_select_related = ("recipient", "purpose", "void")
    search_fields = ("=reference",)  # see get_search_results
    search_help_text = _("Customer email or phone, order number, or manifest number.")
    ordering = ("-disclosed_at", "-id")
    inlines = [DisclosureVoidInline, DisclosureLineInline]
    actions = ["void_selected"]

    @admin.display(description=_("lawful basis"), ordering="basis")
    def basis_code(self, obj):
        short = _("consent") if obj.basis == Disclosure.Basis.CONSENT else obj.basis
        return format_html('<span title="{}">{}</span>', obj.get_basis_display(), short)

    @admin.display(description=_("purpose"), ordering="purpose__code")
    def purpose_code(self, obj):
        return obj.purpose.code

    @admin.display(description=_("data categories"))
    def categories_display(self, obj):
        return ", ".join(obj.category_labels)

    @admin.display(description=_("voided"))
    def voided(self, obj):
        # A word on the few voided rows; a red cross on every row in force read as errors.
        return format_html("<strong>{}</strong>", _("voided")) if obj.is_voided else ""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form

        class BoundActorForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, actor=request.user, **kw)

        return BoundActorForm

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                *DisclosureForm.Meta.fields[:4],
                "customer",
                "order_number",
                *DisclosureForm.Meta.fields[4:],
            )
        # The authority's request only where 5.4.3 asks for it (elsewhere three dashes).
        authority_request = (
            ("request_number", "request_date", "legal_ground")
            if obj.basis == Disclosure.Basis.STATE_AUTHORITY
            else ()
        )
        return (
            "recipient",
            "basis",
            "purpose",
            "categories_display",
            "disclosed_at",
            "reference",
            *authority_request,
            "note",
            "line_count",
            "recorded_at",
            "recorded_by",
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def get_inline_instances(self, request, obj=None):
        if obj is None:
            return []
        inlines = super().get_inline_instances(request, obj)
        # An empty "voids" box on every entry reads as if something were missing.
        return [i for i in inlines if obj.is_voided or not isinstance(i, DisclosureVoidInline)]

    def get_search_results(self, request, queryset, search_term):
        return selectors.register_search(queryset=queryset, term=search_term), False

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        saved = services.disclosure_record(**form.service_arguments())
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The service wrote the lines; there is nothing related to save from the form.
        pass

    def has_void_permission(self, request):
        return request.user.has_perm(roles.VOID_DISCLOSURE)

    @admin.action(
        description=_("Void the selected entries (recorded by mistake)"), permissions=["void"]
    )
    def void_selected(self, request, queryset):
        # A void stands in the register for good: it says why, in the officer's words
        # (typed in the box beside the action), never a made-up reason.
        reason = (request.POST.get("void_reason") or "").strip()
        if not reason:
            self.message_user(
                request,
                _("Write why the selected entries are void in the reason box; none was voided."),
                messages.ERROR,
            )
            return
        done = 0
        for disclosure in queryset:
            try:
                services.disclosure_void(disclosure=disclosure, actor=request.user, reason=reason)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{disclosure}: {exc.messages[0]}", messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d entry voided.", "%(count)d entries voided.", done)
                % {"count": done},
            )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_csv_view),
                name="{}_{}_export_csv".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_export_permission(self, request):
        return request.user.has_perm("disclosures.export_disclosure")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_export": self.has_export_permission(request)}
        return super().changelist_view(request, extra_context)

    def export_csv_view(self, request):
        """The register as filtered on the list page, one row per customer concerned."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        disclosures = changelist.get_queryset(request)
        lines, without_customer = selectors.register_for_export(
            disclosures=disclosures, term=changelist.query
        )
        # 1.5: the export is attributable: one "exported" entry per customer in it.
        customer_ids = lines.order_by().values_list("customer_id", flat=True).distinct()
        accesses_record_many(
            user=request.user,
            model=Customer,
            pks=customer_ids.iterator(chunk_size=5000),
            action=PersonalDataAccess.Action.EXPORT,
            path=request.get_full_path(),
        )
        filename = f"disclosure-register-{timezone.localdate():%Y-%m-%d}.csv"
        response = StreamingHttpResponse(
            csv_rows(lines, without_customer), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


EXPORT_HEADER = (
    "disclosure_id",
    "disclosed_at",
    "recipient",
    "recipient_bin_or_registration",
    "recipient_kind",
    "basis",
    "purpose",
    "data_categories",
    "reference",
    "request_number",
    "request_date",
    "legal_ground",
    "line",
    "customer_id",
    "customer_name",
    "customer_email",
    "customer_phone",
    "order_number",
    "written_permission",
    "recorded_at",
    "recorded_by",
    "voided_at",
    "void_reason",
)


class _Echo:
    def write(self, value):
        return value


def _entry_columns(d: Disclosure) -> list:
    void = getattr(d, "void", None) if d.is_voided else None
    return [
        d.pk,
        _local(d.disclosed_at),
        d.recipient.legal_name,
        d.recipient.bin or d.recipient.foreign_registration,
        d.recipient.kind,
        d.basis,
        d.purpose.code,
        ";".join(d.categories),
        d.reference,
        d.request_number,
        d.request_date.isoformat() if d.request_date else "",
        d.legal_ground,
    ], [
        _local(d.recorded_at),
        d.recorded_by.get_username() if d.recorded_by else "",
        _local(void.voided_at) if void else "",
        void.reason if void else "",
    ]


def csv_rows(lines, without_customer):
    """Stream the export: lines are read in chunks, never all held in memory."""
    writer = csv.writer(_Echo())
    # A byte-order mark so that spreadsheet programs read the Cyrillic text as UTF-8.
    yield "\ufeff" + writer.writerow(EXPORT_HEADER)
    for line in lines.iterator(chunk_size=2000):
        head, tail = _entry_columns(line.disclosure)
        customer = line.customer
        yield writer.writerow(
            csv_safe_row(
                [
                    *head,
                    line.line_no,
                    customer.pk,
                    customer.full_name,
                    customer.email,
                    customer.phone,
                    line.order.number if line.order_id else "",
                    line.permission.document_reference if line.permission_id else "",
                    *tail,
                ]
            )
        )
    for disclosure in without_customer.iterator(chunk_size=2000):
        head, tail = _entry_columns(disclosure)
        yield writer.writerow(csv_safe_row([*head, "", "", "", "", "", "", "", *tail]))


# --- the customer page shows that customer's disclosures ---------------------------------


class CustomerDisclosureInline(admin.TabularInline):
    """The latest disclosures of the customer, for ``CustomerAdmin`` (5.2.1, 1.3).

    Attached below to the registered Customer admin (accounts owns that file). Only the
    latest ``list_limit`` rows are shown; the link in each row and the register filter
    ``?customer=<id>`` lead to the rest.
    """

    model = DisclosureLine
    fk_name = "customer"
    # The table, then a link to every entry of the customer (or "none recorded").
    template = "admin/disclosures/customer_disclosures_inline.html"
    verbose_name = _("disclosure of this customer's data")
    verbose_name_plural = _("disclosures of this customer's data (latest first)")
    fields = ("disclosed_at", "recipient", "what", "why", "order", "entry")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0
    list_limit = 50

    def get_queryset(self, request):
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if not (object_id and str(object_id).isdigit()):
            return DisclosureLine.objects.none()
        latest = selectors.customer_disclosures(customer_id=int(object_id), include_voided=True)
        ids = list(latest.values_list("pk", flat=True)[: self.list_limit])
        return latest.filter(pk__in=ids)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("recipient"))
    def recipient(self, line):
        return line.disclosure.recipient

    @admin.display(description=_("data categories"))
    def what(self, line):
        return ", ".join(line.disclosure.category_labels)

    @admin.display(description=_("lawful basis and purpose"))
    def why(self, line):
        return f"{line.disclosure.get_basis_display()} / {line.disclosure.purpose.code}"

    @admin.display(description=_("register entry"))
    def entry(self, line):
        url = reverse("admin:disclosures_disclosure_change", args=[line.disclosure_id])
        label = _("voided") if line.disclosure.is_voided else _("open")
        return format_html('<a href="{}">#{} ({})</a>', url, line.disclosure_id, label)


def attach_customer_inline(site: admin.AdminSite = admin.site) -> None:
    """Show a customer's disclosures on their admin page (accounts.admin owns the class)."""
    try:
        customer_admin = site.get_model_admin(Customer)
    except admin.sites.NotRegistered:
        return
    if CustomerDisclosureInline not in customer_admin.inlines:
        customer_admin.inlines = [*customer_admin.inlines, CustomerDisclosureInline]


attach_customer_inline()


# --- breaches (5.4.4): compliance officers only (roles exclude "breach" for support) ------


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
        return _local(notice.message.sent_at)


@admin.register(BreachIncident)
class BreachIncidentAdmin(TrackedAdmin):
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

    def save_model(self, request, obj, form, change):
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
