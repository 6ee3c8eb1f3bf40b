"""Sections that other apps add to a customer's account page and data export (5.2.1).

``accounts`` depends on no other app (DESIGN.md), yet the account page must show
everything held about the customer, including consents, disclosures and claims. So each
app registers a section here from its ``AppConfig.ready()``, built on its own public
selectors, and the account page and the export iterate over the registered sections::

    from homeshop_privacy import account_sections

    account_sections.register(
        account_sections.AccountSection(
            key="claims",
            title=_("My claims"),
            data=claims_export_for_customer,          # customer -> JSON-ready dict/list
            template_name="claims/account_section.html",
        )
    )

A section is rendered with its template (context: ``section``, ``customer``, ``data``
and anything its ``context`` callable adds) or with its own ``render(request,
customer)`` callable. ``data(customer)`` is what goes into the download: plain JSON
types (str, int, float, bool, None, lists and dicts of them; dates are turned into ISO
strings by the export). It must only ever return data of that customer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

DataFn = Callable[[Any], dict | list]
RenderFn = Callable[[Any, Any], str]
ContextFn = Callable[[Any], dict]


@dataclass(frozen=True)
class AccountSection:
    key: str  # stable: the key of the section in the JSON export and the CSV file name
    title: Any  # a translated (lazy) string
    data: DataFn
    template_name: str | None = None
    render: RenderFn | None = None
    # Extra template context (e.g. model instances for links); defaults to ``data`` only.
    context: ContextFn | None = None
    order: int = 100  # lower first; accounts' own blocks come before every section
    show_on_page: bool = True

    def __post_init__(self):
        if not self.key or not self.key.replace("_", "").isalnum():
            raise ImproperlyConfigured(
                f"Account section key {self.key!r} must be letters, digits and underscores."
            )
        if self.show_on_page and not (self.template_name or self.render):
            raise ImproperlyConfigured(
                f"Account section {self.key!r} needs a template_name or a render callable."
            )

    def render_html(self, *, request, customer) -> SafeString:
        if self.render is not None:
            return SafeString(self.render(request, customer))
        context = {"section": self, "customer": customer}
        if self.context is not None:
            context.update(self.context(customer))
        else:
            context["data"] = self.data(customer)
        return render_to_string(self.template_name, context, request=request)


_registry: dict[str, AccountSection] = {}

# Keys used by the accounts export itself: a section may not shadow them.
RESERVED_KEYS = frozenset(
    {
        "format",
        "generated_at",
        "customer",
        "user",
        "addresses",
        "orders",
        "devices",
        "account_closure_requests",
        "history",
        "sections",
    }
)


def register(section: AccountSection) -> AccountSection:
    """Add a section; registering the same key twice is a configuration error.

    Re-registering the identical section object is accepted so that a ``ready()`` run
    twice (some test runners do) is harmless.
    """
    if section.key in RESERVED_KEYS:
        raise ImproperlyConfigured(f"Account section key {section.key!r} is reserved.")
    existing = _registry.get(section.key)
    if existing is not None and existing != section:
        raise ImproperlyConfigured(f"Account section {section.key!r} is already registered.")
    _registry[section.key] = section
    return section


def unregister(key: str) -> None:
    _registry.pop(key, None)


def sections() -> list[AccountSection]:
    """Registered sections, in display order (then by key, so the order is stable)."""
    return sorted(_registry.values(), key=lambda s: (s.order, s.key))


def get(key: str) -> AccountSection | None:
    return _registry.get(key)
