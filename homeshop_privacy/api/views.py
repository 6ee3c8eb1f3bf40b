"""The base of every endpoint: key authentication, the view's scope, per-key throttling,
problem details; and a small view helper for services' answers."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from .idempotency import HEADER
from .keys import ApiKeyAuthentication, HasScope, KeyRateThrottle
from .problems import ProblemJSONRenderer


class ApiView(APIView):
    """Every endpoint of /api/v1/: name its ``required_scope``."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer, ProblemJSONRenderer]
    required_scope: str = ""


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "hsk_<prefix>.<secret>"}


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retrying with the same key and body returns the first reply (24 hours).",
)


class ProblemField(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    instance = serializers.CharField(required=False)
    errors = ProblemField(many=True, required=False)


def problem_responses(*codes: int) -> dict:
    return {code: ProblemSerializer for code in (400, 401, 403, 429, *codes)}
