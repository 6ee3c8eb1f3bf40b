"""The claims register in the admin: declarations, and forms that call the services."""

import re

from csp import constants as csp_constants
from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from accounts.models import Customer, User
from homeshop_privacy import roles
from homeshop_privacy.access_log import PersonalDataAdminMixin, access_record
from homeshop_privacy.admin_base import ReadOnlyInline, TrackedAdmin
from homeshop_privacy.admin_services import ServiceAdmin
from homeshop_privacy.calendar import local_date
from homeshop_privacy.models import PersonalDataAccess
from homeshop_privacy.private_files import download_name
from homeshop_privacy.timestamps import display_date

from . import forms, selectors, services
from .models import (
    OPEN_FIRST,
    Claim,
    ClaimAnswer,
    ClaimAttachment,
    ClaimCategory,
    ClaimDeadlineChange,
    unfilled_placeholders,
)

#: What ``services._new_reference`` makes: PR-YYMM-XXXXX.
REFERENCE_PATTERN = re.compile(r"PR-\d{4}-[0-9A-Z]{5}")
#: A search matching at most this many claims lists them by their ids.
SEARCH_IDS_AT_MOST = 1000


@admin.register(ClaimCategory)
class ClaimCategoryAdmin(TrackedAdmin):
    list_display = ("name", "name_kk", "name_en", "code", "term", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_kk", "name_en", "code")
    prepopulated_fields = {"code": ("name",)}

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("term"), ordering="term_days")
    def term(self, category):
        return category.term_label


def list_ordering(params=None):
    """The list's order: open claims first, each side by due date. ``claims_claim_list_*``
    indexes hold this very expression. A list filtered by status, outcome or due date
    holds one side only: the same order is then by due date alone, which the filter's own
    index reads in order (the planner, taking the filtered rows as spread evenly, would
    walk the list's index past every open claim to reach the first closed one, issue 14).
    """
    if params is not None and _one_side_only(params):
        return ["due_on", "id"]
    return [OPEN_FIRST.asc(), "due_on", "id"]


def _one_side_only(params) -> bool:
    """Whether the list's filters leave only open claims, or only answered and closed ones."""
    open_statuses = {str(status) for status in Claim.OPEN_STATUSES}
    statuses = set()
    if params.get("status__exact"):
        statuses = {params.get("status__exact")}
    elif params.get("status__in"):
        statuses = set(params.get("status__in").split(","))
    if statuses and (statuses <= open_statuses or statuses.isdisjoint(open_statuses)):
        return True
    # Only a closed claim has an outcome; the due-date views show open claims only.
    return bool(params.get("outcome__exact")) or params.get("due") in selectors.DUE_VIEWS


