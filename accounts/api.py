"""The shop's API for customers, orders and visit events (issue 12; 1.4, 3.2, 3.4).

Thin views: each validates its input with a serializer and calls the same services as
the admin, with the key's service user as the actor.
"""

import functools
import ipaddress
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from homeshop_privacy.api.idempotency import idempotent
from homeshop_privacy.api.views import IDEMPOTENCY_PARAMETER, ApiView, problem_responses
from homeshop_privacy.models import ApiScope

from . import services
from .models import Customer, Language, Order


def shop_id_field(**kwargs):
    return serializers.RegexField(r"^[A-Za-z0-9._:-]{1,64}$", max_length=64, **kwargs)


def customer_by_shop_id(shop_customer_id: str) -> Customer:
    return get_object_or_404(Customer, shop_customer_id=shop_customer_id)


# --- customers (3.2, 5.1.2) ------------------------------------------------------------------


class AddressInput(serializers.Serializer):
    city = serializers.CharField(max_length=100)
    street = serializers.CharField(max_length=255)
    apartment = serializers.CharField(max_length=50, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=10, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False, default=False)


class CustomerInput(serializers.Serializer):
    shop_customer_id = shop_id_field()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32)
    email = serializers.EmailField(max_length=254)
    preferred_language = serializers.ChoiceField(Language.choices, default=Language.RU)
    addresses = AddressInput(many=True, required=False, max_length=20)

    def validate_addresses(self, value):
        if sum(1 for a in value if a.get("is_default")) > 1:
            raise ValidationError(_("At most one address can be the default."))
        return value


class CustomerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    shop_customer_id = serializers.CharField()
    created = serializers.BooleanField()


