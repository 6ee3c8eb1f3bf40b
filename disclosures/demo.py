"""Invented demo data for the disclosure register: third parties (couriers, a postal
operator, marketplace sellers, a partner bank, an analytics partner, a state body, a
service centre) and the entries an officer would have recorded about the demo orders.

- 5.4.2: daily courier manifests (Almaty), weekly ones (Astana), a monthly manifest of
  returns for the postal operator, and each marketplace seller's own orders;
- 5.4.1: monthly visit statistics, non-personal, to the analytics partner;
- 5.4.3: a police request about one customer, with its number, date and legal ground;
- consent (4.2.10): instalment applications passed to the partner bank, only for
  customers who held that consent at the time (the service checks the ledger);
- 5.3.2: written permissions for the service centre (one of them revoked since), and a
  disclosure made under one;
- a manifest entered twice, voided with its reason (both rows stay, 1.3);
- 5.4.4: one small breach (a courier lost a printed manifest of two or three orders),
  its affected customers taken from that entry and told once, through the outbox.

Every write goes through ``disclosures.services``, so the basis checks, the lines and
their history are what the admin would write. Idempotent: recipients are found by BIN,
entries by (recipient, reference), permissions by document number. The BINs are invented
(only their check digit is real). Runs after ``accounts.demo`` and ``consents.demo``.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.classification import DataCategory
from accounts.models import Customer, Order, User
from consents.models import ConsentState

from . import services
from .models import BreachIncident, Disclosure, DisclosureVoid, Recipient, WrittenPermission
from .services import LineInput
from .validators import bin_check_digit

Basis = Disclosure.Basis
Kind = Recipient.Kind
C = DataCategory

FAST, DALA, SAPAR = "ТОО «Быстрая доставка»", "ТОО «Дала Курьер»", "АО «Почтовая служба «Сапар»»"
ELECTRONICS, KITCHEN = "ТОО «Электроника Плюс»", "ТОО «Kitchen Pro KZ»"
BANK, ANALYTICS = "АО «Алтын Кредит Банк»", "ТОО «Метрика Аналитикс»"
POLICE, SERVICE = "ГУ «Департамент полиции города Алматы»", "ТОО «Сервисный центр «Техномастер»»"

# legal name, kind, registered (YYMM of the BIN), contact, agreement reference, agreement date
RECIPIENTS = [
    (FAST, Kind.COURIER, "1503", "dpo@bystraya.example.kz", "ДОД-2024/017", date(2024, 3, 1)),
    (DALA, Kind.COURIER, "1711", "dpo@dala.example.kz", "ДОД-2024/022", date(2024, 6, 14)),
    (SAPAR, Kind.POSTAL, "0907", "info@sapar-post.example.kz", "ДОД-2025/004", date(2025, 1, 20)),
    (ELECTRONICS, Kind.SELLER, "1210", "shop@elplus.example.kz", "МП-2023/112", date(2023, 9, 5)),
    (KITCHEN, Kind.SELLER, "1904", "dpo@kitchenpro.example.kz", "МП-2024/031", date(2024, 2, 12)),
    (BANK, Kind.PARTNER_BANK, "9806", "partners@altyn-kredit.example.kz", "ПС-2025/009",
     date(2025, 4, 1)),
    (ANALYTICS, Kind.ANALYTICS, "2002", "dpo@metrika.example.kz", "ДОД-2025/013", date(2025, 7, 7)),
    (POLICE, Kind.STATE_AUTHORITY, "0105", "kanc@police-almaty.example.kz", "", None),
    (SERVICE, Kind.OTHER, "1608", "service@technomaster.example.kz", "ДОД-2025/020",
     date(2025, 9, 15)),
]  # fmt: skip

DELIVERY = [C.IDENTITY, C.CONTACT, C.ADDRESS]
SELLER_DATA = [C.IDENTITY, C.CONTACT, C.ADDRESS, C.ORDERS]
SHIPPED = (Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.RETURNED)
BREACH_REFERENCE = "ИНЦ-2026-001"


def seed_demo() -> str:
    officer = User.objects.get(email="officer@homeshop.kz")
    now = timezone.now()
    recipients = {name: _recipient(name, *rest, actor=officer) for name, *rest in RECIPIENTS}
    demo = Customer.objects.filter(email__contains=".demo", email__endswith="@example.kz")
    orders = list(
        Order.objects.filter(customer__in=demo, status__in=SHIPPED)
        .select_related("delivery_address")
        .order_by("number")
    )
    writer = _Register(actor=officer, now=now)
    first_fast = writer.manifests(orders, recipients)
    writer.seller_orders(orders, recipients)
    writer.statistics(recipients[ANALYTICS])
    writer.police_request(recipients[POLICE], demo)
    writer.credit_applications(recipients[BANK], demo)
    writer.written_permissions(recipients[SERVICE], demo)
    writer.duplicate_voided(first_fast)
    writer.lost_manifest(recipients[DALA])
    entries = Disclosure.objects.all()
    return (
        f"{Recipient.objects.count()} recipients, {entries.count()} register entries "
        f"({len(set(entries.values_list('basis', flat=True)))} bases, "
        f"{DisclosureVoid.objects.count()} voided), "
        f"{WrittenPermission.objects.count()} written permissions, "
        f"{BreachIncident.objects.count()} breach incident(s)"
    )


def _invented_bin(name: str, registered: str) -> str:
    """Twelve digits: registration YYMM, 4 (a resident legal entity), 0, five invented
    digits, and the check digit computed as the validator does."""
    rng = random.Random(f"bin:{name}")
    while True:
        first_eleven = f"{registered}40{rng.randint(0, 99_999):05d}"
        check = bin_check_digit(first_eleven)
        if check is not None:
            return f"{first_eleven}{check}"


def _recipient(name, kind, registered, contact, agreement, agreement_date, *, actor) -> Recipient:
    bin_ = _invented_bin(name, registered)
    existing = Recipient.objects.filter(bin=bin_).first()
    if existing is not None:
        return existing
    return services.recipient_create(
        actor=actor,
        legal_name=name,
        kind=kind,
        bin=bin_,
        contact=contact,
        agreement_reference=agreement,
        agreement_date=agreement_date,
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class _Register:
    def __init__(self, *, actor: User, now: datetime):
        self.actor = actor
        self.now = now

    def _before_now(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(minutes=30))

    def _record(self, *, recipient: Recipient, reference: str, **kwargs) -> Disclosure:
        existing = Disclosure.objects.filter(recipient=recipient, reference=reference).first()
        if existing is not None:
            return existing
        return services.disclosure_record(
            actor=self.actor, recipient=recipient, reference=reference, **kwargs
        )

    # --- 5.4.2 ------------------------------------------------------------------------

    def manifests(self, orders: list[Order], recipients: dict) -> Disclosure | None:
        """Couriers get a manifest per hand-over: daily in Almaty, weekly in Astana; the
        postal operator carries the returns, one manifest a month. Returns the first
        Almaty manifest (the one the demo enters twice by mistake)."""
        groups: dict[tuple[str, str], list[Order]] = defaultdict(list)
        handed_over: dict[tuple[str, str], datetime] = {}
        for order in orders:
            placed = timezone.localdate(order.placed_at)
            city = order.delivery_address.city if order.delivery_address else "Алматы"
            if order.status == Order.Status.RETURNED:
                key = (SAPAR, f"СП-В-{placed:%Y-%m}")
                moment = _at((placed.replace(day=1) + timedelta(days=32)).replace(day=1), 16)
            elif city == "Астана":
                monday = placed + timedelta(days=7 - placed.weekday())
                key = (DALA, f"ДК-{monday:%G-W%V}")
                moment = _at(monday, 9, 30)
            else:
                key = (FAST, f"БД-{placed + timedelta(days=1):%y%m%d}")
                moment = _at(placed + timedelta(days=1), 10)
            groups[key].append(order)
            handed_over[key] = moment
        first_fast = None
        for (name, reference), members in sorted(groups.items()):
            latest = max(order.placed_at for order in members)
            disclosed_at = max(handed_over[(name, reference)], latest)
            if disclosed_at > self.now - timedelta(minutes=30):
                # Not handed over yet by the usual schedule: handed over soon after the order.
                disclosed_at = self._before_now(latest + timedelta(hours=1))
            disclosure = self._record(
                recipient=recipients[name],
                reference=reference,
                basis=Basis.ORDER_FULFILMENT,
                purpose_code="4.2.3",  # delivering the goods to the buyer
                categories=DELIVERY,
                disclosed_at=disclosed_at,
                lines=[LineInput(order_number=order.number) for order in members],
                note="Манифест передачи отправлений курьеру."
                if name != SAPAR
                else "Возвратные отправления за месяц.",
            )
            if name == FAST and first_fast is None:
                first_fast = disclosure
        return first_fast

    def seller_orders(self, orders: list[Order], recipients: dict) -> None:
        """A marketplace seller receives the buyer's details for each of its own orders."""
        for order in orders:
            if order.seller_name not in (ELECTRONICS, KITCHEN):
                continue
            self._record(
                recipient=recipients[order.seller_name],
                reference=f"Заказ {order.number}",
                basis=Basis.ORDER_FULFILMENT,
                purpose_code="4.2.2",  # identifying the buyer to conclude the sale
                categories=SELLER_DATA,
                disclosed_at=self._before_now(order.placed_at + timedelta(minutes=7)),
                lines=[LineInput(order_number=order.number)],
            )

    # --- 5.4.1 ------------------------------------------------------------------------

    def statistics(self, analytics: Recipient) -> None:
        """Monthly visit statistics: non-personal only, so no customer is named.

        The reports are numbered, not dated, so a run in another month finds them too."""
        this_month = timezone.localdate(self.now).replace(day=1)
        for months_back in (3, 2, 1):
            month = this_month
            for _step in range(months_back):
                month = (month - timedelta(days=1)).replace(day=1)
            self._record(
                recipient=analytics,
                reference=f"АН-отчёт-{4 - months_back}",
                basis=Basis.STATISTICS,
                purpose_code="4.2.7",
                categories=[C.VISITS],
                disclosed_at=self._before_now(_at(month + timedelta(days=35), 11)),
                note=f"Агрегированная статистика посещений за {month:%m.%Y}: страницы, "
                "источники переходов, браузеры; без IP-адресов и идентификаторов cookie.",
            )

    # --- 5.4.3 ------------------------------------------------------------------------

    def police_request(self, police: Recipient, demo) -> None:
        customer = demo.order_by("email")[7]
        order = customer.orders.order_by("number").first()
        request_date = timezone.localdate(self.now) - timedelta(days=12)
        self._record(
            recipient=police,
            reference="Исх. 04-17/2211",
            basis=Basis.STATE_AUTHORITY,
            purpose_code="4.2.3",
            categories=[C.IDENTITY, C.CONTACT, C.ADDRESS, C.ORDERS],
            disclosed_at=self._before_now(_at(request_date + timedelta(days=3), 15, 20)),
            request_number="3-12/4417",
            request_date=request_date,
            legal_ground="Запрос органа досудебного расследования, ЕРДР № 267510031004417; "
            "ст. 9 Закона РК «О персональных данных и их защите» (без согласия субъекта).",
            lines=[LineInput(customer_id=customer.pk, order_number=order.number if order else "")],
            note="Ответ направлен нарочным; копия запроса в деле 04-17.",
        )

    # --- consent (4.2.10) ---------------------------------------------------------------

    def credit_applications(self, bank: Recipient, demo) -> None:
        """Customers who asked for instalments: the bank gets the application, after the
        consent was given (the service checks the ledger at that moment)."""
        states = (
            ConsentState.objects.filter(customer__in=demo, purpose__code="4.2.10", is_granted=True)
            .select_related("customer")
            .order_by("customer__email")[:3]
        )
        for state in states:
            number = state.customer.email.split("@")[0][-4:]
            self._record(
                recipient=bank,
                reference=f"Рассрочка-{number}",
                basis=Basis.CONSENT,
                purpose_code="4.2.10",
                categories=[C.IDENTITY, C.CONTACT, C.ORDERS],
                disclosed_at=self._before_now(state.changed_at + timedelta(minutes=40)),
                lines=[LineInput(customer_id=state.customer_id)],
                note="Заявка на рассрочку 0-0-12 оформлена при заказе.",
            )

    # --- 5.3.2 ------------------------------------------------------------------------

    def written_permissions(self, service: Recipient, demo) -> None:
        """Two customers signed a permission for warranty repair; one revoked it later."""
        customers = list(demo.order_by("email")[12:14])
        today = timezone.localdate(self.now)
        plans = [
            ("РП-2026/031", today - timedelta(days=41), None),
            ("РП-2026/027", today - timedelta(days=75), today - timedelta(days=20)),
        ]
        for customer, (document, signed_on, revoked_on) in zip(customers, plans, strict=False):
            permission = WrittenPermission.objects.filter(
                customer=customer, document_reference=document
            ).first()
            if permission is None:
                permission = services.written_permission_record(
                    actor=self.actor,
                    customer=customer,
                    recipient=service,
                    categories=[C.IDENTITY, C.CONTACT, C.ADDRESS, C.ORDERS],
                    scope="Передача имени, телефона, адреса и данных о покупке в сервисный "
                    "центр для гарантийного ремонта товара.",
                    signed_on=signed_on,
                    valid_until=signed_on + timedelta(days=365),
                    document_reference=document,
                    purpose_code="4.2.4",
                )
            order = customer.orders.order_by("number").first()
            self._record(
                recipient=service,
                reference=f"Гарантия {document}",
                basis=Basis.WRITTEN_PERMISSION,
                purpose_code="4.2.4",
                categories=[C.IDENTITY, C.CONTACT, C.ADDRESS, C.ORDERS],
                disclosed_at=self._before_now(_at(signed_on + timedelta(days=2), 12)),
                lines=[
                    LineInput(customer_id=customer.pk, order_number=order.number if order else "")
                ],
                note="Направление в сервисный центр на гарантийный ремонт.",
            )
            if revoked_on is not None and permission.revoked_at is None:
                services.written_permission_revoke(
                    permission=permission,
                    actor=self.actor,
                    reason="Клиент отозвал разрешение письменным заявлением: ремонт завершён.",
                    at=_at(revoked_on, 10),
                )

    # --- a void -------------------------------------------------------------------------

    def duplicate_voided(self, original: Disclosure | None) -> None:
        """The same manifest entered twice: the copy is voided, with the reason."""
        if original is None:
            return
        lines = [
            LineInput(order_number=number)
            for number in original.lines.order_by("line_no").values_list("order__number", flat=True)
        ]
        copy = self._record(
            recipient=original.recipient,
            reference=f"{original.reference}/повтор",
            basis=original.basis,
            purpose_code=original.purpose.code,
            categories=original.categories,
            disclosed_at=original.disclosed_at,
            lines=lines,
            note="Манифест передачи отправлений курьеру.",
        )
        if not DisclosureVoid.objects.filter(disclosure=copy).exists():
            services.disclosure_void(
                disclosure=copy,
                actor=self.actor,
                reason=f"Манифест внесён повторно: те же заказы уже в записи {original.reference}.",
            )

    # --- 5.4.4 ------------------------------------------------------------------------

    def lost_manifest(self, courier: Recipient) -> None:
        """One small incident: the customers on a lost printout are told, once each.

        Only a handful of notices, written here in the seed's transaction (the task the
        service also dispatches then finds nobody left to tell)."""
        if BreachIncident.objects.filter(reference=BREACH_REFERENCE).exists():
            return
        manifest = (
            Disclosure.objects.filter(
                recipient=courier, basis=Basis.ORDER_FULFILMENT, line_count__in=(2, 3)
            )
            .order_by("-disclosed_at", "-id")
            .first()
        )
        if manifest is None:
            return
        incident = services.breach_record(
            actor=self.actor,
            reference=BREACH_REFERENCE,
            title="Утеря распечатки манифеста курьером",
            description=f"Курьер {courier.legal_name} сообщил об утере распечатанного манифеста "
            f"{manifest.reference} (имена, телефоны, адреса доставки). Распечатки манифестов "
            "отменены, курьерам выдан доступ к электронному манифесту.",
            occurred_at=manifest.disclosed_at + timedelta(hours=5),
            discovered_at=self._before_now(manifest.disclosed_at + timedelta(days=1, hours=2)),
            categories=DELIVERY,
            notice_ru="Курьер нашего партнёра потерял распечатанный лист доставки, в котором "
            "были ваши имя, телефон и адрес доставки. Платёжные данные и пароли в нём не "
            "указывались. Мы отказались от бумажных листов доставки. Если вам звонят от имени "
            "Homeshop.kz и просят оплатить заказ повторно, не платите и сообщите нам.",
            notice_kk="Серіктесіміздің курьері сіздің атыңыз, телефоныңыз және жеткізу "
            "мекенжайыңыз жазылған басып шығарылған жеткізу парағын жоғалтып алды. Онда төлем "
            "деректері мен құпиясөздер болған жоқ. Біз қағаз жеткізу парақтарынан бас тарттық. "
            "Егер Homeshop.kz атынан қоңырау шалып, тапсырысты қайта төлеуді сұраса, төлемеңіз "
            "және бізге хабарлаңыз.",
            notice_en="Our partner's courier lost a printed delivery sheet with your name, "
            "phone number and delivery address. It held no payment details or passwords. We "
            "have stopped using paper delivery sheets. If someone calls on behalf of "
            "Homeshop.kz asking you to pay for an order again, do not pay and tell us.",
            # Law 94-V art. 25 p.2: what the filing with the regulator states.
            kind=BreachIncident.Kind.LOSS,
            severity=BreachIncident.Severity.MEDIUM,
            source=BreachIncident.Source.RECIPIENT,
            people_categories="Покупатели маркетплейса, получатели доставок",
            people_estimate=manifest.line_count,
            consequences="Нежелательные звонки и попытки мошенничества от имени магазина.",
            containment_notes="Курьерская служба отозвала распечатки; печать манифестов "
            "прекращена.",
            responsible_name="Ответственный за организацию обработки персональных данных",
            responsible_contacts="+7 727 000 00 00, privacy@homeshop.kz",
        )
        incident = services.breach_status_change(
            incident=incident, actor=self.actor, to=BreachIncident.Status.ASSESSED
        )
        if self.actor is not None:
            services.breach_file(incident=incident, actor=self.actor, reference="ДЕМО-УВД-1")
        services.breach_add_affected_from_disclosure(incident=incident, disclosure=manifest)
        incident = services.breach_notification_start(incident=incident, actor=self.actor)
        services.breach_notify_customers(
            incident=incident,
            customer_ids=list(manifest.lines.values_list("customer_id", flat=True)),
        )
