from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import services
from .email_address import EmailAddressFormField, same_address
from .models import Address, Customer, Language, User, email_match
from .validators import phone_to_e164


class CustomerForm(forms.ModelForm):
    """Accepts a phone number written any usual way and stores it as E.164."""

    class Meta:
        model = Customer
        fields = ["first_name", "last_name", "phone", "email", "preferred_language", "user"]

    def clean_phone(self):
        return phone_to_e164(self.cleaned_data["phone"])


# Customer account pages (5.1.2, 5.2.1, 2.2) ----------------------------------------


class CustomerAuthenticationForm(AuthenticationForm):
    """Sign-in by email and password, with messages translated in this app (kk too)."""

    error_messages = {
        "invalid_login": _("The email address or password is not correct."),
        "inactive": _("This account is closed."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "inputmode": "email", "autocapitalize": "none"}
        )
        self.fields["password"].label = _("Password")


class SignInLinkForm(forms.Form):
    """Issue 13: the address to email a one-time sign-in link to."""

    email = EmailAddressFormField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """ "Forgot password" for customers; the email goes through the outbox, never directly.

    Only active users linked to a customer get a reset link: the admin's staff accounts
    are not reset from a public page. A customer the shop recorded without a sign-in is
    emailed a first-sign-in link instead, and no account exists until it is used (issue
    8 item 6). Neither link is stored: the outbox makes it when it sends (item 3).
    """

    email = EmailAddressFormField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        users = email_match(User.objects.all(), email).filter(
            is_active=True, customer__isnull=False
        )
        # As Django's own form does: never match an address that only folds to this one.
        return (user for user in users if same_address(email, user.email))

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        services.first_sign_in_link_send(
            email=self.cleaned_data["email"], language=translation.get_language() or "ru"
        )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # The token Django put in ``context`` is dropped: the outbox makes a fresh one
        # when it sends, so it never reaches a row the staff can read.
        services.password_reset_link_send(
            user=context["user"], language=translation.get_language() or "ru"
        )


class CustomerDataForm(forms.Form):
    """The 3.2 data a customer corrects themselves (5.1.2)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        help_text=_("Any usual form: +7 701 234 56 78, 8 701 234 5678, 87012345678."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = EmailAddressFormField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("A new address takes effect once you open the link we send to it."),
    )
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def clean_phone(self):
        return phone_to_e164(self.cleaned_data["phone"])


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ["city", "street", "apartment", "postal_code", "is_default"]
        labels = {"is_default": _("Use this address by default")}


class AccountClosureForm(forms.Form):
    comment = forms.CharField(
        label=_("Why are you leaving? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I ask Homeshop.kz to close my account."),
        required=True,
    )


# Django ships no Kazakh for the messages a customer meets when choosing a new password
# (its Russian exists). Naming them here puts them in this app's catalogue, which fills
# the gap: without it a Kazakh page shows them in Russian.
DJANGO_PASSWORD_MESSAGES = (
    _("The two password fields didn’t match."),
    _("Enter the same password as before, for verification."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        8,
    ),
    _("The password is too similar to the %(verbose_name)s."),
    _("Your password can’t be too similar to your other personal information."),
    _("This password is too common."),
    _("Your password can’t be a commonly used password."),
    _("This password is entirely numeric."),
    _("Your password can’t be entirely numeric."),
)
