"""Every write to the claims register (STYLE: one function per change).

6.1 register, 6.2 the term and the written answer, 6.3 the outcome. The stored deadline
``Claim.due_on`` is computed here and nowhere else, on Kazakhstan's calendar
(``homeshop_privacy.calendar``). Emails (acknowledgement, reminders, escalations, the
answer) go through the outbox inside the transaction of the change that causes them.
"""

import hashlib
import hmac
import logging
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Order, User, customer_lock
from homeshop_privacy import outbox, roles
from homeshop_privacy.api.webhooks import webhook_event_emit
from homeshop_privacy.calendar import local_date, term_deadline, working_days_deadline
from homeshop_privacy.errors import DomainError, validate
from homeshop_privacy.history import save_tracked
from homeshop_privacy.ledger import chain_seal
from homeshop_privacy.models import OutboundMessage, WebhookEventType
from homeshop_privacy.outbox import (
    MessageDraft,
    OutboxAttachment,
    message_draft_from_template,
    message_enqueue,
    messages_enqueue_many,
    object_key,
    template_message_enqueue,
)
from homeshop_privacy.private_files import (
    CheckedFile,
    download_name,
    files_atomic,
    files_check,
    stored_name,
)
from homeshop_privacy.timestamps import display_date

from . import letters
from .classification import claim_message_keys, deadline_change_message_keys
from .models import (
    REMINDER_DAYS,
    TALLIED_FIELDS,
    Claim,
    ClaimAnswer,
    ClaimAttachment,
    ClaimCategory,
    ClaimDeadlineChange,
    ClaimTally,
    IdentityMethod,
    TermUnit,
    tally_keys,
    unfilled_placeholders,
)
from .selectors import claim_admin_url, claim_tallies_counted

logger = logging.getLogger(__name__)

REASON_ACK = "claims.acknowledgement"
REASON_REMINDER = "claims.reminder"
REASON_ESCALATION = "claims.escalation"
REASON_ANSWER = "claims.answer"
REASON_TERM_CHANGE = "claims.term_change"
REASON_IDENTITY_CODE = "claims.identity_code"
#: Issue 11: the kind of the never-stored one-time code, and how long a code holds.
IDENTITY_CODE_LINK = "claims.identity_code"
IDENTITY_CODE_MINUTES = 30
#: Issue 11: this many wrong codes void the code pending (a new one must be sent), so an
#: eight-digit code cannot be guessed by trying.
IDENTITY_CODE_MAX_FAILURES = 5
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def _today() -> date:
    return local_date(timezone.now())


def _new_reference(received_on: date) -> str:
    for _attempt in range(10):
        suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(5))
        reference = f"PR-{received_on:%y%m}-{suffix}"
        if not Claim.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("could not find a free claim reference")


def _apply_term(claim: Claim) -> None:
    """6.2: due_on = receipt date + term (+ added days), moved to a working day."""
    count = working_days_deadline if claim.term_unit == TermUnit.WORKING else term_deadline
    deadline = count(received=claim.received_on, term_days=claim.term_days + claim.extra_days)
    claim.due_on = deadline.due_on
    claim.due_moved_because = deadline.skipped_as_json()


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().get(pk=claim.pk)


def _dispatch_reminders(claim_id: int) -> None:
    from .tasks import claim_reminders

    # "and one after each change": a claim assigned on its last day is reminded at once.
    transaction.on_commit(lambda: claim_reminders.delay(claim_id), robust=True)


# --- the dashboard's tallies (issue 14) ------------------------------------------------------


def _tallies_move(*, before: list, after: list) -> None:
    """Move a claim's counts from the tallies of its stored state to those of its new one."""
    moves = Counter(after)
    moves.subtract(Counter(before))
    for (kind, day), delta in sorted(moves.items()):
        if delta > 0:
            with connection.cursor() as cursor:
                # One statement whether or not the day has a row yet, safe when two
                # transactions count the first claim of a day at once.
                cursor.execute(
                    f"INSERT INTO {ClaimTally._meta.db_table} (kind, day, claims) "
                    "VALUES (%s, %s, %s) ON CONFLICT (kind, day) DO UPDATE "
                    f"SET claims = {ClaimTally._meta.db_table}.claims + excluded.claims",
                    [kind, day, delta],
                )
        elif delta < 0:
            tally = ClaimTally.objects.filter(kind=kind, day=day)
            # The last claim of a day takes its row along: the table stays a few dozen rows.
            if not tally.filter(claims=-delta).delete()[0]:
                if not tally.filter(claims__gt=-delta).update(claims=F("claims") + delta):
                    logger.warning("claims.tally_drift kind=%s day=%s", kind, day)


def _save_claim(claim: Claim, *, actor: User | None, reason: str) -> Claim:
    """``save_tracked`` for a change of a claim's status, pause, due date or answer: the
    dashboard's tallies follow in the same transaction (the stored state is read locked)."""
    before = []
    if claim.pk is not None:
        stored = (
            Claim.objects.select_for_update().filter(pk=claim.pk).values(*TALLIED_FIELDS).first()
        )
        before = tally_keys(**stored) if stored else []
    save_tracked(claim, actor=actor, reason=reason)
    _tallies_move(before=before, after=tally_keys(**{f: getattr(claim, f) for f in TALLIED_FIELDS}))
    return claim


@transaction.atomic
def claim_tallies_rebuild() -> int:
    """Count the dashboard's tallies again from the claims themselves (after data was
    loaded around the services); returns how many rows the tallies hold."""
    ClaimTally.objects.all().delete()
    counted = claim_tallies_counted()
    ClaimTally.objects.bulk_create(
        ClaimTally(kind=kind, day=day, claims=claims) for (kind, day), claims in counted.items()
    )
    return len(counted)


# --- registration (6.1) -------------------------------------------------------------------


