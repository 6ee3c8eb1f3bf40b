"""Admin building blocks shared by every app.

- ``EstimatedCountPaginator``: a list of millions of rows, filtered or not, never counts
  more than ``ESTIMATE_ABOVE`` rows on PostgreSQL; beyond, the planner's estimate.
- ``TrackedAdmin``: history visible and read-only for everyone (a version page answers
  GET only: simple-history's version page would save a POST, whatever
  ``SIMPLE_HISTORY_REVERT_DISABLED`` hides), and list pages that never count the whole
  table. On a model that keeps no versions (the consent ledger) the history page is
  Django's own log and there is no version page.
- ``StaffAccountsAdminMixin``: staff accounts and groups are written by superusers only
  and nobody edits their own privileges (the rules are in ``homeshop_privacy.roles``).
- ``AppendOnlyAdmin``: legal records (consent events, disclosures, notices, answers)
  can be added and viewed, never edited or deleted.
- ``ListRowsMixin``: the same list page HTML as Django's, with the per-row work done once
  per page (issue 14).
- ``LatestRowsInlineMixin``: an inline that shows the latest rows of a record (a customer's
  claims) and links to all of them in their own list.
"""

import json
import re
from types import SimpleNamespace

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, quote
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connection, models
from django.http import Http404, HttpResponseNotAllowed
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from . import roles

#: Rows counted exactly at most, per list page view (counting 100,000 rows took longer than
#: the whole page may, issue 14).
ESTIMATE_ABOVE = 10_000
#: From this row on, a page reads its rows' ids first, then the rows (a "deferred join").
DEFERRED_FROM = 1_000


class EstimatedCountPaginator(Paginator):
    """Counts at most ``ESTIMATE_ABOVE`` rows (issue 14): beyond that, the planner's estimate.

    Unfiltered, the table's row estimate (``pg_class.reltuples``) when it is above the
    bound; filtered, the rows are counted up to the bound and, when there are more, the
    planner's estimate of the filtered query is shown instead. No page view counts more
    than ``ESTIMATE_ABOVE`` rows exactly. Elsewhere than PostgreSQL, an exact count.
    """

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if connection.vendor != "postgresql" or query is None:
            return super().count
        if not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        bounded = self.object_list.order_by()[: ESTIMATE_ABOVE + 1].count()
        if bounded <= ESTIMATE_ABOVE:
            return bounded
        return max(_planner_rows(self.object_list), bounded)

    def page(self, number):
        """A far page (page 1,000) reads the ids of its rows through the ordering's index,
        skipping the rows before it without their joins, then those rows with their joins
        (issue 14: the skipped rows were joined to their customer one by one)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        if bottom < DEFERRED_FROM or not hasattr(queryset, "values_list"):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def _planner_rows(queryset) -> int:
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


#: Stands for the primary key in a change URL reversed once per list page.
_PK_MARK = "987654321987"


class RowLinksChangeList(ChangeList):
    """Django's changelist, with each row's change URL made from one reversed URL instead
    of a ``reverse()`` per row (integer primary keys only; anything else as Django does).

    The filters a row's link keeps (``?_changelist_filters=...``) are added here, once per
    page: Django adds them per row with ``add_preserved_filters``, which resolves each
    row's URL to learn it is not the list's own. ``preserved_filters`` (read by nothing
    else than that per-row step) is emptied, so the link comes out the same.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_link_filters = self.preserved_filters
        if self._change_url_parts is not None:
            self.preserved_filters = ""

    @cached_property
    def _change_url_parts(self):
        if not isinstance(self.opts.pk, models.AutoField | models.BigAutoField):
            return None
        url = super().url_for_result(SimpleNamespace(**{self.pk_attname: int(_PK_MARK)}))
        if url.count(_PK_MARK) != 1:
            return None
        return url.split(_PK_MARK)

    def url_for_result(self, result):
        parts = self._change_url_parts
        if parts is None:
            return super().url_for_result(result)
        url = f"{parts[0]}{quote(getattr(result, self.pk_attname))}{parts[1]}"
        return f"{url}?{self.row_link_filters}" if self.row_link_filters else url


class ListRowsMixin:
    """List pages (issue 14): each row costed a template render for its checkbox and a
    ``reverse()`` for its link. The HTML is Django's own, character for character
    (``tests/homeshop_privacy/test_admin_list_rows.py`` compares them)."""

    def get_changelist(self, request, **kwargs):
        return RowLinksChangeList

    def action_checkbox(self, obj):
        # forms.CheckboxInput(...).render(): the same input, without rendering a template.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


def has_history(model) -> bool:
    """Whether ``model`` keeps versions (django-simple-history's ``HistoricalRecords``)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


#: What a history version page answers; anything else is 405 (1.5: history is evidence).
HISTORY_VERSION_METHODS = ("GET", "HEAD")


class TrackedAdmin(ListRowsMixin, SimpleHistoryAdmin):
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


class LatestRowsInlineMixin:
    """Only the latest ``list_limit`` rows of the record (in the inline's ``ordering``), then a
    link to all of them in the model's own list, filtered on the record (issue 14: a
    customer with thousands of claims made a page nobody reads, built in seconds).

    For inlines that only show rows (nothing is added, changed or deleted through them).
    """

    list_limit = 20
    template = "admin/edit_inline/latest_rows.html"
    #: The link's text (the list is filtered on the record).
    all_rows_label = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        object_id = match.kwargs.get("object_id") if match else None
        self.all_rows_url = None
        if not (object_id and str(object_id).isdigit()):
            return queryset.none()
        fk = self.fk_name or self.parent_model._meta.model_name
        mine = queryset.filter(**{fk: int(object_id)})
        ids = list(mine.values_list("pk", flat=True)[: self.list_limit + 1])
        if len(ids) > self.list_limit:
            opts = self.model._meta
            changelist = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
            self.all_rows_url = f"{changelist}?{fk}__id__exact={int(object_id)}"
        return mine.filter(pk__in=ids[: self.list_limit])


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
