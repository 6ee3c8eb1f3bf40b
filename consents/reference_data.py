"""Reference data every installation holds: the purpose catalogue (4.2, 1.9, 3.3, 2.1)
and policy version 1.

The data migrations ``0002_seed_purposes`` and ``0004_policy_version_1`` wrote them once
(they keep their own frozen copies, as migrations should). A flush (as between
transactional tests) empties every table and then sends ``post_migrate``; these
idempotent functions put the rows back from here, so runtime code never imports a
migration module (issue 15 item 8).
"""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .models import PolicyVersion, Purpose

CONTRACT, CONSENT = Purpose.Basis.CONTRACT, Purpose.Basis.CONSENT

SECTION_4 = [
    # code, basis, ru, kk, en
    (
        "4.2.1",
        CONTRACT,
        "Обработка и получение от пользователя платежей",
        "Пайдаланушыдан төлемдерді өңдеу және қабылдау",
        "Processing and receiving payments from the user",
    ),
    (
        "4.2.2",
        CONTRACT,
        "Идентификация пользователя для оформления заказа и заключения договора купли-продажи",
        "Тапсырысты рәсімдеу және сатып алу-сату шартын жасасу үшін пайдаланушыны сәйкестендіру",
        "Identifying the user to place an order and conclude the sale contract",
    ),
    (
        "4.2.3",
        CONTRACT,
        "Доставка покупателю товара и идентификация покупателя с данными, заполненными на Сайте",
        "Сатып алушыға тауарды жеткізу және оны Сайтта толтырылған деректер бойынша сәйкестендіру",
        "Delivering goods to the buyer and matching the buyer with the data entered on the Site",
    ),
    (
        "4.2.4",
        CONTRACT,
        "Предоставление покупателю эффективной клиентской поддержки",
        "Сатып алушыға тиімді клиенттік қолдау көрсету",
        "Providing the buyer with effective customer support",
    ),
    (
        "4.2.5",
        CONSENT,
        "Предоставление покупателю персонализированных сервисов",
        "Сатып алушыға дербестендірілген сервистерді ұсыну",
        "Providing the buyer with personalised services",
    ),
    (
        "4.2.6",
        CONSENT,
        "Информирование покупателя о проводимых акциях и специальных предложениях",
        "Сатып алушыны өткізіліп жатқан акциялар мен арнайы ұсыныстар туралы хабардар ету",
        "Informing the buyer about promotions and special offers",
    ),
    (
        "4.2.7",
        CONSENT,
        "Осуществление рекламной деятельности",
        "Жарнамалық қызметті жүзеге асыру",
        "Carrying out advertising",
    ),
    (
        "4.2.8",
        CONTRACT,
        "Создание учётной записи для совершения покупок",
        "Сатып алу жасау үшін есептік жазба құру",
        "Creating an account for making purchases",
    ),
    (
        "4.2.9",
        CONTRACT,
        "Предоставление пользователю доступа к персонализированным ресурсам Сайта",
        "Пайдаланушыға Сайттың дербестендірілген ресурстарына қол жеткізуді қамтамасыз ету",
        "Giving the user access to the Site's personalised resources",
    ),
    (
        "4.2.10",
        CONSENT,
        "Предоставление покупателю кредита (рассрочки) от партнёрских банков",
        "Сатып алушыға серіктес банктерден кредит (бөліп төлеу) беру",
        "Providing the buyer with credit (instalments) from partner banks",
    ),
]

OTHERS = [
    # code, kind, basis, ru, kk, en
    (
        "cookies.essential",
        "cookies",
        CONTRACT,
        "Необходимые cookie: вход в учётную запись и корзина (3.3)",
        "Қажетті cookie файлдары: есептік жазбаға кіру және себет (3.3)",
        "Essential cookies: sign-in and the cart (3.3)",
    ),
    (
        "cookies.analytics",
        "cookies",
        CONSENT,
        "Аналитические cookie: статистика посещений (1.9)",
        "Аналитикалық cookie файлдары: кірулер статистикасы (1.9)",
        "Analytics cookies: visit statistics (1.9)",
    ),
    (
        "cookies.advertising",
        "cookies",
        CONSENT,
        "Рекламные cookie: оптимизация рекламы (1.9)",
        "Жарнамалық cookie файлдары: жарнаманы оңтайландыру (1.9)",
        "Advertising cookies: advertising optimisation (1.9)",
    ),
    (
        "2.1",
        "policy",
        CONSENT,
        "Согласие с Политикой конфиденциальности (2.1)",
        "Құпиялылық саясатымен келісу (2.1)",
        "Acceptance of the privacy policy (2.1)",
    ),
]


POLICY_V1_PATH = Path(__file__).resolve().parent / "policy_texts" / "v1.ru.md"
POLICY_V1_EFFECTIVE_FROM = datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def purposes_ensure() -> None:
    """Create the purposes that are missing; never overwrite titles corrected since."""
    rows = [(code, Purpose.Kind.SECTION_4, *rest) for code, *rest in SECTION_4]
    for kind_rows in (rows, OTHERS):
        for position, (code, kind, basis, ru, kk, en) in enumerate(kind_rows, start=1):
            Purpose.objects.get_or_create(
                code=code,
                defaults={
                    "kind": kind,
                    "basis": basis,
                    "title_ru": ru,
                    "title_kk": kk,
                    "title_en": en,
                    "position": position,
                },
            )


def policy_version_1_ensure() -> None:
    """Version 1: the policy the site showed when the consent ledger started (1 Jan 2026)."""
    if PolicyVersion.objects.filter(label="1").exists():
        return
    PolicyVersion.objects.create(
        label="1",
        text_ru=POLICY_V1_PATH.read_text(encoding="utf-8").strip() + "\n",
        change_summary="Первая версия: политика, опубликованная на Homeshop.kz.",
        is_material=False,
        published_at=POLICY_V1_EFFECTIVE_FROM,
        effective_from=POLICY_V1_EFFECTIVE_FROM,
        created_at=POLICY_V1_EFFECTIVE_FROM,
    )