class CustomerUpsertView(ApiView):
    required_scope = ApiScope.CUSTOMERS_WRITE

    @extend_schema(
        operation_id="customers_upsert",
        request=CustomerInput,
        responses={200: CustomerOutput, 201: CustomerOutput, **problem_responses(409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Create or update a customer by the shop's customer id",
    )
    @idempotent
    def post(self, request):
        data = CustomerInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer, created = services.customer_upsert_from_shop(
            actor=request.user, **data.validated_data
        )
        body = {
            "id": customer.pk,
            "shop_customer_id": customer.shop_customer_id,
            "created": created,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- orders (3.4) ----------------------------------------------------------------------------


class OrderInput(serializers.Serializer):
    shop_customer_id = shop_id_field()
    number = serializers.RegexField(r"^[A-Za-z0-9._/-]{1,32}$", max_length=32)
    placed_at = serializers.DateTimeField()
    seller_name = serializers.CharField(max_length=200)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    status = serializers.ChoiceField(Order.Status.choices, default=Order.Status.PLACED)


class OrderOutput(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    created = serializers.BooleanField()


class OrderCreateView(ApiView):
    required_scope = ApiScope.ORDERS_WRITE

    @extend_schema(
        operation_id="orders_create",
        request=OrderInput,
        responses={200: OrderOutput, 201: OrderOutput, **problem_responses(404, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Record an order (3.4); an existing number returns that order",
    )
    @idempotent
    def post(self, request):
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = customer_by_shop_id(values.pop("shop_customer_id"))
        existed = Order.objects.filter(number=values["number"]).exists()
        order = services.order_record(customer=customer, actor=request.user, **values)
        body = {"number": order.number, "status": order.status, "created": not existed}
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(body, status=code)


class OrderStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(Order.Status.choices)


class OrderStatusView(ApiView):
    required_scope = ApiScope.ORDERS_WRITE

    @extend_schema(
        operation_id="orders_status_update",
        request=OrderStatusInput,
        responses={200: OrderOutput, **problem_responses(404, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Report an order's new status (3.4)",
    )
    @idempotent
    def post(self, request, number: str):
        data = OrderStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = get_object_or_404(Order, number=number)
        order = services.order_status_update(
            order=order, status=data.validated_data["status"], actor=request.user
        )
        return Response({"number": order.number, "status": order.status, "created": False})


# --- visit events (1.4) ------------------------------------------------------------------------


class VisitEventInput(serializers.Serializer):
    """One page view: non-personal data only (1.4); nothing names a customer."""

    occurred_at = serializers.DateTimeField()
    page_url = serializers.URLField(max_length=2000)
    ip_address = serializers.IPAddressField(required=False, allow_null=True)
    user_agent = serializers.CharField(max_length=512, required=False, allow_blank=True)
    referrer = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    cookie_id = serializers.CharField(max_length=64, required=False, allow_blank=True)


class VisitEventBatchInput(serializers.Serializer):
    events = VisitEventInput(many=True, max_length=services.VISIT_EVENTS_MAX_BATCH, min_length=1)


_TEXT_LIMITS = {"user_agent": 512, "cookie_id": 64}
_URL_LIMIT = 2000
_EVENT_FIELDS = frozenset({"occurred_at", "page_url", "ip_address", "referrer", *_TEXT_LIMITS})
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")
# PostgreSQL stores offsets up to ±15:59 only; later ones are refused, not a server error.
_MAX_OFFSET = timedelta(hours=15, minutes=59)

# What a clean batch looks like, checked column by column in C (the regular expression
# engine, set and map) rather than value by value in Python. Each pattern accepts a part
# of what the event-by-event check accepts, and the value is stored as it came: RFC 3339
# with the offsets PostgreSQL reads as Python does (years 1000-9999, offsets within ±14:59),
# printable-ASCII http(s) addresses with a plain host, canonical IPv4 addresses.
_RFC3339 = re.compile(
    r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])"
)
_PLAIN_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!-~]*)?")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PLAIN_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def _visit_rows_by_column(events: list, *, latest) -> list[tuple] | None:
    """The rows of a clean batch (``services.visit_events_ingest``'s order), or ``None``
    as soon as anything is unusual: the event-by-event check then decides and names
    each bad event. Whatever this accepts, that check accepts with the same values."""
    try:
        if set(map(type, events)) != {dict} or not set().union(*events) <= _EVENT_FIELDS:
            return None
        moments = [e.get("occurred_at") for e in events]
        if not all(map(_RFC3339.fullmatch, moments)):
            return None
        if max(map(datetime.fromisoformat, moments)) > latest:
            return None
        pages = [e.get("page_url") for e in events]
        referrers = [e.get("referrer", "") for e in events]
        for column, blank in ((pages, False), (referrers, True)):
            values = set(column)
            if blank:
                values.discard("")
            if not all(map(_PLAIN_URL.fullmatch, values)):
                return None
            if max(map(len, values), default=0) > _URL_LIMIT:
                return None
        agents = [e.get("user_agent", "") for e in events]
        cookies = [e.get("cookie_id", "") for e in events]
        for column, limit in ((agents, 512), (cookies, 64)):
            values = set(column)
            text = "".join(values)  # TypeError if one is not text
            if "\x00" in text or max(map(len, values)) > limit:
                return None
            if not text.isascii():
                text.encode()  # UnicodeEncodeError (a ValueError) for a lone surrogate
        addresses = [e.get("ip_address") for e in events]
        values = set(addresses)
        values.discard(None)
        if not all(map(_PLAIN_IPV4.fullmatch, values)):
            if any(_ip_text(value) != value for value in values):
                return None  # stored in canonical form: the event-by-event way
    except (TypeError, ValueError):
        return None
    return list(zip(moments, pages, addresses, agents, referrers, cookies, strict=True))


def _text_error(value, limit: int) -> str | None:
    """Why ``value`` is no text PostgreSQL can store within ``limit``, or ``None``."""
    if not isinstance(value, str):
        return _("Expected text.")
    if len(value) > limit:
        return _("At most %(max)s characters of text.") % {"max": limit}
    if "\x00" in value:
        return _("This text contains a NUL character, which cannot be stored.")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _("This text contains a character that cannot be stored (a lone surrogate).")
    return None


@functools.lru_cache(maxsize=65536)
def _ip_text(value: str) -> str:
    """The address in its canonical form (ValueError if it is none, or if it names an
    IPv6 zone, which PostgreSQL cannot store); the same visitors' addresses recur."""
    if "%" in value:
        raise ValueError(value)
    return str(ipaddress.ip_address(value))


@functools.lru_cache(maxsize=4096)
def _url_ok(value: str) -> bool:
    """An http(s) address with a host and no blank or control character. Cheaper than
    Django's URLValidator (whose regex would cost more than the write of 10,000 events);
    the same pages recur, so answers are remembered."""
    if not value.lower().startswith(("http://", "https://")) or _NOT_IN_URL.search(value):
        return False
    try:
        return bool(urlsplit(value).hostname)
    except ValueError:
        return False


def _moment(value, *, latest) -> tuple[str | None, str | None]:
    """The moment as RFC 3339 text in UTC, or why it is refused."""
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed, but no such moment (minute 99)
        parsed = None
    if parsed is None or timezone.is_naive(parsed) or abs(parsed.utcoffset()) > _MAX_OFFSET:
        return None, _("A date and time with its time zone is required.")
    if parsed > latest:
        return None, _("A visit cannot happen in the future.")
    try:
        return parsed.astimezone(UTC).isoformat(), None
    except OverflowError:  # the first hours of year 1, east of Greenwich
        return None, _("A date and time with its time zone is required.")


def _event_row(item, *, latest) -> tuple[tuple | None, dict]:
    """One event checked as ``VisitEventInput`` documents it, without a serializer's
    cost: its row, or its errors by field."""
    if not isinstance(item, dict):
        return None, {"": [_("Expected an object.")]}
    errors = {}
    for name in sorted(item.keys() - _EVENT_FIELDS):
        errors[name] = [_("Unknown field: only non-personal visit data is accepted (1.4).")]
    for name in ("occurred_at", "page_url"):
        if name not in item:
            errors[name] = [_("This field is required.")]
    moment, error = _moment(item.get("occurred_at"), latest=latest)
    if error and "occurred_at" not in errors:
        errors["occurred_at"] = [error]
    for name in ("page_url", "referrer"):
        value = item.get(name, "")
        if (value != "" or name == "page_url") and name not in errors:
            if _text_error(value, _URL_LIMIT) or not _url_ok(value):
                errors[name] = [_("Enter a valid URL.")]
    for name, limit in _TEXT_LIMITS.items():
        error = _text_error(item.get(name, ""), limit)
        if error:
            errors[name] = [error]
    address = item.get("ip_address")
    if address is not None:
        try:
            address = _ip_text(address if isinstance(address, str) else "")
        except ValueError:
            errors["ip_address"] = [_("Enter a valid IPv4 or IPv6 address.")]
    if errors:
        return None, errors
    row = (
        moment,
        item["page_url"],
        address,
        item.get("user_agent", ""),
        item.get("referrer", ""),
        item.get("cookie_id", ""),
    )
    return row, {}


def _visit_rows_by_event(events: list, *, latest) -> tuple[list[tuple], dict]:
    """Every event checked on its own: the rows, and the errors by index and field."""
    rows, errors = [], {}
    for index, item in enumerate(events):
        row, item_errors = _event_row(item, latest=latest)
        if item_errors:
            errors[str(index)] = item_errors
        else:
            rows.append(row)
    return rows, errors


class VisitEventBatchOutput(serializers.Serializer):
    accepted = serializers.IntegerField()


class VisitEventIngestView(ApiView):
    required_scope = ApiScope.VISITS_WRITE

    @extend_schema(
        operation_id="visit_events_ingest",
        request=VisitEventBatchInput,
        responses={201: VisitEventBatchOutput, **problem_responses(409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Record up to 10,000 visit events (1.4), all or none",
    )
    @idempotent
    def post(self, request):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list) or not events:
            raise ValidationError({"events": [_("A list of at least one event is required.")]})
        if len(events) > services.VISIT_EVENTS_MAX_BATCH:
            raise ValidationError(
                {"events": [_("At most %(max)s events per call.") % {"max": 10_000}]}
            )
        latest = timezone.now() + timedelta(minutes=5)  # clocks differ a little
        rows = _visit_rows_by_column(events, latest=latest)
        if rows is None:
            rows, errors = _visit_rows_by_event(events, latest=latest)
            if errors:
                raise ValidationError({"events": errors})
        accepted = services.visit_events_ingest(rows=rows)
        return Response({"accepted": accepted}, status=status.HTTP_201_CREATED)
