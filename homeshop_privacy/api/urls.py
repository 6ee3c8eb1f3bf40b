"""``/api/v1/``: every app's endpoints, the OpenAPI schema and its offline docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from accounts import api as accounts_api
from claims import api as claims_api
from consents import api as consents_api
from disclosures import api as disclosures_api

app_name = "api"


class SchemaView(SpectacularAPIView):
    """The schema names endpoints and fields, never data: open to everyone."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files (no CDN, no inline script)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    url_name = "api:schema"


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("customers/", accounts_api.CustomerUpsertView.as_view(), name="customers"),
    path(
        "customers/<str:shop_customer_id>/consents/",
        consents_api.CustomerConsentsView.as_view(),
        name="customer_consents",
    ),
    path("orders/", accounts_api.OrderCreateView.as_view(), name="orders"),
    path(
        "orders/<str:number>/status/", accounts_api.OrderStatusView.as_view(), name="order_status"
    ),
    path(
        "checkout/consents/", consents_api.CheckoutConsentsView.as_view(), name="checkout_consents"
    ),
    path("consents/withdraw/", consents_api.ConsentWithdrawView.as_view(), name="consent_withdraw"),
    path("promotions/check/", consents_api.PromotionCheckView.as_view(), name="promotions_check"),
    path("promotions/send/", consents_api.PromotionSendView.as_view(), name="promotions_send"),
    path("visit-events/", accounts_api.VisitEventIngestView.as_view(), name="visit_events"),
    path("claims/", claims_api.ClaimRegisterView.as_view(), name="claims"),
    path("courier-manifests/", disclosures_api.ManifestView.as_view(), name="courier_manifests"),
]
