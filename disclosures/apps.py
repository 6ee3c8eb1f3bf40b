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
        from .services.breach_clock import REASON_DUE, REASON_OVERDUE

        reason_labels_register(
            {
                BREACH_REASON: _("Breach notice to a customer"),
                REASON_DUE: _("Breach: filing with the regulator due today"),
                REASON_OVERDUE: _("Breach: filing with the regulator overdue"),
            }
        )
