from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers and personal data")

    def ready(self):
        from homeshop_privacy import outbox

        from . import services

        # The confirmation link of a new email address is built when the email is sent,
        # never stored in the outbox row (issue 9 §5).
        outbox.body_at_send_register(
            services.REASON_EMAIL_CHANGE_CONFIRM, services.email_change_confirm_body
        )
