"""Customer account pages (5.2.1): sign in, see everything held, correct it (5.1.2),
download it, ask to close the account (2.2). Views stay thin: reads through
``selectors``, writes through ``services``; other apps appear through
``homeshop_privacy.customer_pages``.
"""

import csv
import io
import json
import logging
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from homeshop_privacy import customer_pages
from homeshop_privacy.csv_safety import csv_safe
from homeshop_privacy.errors import DomainError, domain_error_to_form

from . import selectors, services, sign_in_links, signin_protection
from .email_address import mask_address
from .forms import (
    AccountClosureForm,
    AddressForm,
    CustomerAuthenticationForm,
    CustomerDataForm,
    OutboxPasswordResetForm,
    SignInLinkForm,
)
from .models import Address, User
from .services import CUSTOMER_EDITABLE

logger = logging.getLogger(__name__)

ORDERS_PER_PAGE = 20
CUSTOMER_REASON = "corrected by the customer on the account page (5.1.2)"


# Sign-in, sign-out, forgotten password ------------------------------------------------


class CustomerLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = CustomerAuthenticationForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("accounts:home")


class CustomerLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("accounts:login")


class CustomerPasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        # Links point at the configured site, never at whatever Host the request named.
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form):
        # Issue 8 item 6: past the hourly limit per address or IP nothing is sent, and the
        # page reads as it does on success (it never tells whether the address exists).
        allowed = signin_protection.password_reset_request_allow(
            email=form.cleaned_data["email"],
            ip_address=signin_protection.client_ip(self.request),
        )
        if not allowed:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class CustomerPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class CustomerPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The lock page sends a locked-out customer here: once the new password is set,
        # the old failures must not keep it locked (user review, finding 3).
        signin_protection.sign_in_failures_forget(
            user=form.user, reason="failures cleared by a completed password reset"
        )
        return response


class CustomerPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class CustomerFirstSignInView(FormView):
    """Issue 8 item 6: the emailed one-time link of a customer recorded without a sign-in.

    Opening the link only shows the form; choosing a password creates the sign-in
    (``services.customer_first_sign_in``), after which the link no longer works. As in
    Django's reset view, the token moves into the session at once so that it is not left
    in the address bar or sent on in a Referer header.
    """

    template_name = "accounts/first_sign_in.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:home")
    session_key = "_first_sign_in_token"
    url_token = "set-password"

    def dispatch(self, request, *args, **kwargs):
        token = kwargs["token"]
        if token == self.url_token:
            self.customer = sign_in_links.first_sign_in_customer(
                request.session.get(self.session_key, "")
            )
        else:
            self.customer = sign_in_links.first_sign_in_customer(token)
            if self.customer is not None:
                request.session[self.session_key] = token
                return redirect(request.path.replace(token, self.url_token))
        if self.customer is None:
            return self.render_to_response({"validlink": False})
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        # The account does not exist yet: the password validators see the one it will be.
        user = User(email=self.customer.email, language=self.customer.preferred_language)
        return {**super().get_form_kwargs(), "user": user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(validlink=True, **kwargs)

    def form_valid(self, form):
        try:
            user = services.customer_first_sign_in(
                customer=self.customer, password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
            return self.form_invalid(form)
        signin_protection.sign_in_failures_forget(
            user=user, reason="failures cleared by a completed first sign-in"
        )
        self.request.session.pop(self.session_key, None)
        # The account was just created by the owner of the mailbox: sign them in and say
        # so, not "password changed" (user review, finding 6). login() cycles the session.
        auth_login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request, _("Your Homeshop.kz account is created and you are signed in.")
        )
        return redirect(self.success_url)


class SignInLinkRequestView(FormView):
    """Issue 13: a customer without a password (or who forgot it) asks for a one-time
    sign-in link. The next page reads the same whether or not the address is known."""

    template_name = "accounts/sign_in_link_request.html"
    form_class = SignInLinkForm
    success_url = reverse_lazy("accounts:sign_in_link_sent")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        # The forgotten-password limits (per address and IP, hourly) cover these emails too.
        allowed = signin_protection.password_reset_request_allow(
            email=email, ip_address=signin_protection.client_ip(self.request)
        )
        if allowed:
            services.sign_in_link_send(email=email, language=translation.get_language() or "ru")
        return super().form_valid(form)


class SignInLinkSentView(TemplateView):
    template_name = "accounts/sign_in_link_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(minutes=sign_in_links.sign_in_link_minutes(), **kwargs)


@method_decorator(never_cache, name="dispatch")
class SignInLinkView(TemplateView):
    """Issue 13: the emailed one-time sign-in link.

    Opening it only shows a button (mail scanners open links too, and must not spend
    it); the button signs the customer in. As for the first-sign-in link, the token moves
    into the session at once, off the address bar and out of any Referer header.
    """

    template_name = "accounts/sign_in_link.html"
    session_key = "_sign_in_link_token"
    url_token = "continue"

    def dispatch(self, request, *args, **kwargs):
        token = kwargs["token"]
        if token != self.url_token:
            if sign_in_links.sign_in_link_customer(token) is not None:
                request.session[self.session_key] = token
                return redirect(request.path.replace(token, self.url_token))
            return self.render_to_response({"validlink": False})
        self.token = request.session.get(self.session_key, "")
        self.customer = sign_in_links.sign_in_link_customer(self.token)
        if self.customer is None:
            return self.render_to_response({"validlink": False})
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            validlink=True, masked_email=mask_address(self.customer.email), **kwargs
        )

    def post(self, request, *args, **kwargs):
        with transaction.atomic():
            user = services.customer_sign_in_by_link(token=self.token)
            if user is None:
                return self.render_to_response({"validlink": False})
            # login() moves last_login on inside the transaction that checked the link:
            # the link is spent the moment it signs someone in.
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session.pop(self.session_key, None)
        messages.success(request, _("You are signed in."))
        return redirect("accounts:home")


