"""The API's admin (issue 12): officers make and revoke keys, register webhook endpoints,
and watch and retry deliveries; auditors read; support agents have no access.

A new key or endpoint secret is shown once, on the page that answers its creation; it
is never stored in clear, nor put in a message or the session.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from homeshop_privacy.admin_base import TrackedAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.errors import DomainError

from . import keys, webhooks
from .models import ApiKey, ApiScope, WebhookDelivery, WebhookEndpoint, WebhookEventType


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=capfirst(_("scopes")), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ("name", "scopes", "expires_at")

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and self.instance.pk is None and value <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return value


class _ShownOnceMixin:
    """The add page answers with the new secret, once."""

    shown_once_title = ""
    shown_once_help = ""

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "_shown_once", "")
        if not secret:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "secret": secret,
            "title": self.shown_once_title,
            "help": self.shown_once_help,
        }
        return TemplateResponse(request, "admin/homeshop_privacy/shown_once.html", context)


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceAdmin, _ShownOnceMixin, TrackedAdmin):
    form = ApiKeyForm
    list_display = ("name", "prefix", "scope_list", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "=prefix")
    readonly_fields = ("prefix", "user", "created_at", "created_by", "revoked_at", "last_used_at")
    actions = ("revoke_selected",)
    shown_once_title = _("The new API key")
    shown_once_help = _(
        "Copy the key now and give it to the system that will use it: it is shown only "
        "once and kept only as a digest. Lost, it cannot be read again: revoke it and make "
        "a new one."
    )

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: history and the access log name its user

    def has_revoke_permission(self, request):
        return request.user.has_perm(
            f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}"
        )

    def service_save(self, request, obj, form, change):
        if change:
            return keys.api_key_update(key=obj, actor=request.user)
        key, raw = keys.api_key_create(
            name=obj.name, scopes=obj.scopes, expires_at=obj.expires_at, actor=request.user
        )
        request._shown_once = raw
        return key

    @admin.action(description=_("Revoke the selected keys"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            keys.api_key_revoke(key=key, actor=request.user)
            count += 1
        self.message_user(request, _("%(count)s key(s) revoked.") % {"count": count})


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=capfirst(_("events")),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "events", "is_active")

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                webhooks.webhook_endpoint_check(
                    url=data.get("url", ""), events=data.get("events", [])
                )
            except DomainError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdmin, _ShownOnceMixin, TrackedAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("created_at",)
    shown_once_title = _("The webhook endpoint's signing secret")
    shown_once_help = _(
        "Give this secret to the receiving system now: it verifies each delivery's "
        "Homeshop-Signature with it. It is shown only once."
    )

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events)

    def has_delete_permission(self, request, obj=None):
        return False  # its deliveries are the record of what was sent: deactivate it

    def service_save(self, request, obj, form, change):
        endpoint, secret = webhooks.webhook_endpoint_save(endpoint=obj, actor=request.user)
        if secret:
            request._shown_once = secret
        return endpoint


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    list_filter = ("status", "event__type", "endpoint")
    list_select_related = ("event", "endpoint")
    search_fields = ("=event__event_id",)
    actions = ("retry_deliveries",)
    fields = readonly_fields = (
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
        "payload",
    )

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, obj):
        return obj.event.get_type_display()

    @admin.display(description=_("event id"))
    def event_id(self, obj):
        return obj.event.event_id

    @admin.display(description=_("payload"))
    def payload(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.event.payload, indent=1))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a record of what was sent; retrying is the one write

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm(
            f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}"
        )

    @admin.action(description=_("Deliver the selected events again now"), permissions=["retry"])
    def retry_deliveries(self, request, queryset):
        count = webhooks.webhook_deliveries_retry(
            delivery_ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(
            request, _("%(count)s delivery(ies) queued again.") % {"count": count}, messages.SUCCESS
        )
