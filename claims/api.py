"""The shop's API for claims received by other channels (issue 12; 6.1).

A claim that reached the shop by email, post or in person is registered with its files
through ``claim_register``: the same due date (6.2), acknowledgement and file checks
(``homeshop_privacy.private_files``) as when an officer registers it in the admin.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.api import customer_by_shop_id, shop_id_field
from accounts.models import Language, Order
from homeshop_privacy.api.idempotency import idempotent
from homeshop_privacy.api.views import IDEMPOTENCY_PARAMETER, ApiView, problem_responses
from homeshop_privacy.models import ApiScope
from homeshop_privacy.private_files import MAX_FILES

from . import services
from .models import Claim, ClaimCategory

#: The channels a claim reaches the shop by outside this system's own web form.
API_CHANNELS = [
    (value, label) for value, label in Claim.Channel.choices if value != Claim.Channel.WEB
]


class ClaimInput(serializers.Serializer):
    category = serializers.SlugField(max_length=50, help_text="The claim category's code.")
    received_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(API_CHANNELS)
    subject = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=20_000)
    shop_customer_id = shop_id_field(required=False)
    claimant_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    claimant_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    claimant_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    claimant_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    claimant_language = serializers.ChoiceField(Language.choices, required=False)
    order_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_FILES
    )


class ClaimOutput(serializers.Serializer):
    reference = serializers.CharField()
    due_on = serializers.DateField()
    attachments = serializers.IntegerField()


class ClaimRegisterView(ApiView):
    required_scope = ApiScope.CLAIMS_WRITE
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="claims_register",
        request={"multipart/form-data": ClaimInput},
        responses={201: ClaimOutput, **problem_responses(409)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Register a claim received by email, post or in person (6.1), with its files",
    )
    @idempotent
    def post(self, request):
        data = ClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        category = ClaimCategory.objects.filter(code=values.pop("category"), is_active=True).first()
        if category is None:
            raise ValidationError({"category": [_("No active claim category has this code.")]})
        shop_id = values.pop("shop_customer_id", None)
        customer = customer_by_shop_id(shop_id) if shop_id else None
        number = values.pop("order_number", "")
        order = None
        if number:
            order = Order.objects.filter(number=number).first()
            if order is None:
                raise ValidationError({"order_number": [_("No order has this number.")]})
        claim = services.claim_register(
            actor=request.user,
            category=category,
            customer=customer,
            order=order,
            attachments=values.pop("attachments", []),
            **values,
        )
        body = {
            "reference": claim.reference,
            "due_on": claim.due_on,
            "attachments": claim.attachments.count(),
        }
        return Response(ClaimOutput(body).data, status=status.HTTP_201_CREATED)
