from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from homeshop_privacy import views
from homeshop_privacy.health import HealthView

handler400 = "homeshop_privacy.hostile_input.bad_request_page"

admin.site.site_header = _("Homeshop.kz — privacy compliance")
admin.site.site_title = _("Homeshop privacy")
admin.site.index_title = _("Compliance back office")

urlpatterns = [
    path("", views.landing, name="landing"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("account/", include("accounts.urls")),
    path("", include("consents.urls")),
    path("disclosures/", include("disclosures.urls")),
    path("claims/", include("claims.urls")),
    # ops (issue 9 §6): for the operator's monitoring; JSON, 500 when unhealthy.
    path("health/", HealthView.as_view(), name="health"),
    # Issue 12: the shop's API, its schema and docs.
    path("api/v1/", include("homeshop_privacy.api.urls")),
]
