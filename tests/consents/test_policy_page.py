"""Issue 13: the published policy rendered from its Markdown (emphasis, not asterisks),
sanitised, with a table of contents by clause number."""

import pytest

from consents.policy_text import policy_blocks, policy_toc

pytestmark = pytest.mark.django_db


def test_the_policy_page_renders_emphasis_and_a_table_of_contents(client):
    response = client.get("/privacy-policy/", HTTP_ACCEPT_LANGUAGE="ru")

    page = response.content.decode()
    assert response.status_code == 200
    assert "**" not in page
    assert '<h2 id="clause-7">7. <strong>Дополнительные условия</strong></h2>' in page
    assert '<a href="#clause-7">7. Дополнительные условия</a>' in page
    assert '<p class="clause" id="clause-5-4-2">' in page


def test_a_numbered_heading_stays_a_heading_not_a_list():
    blocks = policy_blocks("Политика\n\n1. Определение терминов\n\n- 1.1. Термин.")

    assert [(b.kind, b.number, str(b.html)) for b in blocks] == [
        ("title", "", "Политика"),
        ("heading", "1", "1. Определение терминов"),
        ("item", "1.1", "1.1. Термин."),
    ]
    assert [b.anchor for b in policy_toc(blocks)] == ["clause-1"]


def test_markup_typed_into_the_policy_is_sanitised():
    (title, item) = policy_blocks(
        "Политика\n- 2.1. <script>alert(1)</script>[ссылка](javascript:alert(1)) "
        "<img src=x onerror=alert(1)> *важно*"
    )

    html = str(item.html)
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<img" not in html
    assert "<em>важно</em>" in html
