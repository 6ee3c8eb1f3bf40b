"""Every write to recipients, written permissions, the disclosure register and breaches.

1.3: nothing is disclosed without a lawful basis. ``disclosure_record`` checks the basis
the staff member names against what it needs (5.4.1, 5.4.2, 5.4.3, consent, 5.3.2)
for every customer concerned, and writes nothing unless every line passes. It works
the same for one customer or a courier manifest of ten thousand orders: the lines are
checked and written in a fixed number of queries whatever their number.

By subject: ``recipients`` (recipients and written permissions, 5.3.2), ``register``
(``disclosure_record`` and voids) and ``breaches`` (5.4.4); ``common`` holds what they
share. Every name is importable from ``disclosures.services`` as before.
"""

from .breaches import (
    BREACH_REASON,
    breach_add_affected,
    breach_add_affected_from_disclosure,
    breach_categories_check,
    breach_customer_ids_by_email,
    breach_notification_start,
    breach_notify_customers,
    breach_record,
    breach_save,
)
from .common import LineInput, LinesRefused, RejectedLine
from .recipients import (
    recipient_create,
    recipient_save,
    written_permission_record,
    written_permission_revoke,
)
from .register import (
    CONSENT_ONE_BY_ONE,
    FULFILMENT_KINDS,
    FULFILMENT_PURPOSES,
    FUTURE_TOLERANCE,
    LINE_CHUNK,
    Basis,
    Kind,
    disclosure_record,
    disclosure_void,
)

__all__ = [
    "BREACH_REASON",
    "CONSENT_ONE_BY_ONE",
    "FULFILMENT_KINDS",
    "FULFILMENT_PURPOSES",
    "FUTURE_TOLERANCE",
    "LINE_CHUNK",
    "Basis",
    "Kind",
    "LineInput",
    "LinesRefused",
    "RejectedLine",
    "breach_add_affected",
    "breach_add_affected_from_disclosure",
    "breach_categories_check",
    "breach_customer_ids_by_email",
    "breach_notification_start",
    "breach_notify_customers",
    "breach_record",
    "breach_save",
    "disclosure_record",
    "disclosure_void",
    "recipient_create",
    "recipient_save",
    "written_permission_record",
    "written_permission_revoke",
]
