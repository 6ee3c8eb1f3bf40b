"""Issue 9 §6: the README's backup and restore, done for real. The test database is dumped
with pg_dump -Fc, restored with pg_restore into a fresh database, and the restored copy is
checked by ``manage.py backup_verify`` (row counts of every table, legal records included,
and ledger_verify once installed), exactly as an operator would after a restore."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from homeshop_privacy.backups import table_row_counts
from homeshop_privacy.models import PersonalDataAccess
from tests.claims.factories import register
from tests.consents.factories import grant, withdraw
from tests.disclosures.factories import WrittenPermissionFactory
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        PGHOST=db.get("HOST") or "127.0.0.1",
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=db.get("USER") or "postgres",
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(*args, env=None):
    result = subprocess.run(args, cwd=ROOT, env=env or _pg_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def fresh_database():
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    _run("createdb", name)
    try:
        yield name
    finally:
        _run("dropdb", "--force", "--if-exists", name)


def _legal_records(officer):
    customer = CustomerFactory()
    grant(customer)
    withdraw(customer)
    grant(customer, purpose_code="4.2.6")
    register(customer=customer)
    register()
    WrittenPermissionFactory()
    PersonalDataAccess.objects.create(
        user=officer, action=PersonalDataAccess.Action.VIEW, subject_key="accounts.customer:1"
    )


def test_a_dump_restored_into_a_fresh_database_verifies_with_the_same_rows(
    tmp_path, fresh_database, officer
):
    _legal_records(officer)
    expected = table_row_counts()
    dump = tmp_path / "homeshop_privacy.dump"

    _run("pg_dump", "-Fc", "--no-owner", "-d", connection.settings_dict["NAME"], "-f", str(dump))
    _run("pg_restore", "--no-owner", "--exit-on-error", "-d", fresh_database, str(dump))
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env["DATABASE_URL"] = (
        f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{fresh_database}"
    )
    env["HOMESHOP_VAR_DIR"] = str(tmp_path / "var")
    verified = _run(sys.executable, "manage.py", "backup_verify", env=env)

    restored = json.loads(verified.stdout)
    assert restored == expected
    for legal_table in (
        "consents.consentevent",
        "claims.historicalclaim",
        "claims.claim",
        "disclosures.writtenpermission",
        "homeshop_privacy.personaldataaccess",
    ):
        assert restored[legal_table] > 0, legal_table
