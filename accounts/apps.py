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
