"""Invented demo claims (6.1-6.3): two categories with ru/kk/en answer templates, and a
dozen claims at every stage, received on dates counted back from today so that the
admin list shows claims overdue, due today, due this week, paused, extended, answered
on time and late, and closed with their outcome.

Every step goes through ``claims.services`` (registration, review, pause, extension,
answer, approval, sending, closing), so the due dates, the deadline changes, the history
and the emails (acknowledgements to @example.kz claimants, through the outbox) are what
the admin would produce. A claim is found again by (claimant, subject), so a second run
adds nothing; its steps are taken only when it is first registered. Categories have no
service of their own (the admin saves them as a plain tracked form): they are validated
and saved with their history here. Runs after ``accounts.demo`` and ``disclosures.demo``.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Customer, User
from homeshop_privacy.calendar import local_date
from homeshop_privacy.errors import DomainError
from homeshop_privacy.history import save_tracked

from . import services
from .models import UNFILLED, Claim, ClaimCategory, unfilled_placeholders

Status, Outcome, Channel = Claim.Status, Claim.Outcome, Claim.Channel

PERSONAL_DATA, CONSUMER = "personal-data", "consumer-protection"

TEMPLATE_PERSONAL = {
    "ru": "Уважаемый(-ая) {claimant_name}!\n\n"
    "В ответ на Вашу претензию № {reference} от {received_on} по вопросу «{subject}» "
    "сообщаем следующее.\n\n[Ответ по существу]\n\n"
    "Если Вы не согласны с ответом, спор может быть передан на рассмотрение в суд "
    "в соответствии с законодательством Республики Казахстан (п. 6.3 Политики "
    "конфиденциальности).\n\nС уважением,\nТОО «Shoperga», Homeshop.kz\n{today}",
    "kk": "Құрметті {claimant_name}!\n\n"
    "Сіздің {received_on} күнгі «{subject}» мәселесі бойынша № {reference} наразылығыңызға "
    "жауап ретінде мынаны хабарлаймыз.\n\n[Мәні бойынша жауап]\n\n"
    "Жауаппен келіспеген жағдайда дау Қазақстан Республикасының заңнамасына сәйкес сотқа "
    "берілуі мүмкін (Құпиялылық саясатының 6.3-тармағы).\n\n"
    "Құрметпен,\n«Shoperga» ЖШС, Homeshop.kz\n{today}",
    "en": "Dear {claimant_name},\n\n"
    "In reply to your claim No. {reference} of {received_on} concerning “{subject}”, "
    "we inform you of the following.\n\n[Answer]\n\n"
    "If you do not agree with this answer, the dispute may be brought before a court "
    "under the laws of the Republic of Kazakhstan (clause 6.3 of the privacy policy).\n\n"
    "Yours sincerely,\nLLP “Shoperga”, Homeshop.kz\n{today}",
}
TEMPLATE_CONSUMER = {
    "ru": "Уважаемый(-ая) {claimant_name}!\n\n"
    "Ваша претензия № {reference} от {received_on} по заказу № {order_number} "
    "(«{subject}») рассмотрена.\n\n[Решение: обмен, возврат денег или отказ с причиной]\n\n"
    "С уважением,\nТОО «Shoperga», Homeshop.kz\n{today}",
    "kk": "Құрметті {claimant_name}!\n\n"
    "Сіздің № {order_number} тапсырыс бойынша {received_on} күнгі № {reference} "
    "наразылығыңыз («{subject}») қаралды.\n\n"
    "[Шешім: айырбастау, ақшаны қайтару немесе себебі көрсетілген бас тарту]\n\n"
    "Құрметпен,\n«Shoperga» ЖШС, Homeshop.kz\n{today}",
    "en": "Dear {claimant_name},\n\n"
    "Your claim No. {reference} of {received_on} about order No. {order_number} "
    "(“{subject}”) has been considered.\n\n"
    "[Decision: exchange, refund, or refusal with its reason]\n\n"
    "Yours sincerely,\nLLP “Shoperga”, Homeshop.kz\n{today}",
}
CATEGORIES = [
    # code, ru, kk, en, term in calendar days, templates
    (
        PERSONAL_DATA,
        "Обработка персональных данных",
        "Дербес деректерді өңдеу",
        "Processing of personal data",
        30,  # 6.2
        TEMPLATE_PERSONAL,
    ),
    (
        CONSUMER,
        "Защита прав потребителей (возврат, обмен)",
        "Тұтынушылардың құқықтарын қорғау (қайтару, айырбастау)",
        "Consumer protection (refund, exchange)",
        10,  # a shorter term the shop promises for refunds and exchanges
        TEMPLATE_CONSUMER,
    ),
]


@dataclass
class Plan:
    """One demo claim: who, about what, when received, and the steps taken since."""

    subject: str
    text: str
    category: str
    received_days_ago: int
    channel: str = Channel.WEB
    customer: int | None = None  # position among the demo customers (by email)
    claimant: dict = field(default_factory=dict)  # a claimant who is not a customer
    with_order: bool = False
    about_disclosure: bool = False  # names the customer's latest delivery register entry
    related_breach: str = ""
    assignee: str = ""  # "support" or "officer"
    review: bool = False
    pause_days_ago: int | None = None
    extend_days: int = 0
    answered_days_ago: int | None = None
    outcome: str = ""
    tracking_number: str = ""
    note: str = ""
    # What the officer writes in place of the template's "[...]": a sent answer is whole.
    answer: str = ""


PLANS = [
    Plan(
        subject="Прошу удалить мои данные из рассылки",
        text="Здравствуйте! Я отписалась от рассылки, но письма с акциями продолжают "
        "приходить. Прошу прекратить обработку моих данных для рекламы и сообщить, "
        "кому они передавались.",
        category=PERSONAL_DATA,
        received_days_ago=1,
        customer=3,
    ),
    Plan(
        subject="Возврат денег за неисправный чайник",
        text="Чайник перестал работать через неделю после покупки. Прошу вернуть деньги.",
        category=CONSUMER,
        received_days_ago=0,
        channel=Channel.EMAIL,
        customer=5,
        with_order=True,
        assignee="support",
    ),
    Plan(
        subject="Кому передавались мои персональные данные?",
        text="Прошу предоставить перечень третьих лиц, которым передавались мои данные "
        "за последний год, с указанием оснований.",
        category=PERSONAL_DATA,
        received_days_ago=10,
        customer=8,
        assignee="support",
        review=True,
        about_disclosure=True,
    ),
    Plan(
        subject="Мои данные получил посторонний курьер",
        text="Мне позвонил незнакомый человек, назвал мой адрес и состав заказа. "
        "Прошу разобраться, каким образом мои данные оказались у третьих лиц.",
        category=PERSONAL_DATA,
        # Received 30 days ago: due today (or on the next working day, 6.2).
        received_days_ago=30,
        customer=11,
        assignee="officer",
        review=True,
        related_breach="ИНЦ-2026-001",
    ),
    Plan(
        subject="Обмен пылесоса ненадлежащего качества",
        text="Пылесос шумит и не набирает мощность. Прошу обменять на исправный.",
        category=CONSUMER,
        received_days_ago=7,
        customer=14,
        with_order=True,
        assignee="support",
        review=True,
    ),
    Plan(
        subject="Неверно указан мой номер телефона в заказе",
        text="Курьер звонил на чужой номер. Прошу исправить мои данные и объяснить, "
        "откуда взялся этот номер.",
        category=PERSONAL_DATA,
        received_days_ago=15,
        customer=17,
        assignee="support",
        review=True,
        pause_days_ago=5,
        note="Запрошена копия документа, подтверждающего номер телефона.",
    ),
    Plan(
        subject="Передача данных в банк без моего согласия",
        text="Мне позвонили из банка с предложением кредита. Я не давал согласия на "
        "передачу своих данных в банк. Прошу сообщить основание.",
        category=PERSONAL_DATA,
        received_days_ago=25,
        customer=20,
        assignee="officer",
        review=True,
        extend_days=10,
        note="Запрошены сведения у партнёрского банка.",
    ),
    Plan(
        subject="Не получил ответ на запрос о моих данных",
        text="Месяц назад я просил выгрузку моих данных и до сих пор не получил её.",
        category=PERSONAL_DATA,
        received_days_ago=40,
        channel=Channel.EMAIL,
        customer=23,
        assignee="support",
        review=True,
    ),
    Plan(
        subject="Просьба закрыть учётную запись",
        text="Прошу закрыть мою учётную запись и подтвердить, что данные удалены.",
        category=PERSONAL_DATA,
        received_days_ago=20,
        customer=26,
        assignee="support",
        review=True,
        answered_days_ago=0,
        answer="Ваша учётная запись закрыта. Персональные данные удалены, кроме сведений о "
        "заказах, которые мы обязаны хранить по налоговому законодательству; они будут "
        "удалены по истечении срока хранения.",
    ),
    Plan(
        subject="Рекламные SMS после отзыва согласия",
        text="После отзыва согласия на рекламу продолжают приходить SMS. Прошу прекратить.",
        category=PERSONAL_DATA,
        received_days_ago=45,
        channel=Channel.IN_PERSON,
        claimant={
            "claimant_name": "Гульнара Абенова",
            "claimant_email": "g.abenova@example.kz",
            "claimant_phone": "+77015550142",
            "claimant_language": "ru",
        },
        assignee="officer",
        review=True,
        answered_days_ago=8,
        answer="Ваш отзыв согласия на рекламу зарегистрирован; номер исключён из рассылок. "
        "Сообщения были отправлены по ошибке подрядчика, которому направлено требование "
        "прекратить обработку Ваших данных.",
    ),
    Plan(
        subject="Возврат денег за отменённый заказ",
        text="Заказ отменён магазином, но деньги не вернулись на карту.",
        category=CONSUMER,
        received_days_ago=60,
        customer=29,
        with_order=True,
        assignee="officer",
        review=True,
        answered_days_ago=52,
        outcome=Outcome.SETTLED,
        answer="Возврат денег за отменённый заказ одобрен: сумма зачислена на Вашу карту. "
        "Срок зачисления зависит от банка и обычно не превышает 5 рабочих дней.",
    ),
    Plan(
        subject="Претензия о разглашении коммерческих данных",
        text="Данные наших сотрудников, оформлявших корпоративные заказы, переданы "
        "третьим лицам. Требуем прекратить нарушение и возместить убытки.",
        category=PERSONAL_DATA,
        received_days_ago=90,
        channel=Channel.POST,
        claimant={
            "claimant_kind": Claim.ClaimantKind.COMPANY,
            "claimant_name": "ТОО «Алтын Жол Трейд»",
            "claimant_address": "050010, г. Алматы, ул. Сатпаева, 30, офис 12",
            "claimant_language": "ru",
        },
        assignee="officer",
        review=True,
        answered_days_ago=65,
        tracking_number="RR004417215KZ",
        outcome=Outcome.REJECTED,
        answer="Проверка не подтвердила передачу данных Ваших сотрудников третьим лицам: "
        "данные корпоративных заказов передавались только службе доставки для исполнения "
        "заказов (п. 5.4.2 Политики конфиденциальности). Требование о возмещении убытков "
        "отклонено.",
    ),
]


def seed_demo() -> str:
    officer = User.objects.get(email="officer@homeshop.kz")
    staff = {
        "officer": officer,
        "support": User.objects.get(email="support@homeshop.kz"),
        # The second pair of eyes for the officer's own answers (6.2, four eyes).
        "admin": User.objects.get(email="admin@homeshop.kz"),
    }
    categories = {code: _category(code, *rest, actor=officer) for code, *rest in CATEGORIES}
    customers = list(
        Customer.objects.filter(email__contains=".demo", email__endswith="@example.kz").order_by(
            "email"
        )
    )
    # A letter cannot be printed without its font; then the claims stay unanswered.
    can_answer = Path(settings.PDF_FONT_PATH).exists()
    for index, plan in enumerate(PLANS):
        _claim(
            plan,
            index=index,
            categories=categories,
            customers=customers,
            staff=staff,
            can_answer=can_answer,
        )
    by_status = {s.value: Claim.objects.filter(status=s).count() for s in Status}
    return (
        f"{ClaimCategory.objects.count()} categories, {Claim.objects.count()} claims ("
        + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in by_status.items() if n)
        + ")"
    )


def _category(code, name, name_kk, name_en, term_days, templates, *, actor) -> ClaimCategory:
    category = ClaimCategory.objects.filter(code=code).first()
    if category is not None:
        return category
    category = ClaimCategory(
        code=code,
        name=name,
        name_kk=name_kk,
        name_en=name_en,
        term_days=term_days,
        answer_template_ru=templates["ru"],
        answer_template_kk=templates["kk"],
        answer_template_en=templates["en"],
    )
    try:
        category.full_clean()
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc) from exc
    return save_tracked(category, actor=actor, reason="category added")


def _at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _claim(plan: Plan, *, index: int, categories, customers, staff, can_answer: bool) -> None:
    rng = random.Random(f"claims:{index}")
    hour, minute = rng.randint(9, 17), rng.randint(0, 59)
    answer_hour, answer_minute = rng.randint(10, 17), rng.randint(0, 59)

    now = timezone.now()
    today = local_date(now)
    customer = customers[plan.customer] if plan.customer is not None else None
    customer = _breach_customer(plan) or _disclosed_customer(plan, customers) or customer
    name = customer.full_name if customer else plan.claimant["claimant_name"]
    if Claim.objects.filter(subject=plan.subject, claimant_name=name).exists():
        return
    received_at = min(_at(today - timedelta(days=plan.received_days_ago), hour, minute), now)
    if plan.received_days_ago == 0:
        received_at = now - timedelta(hours=2)
    order = customer.orders.order_by("number").first() if customer and plan.with_order else None
    officer = staff["officer"]
    claim = services.claim_register(
        actor=officer,
        category=categories[plan.category],
        received_at=received_at,
        channel=plan.channel,
        subject=plan.subject,
        text=plan.text,
        customer=customer,
        order=order,
        related_disclosure=_disclosure_number(plan, customer),
        related_breach=plan.related_breach,
        assignee=staff.get(plan.assignee),
        internal_notes=plan.note,
        **plan.claimant,
    )
    if plan.review:
        claim = services.claim_review_start(claim=claim, actor=claim.assignee or officer)
    actor = claim.assignee or officer
    if plan.pause_days_ago is not None:
        claim = services.claim_pause(
            claim=claim,
            actor=actor,
            reason="Ожидаем документы от заявителя.",
            on=today - timedelta(days=plan.pause_days_ago),
        )
    if plan.extend_days:
        claim = services.claim_extend(
            claim=claim,
            actor=officer,
            days=plan.extend_days,
            reason="Нужны сведения третьего лица: запрос направлен, ответ ожидается.",
        )
    if plan.answered_days_ago is None or not can_answer:
        return
    answer = services.claim_answer_draft(
        claim=claim, actor=actor, body=_answer_text(claim, plan), language="ru"
    )
    if services.answer_needs_approval(claim=claim, answer=answer):
        approver = staff["admin"] if actor == officer else officer
        answer = services.claim_answer_approve(answer=answer, actor=approver)
    sent_at = now
    if plan.answered_days_ago:
        sent_at = _at(today - timedelta(days=plan.answered_days_ago), answer_hour, answer_minute)
    services.claim_answer_send(
        answer=answer,
        actor=actor,
        by_email=not plan.tracking_number,
        tracking_number=plan.tracking_number,
        now=min(sent_at, now),
    )
    if plan.outcome:
        services.claim_close(
            claim=claim,
            actor=officer,
            outcome=plan.outcome,
            note="Итог согласован с заявителем." if plan.outcome == Outcome.SETTLED else "",
        )


def _answer_text(claim: Claim, plan: Plan) -> str:
    """The category's Russian letter with the officer's text in place of its placeholder
    (the demo answers are written in Russian, the policy's own language)."""
    letter = services.answer_template_render(claim=claim, language="ru")
    written = UNFILLED.sub(lambda match: plan.answer, letter, count=1)
    if not plan.answer or unfilled_placeholders(written):
        raise RuntimeError(f"demo answer left half-written: {plan.subject}")
    return written


def _disclosed_customer(plan: Plan, customers: list[Customer]) -> Customer | None:
    """A claim about a disclosure comes from a customer whose order was delivered."""
    if not plan.about_disclosure or plan.customer is None:
        return None
    from disclosures.models import DisclosureLine  # the demo only: claims itself never imports it

    disclosed = set(
        DisclosureLine.objects.filter(disclosure__basis="5.4.2").values_list(
            "customer_id", flat=True
        )
    )
    return next((c for c in customers[plan.customer :] if c.pk in disclosed), None)


def _disclosure_number(plan: Plan, customer: Customer | None) -> str:
    """The register entry a claim names: this customer's latest delivery (5.4.2) entry."""
    if not plan.about_disclosure or customer is None:
        return ""
    from disclosures.models import DisclosureLine  # the demo only: claims itself never imports it

    line = (
        DisclosureLine.objects.filter(customer=customer, disclosure__basis="5.4.2")
        .select_related("disclosure")
        .order_by("-disclosed_at")
        .first()
    )
    return line.disclosure.reference if line else ""


def _breach_customer(plan: Plan) -> Customer | None:
    """A claim about a breach comes from a customer the incident affected."""
    if not plan.related_breach:
        return None
    from disclosures.models import BreachAffected  # the demo only: claims itself never imports it

    affected = (
        BreachAffected.objects.filter(incident__reference=plan.related_breach)
        .select_related("customer")
        .order_by("customer__email")
        .first()
    )
    return affected.customer if affected else None
