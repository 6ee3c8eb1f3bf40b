from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    name = "disclosures"
    verbose_name = _("Disclosures and breaches")

    def ready(self):
        from .customer_page import register

        register()
