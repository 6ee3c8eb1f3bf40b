"""The claims admin: list without N+1, badges, dashboard, workflow pages, private files."""

from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimAnswer
from homeshop_privacy.private_files import MAX_FILES
from tests.factories import CustomerFactory, StaffFactory, UserFactory

from .factories import ClaimCategoryFactory, almaty, approved_and_sent, register
from .test_claim_register import PDF

LIST = reverse("admin:claims_claim_changelist")


def many(n, **kwargs):
    category = ClaimCategoryFactory(code="list")
    agent = StaffFactory()
    return [register(category=category, assignee=agent, **kwargs) for _ in range(n)]


@pytest.mark.django_db
def test_claim_list_queries_do_not_grow_with_rows(client, officer, django_assert_max_num_queries):
    client.force_login(officer)
    many(3)
    with django_assert_max_num_queries(16) as few:
        assert client.get(LIST).status_code == 200
    many(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.content.count(b'class="claim-badge') == 33


@pytest.mark.django_db
def test_list_badges_and_dashboard_count_overdue_and_due_today(client, officer, time_machine):
    time_machine.move_to("2026-12-02T06:00:00+00:00", tick=False)  # 11:00 in Almaty
    register(received_at=almaty(2026, 11, 2, 10, 0), assignee=officer)  # due today, 2 Dec
    register(received_at=almaty(2026, 10, 1, 10, 0), assignee=officer)  # due 2 Nov: overdue
    client.force_login(officer)
    with_badges = client.get(LIST).content.decode()
    assert 'claim-badge today"' in with_badges
    assert 'claim-badge overdue"' in with_badges
    dashboard = client.get(LIST).context["dashboard"]
    assert (dashboard.open, dashboard.due_today, dashboard.overdue) == (2, 1, 1)
    overdue_only = client.get(LIST, {"due": "overdue"}).context["cl"].result_list
    assert [c.due_on for c in overdue_only] == [date(2026, 11, 2)]


@pytest.mark.django_db
def test_dashboard_on_time_rate_covers_the_last_90_days(officer, time_machine):
    from claims.selectors import claims_dashboard

    time_machine.move_to("2026-11-25T06:00:00+00:00", tick=False)
    on_time = register(received_at=almaty(2026, 11, 2, 10, 0), assignee=officer)
    late = register(received_at=almaty(2026, 10, 1, 10, 0), assignee=officer)
    for claim, when in ((on_time, almaty(2026, 11, 20, 9, 0)), (late, almaty(2026, 11, 3, 9, 0))):
        approved_and_sent(claim, author=officer, now=when)
    dashboard = claims_dashboard(today=date(2026, 11, 25))
    assert (dashboard.answered_recently, dashboard.answered_on_time) == (2, 1)
    assert dashboard.on_time_rate == 0.5


@pytest.mark.django_db
def test_officer_registers_a_claim_in_the_admin(client, officer):
    client.force_login(officer)
    category = ClaimCategoryFactory(code="admin-add", term_days=10)
    response = client.post(
        reverse("admin:claims_claim_add"),
        {
            "category": category.pk,
            "received_at_0": "02.11.2026",
            "received_at_1": "10:00:00",
            "channel": "post",
            "claimant_kind": "company",
            "claimant_name": "ТОО «Ромашка»",
            "claimant_address": "Алматы, пр. Абая, 1",
            "claimant_language": "ru",
            "subject": "Возврат",
            "text": "Текст претензии",
            "attachments": [SimpleUploadedFile("scan.pdf", PDF, "application/pdf")],
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert claim.due_on == date(2026, 11, 12)
    assert claim.created_by == officer
    assert claim.attachments.count() == 1


@pytest.mark.django_db
def test_refused_registration_shows_the_reason_on_the_form(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claim_add"),
        {
            "category": ClaimCategoryFactory().pk,
            "received_at_0": "02.11.2026",
            "received_at_1": "10:00:00",
            "channel": "email",
            "claimant_kind": "person",
            "claimant_name": "Нурлан",
            "claimant_language": "ru",
            "subject": "Возврат",
            "text": "Текст",
            "attachments": [SimpleUploadedFile("virus.pdf", b"MZ...", "application/pdf")],
            "claimant_email": "n@example.kz",
        },
    )
    assert response.status_code == 200
    assert "virus.pdf" in str(response.context["adminform"].form.errors)
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_extension_through_the_admin_step_page(client, officer, time_machine):
    time_machine.move_to("2026-11-25T06:00:00+00:00", tick=False)  # before the due date
    claim = register(received_at=almaty(2026, 11, 2, 10, 0))
    client.force_login(officer)
    url = reverse("admin:claims_claim_step", args=[claim.pk, "extend"])
    response = client.post(url, {"days": "14", "reason": "Экспертиза"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.due_on == date(2026, 12, 17)


@pytest.mark.django_db
def test_support_agent_cannot_approve_through_the_admin(client, support_agent):
    claim = register(assignee=support_agent)
    services.claim_answer_draft(claim=claim, actor=support_agent)
    client.force_login(support_agent)
    change = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "step/approve/" not in change.content.decode()
    assert "step/send/" not in change.content.decode()
    response = client.post(reverse("admin:claims_claim_step", args=[claim.pk, "approve"]))
    assert response.status_code == 200
    assert ClaimAnswer.objects.get().status == ClaimAnswer.Status.DRAFT


@pytest.mark.django_db
def test_sent_answer_page_cannot_be_reached_to_edit(client, officer):
    claim = register(assignee=officer)
    answer = approved_and_sent(claim, author=officer)
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claim_step", args=[claim.pk, "answer"]),
        {"language": "ru", "body": "новый текст"},
    )
    assert response.status_code == 200
    answer.refresh_from_db()
    assert answer.body != "новый текст"


@pytest.mark.django_db
def test_attachment_is_served_to_staff_and_to_the_claimant_only(client, officer):
    owner_user = UserFactory()
    owner = CustomerFactory(user=owner_user)
    claim = register(
        customer=owner, attachments=[SimpleUploadedFile("чек.pdf", PDF, "application/pdf")]
    )
    url = claim.attachments.get().get_absolute_url()

    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"

    client.force_login(owner_user)
    assert client.get(url).status_code == 200

    stranger = UserFactory()
    CustomerFactory(user=stranger)
    client.force_login(stranger)
    assert client.get(url).status_code == 404

    client.force_login(StaffFactory())  # staff without the claims permission
    assert client.get(url).status_code == 404

    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_refused_file_on_the_change_form_changes_nothing_else(client, officer, support_agent):
    claim = register(assignee=support_agent)
    client.force_login(officer)
    response = client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        {
            "category": claim.category_id,
            "assignee": officer.pk,
            "internal_notes": "передано юристу",
            "new_attachments": [SimpleUploadedFile("virus.pdf", b"MZ...", "application/pdf")],
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "deadline_changes-TOTAL_FORMS": "0",
            "deadline_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "virus.pdf" in str(response.context["adminform"].form.errors)
    claim.refresh_from_db()
    assert (claim.assignee, claim.internal_notes) == (support_agent, "")
    assert claim.history.count() == 1
    # claim_update had written before the file was refused: all of it rolled back, the
    # admin's change log included (issue 15 item 2).
    assert not LogEntry.objects.filter(object_id=str(claim.pk)).exists()


@pytest.mark.django_db
def test_dashboard_tiles_count_what_the_linked_filters_show(client, officer, time_machine):
    time_machine.move_to("2026-12-02T06:00:00+00:00", tick=False)  # 11:00 in Almaty
    register(received_at=almaty(2026, 11, 2, 10, 0), assignee=officer)  # due today
    paused = register(received_at=almaty(2026, 11, 2, 11, 0), assignee=officer)
    services.claim_pause(claim=paused, actor=officer, reason="ждём чек", on=date(2026, 11, 30))
    client.force_login(officer)
    dashboard = client.get(LIST).context["dashboard"]
    due_today = client.get(LIST, {"due": "today"}).context["cl"].result_list
    week = client.get(LIST, {"due": "week"}).context["cl"].result_list
    assert (dashboard.open, dashboard.due_today, dashboard.due_this_week) == (2, 1, 1)
    assert (len(due_today), len(week)) == (1, 1)


@pytest.mark.django_db
def test_staff_views_and_downloads_of_a_claim_are_in_the_access_log(client, officer):
    # 1.5: a claim holds the claimant's contacts and story; the claimant's own download
    # is not a staff access.
    from homeshop_privacy.access_log import accesses_of

    owner_user = UserFactory()
    claim = register(
        customer=CustomerFactory(user=owner_user),
        attachments=[SimpleUploadedFile("чек.pdf", PDF, "application/pdf")],
    )
    url = claim.attachments.get().get_absolute_url()
    client.force_login(officer)
    assert client.get(reverse("admin:claims_claim_change", args=[claim.pk])).status_code == 200
    assert client.get(url).status_code == 200
    client.force_login(owner_user)
    assert client.get(url).status_code == 200

    log = [(a.user, a.action) for a in accesses_of(obj=claim)]
    assert sorted(log, key=lambda pair: pair[1]) == [(officer, "export"), (officer, "view")]


@pytest.mark.django_db
def test_claim_page_queries_do_not_grow_with_files_and_deadline_changes(
    client, officer, django_assert_max_num_queries, time_machine
):
    time_machine.move_to("2026-11-25T06:00:00+00:00", tick=False)  # claims not yet due

    def claim_with(n):
        claim = register(assignee=officer)
        for i in range(n):
            if i < MAX_FILES:  # a claim keeps at most 5 files (issue 9 §4)
                services.claim_attachment_add(
                    claim=claim,
                    upload=SimpleUploadedFile(f"скан-{i}.pdf", PDF, "application/pdf"),
                    actor=StaffFactory(),
                )
            services.claim_extend(claim=claim, actor=StaffFactory(), days=1, reason=f"№{i}")
        return claim

    client.force_login(officer)
    few = claim_with(1)
    with django_assert_max_num_queries(60) as captured:
        assert client.get(reverse("admin:claims_claim_change", args=[few.pk])).status_code == 200
    many = claim_with(8)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        response = client.get(reverse("admin:claims_claim_change", args=[many.pk]))
    assert response.content.decode().count("скан-") >= MAX_FILES


@pytest.mark.django_db
def test_search_by_reference_typed_in_lower_case_uses_the_reference_index(
    client, officer, django_assert_max_num_queries
):
    wanted, _other = register(), register()
    client.force_login(officer)
    with django_assert_max_num_queries(30) as captured:
        response = client.get(LIST, {"q": f" {wanted.reference.lower()} "})
    assert [c.pk for c in response.context["cl"].result_list] == [wanted.pk]
    searches = [q["sql"] for q in captured.captured_queries if wanted.reference in q["sql"]]
    assert searches and all("UPPER" not in sql for sql in searches)


@pytest.mark.django_db
def test_list_shows_open_claims_first_by_due_date(client, officer):
    closed_early = register(received_at=almaty(2026, 8, 3, 10, 0), assignee=officer)
    approved_and_sent(closed_early, author=officer, now=almaty(2026, 8, 20, 10, 0))
    later = register(received_at=almaty(2026, 11, 2, 10, 0))  # due 2 Dec
    sooner = register(received_at=almaty(2026, 10, 20, 10, 0))  # due 19 Nov
    client.force_login(officer)
    shown = [c.pk for c in client.get(LIST).context["cl"].result_list]
    assert shown == [sooner.pk, later.pk, closed_early.pk]
    by_column = client.get(LIST, {"o": "2"}).context["cl"].result_list  # the due date column
    assert [c.pk for c in by_column] == [closed_early.pk, sooner.pk, later.pk]


@pytest.mark.django_db
def test_claim_page_gives_the_term_in_correct_russian(client, officer):
    # Received Thu 1 Oct 2026: day 30 is Sat 31 Oct, due Mon 2 Nov, 32 days from receipt;
    # received Mon 2 Nov: due Wed 2 Dec, 30 days. Russian says "32 календарных дня".
    moved = register(received_at=almaty(2026, 10, 1, 12, 0))
    plain = register(received_at=almaty(2026, 11, 2, 10, 0))
    client.force_login(officer)
    moved_page = client.get(reverse("admin:claims_claim_change", args=[moved.pk]))
    plain_page = client.get(reverse("admin:claims_claim_change", args=[plain.pk]))
    # Issue 11: the term carries its unit (working days for some requests).
    assert "срок 30 календарных дней + 0; 32 календарных дня с получения" in (
        moved_page.content.decode()
    )
    assert "; 30 календарных дней с получения" in plain_page.content.decode()


@pytest.mark.django_db
def test_approve_or_send_step_before_any_answer_is_refused_on_the_page(client, officer):
    claim = register(assignee=officer)
    client.force_login(officer)
    for step in ("approve", "send"):
        response = client.post(reverse("admin:claims_claim_step", args=[claim.pk, step]))
        assert response.status_code == 200
        assert "Ответа ещё нет" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RECEIVED
