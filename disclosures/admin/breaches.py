"""Admin of breaches (5.4.4): compliance officers only (roles exclude "breach" for support)."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.classification import DataCategory
from homeshop_privacy import roles
from homeshop_privacy.admin_base import TrackedAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.calendar import local_date
from homeshop_privacy.errors import DomainError
from homeshop_privacy.private_files import download_name
from homeshop_privacy.timestamps import display_date, display_datetime

from .. import selectors, services
from ..filing_document import filing_pdf
from ..models import (
    SEVERITY_DEFINITIONS,
    BreachIncident,
    BreachNotice,
    Disclosure,
    category_labels,
)
from .breach_fanout import BreachFanoutAdminMixin

#: The incident itself, then what the filing with the regulator states (art. 25 p.2);
#: the notice to customers (5.4.4) is its own fieldset (``NOTICE_FIELDS``).
INCIDENT_FIELDS = (
    "reference",
    "title",
    "description",
    "kind",
    "severity",
    "source",
    "discovered_at",
    "occurred_at",
    "occurred_until",
    "categories",
)
REGULATOR_FIELDS = (
    "people_categories",
    "people_estimate",
    "consequences",
    "containment_notes",
    "remediation_notes",
    "responsible_name",
    "responsible_contacts",
)
NOTICE_FIELDS = ("notice_ru", "notice_kk", "notice_en", "add_from_disclosure", "add_emails")


class BreachIncidentForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=capfirst(_("data categories concerned")),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    add_from_disclosure = forms.ModelChoiceField(
        label=capfirst(_("add the customers of register entry")),
        queryset=Disclosure.objects.all(),
        required=False,
        widget=forms.NumberInput,
        help_text=_("Register entry number, e.g. a lost courier manifest."),
    )
    add_emails = forms.CharField(
        label=capfirst(_("add customers by email")),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One email per line."),
    )

    class Meta:
        model = BreachIncident
        fields = (*INCIDENT_FIELDS, *REGULATOR_FIELDS, "notice_ru", "notice_kk", "notice_en")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "consequences": forms.Textarea(attrs={"rows": 3}),
            "containment_notes": forms.Textarea(attrs={"rows": 3}),
            "remediation_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "severity" in self.fields:
            # Each grade defined in one line beside its choice: the officer grades by it.
            self.fields["severity"].widget = forms.RadioSelect(
                choices=[("", _("Not assessed yet"))]
                + [(value, SEVERITY_DEFINITIONS[value]) for value in BreachIncident.Severity]
            )
        if "source" in self.fields:
            self.fields["source"].required = False

    def clean_source(self):
        # Most incidents are found in-house: a form without the field means that.
        return self.cleaned_data.get("source") or BreachIncident.Source.INTERNAL

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


def _badge(css: str, text: str, title: str = ""):
    return format_html('<span class="breach-due {}" title="{}">{}</span>', css, title, text)


def regulator_due_badge(incident: BreachIncident, today: date):
    """Filed (on time or late), or the date with "due today" / "overdue" standing out."""
    filing = getattr(incident, "filing", None) if incident.is_filed else None
    if filing is not None:
        if filing.filed_late:
            return _badge("late", gettext("filed late"), display_date(filing.due_on))
        return _badge("ok", gettext("filed on time"), display_date(filing.due_on))
    if incident.status == BreachIncident.Status.NOT_A_BREACH:
        return _badge("none", gettext("not a breach"))
    if incident.regulator_due_on is None:
        return "—"
    text = display_date(incident.regulator_due_on)
    explanation = incident.regulator_due_explanation
    if incident.regulator_due_on < today:
        return _badge("overdue", f"{text} · {gettext('OVERDUE')}", explanation)
    if incident.regulator_due_on == today:
        return _badge("today", f"{text} · {gettext('due today')}", explanation)
    return _badge("later", text, explanation)


class RegulatorDueFilter(admin.SimpleListFilter):
    """Art. 25 p.2: what must reach the regulator today, what is late, what is filed."""

    title = _("regulator's date")
    parameter_name = "regulator"

    def lookups(self, request, model_admin):
        return (
            ("overdue", _("Overdue")),
            ("today", _("Due today")),
            ("unfiled", _("Not filed")),
            ("filed", _("Filed")),
        )

    def queryset(self, request, queryset):
        today = local_date(timezone.now())
        owed = queryset.filter(filing__isnull=True).exclude(
            status=BreachIncident.Status.NOT_A_BREACH
        )
        if self.value() == "overdue":
            return owed.filter(regulator_due_on__lt=today)
        if self.value() == "today":
            return owed.filter(regulator_due_on=today)
        if self.value() == "unfiled":
            return owed
        if self.value() == "filed":
            return queryset.filter(filing__isnull=False)
        return queryset


class FilingForm(forms.Form):
    reference = forms.CharField(
        label=_("filing reference"),
        max_length=100,
        help_text=_("The number the authorised body gave the notification."),
    )
    filed_at = forms.SplitDateTimeField(
        label=_("filed at"),
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        help_text=_("Leave empty for now."),
    )


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("new status"), choices=BreachIncident.Status.choices)
    reason = forms.CharField(
        label=_("why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Required to decide that it is not a breach."),
    )


@admin.register(BreachIncident)
class BreachIncidentAdmin(ServiceAdmin, BreachFanoutAdminMixin, TrackedAdmin):
    """The incident page: status and the regulator's clock first, then the incident, what
    the filing states, and the notice to customers.

    Built from fieldsets so that each part can grow on its own: the customers affected
    and the notification (5.4.4) live in ``notice_fieldsets`` and the inlines; the
    workflow (status, filing) in ``workflow_fieldsets`` and its own views.
    """

    form = BreachIncidentForm
    change_form_template = "admin/disclosures/breachincident/change_form.html"
    change_list_template = "admin/disclosures/breachincident/change_list.html"
    list_display = (
        "reference",
        "title",
        "status",
        "severity",
        "regulator_due",
        "discovered_at",
        "notification_started_at",
    )
    list_filter = (RegulatorDueFilter, "status", "kind", "severity", "source")
    list_select_related = ("filing",)
    search_fields = ("=reference", "title")
    ordering = ("-discovered_at", "-id")
    inlines = [BreachNoticeInline]
    actions = ["start_notification"]
    readonly_fields = (
        "workflow",
        "regulator_due_summary",
        "filing_summary",
        "notification_started_at",
        "progress",
        "recorded_by",
        "recorded_at",
    )

    # --- the page ---------------------------------------------------------------------

    def workflow_fieldsets(self, request, obj):
        if obj is None:
            return []
        return [
            (
                _("Status and the regulator (Law 94-V art. 25 p.2)"),
                {"fields": ("workflow", "regulator_due_summary", "filing_summary")},
            )
        ]

    def notice_fieldsets(self, request, obj):
        fields = (
            NOTICE_FIELDS
            if obj is None
            else (*NOTICE_FIELDS, "notification_started_at", "progress")
        )
        return [(_("Notice to the customers (5.4.4)"), {"fields": fields})]

    def get_fieldsets(self, request, obj=None):
        incident = INCIDENT_FIELDS
        if obj is not None and (obj.notification_started_at or obj.is_filed):
            # Frozen: the categories are shown by their names, not as stored codes.
            incident = tuple("categories_display" if f == "categories" else f for f in incident)
        fieldsets = [
            *self.workflow_fieldsets(request, obj),
            (_("The incident"), {"fields": incident}),
            (_("What the filing with the regulator states"), {"fields": REGULATOR_FIELDS}),
            *self.notice_fieldsets(request, obj),
        ]
        if obj is not None:
            fieldsets.append((_("Recorded"), {"fields": ("recorded_by", "recorded_at")}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = self.readonly_fields
        if obj is not None and obj.notification_started_at:
            # What customers are told is frozen once the first of them was told.
            readonly += ("categories_display", "notice_ru", "notice_kk", "notice_en")
        if obj is not None and obj.is_filed:
            # Art. 25 p.2: what the regulator was told is frozen with the filing.
            frozen = [f for f in services.breach_workflow.FROZEN_ONCE_FILED if f != "categories"]
            readonly += (*frozen, "categories_display")
        return tuple(dict.fromkeys(readonly))

    @admin.display(description=_("data categories concerned"))
    def categories_display(self, obj):
        return ", ".join(category_labels(obj.categories))

    @admin.display(description=_("regulator's date"), ordering="regulator_due_on")
    def regulator_due(self, obj):
        return regulator_due_badge(obj, local_date(timezone.now()))

    def _regulator_due_line(self, obj):
        """The date in words; the badge only where it adds something (filed, due today,
        overdue), not the same date a second time."""
        today = local_date(timezone.now())
        words = gettext("the end of %(day)s, %(date)s") % {
            "day": date_format(obj.regulator_due_on, "l"),
            "date": display_date(obj.regulator_due_on),
        }
        if obj.is_filed or obj.regulator_due_on <= today:
            return format_html("{} · {}", words, regulator_due_badge(obj, today))
        return words

    @admin.display(description=_("to be filed with the regulator by"))
    def regulator_due_summary(self, obj):
        if obj.regulator_due_on is None:
            return "—"
        lines = [
            self._regulator_due_line(obj),
            gettext(
                "One working day from the detection on %(date)s (Almaty), counted from the "
                "next day."
            )
            % {"date": display_date(local_date(obj.discovered_at))},
        ]
        if obj.regulator_due_explanation:
            lines.append(obj.regulator_due_explanation)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=_("status"))
    def workflow(self, obj):
        parts = [format_html("<strong>{}</strong>", obj.get_status_display())]
        if obj.status == BreachIncident.Status.NOT_A_BREACH:
            parts.append(
                format_html(
                    " — {}",
                    gettext("decided by %(who)s: %(why)s")
                    % {"who": obj.decided_by, "why": obj.decision_reason},
                )
            )
        if getattr(obj, "_may", {}).get("change"):
            url = reverse("admin:disclosures_breachincident_status", args=[obj.pk])
            for to in BreachIncident.TRANSITIONS.get(obj.status, ()):
                parts.append(
                    format_html(
                        ' <a class="button" href="{}?to={}">{}</a>',
                        url,
                        to,
                        gettext("→ %(status)s") % {"status": BreachIncident.Status(to).label},
                    )
                )
        return format_html_join("", "{}", ((part,) for part in parts))

    @admin.display(description=_("filing"))
    def filing_summary(self, obj):
        documents = format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse(
                        "admin:disclosures_breachincident_filing_document", args=[obj.pk, lang]
                    ),
                    label,
                )
                for lang, label in (
                    ("ru", gettext("document in Russian")),
                    ("kk", gettext("document in Kazakh")),
                )
            ),
        )
        if obj.is_filed:
            filing = obj.filing
            return format_html(
                "{}<br>{}",
                gettext("Filed on %(when)s by %(who)s, reference %(reference)s%(late)s.")
                % {
                    "when": display_datetime(filing.filed_at),
                    "who": filing.filed_by,
                    "reference": filing.reference,
                    "late": gettext(" (late)") if filing.filed_late else "",
                },
                documents,
            )
        missing = services.breach_filing_missing(obj)
        action = ""
        if not missing and getattr(obj, "_may", {}).get("file"):
            action = format_html(
                ' <a class="button" href="{}">{}</a>',
                reverse("admin:disclosures_breachincident_file", args=[obj.pk]),
                gettext("Record the filing"),
            )
        state = (
            gettext("Not filed yet. Still missing: %(list)s.") % {"list": ", ".join(missing)}
            if missing
            else gettext("Not filed yet; the content is complete.")
        )
        return format_html("{}{}<br>{} {}", state, action, gettext("Draft:"), documents)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The read-only fields above draw buttons for what this user may do.
            obj._may = {
                "change": self.has_change_permission(request, obj),
                "file": self.has_file_permission(request),
            }
        return obj

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("customers affected / told / email sent"))
    def progress(self, obj):
        # The counters of the incident (no count over its affected rows, issue 14).
        p = selectors.breach_notification_progress(incident=obj)
        return f"{p['affected']} / {p['written']} / {p['sent']}"

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

    # --- the workflow's own pages (officers) ------------------------------------------

    def has_file_permission(self, request):
        return request.user.has_perm(roles.FILE_BREACH)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/status/",
                view(self.status_view),
                name="disclosures_breachincident_status",
            ),
            path("<int:pk>/file/", view(self.file_view), name="disclosures_breachincident_file"),
            path(
                "<int:pk>/filing/<str:language>.pdf",
                view(self.filing_document_view),
                name="disclosures_breachincident_filing_document",
            ),
            *super().get_urls(),
        ]

    def _workflow_page(self, request, incident, *, title, form, extra=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(incident),
            "opts": self.opts,
            "original": incident,
            "form": form,
            **(extra or {}),
        }
        return TemplateResponse(request, "admin/disclosures/breachincident/workflow.html", context)

    def _back(self, incident):
        return redirect(reverse("admin:disclosures_breachincident_change", args=[incident.pk]))

    def status_view(self, request, pk):
        """Move the status (officers: the change permission); the service decides if allowed."""
        incident = get_object_or_404(BreachIncident, pk=pk)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        allowed = BreachIncident.TRANSITIONS.get(incident.status, ())
        choices = [(to, BreachIncident.Status(to).label) for to in allowed]
        form = StatusForm(request.POST or None, initial={"to": request.GET.get("to")})
        form.fields["to"].choices = choices
        if request.method == "POST" and form.is_valid():
            try:
                services.breach_status_change(
                    incident=incident,
                    actor=request.user,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, gettext("The status was changed."))
                return self._back(incident)
        return self._workflow_page(
            request, incident, title=gettext("Change the status of the incident"), form=form
        )

    def file_view(self, request, pk):
        """Art. 25 p.2: record the filing with the authorised body (officers only)."""
        incident = get_object_or_404(BreachIncident, pk=pk)
        if not self.has_file_permission(request):
            raise PermissionDenied
        form = FilingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.breach_file(
                    incident=incident,
                    actor=request.user,
                    reference=form.cleaned_data["reference"],
                    filed_at=form.cleaned_data.get("filed_at"),
                )
            except DomainError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(request, gettext("The filing with the regulator was recorded."))
                return self._back(incident)
        return self._workflow_page(
            request,
            incident,
            title=gettext("Record the filing with the regulator"),
            form=form,
            extra={
                "missing": services.breach_filing_missing(incident),
                "preview": services.breach_filing_text(
                    incident=incident, language=translation.get_language()[:2]
                ),
            },
        )

    def filing_document_view(self, request, pk, language):
        """The filing text as a PDF in Russian or Kazakh: what was sent, or a draft."""
        incident = get_object_or_404(BreachIncident, pk=pk)
        if not self.has_view_permission(request, incident):
            raise PermissionDenied
        if language not in services.breach_workflow.FILING_LANGUAGES:
            raise Http404
        pdf = filing_pdf(incident=incident, language=language)
        kind = "filing" if incident.is_filed else "draft"
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = download_name(
            f"{incident.reference}-{kind}-{language}", ".pdf", fallback=f"breach-{incident.pk}"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # --- notification (5.4.4) ---------------------------------------------------------

    def has_notify_permission(self, request):
        return request.user.has_perm(roles.NOTIFY_BREACH)

    @admin.action(
        description=_("Notify the affected customers (each once)"), permissions=["notify"]
    )
    def start_notification(self, request, queryset):
        for incident in queryset:
            try:
                services.breach_notification_start(incident=incident, actor=request.user)
            except DomainError as exc:
                self.message_user(
                    request, f"{incident.reference}: {'; '.join(exc.messages)}", messages.ERROR
                )
                return
        self.message_user(
            request,
            _(
                "Notification started. Each incident's page shows, in its “Notification” "
                "panel, the notices written, sent, failed and possibly duplicated as they move."
            ),
        )
