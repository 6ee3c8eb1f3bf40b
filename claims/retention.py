"""4.1, 6.3: a customer with a claim not yet closed is under a legal hold: their data may
be needed for the claim and a court case after it (registered from ``ClaimsConfig``)."""

from django.utils.translation import gettext_lazy as _

from homeshop_privacy import retention

from .models import Claim


def customers_with_open_claims():
    return (
        Claim.objects.exclude(status=Claim.Status.CLOSED)
        .filter(customer__isnull=False)
        .values("customer_id")
    )


def register() -> None:
    retention.register_hold(
        retention.Hold(
            key="open_claim",
            customer_ids=customers_with_open_claims,
            label=_("a claim that is not closed yet"),
        )
    )
