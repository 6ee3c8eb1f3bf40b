"""How an admin page calls a service (issue 15 item 2): one adapter for every admin.

- The form validates and writes nothing. Its ``clean`` may call a service's pure check
  (``consent_event_validate``, ``breach_categories_check``), never a write: a form shown
  again after ``is_valid()`` must not leave anything behind.
- The write is in one place, the admin's ``service_save(request, obj, form, change)``,
  which calls the service and returns the saved object. Related rows (inlines) go through
  services in ``save_formset`` as usual.
- A ``DomainError`` raised by the write (or by an inline's service) rolls back everything
  of that request's save, the change log entry included, and the same page is shown again
  with the refusal as form errors, next to the fields it names
  (``errors.domain_error_to_form``). The user sees the form as they sent it.

Usage::

    @admin.register(PolicyVersion)
    class PolicyVersionAdmin(ServiceAdmin, TrackedAdmin):
        def service_save(self, request, obj, form, change):
            return services.policy_version_save_draft(version=obj, actor=request.user)
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .errors import DomainError, domain_error_to_form
from .private_files import files_atomic


class _Refused(Exception):
    """Carries a service's refusal out of the admin's transaction, so it rolls back."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class ServiceModelForm(forms.ModelForm):
    """A ModelForm for a model its service validates (``full_clean`` there, with what only
    the service fills in: a reference, a due date): the form checks its own inputs only."""

    def _post_clean(self):
        pass


class ServiceAdmin(admin.ModelAdmin):
    """A ``ModelAdmin`` whose saves go through services; put it first among the bases."""

    def service_save(self, request, obj, form, change):
        """Write ``obj`` through its service and return the saved object."""
        raise NotImplementedError(f"{type(self).__name__} must say which service saves.")

    def save_model(self, request, obj, form, change):
        try:
            # A refusal removes the files the service had already stored (uploads).
            with files_atomic():
                saved = self.service_save(request, obj, form, change)
        except DomainError as exc:
            raise _Refused(exc) from exc
        if saved is not None and saved is not obj:
            # The service made its own instance (a new claim): the admin's log entry,
            # message and redirect need the saved row.
            obj.pk = saved.pk
            obj.refresh_from_db()
            obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        try:
            super().save_related(request, form, formsets, change)
        except DomainError as exc:
            raise _Refused(exc) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # Django runs the save in a transaction: the refusal leaves it, so it rolls back.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            request._service_refusal = refused.error
        # The same page again, validated once more (no write: the form is now invalid).
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                domain_error_to_form(self, refusal)
                return cleaned

        RefusedForm.__name__ = form.__name__
        return RefusedForm
