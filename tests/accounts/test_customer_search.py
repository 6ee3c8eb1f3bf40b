import pytest

from accounts import selectors
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "aigerim": CustomerFactory(
            email="Aigerim.S@Example.kz", phone="+77012345678", last_name="Сейткалиева"
        ),
        "nurlan": CustomerFactory(
            email="nurlan@example.kz", phone="+77771112233", last_name="Жумабеков"
        ),
    }


@pytest.mark.parametrize(
    "term, who",
    [
        ("aigerim.s@example.KZ", "aigerim"),
        ("8 (777) 111-22-33", "nurlan"),
        ("+7 701 234 5678", "aigerim"),
        ("жумабеков", "nurlan"),
        ("Сейткалиева", "aigerim"),
    ],
)
def test_search_finds_by_exact_email_phone_in_any_form_or_last_name(people, term, who):
    assert list(selectors.customers_search(term=term)) == [people[who]]


def test_search_does_not_match_fragments(people):
    assert list(selectors.customers_search(term="example.kz")) == []


def test_admin_search_uses_it(client, officer, people):
    client.force_login(officer)
    response = client.get("/admin/accounts/customer/", {"q": "8 777 111 22 33"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [people["nurlan"]]
