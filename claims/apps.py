from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Pre-trial claims")

    def ready(self):
        from . import customer_page, signals

        signals.connect()
        customer_page.register()
