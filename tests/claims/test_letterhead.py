"""Issue 13: the answer letter is headed in the letter's own language."""

import re

import pytest
from django.utils import translation

from claims.letters import letterhead


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("kk", "«Shoperga» ЖШС, Homeshop.kz"),
        ("ru", "ТОО «Shoperga», Homeshop.kz"),
        ("en", "LLP “Shoperga”, Homeshop.kz"),
    ],
)
def test_the_letterhead_is_in_the_letters_language(language, expected):
    with translation.override(language):
        assert letterhead() == expected


def test_the_kazakh_letterhead_has_no_russian_or_english_words():
    with translation.override("kk"):
        words = re.findall(r"\w+", letterhead().replace("Shoperga", "").replace("Homeshop.kz", ""))
    assert words == ["ЖШС"]
