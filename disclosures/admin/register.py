"""Admin of the disclosure register: entries, lines, voids, the CSV export for the
regulator, and a customer's disclosures on their page (1.3, 5.2.1); thin: services write."""

import csv
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.classification import DataCategory
from accounts.models import Customer, Order
from consents.models import Purpose
from homeshop_privacy import roles
from homeshop_privacy.access_log import (
    PersonalDataAdminMixin,
    accesses_record_many,
)
from homeshop_privacy.admin_base import AppendOnlyAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.csv_safety import csv_safe_row
from homeshop_privacy.errors import DomainError, domain_error_to_form
from homeshop_privacy.models import PersonalDataAccess
from homeshop_privacy.timestamps import display_datetime, export_timestamp

from .. import selectors, services
from ..models import (
    Disclosure,
    DisclosureLine,
    DisclosureVisibility,
    DisclosureVoid,
    Recipient,
)
from ..services import LineInput


def _local(value: datetime | None) -> str:
    """A moment in the register export: ISO 8601 with the Almaty offset (issue 9 §7)."""
    return export_timestamp(value) or ""


class DisclosureForm(forms.ModelForm):
    """One disclosure concerning one customer (a manifest goes through import_manifest)."""

    categories = forms.MultipleChoiceField(
        label=capfirst(_("data categories")),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    # Issue 13: picked by name, email, phone or order number (the admin's autocomplete,
    # which answers only staff who may view customers and orders), never a raw id.
    customer = forms.ModelChoiceField(
        label=capfirst(_("customer")),
        queryset=Customer.objects.all(),
        required=False,
        widget=AutocompleteSelect(DisclosureLine._meta.get_field("customer"), admin.site),
        help_text=_("Leave empty for 5.4.1 or when the order is given."),
    )
    order = forms.ModelChoiceField(
        label=capfirst(_("order")),
        queryset=Order.objects.all(),
        required=False,
        widget=AutocompleteSelect(DisclosureLine._meta.get_field("order"), admin.site),
    )

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
        customer, order = data.get("customer"), data.get("order")
        number = order.number if order is not None else ""
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
            services.disclosure_record(**self.service_arguments(), check_only=True)
        except services.LinesRefused as exc:
            raise forms.ValidationError([r.message for r in exc.rejected]) from exc
        except DomainError as exc:
            domain_error_to_form(self, exc)
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


def _of_recipients(queryset, recipients):
    """The entries of these recipients, by their ids: the recipients are a few dozen rows,
    read first; the register is then filtered by its own recipient column (a join to the
    recipients read every entry when none matched, issue 14)."""
    return queryset.filter(recipient_id__in=list(recipients.values_list("pk", flat=True)))


class RecipientKindFilter(admin.SimpleListFilter):
    title = _("kind")
    # The address the tests and bookmarks use; "__exact" links still work (as a lookup).
    parameter_name = "recipient__kind"

    def lookups(self, request, model_admin):
        return Recipient.Kind.choices

    def queryset(self, request, queryset):
        if self.value():
            return _of_recipients(queryset, Recipient.objects.filter(kind=self.value()))
        return queryset


class AbroadFilter(admin.SimpleListFilter):
    """Law 94-V art. 16: transfers out of Kazakhstan, apart from the rest."""

    title = _("transfer abroad (art. 16)")
    parameter_name = "abroad"

    def lookups(self, request, model_admin):
        return (("yes", _("Abroad")), ("no", _("Within Kazakhstan")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return _of_recipients(queryset, Recipient.objects.exclude(country="KZ"))
        if self.value() == "no":
            return _of_recipients(queryset, Recipient.objects.filter(country="KZ"))
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


class VisibilityForm(forms.Form):
    shown = forms.BooleanField(
        label=_("show to the customer"),
        required=False,
        help_text=_(
            "5.4.3: a state body's request may be confidential. Ticked, the customer sees "
            "this entry on their page and in their data download."
        ),
    )
    reason = forms.CharField(label=_("why"), widget=forms.Textarea(attrs={"rows": 3}))


class VoidActionForm(ActionForm):
    void_reason = forms.CharField(
        label=capfirst(_("reason (for voiding)")),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 40}),
    )


@admin.register(Disclosure)
class DisclosureAdmin(ServiceAdmin, PersonalDataAdminMixin, AppendOnlyAdmin):
    form = DisclosureForm
    action_form = VoidActionForm
    change_list_template = "admin/disclosures/disclosure/change_list.html"
    # Narrow enough for a laptop: a void shows next to the date, the basis as its clause
    # (the full wording on hover); the recipient's kind is a filter and in the CSV.
    list_display = (
        "disclosed_at",
        "voided",
        "recipient",
        "abroad",
        "basis_code",
        "purpose_code",
        "categories_display",
        "line_count",
        "reference",
    )
    list_filter = (
        "recipient",
        RecipientKindFilter,
        "basis",
        PurposeFilter,
        ("disclosed_at", admin.DateFieldListFilter),
        VoidedFilter,
        AbroadFilter,
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

    @admin.display(description=_("abroad (art. 16)"))
    def abroad(self, obj):
        return obj.recipient.country if obj.recipient.is_abroad else ""

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
                "order",
                *DisclosureForm.Meta.fields[4:],
            )
        # The authority's request only where 5.4.3 asks for it (elsewhere three dashes).
        authority_request = (
            ("request_number", "request_date", "legal_ground", "customer_visibility")
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

    def service_save(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        return services.disclosure_record(**form.service_arguments())

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

    # --- 5.4.3: shown to the customer or not (an officer's decision per entry) --------

    def has_visibility_permission(self, request):
        return request.user.has_perm("disclosures.change_disclosurevisibility")

    @admin.display(description=_("shown to the customer"))
    def customer_visibility(self, obj):
        decision = DisclosureVisibility.objects.filter(disclosure=obj).first()
        if decision is None:
            state = gettext("No: a state body's request stays hidden unless an officer decides.")
        else:
            state = gettext("%(shown)s — decided by %(who)s on %(when)s: %(why)s") % {
                "shown": gettext("Yes") if decision.shown_to_customer else gettext("No"),
                "who": decision.decided_by,
                "when": display_datetime(decision.decided_at),
                "why": decision.reason,
            }
        if not getattr(obj, "_may_decide", False):
            return state
        url = reverse("admin:disclosures_disclosure_visibility", args=[obj.pk])
        return format_html('{} <a class="button" href="{}">{}</a>', state, url, gettext("Decide"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._may_decide = self.has_visibility_permission(request)
        return obj

    def visibility_view(self, request, pk):
        """5.4.3: an officer shows the entry to the customer, or hides it again."""
        disclosure = get_object_or_404(Disclosure, pk=pk)
        if not self.has_visibility_permission(request):
            raise PermissionDenied
        if disclosure.basis != Disclosure.Basis.STATE_AUTHORITY:
            raise Http404
        current = DisclosureVisibility.objects.filter(disclosure=disclosure).first()
        form = VisibilityForm(
            request.POST or None,
            initial={"shown": current.shown_to_customer if current else False},
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.disclosure_visibility_decide(
                    disclosure=disclosure,
                    actor=request.user,
                    shown=form.cleaned_data["shown"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, gettext("The decision was recorded."))
                return redirect(reverse("admin:disclosures_disclosure_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Show this entry to the customer?"),
            "subtitle": str(disclosure),
            "opts": self.opts,
            "original": disclosure,
            "form": form,
        }
        return TemplateResponse(request, "admin/disclosures/breachincident/workflow.html", context)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/visibility/",
                self.admin_site.admin_view(self.visibility_view),
                name="{}_{}_visibility".format(*info),
            ),
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
    # Law 94-V art. 16: the recipient's country when the data left Kazakhstan.
    "cross_border",
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
        export_timestamp(d.request_date) or "",
        d.legal_ground,
    ], [
        _local(d.recorded_at),
        d.recorded_by.get_username() if d.recorded_by else "",
        _local(void.voided_at) if void else "",
        void.reason if void else "",
        d.recipient.country if d.recipient.is_abroad else "",
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