@files_atomic
def claim_register(
    *,
    actor: User | None,
    category: ClaimCategory,
    received_at: datetime,
    channel: str,
    subject: str,
    text: str,
    customer: Customer | None = None,
    claimant_kind: str = Claim.ClaimantKind.PERSON,
    claimant_name: str = "",
    claimant_email: str = "",
    claimant_phone: str = "",
    claimant_address: str = "",
    claimant_language: str = "",
    order: Order | None = None,
    related_disclosure: str = "",
    related_breach: str = "",
    assignee: User | None = None,
    internal_notes: str = "",
    attachments: Iterable[UploadedFile] = (),
) -> Claim:
    """Register a pre-trial claim (6.1), fix its due date (6.2), acknowledge it."""
    if received_at.tzinfo is None:
        raise DomainError({"received_at": _("The time of receipt needs a time zone.")})
    if received_at > timezone.now() + timedelta(minutes=5):
        raise DomainError({"received_at": _("A claim cannot be received in the future.")})
    if customer is not None:
        claimant_name = claimant_name or customer.full_name
        claimant_email = claimant_email or customer.email
        claimant_phone = claimant_phone or customer.phone
        claimant_language = claimant_language or customer.preferred_language
        if not claimant_address:
            address = customer.addresses.filter(is_default=True).first()
            claimant_address = str(address) if address else ""
    if order is not None and customer is not None and order.customer_id != customer.pk:
        raise DomainError({"order": _("This order belongs to another customer.")})
    if not (claimant_email or claimant_address):
        raise DomainError(_("The answer must go somewhere: give an email or a postal address."))
    if assignee is not None and not assignee.is_staff:
        raise DomainError({"assignee": _("Only staff can be assigned a claim.")})
    # Every file is checked (type, size, the caps per claim) before anything is written.
    checked = files_check(attachments, field="attachments")

    received_on = local_date(received_at)
    claim = Claim(
        reference=_new_reference(received_on),
        customer=customer,
        claimant_kind=claimant_kind,
        claimant_name=claimant_name.strip(),
        claimant_email=claimant_email.strip(),
        claimant_phone=claimant_phone.strip(),
        claimant_address=claimant_address.strip(),
        claimant_language=claimant_language or "ru",
        received_at=received_at,
        received_on=received_on,
        channel=channel,
        subject=subject.strip(),
        text=text,
        internal_notes=internal_notes,
        order=order,
        related_disclosure=related_disclosure.strip(),
        related_breach=related_breach.strip(),
        category=category,
        assignee=assignee,
        term_days=category.term_days,
        term_unit=category.term_unit,
        created_by=actor,
    )
    if (
        category.needs_identity_check
        and customer is not None
        and actor is not None
        and customer.user_id == actor.pk
    ):
        # Issue 11: a request made by the signed-in customer is verified by that.
        claim.identity_method = IdentityMethod.SIGNED_IN
        claim.identity_verified_at = timezone.now()
        claim.identity_verified_by = actor
    _apply_term(claim)
    validate(claim)
    _save_claim(claim, actor=actor, reason="claim registered")
    for file in checked:
        _attachment_store(claim=claim, file=file, actor=actor)
    _acknowledge(claim)
    _dispatch_reminders(claim.pk)
    logger.info("claims.registered claim=%s due_on=%s", claim.pk, claim.due_on)
    return claim


#: A customer's identical claim filed again within this time is the same claim.
RESUBMIT_WINDOW = timedelta(minutes=10)


@files_atomic
def claim_file_online(
    *,
    customer: Customer,
    actor: User | None,
    category: ClaimCategory,
    subject: str,
    text: str,
    order: Order | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> Claim:
    """6.1: a customer files a claim on the site, received now.

    A double click or a resent form (same subject and text within a few minutes) returns
    the claim already filed instead of registering and acknowledging a second one; the
    customer's row lock makes two simultaneous submissions wait for each other.
    """
    customer_lock(customer_id=customer.pk)
    now = timezone.now()
    earlier = (
        Claim.objects.filter(
            customer=customer,
            channel=Claim.Channel.WEB,
            subject=subject.strip(),
            text=text,
            received_at__gte=now - RESUBMIT_WINDOW,
        )
        .order_by("-received_at")
        .first()
    )
    if earlier is not None:
        return earlier
    return claim_register(
        actor=actor,
        customer=customer,
        category=category,
        received_at=now,
        channel=Claim.Channel.WEB,
        subject=subject,
        text=text,
        order=order,
        attachments=attachments,
    )


def _acknowledge(claim: Claim) -> None:
    """The claimant learns the reference number and the due date, in their language."""
    if not claim.claimant_email:
        return  # a claim by post is acknowledged by post
    with translation.override(claim.claimant_language):
        context = {
            "name": claim.claimant_name,
            "reference": claim.reference,
            "received": display_date(claim.received_on),
            "due": display_date(claim.due_on),
            "subject": claim.subject,
            # 6.2 allows 30 days at most; the claim's category may promise fewer: the
            # text names the term and the rule it comes from.
            "term": claim.term_text,
            "why": claim.due_explanation,
            "url": _claim_page_url(claim),
        }
    template_message_enqueue(
        reason=REASON_ACK,
        key=object_key(claim, "ack"),
        recipient=claim.claimant_email,
        language=claim.claimant_language,
        template="claims/email/acknowledgement",
        context=context,
    )


def _claim_page_url(claim: Claim) -> str:
    """The claim's page on the site, for a claimant who can sign in; else no link."""
    if claim.customer_id and claim.customer.user_id:
        return settings.SITE_URL + claim.get_absolute_url()
    return ""


def _attachment_store(*, claim: Claim, file: CheckedFile, actor: User | None) -> ClaimAttachment:
    attachment = ClaimAttachment(
        claim=claim,
        original_name=(file.upload.name or "file")[-255:],
        content_type=file.content_type,
        size=file.size,
        sha256=file.sha256,
        uploaded_by=actor,
    )
    # The stored name says nothing about the file's content or its owner.
    attachment.file.save(stored_name(file.extension), file.upload, save=False)
    validate(attachment)
    return save_tracked(attachment, actor=actor, reason="attachment added")


@files_atomic
def claim_attachments_add(
    *, claim: Claim, uploads: Iterable[UploadedFile], actor: User | None
) -> list[ClaimAttachment]:
    """Keep more documents of the claim: all or none, within the caps per claim."""
    claim = _locked(claim)
    kept = claim.attachments.aggregate(count=Count("pk"), size=Sum("size"))
    checked = files_check(
        uploads,
        field="attachments",
        already_files=kept["count"],
        already_bytes=kept["size"] or 0,
    )
    return [_attachment_store(claim=claim, file=file, actor=actor) for file in checked]


def claim_attachment_add(
    *, claim: Claim, upload: UploadedFile, actor: User | None
) -> ClaimAttachment:
    """Keep one document of the claim, refusing what is too big or of another type."""
    (attachment,) = claim_attachments_add(claim=claim, uploads=[upload], actor=actor)
    return attachment


# --- handling ---------------------------------------------------------------------------


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    actor: User | None,
    assignee: User | None,
    internal_notes: str,
    category: ClaimCategory | None = None,
) -> Claim:
    """Assign the claim, keep internal notes, correct its category (which sets the term)."""
    claim = _locked(claim)
    if assignee is not None and not assignee.is_staff:
        raise DomainError({"assignee": _("Only staff can be assigned a claim.")})
    reassigned = assignee != claim.assignee
    due_before = claim.due_on
    claim.assignee = assignee
    claim.internal_notes = internal_notes
    if category is not None and category.pk != claim.category_id:
        if not claim.is_open:
            raise DomainError({"category": _("The claim was answered: its term is final.")})
        if (
            claim.category.needs_identity_check
            and not category.needs_identity_check
            and claim.identity_verified_at is None
            and not claim.no_personal_data_reason
        ):
            # Otherwise a new category would lift the check before an answer (issue 11).
            raise DomainError(
                {
                    "category": _(
                        "The requester's identity is not verified yet: verify it, or decide "
                        "to answer without personal data, before moving the request to a "
                        "category that needs no check."
                    )
                }
            )
        claim.category = category
        claim.term_days = category.term_days
        claim.term_unit = category.term_unit
        _record_change(
            claim=claim,
            actor=actor,
            kind=ClaimDeadlineChange.Kind.RECOMPUTE,
            reason=gettext("Category changed to %(name)s") % {"name": category.name},
        )
        # 6.2: as for a pause or an extension, a claim overdue today stays overdue; a
        # longer term must not turn its late answer into one "on time".
        if claim.paused_on is None and _today() > due_before and claim.due_on > due_before:
            raise DomainError(
                {
                    "category": _(
                        "The answer was due on %(due)s: the category of an overdue claim "
                        "cannot move its due date later."
                    )
                    % {"due": display_date(due_before)}
                }
            )
    validate(claim)
    _save_claim(claim, actor=actor, reason="claim updated")
    if reassigned or claim.due_on != due_before:
        # A new assignee, or a shorter term that makes the claim due within days.
        _dispatch_reminders(claim.pk)
    return claim


