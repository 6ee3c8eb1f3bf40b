import csv
import hashlib
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from consents.models import PolicyVersion
from consents.proof import consent_proof, consent_proof_csv, consent_proof_json

from .factories import grant, withdraw

pytestmark = pytest.mark.django_db
T = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))


@pytest.fixture
def history(customer):
    grant(
        customer,
        at=T,
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 (iPhone)",
        wording_text="Хочу получать акции",
    )
    withdraw(customer, at=T.replace(hour=11), channel="email_link")
    return customer


def test_json_proof_lists_every_event_with_its_evidence(history):
    proof = json.loads(consent_proof_json(customers=[history]))

    assert [(e["action"], e["channel"]) for e in proof["events"]] == [
        ("grant", "registration"),
        ("withdraw", "email_link"),
    ]
    first = proof["events"][0]
    assert first["occurred_at"] == "2026-11-20T10:00:00+05:00"
    assert first["purpose_code"] == "4.2.6"
    assert (first["ip_address"], first["user_agent"]) == ("203.0.113.7", "Mozilla/5.0 (iPhone)")
    assert first["wording_text"] == "Хочу получать акции"
    assert len(first["wording_sha256"]) == 64


def test_json_proof_carries_the_policy_text_each_event_referred_to(history):
    proof = consent_proof(customer=history)
    v1 = PolicyVersion.objects.get(label="1")

    assert [v["label"] for v in proof["policy_versions"]] == ["1"]
    assert proof["policy_versions"][0]["text_ru"] == v1.text_ru
    digest = hashlib.sha256(v1.text_ru.encode()).hexdigest()
    assert {e["policy_text_sha256"] for e in proof["events"]} == {digest}


def test_json_proof_states_the_current_choice(history):
    state = {s["purpose_code"]: s for s in consent_proof(customer=history)["current_state"]}

    assert state["4.2.6"]["granted"] is False
    assert state["4.2.1"]["may_process"] is True  # contract basis


def test_csv_proof_has_one_row_per_event(history):
    rows = list(csv.DictReader(io.StringIO(consent_proof_csv(customers=[history]))))

    assert [r["action"] for r in rows] == ["grant", "withdraw"]
    assert rows[0]["policy_version"] == "1"
    assert rows[0]["ip_address"] == "203.0.113.7"


def test_csv_proof_neutralises_spreadsheet_formulas(customer):
    grant(customer, user_agent='=HYPERLINK("http://evil")')

    row = next(csv.DictReader(io.StringIO(consent_proof_csv(customers=[customer]))))

    assert row["user_agent"].startswith("'=")
