"""The shop's API for consents and promotions (issue 12; 2.1, 4.2, 4.3, 7.1).

Thin views over the consent services: the ledger, its evidence and the promotion rules
are the same as on the account page and in the admin; the channel is ``api`` and the
actor the key's service user.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.api import customer_by_shop_id, shop_id_field
from accounts.models import Customer
from homeshop_privacy.access_log import access_record
from homeshop_privacy.api.idempotency import idempotent
from homeshop_privacy.api.views import IDEMPOTENCY_PARAMETER, ApiView, problem_responses
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import ApiScope, PersonalDataAccess

from . import selectors, services
from .models import ConsentEvent, PolicyVersion

CHANNEL = ConsentEvent.Channel.API
#: Issue 12: the most customers one promotion check may ask about.
PROMOTION_CHECK_MAX = 10_000
#: The most customers one send call may name (each is one locked outbox write).
PROMOTION_SEND_MAX = 1_000


# --- read a customer's consents --------------------------------------------------------------


class ConsentStateOutput(serializers.Serializer):
    purpose = serializers.CharField()
    needs_consent = serializers.BooleanField()
    granted = serializers.BooleanField()
    effective = serializers.BooleanField()
    since = serializers.DateTimeField(allow_null=True)
    policy_version = serializers.CharField(allow_null=True)


class CustomerConsentsView(ApiView):
    required_scope = ApiScope.CONSENTS_READ

    @extend_schema(
        operation_id="customers_consents",
        responses={200: ConsentStateOutput(many=True), **problem_responses(404)},
        summary="A customer's current choice for every purpose (4.2)",
    )
    def get(self, request, shop_customer_id: str):
        customer = customer_by_shop_id(shop_customer_id)
        # 1.5: the read is in the access log, under the key's service user.
        access_record(
            user=request.user,
            obj=customer,
            action=PersonalDataAccess.Action.VIEW,
            path=request.path,
        )
        rows = selectors.customer_consent_state(customer=customer)
        return Response(
            [
                {
                    "purpose": row.purpose.code,
                    "needs_consent": row.needs_consent,
                    "granted": row.is_granted,
                    "effective": row.effective,
                    "since": row.since,
                    "policy_version": (
                        row.event.policy_version.label
                        if row.event and row.event.policy_version
                        else None
                    ),
                }
                for row in rows
            ]
        )


# --- checkout: the policy and each purpose (2.1, 4.2, 7.1) -------------------------------------


class PurposeChoiceInput(serializers.Serializer):
    purpose = serializers.CharField(max_length=16)
    granted = serializers.BooleanField()
    wording = serializers.CharField(
        max_length=5000, help_text="The exact text shown next to the box; its hash is kept."
    )


class CheckoutConsentsInput(serializers.Serializer):
    shop_customer_id = shop_id_field()
    policy_version = serializers.CharField(
        max_length=32, help_text="The label of the policy version shown and accepted."
    )
    policy_wording = serializers.CharField(max_length=5000)
    ip_address = serializers.IPAddressField()
    user_agent = serializers.CharField(max_length=512, allow_blank=True)
    language = serializers.ChoiceField([("ru", "ru"), ("kk", "kk"), ("en", "en")], required=False)
    consents = PurposeChoiceInput(many=True, max_length=20)

    def validate_consents(self, value):
        codes = [item["purpose"] for item in value]
        if len(codes) != len(set(codes)):
            raise ValidationError(_("Each purpose at most once."))
        return value


class CheckoutConsentsOutput(serializers.Serializer):
    policy_version = serializers.CharField()
    events = serializers.ListField(child=serializers.IntegerField())


class CheckoutConsentsView(ApiView):
    required_scope = ApiScope.CONSENTS_WRITE

    @extend_schema(
        operation_id="checkout_consents",
        request=CheckoutConsentsInput,
        responses={201: CheckoutConsentsOutput, **problem_responses(404, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Record the policy accepted at checkout and each purpose's choice",
    )
    @idempotent
    def post(self, request):
        data = CheckoutConsentsInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customer_by_shop_id(values["shop_customer_id"])
        with transaction.atomic():
            events = _checkout_record(customer=customer, actor=request.user, values=values)
        return Response(
            {"policy_version": values["policy_version"], "events": [e.pk for e in events]},
            status=status.HTTP_201_CREATED,
        )


def _checkout_record(*, customer: Customer, actor, values: dict) -> list[ConsentEvent]:
    # 2.1, 7.1: the version the customer saw must be the one in force, or the evidence
    # would name a text they never read.
    in_force = selectors.policy_version_in_force()
    if in_force is None or in_force.label != values["policy_version"]:
        known = PolicyVersion.objects.filter(label=values["policy_version"]).exists()
        raise DomainError(
            {
                "policy_version": [
                    _("This version is not the one in force; show the current policy.")
                    if known
                    else _("No policy version has this label.")
                ]
            }
        )
    evidence = {
        "actor": actor,
        "ip_address": values["ip_address"],
        "user_agent": values["user_agent"],
        "language": values.get("language") or customer.preferred_language,
    }
    events = [
        services.policy_accept(
            customer=customer, channel=CHANNEL, wording_text=values["policy_wording"], **evidence
        )
    ]
    for index, choice in enumerate(values["consents"]):
        try:
            purpose = selectors.purpose_by_code(code=choice["purpose"])
        except DomainError:
            raise DomainError({f"consents.{index}.purpose": [_("Unknown purpose.")]}) from None
        if purpose.code == selectors.POLICY_ACCEPTANCE or not purpose.needs_consent:
            raise DomainError(
                {f"consents.{index}.purpose": [_("This purpose is not a choice of the customer.")]}
            )
        if choice["granted"]:
            events.append(
                services.consent_grant(
                    customer=customer,
                    purpose_code=purpose.code,
                    channel=CHANNEL,
                    wording_text=choice["wording"],
                    **evidence,
                )
            )
        elif selectors.consent_is_granted(customer_id=customer.pk, purpose_code=purpose.code):
            # An unticked box withdraws an earlier consent; never given, nothing to record.
            events.append(
                services.consent_withdraw(
                    customer=customer,
                    purpose_code=purpose.code,
                    channel=CHANNEL,
                    wording_text=choice["wording"],
                    **evidence,
                )
            )
    return events


# --- withdraw (4.3) -------------------------------------------------------------------------------


class WithdrawInput(serializers.Serializer):
    shop_customer_id = shop_id_field()
    purpose = serializers.CharField(max_length=16)
    ip_address = serializers.IPAddressField(required=False, allow_null=True)
    user_agent = serializers.CharField(max_length=512, required=False, allow_blank=True)


class WithdrawOutput(serializers.Serializer):
    withdrawn = serializers.BooleanField(help_text="False when there was no consent to withdraw.")


class ConsentWithdrawView(ApiView):
    required_scope = ApiScope.CONSENTS_WRITE

    @extend_schema(
        operation_id="consents_withdraw",
        request=WithdrawInput,
        responses={200: WithdrawOutput, **problem_responses(404, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Withdraw a customer's consent to a purpose; effective at once (4.3)",
    )
    @idempotent
    def post(self, request):
        data = WithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customer_by_shop_id(values["shop_customer_id"])
        try:
            granted = selectors.consent_is_granted(
                customer_id=customer.pk, purpose_code=values["purpose"]
            )
        except DomainError:
            raise ValidationError({"purpose": [_("Unknown purpose.")]}) from None
        purpose = selectors.purpose_by_code(code=values["purpose"])
        if not purpose.needs_consent:
            raise ValidationError({"purpose": [_("This purpose is not a choice of the customer.")]})
        if not granted:
            return Response({"withdrawn": False})
        services.consent_withdraw(
            customer=customer,
            purpose_code=purpose.code,
            channel=CHANNEL,
            actor=request.user,
            ip_address=values.get("ip_address"),
            user_agent=values.get("user_agent", ""),
        )
        return Response({"withdrawn": True})


# --- promotions (4.2.6, 4.3) -------------------------------------------------------------------


class PromotionCheckInput(serializers.Serializer):
    shop_customer_ids = serializers.ListField(
        child=shop_id_field(), required=False, max_length=PROMOTION_CHECK_MAX, min_length=1
    )
    emails = serializers.ListField(
        child=serializers.EmailField(max_length=254),
        required=False,
        max_length=PROMOTION_CHECK_MAX,
        min_length=1,
    )

    def validate(self, attrs):
        if ("shop_customer_ids" in attrs) == ("emails" in attrs):
            raise ValidationError(_("Give either shop_customer_ids or emails."))
        return attrs


class PromotionCheckOutput(serializers.Serializer):
    may = serializers.ListField(child=serializers.CharField())
    may_not = serializers.ListField(child=serializers.CharField())
    unknown = serializers.ListField(child=serializers.CharField())


class PromotionCheckView(ApiView):
    required_scope = ApiScope.PROMOTIONS_CHECK

    @extend_schema(
        operation_id="promotions_check",
        request=PromotionCheckInput,
        responses={200: PromotionCheckOutput, **problem_responses(409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Which of up to 10,000 customers may receive promotions now (4.2.6)",
    )
    @idempotent
    def post(self, request):
        data = PromotionCheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(selectors.promotable_among(**data.validated_data))


class PromotionSendInput(serializers.Serializer):
    campaign = serializers.RegexField(r"^[A-Za-z0-9._:-]{1,120}$", max_length=120)
    subject = serializers.CharField(max_length=255)
    body_text = serializers.CharField(max_length=100_000)
    body_html = serializers.CharField(max_length=200_000, required=False, allow_blank=True)
    shop_customer_ids = serializers.ListField(
        child=shop_id_field(), max_length=PROMOTION_SEND_MAX, min_length=1
    )


class PromotionSendOutput(serializers.Serializer):
    queued = serializers.ListField(child=serializers.CharField())
    not_sent = serializers.ListField(child=serializers.CharField())


class PromotionSendView(ApiView):
    required_scope = ApiScope.PROMOTIONS_SEND

    @extend_schema(
        operation_id="promotions_send",
        request=PromotionSendInput,
        responses={200: PromotionSendOutput, **problem_responses(409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Queue a promotional email for those who may receive it (4.2.6, 4.3)",
    )
    @idempotent
    def post(self, request):
        data = PromotionSendInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ids = list(dict.fromkeys(values.pop("shop_customer_ids")))
        answer = selectors.promotable_among(shop_customer_ids=ids)
        customers = Customer.objects.filter(shop_customer_id__in=answer["may"]).order_by("pk")
        queued = []
        for customer in customers:
            try:
                # The service checks the consent again under the customer's lock: an
                # unsubscribe that commits first wins.
                services.promotion_email_enqueue(customer=customer, **values)
            except DomainError:
                continue
            queued.append(customer.shop_customer_id)
        not_sent = [value for value in ids if value not in set(queued)]
        return Response({"queued": queued, "not_sent": not_sent})
