import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
        env.pop(key, None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_profile_passes_check_deploy_without_warnings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 20 + "-a-long-random-production-key-9f3k2l1m0n",
        HOMESHOP_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage("check", DJANGO_DEBUG="false", HOMESHOP_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_bare_machine_defaults(tmp_path):
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND,"
        " s.TIME_ZONE, s.LANGUAGE_CODE, [c for c, _ in s.LANGUAGES])",
        HOMESHOP_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 4)[:4] == [
        "django.db.backends.sqlite3",
        "filesystem://localhost//",
        # One file per email (Django's file backend can put several in one file).
        "homeshop_privacy.email_backends.FileEmailBackend",
        "Asia/Almaty",
    ]
    assert "['ru', 'kk', 'en']" in result.stdout
