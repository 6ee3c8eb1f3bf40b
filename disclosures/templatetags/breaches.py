"""The breaches that must reach the regulator today, or are late (Law 94-V art. 25 p.2),
standing out on the admin index and the incident list."""

from django import template
from django.utils import timezone

from homeshop_privacy.calendar import local_date
from homeshop_privacy.timestamps import display_date

from ..selectors import breaches_owed_to_regulator

register = template.Library()

#: Enough to see that something is wrong; the list page has the rest.
BANNER_ROWS = 10


@register.inclusion_tag("admin/disclosures/breachincident/due_banner.html", takes_context=True)
def breaches_due_banner(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("disclosures.view_breachincident"):
        return {"incidents": []}
    today = local_date(timezone.now())
    return {
        "incidents": [
            {
                "incident": incident,
                "overdue": incident.regulator_due_on < today,
                "due": display_date(incident.regulator_due_on),
            }
            for incident in breaches_owed_to_regulator(today=today)[:BANNER_ROWS]
        ]
    }