@transaction.atomic
def claim_review_start(*, claim: Claim, actor: User | None) -> Claim:
    claim = _locked(claim)
    if claim.status != Claim.Status.RECEIVED:
        raise DomainError(_("Only a newly received claim can be taken into review."))
    claim.status = Claim.Status.IN_REVIEW
    if claim.assignee is None and actor is not None and actor.is_staff:
        claim.assignee = actor
    return _save_claim(claim, actor=actor, reason="review started")


def _record_change(
    *, claim: Claim, actor: User | None, kind: str, reason: str, days: int = 0
) -> ClaimDeadlineChange:
    """Recompute ``claim.due_on`` and write the change row; the caller saves the claim."""
    due_before = claim.due_on
    _apply_term(claim)
    change = ClaimDeadlineChange(
        claim=claim,
        kind=kind,
        reason=reason,
        days=days,
        due_before=due_before,
        due_after=claim.due_on,
        actor=actor,
    )
    validate(change, exclude=["claim"])
    return save_tracked(change, actor=actor, reason=kind)


def _claimant_told_of_change(claim: Claim, change: ClaimDeadlineChange) -> None:
    """6.2: the claimant learns that the time to answer was paused, resumed or extended,
    why, and by when the answer is now due, in their language (issue 13). The reason is
    the one staff gave, quoted as written."""
    if not claim.claimant_email:
        return  # a claim by post is told by post
    with translation.override(claim.claimant_language):
        context = {
            "kind": change.kind,
            "name": claim.claimant_name,
            "reference": claim.reference,
            "subject": claim.subject,
            "reason": change.reason,
            "days": change.days,
            "on": display_date(claim.paused_on or _today()),
            "due": display_date(claim.due_on),
            "url": _claim_page_url(claim),
        }
    template_message_enqueue(
        reason=REASON_TERM_CHANGE,
        key=object_key(change),
        recipient=claim.claimant_email,
        language=claim.claimant_language,
        template="claims/email/term_change",
        context=context,
    )


