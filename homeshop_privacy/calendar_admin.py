"""Admin for the one-off days off and working days of the 6.2 calendar, and the yearly
check of the calendar against the government's decrees (issue 13)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from . import calendar
from .admin_base import TrackedAdmin
from .errors import DomainError
from .models import CalendarConfirmation, CalendarOverride

CONFIRM_PERMISSION = "homeshop_privacy.add_calendarconfirmation"


def may_confirm_calendar(user) -> bool:
    return user.has_perm(CONFIRM_PERMISSION)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(TrackedAdmin):
    list_display = ("day", "kind", "note", "created_at")
    list_filter = ("kind",)
    search_fields = ("note",)
    date_hierarchy = "day"
    ordering = ("-day",)

    def get_urls(self):
        return [
            path(
                "year/<int:year>/",
                self.admin_site.admin_view(self.year_view),
                name="homeshop_privacy_calendaroverride_year",
            ),
            *super().get_urls(),
        ]

    def year_view(self, request, year: int):
        """A year's days off from the package and the overrides side by side; an officer
        confirms them here (POST). Whoever may read the overrides may read the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not 2000 <= year <= 2100:
            raise Http404
        if request.method == "POST":
            if not may_confirm_calendar(request.user):
                raise PermissionDenied
            try:
                calendar.calendar_year_confirm(year=year, actor=request.user)
            except DomainError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The calendar of %(year)s is confirmed.") % {"year": year},
                    messages.SUCCESS,
                )
            return redirect(reverse("admin:homeshop_privacy_calendaroverride_year", args=[year]))
        confirmations = (
            CalendarConfirmation.objects.filter(year=year)
            .select_related("confirmed_by")
            .order_by("-confirmed_at", "-pk")[:20]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Working-day calendar of %(year)s") % {"year": year},
            "year": year,
            "days": calendar.year_review(year),
            "confirmations": confirmations,
            "package_version": calendar.package_version(),
            "may_confirm": may_confirm_calendar(request.user),
            "previous_year": year - 1,
            "next_year": year + 1,
        }
        return TemplateResponse(request, "admin/homeshop_privacy/calendar_year.html", context)
