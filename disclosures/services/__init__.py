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

from .breach_clock import (
    breach_regulator_due_apply,
    breach_regulator_due_recompute,
    breach_reminders_send,
    breaches_reminders_sweep,
)
from .breach_notices import (
    BREACH_REASON,
    CsvMatch,
    UnmatchedLine,
    Via,
    breach_add_affected,
    breach_add_affected_from_disclosure,
    breach_add_affected_from_register,
    breach_affected_add_query,
    breach_contact_record,
    breach_csv_match,
    breach_customer_ids_from_list,
    breach_mailing,
    breach_notice_texts,
    breach_notices_retry_failed,
    breach_notices_write,
    breach_notification_start,
    breach_notify_customers,
    breach_register_customers,
)
from .breach_workflow import (
    FILED_FIELDS,
    breach_file,
    breach_filing_missing,
    breach_filing_text,
    breach_status_change,
    breaches_notified_sweep,
)
from .breaches import (
    breach_categories_check,
    breach_customer_ids_by_email,
    breach_record,
    breach_save,
)
from .common import LineInput, LinesRefused, RejectedLine
from .recipients import (
    recipient_create,
    recipient_save,
    recipient_transfer_ground_check,
    written_permission_record,
    written_permission_revoke,
)
from .register import (
    CONSENT_ONE_BY_ONE,
    CROSS_BORDER_PURPOSE,
    FULFILMENT_KINDS,
    FULFILMENT_PURPOSES,
    FUTURE_TOLERANCE,
    LINE_CHUNK,
    Basis,
    Kind,
    disclosure_record,
    disclosure_visibility_decide,
    disclosure_void,
)

__all__ = [
    "BREACH_REASON",
    "FILED_FIELDS",
    "breach_file",
    "breach_filing_missing",
    "breach_filing_text",
    "breach_regulator_due_apply",
    "breach_regulator_due_recompute",
    "breach_reminders_send",
    "breach_status_change",
    "breaches_notified_sweep",
    "breaches_reminders_sweep",
    "CONSENT_ONE_BY_ONE",
    "CROSS_BORDER_PURPOSE",
    "FULFILMENT_KINDS",
    "FULFILMENT_PURPOSES",
    "FUTURE_TOLERANCE",
    "LINE_CHUNK",
    "Basis",
    "Kind",
    "LineInput",
    "LinesRefused",
    "RejectedLine",
    "CsvMatch",
    "UnmatchedLine",
    "Via",
    "breach_add_affected",
    "breach_add_affected_from_disclosure",
    "breach_add_affected_from_register",
    "breach_affected_add_query",
    "breach_contact_record",
    "breach_csv_match",
    "breach_customer_ids_from_list",
    "breach_mailing",
    "breach_notice_texts",
    "breach_notices_retry_failed",
    "breach_notices_write",
    "breach_register_customers",
    "breach_categories_check",
    "breach_customer_ids_by_email",
    "breach_notification_start",
    "breach_notify_customers",
    "breach_record",
    "breach_save",
    "disclosure_record",
    "disclosure_visibility_decide",
    "disclosure_void",
    "recipient_create",
    "recipient_save",
    "recipient_transfer_ground_check",
    "written_permission_record",
    "written_permission_revoke",
]
