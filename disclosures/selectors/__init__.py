"""Reads of the disclosure register, returning querysets with their joins.

By subject: ``register`` (a customer's disclosures, search and export) and ``breaches``.
Every name is importable from ``disclosures.selectors`` as before.
"""

from .breach_notices import (
    breach_affected_one,
    breach_affected_rows,
    breach_contacts_of,
    breach_customers_unreached,
    breach_notification_progress,
    customer_breach_notices,
)
from .breaches import (
    breach_incidents_fully_notified,
    breach_incidents_with_pending_notices,
    breaches_owed_to_regulator,
)
from .register import (
    customer_disclosure_recipients,
    customer_disclosures,
    register_for_export,
    register_line_filter,
    register_search,
)

__all__ = [
    "breach_affected_one",
    "breach_affected_rows",
    "breach_contacts_of",
    "breach_customers_unreached",
    "customer_breach_notices",
    "breach_incidents_fully_notified",
    "breach_incidents_with_pending_notices",
    "breach_notification_progress",
    "breaches_owed_to_regulator",
    "customer_disclosure_recipients",
    "customer_disclosures",
    "register_for_export",
    "register_line_filter",
    "register_search",
]
