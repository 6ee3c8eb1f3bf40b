from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def reference_data_ensure(sender, using="default", **kwargs):
    """Re-create the seeded purposes and policy version 1 if they are missing.

    The data migrations write them once; a flush (as between transactional tests) empties
    every table and then sends ``post_migrate``, so ``reference_data`` puts them back.
    """
    if using != "default":
        return
    from .reference_data import policy_version_1_ensure, purposes_ensure

    purposes_ensure()
    policy_version_1_ensure()


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = _("Consents and policy versions")

    def ready(self):
        from .customer_page import register
        from .services import unsubscribe_link_register

        register()
        unsubscribe_link_register()
        post_migrate.connect(
            reference_data_ensure, sender=self, dispatch_uid="consents_reference_data"
        )