# Pages of a signed-in customer -----------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class CustomerRequiredMixin(LoginRequiredMixin):
    """Signed in and linked to a customer; a staff-only account gets a page saying so."""

    login_url = reverse_lazy("accounts:login")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.customer = selectors.customer_for_user(user=request.user)
        if self.customer is None:
            return render(request, "accounts/no_customer.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class AccountHomeView(CustomerRequiredMixin, TemplateView):
    """5.2.1: everything held about the customer, on one page."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs):
        customer = self.customer
        orders = Paginator(selectors.customer_orders(customer=customer), ORDERS_PER_PAGE)
        sections = [
            (section, section.render_html(request=self.request, customer=customer))
            for section in customer_pages.account_sections.all()
            if section.show_on_page
        ]
        return super().get_context_data(
            customer=customer,
            addresses=list(selectors.customer_addresses(customer=customer)),
            orders_page=orders.get_page(self.request.GET.get("page")),
            devices=list(selectors.customer_devices(customer=customer)),
            open_closure=selectors.customer_open_closure_request(customer=customer),
            sections=sections,
            **kwargs,
        )


class CustomerDataEditView(CustomerRequiredMixin, FormView):
    """5.1.2: the customer corrects their data; the old values stay in the history."""

    template_name = "accounts/customer_form.html"
    form_class = CustomerDataForm
    success_url = reverse_lazy("accounts:home")

    def get_initial(self):
        initial = {name: getattr(self.customer, name) for name in CUSTOMER_EDITABLE}
        initial["phone"] = self.customer.phone_display
        return initial

    def form_valid(self, form):
        changes = {
            name: value
            for name, value in form.cleaned_data.items()
            if getattr(self.customer, name) != value
        }
        # Issue 9 §5: a new email (the sign-in address) is only asked for here; it takes
        # effect when confirmed from that address.
        new_email = changes.pop("email", None)
        if not changes and new_email is None:
            messages.info(self.request, _("Nothing was changed."))
            return redirect(self.success_url)
        change = None
        try:
            with transaction.atomic():
                if changes:
                    services.customer_update(
                        customer=self.customer,
                        actor=self.request.user,
                        reason=CUSTOMER_REASON,
                        **changes,
                    )
                if new_email is not None:
                    change = services.customer_email_change_request(
                        customer=self.customer, new_email=new_email, actor=self.request.user
                    )
        except DomainError as exc:
            domain_error_to_form(form, exc)
            return self.form_invalid(form)
        if changes:
            messages.success(self.request, _("Your data were saved."))
        if change is not None:
            messages.info(
                self.request,
                _(
                    "We sent a confirmation link to %(new)s. Your email address changes when "
                    "you open it; until then it stays %(old)s."
                )
                % {"new": change.new_email, "old": change.old_email},
            )
        response = redirect(self.success_url)
        if "preferred_language" in changes:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, changes["preferred_language"])
        return response


@method_decorator(never_cache, name="dispatch")
class EmailChangeConfirmView(View):
    """The link sent to a new email address: GET shows a button, POST confirms.

    A GET never changes anything, so a mail scanner that opens links cannot confirm.
    The link is the credential (it proves the mailbox): no sign-in is needed.
    """

    template_name = "accounts/email_confirm.html"

    def get(self, request, token):
        # The same checks as confirming (a used, replaced or expired link says so now).
        try:
            change = services.email_change_for_token(token=token)
        except DomainError as exc:
            return render(
                request, self.template_name, {"error": " ".join(exc.messages)}, status=400
            )
        return render(request, self.template_name, {"new_email": change.new_email})

    def post(self, request, token):
        actor = request.user if request.user.is_authenticated else None
        try:
            services.customer_email_change_confirm(token=token, actor=actor)
        except DomainError as exc:
            transaction.set_rollback(True)
            return render(
                request, self.template_name, {"error": " ".join(exc.messages)}, status=400
            )
        messages.success(request, _("Your new email address is confirmed."))
        return redirect("accounts:home" if actor else "accounts:login")


class AddressEditView(CustomerRequiredMixin, FormView):
    """Add (no ``pk``) or correct one of the customer's own delivery addresses."""

    template_name = "accounts/address_form.html"
    form_class = AddressForm
    success_url = reverse_lazy("accounts:home")

    def get_address(self) -> Address:
        if "pk" in self.kwargs:
            # Someone else's address id is "not found", not "forbidden".
            return get_object_or_404(
                selectors.customer_addresses(customer=self.customer), pk=self.kwargs["pk"]
            )
        return Address(customer=self.customer)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_address()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_new="pk" not in self.kwargs, **kwargs)

    def form_valid(self, form):
        try:
            services.address_save(
                address=form.instance,
                actor=self.request.user,
                reason="address saved by the customer (5.1.2)",
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The address was saved."))
        return redirect(self.success_url)


class AddressDeleteView(CustomerRequiredMixin, TemplateView):
    template_name = "accounts/address_confirm_delete.html"

    def get_address(self) -> Address:
        return get_object_or_404(
            selectors.customer_addresses(customer=self.customer), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(address=self.get_address(), **kwargs)

    def post(self, request, *args, **kwargs):
        services.address_delete(
            address=self.get_address(),
            actor=request.user,
            reason="address deleted by the customer (5.1.2)",
        )
        messages.success(request, _("The address was deleted."))
        return redirect("accounts:home")


class ExportJSONView(CustomerRequiredMixin, View):
    """5.2.1: download everything held, as one JSON file."""

    def get(self, request, *args, **kwargs):
        data = selectors.customer_data_export(customer=self.customer)
        logger.info("account.export customer=%s format=json", self.customer.pk)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = _attachment(self.customer, "json")
        return response


class ExportCSVView(CustomerRequiredMixin, View):
    """5.2.1: the same data as CSV files (one per table) in a zip, for spreadsheets."""

    def get(self, request, *args, **kwargs):
        data = selectors.customer_data_export(customer=self.customer)
        logger.info("account.export customer=%s format=csv", self.customer.pk)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, rows in _tables(data):
                archive.writestr(f"{name}.csv", _csv(rows))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = _attachment(self.customer, "zip")
        return response


def _attachment(customer, extension: str) -> str:
    day = timezone.localdate().isoformat()
    return f'attachment; filename="homeshop-my-data-{customer.pk}-{day}.{extension}"'


def _tables(data: dict):
    """Flatten the export into (file name, list of row dicts)."""
    yield "customer", [data["customer"]]
    if data["user"]:
        yield "sign_in_account", [data["user"]]
    for key in (
        "addresses",
        "orders",
        "devices",
        "account_closure_requests",
        "email_change_requests",
    ):
        yield key, data[key]
    for key, rows in data["history"].items():
        yield f"history_{key}", rows
    for key, value in data["sections"].items():
        if isinstance(value, dict):
            # A section that is a dict of tables becomes one file per table.
            if value and all(isinstance(v, list) for v in value.values()):
                for sub, rows in value.items():
                    yield f"{key}_{sub}", rows
                continue
            value = [value]
        yield key, value


def _csv(rows) -> str:
    rows = [row if isinstance(row, dict) else {"value": row} for row in rows]
    columns = []
    for row in rows:
        columns += [column for column in row if column not in columns]
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read the Cyrillic text as UTF-8
    writer = csv.DictWriter(out, fieldnames=columns or ["value"])
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: csv_safe(json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v)
                for k, v in row.items()
            }
        )
    return out.getvalue()


class AccountClosureView(CustomerRequiredMixin, FormView):
    """2.2: a customer who disagrees with the policy asks to close the account."""

    template_name = "accounts/closure.html"
    form_class = AccountClosureForm
    success_url = reverse_lazy("accounts:close")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            customer=self.customer,
            open_closure=selectors.customer_open_closure_request(customer=self.customer),
            closure_days=selectors.closure_term_days(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            _closure, created = services.account_closure_request(
                customer=self.customer,
                actor=self.request.user,
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            domain_error_to_form(form, exc)
            return self.form_invalid(form)
        if created:
            messages.success(self.request, _("Your request to close the account was received."))
        else:
            messages.info(self.request, _("Your earlier request is still being processed."))
        return redirect(self.success_url)
