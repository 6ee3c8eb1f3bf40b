"""Admin for the one-off days off and working days of the 6.2 calendar."""

from django.contrib import admin

from .admin_base import TrackedAdmin
from .models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(TrackedAdmin):
    list_display = ("day", "kind", "note", "created_at")
    list_filter = ("kind",)
    search_fields = ("note",)
    date_hierarchy = "day"
    ordering = ("-day",)
