"""Customer pages (file and follow a claim) and the claim's private files.

Files are served only to staff allowed to see them and to the claimant; to anyone else
a claim and its files do not exist (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from homeshop_privacy.access_log import access_record
from homeshop_privacy.admin_site import staff_access_verified
from homeshop_privacy.models import PersonalDataAccess
from homeshop_privacy.private_files import TYPES, download_name, private_file_response
from homeshop_privacy.timestamps import display_date

from . import selectors
from .forms import CustomerClaimForm
from .models import Claim, ClaimAnswer, ClaimAttachment

customer_login_required = login_required(login_url="accounts:login")


def _may_see(request, claim: Claim, permission: str) -> bool:
    user = request.user
    customer = getattr(user, "customer", None)
    if customer is not None and claim.customer_id == customer.pk:
        return True
    # A staff session with the password alone is not staff yet: the code comes first.
    return staff_access_verified(request) and user.has_perm(permission)


def _log_staff_download(request, claim: Claim) -> None:
    """1.5: a staff member opening a claim's file is recorded (the claimant is not)."""
    customer = getattr(request.user, "customer", None)
    if customer is None or claim.customer_id != customer.pk:
        access_record(
            user=request.user,
            obj=claim,
            action=PersonalDataAccess.Action.EXPORT,
            path=request.path,
        )


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(ClaimAttachment.objects.select_related("claim"), pk=pk)
    if not _may_see(request, attachment.claim, "claims.view_claimattachment"):
        raise Http404  # not 403: whether the file exists is not for others to learn
    _log_staff_download(request, attachment.claim)
    # Named by us (the claim's reference, the file's number, the type checked at upload),
    # never by the uploader: their name is shown on the page, not sent as a header.
    return private_file_response(
        attachment.file,
        filename=download_name(
            f"{attachment.claim.reference}-{attachment.pk}", TYPES[attachment.content_type]
        ),
        content_type=attachment.content_type,
    )


@login_required
def answer_pdf(request, pk: int):
    answer = get_object_or_404(ClaimAnswer.objects.select_related("claim"), pk=pk)
    if (
        not answer.pdf
        or answer.status != ClaimAnswer.Status.SENT
        or not _may_see(request, answer.claim, "claims.view_claimanswer")
    ):
        raise Http404
    _log_staff_download(request, answer.claim)
    return private_file_response(
        answer.pdf,
        filename=download_name(answer.claim.reference, ".pdf"),
        content_type="application/pdf",
    )


def _customer_or_page(request):
    customer = getattr(request.user, "customer", None)
    if customer is None:
        return None, render(request, "claims/no_customer.html", status=403)
    return customer, None


@customer_login_required
def my_claims(request):
    customer, refusal = _customer_or_page(request)
    if refusal:
        return refusal
    claims = selectors.claims_of_customer(customer=customer)
    context = {
        "claims": claims,
        "customer": customer,
        "request_types": selectors.request_types_with_own_terms(),
    }
    return render(request, "claims/mine.html", context)


@customer_login_required
def claim_new(request):
    customer, refusal = _customer_or_page(request)
    if refusal:
        return refusal
    form = CustomerClaimForm(request.POST or None, request.FILES or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        claim = form.register(actor=request.user)
        if claim is not None:
            # Seen in the browser journey: the claim page alone did not say it was received.
            messages.success(
                request,
                _(
                    "Your claim %(reference)s is received. We will answer by %(due)s and "
                    "confirm it by email."
                )
                % {"reference": claim.reference, "due": display_date(claim.due_on)},
            )
            return redirect(claim)
    return render(request, "claims/new.html", {"form": form})


@customer_login_required
def claim_detail(request, reference: str):
    customer, refusal = _customer_or_page(request)
    if refusal:
        return refusal
    claim = get_object_or_404(
        Claim.objects.select_related("category", "order"), reference=reference, customer=customer
    )
    answer = ClaimAnswer.objects.filter(claim=claim, status=ClaimAnswer.Status.SENT).first()
    return render(
        request,
        "claims/detail.html",
        {"claim": claim, "answer": answer, "attachments": claim.attachments.all()},
    )
