"""Reads of policy versions, purposes and consent state."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import Customer
from homeshop_privacy.errors import DomainError

from .models import ConsentEvent, ConsentState, PolicyVersion, Purpose
from .tokens import unsubscribe_token_make

PROMOTIONS_EMAIL = "4.2.6"  # 4.3: the purpose an "Unsubscribe" link withdraws
POLICY_ACCEPTANCE = "2.1"


def policy_version_in_force(*, at: datetime | None = None) -> PolicyVersion | None:
    """The published version in force at ``at`` (default now), or None if none was yet.

    7.2: a version is in force from its ``effective_from`` (the publication moment unless
    it names a later one) until the next version takes effect. At the exact moment of
    ``effective_from`` the new version is in force.
    """
    at = at or timezone.now()
    return (
        PolicyVersion.objects.published()
        .filter(effective_from__lte=at)
        .order_by("-effective_from", "-published_at", "-id")
        .first()
    )


def purpose_by_code(*, code: str) -> Purpose:
    try:
        if "\x00" in (code or ""):  # issue 9 §5: PostgreSQL refuses NUL in a query
            raise Purpose.DoesNotExist
        return Purpose.objects.get(code=code)
    except Purpose.DoesNotExist:
        raise DomainError(f"Unknown purpose {code!r}.") from None


def purposes_section4() -> QuerySet[Purpose]:
    """The ten purposes of 4.2, in clause order."""
    return Purpose.objects.section4()


def consent_is_granted(*, customer_id: int, purpose_code: str, at: datetime | None = None) -> bool:
    """Whether the customer's data may be processed for ``purpose_code`` at ``at``.

    For a consent-basis purpose: True when the latest ledger event for that customer and
    purpose at or before ``at`` (default now) is a grant; no event means no consent.
    For a contract-basis purpose (4.2.1-4.2.4, 4.2.8, 4.2.9): always True, since the
    lawful basis is the sale contract, not consent (there is nothing to withdraw).
    An unknown code raises ``DomainError``.
    """
    purpose = purpose_by_code(code=purpose_code)
    if not purpose.needs_consent:
        return True
    if at is None:
        # The current-state table holds the latest event (events are never dated ahead).
        return ConsentState.objects.filter(
            customer_id=customer_id, purpose=purpose, is_granted=True
        ).exists()
    latest = (
        ConsentEvent.objects.filter(customer_id=customer_id, purpose=purpose, occurred_at__lte=at)
        .order_by("-occurred_at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return latest == ConsentEvent.Action.GRANT


@dataclass(frozen=True)
class ConsentStateRow:
    purpose: Purpose
    is_granted: bool
    since: datetime | None
    event: ConsentEvent | None

    @property
    def needs_consent(self) -> bool:
        return self.purpose.needs_consent

    @property
    def effective(self) -> bool:
        """May the data be processed for this purpose (contract purposes always may)."""
        return self.is_granted or not self.purpose.needs_consent


def customer_consent_state(*, customer: Customer) -> list[ConsentStateRow]:
    """Every purpose with this customer's current choice: two queries whatever the history."""
    states = {
        state.purpose_id: state
        for state in ConsentState.objects.filter(customer=customer).select_related(
            "event", "event__policy_version"
        )
    }
    rows = []
    for purpose in Purpose.objects.order_by("kind", "position", "code"):
        state = states.get(purpose.pk)
        rows.append(
            ConsentStateRow(
                purpose=purpose,
                is_granted=bool(state and state.is_granted),
                since=state.changed_at if state else None,
                event=state.event if state else None,
            )
        )
    return rows


def customers_with_consent(*, purpose_code: str) -> QuerySet[Customer]:
    """The segment of customers whose current choice for ``purpose_code`` is a grant.

    Reads the current-state table through its partial index on granted rows, so its cost
    depends on the size of the segment, not on the number of events in the ledger.
    """
    purpose = purpose_by_code(code=purpose_code)
    if not purpose.needs_consent:
        return Customer.objects.all()
    return Customer.objects.filter(
        pk__in=ConsentState.objects.filter(purpose=purpose, is_granted=True).values("customer_id")
    )


def customers_promotable() -> QuerySet[Customer]:
    """Everyone who may receive promotions by email now (4.2.6 granted)."""
    return customers_with_consent(purpose_code=PROMOTIONS_EMAIL)


def customer_consent_events(*, customer: Customer) -> QuerySet[ConsentEvent]:
    """The customer's whole ledger, oldest first, with everything the proof shows."""
    return (
        ConsentEvent.objects.filter(customer=customer)
        .select_related("purpose", "policy_version", "wording", "actor")
        .order_by("occurred_at", "id")
    )


def customers_emailable() -> QuerySet[Customer]:
    """Customers who can be sent a service email (a policy change, 7.2): those with an address."""
    return Customer.objects.exclude(email="")


def customer_ids_with_consent_at(*, purpose_code: str, at: datetime) -> QuerySet:
    """Ids of the customers whose latest event for the purpose at ``at`` is a grant.

    Read from the ledger itself, for any past moment (audits). On PostgreSQL the latest
    event per customer is one ``DISTINCT ON`` pass; elsewhere a correlated subquery over
    the (customer, purpose, occurred_at, id) index. For "now" use
    ``customers_with_consent``, which reads the maintained current-state table.
    """
    purpose = purpose_by_code(code=purpose_code)
    events = ConsentEvent.objects.filter(purpose=purpose, occurred_at__lte=at)
    if connection.vendor == "postgresql":
        latest = events.order_by("customer_id", "-occurred_at", "-id").distinct("customer_id")
        return (
            ConsentEvent.objects.filter(
                pk__in=latest.values("pk"), action=ConsentEvent.Action.GRANT
            )
            .order_by()
            .values_list("customer_id", flat=True)
        )
    latest_action = (
        ConsentEvent.objects.filter(
            customer_id=OuterRef("customer_id"), purpose=purpose, occurred_at__lte=at
        )
        .order_by("-occurred_at", "-id")
        .values("action")[:1]
    )
    return (
        events.order_by()
        .annotate(latest_action=Subquery(latest_action))
        .filter(latest_action=ConsentEvent.Action.GRANT)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def unsubscribe_url(*, customer: Customer) -> str:
    """4.3: the link of a promotional email that withdraws consent to 4.2.6 at once."""
    token = unsubscribe_token_make(customer_id=customer.pk, purpose_code=PROMOTIONS_EMAIL)
    return settings.SITE_URL + reverse("consents:unsubscribe", args=[token])
