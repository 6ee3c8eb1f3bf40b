"""What consents adds to a customer's pages (5.2.1): the "My consents" section of the
account page and download, and on the customer's admin page the current consents and the
proof-of-consent exports (1.5).

Registered from ``ConsentsConfig.ready()`` through ``homeshop_privacy.customer_pages`` so
that ``accounts`` never imports this app.
"""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from homeshop_privacy import customer_pages
from homeshop_privacy.access_log import access_record
from homeshop_privacy.admin_base import ReadOnlyInline
from homeshop_privacy.models import PersonalDataAccess

from . import proof
from .models import ConsentEvent, ConsentState, Purpose
from .proof import event_row
from .selectors import customer_consent_events, customer_consent_state


def consents_export_for_customer(customer) -> dict:
    """The customer's current choices and every ledger event (their own data only)."""
    return {
        "current": [
            {
                "purpose": row.purpose.code,
                "title": row.purpose.title_en,
                "lawful_basis": row.purpose.basis,
                "granted": row.is_granted,
                "may_process": row.effective,
                "since": row.since,
            }
            for row in customer_consent_state(customer=customer)
        ],
        "events": [
            {k: v for k, v in event_row(event).items() if k != "customer_id"}
            for event in customer_consent_events(customer=customer)
        ],
    }


def consents_section_context(customer) -> dict:
    language = (get_language() or "ru")[:2]
    rows = customer_consent_state(customer=customer)
    policy = [r for r in rows if r.purpose.kind == Purpose.Kind.POLICY]
    return {
        "language": language,
        "contract_rows": [
            r for r in rows if r.purpose.kind == Purpose.Kind.SECTION_4 and not r.needs_consent
        ],
        # The purposes of 4.2 first, then cookie choices.
        "choice_rows": sorted(
            (r for r in rows if r.needs_consent and r.purpose.kind != Purpose.Kind.POLICY),
            key=lambda r: (r.purpose.kind != Purpose.Kind.SECTION_4, r.purpose.position),
        ),
        "policy_event": policy[0].event if policy else None,
        "grant": ConsentEvent.Action.GRANT,
        "withdraw": ConsentEvent.Action.WITHDRAW,
    }


def _proof_response(request, customers, fmt: str) -> HttpResponse:
    for customer in customers:
        # 1.5: an export of a person's ledger (IP addresses, browsers) is recorded.
        access_record(
            user=request.user,
            obj=customer,
            action=PersonalDataAccess.Action.EXPORT,
            path=request.path,
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    ids = "-".join(str(c.pk) for c in customers[:5])
    if fmt == "json":
        body, content_type = proof.consent_proof_json(customers=customers), "application/json"
    else:
        body, content_type = proof.consent_proof_csv(customers=customers), "text/csv"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    name = f"consent-proof-{ids}-{stamp}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.action(description=_("Proof of consent (JSON)"), permissions=["view"])
def export_proof_json(modeladmin, request, queryset):
    return _proof_response(request, _customers_of(queryset), "json")


@admin.action(description=_("Proof of consent (CSV)"), permissions=["view"])
def export_proof_csv(modeladmin, request, queryset):
    return _proof_response(request, _customers_of(queryset), "csv")


def _customers_of(queryset) -> list[Customer]:
    if queryset.model is Customer:
        return list(queryset.order_by("pk"))
    ids = queryset.order_by().values("customer_id").distinct()
    return list(Customer.objects.filter(pk__in=ids).order_by("pk"))


class ConsentStateInline(ReadOnlyInline):
    """Each customer's current consents, read-only (changes go through the ledger)."""

    model = ConsentState
    fields = ("purpose", "is_granted", "changed_at", "channel", "event_link")
    readonly_fields = fields
    verbose_name_plural = _("current consents (latest ledger event per purpose)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("purpose", "event")

    @admin.display(description=_("channel"))
    def channel(self, obj):
        return obj.event.get_channel_display()

    @admin.display(description=_("latest event"))
    def event_link(self, obj):
        url = reverse("admin:consents_consentevent_change", args=[obj.event_id])
        return format_html('<a href="{}">#{}</a>', url, obj.event_id)


SECTION = customer_pages.AccountSection(
    key="consents",
    title=_("My consents"),
    data=consents_export_for_customer,
    template_name="consents/account_section.html",
    context=consents_section_context,
    order=20,
)


ADMIN_PANEL = customer_pages.AdminPanel(
    key="consents",
    inlines=(ConsentStateInline,),
    order=20,
    actions=(export_proof_json, export_proof_csv),
)


def register() -> None:
    customer_pages.account_sections.register(SECTION)
    customer_pages.admin_panels.register(ADMIN_PANEL)
