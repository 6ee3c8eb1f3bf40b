from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


def retention_defaults_on_migrate(sender, using="default", **kwargs):
    """The default retention rules are back after a flush (4.1): see retention_defaults."""
    if using != "default" or sender.name != "homeshop_privacy":
        return
    from .retention_defaults import retention_rules_ensure

    retention_rules_ensure()


class HomeshopPrivacyConfig(AppConfig):
    name = "homeshop_privacy"
    verbose_name = _("Homeshop privacy: operations")

    def ready(self):
        from django.apps import apps

        # django-axes names its app "Axes": staff read what it holds (issue 13).
        apps.get_app_config("axes").verbose_name = _("Sign-in protection")
        from . import field_classification

        field_classification.register()
        from . import retention

        retention.register_own()
        from django.db.models.signals import post_migrate

        from . import roles

        # Permissions exist only after every app migrated, so the roles get theirs here.
        post_migrate.connect(roles.roles_sync_on_migrate, dispatch_uid="homeshop_roles_sync")
        post_migrate.connect(retention_defaults_on_migrate, dispatch_uid="homeshop_retention_rules")

        from django.core.signals import request_finished

        from .private_files import files_pending_settle

        # Files written under a request's transaction that rolled back are removed.
        request_finished.connect(files_pending_settle, dispatch_uid="homeshop_files_settle")

        from .outbox_reasons import reason_labels_register

        reason_labels_register(
            {
                "ledger.heads": _("Daily ledger heads"),
                "ledger.break": _("Legal records: broken hash chain alarm"),
            }
        )


class HomeshopAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the project's site: staff sign in with a second factor.

    Named in INSTALLED_APPS in place of ``django.contrib.admin``; not this module's default.
    """

    default = False

    def ready(self):
        super().ready()  # autodiscover: every app's admin module is imported now
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # Issue 8 item 7: second-factor devices change only through enrolment (by their
        # owner) and the audited ``manage.py staff_otp_reset``, never in the admin.
        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)

    default_site = "homeshop_privacy.admin_site.HomeshopAdminSite"
