"""Issue 9 §5: property-based tests over every service and form that takes text, dates,
numbers or files. Whatever comes in, the answer is a refusal a person can read
(``DomainError``, or a form error) or a valid write; never a server error, and a refusal
leaves every table (history included) as it was.

Explicit settings keep this deterministic (``derandomize``) and fast (a few dozen
examples each, the whole file well under 90 seconds on CI).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import AccountClosureRequest, Address, Customer, EmailChangeRequest
from claims import services as claim_services
from claims.models import Claim, ClaimAnswer
from consents import services as consent_services
from consents.models import ConsentEvent, ConsentWording, Purpose
from disclosures import services as disclosure_services
from disclosures.models import Disclosure, Recipient, WrittenPermission
from homeshop_privacy.errors import DomainError
from homeshop_privacy.models import OutboundMessage
from tests.accounts.factories import SignedUpCustomerFactory
from tests.claims.factories import ClaimCategoryFactory, register
from tests.disclosures.factories import RecipientFactory
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PROPERTIES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a hostile or careless sender might send: anything, NUL and controls, very long
# strings, lookalike email addresses.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(min_size=250, max_size=300),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\u200b", "\ufeff", "<script>", "' OR 1=1 --"]),
)
emails = st.one_of(
    st.emails(),
    hostile_text,
    st.sampled_from(["bob@example.kz\u200b", "bob@\u0435xample.kz", "ｂｏｂ@example.kz"]),
)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)


def _counts(*models) -> dict[str, int]:
    """Rows of each model and of its history table."""
    counts = {}
    for model in models:
        counts[model._meta.label] = model.objects.count()
        history = getattr(model, "history", None)
        if history is not None:
            counts[f"{model._meta.label} history"] = history.model.objects.count()
    return counts


def refused_cleanly(call, *models) -> bool:
    """Run ``call``; on a refusal, nothing was written. Any other exception fails."""
    before = _counts(*models, OutboundMessage)
    try:
        call()
    except DomainError:
        assert _counts(*models, OutboundMessage) == before
        return True
    return False


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"


# accounts ------------------------------------------------------------------------------


@PROPERTIES
@given(first=hostile_text, last=hostile_text, phone=hostile_text, email=emails)
def test_customer_create(db, first, last, phone, email):
    refused_cleanly(
        lambda: account_services.customer_create(
            actor=None, first_name=first, last_name=last, phone=phone, email=email
        ),
        Customer,
    )


@PROPERTIES
@given(first=hostile_text, phone=hostile_text, language=hostile_text)
def test_customer_update(customer, first, phone, language):
    refused_cleanly(
        lambda: account_services.customer_update(
            customer=customer,
            actor=None,
            first_name=first,
            phone=phone,
            preferred_language=language,
        ),
        Customer,
    )


@PROPERTIES
@given(city=hostile_text, street=hostile_text, apartment=hostile_text, postal=hostile_text)
def test_address_save(customer, city, street, apartment, postal):
    address = Address(
        customer=customer, city=city, street=street, apartment=apartment, postal_code=postal
    )
    refused_cleanly(lambda: account_services.address_save(address=address, actor=None), Address)


@PROPERTIES
@given(new_email=emails)
def test_email_change_request(customer, new_email):
    refused_cleanly(
        lambda: account_services.customer_email_change_request(
            customer=customer, new_email=new_email, actor=None
        ),
        EmailChangeRequest,
    )


@pytest.fixture
def signed_in(db):
    me = SignedUpCustomerFactory()
    client = Client(raise_request_exception=False)
    client.force_login(me.user)
    return me, client


@PROPERTIES
@given(first=hostile_text, phone=hostile_text, email=emails, language=hostile_text)
def test_account_edit_form(signed_in, first, phone, email, language):
    me, client = signed_in
    before = _counts(Customer, EmailChangeRequest, OutboundMessage)
    stored = Customer.objects.values().get(pk=me.pk)
    data = {"first_name": first, "last_name": "Б", "phone": phone, "email": email}
    data["preferred_language"] = language
    response = client.post(reverse("accounts:edit"), data)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert Customer.objects.values().get(pk=me.pk) == stored
        assert _counts(Customer, EmailChangeRequest, OutboundMessage) == before


@PROPERTIES
@given(city=hostile_text, street=hostile_text, postal=hostile_text)
def test_account_address_form(signed_in, city, street, postal):
    _me, client = signed_in
    before = _counts(Address)
    response = client.post(
        reverse("accounts:address_add"), {"city": city, "street": street, "postal_code": postal}
    )
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert _counts(Address) == before


@PROPERTIES
@given(comment=hostile_text, confirm=st.sampled_from(["", "on", "\x00"]))
def test_account_closure_form(signed_in, comment, confirm):
    _me, client = signed_in
    before = _counts(AccountClosureRequest, OutboundMessage)
    response = client.post(reverse("accounts:close"), {"comment": comment, "confirm": confirm})
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert _counts(AccountClosureRequest, OutboundMessage) == before


# consents ------------------------------------------------------------------------------


@PROPERTIES
@given(
    purpose=st.one_of(st.sampled_from(["4.2.6", "4.2.5", "4.2.7"]), hostile_text),
    action=st.one_of(st.sampled_from(["grant", "withdraw"]), hostile_text),
    channel=st.one_of(st.sampled_from(["account_page", "admin"]), hostile_text),
    ip=st.one_of(st.none(), st.ip_addresses().map(str), hostile_text),
    agent=hostile_text,
    wording=hostile_text,
    note=hostile_text,
    at=st.one_of(st.none(), moments),
)
def test_consent_grant_and_withdraw(
    customer, purpose, action, channel, ip, agent, wording, note, at
):
    refused_cleanly(
        lambda: consent_services.consent_record(
            customer=customer,
            purpose_code=purpose,
            action=action,
            channel=channel,
            ip_address=ip,
            user_agent=agent,
            wording_text=wording,
            note=note,
            occurred_at=at,
        ),
        ConsentEvent,
        ConsentWording,
    )


# disclosures ---------------------------------------------------------------------------


@PROPERTIES
@given(
    name=hostile_text,
    kind=st.one_of(st.sampled_from(Recipient.Kind.values), hostile_text),
    bin=hostile_text,
    country=hostile_text,
    contact=hostile_text,
    agreement=hostile_text,
    agreed_on=st.one_of(st.none(), days),
)
def test_recipient_create(db, name, kind, bin, country, contact, agreement, agreed_on):
    refused_cleanly(
        lambda: disclosure_services.recipient_create(
            actor=None,
            legal_name=name,
            kind=kind,
            bin=bin,
            country=country,
            contact=contact,
            agreement_reference=agreement,
            agreement_date=agreed_on,
        ),
        Recipient,
    )


@pytest.fixture
def courier(db):
    return RecipientFactory(kind=Recipient.Kind.COURIER)


@PROPERTIES
@given(
    categories=st.lists(st.one_of(st.sampled_from(["contact", "address"]), hostile_text)),
    scope=hostile_text,
    signed_on=days,
    reference=hostile_text,
    valid_until=st.one_of(st.none(), days),
    purpose=st.one_of(st.just(""), st.just("4.2.3"), hostile_text),
    scan=st.one_of(st.none(), st.binary(max_size=64)),
)
def test_written_permission_record(
    customer, courier, categories, scope, signed_on, reference, valid_until, purpose, scan
):
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + scan) if scan is not None else None
    refused_cleanly(
        lambda: disclosure_services.written_permission_record(
            actor=None,
            customer=customer,
            recipient=courier,
            categories=categories,
            scope=scope,
            signed_on=signed_on,
            document_reference=reference,
            valid_until=valid_until,
            purpose_code=purpose,
            scan=upload,
        ),
        WrittenPermission,
    )


@PROPERTIES
@given(
    basis=st.one_of(st.sampled_from(Disclosure.Basis.values), hostile_text),
    purpose=st.one_of(st.sampled_from(["4.2.3", "4.2.5"]), hostile_text),
    categories=st.lists(st.one_of(st.sampled_from(["contact", "address"]), hostile_text)),
    at=moments,
    order_number=hostile_text,
    line_email=emails,
    reference=hostile_text,
    request_number=hostile_text,
    request_date=st.one_of(st.none(), days),
    ground=hostile_text,
    note=hostile_text,
)
def test_disclosure_record(
    courier,
    basis,
    purpose,
    categories,
    at,
    order_number,
    line_email,
    reference,
    request_number,
    request_date,
    ground,
    note,
):
    lines = [disclosure_services.LineInput(order_number=order_number, customer_email=line_email)]
    refused_cleanly(
        lambda: disclosure_services.disclosure_record(
            actor=None,
            recipient=courier,
            basis=basis,
            purpose_code=purpose,
            categories=categories,
            disclosed_at=at,
            lines=lines,
            reference=reference,
            request_number=request_number,
            request_date=request_date,
            legal_ground=ground,
            note=note,
        ),
        Disclosure,
    )


# claims --------------------------------------------------------------------------------


@PROPERTIES
@given(
    channel=st.one_of(st.sampled_from(Claim.Channel.values), hostile_text),
    subject=hostile_text,
    text=hostile_text,
    name=hostile_text,
    email=emails,
    phone=hostile_text,
    address=hostile_text,
    language=hostile_text,
    received_at=moments,
)
def test_claim_register(
    db, channel, subject, text, name, email, phone, address, language, received_at
):
    category = ClaimCategoryFactory(code="property")
    refused_cleanly(
        lambda: claim_services.claim_register(
            actor=None,
            category=category,
            received_at=received_at,
            channel=channel,
            subject=subject,
            text=text,
            claimant_name=name,
            claimant_email=email,
            claimant_phone=phone,
            claimant_address=address,
            claimant_language=language,
        ),
        Claim,
    )


@PROPERTIES
@given(body=hostile_text, tracking=hostile_text, by_email=st.booleans())
def test_claim_answer(officer, body, tracking, by_email):
    claim = register(assignee=officer)
    refused_cleanly(
        lambda: claim_services.claim_answer_draft(claim=claim, actor=officer, body=body),
        ClaimAnswer,
    )
    draft = claim_services.claim_answer_draft(
        claim=claim, actor=officer, body="Ответ по существу: возврат одобрен."
    )
    refused_cleanly(
        lambda: claim_services.claim_answer_send(
            answer=draft, actor=officer, by_email=by_email, tracking_number=tracking
        ),
        Claim,
        ClaimAnswer,
    )


@PROPERTIES
@given(subject=hostile_text, text=hostile_text, files=st.lists(st.binary(max_size=64), max_size=3))
def test_customer_claim_form(signed_in, subject, text, files):
    me, client = signed_in
    ClaimCategoryFactory(code="property")
    before = _counts(Claim, OutboundMessage)
    uploads = [SimpleUploadedFile(f"f{i}.pdf", content) for i, content in enumerate(files)]
    data = {"subject": subject, "text": text, "category": "", "attachments": uploads}
    response = client.post(reverse("claims:new"), data)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert _counts(Claim, OutboundMessage) == before


def test_numbers_and_dates_in_an_order_record_are_refused_cleanly(customer):
    """Numbers: a total the column cannot hold is a refusal, not a database error."""
    for total in (Decimal("1e20"), Decimal("-1"), Decimal("NaN")):
        assert refused_cleanly(
            lambda total=total: account_services.order_record(
                customer=customer,
                number="HS-X",
                placed_at=datetime(2026, 1, 1, tzinfo=UTC),
                seller_name="Продавец",
                total=total,
            ),
            Customer,
        )
    OrderFactory(customer=customer)  # the fixture still writes a valid one
    assert Purpose.objects.exists()
    assert CustomerFactory()
