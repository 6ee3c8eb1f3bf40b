from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Pre-trial claims")

    def ready(self):
        from . import classification

        classification.register()
        from . import retention

        retention.register()
        from homeshop_privacy.calendar_changes import deadlines_follow_calendar

        from . import customer_page, services

        # 6.2: a calendar change moves open claims' due dates (overdue stays overdue).
        deadlines_follow_calendar(name="claims", recompute=services.claims_deadlines_recompute)
        customer_page.register()

        from homeshop_privacy.outbox_reasons import reason_labels_register

        from . import services

        reason_labels_register(
            {
                services.REASON_ACK: _("Claim received: notice to the claimant"),
                services.REASON_REMINDER: _("Claim due date reminder"),
                services.REASON_ESCALATION: _("Overdue claim: escalation"),
                services.REASON_ANSWER: _("Claim answer to the claimant"),
                services.REASON_TERM_CHANGE: _("Claim paused, resumed or extended: notice"),
                services.REASON_IDENTITY_CODE: _("Identity check: one-time code"),
            }
        )
        services.identity_code_link_register()

        from .reference_data import request_types_on_migrate

        # Issue 11: the request types seeded by migration 0009 come back after a flush.
        post_migrate.connect(
            request_types_on_migrate, sender=self, dispatch_uid="claims_request_types"
        )
