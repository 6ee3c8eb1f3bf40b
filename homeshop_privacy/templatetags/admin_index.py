"""What the admin index asks of the staff (issue 13): the yearly calendar check and who
receives escalations when the Compliance officer group is empty."""

from django import template
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from .. import calendar, roles
from ..admin_site import staff_access_verified
from ..compliance_summary import may_view_summary

register = template.Library()


@register.inclusion_tag("admin/homeshop_privacy/index_notices.html", takes_context=True)
def index_notices(context):
    request = context.get("request")
    if request is None or not staff_access_verified(request):
        return {}
    user = request.user
    notices = {}
    if may_view_summary(user):
        notices["summary_url"] = reverse("admin:compliance_summary")
    year = calendar.year_to_confirm(calendar.local_date(timezone.now()))
    if year is not None and user.has_perm("homeshop_privacy.view_calendaroverride"):
        notices["calendar_year"] = year
        notices["calendar_url"] = reverse(
            "admin:homeshop_privacy_calendaroverride_year", args=[year]
        )
        notices["calendar_confirmation"] = calendar.calendar_confirmation_latest(year)
    if not roles.compliance_officers().exists():
        superusers = get_user_model().objects.filter(is_active=True, is_superuser=True)
        notices["no_officer"] = True
        notices["superusers"] = superusers.count()
    return notices
