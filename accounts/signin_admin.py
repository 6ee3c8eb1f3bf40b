"""Admin for sign-in protection (issue 8 items 6 and 7).

- Failed sign-in attempts (django-axes): officers see and lift locks (``delete``
  permission), auditors see them, support agents have no access (roles.py). Lifting a lock
  goes through ``sign_in_lock_clear`` and leaves a ``SecurityEvent``.
- Security events: read-only for whoever may view them.
- Two-factor devices have no admin: a staff member enrols themselves at first sign-in and
  a superuser resets a device with ``manage.py staff_otp_reset`` (audited).
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from homeshop_privacy.admin_base import EstimatedCountPaginator, ListRowsMixin

from . import signin_protection
from .models import SecurityEvent


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    # Only what an officer needs to decide; the raw form data stays out of sight.
    fieldsets = (
        (None, {"fields": ("username", "ip_address", "path_info", "failures_since_start")}),
        (_("Browser"), {"fields": ("user_agent", "attempt_time")}),
    )
    actions = ["unlock"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's "delete selected" would skip the audit row; "unlock" is the one way.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(
        description=_("Lift the sign-in lock (delete the failed attempts)"), permissions=["delete"]
    )
    def unlock(self, request, queryset):
        count = signin_protection.sign_in_lock_clear(attempts=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", count) % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        signin_protection.sign_in_lock_clear(
            attempts=AccessAttempt.objects.filter(pk=obj.pk), actor=request.user
        )

    def delete_queryset(self, request, queryset):
        signin_protection.sign_in_lock_clear(attempts=queryset, actor=request.user)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ListRowsMixin, admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = ("at", "kind", "user", "actor", "detail")
    list_filter = ("kind",)
    list_select_related = ("user", "actor")
    ordering = ("-at", "-id")
    readonly_fields = ("at", "kind", "user", "actor", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
