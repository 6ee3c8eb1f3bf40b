"""Issue 13: in Kazakh the admin is Kazakh, not Russian by Django's fallback, and months
are lower-case mid-sentence."""

from datetime import date
from pathlib import Path

import django
import pytest
from django.contrib import admin as django_admin
from django.utils import translation

from homeshop_privacy.calendar import short_date

pytestmark = pytest.mark.django_db

DJANGO = Path(django.__file__).parent


def _catalogue(path: Path) -> dict:
    """msgid -> Russian text of a Django .po file (singular entries, no context)."""
    import re

    text = path.read_text(encoding="utf-8")
    found = {}
    for block in text.split("\n\n"):
        if "msgctxt" in block or "msgid_plural" in block or block.lstrip().startswith("#~"):
            continue
        match = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if not match:
            continue

        def join(lines):
            return "".join(re.findall(r'"(.*)"', lines)).encode().decode("unicode_escape")

        msgid, msgstr = join(match[1]), join(match[2])
        if msgid and msgstr:
            found[msgid.encode("latin-1").decode("utf-8")] = msgstr.encode("latin-1").decode(
                "utf-8"
            )
    return found


@pytest.mark.parametrize(
    "catalogue",
    [
        "contrib/admin/locale/ru/LC_MESSAGES/django.po",
        "contrib/auth/locale/ru/LC_MESSAGES/django.po",
        "contrib/contenttypes/locale/ru/LC_MESSAGES/django.po",
    ],
)
def test_no_admin_string_falls_back_to_russian_in_kazakh(catalogue):
    russian = _catalogue(DJANGO / catalogue)
    assert len(russian) > 5
    from django.utils.translation import trans_real

    kazakh = trans_real.translation("kk")._catalog  # without the fallback to Russian
    assert [msgid for msgid in russian if msgid not in kazakh] == []


@pytest.mark.parametrize(
    ("url", "kazakh", "russian"),
    [
        ("/admin/", "Сайтты ашу", "Открыть сайт"),
        ("/admin/claims/claim/", "Сүзу үшін тере бастаңыз…", "Начните печатать"),
        ("/admin/claims/claim/", "Сандарды көрсету", "Показать счётчики"),
    ],
)
def test_the_kazakh_admin_speaks_kazakh(client, officer, url, kazakh, russian):
    officer.language = "kk"
    client.force_login(officer)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert kazakh in page
    assert russian not in page


def test_the_admin_calendar_widget_speaks_kazakh(client, officer):
    client.force_login(officer)
    script = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert "\\u049a\\u0430\\u04a3\\u0442\\u0430\\u0440" in script or "Қаңтар" in script
    assert "\\u042f\\u043d\\u0432" not in script  # "Янв" (abbreviated January, Russian)


def test_history_pages_speak_russian_and_kazakh(client, officer):
    site_header = str(django_admin.site.site_header)
    assert site_header
    with translation.override("ru"):
        assert translation.gettext("Change reason") == "Причина изменения"
    with translation.override("kk"):
        assert translation.gettext("Change reason") == "Өзгерту себебі"
        assert translation.gettext("Changed by") == "Кім өзгертті"


@pytest.mark.parametrize(
    ("language", "expected"), [("kk", "21 қазан"), ("ru", "21 октября"), ("en", "21 October")]
)
def test_months_mid_sentence(language, expected):
    with translation.override(language):
        assert short_date(date(2026, 10, 21)) == expected
