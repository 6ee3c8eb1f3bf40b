"""The breach incident page's fan-out (5.4.4): who is affected, notify, progress, not reached.

A mixin of ``BreachIncidentAdmin``: custom views under the incident's URL, each checking
the same permissions as the page (viewing the incident; changing it to add customers or
record a contact; ``notify_breach`` to notify or retry, officers only). The work itself
is in ``services.breach_notices`` and runs in Celery, never in the request.
"""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.classification import DataCategory
from homeshop_privacy.csv_safety import csv_safe_row
from homeshop_privacy.errors import DomainError
from homeshop_privacy.timestamps import display_datetime

from .. import selectors, services
from ..models import BreachContact, BreachIncident, Recipient

PER_PAGE = 50


class CountedPaginator(Paginator):
    """A paginator that takes the number of rows from the incident's counter: no
    ``COUNT(*)`` over a million affected customers on each page view."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


class AffectedListForm(forms.Form):
    customers = forms.CharField(
        label=gettext_lazy("Customers"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Emails or customer numbers, one per line."),
    )


class AffectedCsvForm(forms.Form):
    csv_file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "One email, phone number (any format) or order number per line, in the first "
            "column; UTF-8. Lines that name no customer are listed back."
        ),
    )


class AffectedRegisterForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=gettext_lazy("Recipient"), queryset=Recipient.objects.order_by("legal_name")
    )
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Only these data categories"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every entry to the recipient in those dates."),
    )


class ContactForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=BreachContact.Method.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E.g. the letter's tracking number or when the call took place."),
    )


class BreachFanoutAdminMixin:
    change_form_template = "admin/disclosures/breachincident/change_form.html"

    def get_urls(self):
        def view(fn, name):
            return self.admin_site.admin_view(fn), f"disclosures_breachincident_{name}"

        urls = []
        for route, fn, name in (
            ("<path:object_id>/notify/", self.notify_view, "notify"),
            ("<path:object_id>/progress/", self.progress_view, "progress"),
            ("<path:object_id>/affected/", self.affected_view, "affected"),
            ("<path:object_id>/affected/add/", self.affected_add_view, "affected_add"),
            ("<path:object_id>/retry-failed/", self.retry_failed_view, "retry_failed"),
            ("<path:object_id>/unreached/", self.unreached_view, "unreached"),
            (
                "<path:object_id>/unreached/<int:customer_id>/contact/",
                self.contact_view,
                "contact",
            ),
        ):
            wrapped, full_name = view(fn, name)
            urls.append(path(route, wrapped, name=full_name))
        return urls + super().get_urls()

    # --- helpers ---------------------------------------------------------------------------

    def _incident(self, request, object_id, *, need: str) -> BreachIncident:
        incident = self.get_object(request, object_id)
        if incident is None:
            raise Http404
        allowed = {
            "view": self.has_view_permission(request, incident),
            "change": self.has_change_permission(request, incident),
            "notify": self.has_notify_permission(request),
        }[need]
        if not allowed:
            raise PermissionDenied
        return incident

    def _context(self, request, incident, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{incident.reference}: {title}",
            "incident": incident,
            "page_title": title,
            "change_url": reverse("admin:disclosures_breachincident_change", args=[incident.pk]),
            **extra,
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if incident is not None:
            extra.update(
                fanout_progress=selectors.breach_notification_progress(incident=incident),
                fanout_can_notify=self.has_notify_permission(request),
                fanout_can_change=self.has_change_permission(request, incident),
                fanout_affected=selectors.breach_affected_rows(incident=incident)[:10],
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    # --- views -----------------------------------------------------------------------------

    def notify_view(self, request, object_id):
        """5.4.4: the button of the incident page; asks for confirmation with the count."""
        incident = self._incident(request, object_id, need="notify")
        change_url = reverse("admin:disclosures_breachincident_change", args=[incident.pk])
        if request.method == "POST":
            try:
                started = services.breach_notification_start(incident=incident, actor=request.user)
            except DomainError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                _(
                    "Notification of %(count)s affected customers started (%(when)s). The "
                    "“Notification” panel of this page shows the notices written, "
                    "sent, failed and possibly duplicated as they move."
                )
                % {
                    "count": started.affected_count,
                    "when": display_datetime(started.notification_started_at),
                },
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        return TemplateResponse(
            request,
            "admin/disclosures/breachincident/notify.html",
            self._context(
                request,
                incident,
                _("Notify affected customers"),
                progress=selectors.breach_notification_progress(incident=incident),
            ),
        )

    def progress_view(self, request, object_id):
        incident = self._incident(request, object_id, need="view")
        return JsonResponse(selectors.breach_notification_progress(incident=incident))

    def affected_view(self, request, object_id):
        incident = self._incident(request, object_id, need="view")
        paginator = CountedPaginator(
            selectors.breach_affected_rows(incident=incident),
            PER_PAGE,
            count=incident.affected_count,
        )
        page = paginator.get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "admin/disclosures/breachincident/affected.html",
            self._context(request, incident, _("Affected customers"), page=page),
        )

    def affected_add_view(self, request, object_id):
        incident = self._incident(request, object_id, need="change")
        mode = request.POST.get("mode", "") if request.method == "POST" else ""
        forms_ = {
            "list": AffectedListForm(request.POST if mode == "list" else None, prefix="list"),
            "csv": AffectedCsvForm(
                request.POST if mode == "csv" else None,
                request.FILES if mode == "csv" else None,
                prefix="csv",
            ),
            "register": AffectedRegisterForm(
                request.POST if mode == "register" else None, prefix="register"
            ),
        }
        result = None
        if mode == "unmatched":
            return self._unmatched_csv(request, incident)
        if mode in forms_ and forms_[mode].is_valid():
            data = forms_[mode].cleaned_data
            try:
                if mode == "list":
                    ids = services.breach_customer_ids_from_list(text=data["customers"])
                    added = services.breach_add_affected(
                        incident=incident, customer_ids=ids, actor=request.user
                    )
                    result = {"added": added, "named": len(ids)}
                elif mode == "csv":
                    match = services.breach_csv_match(upload=data["csv_file"])
                    added = services.breach_add_affected(
                        incident=incident,
                        customer_ids=match.customer_ids,
                        actor=request.user,
                        via=services.Via.CSV,
                    )
                    result = {
                        "added": added,
                        "named": len(match.customer_ids),
                        "unmatched": match.unmatched,
                    }
                else:
                    added = services.breach_add_affected_from_register(
                        incident=incident,
                        recipient=data["recipient"],
                        start=data["start"],
                        end=data["end"],
                        categories=data["categories"],
                        actor=request.user,
                    )
                    result = {"added": added}
            except DomainError as exc:
                for field, errors in exc.message_dict.items():
                    target = field if field in forms_[mode].fields else None
                    for error in errors:
                        forms_[mode].add_error(target, error)
        incident.refresh_from_db()
        return TemplateResponse(
            request,
            "admin/disclosures/breachincident/affected_add.html",
            self._context(
                request, incident, _("Add affected customers"), forms=forms_, result=result
            ),
        )

    def _unmatched_csv(self, request, incident):
        """The unmatched lines the result page listed, as a CSV to correct and upload again
        (cells made safe for a spreadsheet)."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{incident.reference}-unmatched.csv"'
        )
        writer = csv.writer(response)
        writer.writerow([_("line"), _("value"), _("why")])
        lines = request.POST.getlist("line")
        values = request.POST.getlist("value")
        whys = request.POST.getlist("why")
        for row in zip(lines, values, whys, strict=False):
            writer.writerow(csv_safe_row(list(row)))
        return response

    def retry_failed_view(self, request, object_id):
        incident = self._incident(request, object_id, need="notify")
        change_url = reverse("admin:disclosures_breachincident_change", args=[incident.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        try:
            count = services.breach_notices_retry_failed(incident=incident, actor=request.user)
        except DomainError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.WARNING)
        else:
            self.message_user(
                request,
                _(
                    "%(count)s failed notices are being sent again; the “Notification” "
                    "panel shows them as they are sent."
                )
                % {"count": count},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)

    def unreached_view(self, request, object_id):
        incident = self._incident(request, object_id, need="view")
        paginator = Paginator(selectors.breach_customers_unreached(incident=incident), PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        return TemplateResponse(
            request,
            "admin/disclosures/breachincident/unreached.html",
            self._context(
                request,
                incident,
                _("Not reached by email"),
                page=page,
                can_record=self.has_change_permission(request, incident),
            ),
        )

    def contact_view(self, request, object_id, customer_id):
        incident = self._incident(request, object_id, need="change")
        affected = selectors.breach_affected_one(incident=incident, customer_id=customer_id)
        if affected is None:
            raise Http404
        form = ContactForm(request.POST if request.method == "POST" else None)
        back = reverse("admin:disclosures_breachincident_unreached", args=[incident.pk])
        if request.method == "POST" and form.is_valid():
            try:
                services.breach_contact_record(
                    incident=incident,
                    customer=affected.customer,
                    method=form.cleaned_data["method"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, "; ".join(exc.messages))
            else:
                self.message_user(request, _("Recorded."), messages.SUCCESS)
                return HttpResponseRedirect(back)
        return TemplateResponse(
            request,
            "admin/disclosures/breachincident/contact.html",
            self._context(
                request,
                incident,
                _("Record how the customer was told"),
                form=form,
                affected=affected,
                contacts=selectors.breach_contacts_of(incident=incident, customer_id=customer_id),
                back_url=back,
            ),
        )
