"""Invented demo consents: each demo customer's acceptance of the policy (2.1), choices of
the consent purposes of 4.2 and of cookies (1.9, 3.3), some later withdrawals, plus an
unpublished draft of policy version 2 (a draft informs nobody: only publishing does).

Every event goes through ``consents.services``, so the ledger, the current-state table
and the evidence (documentation-range IP addresses, browsers, the wording shown) are
what the site itself would write. Idempotent: an event's natural key is (customer,
purpose, action, channel), each used at most once per demo customer; every random value
is drawn from a generator seeded with the customer's email before anything is looked up.
Called by ``manage.py seed_demo`` after ``accounts.demo``.
"""

import logging
import random
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Customer, User

from . import services
from .models import ConsentEvent, PolicyVersion
from .selectors import policy_version_in_force, purpose_by_code

Channel = ConsentEvent.Channel
GRANT, WITHDRAW = ConsentEvent.Action.GRANT, ConsentEvent.Action.WITHDRAW

# RFC 5737 documentation ranges: never a real visitor's address.
IP_NETWORKS = ("198.51.100", "203.0.113")
USER_AGENTS = [
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36 YaBrowser/24.10",
]
# What the customer ticked or pressed, in their language (stored once per text).
ACCEPT_POLICY = {
    "ru": "Я ознакомился(-ась) с Политикой конфиденциальности (версия {label}) "
    "и принимаю её условия",
    "kk": "Құпиялылық саясатымен ({label}-нұсқа) таныстым және оның шарттарын қабылдаймын",
    "en": "I have read the Privacy Policy (version {label}) and accept its terms",
}
AGREE = {"ru": "Согласен(на)", "kk": "Келісемін", "en": "I agree"}
GIVE = {"ru": "Дать согласие", "kk": "Келісім беру", "en": "Give consent"}
WITHDRAW_BUTTON = {"ru": "Отозвать", "kk": "Кері қайтару", "en": "Withdraw"}
ALLOW = {"ru": "Разрешить", "kk": "Рұқсат ету", "en": "Allow"}
REFUSE = {"ru": "Отклонить", "kk": "Бас тарту", "en": "Decline"}
UNSUBSCRIBE = {
    "ru": "Отписаться от рекламных писем? Вы больше не будете получать новости об акциях "
    "и специальных предложениях Homeshop.kz (цель 4.2.6 политики конфиденциальности).",
    "kk": "Жарнамалық хаттардан бас тартасыз ба? Сіз Homeshop.kz акциялары мен арнайы "
    "ұсыныстары туралы жаңалықтарды енді алмайсыз (құпиялылық саясатының 4.2.6-мақсаты).",
    "en": "Unsubscribe from promotional emails? You will no longer receive news about "
    "promotions and special offers from Homeshop.kz (purpose 4.2.6 of the privacy policy).",
}

DRAFT_LABEL = "2"
DRAFT_CLAUSE = (
    "\n - 7.3. Вопросы и обращения, касающиеся настоящей Политики конфиденциальности и "
    "обработки персональных данных, Пользователь может направить по адресу "
    "privacy@homeshop.kz или письмом по почтовому адресу Администрации сайта.\n"
)


def seed_demo() -> str:
    officer = User.objects.get(email="officer@homeshop.kz")
    v1 = policy_version_in_force()
    customers = Customer.objects.filter(email__contains=".demo", email__endswith="@example.kz")
    with _quiet("consents.services"):
        for customer in customers.select_related("user").order_by("email"):
            _customer_choices(customer, officer=officer, v1=v1)
    _policy_draft(officer=officer, v1=v1)
    events = ConsentEvent.objects.filter(customer__in=customers)
    promotable = customers.filter(
        consent_states__purpose__code="4.2.6", consent_states__is_granted=True
    ).count()
    return (
        f"{events.count()} consent events ({events.filter(action=WITHDRAW).count()} "
        f"withdrawals or refusals), {promotable} customers accept promotions, "
        f"{PolicyVersion.objects.count()} policy versions"
    )


