"""The shop's API for courier manifests (issue 12; 5.4.2).

The JSON form of ``manage.py import_manifest``: one disclosure to the courier, one line
per order, through ``disclosure_record`` with the same checks. All or nothing: when any
line fails, every refused line is listed and nothing is recorded.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from homeshop_privacy.api.idempotency import idempotent
from homeshop_privacy.api.problems import problem_response
from homeshop_privacy.api.views import IDEMPOTENCY_PARAMETER, ApiView, problem_responses
from homeshop_privacy.models import ApiScope

from . import services
from .models import Disclosure, Recipient

#: The most lines one manifest may carry through the API.
MANIFEST_MAX_LINES = 10_000


class ManifestLineInput(serializers.Serializer):
    order_number = serializers.CharField(max_length=32)
    customer_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class ManifestInput(serializers.Serializer):
    recipient_bin = serializers.RegexField(r"^\d{12}$", help_text="The courier's BIN.")
    disclosed_at = serializers.DateTimeField(help_text="When the manifest was handed over.")
    reference = serializers.CharField(max_length=100, help_text="The manifest's number.")
    purpose = serializers.CharField(max_length=16, default="4.2.3")
    categories = serializers.ListField(
        child=serializers.CharField(max_length=32),
        default=["identity", "contact", "address"],
        min_length=1,
        max_length=20,
    )
    lines = ManifestLineInput(many=True, min_length=1, max_length=MANIFEST_MAX_LINES)


class ManifestOutput(serializers.Serializer):
    disclosure_id = serializers.IntegerField()
    lines = serializers.IntegerField()


class RejectedLineOutput(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ManifestView(ApiView):
    required_scope = ApiScope.MANIFESTS_WRITE

    @extend_schema(
        operation_id="courier_manifests_record",
        request=ManifestInput,
        responses={201: ManifestOutput, **problem_responses(409, 422)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Record a courier manifest (5.4.2): all lines or none",
    )
    @idempotent
    def post(self, request):
        data = ManifestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        recipient = Recipient.objects.filter(bin=values["recipient_bin"]).first()
        if recipient is None:
            raise ValidationError({"recipient_bin": [_("No recipient has this BIN.")]})
        lines = [
            services.LineInput(
                order_number=line["order_number"].strip(),
                customer_email=line.get("customer_email", "").strip(),
                line_no=index,
            )
            for index, line in enumerate(values["lines"], start=1)
        ]
        try:
            disclosure = services.disclosure_record(
                actor=request.user,
                recipient=recipient,
                basis=Disclosure.Basis.ORDER_FULFILMENT,
                purpose_code=values["purpose"],
                categories=values["categories"],
                disclosed_at=values["disclosed_at"],
                lines=lines,
                reference=values["reference"],
            )
        except services.LinesRefused as exc:
            # Every refused line, numbered from 1 in the order sent (``lines.<n-1>``).
            errors = [
                {"field": f"lines.{rejected.line_no - 1}", "message": rejected.message}
                for rejected in exc.rejected
            ]
            return problem_response(422, detail=exc.messages[0], errors=errors, request=request)
        body = {"disclosure_id": disclosure.pk, "lines": disclosure.line_count}
        return Response(body, status=status.HTTP_201_CREATED)
