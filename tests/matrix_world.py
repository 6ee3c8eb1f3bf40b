"""The records, sessions and requests behind the permission matrix (tests/permission_matrix.py).

``build_world()`` writes one small set of invented records (one per admin model, a
signed-in customer with claims and files, one user per role) once per test module;
``request_for()`` turns a matrix cell into the request that exercises it; the form data
of every write is read from the page a browser would have shown (``FormParser``), then
the field under test is changed, so a refused write is refused for the right reason
and an allowed one demonstrably writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import SecurityEvent
from accounts.sign_in_links import first_sign_in_token_make, sign_in_token_make
from claims import services as claim_services
from consents import services as consent_services
from consents.models import Purpose
from consents.tokens import unsubscribe_token_make
from disclosures import services as disclosure_services
from disclosures.models import Disclosure
from disclosures.services import LineInput
from homeshop_privacy import roles
from homeshop_privacy.api.keys import api_key_create
from homeshop_privacy.api.webhooks import webhook_endpoint_save
from homeshop_privacy.history import save_tracked
from homeshop_privacy.models import (
    CalendarOverride,
    Mailing,
    OutboundMessage,
    PersonalDataAccess,
    RetentionRule,
    RetentionRun,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from tests import permission_matrix as pm
from tests.accounts.factories import SignedUpCustomerFactory
from tests.claims.factories import ClaimCategoryFactory, approved_and_sent, register
from tests.consents.factories import PolicyVersionFactory, grant
from tests.disclosures.factories import RecipientFactory
from tests.factories import (
    AddressFactory,
    CustomerFactory,
    OrderFactory,
    StaffFactory,
    UserFactory,
    VisitEventFactory,
)
from tests.two_factor import staff_login

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-new-Passw0rd-for-the-matrix"
PDF = b"%PDF-1.4\n% invented test document\n%%EOF\n"
IDENTITY_CODE = "24681357"

# Tables whose rows a read may write by design: sessions, the 1.5 access log, the admin's
# own change log and django-axes' logs of sign-ins (both switched off in settings). Every
# other table must be unchanged after a refused write, the failed sign-in attempts
# included: a lock lifted without the audited "unlock" is a write like any other.
NOT_DATA = (
    "django_session",
    "homeshop_privacy_personaldataaccess",
    "django_admin_log",
    "axes_accesslog",
    "axes_accessfailurelog",
)


# --- the records ----------------------------------------------------------------------------


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    now = timezone.now()
    su = UserFactory(is_staff=True, is_superuser=True, email="root@homeshop.kz")
    officer = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    me = SignedUpCustomerFactory(first_name="Айгерим", last_name="Сейткалиева")
    w.users = {
        pm.SU: su,
        pm.OFFICER: officer,
        pm.SUPPORT: StaffFactory(role=roles.SUPPORT_AGENT),
        pm.AUDITOR: StaffFactory(role=roles.AUDITOR),
        pm.STAFF: StaffFactory(),
        pm.CUSTOMER: me.user,
    }
    w.me = me
    # Targets of the admin: a colleague's staff account, another customer and their data.
    w.colleague = StaffFactory(role=roles.COMPLIANCE_OFFICER)
    w.group = Group.objects.create(name="Matrix test group")
    target = CustomerFactory()
    AddressFactory(customer=target)
    w.other_address = AddressFactory(customer=target)
    order = OrderFactory(customer=target)  # in the register below: protected
    w.my_address = AddressFactory(customer=me)
    my_order = OrderFactory(customer=me)
    closure, _new = account_services.account_closure_request(customer=target, actor=None)

    draft = PolicyVersionFactory(label="matrix-draft")
    published = PolicyVersionFactory(label="matrix-published", is_material=True)
    consent_services.policy_version_publish(version=published, actor=officer)
    w.published_label = published.label
    event = grant(target, "4.2.6")
    grant(me, "4.2.6")
    w.unsubscribe_token = unsubscribe_token_make(customer_id=me.pk, purpose_code="4.2.6")

    recipient = RecipientFactory()
    w.recipient = recipient
    permission = disclosure_services.written_permission_record(
        actor=officer,
        customer=target,
        recipient=RecipientFactory(kind="other"),
        categories=["identity", "contact"],
        scope="Передача ФИО и телефона партнёру программы лояльности",
        signed_on=timezone.localdate() - dt.timedelta(days=3),
        document_reference="WP-MATRIX-1",
        purpose_code="4.2.8",
        scan=SimpleUploadedFile("wp.pdf", PDF, "application/pdf"),
    )
    disclosure = disclosure_services.disclosure_record(
        actor=officer,
        recipient=recipient,
        basis=Disclosure.Basis.ORDER_FULFILMENT,
        purpose_code="4.2.3",
        categories=["identity", "contact", "address"],
        disclosed_at=now - dt.timedelta(days=1),
        reference="MAN-MATRIX-1",
        lines=[LineInput(order.number)],
    )
    breach = disclosure_services.breach_record(
        actor=officer,
        reference="BR-MATRIX-1",
        title="Lost courier manifest",
        description="A courier lost a printed manifest.",
        discovered_at=now - dt.timedelta(hours=5),
        categories=["identity", "contact", "address"],
        notice_ru="Курьер утерял бумажный список доставок с вашими данными.",
        # Complete for the filing, so that the status and filing views can write.
        kind="loss",
        severity="medium",
        people_categories="Покупатели",
        people_estimate=1,
        consequences="Нежелательные звонки.",
        containment_notes="Копии отозваны.",
        responsible_name="Ответственный за обработку (матрица)",
        responsible_contacts="+7 727 000 00 00",
    )
    # 5.4.3: a state body's request, hidden from the customer until an officer decides.
    w.state_request = disclosure_services.disclosure_record(
        actor=officer,
        recipient=RecipientFactory(kind="state_authority"),
        basis=Disclosure.Basis.STATE_AUTHORITY,
        purpose_code="4.2.2",
        categories=["identity"],
        disclosed_at=now - dt.timedelta(days=1),
        lines=[LineInput(customer_id=target.pk)],
        request_number="MATRIX-REQ-1",
        request_date=timezone.localdate() - dt.timedelta(days=2),
        legal_ground="Matrix ground",
    )
    disclosure_services.breach_add_affected(
        incident=breach, customer_ids=[target.pk], actor=officer
    )
    # 5.4.4 fan-out pages: a customer not yet affected (to add), and an incident already
    # notified whose one notice failed for good (to retry).
    w.spare_customer = CustomerFactory(email="spare@matrix.example.kz")
    notified = disclosure_services.breach_record(
        actor=officer,
        reference="BR-MATRIX-2",
        title="Mail sent to the wrong list",
        description="Invented.",
        discovered_at=now - dt.timedelta(hours=2),
        categories=["contact"],
        notice_ru="Ваш email мог увидеть другой покупатель.",
    )
    disclosure_services.breach_add_affected(
        incident=notified, customer_ids=[target.pk], actor=officer
    )
    disclosure_services.breach_notification_start(incident=notified, actor=officer)
    disclosure_services.breach_notify_customers(incident=notified)
    failed = OutboundMessage.objects.get(reason=disclosure_services.BREACH_REASON)
    failed.status, failed.attempts = OutboundMessage.Status.FAILED, 8
    failed.save(update_fields=["status", "attempts"])
    Mailing.objects.filter(pk=failed.mailing_id).update(failed=1)  # as the sender counts it
    w.notified_breach = notified

    category = ClaimCategoryFactory(code="matrix-category")
    received = now - dt.timedelta(days=1)

    def upload():
        return SimpleUploadedFile("чек.pdf", PDF, content_type="application/pdf")

    w.my_claim = register(
        category=category, customer=me, received_at=received, attachments=[upload()]
    )
    w.my_attachment = w.my_claim.attachments.get()
    other_claim = register(
        category=category, customer=target, received_at=received, attachments=[upload()]
    )
    w.other_claim = other_claim
    w.other_attachment = other_claim.attachments.get()
    answered = register(category=category, customer=me, received_at=received, order=my_order)
    # Four eyes (issue 9 §3): another officer approves what the officer wrote (not the
    # colleague above, whose account must stay deletable).
    w.answer = approved_and_sent(answered, author=officer)
    # An answer still in draft, for the letter preview of the admin.
    w.preview_claim = register(category=category, customer=target, received_at=received)
    claim_services.claim_answer_draft(claim=w.preview_claim, actor=officer)

    # Issue 11: a data-subject request of a customer with an email on file, not verified,
    # whose code (known here) is pending: sending, verifying and the officer's decision
    # each write.
    w.identity_claim = register(
        category=ClaimCategoryFactory(code="matrix-dsr", needs_identity_check=True),
        customer=target,
        actor=officer,
        received_at=received,
    )
    w.identity_claim.identity_code_digest = claim_services._code_digest(
        w.identity_claim.pk, IDENTITY_CODE
    )
    w.identity_claim.identity_code_expires_at = now + dt.timedelta(days=1)
    save_tracked(w.identity_claim, actor=None, reason="matrix: a code pending")

    failed = OutboundMessage.objects.create(
        reason="matrix.test",
        object_key="matrix:1",
        recipient="matrix@example.kz",
        subject="Invented message",
        body_text="Invented body.",
        message_id="<matrix-1@homeshop.kz>",
        status=OutboundMessage.Status.FAILED,
        attempts=5,
        last_error="invented failure",
    )
    override = CalendarOverride.objects.create(
        day=dt.date(2031, 1, 3), kind=CalendarOverride.Kind.DAY_OFF, note="Invented decree"
    )
    access = PersonalDataAccess.objects.create(
        user=officer,
        action=PersonalDataAccess.Action.VIEW,
        subject_key=f"accounts.customer:{target.pk}",
        path="/admin/",
    )

    # Sign-in protection (issue 8 items 6 and 7): a locked address and an audit row.
    attempt = AccessAttempt.objects.create(
        username="locked.out@example.kz",
        ip_address="203.0.113.9",
        user_agent="Invented browser",
        path_info="/account/login/",
        get_data="",
        post_data="",
        http_accept="*/*",
        failures_since_start=5,
    )
    security_event = SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.TWO_FACTOR_ENROLLED, user=officer, actor=officer, detail="admin"
    )
    # Links that are their own credential: a shop-created customer's first sign-in
    # (issue 8 item 6) and the confirmation of a new email address (issue 9 §5).
    w.first_sign_in_token = first_sign_in_token_make(CustomerFactory())
    w.sign_in_link_token = sign_in_token_make(CustomerFactory())
    change = account_services.customer_email_change_request(
        customer=me, new_email="aigerim.new@example.kz", actor=me.user
    )
    w.email_change_token = account_services.email_change_token(change)

    # Issue 12: a key (revoked by an officer's action) and an endpoint with a delivery
    # that failed for good (retried by an officer's action).
    api_key, _raw = api_key_create(name="Matrix shop", scopes=["orders:write"], actor=officer)
    endpoint, _secret = webhook_endpoint_save(
        endpoint=WebhookEndpoint(
            name="Matrix CRM", url="https://crm.example.kz/hooks", events=["consent.withdrawn"]
        ),
        actor=officer,
    )
    delivery = WebhookDelivery.objects.create(
        event=WebhookEvent.objects.create(type="consent.withdrawn", payload={"customer_id": 1}),
        endpoint=endpoint,
        status=WebhookDelivery.Status.FAILED,
        attempts=12,
        last_error="HTTP 500",
    )

    w.objects = {
        "auth.group": w.group,
        "accounts.user": w.colleague,
        "accounts.customer": target,
        "accounts.order": OrderFactory(customer=target),
        "accounts.visitevent": VisitEventFactory(),
        "accounts.accountclosurerequest": closure,
        "accounts.customerhold": account_services.customer_hold_place(
            customer=target, actor=officer, reason="Court request (matrix)"
        ),
        "accounts.securityevent": security_event,
        "axes.accessattempt": attempt,
        "consents.policyversion": draft,
        # The catalogue is seeded by a migration, without a version in its history.
        "consents.purpose": save_tracked(
            Purpose.objects.get(code="4.2.6"), actor=officer, reason="matrix version"
        ),
        "consents.consentevent": event,
        "disclosures.recipient": recipient,
        "disclosures.writtenpermission": permission,
        "disclosures.disclosure": disclosure,
        "disclosures.breachincident": breach,
        "claims.claimcategory": category,
        "claims.claim": other_claim,
        "homeshop_privacy.outboundmessage": failed,
        "homeshop_privacy.calendaroverride": override,
        "homeshop_privacy.personaldataaccess": access,
        "homeshop_privacy.apikey": api_key,
        "homeshop_privacy.webhookendpoint": endpoint,
        "homeshop_privacy.webhookdelivery": delivery,
        "homeshop_privacy.retentionrule": RetentionRule.objects.get_or_create(
            code="matrix_rule",
            defaults={
                "category": "orders",
                "event": "last_order",
                "keep_days": 1825,
                "action": "keep",
                "legal_reason": "Accounting documents are kept five years.",
            },
        )[0],
        "homeshop_privacy.retentionrun": RetentionRun.objects.create(status="done", counts={}),
    }
    # Objects an action works on, when not the model's target above.
    w.action_objects = {("consents.policyversion", "notify_again"): published}
    w.sessions = {}
    for role, user in w.users.items():
        client = staff_login(Client(), user)
        w.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Staff signed in with the password alone, the second factor still to come.
    w.password_only_sessions = {}
    for role in pm.STAFF_ROLES:
        client = staff_login(Client(), w.users[role], otp=False)
        w.password_only_sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    w.form_cache = {}
    # Each test starts from this state (it rolls back to it), so one digest serves all.
    w.baseline = fingerprint()
    return w


def client_for(world, role: str, *, password_only: bool = False) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    sessions = world.password_only_sessions if password_only else world.sessions
    if role in sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    return client


# --- the database, before and after -----------------------------------------------------


def _data_tables() -> list[str]:
    return sorted(t for t in connection.introspection.table_names() if t not in NOT_DATA)


def fingerprint() -> dict[str, str]:
    """One digest per table of every row: a refused write leaves each one unchanged."""
    tables = _data_tables()
    sql = " UNION ALL ".join(
        f"SELECT %s, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
        f'FROM "{table}" x'
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in after if before.get(t) != after[t])


# --- reading a form as a browser would submit it ------------------------------------------


class FormParser(HTMLParser):
    """The successful controls of each <form> of a page (no JavaScript, as in a browser)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"attrs": a, "fields": [], "names": set()}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form["names"].add(name)
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if "disabled" in a:
                return
            self._form["fields"].append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._form["names"].add(name)
            self._select = {"name": name, "multiple": "multiple" in a, "chosen": [], "first": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._form["names"].add(name)
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            s = self._select
            chosen = s["chosen"] or ([] if s["multiple"] or s["first"] is None else [s["first"]])
            self._form["fields"] += [(s["name"], v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._form["fields"].append((name, text.removeprefix("\n")))
            self._textarea = None


def form_data(html: str, *, marker: str | None = None) -> dict:
    """The data of the page's main form (the one with ``marker`` among its fields, else the
    POST form with the most fields), as a dict of lists for the test client."""
    parser = FormParser()
    parser.feed(html)
    forms = [f for f in parser.forms if (f["attrs"].get("method") or "").lower() == "post"]
    if marker is not None:
        forms = [f for f in forms if marker in f["names"]] or forms
    if not forms:
        return {}
    chosen = max(forms, key=lambda f: len(f["names"]))
    data: dict[str, list] = {}
    for name, value in chosen["fields"]:
        data.setdefault(name, []).append(value)
    return data


def merged(data: dict, overrides: dict) -> dict:
    result = {k: list(v) for k, v in data.items()}
    for key, value in overrides.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value if isinstance(value, list | SimpleUploadedFile) else [value]
    return result


# --- requests per cell ----------------------------------------------------------------------


@dataclass
class Request:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    # The page whose form a browser would have posted, read as the superuser (admin) or
    # the customer (account pages); "" when the data is given whole.
    form_page: str = ""
    form_role: str = pm.SU
    marker: str | None = None
    overrides: dict = field(default_factory=dict)
    # A page the same browser opened first (the emailed link that puts its token in the
    # session before the form is posted).
    prime: str = ""


def _admin(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def _info(label: str) -> str:
    return label.replace(".", "_")


# The field each write changes; the new value must differ from the stored one.
CHANGE_EDITS = {
    "auth.group": {"name": "Renamed by the matrix"},
    "accounts.user": {"full_name": "Renamed by the matrix", "is_superuser": "on"},
    "accounts.customer": {"first_name": "Изменено"},
    "accounts.order": {"seller_name": "ТОО «Изменено»"},
    "accounts.visitevent": {"page_url": "https://homeshop.kz/changed/"},
    "accounts.accountclosurerequest": {"status": "refused", "decision_note": "Долг по заказу"},
    "accounts.securityevent": {"detail": "changed by the matrix"},
    "axes.accessattempt": {"failures_since_start": "0", "username": "changed@example.kz"},
    "consents.policyversion": {"change_summary_en": "Changed by the matrix."},
    "consents.purpose": {"title_en": "Changed by the matrix"},
    "consents.consentevent": {"note": "changed by the matrix", "action": "withdraw"},
    "disclosures.recipient": {"contact": "changed@courier.example.kz"},
    "disclosures.writtenpermission": {"revocation_reason": "Отозвано клиентом письменно"},
    "disclosures.disclosure": {"note": "changed by the matrix", "reference": "CHANGED"},
    "disclosures.breachincident": {"title": "Changed by the matrix"},
    "claims.claimcategory": {"term_days": "1"},
    "claims.claim": {"internal_notes": "changed by the matrix"},
    "homeshop_privacy.outboundmessage": {"subject": "changed", "status": "pending"},
    "homeshop_privacy.calendaroverride": {"note": "Changed by the matrix"},
    "homeshop_privacy.personaldataaccess": {"path": "/changed/"},
    "homeshop_privacy.apikey": {"name": "Renamed by the matrix"},
    "homeshop_privacy.webhookendpoint": {"name": "Renamed by the matrix"},
    "homeshop_privacy.webhookdelivery": {"status": "delivered"},
    "homeshop_privacy.retentionrule": {"keep_days": "1900"},
    "accounts.customerhold": {"reason": "changed by the matrix"},
    "homeshop_privacy.retentionrun": {"status": "failed"},
}


def add_data(world, label: str) -> dict:
    """What a person types into the add page of ``label`` (valid for a superuser)."""
    now = timezone.localtime()
    day, time = now.strftime("%Y-%m-%d"), now.strftime("%H:%M:%S")
    customer = world.objects["accounts.customer"]
    return {
        "auth.group": {"name": "Matrix added group"},
        "accounts.user": {
            "email": "added.by.matrix@homeshop.kz",
            "full_name": "Added",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
        "accounts.customer": {
            "first_name": "Данияр",
            "last_name": "Ахметов",
            "phone": "+77019998877",
            "email": "added.by.matrix@example.kz",
            "preferred_language": "ru",
        },
        "accounts.order": {
            "customer": str(customer.pk),
            "number": "HS-MATRIX-ADDED",
            "placed_at_0": day,
            "placed_at_1": time,
            "seller_name": "ТОО «Матрица»",
            "status": "paid",
            "total": "1000.00",
            "currency": "KZT",
        },
        "accounts.visitevent": {"page_url": "https://homeshop.kz/", "cookie_id": "c-added"},
        "accounts.accountclosurerequest": {"customer": str(customer.pk)},
        "accounts.securityevent": {"kind": "sign_in_unlocked", "detail": "added"},
        "axes.accessattempt": {"username": "added@example.kz", "failures_since_start": "1"},
        "consents.policyversion": {
            "label": "matrix-added",
            "effective_from_0": day,
            "effective_from_1": time,
            "change_summary": "Добавлено.",
            "text_ru": "Политика, редакция матрицы.",
        },
        "consents.purpose": {"code": "9.9.9", "title_en": "Added"},
        "consents.consentevent": {
            "customer": str(customer.pk),
            "purpose": str(Purpose.objects.get(code="4.2.6").pk),
            "action": "withdraw",
            "occurred_at_0": day,
            "occurred_at_1": time,
            "note": "signed form",
            "wording_text": "Отказываюсь от рассылок.",
        },
        "disclosures.recipient": {
            "legal_name": "ТОО «Добавлено матрицей»",
            "kind": "courier",
            "bin": RecipientFactory.build().bin,
            "country": "KZ",
            "contact": "dpo@added.example.kz",
            "agreement_reference": "DPA-MATRIX",
            "agreement_date": "2026-01-15",
            "is_active": "on",
        },
        "disclosures.writtenpermission": {
            "customer": str(customer.pk),
            "recipient": str(world.objects["disclosures.writtenpermission"].recipient_id),
            "purpose": str(Purpose.objects.get(code="4.2.8").pk),
            "categories": ["identity"],
            "scope": "Передача ФИО партнёру",
            "signed_on": day,
            "document_reference": "WP-MATRIX-ADDED",
        },
        "disclosures.disclosure": {
            "recipient": str(world.recipient.pk),
            "basis": Disclosure.Basis.ORDER_FULFILMENT,
            "purpose": str(Purpose.objects.get(code="4.2.3").pk),
            "categories": ["identity"],
            "order": str(world.objects["accounts.order"].pk),
            "disclosed_at_0": day,
            "disclosed_at_1": time,
            "reference": "MAN-MATRIX-ADDED",
        },
        "disclosures.breachincident": {
            "reference": "BR-MATRIX-ADDED",
            "title": "Added by the matrix",
            "description": "Invented.",
            "discovered_at_0": day,
            "discovered_at_1": time,
            "categories": ["identity"],
            "notice_ru": "Уведомление.",
        },
        "claims.claimcategory": {
            "name": "Добавлено матрицей",
            "code": "matrix-added",
            "term_days": "30",
            "is_active": "on",
        },
        "claims.claim": {
            "category": str(world.objects["claims.claimcategory"].pk),
            "received_at_0": day,
            "received_at_1": (now - dt.timedelta(minutes=1)).strftime("%H:%M:%S"),
            "channel": "email",
            "claimant_kind": "person",
            "claimant_name": "Ольга Ким",
            "claimant_email": "olga.kim@example.kz",
            "claimant_language": "ru",
            "subject": "Возврат",
            "text": "Прошу вернуть деньги.",
        },
        "homeshop_privacy.outboundmessage": {"subject": "added"},
        "homeshop_privacy.calendaroverride": {
            "day": "2031-01-06",
            "kind": "working_day",
            "note": "Added by the matrix",
        },
        "homeshop_privacy.personaldataaccess": {"path": "/added/"},
        "homeshop_privacy.apikey": {"name": "Matrix key", "scopes": ["customers:write"]},
        "homeshop_privacy.webhookendpoint": {
            "name": "Matrix CRM",
            "url": "https://crm.example.kz/matrix",
            "events": ["consent.withdrawn"],
            "is_active": "on",
        },
        "homeshop_privacy.webhookdelivery": {"status": "delivered"},
        "accounts.customerhold": {"customer": str(customer.pk), "reason": "Court request"},
        "homeshop_privacy.retentionrule": {
            "code": "matrix_added",
            "category": "orders",
            "event": "last_order",
            "keep_days": "1825",
            "action": "keep",
            "legal_reason": "Added by the matrix",
            "is_active": "on",
        },
        "homeshop_privacy.retentionrun": {"status": "done"},
    }[label]


def model_request(world, cell: pm.Cell, role: str) -> Request:
    label, kind = cell.target, cell.what
    obj = world.objects[label]
    if cell.variant == "self":
        obj = world.users[role]
    info = _info(label)
    pk = obj.pk
    edits = CHANGE_EDITS[label]
    if cell.variant == "self":
        group = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
        edits = {**edits, "groups": [str(group.pk)]}
    if kind == pm.CHANGELIST:
        return Request("GET", _admin(f"{info}_changelist"))
    if kind == pm.ADD_GET:
        return Request("GET", _admin(f"{info}_add"))
    if kind == pm.ADD_POST:
        url = _admin(f"{info}_add")
        overrides = {**add_data(world, label), "_save": "Save"}
        return Request("POST", url, form_page=url, overrides=overrides, marker="_save")
    if kind == pm.CHANGE_GET:
        return Request("GET", _admin(f"{info}_change", pk))
    if kind == pm.CHANGE_POST:
        url = _admin(f"{info}_change", pk)
        return Request("POST", url, form_page=url, overrides={**edits, "_save": "Save"})
    if kind == pm.DELETE_GET:
        return Request("GET", _admin(f"{info}_delete", pk))
    if kind == pm.DELETE_POST:
        return Request("POST", _admin(f"{info}_delete", pk), data={"post": "yes"})
    if kind == pm.HISTORY:
        return Request("GET", _admin(f"{info}_history", pk))
    # A model without history (the consent ledger) still gets the URL from its admin.
    history = getattr(obj, "history", None)
    version = history.order_by("history_id").first().history_id if history is not None else 1
    url = _admin(f"{info}_simple_history", pk, version)
    if kind == pm.VERSION_GET:
        return Request("GET", url)
    return Request("POST", url, form_page=url, overrides={**edits, "_save": "Save"})


def action_request(world, cell: pm.Cell) -> Request:
    label, name = cell.target, cell.what
    obj = world.action_objects.get((label, name), world.objects[label])
    data = {
        "action": name,
        "_selected_action": [str(obj.pk)],
        "index": "0",
        "select_across": "0",
    }
    if name == "void_selected":
        data["void_reason"] = "Записано по ошибке (матрица)"
    if name == "delete_selected":
        data["post"] = "yes"
    return Request("POST", _admin(f"{_info(label)}_changelist"), data=data)


def admin_view_request(world, cell: pm.Cell) -> Request:
    name, method = cell.target, cell.what
    if name == "auth_user_password_change":
        url = _admin(name, world.colleague.pk)
        if method == "GET":
            return Request("GET", url)
        overrides = {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        }
        return Request("POST", url, form_page=url, overrides=overrides, marker="password1")
    if name == "disclosures_writtenpermission_scan":
        return Request("GET", _admin(name, world.objects["disclosures.writtenpermission"].pk))
    if name == "disclosures_disclosure_export_csv":
        return Request("GET", _admin(name))
    if name == "disclosures_disclosure_visibility":
        url = _admin(name, world.state_request.pk)
        if method == "GET":
            return Request("GET", url)
        return Request("POST", url, data={"shown": "on", "reason": "Matrix decision"})
    breach = world.objects["disclosures.breachincident"]
    if name == "disclosures_breachincident_status":
        url = _admin(name, breach.pk)
        if method == "GET":
            return Request("GET", url)
        return Request("POST", url, data={"to": "assessed", "reason": ""})
    if name == "disclosures_breachincident_file":
        url = _admin(name, breach.pk)
        if method == "GET":
            return Request("GET", url)
        return Request("POST", url, data={"reference": "REG-MATRIX-1"})
    if name == "disclosures_breachincident_filing_document":
        return Request("GET", _admin(name, breach.pk, "kk"))
    if name == "claims_claim_answer_preview":
        return Request("GET", _admin(name, world.preview_claim.pk))
    if name.startswith("disclosures_breachincident_"):
        return _breach_fanout_request(world, name, method)
    if name == "claims_claim_step":
        url = _admin(name, world.objects["claims.claim"].pk, "review")
        if method == "GET":
            return Request("GET", url)
        return Request("POST", url, form_page=url)
    if name in IDENTITY_VIEWS:
        url = _admin(name, world.identity_claim.pk)
        if method == "GET":
            return Request("GET", url)
        return Request("POST", url, data=IDENTITY_VIEWS[name])
    if name == "homeshop_privacy_calendaroverride_year":
        return Request(method, _admin(name, 2027))
    raise KeyError(name)


# Issue 11: what each identity page posts (the code is the one pending in the world).
IDENTITY_VIEWS = {
    "claims_claim_identity_code_send": {},
    "claims_claim_identity_code_verify": {"code": IDENTITY_CODE},
    "claims_claim_no_personal_data": {"reason": "Не удалось подтвердить личность (матрица)."},
}


def _breach_fanout_request(world, name: str, method: str) -> Request:
    breach = world.objects["disclosures.breachincident"]
    target = breach.affected.values_list("customer_id", flat=True).first()
    if name == "disclosures_breachincident_retry_failed":
        return Request("POST", _admin(name, world.notified_breach.pk))
    if name == "disclosures_breachincident_contact":
        url = _admin(name, breach.pk, target)
        if method == "GET":
            return Request("GET", url)
        return Request("POST", url, data={"method": "phone", "note": "Позвонили (матрица)"})
    url = _admin(name, breach.pk)
    if method == "GET":
        return Request("GET", url)
    if name == "disclosures_breachincident_affected_add":
        data = {"mode": "list", "list-customers": str(world.spare_customer.pk)}
        return Request("POST", url, data=data)
    return Request("POST", url)


def site_view_request(world, cell: pm.Cell, role: str) -> Request:
    name, method = cell.target, cell.what
    base, _sep, app = name.partition(":")
    if base == "app_list":
        return Request("GET", _admin("app_list", app))
    if base == "catch_all":
        return Request("GET", "/admin/no-such-page/")
    if base == "autocomplete":
        params = "?app_label=claims&model_name=claim&field_name=customer&term=a"
        return Request("GET", _admin("autocomplete") + params)
    if base == "view_on_site":
        claim = world.my_claim
        content_type = ContentType.objects.get_for_model(claim)
        return Request("GET", _admin("view_on_site", content_type.pk, claim.pk))
    if base == "logout":
        return Request("POST", _admin("logout"))
    if base == "language":
        return Request("POST", _admin("language"), data={"language": "en", "next": "/admin/"})
    if base == "password_change" and method == "POST":
        data = {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        }
        return Request("POST", _admin("password_change"), data=data)
    return Request("GET", _admin(base))


def page_request(world, cell: pm.Cell) -> Request:
    route, method, other = cell.target, cell.what, bool(cell.variant)
    address = world.other_address if other else world.my_address
    claim = world.other_claim if other else world.my_claim
    attachment = world.other_attachment if other else world.my_attachment
    if route == "account/first-sign-in/<str:token>/":
        token = "invalid-token" if other else world.first_sign_in_token
        link = reverse("accounts:first_sign_in", args=[token])
        if method == "GET":
            return Request("GET", link)
        # The link moves its token into the session; the form is posted without it.
        form = reverse("accounts:first_sign_in", args=["set-password"])
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        return Request("POST", form, data=data, prime=link)
    if route == "account/sign-in/<str:token>/":
        token = "invalid-token" if other else world.sign_in_link_token
        link = reverse("accounts:sign_in_link", args=[token])
        if method == "GET":
            return Request("GET", link)
        # As the first-sign-in link: the token moves into the session, the button posts.
        form = reverse("accounts:sign_in_link", args=["continue"])
        return Request("POST", form, data={}, prime=link)
    if route == "account/email/confirm/<str:token>/":
        token = "invalid-token" if other else world.email_change_token
        return Request(method, reverse("accounts:email_confirm", args=[token]))
    urls = {
        "": "/",
        "i18n/setlang/": reverse("set_language"),
        "account/password/reset/<uidb64>/<token>/": reverse(
            "accounts:password_reset_confirm", args=["MQ", "invalid-token"]
        ),
        "account/addresses/<int:pk>/edit/": reverse("accounts:address_edit", args=[address.pk]),
        "account/addresses/<int:pk>/delete/": reverse("accounts:address_delete", args=[address.pk]),
        "unsubscribe/<str:token>/": reverse("consents:unsubscribe", args=[world.unsubscribe_token]),
        "privacy-policy/<str:label>/": reverse(
            "consents:policy_version", args=[world.published_label]
        ),
        "claims/attachments/<int:pk>/": reverse("claims:attachment", args=[attachment.pk]),
        "claims/answers/<int:pk>/letter.pdf": reverse("claims:answer_pdf", args=[world.answer.pk]),
        "claims/<str:reference>/": reverse("claims:detail", args=[claim.reference]),
    }
    url = urls.get(route, "/" + route)
    if method == "GET":
        return Request("GET", url)
    posts = {
        "i18n/setlang/": {"data": {"language": "kk", "next": "/privacy-policy/"}},
        "account/logout/": {"data": {}},
        "account/edit/": {"overrides": {"first_name": "Изменено"}},
        "account/addresses/add/": {"overrides": {"city": "Астана", "street": "ул. Кенесары, 1"}},
        "account/addresses/<int:pk>/edit/": {"overrides": {"street": "ул. Изменённая, 2"}},
        "account/addresses/<int:pk>/delete/": {"data": {}},
        "account/close/": {"overrides": {"confirm": "on", "comment": "Ухожу"}},
        "unsubscribe/<str:token>/": {"data": {}},
        "consents/choice/": {"data": {"purpose": "4.2.6", "action": "withdraw"}},
        "claims/new/": {
            "overrides": {
                "category": str(world.objects["claims.claimcategory"].pk),
                "subject": "Новая претензия",
                "text": "Прошу вернуть деньги за товар.",
            }
        },
    }[route]
    if "data" in posts:
        return Request("POST", url, data=posts["data"])
    # The form a signed-in customer sees on their own page, posted to ``url``.
    own_url = url
    if other:  # only the address edit page has a form and another customer's variant
        own_url = reverse("accounts:address_edit", args=[world.my_address.pk])
    return Request(
        "POST", url, form_page=own_url, form_role=pm.CUSTOMER, overrides=posts["overrides"]
    )


def request_for(world, cell: pm.Cell) -> Request:
    if cell.area in ("model", "variant"):
        return model_request(world, cell, cell.role)
    if cell.area == "action":
        return action_request(world, cell)
    if cell.area == "admin view":
        return admin_view_request(world, cell)
    if cell.area == "site view":
        return site_view_request(world, cell, cell.role)
    return page_request(world, cell)


def post_data(world, request: Request) -> dict:
    if not request.form_page:
        return request.data
    key = (request.form_page, request.form_role, request.marker)
    if key not in world.form_cache:
        page = client_for(world, request.form_role).get(request.form_page)
        html = page.content.decode() if page.status_code == 200 else ""
        world.form_cache[key] = form_data(html, marker=request.marker)
    return merged(world.form_cache[key], request.overrides)
