"""Second-factor pages of the admin (issue 8 item 7): enrol an authenticator, enter a code.

Reached only by staff signed in with their password (``HomeshopAdminSite`` sends them
here); they use the admin's look and no inline script (the Content-Security-Policy allows
none).
"""

from django import forms
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login

from homeshop_privacy.errors import DomainError

from . import two_factor


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _context(request, site, **extra):
    return {
        **site.each_context(request),
        "has_permission": False,  # no navigation before the second factor
        "next": _next_url(request),
        **extra,
    }


class StaffOTPVerifyView(View):
    """A code from the authenticator app, or one of the backup codes (each works once)."""

    template_name = "accounts/two_factor_verify.html"

    def get(self, request, site):
        if not two_factor.staff_otp_has_device(user=request.user):
            return redirect(reverse("admin:two_factor_setup") + _query(request))
        return render(request, self.template_name, _context(request, site, form=OTPTokenForm()))

    def post(self, request, site):
        form = OTPTokenForm(request.POST)
        if form.is_valid():
            try:
                device = two_factor.staff_otp_verify(
                    user=request.user, token=form.cleaned_data["token"]
                )
            except DomainError as exc:  # django-otp's wait after wrong codes
                form.add_error("token", exc.messages)
                return render(request, self.template_name, _context(request, site, form=form))
            if device is not None:
                # A session that gained a privilege gets a new key (no session fixation).
                request.session.cycle_key()
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error(
                "token",
                _(
                    "This code is not valid or was already used. "
                    "Wait for the next code and try again."
                ),
            )
        return render(request, self.template_name, _context(request, site, form=form))


class StaffOTPSetupView(View):
    """First sign-in: scan the QR code (or type the secret), confirm with one code."""

    template_name = "accounts/two_factor_setup.html"

    def _setup_context(self, request, site, device, form):
        return _context(
            request,
            site,
            form=form,
            qr_svg=two_factor.totp_qr_svg(device),
            secret=two_factor.totp_secret_text(device),
        )

    def get(self, request, site):
        try:
            device = two_factor.staff_otp_setup_device(user=request.user)
        except DomainError:
            return redirect(reverse("admin:two_factor_verify") + _query(request))
        return render(
            request, self.template_name, self._setup_context(request, site, device, OTPTokenForm())
        )

    def post(self, request, site):
        try:
            device = two_factor.staff_otp_setup_device(user=request.user)
        except DomainError:
            return redirect(reverse("admin:two_factor_verify") + _query(request))
        form = OTPTokenForm(request.POST)
        if form.is_valid():
            try:
                codes = two_factor.staff_otp_confirm(
                    user=request.user, device=device, token=form.cleaned_data["token"]
                )
            except DomainError as exc:
                form.add_error("token", exc.messages)
            else:
                request.session.cycle_key()
                device.refresh_from_db()
                otp_login(request, device)
                # Shown once, in this response only: never stored in the session.
                return render(
                    request,
                    "accounts/two_factor_backup_codes.html",
                    _context(request, site, codes=codes),
                )
        return render(request, self.template_name, self._setup_context(request, site, device, form))


def _query(request) -> str:
    from django.utils.http import urlencode

    next_url = request.GET.get("next")
    return "?" + urlencode({"next": next_url}) if next_url else ""
