"""The shop's API for customers, orders and visit events (issue 12; 1.4, 3.2, 3.4).

Thin views: each validates its input with a serializer and calls the same services as
the admin, with the key's service user as the actor.
"""

import functools
import ipaddress
import re
from datetime import timedelta
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


_FIELD_LIMITS = {"user_agent": 512, "cookie_id": 64, "referrer": 2000}
_EVENT_FIELDS = frozenset({"occurred_at", "page_url", "ip_address", *_FIELD_LIMITS})
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


def _storable(value, limit: int) -> bool:
    """Text PostgreSQL can store: no NUL, no lone surrogate (not UTF-8), within ``limit``."""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=65536)
def _ip_text(value: str) -> str:
    """The address in its canonical form (ValueError if it is none); the same visitors'
    addresses recur within a batch."""
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


def _event_errors(item, *, latest) -> tuple[dict | None, dict]:
    """Check one event as ``VisitEventInput`` documents it, without a serializer's cost
    per item (10,000 serializers take far longer than the write itself)."""
    if not isinstance(item, dict):
        return None, {"": [_("Expected an object.")]}
    errors, row = {}, {}
    unknown = item.keys() - _EVENT_FIELDS
    for name in sorted(unknown):
        errors[name] = [_("Unknown field: only non-personal visit data is accepted (1.4).")]
    when = item.get("occurred_at")
    try:
        parsed = parse_datetime(when) if isinstance(when, str) else None
    except ValueError:  # well formed, but no such moment (minute 99)
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        errors["occurred_at"] = [_("A date and time with its time zone is required.")]
    elif parsed > latest:
        errors["occurred_at"] = [_("A visit cannot happen in the future.")]
    row["occurred_at"] = parsed
    for name in ("page_url", "referrer"):
        value = item.get(name, "" if name == "referrer" else None)
        if value == "" and name == "referrer":
            row[name] = ""
        elif not _storable(value, 2000) or not _url_ok(value):
            errors[name] = [_("Enter a valid URL.")]
        else:
            row[name] = value
    for name in ("user_agent", "cookie_id"):
        value = item.get(name, "")
        if not _storable(value, _FIELD_LIMITS[name]):
            errors[name] = [_("At most %(max)s characters of text.") % {"max": _FIELD_LIMITS[name]}]
        row[name] = value
    ip = item.get("ip_address")
    if ip is not None:
        try:
            row["ip_address"] = _ip_text(ip if isinstance(ip, str) else "")
        except ValueError:
            errors["ip_address"] = [_("Enter a valid IPv4 or IPv6 address.")]
    return row, errors


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
        rows, errors = [], {}
        latest = timezone.now() + timedelta(minutes=5)  # clocks differ a little
        for index, item in enumerate(events):
            row, item_errors = _event_errors(item, latest=latest)
            if item_errors:
                errors[str(index)] = item_errors
            else:
                rows.append(row)
        if errors:
            raise ValidationError({"events": errors})
        accepted = services.visit_events_ingest(rows=rows)
        return Response({"accepted": accepted}, status=status.HTTP_201_CREATED)
