"""What the services of recipients, the register and breaches share."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.classification import DataCategory
from consents.models import Purpose
from homeshop_privacy.errors import DomainError

from ..models import (
    category_labels,
)


@dataclass(frozen=True)
class LineInput:
    """One customer concerned: by order number (5.4.2), by customer id, or both."""

    order_number: str = ""
    customer_id: int | None = None
    customer_email: str = ""
    line_no: int | None = None


@dataclass(frozen=True)
class RejectedLine:
    line_no: int
    message: str

    def __str__(self):
        return f"{self.line_no}: {self.message}"


class LinesRefused(DomainError):
    """Some lines failed their basis; nothing was recorded. ``rejected`` lists them."""

    def __init__(self, rejected: list[RejectedLine], total: int):
        self.rejected = rejected
        self.total = total
        super().__init__(
            ngettext(
                "%(count)d of %(total)d line was refused; nothing was recorded.",
                "%(count)d of %(total)d lines were refused; nothing was recorded.",
                len(rejected),
            )
            % {"count": len(rejected), "total": total}
        )


def _in_chunks(values: list, size: int | None = None):
    """Split ``values`` for ``__in`` lookups only where the database limits parameters."""
    limit = size or connection.features.max_query_params
    if not limit or len(values) <= limit:
        yield values
        return
    for start in range(0, len(values), limit):
        yield values[start : start + limit]


def _clean_categories(categories: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(c) for c in categories))
    unknown = [c for c in chosen if c not in DataCategory.values]
    if unknown:
        raise DomainError(
            {"categories": _("Unknown data categories: %(list)s.") % {"list": ", ".join(unknown)}}
        )
    if not chosen:
        raise DomainError({"categories": _("Name at least one data category.")})
    # Stored in the catalogue's order so that equal sets look equal.
    return [c for c in DataCategory.values if c in chosen]


def _category_labels(categories: Iterable[str]) -> str:
    return ", ".join(category_labels(categories))


def _section4_purpose(code: str) -> Purpose:
    # 5.3.1: data are used, and disclosed, only for the purposes of section 4.
    purpose = (
        None  # issue 9 §5: PostgreSQL refuses NUL in a query
        if "\x00" in code
        else Purpose.objects.filter(code=code, kind=Purpose.Kind.SECTION_4).first()
    )
    if purpose is None:
        raise DomainError(
            {"purpose": _("%(code)s is not a purpose of section 4.2 (5.3.1).") % {"code": code}}
        )
    return purpose
