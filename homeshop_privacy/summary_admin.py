"""The compliance summary page and its CSV for the regulator (issue 13)."""

import csv
from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import compliance_summary as summary
from .calendar import local_date
from .csv_safety import csv_safe_row
from .timestamps import export_timestamp


class PeriodForm(forms.Form):
    start = forms.DateField(label=capfirst(gettext_lazy("from")))
    end = forms.DateField(label=capfirst(gettext_lazy("to")))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        if start and end and (end - start).days > 3660:
            raise forms.ValidationError(_("Choose a period of at most ten years."))
        return data


def _period(request) -> tuple[PeriodForm, summary.Period]:
    today = local_date(timezone.now())
    default = summary.Period.default(today)
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form, summary.Period(form.cleaned_data["start"], form.cleaned_data["end"])
        return form, default
    return PeriodForm(initial={"start": default.start, "end": default.end}), default


def _figures(period: summary.Period, today: date) -> dict:
    return {
        "claims": summary.claims_figures(period, today=today),
        "breaches": summary.breach_rows(period),
        "breach_filings": summary.breach_filing_figures(period, today=today),
        "consents": summary.consent_rows(period),
        "recipients": summary.disclosure_rows(period),
        "staff": summary.staff_rows(),
    }


def summary_view(request, *, site):
    if not summary.may_view_summary(request.user):
        raise PermissionDenied
    today = local_date(timezone.now())
    form, period = _period(request)
    figures = _figures(period, today)
    claims = figures["claims"]
    charts = {
        "claims": summary.svg_bars(
            [
                (
                    _("Claims received"),
                    [
                        (claims.answered_on_time, "bar-ok", _("answered on time")),
                        (claims.answered_late, "bar-late", _("answered late")),
                        (claims.open_overdue, "bar-late", _("open, overdue")),
                        (claims.open_in_term, "bar-open", _("open, within the term")),
                        (claims.closed_unanswered, "bar-open", _("closed without an answer")),
                    ],
                )
            ],
            title=_("Claims answered on time"),
        ),
        "consents": summary.svg_bars(
            [
                (
                    row.code,
                    [
                        (row.given, "bar-given", _("given")),
                        (row.withdrawn, "bar-withdrawn", _("withdrawn")),
                    ],
                )
                for row in figures["consents"]
            ],
            title=_("Consents given and withdrawn per purpose"),
        ),
        "recipients": summary.svg_bars(
            [
                (row.name, [(row.disclosures, "bar-given", _("register entries"))])
                for row in figures["recipients"]
            ],
            title=_("Disclosures per recipient"),
        ),
    }
    query = request.GET.urlencode()
    context = {
        **site.each_context(request),
        "title": _("Compliance summary"),
        "form": form,
        "period": period,
        "charts": charts,
        "csv_query": query or f"start={period.start.isoformat()}&end={period.end.isoformat()}",
        **figures,
    }
    return TemplateResponse(request, "admin/homeshop_privacy/compliance_summary.html", context)


def summary_csv_view(request, *, site):
    """The same figures as rows of one CSV (section, item, measure, value) for the
    regulator: codes and ISO dates, the same in every language."""
    if not summary.may_view_summary(request.user):
        raise PermissionDenied
    today = local_date(timezone.now())
    _form, period = _period(request)
    figures = _figures(period, today)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"compliance-summary-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["section", "item", "measure", "value"])
    rows = [
        ("period", "", "start", period.start.isoformat()),
        ("period", "", "end", period.end.isoformat()),
    ]
    claims = figures["claims"]
    for measure in (
        "received",
        "answered_on_time",
        "answered_late",
        "open_in_term",
        "open_overdue",
        "closed_unanswered",
    ):
        rows.append(("claims", "", measure, getattr(claims, measure)))
    filings = figures["breach_filings"]
    for measure in ("filed_on_time", "filed_late", "unfiled_overdue", "unfiled_in_term"):
        rows.append(("breaches", "", measure, getattr(filings, measure)))
    for b in figures["breaches"]:
        rows += [
            ("breaches", b.reference, "discovered_at", export_timestamp(b.discovered_at)),
            (
                "breaches",
                b.reference,
                "notification_started_at",
                export_timestamp(b.notification_started_at) or "",
            ),
            (
                "breaches",
                b.reference,
                "days_to_notify",
                "" if b.days_to_notify is None else b.days_to_notify,
            ),
            ("breaches", b.reference, "affected_customers", b.affected),
            (
                "breaches",
                b.reference,
                "regulator_due_on",
                b.regulator_due_on.isoformat() if b.regulator_due_on else "",
            ),
            ("breaches", b.reference, "filed_at", export_timestamp(b.filed_at) or ""),
            (
                "breaches",
                b.reference,
                "filed_late",
                "" if b.filed_late is None else ("yes" if b.filed_late else "no"),
            ),
        ]
    for c in figures["consents"]:
        rows += [
            ("consents", c.code, "given", c.given),
            ("consents", c.code, "withdrawn", c.withdrawn),
        ]
    for r in figures["recipients"]:
        rows += [
            ("disclosures", r.name, "entries", r.disclosures),
            ("disclosures", r.name, "voided", r.voided),
            ("disclosures", r.name, "lines", r.lines),
        ]
    for s in figures["staff"]:
        rows += [
            ("staff", s.email, "roles", s.roles or ("superuser" if s.is_superuser else "")),
            ("staff", s.email, "last_sign_in", export_timestamp(s.last_login) or ""),
        ]
    for row in rows:
        writer.writerow(csv_safe_row(row))
    return response
