"""Admin building blocks shared by every app.

- ``EstimatedCountPaginator``: an unfiltered list of millions of rows does not run
  ``COUNT(*)`` on PostgreSQL; it uses the planner's estimate instead.
- ``TrackedAdmin``: history visible (read-only: reverting is disabled in settings) and
  list pages that never count the whole table.
- ``AppendOnlyAdmin``: legal records (consent events, disclosures, notices, answers)
  can be added and viewed, never edited or deleted.
"""

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin

ESTIMATE_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if connection.vendor == "postgresql" and query is not None and not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        return super().count


class TrackedAdmin(SimpleHistoryAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class AppendOnlyAdmin(TrackedAdmin):
    def has_change_permission(self, request, obj=None):
        # Viewing the change form is allowed; saving over an existing row is not.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
