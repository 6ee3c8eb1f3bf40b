"""Customer pages of the consents app: unsubscribe (4.3) and the policy text (7.1)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.email_address import mask_address
from accounts.models import Customer
from accounts.selectors import customer_for_user
from homeshop_privacy.errors import DomainError

from . import services
from .models import ConsentEvent, PolicyVersion, Purpose
from .policy_text import policy_blocks, policy_toc
from .selectors import PROMOTIONS_EMAIL, consent_is_granted, policy_version_in_force
from .tokens import unsubscribe_token_read


def _mask_email(email: str) -> str:
    return mask_address(email)


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@csrf_exempt  # the signed token is the credential; mail clients POST without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: confirmation page; POST (its button or an RFC 8058 one-click): withdraw 4.2.6."""
    data = unsubscribe_token_read(token=token)
    customer = None
    if data is not None and data.purpose_code == PROMOTIONS_EMAIL:
        customer = Customer.objects.filter(pk=data.customer_id).first()
    if customer is None:
        # Tampered, foreign or for a customer who no longer exists: change nothing.
        return render(request, "consents/unsubscribe_invalid.html", status=400)

    # The customer's own language, unless they picked one with the switch on the page.
    language = customer.preferred_language
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        language = request.LANGUAGE_CODE
    with translation.override(language):
        context = {"customer": customer, "masked_email": _mask_email(customer.email)}
        if request.method == "GET":
            context["already"] = not consent_is_granted(
                customer_id=customer.pk, purpose_code=PROMOTIONS_EMAIL
            )
            response = render(request, "consents/unsubscribe_confirm.html", context)
        else:
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            wording = (
                ""
                if one_click
                else render_to_string("consents/unsubscribe_question.txt", context).strip()
            )
            event = services.promotions_unsubscribe(
                customer=customer,
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                wording_text=wording,
                one_click=one_click,
            )
            context["event"] = event
            response = render(request, "consents/unsubscribe_done.html", context)
        response["Content-Language"] = language
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def consent_choice(request):
    """A signed-in customer gives or withdraws one consent from their account page."""
    customer = customer_for_user(user=request.user)
    if customer is None:
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
    purpose = Purpose.objects.filter(code=request.POST.get("purpose", "")).first()
    action = request.POST.get("action")
    if purpose is None or action not in ConsentEvent.Action.values:
        return HttpResponseBadRequest()
    button = _("Withdraw") if action == ConsentEvent.Action.WITHDRAW else _("Give consent")
    try:
        services.consent_record(
            customer=customer,
            purpose_code=purpose.code,
            action=action,
            channel=ConsentEvent.Channel.ACCOUNT_PAGE,
            actor=request.user,
            ip_address=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            wording_text=f"{purpose.title} ({purpose.code}): {button}",
            language=translation.get_language()[:2],
        )
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if action == ConsentEvent.Action.WITHDRAW:
            messages.success(request, _("Consent withdrawn: %(title)s.") % {"title": purpose.title})
        else:
            messages.success(request, _("Consent given: %(title)s.") % {"title": purpose.title})
    return redirect(reverse("accounts:home") + "#section-consents")


def policy_current(request):
    version = policy_version_in_force()
    if version is None:
        raise Http404
    return _policy_page(request, version)


def policy_version(request, label: str):
    version = PolicyVersion.objects.published().filter(label=label).first()
    if version is None:
        raise Http404
    return _policy_page(request, version)


def _policy_page(request, version: PolicyVersion):
    language = translation.get_language()[:2]
    blocks = policy_blocks(version.text_for(language))
    context = {
        "version": version,
        "blocks": blocks,
        "toc": policy_toc(blocks),
        "translated": bool(getattr(version, f"text_{language}", "")),
        "in_force": policy_version_in_force(),
    }
    return render(request, "consents/policy.html", context)
