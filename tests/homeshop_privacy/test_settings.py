"""Issue 8 item 9: production-safe defaults, an explicit development profile, key rotation,
the proxy header and the security headers, each checked in a fresh process with the
environment an operator would set (settings are read once, at import)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core import signing

from consents.tokens import SALT

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "x" * 20 + "-a-long-random-production-key-9f3k2l1m0n"

# Variables that choose the profile: a test names the ones it wants and nothing leaks in
# from the shell that runs pytest.
_PROFILE_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "DJANGO_ENV",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FALLBACKS",
    "DJANGO_BEHIND_PROXY",
    "DJANGO_ALLOWED_HOSTS",
    "SITE_URL",
)


def _clean_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    for key in _PROFILE_VARIABLES:
        env.pop(key, None)
    env["HOMESHOP_ENV_FILE"] = ""  # a developer's .env is not the bare machine
    env.update(overrides)
    return env


def _manage(*args, **env_overrides):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_clean_env(**env_overrides),
        capture_output=True,
        text=True,
    )


def _production(tmp_path, **extra):
    return {
        "DJANGO_SECRET_KEY": PRODUCTION_KEY,
        "DJANGO_ALLOWED_HOSTS": "privacy.homeshop.kz",
        "SITE_URL": "https://privacy.homeshop.kz",
        "HOMESHOP_VAR_DIR": str(tmp_path),
        **extra,
    }


def _print_settings(expression, **env):
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        f"from django.conf import settings as s; print({expression})",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_profile_passes_check_deploy_without_warnings(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_production(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_with_no_environment_at_all_the_profile_is_production_and_needs_a_key(tmp_path):
    # Before: DEBUG on and a built-in key when nothing was set.
    result = _manage("check", HOMESHOP_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage("check", DJANGO_DEBUG="false", HOMESHOP_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_stays_off_in_production_unless_asked(tmp_path):
    assert _print_settings("s.DEBUG", **_production(tmp_path)) == "False"


def test_debug_cannot_be_switched_on_in_the_production_profile(tmp_path):
    result = _manage("check", **_production(tmp_path, DJANGO_DEBUG="true"))
    assert result.returncode != 0
    assert "DJANGO_ENV=development" in result.stderr


def test_development_profile_has_a_key_but_debug_only_when_asked(tmp_path):
    env = {"DJANGO_ENV": "development", "HOMESHOP_VAR_DIR": str(tmp_path)}
    assert _print_settings("s.DEBUG, bool(s.SECRET_KEY)", **env) == "False True"
    assert _print_settings("s.DEBUG", DJANGO_DEBUG="true", **env) == "True"


def test_makefile_turns_on_the_development_profile_for_run_and_test():
    result = subprocess.run(
        [
            "make",
            "-s",
            "--eval",
            'ops-profile-probe: ; @echo "$$DJANGO_ENV $$DJANGO_DEBUG"',
            "ops-profile-probe",
        ],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["development", "true"]


def test_bare_machine_defaults_of_make_run(tmp_path):
    # `make run` exports the development profile and nothing else: the embedded default.
    out = _print_settings(
        "s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND,"
        " s.TIME_ZONE, s.LANGUAGE_CODE, [c for c, _ in s.LANGUAGES]",
        DJANGO_ENV="development",
        DJANGO_DEBUG="true",
        HOMESHOP_VAR_DIR=str(tmp_path),
    )
    assert out.split(" ", 4)[:4] == [
        "django.db.backends.sqlite3",
        "filesystem://localhost//",
        # One file per email (Django's file backend can put several in one file).
        "homeshop_privacy.email_backends.FileEmailBackend",
        "Asia/Almaty",
    ]
    assert "['ru', 'kk', 'en']" in out


def _probe(tmp_path, **extra):
    # As an operator deploys (`make serve`): the static files are collected first; the
    # pages (the landing page the probe asks for) name them by their hashed names.
    collected = _manage("collectstatic", "--noinput", **_production(tmp_path, **extra))
    assert collected.returncode == 0, collected.stderr
    result = _manage("deploy_probe", **_production(tmp_path, **extra))
    report = json.loads(result.stdout)
    return result, report


def test_a_request_through_the_production_profile_carries_the_security_headers(tmp_path):
    result, report = _probe(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    headers = report["https"]["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'"


def test_a_spoofed_forwarded_proto_over_plain_http_is_still_redirected(tmp_path):
    # Before: SECURE_PROXY_SSL_HEADER was always on, so this request counted as HTTPS.
    result, report = _probe(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert report["http_with_spoofed_forwarded_proto"]["status"] == 301
    assert report["http_with_spoofed_forwarded_proto"]["location"].startswith(
        "https://privacy.homeshop.kz/"
    )


def test_behind_a_declared_proxy_the_forwarded_proto_is_trusted(tmp_path):
    result, report = _probe(tmp_path, DJANGO_BEHIND_PROXY="true")

    assert result.returncode == 0, result.stdout + result.stderr
    # The landing page itself (issue 13), not a redirect to https://.
    assert report["http_with_spoofed_forwarded_proto"]["status"] == 200
    assert report["http_with_spoofed_forwarded_proto"]["location"] == ""
    assert report["https"]["headers"]["Strict-Transport-Security"]


def test_unsubscribe_links_signed_with_a_rotated_key_still_verify(tmp_path):
    old_key = "an-old-production-key-" + "o" * 30
    token = signing.dumps({"c": 41, "p": "4.2.6"}, key=old_key, salt=SALT, compress=False)
    read = "from consents.tokens import unsubscribe_token_read as r; print(r(token={!r}))"

    rotated = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        read.format(token),
        **_production(tmp_path, DJANGO_SECRET_KEY_FALLBACKS=old_key),
    )
    not_rotated = _manage("shell", "-v", "0", "-c", read.format(token), **_production(tmp_path))

    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip() == "UnsubscribeToken(customer_id=41, purpose_code='4.2.6')"
    assert not_rotated.stdout.strip() == "None"
