"""Signed unsubscribe tokens (4.3): the link works without signing in.

A token names one customer and the purpose it withdraws, signed with the project's
secret and a salt of its own, so a token made for anything else (or edited by hand)
does not verify. Tokens do not expire: an old promotional email must still let its
reader refuse the mailing.
"""

from dataclasses import dataclass

from django.core import signing

SALT = "consents.unsubscribe.v1"


@dataclass(frozen=True)
class UnsubscribeToken:
    customer_id: int
    purpose_code: str


def unsubscribe_token_make(*, customer_id: int, purpose_code: str) -> str:
    return signing.dumps({"c": customer_id, "p": purpose_code}, salt=SALT, compress=False)


def unsubscribe_token_read(*, token: str) -> UnsubscribeToken | None:
    """The token's content, or None if it is tampered, foreign or malformed."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("c"), int)
        or not isinstance(data.get("p"), str)
    ):
        return None
    return UnsubscribeToken(customer_id=data["c"], purpose_code=data["p"])
