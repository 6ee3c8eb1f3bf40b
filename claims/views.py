"""Files of a claim, served only to staff allowed to see them and to the claimant."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .models import Claim, ClaimAnswer, ClaimAttachment


def _may_see(user, claim: Claim, permission: str) -> bool:
    if user.is_staff and user.has_perm(permission):
        return True
    customer = getattr(user, "customer", None)
    return customer is not None and claim.customer_id == customer.pk


def _private_file(field, *, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(field.open("rb"), as_attachment=True, filename=filename)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(ClaimAttachment.objects.select_related("claim"), pk=pk)
    if not _may_see(request.user, attachment.claim, "claims.view_claimattachment"):
        raise Http404  # not 403: whether the file exists is not for others to learn
    return _private_file(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
def answer_pdf(request, pk: int):
    answer = get_object_or_404(ClaimAnswer.objects.select_related("claim"), pk=pk)
    if not answer.pdf or not _may_see(request.user, answer.claim, "claims.view_claimanswer"):
        raise Http404
    return _private_file(
        answer.pdf, filename=f"{answer.claim.reference}.pdf", content_type="application/pdf"
    )
