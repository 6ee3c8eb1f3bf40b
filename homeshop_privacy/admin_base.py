"""Admin building blocks shared by every app.

- ``EstimatedCountPaginator``: an unfiltered list of millions of rows does not run
  ``COUNT(*)`` on PostgreSQL; it uses the planner's estimate instead.
- ``TrackedAdmin``: history visible and read-only for everyone (a version page answers
  GET only: simple-history's version page would save a POST, whatever
  ``SIMPLE_HISTORY_REVERT_DISABLED`` hides), and list pages that never count the whole
  table. On a model that keeps no versions (the consent ledger) the history page is
  Django's own log and there is no version page.
- ``StaffAccountsAdminMixin``: staff accounts and groups are written by superusers only
  and nobody edits their own privileges (the rules are in ``homeshop_privacy.roles``).
- ``AppendOnlyAdmin``: legal records (consent events, disclosures, notices, answers)
  can be added and viewed, never edited or deleted.
"""

import re

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponseNotAllowed
from django.utils.functional import cached_property
from simple_history.admin import SimpleHistoryAdmin

from . import roles

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


def has_history(model) -> bool:
    """Whether ``model`` keeps versions (django-simple-history's ``HistoricalRecords``)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


#: What a history version page answers; anything else is 405 (1.5: history is evidence).
HISTORY_VERSION_METHODS = ("GET", "HEAD")


class TrackedAdmin(SimpleHistoryAdmin):
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if not has_history(model):
            # Django's own history page (the admin log) instead of simple-history's.
            self.object_history_template = None

    def history_view(self, request, object_id, extra_context=None):
        if not has_history(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One version of a record, to read. simple-history saves a POST here (a revert)
        for anyone who may *view* the record; nobody may: 405 before any form is built."""
        if request.method not in HISTORY_VERSION_METHODS:
            return HttpResponseNotAllowed(HISTORY_VERSION_METHODS)
        if not has_history(self.model):
            raise Http404
        # History ids are integers: anything else (a word, a sign, other digits) is no
        # version, not a ValueError deep in the query (a 500).
        if not re.fullmatch(r"[0-9]{1,18}", str(version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        adminform = context.get("adminform")
        if adminform is not None:
            # Every field of a version is shown as text, none as an input.
            context["adminform"] = helpers.AdminForm(
                adminform.form,
                adminform.fieldsets,
                {},
                readonly_fields=flatten_fieldsets(adminform.fieldsets),
                model_admin=self,
            )
            context["revert_disabled"] = True
        return super().render_history_view(request, template, context, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on another record's page, to read: written by their own services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AppendOnlyAdmin(TrackedAdmin):
    def has_change_permission(self, request, obj=None):
        # Viewing the change form is allowed; saving over an existing row is not.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class StaffAccountsAdminMixin:
    """For the admins of ``accounts.User`` and ``auth.Group`` (issue 8 item 2).

    Reading follows the model's ``view_`` permission (officers and auditors read the
    users; no role reads the groups); adding, changing, deleting and setting a password
    (Django's password page asks ``has_change_permission``) are for
    ``roles.may_manage_staff`` alone, whatever permissions a group was given by hand.
    """

    def has_add_permission(self, request, *args, **kwargs):
        return roles.may_manage_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.may_manage_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.may_manage_staff(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj == request.user:
            # Nobody changes their own privileges, a superuser included.
            readonly += tuple(f for f in roles.PRIVILEGE_FIELDS if f not in readonly)
        return readonly