def _refuse_if_overdue(claim: Claim, day: date) -> None:
    """6.2: once the term has run out, a pause or an extension would move the due date
    after the fact and turn a late answer into one "on time"."""
    if day > claim.due_on:
        raise DomainError(
            _("The answer was due on %(due)s: an overdue claim cannot be paused or extended.")
            % {"due": display_date(claim.due_on)}
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Give the reason.")})
    return reason


def _last_step_on(claim: Claim) -> date:
    """The day of the claim's last recorded step: its receipt or its last deadline change."""
    last_change = (
        ClaimDeadlineChange.objects.filter(claim=claim)
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return max(claim.received_on, local_date(last_change)) if last_change else claim.received_on


@transaction.atomic
def claim_pause(*, claim: Claim, actor: User | None, reason: str, on: date | None = None) -> Claim:
    """Stop the clock while waiting for the claimant's documents."""
    reason = _require_reason(reason)
    claim = _locked(claim)
    if not claim.is_open:
        raise DomainError(_("Only an open claim can be paused."))
    if claim.paused_on is not None:
        raise DomainError(_("The claim is already paused."))
    today = _today()
    # 6.2: a claim overdue today stays overdue, whatever day the pause is dated.
    _refuse_if_overdue(claim, today)
    claim.paused_on = on or today
    if claim.paused_on > today:
        raise DomainError({"on": _("A pause cannot start in the future.")})
    if claim.paused_on < claim.received_on:
        raise DomainError({"on": _("A claim cannot be paused before it was received.")})
    last_step = _last_step_on(claim)
    if claim.paused_on < last_step:
        raise DomainError(
            {
                "on": _(
                    "The last step of this claim was recorded on %(day)s: a pause cannot "
                    "start before it."
                )
                % {"day": display_date(last_step)}
            }
        )
    _refuse_if_overdue(claim, claim.paused_on)
    change = _record_change(
        claim=claim, actor=actor, kind=ClaimDeadlineChange.Kind.PAUSE, reason=reason
    )
    _save_claim(claim, actor=actor, reason=f"paused: {reason}")
    _claimant_told_of_change(claim, change)
    return claim


def _unpause(claim: Claim, *, actor: User | None, reason: str, on: date) -> ClaimDeadlineChange:
    if on < claim.paused_on:
        raise DomainError({"on": _("A pause cannot end before it began.")})
    days = (on - claim.paused_on).days
    claim.extra_days += days
    claim.paused_on = None
    return _record_change(
        claim=claim, actor=actor, kind=ClaimDeadlineChange.Kind.RESUME, reason=reason, days=days
    )


@transaction.atomic
def claim_resume(*, claim: Claim, actor: User | None, reason: str, on: date | None = None) -> Claim:
    """Restart the clock: the days paused are added to the term."""
    reason = _require_reason(reason)
    claim = _locked(claim)
    if claim.paused_on is None:
        raise DomainError(_("The claim is not paused."))
    change = _unpause(claim, actor=actor, reason=reason, on=on or _today())
    _save_claim(claim, actor=actor, reason=f"resumed: {reason}")
    _claimant_told_of_change(claim, change)
    _dispatch_reminders(claim.pk)
    return claim


@transaction.atomic
def claim_extend(*, claim: Claim, actor: User | None, days: int, reason: str) -> Claim:
    """Extend the term by ``days`` calendar days, with a reason."""
    reason = _require_reason(reason)
    if not 1 <= days <= 30:
        raise DomainError({"days": _("An extension is 1 to 30 days.")})
    claim = _locked(claim)
    if not claim.is_open:
        raise DomainError(_("Only an open claim can be extended."))
    if claim.paused_on is None:
        _refuse_if_overdue(claim, _today())
    claim.extra_days += days
    change = _record_change(
        claim=claim, actor=actor, kind=ClaimDeadlineChange.Kind.EXTENSION, reason=reason, days=days
    )
    _save_claim(claim, actor=actor, reason=f"extended by {days} days: {reason}")
    _claimant_told_of_change(claim, change)
    _dispatch_reminders(claim.pk)
    return claim


@transaction.atomic
def claims_deadlines_recompute(*, around: date, actor: User | None, reason: str) -> int:
    """The calendar changed on ``around``: recompute the open claims it can affect."""
    candidates = Claim.objects.select_for_update().filter(
        status__in=Claim.OPEN_STATUSES,
        received_on__lt=around,
        due_on__gte=around - timedelta(days=60),
    )
    changed = 0
    today = _today()
    for claim in candidates.order_by("pk"):
        before = claim.due_on
        _apply_term(claim)
        if claim.due_on == before:
            continue
        if claim.paused_on is None and today > before and claim.due_on > before:
            # 6.2: as for a pause, an extension or a category change, a claim overdue
            # today stays overdue: days off entered afterwards must not turn its late
            # answer into one "on time".
            claim.due_on = before
            logger.info("claims.recompute_kept_overdue claim=%s", claim.pk)
            continue
        claim.due_on = before
        _record_change(
            claim=claim, actor=actor, kind=ClaimDeadlineChange.Kind.RECOMPUTE, reason=reason
        )
        _save_claim(claim, actor=actor, reason=f"due date recomputed: {reason}")
        changed += 1
    return changed


# --- the written answer (6.2) -------------------------------------------------------------


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def answer_template_render(*, claim: Claim, language: str) -> str:
    """The category's template in ``language`` with the claim's details filled in."""
    template = claim.category.answer_template(language)
    with translation.override(language):
        if not template:
            template = gettext(
                "Dear {claimant_name},\n\n"
                "in reply to your claim No. {reference} of {received_on} about “{subject}”, "
                "we inform you of the following.\n\n"
                "[Answer]\n\n"
                "Yours sincerely,\nLLP “Shoperga”, Homeshop.kz"
            )
        values = {
            "claimant_name": claim.claimant_name,
            "reference": claim.reference,
            "received_on": display_date(claim.received_on),
            "due_on": display_date(claim.due_on),
            "subject": claim.subject,
            "order_number": claim.order.number if claim.order_id else "",
            "today": display_date(_today()),
        }
    # Only {name} placeholders are filled; any other brace (a typo, "{0}", "{x.attr}")
    # stays as written: str.format would raise on it and fail the officer's page.
    return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)


def four_eyes() -> bool:
    """6.2: every answer is approved by a compliance officer who did not write it, unless
    ``CLAIM_ANSWER_FOUR_EYES`` is off (a one-person team)."""
    return settings.CLAIM_ANSWER_FOUR_EYES


def answer_needs_approval(*, claim: Claim, answer: ClaimAnswer | None = None) -> bool:
    """Every answer needs an officer's approval (four eyes). With the rule relaxed, only a
    support agent's answer does: whether the agent is the claim's assignee or wrote the
    text (an unassigned claim answered by an agent too)."""
    if four_eyes():
        return True
    people = [claim.assignee, answer.drafted_by if answer is not None else None]
    return any(
        roles.is_support_agent(person) and not roles.is_officer(person)
        for person in people
        if person
    )


def _refuse_if_unfilled(answer: ClaimAnswer) -> None:
    """An answer still holding a template placeholder never goes out (approved, emailed,
    printed): the refusal names every one of them."""
    left = unfilled_placeholders(answer.body)
    if left:
        raise DomainError(
            {
                "body": ngettext(
                    "The answer still holds a placeholder that was not filled in: "
                    "%(placeholders)s. Replace it with the text of the answer.",
                    "The answer still holds placeholders that were not filled in: "
                    "%(placeholders)s. Replace them with the text of the answer.",
                    len(left),
                )
                % {"placeholders": ", ".join(left)}
            }
        )


def _refuse_self_approval(answer: ClaimAnswer, approver: User | None) -> None:
    if four_eyes() and approver is not None and approver.pk == answer.drafted_by_id:
        raise DomainError(
            _("You wrote this answer: another compliance officer must approve it (four-eyes rule).")
        )


@transaction.atomic
def claim_answer_draft(
    *, claim: Claim, actor: User | None, body: str | None = None, language: str | None = None
) -> ClaimAnswer:
    """Write or rewrite the draft answer; a sent answer can never be changed."""
    claim = _locked(claim)
    if not claim.is_open:
        raise DomainError(_("The claim was already answered."))
    language = language or claim.claimant_language
    answer = ClaimAnswer.objects.select_for_update().filter(claim=claim).first()
    if answer is not None and answer.status == ClaimAnswer.Status.SENT:
        raise DomainError(_("The answer was sent and can no longer be changed."))
    if body is None or not body.strip():
        body = answer_template_render(claim=claim, language=language)
    if answer is None:
        answer = ClaimAnswer(claim=claim, drafted_by=actor)
    answer.language = language
    answer.body = body
    # A changed text needs a new approval.
    answer.status = ClaimAnswer.Status.DRAFT
    answer.approved_by = None
    answer.approved_at = None
    answer.drafted_by = actor
    validate(answer, exclude=["claim", "pdf"])
    return save_tracked(answer, actor=actor, reason="answer drafted")


def answer_digest(*, answer: ClaimAnswer) -> str:
    """What an approver was shown: the text and its language, as a short digest that the
    approve page carries and the approval compares (6.2: the text approved is the text read)."""
    content = f"{answer.language}\0{answer.body}".encode()
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def claim_answer_approve(
    *, answer: ClaimAnswer, actor: User, shown_digest: str | None = None
) -> ClaimAnswer:
    """An officer approves the text as it will be sent: complete, and (four eyes) written
    by someone else.

    ``shown_digest`` is ``answer_digest`` of the text the officer read (the approve page
    carries it); by default, that of the ``answer`` given. A text changed since then is
    refused, never approved unread."""
    if shown_digest is None:
        shown_digest = answer_digest(answer=answer)
    answer = ClaimAnswer.objects.select_for_update().get(pk=answer.pk)
    if not roles.is_officer(actor):
        raise DomainError(_("Only a compliance officer can approve an answer."))
    if answer.status != ClaimAnswer.Status.DRAFT:
        raise DomainError(_("Only a draft answer can be approved."))
    if not hmac.compare_digest(shown_digest, answer_digest(answer=answer)):
        raise DomainError(
            _("The answer changed after you opened this page; read it again before approving.")
        )
    _refuse_self_approval(answer, actor)
    _refuse_if_unfilled(answer)
    answer.status = ClaimAnswer.Status.APPROVED
    answer.approved_by = actor
    answer.approved_at = timezone.now()
    return save_tracked(answer, actor=actor, reason="answer approved")


def answer_letter_preview(*, answer: ClaimAnswer, now: datetime | None = None) -> bytes:
    """The PDF letter as it would be sent now; nothing is saved."""
    preview = ClaimAnswer(
        pk=answer.pk,
        claim=answer.claim,
        language=answer.language,
        body=answer.body,
        sent_at=now or timezone.now(),
    )
    return letters.answer_pdf(answer=preview, claim=answer.claim)


def _refuse_unverified(claim: Claim, answer: ClaimAnswer) -> None:
    """Issue 11: no answer discloses or changes personal data for an unverified requester."""
    if not claim.category.needs_identity_check or claim.identity_verified_at is not None:
        return
    reason = claim.no_personal_data_reason
    if not reason:
        raise DomainError(
            _(
                "The requester's identity is not verified: verify it, or answer without "
                "personal data and say why."
            )
        )
    if reason not in answer.body:
        raise DomainError(
            _("An answer without personal data tells the requester why: put the reason in it.")
        )


def _code_digest(claim_id: int, code: str) -> str:
    message = f"claims.identity_code:{claim_id}:{code.strip()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def identity_code_context(message) -> dict | None:
    """Issue 11: made when the email is sent, never stored: a fresh one-time code whose
    digest and expiry go on the request. ``None`` (not sent) when the address is no longer
    the one on file."""
    claim = Claim.objects.select_related("customer").filter(pk=message.link_object_id).first()
    if claim is None or claim.customer is None or claim.customer.email != message.recipient:
        return None
    code = f"{secrets.randbelow(10**8):08d}"
    claim.identity_code_digest = _code_digest(claim.pk, code)
    claim.identity_code_expires_at = timezone.now() + timedelta(minutes=IDENTITY_CODE_MINUTES)
    claim.identity_code_failures = 0
    save_tracked(
        claim,
        actor=None,
        reason="identity code made for sending",
        update_fields=[
            "identity_code_digest",
            "identity_code_expires_at",
            "identity_code_failures",
        ],
    )
    return {"link": code}


def identity_code_link_register() -> None:
    outbox.secret_link_register(
        kind=IDENTITY_CODE_LINK, build=identity_code_context, url_name="", url_kwargs=()
    )


def _identity_codes(claim: Claim):
    """The outbox rows of the identity codes sent (or being sent) for ``claim``."""
    return OutboundMessage.objects.filter(
        reason=REASON_IDENTITY_CODE, object_key__startswith=object_key(claim, "code") + ":"
    )


def identity_code_on_its_way(*, claim: Claim) -> bool:
    """A code was asked for and its email is not sent yet (the worker makes the code)."""
    unsent = (OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING)
    return _identity_codes(claim).filter(status__in=unsent).exists()


def _refuse_identity_step(claim: Claim) -> None:
    if not claim.category.needs_identity_check:
        raise DomainError(_("This request needs no identity check."))
    if claim.identity_verified_at is not None:
        raise DomainError(_("The requester's identity is already verified."))
    if not claim.is_open:
        raise DomainError(_("The claim was answered: its term is final."))


@transaction.atomic
def claim_identity_code_send(*, claim: Claim, actor: User) -> None:
    """Issue 11: an officer or a support agent sends a one-time code to the email ALREADY
    ON FILE for the customer, never to an address given only in the request."""
    claim = _locked(claim)
    _refuse_identity_step(claim)
    if claim.customer is None or not claim.customer.email:
        raise DomainError(
            _(
                "No customer with an email on file: the identity cannot be checked by a "
                "code. Answer without personal data and say why."
            )
        )
    if identity_code_on_its_way(claim=claim):
        # A second click would send a second code and void the first one on its way.
        raise DomainError(_("A code is already on its way to the customer: wait for it."))
    sent = _identity_codes(claim).count()
    language = claim.customer.preferred_language or claim.claimant_language
    with translation.override(language):
        subject = gettext("Your confirmation code for request %(reference)s") % {
            "reference": claim.reference
        }
        # User review: the customer is told why the code came (which request, of which
        # day), how to hand it over, and what to do if the request is not theirs.
        body = gettext(
            "Hello,\n\n"
            "We have received a request in your name: “%(kind)s”, number %(reference)s, "
            "of %(received)s. Before we answer it, we check that it is really yours.\n\n"
            "Your confirmation code: %(code)s\n\n"
            "Give this code to the Homeshop.kz officer handling your request, by phone or "
            "in a reply to this email. It is valid for %(minutes)s minutes. We ask for it "
            "only about this request: never give it to anyone else.\n\n"
            "If you did not make this request, do not give the code to anyone and tell us "
            "in a reply to this email.\n\n"
            "Homeshop.kz (LLP “Shoperga”)"
        ) % {
            "kind": claim.category.display_name,
            "code": outbox.LINK_PLACEHOLDER,
            "reference": claim.reference,
            "received": display_date(claim.received_on),
            "minutes": IDENTITY_CODE_MINUTES,
        }
    outbox.message_enqueue(
        reason=REASON_IDENTITY_CODE,
        key=object_key(claim, "code", sent + 1),
        recipient=claim.customer.email,
        subject=subject,
        body_text=body,
        language=language,
        link_kind=IDENTITY_CODE_LINK,
        link_object_id=claim.pk,
    )
    save_tracked(claim, actor=actor, reason="identity code sent")


def claim_identity_code_verify(*, claim: Claim, code: str, actor: User) -> Claim:
    """Issue 11: the requester gave the code to the officer: the proof (who, when, how)
    is kept on the request. A wrong or expired code verifies nothing; a wrong one is
    counted (with who entered it, in the history), and the ``IDENTITY_CODE_MAX_FAILURES``-th
    voids the code. The count is committed before the refusal is raised."""
    refusal = _identity_code_check(claim=claim, code=code, actor=actor)
    if refusal is not None:
        raise refusal
    return Claim.objects.get(pk=claim.pk)


@transaction.atomic
def _identity_code_check(*, claim: Claim, code: str, actor: User) -> DomainError | None:
    claim = _locked(claim)
    _refuse_identity_step(claim)
    now = timezone.now()
    if not claim.identity_code_digest or claim.identity_code_expires_at is None:
        raise DomainError({"code": _("No code is pending for this request: send one.")})
    if claim.identity_code_expires_at <= now:
        raise DomainError({"code": _("The code has expired: send a new one.")})
    if not hmac.compare_digest(claim.identity_code_digest, _code_digest(claim.pk, code or "")):
        claim.identity_code_failures += 1
        left = IDENTITY_CODE_MAX_FAILURES - claim.identity_code_failures
        if left <= 0:
            claim.identity_code_digest = ""
            claim.identity_code_expires_at = None
        save_tracked(claim, actor=actor, reason="wrong identity code entered")
        if left <= 0:
            return DomainError(
                {
                    "code": _(
                        "The code is wrong. %(max)s wrong codes: this code no longer works. "
                        "Send a new one."
                    )
                    % {"max": IDENTITY_CODE_MAX_FAILURES}
                }
            )
        return DomainError(
            {
                "code": ngettext(
                    "The code is wrong. %(left)s more wrong code voids it.",
                    "The code is wrong. %(left)s more wrong codes void it.",
                    left,
                )
                % {"left": left}
            }
        )
    claim.identity_method = IdentityMethod.EMAIL_CODE
    claim.identity_verified_at = now
    claim.identity_verified_by = actor
    claim.identity_code_digest = ""
    claim.identity_code_expires_at = None
    claim.identity_code_failures = 0
    save_tracked(claim, actor=actor, reason="identity verified by code")
    return None


@transaction.atomic
def claim_answer_without_personal_data(*, claim: Claim, reason: str, actor: User) -> Claim:
    """Issue 11: the request cannot be verified; its answer holds no personal data, and
    the reason (shown to the requester in the answer) is kept on the request. The
    compliance officer's decision, not a support agent's."""
    if not roles.is_officer(actor):
        raise DomainError(
            _("Only a compliance officer can decide to answer without personal data.")
        )
    claim = _locked(claim)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError({"reason": _("Say why the request is answered without personal data.")})
    if not claim.is_open:
        raise DomainError(_("The claim was answered: its term is final."))
    claim.no_personal_data_reason = reason
    save_tracked(claim, actor=actor, reason="answered without personal data")
    return claim


@files_atomic
def claim_answer_send(
    *,
    answer: ClaimAnswer,
    actor: User | None,
    by_email: bool = True,
    tracking_number: str = "",
    now: datetime | None = None,
) -> ClaimAnswer:
    """Send the answer (email through the outbox and/or post), keep its PDF letter,
    and freeze whether the claim was answered on time (6.2)."""
    now = now or timezone.now()
    claim = _locked(answer.claim)
    answer = ClaimAnswer.objects.select_for_update().get(pk=answer.pk)
    tracking_number = (tracking_number or "").strip()
    if answer.status == ClaimAnswer.Status.SENT:
        raise DomainError(_("The answer was already sent."))
    if (
        answer_needs_approval(claim=claim, answer=answer)
        and answer.status != ClaimAnswer.Status.APPROVED
    ):
        if four_eyes():
            raise DomainError(
                _(
                    "A compliance officer other than its author must approve this answer "
                    "before it is sent (four-eyes rule)."
                )
            )
        raise DomainError(_("A compliance officer must approve this answer before it is sent."))
    if answer.status == ClaimAnswer.Status.APPROVED:
        _refuse_self_approval(answer, answer.approved_by)
    _refuse_if_unfilled(answer)
    _refuse_unverified(claim, answer)
    if by_email and not claim.claimant_email:
        raise DomainError(_("The claimant has no email address: send the answer by post."))
    if not by_email and not tracking_number:
        raise DomainError(
            {"tracking_number": _("Send by email or give the postal tracking number.")}
        )
    if claim.paused_on is not None:
        _unpause(claim, actor=actor, reason=gettext("Answered"), on=local_date(now))

    answer.sent_at = now
    answer.sent_by = actor
    answer.posted_tracking_number = tracking_number
    answer.sent_by_email_to = claim.claimant_email if by_email else ""
    # Issue 9 §5: refused before the PDF is written (a 65-character tracking number).
    validate(answer, exclude=["claim", "pdf"])
    answer.pdf.save(
        f"{claim.reference}-{uuid.uuid4().hex[:8]}.pdf",
        ContentFile(letters.answer_pdf(answer=answer, claim=claim)),
        save=False,
    )
    answer.status = ClaimAnswer.Status.SENT
    # Issue 9 §2: a sent answer is a legal record, linked into its claim's hash chain
    # (the claim is locked above) and frozen by a database trigger from now on.
    chain_seal(answer)
    save_tracked(answer, actor=actor, reason="answer sent")

    if by_email:
        template_message_enqueue(
            reason=REASON_ANSWER,
            key=object_key(claim, "answer"),
            recipient=claim.claimant_email,
            language=answer.language,
            template="claims/email/answer",
            context={
                "reference": claim.reference,
                "body": answer.body,
                "url": _claim_page_url(claim),
            },
            # 6.2: the written answer itself goes with the email; the row keeps only a
            # reference to the kept letter, read when the message is sent.
            attachments=[
                OutboxAttachment(
                    name=answer.pdf.name,
                    filename=download_name(claim.reference, ".pdf"),
                    content_type="application/pdf",
                )
            ],
        )
    claim.status = Claim.Status.ANSWERED
    claim.answered_at = now
    # 6.2: frozen now; a later extension or calendar change does not rewrite it.
    claim.answered_on_time = local_date(now) <= claim.due_on
    _save_claim(claim, actor=actor, reason="answered")
    # Issue 12: the shop's CRM hears that the claim was answered (no answer text in it).
    webhook_event_emit(
        type=WebhookEventType.CLAIM_ANSWERED,
        payload={
            "claim_reference": claim.reference,
            "customer_id": claim.customer_id,
            "shop_customer_id": claim.customer.shop_customer_id if claim.customer_id else None,
            "answered_at": now.isoformat(),
        },
    )
    logger.info("claims.answered claim=%s on_time=%s", claim.pk, claim.answered_on_time)
    return answer


@transaction.atomic
def claim_close(*, claim: Claim, actor: User | None, outcome: str, note: str = "") -> Claim:
    """6.3: close an answered claim with its outcome (settled ... goes to court)."""
    claim = _locked(claim)
    if claim.status != Claim.Status.ANSWERED:
        raise DomainError(_("Only an answered claim can be closed."))
    if outcome not in Claim.Outcome.values:
        raise DomainError({"outcome": _("Choose the outcome.")})
    claim.status = Claim.Status.CLOSED
    claim.outcome = outcome
    claim.closed_at = timezone.now()
    if note.strip():
        claim.internal_notes = (claim.internal_notes + "\n\n" + note.strip()).strip()
    validate(claim)
    return _save_claim(claim, actor=actor, reason=f"closed: {outcome}")


# --- 4.1: claimants without a customer account ---------------------------------------------


@transaction.atomic
def claims_anonymise(*, claim_ids: list[int], actor: User | None, reason: str) -> dict:
    """4.1, Law 94-V art. 12 p.2: erase the claimant of closed claims that have no
    customer account (a letter, an email), as ``customer_anonymise`` erases a customer's
    claims: the field classification's personal fields of the claim, its deadline
    changes, files and answer (the sent answer's evidence through
    ``ledger_erase_personal``: its hash chain still verifies), the same fields in every
    history version, the files in storage, and the claim's emails to the claimant.

    The register keeps its facts (reference, dates, category, status, outcome, when the
    answer went). Claims locked elsewhere, open, with a customer or already done are
    skipped; ``counts["claims"]`` says how many were done.
    """
    from homeshop_privacy.anonymisation import record_rows, rows_anonymise

    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the claimant is anonymised."))
    ids = list(
        Claim.objects.select_for_update(skip_locked=True)
        .filter(
            pk__in=list(claim_ids),
            customer__isnull=True,
            status=Claim.Status.CLOSED,
            claimant_anonymised_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return {}
    rows = record_rows(label="claims.claim", pks=ids)
    # Every email about these claims, to the claimant or to staff (one read of the outbox).
    keyed = OutboundMessage.objects.filter(
        pk__in=list(
            OutboundMessage.objects.filter(
                claim_message_keys(ids)
                | deadline_change_message_keys(rows.get("claims.claimdeadlinechange", []))
            ).values_list("pk", flat=True)
        )
    )
    rows["homeshop_privacy.outboundmessage"] = _claimant_messages(ids, keyed)
    outbox.messages_stop(keyed, why="claimant anonymised (4.1)")
    # The staff reminders and escalations, which quote the claim's subject (the
    # claimant's words), lose their text there too (the classification's
    # ``quoted_by_messages``); the row (who was reminded of what, when) stays.
    counts = rows_anonymise(rows=rows, reason=f"4.1 retention: claimant anonymised: {reason}")
    Claim.objects.filter(pk__in=ids).update(  # erasure (4.1): history is scrubbed
        claimant_anonymised_at=timezone.now()
    )
    counts["claims"] = len(ids)
    logger.info("claims.claimants_anonymised count=%s rows=%s", len(ids), sum(counts.values()))
    return dict(counts)


def _claimant_messages(ids: list[int], keyed) -> list[int]:
    """The emails these claims sent their claimant (acknowledgement, term changes, the
    answer): among ``keyed`` (the claims' emails), those addressed to an address the
    claims held. Not every email to the address: it may be a customer's too."""
    addresses = set(
        Claim.objects.filter(pk__in=ids)
        .exclude(claimant_email="")
        .values_list("claimant_email", flat=True)
    )
    addresses |= set(
        Claim.history.filter(id__in=ids)
        .exclude(claimant_email="")
        .values_list("claimant_email", flat=True)
    )
    addresses |= set(
        ClaimAnswer.objects.filter(claim_id__in=ids)
        .exclude(sent_by_email_to="")
        .values_list("sent_by_email_to", flat=True)
    )
    return list(
        outbox.messages_to(addresses=addresses).filter(pk__in=keyed).values_list("pk", flat=True)
    )


# --- reminders and escalation -------------------------------------------------------------


def _staff_draft(*, claim: Claim, user: User, kind: str, today: date, reason: str) -> MessageDraft:
    """One reminder per (claim, kind, day, recipient): the outbox's unique key holds it."""
    with translation.override(user.language):
        days_left = (claim.due_on - today).days
        context = {
            "kind": kind,
            "reference": claim.reference,
            "subject": claim.subject,
            "due": display_date(claim.due_on),
            "days": days_left,
            "overdue": -days_left,
            "link": claim_admin_url(claim=claim),
            "assignee": claim.assignee.get_full_name() if claim.assignee else "—",
        }
    return message_draft_from_template(
        reason=reason,
        key=object_key(claim, kind, today.isoformat()),
        recipient=user.email,
        language=user.language,
        template="claims/email/reminder",
        context=context,
    )


def _reminders_due(*, claim: Claim, today: date, officers: list[User]) -> list[tuple]:
    """(recipient, kind, reason) of what is due today for one open, running claim."""
    days_left = (claim.due_on - today).days
    due = []
    if claim.assignee is None or not claim.assignee.is_active:
        # Nobody (or someone who has left) would be reminded: the officers are, daily.
        due += [(officer, "unassigned", REASON_REMINDER) for officer in officers]
    elif days_left in REMINDER_DAYS:
        due.append((claim.assignee, f"due-{days_left}", REASON_REMINDER))
    if days_left < 0:
        due += [(officer, "overdue", REASON_ESCALATION) for officer in officers]
    return due


def _reminder_drafts(*, claim: Claim, today: date, officers: list[User]) -> list[MessageDraft]:
    """The messages due today for one claim, each worded from the template."""
    return [
        _staff_draft(claim=claim, user=user, kind=kind, today=today, reason=reason)
        for user, kind, reason in _reminders_due(claim=claim, today=today, officers=officers)
    ]


@transaction.atomic
def claim_reminders_send(*, claim_id: int, today: date | None = None) -> int:
    """Send what is due today for one claim; returns the number of new messages.

    Reminders go to the assignee 7, 3 and 1 days before the due date and on the day;
    an unassigned claim reminds the compliance officers daily; an overdue one escalates
    to them daily. Run twice the same day, it sends nothing new.
    """
    today = today or _today()
    claim = Claim.objects.select_related("assignee").filter(pk=claim_id).first()
    if claim is None or not claim.is_open or claim.paused_on is not None:
        return 0
    sent = 0
    for draft in _reminder_drafts(claim=claim, today=today, officers=roles.officers()):
        _row, created = message_enqueue(
            reason=draft.reason,
            key=draft.key,
            recipient=draft.recipient,
            subject=draft.subject,
            body_text=draft.body_text,
            language=draft.language,
        )
        sent += created
    return sent


#: Claims read, and their reminders written, per transaction of the daily sweep.
SWEEP_BATCH = 2000


class _ReminderWording:
    """The reminder of ``_staff_draft``, worded for many claims at the cost of a few
    (issue 14): ``claims/email/reminder`` is rendered once per (language, variant) with
    markers in place of the claim's fields, and each message is that text with the fields
    put in. The text is the template's own, in the reader's language, to the character
    (tests/claims/test_reminder_wording.py compares it with ``_staff_draft``'s)."""

    _FIELD = re.compile("\ue000(\\w+)\ue001")
    _FIELDS = ("reference", "subject", "due", "days", "overdue", "link", "assignee")

    def __init__(self):
        self._texts: dict[tuple, tuple[list[str], list[str]]] = {}
        self._formatted: dict[tuple, str] = {}
        # The admin link of a claim is this with the claim's id in the middle.
        marker = 987654321987654321
        self._link = claim_admin_url(claim=Claim(pk=marker)).split(str(marker))

    def _text(self, language: str, kind: str, days_left: int) -> tuple[list[str], list[str]]:
        # The template chooses its sentence by kind, and among due-N reminders by days == 0.
        variant = (language, kind if kind in ("overdue", "unassigned") else days_left == 0)
        text = self._texts.get(variant)
        if text is None:
            context = {name: f"\ue000{name}\ue001" for name in self._FIELDS}
            context["kind"] = kind
            if days_left == 0:
                context["days"] = 0
            draft = message_draft_from_template(
                reason="",
                key="",
                recipient="-",
                language=language,
                template="claims/email/reminder",
                context=context,
            )
            text = self._texts[variant] = (
                self._FIELD.split(draft.subject),
                self._FIELD.split(draft.body_text),
            )
        return text

    def _format(self, language: str, value) -> str:
        """A date or a number as the template shows it in ``language``."""
        formatted = self._formatted.get((language, value))
        if formatted is None:
            with translation.override(language):
                if isinstance(value, date):
                    formatted = display_date(value)
                else:
                    formatted = formats.localize(value)
            self._formatted[(language, value)] = formatted
        return formatted

    def draft(self, *, claim: Claim, user: User, kind: str, today: date, reason: str):
        language = user.language
        days_left = (claim.due_on - today).days
        subject_parts, body_parts = self._text(language, kind, days_left)
        fields = {
            "reference": claim.reference,
            "subject": claim.subject,
            "due": self._format(language, claim.due_on),
            "days": self._format(language, days_left),
            "overdue": self._format(language, -days_left),
            "link": str(claim.pk).join(self._link),
            "assignee": claim.assignee.get_full_name() if claim.assignee else "—",
        }
        subject = _filled(subject_parts, fields)
        return MessageDraft(
            reason=reason,
            key=object_key(claim, kind, today.isoformat()),
            recipient=user.email,
            subject=" ".join(subject.splitlines()).strip(),
            body_text=_filled(body_parts, fields),
            language=language,
        )


def _filled(parts: list[str], fields: dict[str, str]) -> str:
    # parts: text, field name, text, field name, ..., text (re.split with one group)
    return "".join(fields[part] if index % 2 else part for index, part in enumerate(parts))


def claims_reminders_sweep(*, today: date | None = None) -> int:
    """The daily sweep: every claim with something due today, a batch per transaction.

    Set-based (issue 14): per batch of ``SWEEP_BATCH`` claims, one read of the claims that
    still have a message due today and not yet in the outbox (the anti-join is in SQL, so
    a second run the same day reads nothing), and one statement writing the new messages
    with their history - a constant number of queries per batch, not per claim. Each
    template is rendered once per language and variant (``_ReminderWording``).
    The officers are read once. A batch that fails is retried claim by claim, each in its
    own transaction, so one bad row does not stop the others.
    """
    from .selectors import claims_with_reminders_unwritten

    today = today or _today()
    staff = roles.officers()
    wording = _ReminderWording()
    due = claims_with_reminders_unwritten(
        today=today,
        officers=sorted({user.email for user in staff}),
        reminder_reason=REASON_REMINDER,
        escalation_reason=REASON_ESCALATION,
    ).select_related("assignee")
    sent = 0
    after = None
    while True:
        batch = due
        if after is not None:
            batch = batch.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], pk__gt=after[1]))
        claims = list(batch[:SWEEP_BATCH])
        if not claims:
            break
        after = (claims[-1].due_on, claims[-1].pk)
        try:
            with transaction.atomic():
                drafts = [
                    wording.draft(claim=claim, user=user, kind=kind, today=today, reason=reason)
                    for claim in claims
                    for user, kind, reason in _reminders_due(
                        claim=claim, today=today, officers=staff
                    )
                ]
                # A message written meanwhile (another sweep, a change's own reminder) is
                # skipped by the outbox's unique key, as ever.
                sent += messages_enqueue_many(drafts) if drafts else 0
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            logger.warning("claims.sweep_batch_failed claims=%s; one by one", len(claims))
            for claim in claims:
                try:
                    sent += claim_reminders_send(claim_id=claim.pk, today=today)
                except Exception:  # noqa: BLE001
                    logger.exception("claims.reminder_failed claim=%s", claim.pk)
        if len(claims) < SWEEP_BATCH:
            break
    logger.info("claims.sweep day=%s new_messages=%s", today, sent)
    return sent
