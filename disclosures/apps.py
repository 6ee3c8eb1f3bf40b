from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosuresConfig(AppConfig):
    name = "disclosures"
    verbose_name = _("Disclosures and breaches")

    def ready(self):
        from . import classification, retention

        classification.register()
        retention.register()
        from homeshop_privacy.calendar_changes import deadlines_follow_calendar

        from . import services
        from .customer_page import register

        register()
        # Art. 25 p.2: a calendar change moves unfiled incidents' regulator dates.
        deadlines_follow_calendar(
            name="breaches", recompute=services.breach_regulator_due_recompute
        )

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
