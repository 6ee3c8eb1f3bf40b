from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.utils import DatabaseError

from consents import services
from consents.models import ImmutableRecordError, PolicyVersion
from consents.selectors import policy_version_in_force
from homeshop_privacy.errors import DomainError

from .factories import PolicyVersionFactory

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ALMATY)
V2_FROM = datetime(2026, 12, 1, 0, 0, tzinfo=ALMATY)  # 2026-11-30 19:00 UTC


@pytest.fixture
def v2(officer):
    with time_machine.travel(NOW, tick=False):
        draft = PolicyVersionFactory(label="2", is_material=False)
        return services.policy_version_publish(version=draft, actor=officer, effective_from=V2_FROM)


def test_version_1_is_the_seed_policy_in_force_from_1_january_2026_almaty():
    v1 = PolicyVersion.objects.get(label="1")

    assert v1.text_ru.startswith("Политика конфиденциальности персональных данных")
    assert "4.2.10. Предоставления Покупателю кредита (рассрочки)" in v1.text_ru
    assert v1.effective_from == datetime(2026, 1, 1, tzinfo=ALMATY)


def test_no_version_was_in_force_before_version_1():
    just_before = datetime(2026, 1, 1, tzinfo=ALMATY) - timedelta(microseconds=1)

    assert policy_version_in_force(at=just_before) is None
    assert policy_version_in_force(at=datetime(2026, 1, 1, tzinfo=ALMATY)).label == "1"


def test_old_version_is_in_force_until_the_instant_before_the_new_one(v2):
    assert policy_version_in_force(at=V2_FROM - timedelta(microseconds=1)).label == "1"


def test_new_version_is_in_force_at_its_effective_moment_almaty_time(v2):
    assert policy_version_in_force(at=V2_FROM).label == "2"
    # The same instant written in UTC: midnight in Almaty is 19:00 UTC the day before.
    assert policy_version_in_force(at=datetime(2026, 11, 30, 19, 0, tzinfo=UTC)).label == "2"
    assert (
        policy_version_in_force(at=datetime(2026, 11, 30, 18, 59, 59, 999999, tzinfo=UTC)).label
        == "1"
    )


def test_publication_without_a_date_is_in_force_from_the_publication_moment(officer):
    with time_machine.travel(NOW, tick=False):
        version = services.policy_version_publish(
            version=PolicyVersionFactory(is_material=False), actor=officer
        )

    assert version.published_at == NOW
    assert version.effective_from == NOW
    assert policy_version_in_force(at=NOW) == version
    assert policy_version_in_force(at=NOW - timedelta(microseconds=1)).label == "1"


def test_a_draft_is_never_in_force():
    PolicyVersionFactory(effective_from=datetime(2026, 2, 1, tzinfo=ALMATY))

    assert policy_version_in_force(at=datetime(2026, 6, 1, tzinfo=ALMATY)).label == "1"


def test_publication_with_a_past_effective_date_is_refused(officer):
    draft = PolicyVersionFactory()

    with time_machine.travel(NOW, tick=False), pytest.raises(DomainError):
        services.policy_version_publish(
            version=draft, actor=officer, effective_from=NOW - timedelta(days=1)
        )

    draft.refresh_from_db()
    assert draft.published_at is None


def test_a_newer_version_cannot_take_effect_before_one_already_scheduled(officer, v2):
    # v2 takes effect on 1 Dec. A v3 in force from 26 Nov would give way to the older v2
    # on 1 Dec: refused, and the version in force stays as published.
    draft = PolicyVersionFactory(label="3", is_material=False)

    with (
        time_machine.travel(NOW + timedelta(hours=1), tick=False),
        pytest.raises(DomainError, match="1 декабря 2026 г. 0:00"),
    ):
        services.policy_version_publish(
            version=draft, actor=officer, effective_from=NOW + timedelta(days=1)
        )

    draft.refresh_from_db()
    assert draft.published_at is None
    assert policy_version_in_force(at=V2_FROM + timedelta(days=1)) == v2


def test_a_newer_version_may_take_effect_with_or_after_the_scheduled_one(officer, v2):
    draft = PolicyVersionFactory(label="3", is_material=False)

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        v3 = services.policy_version_publish(version=draft, actor=officer, effective_from=V2_FROM)

    assert policy_version_in_force(at=V2_FROM) == v3


def test_published_version_cannot_be_saved_again(v2):
    v2.text_ru = "Исправленный текст"

    with pytest.raises(ImmutableRecordError):
        v2.save()
    with pytest.raises(DomainError):
        services.policy_version_save_draft(version=v2, actor=None)

    assert PolicyVersion.objects.get(label="2").text_ru != "Исправленный текст"


def test_published_version_cannot_be_deleted_by_model_or_queryset(v2):
    with pytest.raises(ImmutableRecordError):
        v2.delete()
    with pytest.raises(ImmutableRecordError):
        PolicyVersion.objects.filter(label="2").delete()
    with pytest.raises(ImmutableRecordError):
        PolicyVersion.objects.filter(label="2").update(text_ru="x")

    assert PolicyVersion.objects.filter(label="2").exists()


def test_a_draft_can_still_be_edited_and_deleted(officer):
    draft = PolicyVersionFactory()
    draft.text_ru = "Черновик, исправленный"
    services.policy_version_save_draft(version=draft, actor=officer)

    assert draft.history.first().history_user == officer
    draft.delete()
    assert not PolicyVersion.objects.filter(pk=draft.pk).exists()


@pytest.mark.postgres
def test_database_refuses_to_change_a_published_version_even_with_raw_sql():
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("UPDATE consents_policyversion SET text_ru = 'x' WHERE label = '1'")


def test_policy_page_shows_the_version_in_force_in_the_readers_language(client, v2):
    with time_machine.travel(V2_FROM + timedelta(hours=1), tick=False):
        response = client.get("/privacy-policy/", HTTP_ACCEPT_LANGUAGE="kk")

    assert response.status_code == 200
    assert "Құпиялылық саясаты, " in response.content.decode()


def test_unpublished_version_page_is_not_found(client):
    PolicyVersionFactory(label="draft-9")

    assert client.get("/privacy-policy/draft-9/").status_code == 404


def test_policy_page_shows_the_seed_text_with_its_sections(client):
    page = client.get("/privacy-policy/1/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "<h1>Политика конфиденциальности персональных данных</h1>" in page
    assert '<h2 id="clause-4">4. Цели сбора и обработки персональных данных' in page
    assert '<p class="clause" id="clause-4-2-6">4.2.6. Информирования покупателя' in page
