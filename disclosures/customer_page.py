"""What disclosures adds to a customer's pages (5.2.1, 1.3): the "Who received my data"
section of the account page and data export, and the latest disclosures on the
customer's admin page.

Registered from ``DisclosuresConfig.ready()`` through ``homeshop_privacy.customer_pages``
so that ``accounts`` never imports this app. Entries voided as recorded by mistake are
left out: the data did not go where they say.
"""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from homeshop_privacy import customer_pages
from homeshop_privacy.admin_base import ReadOnlyInline
from homeshop_privacy.timestamps import display_datetime

from .models import BreachAffected, BreachNotice, DisclosureLine
from .selectors import (
    customer_breach_notices,
    customer_disclosure_recipients,
    customer_disclosures,
)

PAGE_ROWS = 20


def disclosures_export_for_customer(customer) -> list[dict]:
    return [
        {
            "disclosed_at": line.disclosed_at,
            "recipient": line.disclosure.recipient.legal_name,
            "recipient_kind": line.disclosure.recipient.kind,
            "lawful_basis": line.disclosure.basis,
            "purpose": line.disclosure.purpose.code,
            "data_categories": list(line.disclosure.categories),
            "order": line.order.number if line.order_id else None,
        }
        for line in customer_disclosures(customer_id=customer.pk, for_customer=True).iterator(
            chunk_size=2000
        )
    ]


def disclosures_section_context(customer) -> dict:
    # 5.4.3 entries no officer decided to show stay hidden from the customer.
    latest = list(customer_disclosures(customer_id=customer.pk, for_customer=True)[: PAGE_ROWS + 1])
    return {
        "recipients": list(
            customer_disclosure_recipients(customer_id=customer.pk, for_customer=True)
        ),
        "latest": latest[:PAGE_ROWS],
        "more": len(latest) > PAGE_ROWS,
    }


class CustomerDisclosureInline(ReadOnlyInline):
    """The latest disclosures of the customer, for ``CustomerAdmin`` (5.2.1, 1.3).

    Only the latest ``list_limit`` rows are shown; the link in each row and the register filter
    ``?customer=<id>`` lead to the rest.
    """

    model = DisclosureLine
    fk_name = "customer"
    # The table, then a link to every entry of the customer (or "none recorded").
    template = "admin/disclosures/customer_disclosures_inline.html"
    verbose_name = _("disclosure of this customer's data")
    verbose_name_plural = _("disclosures of this customer's data (latest first)")
    fields = ("disclosed_at", "recipient", "what", "why", "order", "entry")
    readonly_fields = fields
    max_num = 0
    list_limit = 20  # as the claims beside it (issue 14: 50 rows were 30% of the page)

    def get_queryset(self, request):
        object_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if not (object_id and str(object_id).isdigit()):
            return DisclosureLine.objects.none()
        latest = customer_disclosures(customer_id=int(object_id), include_voided=True)
        ids = list(latest.values_list("pk", flat=True)[: self.list_limit])
        return latest.filter(pk__in=ids)

    @admin.display(description=_("recipient"))
    def recipient(self, line):
        return line.disclosure.recipient

    @admin.display(description=_("data categories"))
    def what(self, line):
        return ", ".join(line.disclosure.category_labels)

    @admin.display(description=_("lawful basis and purpose"))
    def why(self, line):
        return f"{line.disclosure.get_basis_display()} / {line.disclosure.purpose.code}"

    @admin.display(description=_("register entry"))
    def entry(self, line):
        url = reverse("admin:disclosures_disclosure_change", args=[line.disclosure_id])
        label = _("voided") if line.disclosure.is_voided else _("open")
        return format_html('<a href="{}">#{} ({})</a>', url, line.disclosure_id, label)


SECTION = customer_pages.AccountSection(
    key="disclosures",
    title=_("Who received my data"),
    data=disclosures_export_for_customer,
    template_name="disclosures/account_section.html",
    context=disclosures_section_context,
    order=30,
)


def breach_notices_export_for_customer(customer) -> list[dict]:
    """5.4.4: the breach notices emailed to the customer, as the email said them."""
    return [
        {
            "incident": notice.incident.reference,
            "sent_at": notice.message.sent_at,
            "language": notice.message.language,
            "notice": notice.incident.notice_for(notice.message.language),
        }
        for notice in customer_breach_notices(customer_id=customer.pk)
    ]


def breach_notices_section_context(customer) -> dict:
    # Shown in the language the customer reads the page in (their choice), whatever
    # language the email went out in.
    language = (get_language() or "ru")[:2]
    notices = list(customer_breach_notices(customer_id=customer.pk)[:PAGE_ROWS])
    return {
        "notices": [
            {
                "reference": notice.incident.reference,
                "sent_at": notice.message.sent_at,
                "text": notice.incident.notice_for(language),
            }
            for notice in notices
        ]
    }


BREACH_SECTION = customer_pages.AccountSection(
    key="breach_notices",
    title=_("Notices of incidents with my data"),
    data=breach_notices_export_for_customer,
    template_name="disclosures/breach_notices_section.html",
    context=breach_notices_section_context,
    order=31,
)


class CustomerBreachInline(admin.TabularInline):
    """The breaches that concern the customer and when they were told (5.4.4, issue 13):
    read-only, each incident a link; shown to whoever may read breach incidents."""

    model = BreachAffected
    fk_name = "customer"
    verbose_name = _("breach concerning this customer")
    verbose_name_plural = _("breaches concerning this customer")
    fields = ("incident_link", "discovered_at", "added_at", "notified_at")
    readonly_fields = fields
    can_delete = False
    extra = 0
    max_num = 0

    def get_queryset(self, request):
        notice = BreachNotice.objects.filter(
            incident=OuterRef("incident"), customer=OuterRef("customer")
        ).values("created_at")[:1]
        return (
            super()
            .get_queryset(request)
            .select_related("incident", "customer")
            .annotate(notice_written_at=Subquery(notice))
            .order_by("-incident__discovered_at", "-pk")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("incident"))
    def incident_link(self, affected):
        url = reverse("admin:disclosures_breachincident_change", args=[affected.incident_id])
        incident = affected.incident
        return format_html('<a href="{}">{}</a> {}', url, incident.reference, incident.title)

    @admin.display(description=_("discovered at"))
    def discovered_at(self, affected):
        return display_datetime(affected.incident.discovered_at)

    @admin.display(description=_("notice written"))
    def notified_at(self, affected):
        if affected.notice_written_at is None:
            return _("not yet")
        return display_datetime(affected.notice_written_at)


ADMIN_PANEL = customer_pages.AdminPanel(
    key="disclosures", inlines=(CustomerDisclosureInline, CustomerBreachInline), order=30
)


def register() -> None:
    customer_pages.account_sections.register(SECTION)
    customer_pages.account_sections.register(BREACH_SECTION)
    customer_pages.admin_panels.register(ADMIN_PANEL)