class AssigneeFilter(admin.SimpleListFilter):
    """Claims by assignee, offering the staff who can be assigned (Django's related-only
    filter ran ``SELECT DISTINCT assignee_id`` over every claim on each view, issue 14)."""

    title = _("assignee")
    parameter_name = "assignee__id__exact"

    def lookups(self, request, model_admin):
        return [
            (str(user.pk), str(user))
            for user in User.objects.filter(is_staff=True).order_by("full_name", "email")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class DueFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("today", _("Due today")),
            ("week", _("Due within 7 days")),
            ("paused", _("Paused")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in selectors.DUE_VIEWS:
            return queryset
        today = local_date(timezone.now())
        return selectors.claims_by_due(due=self.value(), today=today, queryset=queryset)


class DeadlineChangeInline(ReadOnlyInline):
    model = ClaimDeadlineChange
    fields = ("created_at", "kind", "days", "due_before", "due_after", "actor", "reason")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "actor")


class AttachmentInline(ReadOnlyInline):
    model = ClaimAttachment
    fields = ("download", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)


# The workflow: one step per service, each a small form on its own admin page.
STEPS = {
    "review": (_("Take into review"), forms.ReviewForm),
    "pause": (_("Pause (waiting for the claimant)"), forms.PauseForm),
    "resume": (_("Resume"), forms.ResumeForm),
    "extend": (_("Extend the term"), forms.ExtendForm),
    "answer": (_("Write the answer"), forms.AnswerDraftForm),
    "approve": (_("Approve the answer"), forms.AnswerApproveForm),
    "send": (_("Send the answer"), forms.AnswerSendForm),
    "close": (_("Close with outcome"), forms.CloseForm),
}


# Issue 11: the requester's identity, before an answer discloses or changes personal data.
# Sending the code to the address on file and checking the code the requester reads out
# help the customer (officers and support agents, who may change a claim); answering
# without personal data is the compliance officer's decision. Each its own admin URL.
IDENTITY_STEPS = {
    "identity_code_send": (
        _("Send the identity code"),
        forms.IdentityCodeSendForm,
        "claims_claim_identity_code_send",
    ),
    "identity_code_verify": (
        _("Enter the identity code"),
        forms.IdentityCodeVerifyForm,
        "claims_claim_identity_code_verify",
    ),
    "no_personal_data": (
        _("Answer without personal data"),
        forms.NoPersonalDataForm,
        "claims_claim_no_personal_data",
    ),
}
IDENTITY_OFFICER_ONLY = ("no_personal_data",)
IDENTITY_DONE = {
    "identity_code_send": _(
        "The code is on its way to the customer's email on file. When the requester reads "
        "it out, enter it with “Enter the identity code”."
    ),
    "identity_code_verify": _("The requester's identity is verified by the code."),
    "no_personal_data": _(
        "The request will be answered without personal data: put the reason in the answer."
    ),
}


def identity_step_allowed(step: str, user) -> bool:
    return step not in IDENTITY_OFFICER_ONLY or roles.is_officer(user)


def available_identity_steps(claim: Claim, user) -> list[str]:
    """The identity steps the page offers ``user`` now (the services refuse the rest)."""
    if (
        not claim.pk
        or not claim.category.needs_identity_check
        or not claim.is_open
        or claim.identity_verified_at is not None
    ):
        return []
    steps = []
    if claim.customer_id and claim.customer.email:
        steps.append("identity_code_send")
        if claim.identity_code_digest or services.identity_code_on_its_way(claim=claim):
            steps.append("identity_code_verify")
    if not claim.no_personal_data_reason:
        steps.append("no_personal_data")
    return [step for step in steps if identity_step_allowed(step, user)]


def available_steps(claim: Claim, user) -> list[str]:
    answer = getattr(claim, "answer", None) if claim.pk else None
    steps = []
    if claim.status == Claim.Status.RECEIVED:
        steps.append("review")
    if claim.is_open:
        steps.append("resume" if claim.paused_on else "pause")
        steps += ["extend", "answer"]
        if answer is not None and answer.status == ClaimAnswer.Status.DRAFT:
            if services.answer_needs_approval(claim=claim, answer=answer):
                if roles.is_officer(user):
                    steps.append("approve")
            else:
                steps.append("send")
        if answer is not None and answer.status == ClaimAnswer.Status.APPROVED:
            steps.append("send")
    if claim.status == Claim.Status.ANSWERED:
        steps.append("close")
    return steps


def pending_code_line(claim: Claim) -> str:
    """The code pending for ``claim``: until when, and how many wrong codes it still takes."""
    expires = timezone.localtime(claim.identity_code_expires_at)
    if expires <= timezone.now():
        return gettext("The code sent expired at %(until)s: send a new one.") % {
            "until": date_format(expires, "DATETIME_FORMAT")
        }
    left = services.IDENTITY_CODE_MAX_FAILURES - claim.identity_code_failures
    # English says "1 of 5 wrong codes" as it says "4 of 5"; Russian needs its plural
    # forms ("1 раз", "4 раза", "5 раз").
    return ngettext(
        "A code sent to the customer's email on file is pending until %(until)s; "
        "%(left)s of %(max)s wrong codes left before it is void.",
        "A code sent to the customer's email on file is pending until %(until)s; "
        "%(left)s of %(max)s wrong codes left before it is void.",
        left,
    ) % {
        "until": date_format(expires, "DATETIME_FORMAT"),
        "left": left,
        "max": services.IDENTITY_CODE_MAX_FAILURES,
    }


def missing_reason_line(claim: Claim, answer) -> str | None:
    """The answer of an unverified request goes without personal data only if it holds
    the officer's reason (``services._refuse_unverified``): said when the draft is saved
    and on the approve and send pages, not first when the send is refused."""
    reason = claim.no_personal_data_reason
    if (
        answer is None
        or not reason
        or claim.identity_verified_at is not None
        or not claim.category.needs_identity_check
        or reason in answer.body
    ):
        return None
    return gettext(
        "This request is answered without personal data: the answer must hold the reason, "
        "word for word, before it can be sent: “%(reason)s”"
    ) % {"reason": reason}


def voided_code_line() -> str:
    return gettext(
        "The last code sent is void: %(max)s wrong codes were entered. Send a new one."
    ) % {"max": services.IDENTITY_CODE_MAX_FAILURES}


def identity_lines(claim: Claim) -> list[str]:
    """Issue 11: whether the requester is verified, how, when and by whom; a code pending
    until when, and the wrong codes it may still take (plain text, one line each)."""
    if not claim.category.needs_identity_check:
        return [gettext("This kind of request needs no identity check.")]
    lines = []
    if claim.identity_verified_at is not None:
        lines.append(
            gettext("Verified: %(method)s, %(when)s, by %(who)s")
            % {
                "method": claim.get_identity_method_display(),
                "when": date_format(
                    timezone.localtime(claim.identity_verified_at), "DATETIME_FORMAT"
                ),
                "who": claim.identity_verified_by or "—",
            }
        )
    else:
        lines.append(gettext("Not verified yet."))
        if claim.identity_code_digest and claim.identity_code_expires_at:
            lines.append(pending_code_line(claim))
        elif services.identity_code_on_its_way(claim=claim):
            lines.append(gettext("A code is on its way to the customer's email on file."))
        elif claim.identity_code_failures >= services.IDENTITY_CODE_MAX_FAILURES:
            # The code was voided: say so, or the next person reads "not verified" alone
            # and does not know that five wrong codes were entered.
            lines.append(voided_code_line())
        if not (claim.customer_id and claim.customer.email):
            lines.append(
                gettext(
                    "No customer with an email on file: a code cannot be sent. Only a "
                    "signed-in request or an answer without personal data remain."
                )
            )
    if claim.no_personal_data_reason:
        lines.append(gettext("To be answered without personal data (reason below)."))
    return lines


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin, PersonalDataAdminMixin, TrackedAdmin):
    # 1.5: a claim holds the claimant's contact details and story; each view is logged.
    # Who must act comes before the long text columns: on a laptop the list is cut at
    # about the fifth column.
    list_display = (
        "reference",
        "due_badge",
        "status",
        "assignee",
        "claimant_name",
        "subject",
        "category",
        "received_on",
    )
    list_display_links = ("reference",)
    list_filter = (
        DueFilter,
        "status",
        "outcome",
        "category",
        "channel",
        AssigneeFilter,
    )
    search_fields = ("=reference", "claimant_name", "=claimant_email", "subject")
    list_select_related = ("category", "assignee")
    raw_id_fields = ("customer", "order")
    ordering = ("due_on", "id")
    # No date_hierarchy: on 200,000 claims its MIN/MAX and DISTINCT dates ran on every
    # view (issue 14); the due-date filter and the search find claims instead.
    inlines = (AttachmentInline, DeadlineChangeInline)
    view_on_site = False  # the claim's page is the claimant's, not staff's
    change_list_template = "admin/claims/claim/change_list.html"
    change_form_template = "admin/claims/claim/change_form.html"
    readonly_fields = (
        "reference",
        "status",
        "outcome",
        "due_summary",
        "received_at",
        "received_on",
        "channel",
        "claimant_summary",
        "subject",
        "text",
        "order",
        "related_disclosure",
        "related_breach",
        "answer_summary",
        "answered_at",
        "closed_at",
        "created_by",
        "identity_state",
        "identity_method",
        "identity_verified_at",
        "identity_verified_by",
        "no_personal_data_reason",
    )

    def get_queryset(self, request):
        return selectors.claims_for_list()

    def get_ordering(self, request):
        # Open claims first, the most urgent on top; answered and closed ones after them
        # (by due date alone, last year's closed claims would fill the first pages).
        return list_ordering(request.GET)

    def get_search_results(self, request, queryset, search_term):
        """Each kind of term through its index (issue 14): a reference number, however
        typed, by the unique index (``=reference`` would compare UPPER(reference) and read
        every row); anything else as the claimant's email (the UPPER(claimant_email)
        index) or part of the claimant's name or the subject (their trigram indexes, on
        PostgreSQL: ``LIKE '%…%'`` no longer reads every claim)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if REFERENCE_PATTERN.fullmatch(term.upper()):
            return queryset.filter(reference=term.upper()), False
        matches = (
            Q(claimant_email__iexact=term)
            | Q(claimant_name__icontains=term)
            | Q(subject__icontains=term)
        )
        found = queryset.filter(matches)
        # The index scans once, for the ids of a few matches, rather than again for the
        # page's count and again for its rows (a word every claim shares costs ~20 ms).
        ids = list(found.order_by().values_list("pk", flat=True)[: SEARCH_IDS_AT_MOST + 1])
        if len(ids) <= SEARCH_IDS_AT_MOST:
            return queryset.filter(pk__in=ids), False
        return found, False

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = forms.ClaimChangeForm if obj is not None else forms.ClaimRegisterForm
        kwargs["form"] = base
        if not change or self.has_change_permission(request, obj):
            # The form's own Meta.fields. Not for a reader (the auditor): Django's
            # read-only page excludes the fields it is given, and cannot exclude None.
            kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return (
                (None, {"fields": ("category", "received_at", "channel", "assignee")}),
                (
                    _("Claimant"),
                    {
                        "fields": (
                            "customer",
                            "claimant_kind",
                            "claimant_name",
                            "claimant_email",
                            "claimant_phone",
                            "claimant_address",
                            "claimant_language",
                        )
                    },
                ),
                (
                    _("The claim"),
                    {
                        "fields": (
                            "subject",
                            "text",
                            "attachments",
                            "order",
                            "related_disclosure",
                            "related_breach",
                            "internal_notes",
                        )
                    },
                ),
            )
        return (
            (
                None,
                {"fields": ("reference", "status", "outcome", "due_summary", "answer_summary")},
            ),
            (_("Handling"), {"fields": ("category", "assignee", "internal_notes")}),
            (
                _("The claim"),
                {
                    "fields": (
                        "received_at",
                        "channel",
                        "claimant_summary",
                        "subject",
                        "text",
                        "order",
                        "related_disclosure",
                        "related_breach",
                        "new_attachments",
                    )
                },
            ),
            (
                # Issue 11: the proof kept before an answer discloses or changes data.
                _("Identity of the requester"),
                {
                    "fields": (
                        "identity_state",
                        "identity_method",
                        "identity_verified_at",
                        "identity_verified_by",
                        "no_personal_data_reason",
                    )
                },
            ),
            # A context of its own: "Record" is also the disclosures app's button (the verb),
            # and Django's merged catalogues showed that verb as this section's title.
            (
                pgettext_lazy("claim page section", "Record"),
                {"fields": ("answered_at", "closed_at", "created_by")},
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def service_save(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        if not change:
            return services.claim_register(
                actor=request.user, attachments=data.pop("attachments", []), **data
            )
        claim = services.claim_update(
            claim=obj,
            actor=request.user,
            assignee=data.get("assignee"),
            internal_notes=data.get("internal_notes", ""),
            category=data.get("category"),
        )
        uploads = data.get("new_attachments") or []
        if uploads:
            services.claim_attachments_add(claim=claim, uploads=uploads, actor=request.user)
        return claim

    def has_delete_permission(self, request, obj=None):
        return False

    # --- list columns -----------------------------------------------------------------

    @admin.display(description=_("due on"), ordering="due_on")
    def due_badge(self, claim):
        date_text = display_date(claim.due_on)
        if claim.status in (Claim.Status.ANSWERED, Claim.Status.CLOSED):
            if claim.answered_on_time:
                return format_html('<span class="claim-badge ok">{} ✓</span>', gettext("on time"))
            return format_html('<span class="claim-badge late">{}</span>', gettext("answered late"))
        if claim.paused_on:
            return format_html(
                '<span class="claim-badge paused">{} · {}</span>', date_text, gettext("paused")
            )
        days = claim.days_left(local_date(timezone.now()))
        if days < 0:
            css, label = "overdue", gettext("overdue by %(days)s d") % {"days": -days}
        elif days == 0:
            css, label = "today", gettext("due today")
        elif days <= selectors.WEEK_DAYS:
            css, label = "week", gettext("%(days)s d left") % {"days": days}
        else:
            css, label = "later", gettext("%(days)s d left") % {"days": days}
        return format_html(
            '<span class="claim-badge {}" title="{}">{} · {}</span>',
            css,
            claim.due_explanation,
            date_text,
            label,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "dashboard": selectors.claims_dashboard(today=local_date(timezone.now())),
            "on_time_window": selectors.ON_TIME_WINDOW_DAYS,
            "filtered_customer": self._filtered_customer(request),
        }
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _filtered_customer(request):
        """The customer whose claims alone the list shows (the customer page's "All claims
        of this customer" link): said above the list, or the officer reads the whole
        register's dashboard beside one customer's claims with nothing saying so."""
        value = request.GET.get("customer__id__exact", "")
        if not value.isdigit():
            return None
        return Customer.objects.filter(pk=int(value)).only("pk", "first_name", "last_name").first()

    # --- detail fields ----------------------------------------------------------------

    @admin.display(description=_("due date"))
    def due_summary(self, claim):
        today = local_date(timezone.now())
        lines = [
            format_html(
                "<strong>{}</strong> ({})",
                f"{date_format(claim.due_on, 'l')}, {display_date(claim.due_on)}",
                # Issue 11: the term in its own unit (working days for some requests);
                # the distance from receipt is always counted in calendar days.
                ngettext(
                    "term %(term)s + %(extra)s; %(days)s calendar day from receipt",
                    "term %(term)s + %(extra)s; %(days)s calendar days from receipt",
                    (claim.due_on - claim.received_on).days,
                )
                % {
                    "days": (claim.due_on - claim.received_on).days,
                    "term": claim.term_label,
                    "extra": claim.extra_days,
                },
            )
        ]
        if claim.due_explanation:
            lines.append(format_html("{}", claim.due_explanation))
        if claim.paused_on:
            lines.append(
                format_html(
                    "{}", gettext("Paused since %(day)s") % {"day": display_date(claim.paused_on)}
                )
            )
        elif claim.is_open:
            lines.append(
                format_html("{}", gettext("Days left: %(days)s") % {"days": claim.days_left(today)})
            )
        if claim.answered_on_time is not None:
            lines.append(
                format_html(
                    "<strong>{}</strong>",
                    gettext("Answered on time")
                    if claim.answered_on_time
                    else gettext("Answered late"),
                )
            )
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines))

    @admin.display(description=_("identity check"))
    def identity_state(self, claim):
        return format_html_join("", "<div>{}</div>", ((line,) for line in identity_lines(claim)))

    @admin.display(description=_("claimant"))
    def claimant_summary(self, claim):
        parts = [
            claim.get_claimant_kind_display(),
            claim.claimant_name,
            claim.claimant_email,
            claim.claimant_phone,
            claim.claimant_address,
            claim.get_claimant_language_display(),
        ]
        lines = format_html_join("", "<div>{}</div>", ((part,) for part in parts if part))
        if claim.customer_id:
            # Issue 13: everything held about the customer is one click away.
            url = reverse("admin:accounts_customer_change", args=[claim.customer_id])
            label = gettext("customer #%(id)s") % {"id": claim.customer_id}
            lines += format_html('<div><a href="{}">{}</a></div>', url, label)
        return lines

    @admin.display(description=_("answer"))
    def answer_summary(self, claim):
        answer = ClaimAnswer.objects.filter(claim=claim).select_related("approved_by").first()
        if answer is None:
            return "—"
        bits = [answer.get_status_display(), answer.get_language_display()]
        if answer.approved_by:
            bits.append(gettext("approved by %(who)s") % {"who": answer.approved_by})
        if answer.sent_by_email_to:
            bits.append(gettext("emailed to %(to)s") % {"to": answer.sent_by_email_to})
        if answer.posted_tracking_number:
            bits.append(gettext("posted, tracking %(n)s") % {"n": answer.posted_tracking_number})
        html = format_html(
            '<div>{}</div><pre class="claim-answer">{}</pre>', " · ".join(bits), answer.body
        )
        if answer.pdf:
            html += format_html(
                '<div><a href="{}">{}</a></div>', answer.get_absolute_url(), gettext("PDF letter")
            )
        return html

    # --- workflow pages ---------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/step/<slug:step>/",
                self.admin_site.admin_view(self.step_view),
                name="claims_claim_step",
            ),
            *(
                path(
                    f"<path:object_id>/identity/{step.replace('_', '-')}/",
                    self.admin_site.admin_view(self._identity_view(step)),
                    name=url_name,
                )
                for step, (_title, _form, url_name) in IDENTITY_STEPS.items()
            ),
            path(
                "<path:object_id>/answer/preview.pdf",
                self.admin_site.admin_view(self.answer_preview_view),
                name="claims_claim_answer_preview",
            ),
        ] + super().get_urls()

    # Shown in a frame of the approve and send pages: this one response may be framed by
    # the site itself. Browsers obey the CSP's frame-ancestors over X-Frame-Options, so
    # both are set; csp_replace, since csp_update would keep 'none' beside 'self'.
    @method_decorator(csp_replace({"frame-ancestors": [csp_constants.SELF]}))
    @method_decorator(xframe_options_sameorigin)
    def answer_preview_view(self, request, object_id):
        """The letter as it will be sent, for whoever may see the claim and its answer;
        nothing is kept (1.5: the view is in the access log)."""
        claim = self.get_object(request, object_id)
        if claim is None:
            raise Http404
        if not (
            self.has_view_permission(request, claim)
            and request.user.has_perm("claims.view_claimanswer")
        ):
            raise PermissionDenied
        answer = ClaimAnswer.objects.filter(claim=claim).first()
        if answer is None:
            raise Http404
        if answer.status == ClaimAnswer.Status.SENT and answer.pdf:
            return HttpResponseRedirect(answer.get_absolute_url())
        access_record(
            user=request.user, obj=claim, action=PersonalDataAccess.Action.VIEW, path=request.path
        )
        response = HttpResponse(
            services.answer_letter_preview(answer=answer), content_type="application/pdf"
        )
        filename = download_name(claim.reference, ".pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if claim is not None and self.has_change_permission(request, claim):
            extra_context["claim_steps"] = [
                (reverse("admin:claims_claim_step", args=[claim.pk, step]), STEPS[step][0])
                for step in available_steps(claim, request.user)
            ] + [
                (
                    reverse(f"admin:{IDENTITY_STEPS[step][2]}", args=[claim.pk]),
                    IDENTITY_STEPS[step][0],
                )
                for step in available_identity_steps(claim, request.user)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def _answer_context(self, request, claim: Claim, step: str) -> dict:
        """What the approver and the sender see: the full text, the letter as it will be
        sent, what is left to fill in, and whether the four-eyes rule holds."""
        answer = ClaimAnswer.objects.filter(claim=claim).select_related("drafted_by").first()
        if answer is None:
            return {}
        notices = []
        if not services.four_eyes():
            notices.append(
                gettext(
                    "The four-eyes rule is off (CLAIM_ANSWER_FOUR_EYES=false, a one-person "
                    "team): the author of an answer may approve it."
                )
            )
        elif step == "approve" and answer.drafted_by_id == request.user.pk:
            notices.append(
                gettext(
                    "You wrote this answer: another compliance officer must approve it "
                    "(four-eyes rule)."
                )
            )
        if missing := missing_reason_line(claim, answer):
            notices.append(missing)
        return {
            "answer": answer,
            "answer_unfilled": unfilled_placeholders(answer.body),
            "answer_notices": notices,
            "answer_preview_url": reverse("admin:claims_claim_answer_preview", args=[claim.pk]),
        }

    def _identity_view(self, step: str):
        """Issue 11: one identity step's page (GET: the form; POST: the service). The
        permission is checked here, whatever the page offered: changing the claim, and
        for an officer's decision, being a compliance officer."""
        title, form_class, _url_name = IDENTITY_STEPS[step]

        def view(request, object_id):
            claim = self.get_object(request, object_id)
            if claim is None:
                raise Http404
            if not self.has_change_permission(request, claim):
                raise PermissionDenied
            if not identity_step_allowed(step, request.user):
                return self._identity_refused_page(request, claim, title)
            return self._step_page(request, claim, step, title, form_class)

        return view

    def _identity_refused_page(self, request, claim: Claim, title):
        """A support agent who opens the officer's decision (a shared link, a bookmark) is
        told why, in their language, with the way back to the claim: still a 403, and
        nothing changes (it was Django's bare "403 Forbidden" in English)."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{claim.reference}: {title}",
            "claim": claim,
            "form": None,
            "step_title": title,
            "change_url": reverse("admin:claims_claim_change", args=[claim.pk]),
            "step_blocked": True,
            "step_notices": [
                gettext("Only a compliance officer can decide to answer without personal data."),
                gettext(
                    "Ask a compliance officer to decide. You can still send the identity code "
                    "to the customer's email on file and enter the code they read out."
                ),
            ],
        }
        return TemplateResponse(request, "admin/claims/claim/step.html", context, status=403)

    def step_view(self, request, object_id, step):
        claim = self.get_object(request, object_id)
        if claim is None or step not in STEPS:
            raise Http404
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        title, form_class = STEPS[step]
        return self._step_page(request, claim, step, title, form_class)

    def _step_page(self, request, claim: Claim, step: str, title, form_class):
        data = request.POST if request.method == "POST" else None
        form = form_class(data, claim=claim, actor=request.user)
        change_url = reverse("admin:claims_claim_change", args=[claim.pk])
        answer_before = ClaimAnswer.objects.filter(claim=claim).first()
        if request.method == "POST" and form.is_valid() and form.run():
            if step in IDENTITY_DONE:
                self.message_user(request, IDENTITY_DONE[step], messages.SUCCESS)
            elif step == "answer":
                self._draft_saved_messages(request, claim, answer_before)
            else:
                self.message_user(
                    request, gettext("Done: %(step)s.") % {"step": title}, messages.SUCCESS
                )
            return HttpResponseRedirect(change_url)
        if request.method == "POST" and step in IDENTITY_STEPS:
            claim.refresh_from_db()  # a wrong code was counted: the page says how many left
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{claim.reference}: {title}",
            "claim": claim,
            "form": form,
            "step_title": title,
            "change_url": change_url,
        }
        if step in ("approve", "send"):
            context.update(self._answer_context(request, claim, step))
        if step in IDENTITY_STEPS:
            context["step_notices"] = self._identity_notices(claim, step)
        if step == "approve" and services.four_eyes():
            # The author is told another officer must approve; no button to try it.
            context["step_blocked"] = bool(
                answer_before and answer_before.drafted_by_id == request.user.pk
            )
        if (
            step == "answer"
            and answer_before is not None
            and answer_before.status == ClaimAnswer.Status.APPROVED
        ):
            context["step_notices"] = [
                gettext(
                    "This answer is approved. Saving a change makes it a draft again: a "
                    "compliance officer must then approve it again before it is sent."
                )
            ]
        return TemplateResponse(request, "admin/claims/claim/step.html", context)

    def _identity_notices(self, claim: Claim, step: str) -> list[str]:
        """What the person sending or checking a code must know before they do."""
        if step == "identity_code_send":
            return [
                gettext(
                    "The code goes to the email on file for customer #%(id)s, never to an "
                    "address named only in the request. It works for %(minutes)s minutes; "
                    "%(max)s wrong codes void it. A new code voids the one before."
                )
                % {
                    "id": claim.customer_id or "—",
                    "minutes": services.IDENTITY_CODE_MINUTES,
                    "max": services.IDENTITY_CODE_MAX_FAILURES,
                }
            ]
        if step == "identity_code_verify":
            if claim.identity_code_digest:
                return [pending_code_line(claim)]
            if claim.identity_code_failures >= services.IDENTITY_CODE_MAX_FAILURES:
                return [voided_code_line()]
            return []
        return [
            gettext(
                "Only when the identity cannot be verified: the answer then holds no "
                "personal data and tells the requester why."
            )
        ]

    def _draft_saved_messages(self, request, claim: Claim, answer_before) -> None:
        """After a draft is saved: what still stands between it and sending."""
        answer = ClaimAnswer.objects.get(claim=claim)
        left = unfilled_placeholders(answer.body)
        if left:
            self.message_user(
                request,
                ngettext(
                    "The draft is saved, but it still holds a placeholder to fill in before "
                    "it can be approved or sent: %(placeholders)s.",
                    "The draft is saved, but it still holds placeholders to fill in before "
                    "it can be approved or sent: %(placeholders)s.",
                    len(left),
                )
                % {"placeholders": ", ".join(left)},
                messages.WARNING,
            )
        else:
            self.message_user(request, gettext("The draft is saved."), messages.SUCCESS)
        if missing := missing_reason_line(claim, answer):
            self.message_user(request, missing, messages.WARNING)
        if answer_before is not None and answer_before.status == ClaimAnswer.Status.APPROVED:
            self.message_user(
                request,
                gettext(
                    "The approved answer was changed: it must be approved again before it is sent."
                ),
                messages.WARNING,
            )
