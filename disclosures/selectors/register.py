"""Reads of the disclosure register, returning querysets with their joins."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import Customer, Order
from accounts.validators import phone_to_e164

from ..models import (
    Disclosure,
    DisclosureLine,
    DisclosureVoid,
    Recipient,
)


def shown_to_customer(prefix: str = "") -> Q:
    """5.4.3: all but the entries made on a state body's request that no officer decided
    to show. A request from an investigating authority may be confidential: hidden from
    the customer (account page, data download) by default. ``prefix`` leads from the
    queried model to ``Disclosure`` (e.g. ``"disclosure__"``).
    """
    # Positive lookups only, so that over a multi-valued relation (a recipient's
    # disclosures) they stay on the same joined row as the other conditions.
    others = [b for b in Disclosure.Basis.values if b != Disclosure.Basis.STATE_AUTHORITY]
    return Q(**{f"{prefix}basis__in": others}) | Q(
        **{f"{prefix}visibility__shown_to_customer": True}
    )


def customer_disclosures(
    *, customer_id: int, include_voided: bool = False, for_customer: bool = False
) -> QuerySet:
    """5.2.1: who received this customer's data, when, what and why; newest first.

    One row per disclosure line: ``line.disclosed_at`` (when), ``line.disclosure.recipient``
    (who), ``line.disclosure.category_labels`` (what), ``line.disclosure`` basis and purpose
    and ``line.order`` (why). It is read from the (customer, disclosed_at) index, so a
    page of it costs one query however many thousands of disclosures the customer has.
    Voided entries (recorded by mistake) are left out unless asked for; ``for_customer``
    (the customer's own page and download) leaves out the 5.4.3 entries not shown to them.
    """
    lines = DisclosureLine.objects.filter(customer_id=customer_id)
    if for_customer:
        lines = lines.filter(shown_to_customer("disclosure__"))
    if not include_voided:
        lines = lines.filter(
            ~Exists(DisclosureVoid.objects.filter(disclosure=OuterRef("disclosure")))
        )
    return lines.select_related(
        "disclosure__recipient", "disclosure__purpose", "disclosure__void", "order", "customer"
    ).order_by("-disclosed_at", "-id")


def customer_disclosure_recipients(*, customer_id: int, for_customer: bool = False) -> QuerySet:
    """The third parties that received this customer's data: how often and when last.

    ``for_customer``: as the customer sees it, without the 5.4.3 entries hidden from them.
    """
    # One filter() call: every condition is on the same disclosure (one join).
    visible = shown_to_customer("disclosures__") if for_customer else Q()
    return (
        Recipient.objects.filter(
            visible,
            disclosures__lines__customer_id=customer_id,
            disclosures__void__isnull=True,
        )
        .annotate(
            disclosure_count=Count("disclosures", distinct=True),
            last_disclosed_at=Max("disclosures__disclosed_at"),
        )
        .order_by("-last_disclosed_at")
    )


def register_line_filter(*, term: str) -> Q | None:
    """Lines matching a search for a customer's email or phone, or an order number.

    Each resolves through its own index (email case-insensitively, phone as E.164, order
    number exactly) before the lines are touched; None when the term is empty.
    """
    term = (term or "").strip()
    if not term:
        return None
    if "@" in term:
        ids = Customer.objects.annotate(email_lower=Lower("email")).filter(email_lower=term.lower())
        return Q(customer_id__in=ids.values("pk"))
    try:
        phone = phone_to_e164(term)
    except ValidationError:
        phone = None
    if phone is not None:
        return Q(customer_id__in=Customer.objects.filter(phone=phone).values("pk"))
    return Q(order_id__in=Order.objects.filter(number=term).values("pk"))


def register_search(*, queryset: QuerySet, term: str) -> QuerySet:
    line_filter = register_line_filter(term=term)
    if line_filter is None:
        return queryset
    # The entries of the lines first, through the lines' indexes, then the list by their
    # ids: as an OR-ed subquery the planner walked the whole date index (issue 14). A
    # manifest or document number finds its entry too.
    # (No ordering: the lines' own order would join every entry just to sort the ids.)
    entry_ids = set(
        DisclosureLine.objects.filter(line_filter)
        .order_by()
        .values_list("disclosure_id", flat=True)
    )
    return queryset.filter(Q(pk__in=entry_ids) | Q(reference=term.strip()))


def register_for_export(*, disclosures: QuerySet, term: str = "") -> tuple[QuerySet, QuerySet]:
    """The rows of a (filtered) register for a regulator: one per customer concerned.

    Returns the lines of the chosen disclosures (only the searched customer's or order's
    when a search term is given) and the chosen disclosures that name no customer (5.4.1).
    """
    lines = DisclosureLine.objects.filter(disclosure__in=disclosures.values("pk"))
    line_filter = register_line_filter(term=term)
    if line_filter is not None:
        lines = lines.filter(line_filter)
    lines = lines.select_related(
        "customer",
        "order",
        "permission",
        "disclosure__recipient",
        "disclosure__purpose",
        "disclosure__recorded_by",
        "disclosure__void",
    ).order_by("-disclosed_at", "-disclosure_id", "line_no")
    without_customer = (
        Disclosure.objects.none()
        if line_filter is not None
        else disclosures.filter(line_count=0)
        .select_related("recipient", "purpose", "recorded_by", "void")
        .order_by("-disclosed_at", "-id")
    )
    return lines, without_customer
