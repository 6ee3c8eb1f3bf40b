"""Third parties, written permissions and the disclosure register (1.3, 5.3.2, 5.4.1-5.4.3).

The register is append-only: a disclosure, its lines and a void are written once and
never changed or deleted (1.3: the record of who received a customer's data must be
trusted). The code refuses it (``save`` of an existing row, ``delete``, queryset
``update``/``delete``) and so does PostgreSQL, through a trigger added by a migration.

By subject: ``recipients`` (third parties and written permissions, 5.3.2), ``register``
(disclosures, their lines and voids) and ``breaches`` (5.4.4). Every name is importable
from ``disclosures.models`` as before; Django finds the models through this module.
"""

# Imported in the order the models were declared before the split, so that they are
# registered (and listed by ``apps.get_models()``) in the same order.
# isort: off
from .recipients import (
    BIN_REGEX,
    Recipient,
    WrittenPermission,
    category_labels,
    private_storage,
)
from .register import Disclosure, DisclosureLine, DisclosureVoid
from .breaches import BreachAffected, BreachIncident, BreachNotice

# isort: on

__all__ = [
    "BIN_REGEX",
    "BreachAffected",
    "BreachIncident",
    "BreachNotice",
    "Disclosure",
    "DisclosureLine",
    "DisclosureVoid",
    "Recipient",
    "WrittenPermission",
    "category_labels",
    "private_storage",
]
