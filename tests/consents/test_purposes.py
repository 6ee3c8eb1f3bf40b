import pytest

from consents.models import Purpose
from consents.selectors import purposes_section4

pytestmark = pytest.mark.django_db


def test_the_ten_purposes_of_4_2_are_seeded_in_clause_order():
    codes = [p.code for p in purposes_section4()]

    assert codes == [f"4.2.{n}" for n in range(1, 11)]


def test_lawful_basis_of_each_purpose_follows_the_issue():
    basis = {p.code: p.basis for p in purposes_section4()}

    contract = {"4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.8", "4.2.9"}
    assert {code for code, b in basis.items() if b == Purpose.Basis.CONTRACT} == contract
    assert {code for code, b in basis.items() if b == Purpose.Basis.CONSENT} == {
        "4.2.5",
        "4.2.6",
        "4.2.7",
        "4.2.10",
    }


def test_every_purpose_has_a_title_in_three_languages():
    purpose = Purpose.objects.get(code="4.2.6")

    assert purpose.title_ru.startswith("Информирование покупателя о проводимых акциях")
    assert purpose.title_en == "Informing the buyer about promotions and special offers"
    assert all(p.title_ru and p.title_kk and p.title_en for p in Purpose.objects.all())


def test_cookie_and_policy_purposes_are_kept_apart_from_the_ten():
    others = set(
        Purpose.objects.exclude(kind=Purpose.Kind.SECTION_4).values_list("code", flat=True)
    )

    assert others == {
        "cookies.essential",
        "cookies.analytics",
        "cookies.advertising",
        "2.1",
        "cross_border",  # Law 94-V art. 16
    }
    assert purposes_section4().count() == 10