@contextmanager
def _quiet(name: str):
    """Three hundred "event recorded" lines would bury the sign-in details seed_demo prints."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _customer_choices(customer: Customer, *, officer: User, v1: PolicyVersion | None):
    """Plan this customer's history from its own seed, then write what is missing."""
    rng = random.Random(f"consents:{customer.email}")
    now = timezone.now()
    language = customer.preferred_language
    ip = f"{rng.choice(IP_NETWORKS)}.{rng.randint(1, 254)}"
    agent = rng.choice(USER_AGENTS)
    joined_ago = timedelta(days=rng.randint(20, 300), minutes=rng.randint(0, 1439))
    at_checkout = rng.random() < 0.3  # the shop created the record at checkout
    wants = {
        "4.2.5": rng.random() < 0.5,
        "4.2.6": rng.random() < 0.8,
        "4.2.7": rng.random() < 0.35,
    }
    wants_credit = rng.random() < 0.1
    credit_after = timedelta(days=rng.randint(1, 15), hours=rng.randint(1, 10))
    analytics = rng.random() < 0.7
    ad_cookies = rng.random() < 0.4
    unsubscribes = rng.random() < 0.25
    unsubscribe_after = timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 23))
    one_click = rng.random() < 0.5
    withdraws_ads = rng.random() < 0.3
    ads_withdraw_after = timedelta(days=rng.randint(2, 90), hours=rng.randint(0, 23))
    by_letter = rng.random() < 0.06
    letter_after = timedelta(days=rng.randint(5, 60))
    letter_number = rng.randint(100, 999)

    joined = now - joined_ago
    if v1 is not None and v1.effective_from and joined <= v1.effective_from:
        # The ledger starts with version 1: nothing was recorded before it.
        joined = v1.effective_from + (joined_ago % timedelta(days=20)) + timedelta(hours=1)
    label = v1.label if v1 else "1"
    done = set(
        ConsentEvent.objects.filter(customer=customer).values_list(
            "purpose__code", "action", "channel"
        )
    )
    evidence = {"ip_address": ip, "user_agent": agent, "language": language}
    # A signed-in customer's own choices name their account; links and forms name nobody.
    own = customer.user if customer.user_id else None

    def record(code: str, action: str, channel: str, at: datetime, **extra):
        if (code, action, channel) in done or at >= now:
            return
        services.consent_record(
            customer=customer,
            purpose_code=code,
            action=action,
            channel=channel,
            occurred_at=at,
            **{**evidence, "actor": own, **extra},
        )

    first = Channel.CHECKOUT if at_checkout else Channel.REGISTRATION
    record("2.1", GRANT, first, joined, wording_text=ACCEPT_POLICY[language].format(label=label))
    for code, wanted in wants.items():
        if wanted:
            title = purpose_by_code(code=code).title_for(language)
            record(
                code,
                GRANT,
                first,
                joined + timedelta(seconds=5),
                wording_text=f"{title} ({code}): {AGREE[language]}",
            )
    cookies_at = joined - timedelta(minutes=3)
    for code, allowed in (("cookies.analytics", analytics), ("cookies.advertising", ad_cookies)):
        title = purpose_by_code(code=code).title_for(language)
        button = (ALLOW if allowed else REFUSE)[language]
        record(
            code,
            GRANT if allowed else WITHDRAW,
            Channel.COOKIE_BANNER,
            cookies_at,
            wording_text=f"{title}: {button}",
        )
    if wants_credit:
        # 4.2.10: asked for instalments at checkout, consenting to the partner bank.
        title = purpose_by_code(code="4.2.10").title_for(language)
        record(
            "4.2.10",
            GRANT,
            Channel.CHECKOUT,
            joined + credit_after,
            wording_text=f"{title} (4.2.10): {AGREE[language]}",
        )
    if wants["4.2.6"] and unsubscribes:
        # 4.3: the "Unsubscribe" link of a promotional email.
        record(
            "4.2.6",
            WITHDRAW,
            Channel.EMAIL_LINK,
            joined + unsubscribe_after,
            actor=None,
            wording_text="" if one_click else UNSUBSCRIBE[language],
            note="one-click (RFC 8058)" if one_click else "unsubscribe page",
        )
    elif wants["4.2.6"] and by_letter:
        # A customer's letter, entered by the compliance officer.
        record(
            "4.2.6",
            WITHDRAW,
            Channel.STAFF,
            joined + letter_after,
            actor=officer,
            ip_address=None,
            user_agent="",
            note=f"Письменное заявление клиента, вх. № {letter_number}",
        )
    if wants["4.2.7"] and withdraws_ads:
        title = purpose_by_code(code="4.2.7").title_for(language)
        record(
            "4.2.7",
            WITHDRAW,
            Channel.ACCOUNT_PAGE,
            joined + ads_withdraw_after,
            wording_text=f"{title} (4.2.7): {WITHDRAW_BUTTON[language]}",
        )
    elif not wants["4.2.7"] and withdraws_ads and customer.user_id:
        title = purpose_by_code(code="4.2.7").title_for(language)
        record(
            "4.2.7",
            GRANT,
            Channel.ACCOUNT_PAGE,
            joined + ads_withdraw_after,
            wording_text=f"{title} (4.2.7): {GIVE[language]}",
        )


def _policy_draft(*, officer: User, v1: PolicyVersion | None):
    """An unpublished version 2 for the admin to show; publishing it is left to a person."""
    if v1 is None or PolicyVersion.objects.filter(label=DRAFT_LABEL).exists():
        return
    services.policy_version_save_draft(
        version=PolicyVersion(
            label=DRAFT_LABEL,
            text_ru=v1.text_ru.rstrip() + DRAFT_CLAUSE,
            change_summary="Добавлен пункт 7.3: куда направлять вопросы о Политике.",
            change_summary_kk="7.3-тармақ қосылды: Саясат туралы сұрақтарды қайда жіберу керек.",
            change_summary_en="Clause 7.3 added: where to send questions about the Policy.",
            is_material=False,
        ),
        actor=officer,
    )
