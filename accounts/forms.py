from django import forms

from .models import Customer
from .validators import phone_to_e164


class CustomerForm(forms.ModelForm):
    """Accepts a phone number written any usual way and stores it as E.164."""

    class Meta:
        model = Customer
        fields = ["first_name", "last_name", "phone", "email", "preferred_language", "user"]

    def clean_phone(self):
        return phone_to_e164(self.cleaned_data["phone"])

    def clean_email(self):
        return self.cleaned_data["email"].strip()
