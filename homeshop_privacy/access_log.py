"""1.5: every view of a person's data by staff is attributable to one staff account."""

from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.db import models

from .models import PersonalDataAccess
from .outbox import object_key


def access_record(*, user, obj: models.Model, action: str, path: str = "") -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        user=user, action=action, subject_key=object_key(obj), path=path[:500]
    )


def accesses_record_many(
    *, user, model: type[models.Model], pks, action: str, path: str = ""
) -> int:
    """One entry per record of ``model`` in ``pks`` (an export of many customers)."""
    label = model._meta.label_lower
    created = PersonalDataAccess.objects.bulk_create(
        (
            PersonalDataAccess(
                user=user, action=action, subject_key=f"{label}:{pk}", path=path[:500]
            )
            for pk in pks
        ),
        batch_size=5000,
    )
    return len(created)


def accesses_of(*, obj: models.Model):
    return PersonalDataAccess.objects.filter(subject_key=object_key(obj)).select_related("user")


class PersonalDataAdminMixin:
    """For the admin of a model holding personal data: log each view of a record, of its
    history, of one version of it, and each record a search shows in the list."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._log_access(request, object_id, PersonalDataAccess.Action.VIEW, response)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._log_access(request, object_id, PersonalDataAccess.Action.HISTORY, response)
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # The version may be of a record since anonymised: logged by its key.
            pk = self.model._meta.pk.to_python(unquote(object_id))
            accesses_record_many(
                user=request.user,
                model=self.model,
                pks=[pk],
                action=PersonalDataAccess.Action.HISTORY,
                path=request.path,
            )
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        term = request.GET.get(SEARCH_VAR, "").strip()
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and term and changelist is not None:
            # Who, when and which records the page showed; never the term (an email or
            # a phone number) and never the query string, which holds it.
            accesses_record_many(
                user=request.user,
                model=self.model,
                pks=[obj.pk for obj in changelist.result_list],
                action=PersonalDataAccess.Action.SEARCH,
                path=request.path,
            )
        return response

    def _log_access(self, request, object_id, action, response):
        if request.method != "GET" or response.status_code != 200:
            return
        # The record the page showed (not read a second time), else looked up again.
        context = getattr(response, "context_data", None) or {}
        obj = context.get("original")
        if not isinstance(obj, self.model) or obj.pk is None:
            obj = self.get_object(request, object_id)
        if obj is not None:
            access_record(user=request.user, obj=obj, action=action, path=request.path)
