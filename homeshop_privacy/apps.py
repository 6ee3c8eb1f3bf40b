from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class HomeshopPrivacyConfig(AppConfig):
    name = "homeshop_privacy"
    verbose_name = _("Homeshop privacy: operations")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import roles

        # Permissions exist only after every app migrated, so the roles get theirs here.
        post_migrate.connect(roles.roles_sync_on_migrate, dispatch_uid="homeshop_roles_sync")


class HomeshopAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's site: staff sign in with a second factor.

    Named in INSTALLED_APPS in place of ``django.contrib.admin``; not this module's default.
    """

    default = False
    default_site = "homeshop_privacy.admin_site.HomeshopAdminSite"
