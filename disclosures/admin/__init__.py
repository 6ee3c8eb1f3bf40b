"""Admin of recipients, written permissions, the disclosure register and breaches.

Thin: services write. By subject: ``recipients`` (recipients and written permissions),
``register`` (entries, lines, voids, the CSV export) and
``breaches`` (5.4.4); importing them registers their admins.
"""

from .breaches import BreachIncidentAdmin, BreachIncidentForm, BreachNoticeInline
from .recipients import (
    RecipientAdmin,
    RecipientForm,
    WrittenPermissionAdmin,
    WrittenPermissionForm,
)
from .register import (
    EXPORT_HEADER,
    CustomerFilter,
    DisclosureAdmin,
    DisclosureForm,
    DisclosureLineInline,
    DisclosureVoidInline,
    PurposeFilter,
    VoidActionForm,
    VoidedFilter,
    csv_rows,
)

__all__ = [
    "EXPORT_HEADER",
    "BreachIncidentAdmin",
    "BreachIncidentForm",
    "BreachNoticeInline",
    "CustomerFilter",
    "DisclosureAdmin",
    "DisclosureForm",
    "DisclosureLineInline",
    "DisclosureVoidInline",
    "PurposeFilter",
    "RecipientAdmin",
    "RecipientForm",
    "VoidActionForm",
    "VoidedFilter",
    "WrittenPermissionAdmin",
    "WrittenPermissionForm",
    "csv_rows",
]
