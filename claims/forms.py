"""Forms of the claims admin and pages. The admin's forms only validate (the admin's
``service_save`` writes); a workflow step or the account page calls its service once the
form is valid, and a refusal becomes a form error (the service wrote nothing)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from homeshop_privacy.admin_services import ServiceModelForm
from homeshop_privacy.errors import DomainError, domain_error_to_form
from homeshop_privacy.timestamps import display_date

from . import services
from .models import Claim, ClaimAnswer

ATTACHMENTS_HELP = _("PDF, JPEG or PNG, up to 10 MB each; at most 5 files and 20 MB per claim.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ClaimRegisterForm(ServiceModelForm):
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)

    class Meta:
        model = Claim
        fields = [
            "category",
            "received_at",
            "channel",
            "customer",
            "claimant_kind",
            "claimant_name",
            "claimant_email",
            "claimant_phone",
            "claimant_address",
            "claimant_language",
            "subject",
            "text",
            "order",
            "related_disclosure",
            "related_breach",
            "assignee",
            "internal_notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claimant_name"].required = False
        self.fields["claimant_name"].help_text = _("Taken from the customer when left empty.")
        self.fields["claimant_language"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("customer") and not cleaned.get("claimant_name"):
            self.add_error("claimant_name", _("Name the claimant or choose a customer."))
        return cleaned


class ClaimChangeForm(ServiceModelForm):
    new_attachments = MultipleFileField(label=_("Add attachments"), help_text=ATTACHMENTS_HELP)

    class Meta:
        model = Claim
        fields = ["category", "assignee", "internal_notes"]


# --- workflow steps (one form per service) -------------------------------------------------


class StepForm(forms.Form):
    def __init__(self, *args, claim: Claim, actor, **kwargs):
        self.claim = claim
        self.actor = actor
        super().__init__(*args, **kwargs)

    def run(self):
        """Call the service; return True, or add the refusal to the form and return False."""
        try:
            self.perform(self.cleaned_data)
        except DomainError as exc:
            domain_error_to_form(self, exc)
            return False
        return True


class ReviewForm(StepForm):
    def perform(self, data):
        services.claim_review_start(claim=self.claim, actor=self.actor)


class PauseForm(StepForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def perform(self, data):
        services.claim_pause(claim=self.claim, actor=self.actor, reason=data["reason"])


class ResumeForm(PauseForm):
    def perform(self, data):
        services.claim_resume(claim=self.claim, actor=self.actor, reason=data["reason"])


class ExtendForm(PauseForm):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=30)
    field_order = ["days", "reason"]

    def perform(self, data):
        services.claim_extend(
            claim=self.claim, actor=self.actor, days=data["days"], reason=data["reason"]
        )


class AnswerDraftForm(StepForm):
    language = forms.ChoiceField(
        label=_("Language"), choices=ClaimAnswer._meta.get_field("language").choices
    )
    body = forms.CharField(
        label=_("Answer text"),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 90}),
        required=False,
        help_text=_("Leave empty to start again from the category's template."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answer = getattr(self.claim, "answer", None)
        language = answer.language if answer else self.claim.claimant_language
        self.fields["language"].initial = language
        self.fields["body"].initial = (
            answer.body
            if answer
            else services.answer_template_render(claim=self.claim, language=language)
        )

    def perform(self, data):
        services.claim_answer_draft(
            claim=self.claim, actor=self.actor, body=data["body"], language=data["language"]
        )


def _answer_of(claim: Claim) -> ClaimAnswer:
    # A step page opened from an old link or typed in: no draft yet is a refusal, not a 500.
    answer = ClaimAnswer.objects.filter(claim=claim).first()
    if answer is None:
        raise DomainError(_("There is no answer yet: write it first."))
    return answer


class AnswerApproveForm(StepForm):
    # The text as the page showed it: an answer redrafted meanwhile is refused (6.2).
    shown_digest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        answer = ClaimAnswer.objects.filter(claim=self.claim).first()
        self.current_digest = services.answer_digest(answer=answer) if answer else ""
        self.fields["shown_digest"].initial = self.current_digest

    def perform(self, data):
        services.claim_answer_approve(
            answer=_answer_of(self.claim), actor=self.actor, shown_digest=data["shown_digest"]
        )

    def run(self):
        done = super().run()
        if not done and self.is_bound:
            # The page shown again holds the current text: its digest goes with it.
            self.data = self.data.copy()
            self.data["shown_digest"] = self.current_digest
        return done


class AnswerSendForm(StepForm):
    by_email = forms.BooleanField(label=_("Send by email"), required=False, initial=True)
    tracking_number = forms.CharField(
        label=_("Postal tracking number"),
        required=False,
        help_text=_("If the letter was also (or only) sent by post."),
    )

    def perform(self, data):
        services.claim_answer_send(
            answer=_answer_of(self.claim),
            actor=self.actor,
            by_email=data["by_email"],
            tracking_number=data["tracking_number"],
        )


class CloseForm(StepForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Claim.Outcome.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def perform(self, data):
        services.claim_close(
            claim=self.claim, actor=self.actor, outcome=data["outcome"], note=data["note"]
        )


# --- issue 11: the requester's identity ---------------------------------------------------


class IdentityCodeSendForm(StepForm):
    """A one-time code to the customer's email on file (never one named in the request)."""

    def perform(self, data):
        services.claim_identity_code_send(claim=self.claim, actor=self.actor)


class IdentityCodeVerifyForm(StepForm):
    code = forms.CharField(
        label=_("Code the requester read out"),
        max_length=16,
        help_text=_(
            "The eight digits of the code emailed to the customer. Five wrong codes void "
            "it; then send a new one."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def perform(self, data):
        services.claim_identity_code_verify(claim=self.claim, code=data["code"], actor=self.actor)


class NoPersonalDataForm(StepForm):
    reason = forms.CharField(
        label=_("Why the identity cannot be verified"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The answer must hold this text: it tells the requester why it holds no personal data."
        ),
    )

    def perform(self, data):
        services.claim_answer_without_personal_data(
            claim=self.claim, reason=data["reason"], actor=self.actor
        )


class CustomerClaimForm(forms.Form):
    """A customer files a claim from their account (6.1: in writing, through the site)."""

    category = forms.ModelChoiceField(label=_("What is it about?"), queryset=None)
    order = forms.ModelChoiceField(label=_("Order (if any)"), queryset=None, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    text = forms.CharField(
        label=_("Your claim"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, and what you ask us to do."),
    )
    attachments = MultipleFileField(label=_("Documents"), help_text=ATTACHMENTS_HELP)

    def __init__(self, *args, customer, **kwargs):
        from accounts.selectors import customer_orders

        from .models import ClaimCategory

        self.customer = customer
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ClaimCategory.objects.filter(is_active=True)
        # Issue 11: each kind of claim with its own term, in its own unit.
        self.fields["category"].label_from_instance = lambda category: (
            f"{category.display_name} ({category.term_label})"
        )
        self.fields["order"].queryset = customer_orders(customer=customer)
        self.fields["order"].label_from_instance = lambda order: (
            f"№ {order.number} · {display_date(order.placed_at, short=True)}"
        )

    def register(self, *, actor):
        """File the claim; a refusal lands on the form and None is returned."""
        data = self.cleaned_data
        try:
            return services.claim_file_online(
                actor=actor,
                customer=self.customer,
                category=data["category"],
                subject=data["subject"],
                text=data["text"],
                order=data.get("order"),
                attachments=data.get("attachments") or [],
            )
        except DomainError as exc:
            domain_error_to_form(self, exc)
            return None
