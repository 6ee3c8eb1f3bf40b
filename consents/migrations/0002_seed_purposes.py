"""Seed the purpose catalogue: the ten purposes of 4.2, cookie choices (1.9, 3.3) and
acceptance of the policy (2.1). Russian titles are the policy's own wording."""

from django.db import migrations

CONTRACT, CONSENT = "contract", "consent"

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


def seed(apps, schema_editor):
    """Create the purposes that are missing; never overwrite titles corrected since.

    Also run after every ``migrate`` and test-database flush (``consents.apps``), so the
    catalogue cannot go missing.
    """
    Purpose = apps.get_model("consents", "Purpose")
    for position, (code, basis, ru, kk, en) in enumerate(SECTION_4, start=1):
        Purpose.objects.get_or_create(
            code=code,
            defaults={
                "kind": "section4",
                "basis": basis,
                "title_ru": ru,
                "title_kk": kk,
                "title_en": en,
                "position": position,
            },
        )
    for position, (code, kind, basis, ru, kk, en) in enumerate(OTHERS, start=1):
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


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
