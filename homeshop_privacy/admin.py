from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import outbox
from .admin_base import EstimatedCountPaginator, TrackedAdmin
from .errors import DomainError
from .models import OutboundMessage, PersonalDataAccess


@admin.register(OutboundMessage)
class OutboundMessageAdmin(TrackedAdmin):
    list_display = (
        "id",
        "reason",
        "object_key",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "reason")
    search_fields = ("=object_key", "=recipient", "=message_id")
    ordering = ("-created_at", "-id")
    actions = ("retry_failed",)
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry sending the selected messages"))
    def retry_failed(self, request, queryset):
        retried = 0
        for message in queryset.exclude(status=OutboundMessage.Status.SENT):
            try:
                outbox.message_retry(message=message, actor=request.user)
            except DomainError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                continue
            retried += 1
        self.message_user(request, _("%(count)s message(s) queued again.") % {"count": retried})


from . import calendar_admin  # noqa: E402,F401  (calendar overrides, issue #5)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_display = ("at", "user", "action", "subject_key", "path")
    list_filter = ("action",)
    search_fields = ("=subject_key", "=user__email")
    list_select_related = ("user",)
    ordering = ("-at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
