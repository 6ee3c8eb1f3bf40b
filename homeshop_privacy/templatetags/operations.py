"""The admin index's banner for background processing that stopped (issue 9 §6)."""

from django import template

from ..admin_site import staff_access_verified
from ..heartbeat import operations_check
from ..timestamps import display_datetime

register = template.Library()


@register.inclusion_tag("admin/homeshop_privacy/operations_banner.html", takes_context=True)
def operations_banner(context):
    """Problems for staff, after the alarm ran: opening the admin is one of its triggers."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not staff_access_verified(request):
        return {"problems": []}
    problems, alerted_at = operations_check()
    return {
        "problems": [problem.text() for problem in problems],
        "alerted_at": display_datetime(alerted_at),
    }
