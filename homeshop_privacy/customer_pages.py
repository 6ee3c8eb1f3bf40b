"""What the other apps add to a customer's pages (5.2.1): the account page and its data
download, and the customer's page in the admin.

Each app registers from its ``AppConfig.ready()``, in its own ``customer_page.py``, built
on its own public selectors; ``accounts`` reads the registries when a page is built::

    from homeshop_privacy import customer_pages

    customer_pages.account_sections.register(
        customer_pages.AccountSection(
            key="claims",
            title=_("My claims"),
            data=claims_export_for_customer,          # customer -> JSON-ready dict/list
            template_name="claims/account_section.html",
        )
    )
    customer_pages.admin_panels.register(
        customer_pages.AdminPanel(key="claims", inlines=(CustomerClaimInline,))
    )

An account section is rendered with its template (context: ``section``, ``customer``,
``data`` and anything its ``context`` callable adds) or with its own ``render(request,
customer)`` callable. ``data(customer)`` is what goes into the download: plain JSON types
(str, int, float, bool, None, lists and dicts of them; dates are turned into ISO strings by
the export). It must only ever return data of that customer.

An admin panel adds inlines (read-only views of the app's rows of that customer) and
actions to ``accounts.admin.CustomerAdmin``; every action and inline still needs its row
in the permission matrix.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .registry import Registry

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


@dataclass(frozen=True)
class AdminPanel:
    key: str
    inlines: tuple[type, ...] = ()  # InlineModelAdmin classes, shown below accounts' own
    actions: tuple[Callable, ...] = ()  # admin actions on the customer list
    order: int = 100


# Keys used by the accounts export itself: a section may not shadow them.
EXPORT_KEYS = frozenset(
    {
        "format",
        "generated_at",
        "customer",
        "user",
        "addresses",
        "orders",
        "devices",
        "account_closure_requests",
        "email_change_requests",
        "history",
        "sections",
    }
)

account_sections: Registry[AccountSection] = Registry("account section", reserved=EXPORT_KEYS)
admin_panels: Registry[AdminPanel] = Registry("admin panel")


def admin_inlines() -> list[type]:
    return [inline for panel in admin_panels.all() for inline in panel.inlines]


def admin_actions() -> list[Callable]:
    return [action for panel in admin_panels.all() for action in panel.actions]
