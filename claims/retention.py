"""4.1, 6.3: the claims app's retention (registered from ``ClaimsConfig``).

- A customer with a claim not yet closed is under a legal hold: their data may be needed
  for the claim and a court case after it.
- ``claims_without_account``: a claimant without a customer account (a letter, an email)
  is never anonymised with a customer, so their closed claims are, once the claims term
  after closing has run out (``claims.services.claims_anonymise``).
"""

from django.utils.translation import gettext_lazy as _

from homeshop_privacy import retention

from . import services
from .models import Claim


def customers_with_open_claims():
    return (
        Claim.objects.exclude(status=Claim.Status.CLOSED)
        .filter(customer__isnull=False)
        .values("customer_id")
    )


def claims_without_account_due(cutoff, after: int):
    """4.1: closed claims of claimants without a customer account, closed before the
    cutoff (the claims term, Civil Code art. 178), whose claimant is still named."""
    return (
        Claim.objects.filter(
            customer__isnull=True,
            status=Claim.Status.CLOSED,
            claimant_anonymised_at__isnull=True,
            closed_at__lt=cutoff,
            pk__gt=after,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def claims_without_account_apply(pks: list[int], reason: str) -> dict:
    counts = services.claims_anonymise(claim_ids=pks, actor=None, reason=reason)
    counts["records"] = counts.pop("claims", 0)
    return counts


def register() -> None:
    retention.register(
        retention.Process(
            code="claims_without_account",
            due=claims_without_account_due,
            apply=claims_without_account_apply,
        )
    )
    retention.register_hold(
        retention.Hold(
            key="open_claim",
            customer_ids=customers_with_open_claims,
            label=_("a claim that is not closed yet"),
        )
    )
