"""Reads of the disclosure register, returning querysets with their joins.

By subject: ``register`` (a customer's disclosures, search and export) and ``breaches``.
Every name is importable from ``disclosures.selectors`` as before.
"""

from .breaches import breach_incidents_with_pending_notices, breach_notification_progress
from .register import (
    customer_disclosure_recipients,
    customer_disclosures,
    register_for_export,
    register_line_filter,
    register_search,
)

__all__ = [
    "breach_incidents_with_pending_notices",
    "breach_notification_progress",
    "customer_disclosure_recipients",
    "customer_disclosures",
    "register_for_export",
    "register_line_filter",
    "register_search",
]
