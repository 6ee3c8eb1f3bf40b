from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeshopPrivacyConfig(AppConfig):
    name = "homeshop_privacy"
    verbose_name = _("Homeshop privacy: operations")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import roles

        # Permissions exist only after every app migrated, so the roles get theirs here.
        post_migrate.connect(roles.roles_sync_on_migrate, dispatch_uid="homeshop_roles_sync")

        from django.core.signals import request_finished

        from .private_files import files_pending_settle

        # Files written under a request's transaction that rolled back are removed.
        request_finished.connect(files_pending_settle, dispatch_uid="homeshop_files_settle")
