from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    name = "disclosures"
    verbose_name = _("Disclosures and breaches")

    def ready(self):
        from . import classification, retention

        classification.register()
        retention.register()
        from . import signals
        from .customer_page import register

        register()
        signals.connect()

        from homeshop_privacy.outbox_reasons import reason_labels_register

        from .services import BREACH_REASON

        reason_labels_register({BREACH_REASON: _("Breach notice to a customer")})
