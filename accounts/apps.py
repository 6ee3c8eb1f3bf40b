from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Customers and personal data")

    def ready(self):
        # Issue 15 item 3: each app declares the classification of its own fields.
        from . import classification

        classification.register()
        # 4.1: retention processes of the accounts data.
        from . import retention

        retention.register()
        # Issue 8 item 3: reset and first-sign-in links are made by the outbox at send time.
        from . import sign_in_links

        sign_in_links.register()

        from homeshop_privacy.outbox_reasons import reason_labels_register

        from . import services

        reason_labels_register(
            {
                services.REASON_PASSWORD_RESET: _("Password reset link"),
                services.REASON_FIRST_SIGN_IN: _("First sign-in link"),
                services.REASON_SIGN_IN_LINK: _("One-time sign-in link"),
                services.REASON_EMAIL_CHANGE_CONFIRM: _("Email change: confirmation link"),
                services.REASON_EMAIL_CHANGE_NOTICE: _("Email change: notice to the old address"),
                "accounts.closure_received": _("Account closure: request received"),
                "accounts.closure_done": _("Account closure: account closed"),
                "accounts.closure_refused": _("Account closure: request refused"),
            }
        )

        # Issue 13: a sign-in is not a change of the account. Django's own receiver saves
        # the user to stamp ``last_login``, and every save writes a history version (an
        # empty "Changed" entry per sign-in); this one writes the column alone.
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        from .signals import last_login_stamp

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(last_login_stamp, dispatch_uid="accounts_last_login_stamp")
