from importlib import import_module

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def reference_data_ensure(sender, using="default", **kwargs):
    """Re-create the seeded purposes and policy version 1 if they are missing.

    The data migrations write them once; a flush (as between transactional tests) empties
    every table and then sends ``post_migrate``, so the same idempotent seeds run here.
    """
    if using != "default":
        return
    import_module("consents.migrations.0002_seed_purposes").seed(global_apps, None)
    import_module("consents.migrations.0004_policy_version_1").load(global_apps, None)


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
