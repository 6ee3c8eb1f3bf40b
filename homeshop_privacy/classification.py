"""1.1: the classification of every stored field, declared by the app that owns it.

Each app says, for each of its models, which data category every field holds (personal
or not) and, for a model whose rows belong to one customer, how a row reaches that
customer. It registers that here from its ``AppConfig.ready()``::

    from homeshop_privacy import classification
    from homeshop_privacy.classification import DataCategory as C

    classification.register(
        "claims.claimattachment",
        {"id": C.TECHNICAL, "claim": C.TECHNICAL, "file": C.CORRESPONDENCE, ...},
        subject="claim__customer",
    )

Export, the admin, the disclosure register (which data categories went to a third
party) and anonymisation (``accounts.anonymise``, 4.1) read this registry;
``tests/accounts/test_classification.py`` fails when a field of a project model is not
classified. ``homeshop_privacy`` imports no app: the registry holds labels and names.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataCategory(models.TextChoices):
    # personal (1.1, 3.2, 3.4)
    IDENTITY = "identity", _("Identity: names")
    CONTACT = "contact", _("Contact details: phone, email")
    ADDRESS = "address", _("Delivery address")
    ORDERS = "orders", _("Purchase history")
    DEVICES = "devices", _("Browsers and operating systems used")
    ACCOUNT = "account", _("Account and preferences")
    CONSENT_EVIDENCE = "consent_evidence", _("Consent evidence: IP address, browser")
    CORRESPONDENCE = "correspondence", _("Correspondence and claims")
    # non-personal (1.4) and bookkeeping
    VISITS = "visits", _("Visit statistics (non-personal)")
    TECHNICAL = "technical", _("Technical: identifiers, timestamps, states")
    REFERENCE = "reference", _("Reference data: not about a person")


PERSONAL_CATEGORIES = frozenset(
    {
        DataCategory.IDENTITY,
        DataCategory.CONTACT,
        DataCategory.ADDRESS,
        DataCategory.ORDERS,
        DataCategory.DEVICES,
        DataCategory.ACCOUNT,
        DataCategory.CONSENT_EVIDENCE,
        DataCategory.CORRESPONDENCE,
    }
)

# 4.1, Law 94-V art. 12 p.2: what anonymising a person removes. Purchase facts (ORDERS:
# accounting documents are kept for their legal period) and account facts (ACCOUNT: what
# was agreed to and when, the account's language and dates) stay; they identify no one
# once names, contacts, addresses and evidence are gone.
ERASED_CATEGORIES = frozenset(
    {
        DataCategory.IDENTITY,
        DataCategory.CONTACT,
        DataCategory.ADDRESS,
        DataCategory.DEVICES,
        DataCategory.CONSENT_EVIDENCE,
        DataCategory.CORRESPONDENCE,
    }
)

# The models of these apps are the project's own and must all be classified.
PROJECT_APPS = ("homeshop_privacy", "accounts", "consents", "disclosures", "claims")

# A row finder: (customer id, the customer's known email addresses) -> queryset.
RowFinder = Callable[[int, frozenset[str]], models.QuerySet]


@dataclass(frozen=True)
class ModelClassification:
    label: str  # "claims.claim"
    fields: Mapping[str, str]  # field name -> DataCategory value
    #: how a row reaches its customer: a lookup to the customer's id ("customer",
    #: "claim__customer", "pk" for the customer itself), a RowFinder, or None when a row
    #: is no one customer's (reference data, a register entry about many people).
    subject: str | RowFinder | None = None
    #: personal fields that anonymising keeps although their category is erased: legal
    #: facts (a permission's dates), each explained where it is declared.
    kept: frozenset[str] = field(default_factory=frozenset)
    #: what an erased field becomes when blank or NULL will not do ("anonymised" for a
    #: name, a unique placeholder for a unique email): a value or ``f(row_pk)``.
    replacements: Mapping[str, Any] = field(default_factory=dict)
    #: "blank": erased fields are blanked and the row stays (an order, a claim);
    #: "delete": the row itself goes (an address, a device), its history blanked.
    erase: str = "blank"
    #: the outbox keys (a ``Q`` over ``object_key``) of emails about these rows that quote
    #: their personal fields to someone else (a staff reminder quoting a claim's subject):
    #: anonymising the rows empties those emails' text too. ``f(row_pks) -> Q``.
    quoted_by_messages: Callable[[list], Any] | None = None

    def category(self, name: str) -> str:
        return self.fields[name]

    def personal(self) -> list[str]:
        return [n for n, c in self.fields.items() if c in PERSONAL_CATEGORIES]

    def erased(self) -> list[str]:
        return [n for n, c in self.fields.items() if c in ERASED_CATEGORIES and n not in self.kept]


_registry: dict[str, ModelClassification] = {}


def register(
    label: str,
    fields: Mapping[str, str],
    *,
    subject: str | RowFinder | None = None,
    kept=(),
    replacements: Mapping[str, Any] | None = None,
    erase: str = "blank",
    quoted_by_messages: Callable[[list], Any] | None = None,
) -> ModelClassification:
    """Declare the classification of one model (from its app's ``ready()``).

    Registering the same declaration twice is harmless (a ``ready()`` run twice); two
    different declarations of one model are a configuration error.
    """
    label = label.lower()
    unknown = {c for c in fields.values() if c not in DataCategory.values}
    if unknown:
        raise ImproperlyConfigured(f"{label}: unknown data categories {sorted(unknown)}")
    if erase not in ("blank", "delete"):
        raise ImproperlyConfigured(f"{label}: erase is 'blank' or 'delete'")
    if set(kept) - set(fields) or set(replacements or {}) - set(fields):
        raise ImproperlyConfigured(f"{label}: kept/replacements name unclassified fields")
    entry = ModelClassification(
        label=label,
        fields=dict(fields),
        subject=subject,
        kept=frozenset(kept),
        replacements=dict(replacements or {}),
        erase=erase,
        quoted_by_messages=quoted_by_messages,
    )
    existing = _registry.get(label)
    if existing is not None and existing != entry:
        raise ImproperlyConfigured(f"The classification of {label} is already registered.")
    _registry[label] = entry
    return entry


def unregister(label: str) -> ModelClassification | None:
    return _registry.pop(label.lower(), None)


def get(label: str) -> ModelClassification | None:
    return _registry.get(label.lower())


def registered() -> list[ModelClassification]:
    return sorted(_registry.values(), key=lambda e: e.label)


def is_personal(category: str) -> bool:
    return category in PERSONAL_CATEGORIES


def of(model: type[models.Model]) -> ModelClassification:
    entry = _registry.get(model._meta.label_lower)
    if entry is None:
        raise ImproperlyConfigured(f"{model._meta.label_lower} is not classified.")
    return entry


def personal_fields(model: type[models.Model]) -> list[str]:
    """Names of the fields of ``model`` that hold personal data, in model order."""
    table = of(model).fields
    return [f.name for f in model._meta.concrete_fields if is_personal(table[f.name])]


def classified_models() -> list[type[models.Model]]:
    """Every project model that must be classified (history tables mirror their model)."""
    from django.apps import apps

    return [
        model
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical")
    ]


def unclassified_fields() -> list[str]:
    missing = []
    for model in classified_models():
        entry = _registry.get(model._meta.label_lower)
        table = entry.fields if entry else {}
        missing += [
            f"{model._meta.label_lower}.{f.name}"
            for f in model._meta.concrete_fields
            if f.name not in table
        ]
    return missing
