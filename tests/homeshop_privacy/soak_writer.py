"""The writing side of the embedded-default soak test (``test_embedded_default_soak``).

Run in its own process against the embedded SQLite database, as a shop back end would
write: for ``SECONDS`` it registers invented customers, records their consent to
promotional email (4.2.6), puts a promotion into the outbox and, for every third
customer, files an account-closure request (2.2), which writes an acknowledgement
email. Every write that raises is printed with its traceback (the test reads this
log) and the loop goes on. The last line of stdout is a JSON summary.

    python -m tests.homeshop_privacy.soak_writer SECONDS [PER_SECOND]
"""

import json
import os
import sys
import time
import traceback


def main(seconds: float, per_second: float) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homeshop_privacy.settings")
    import django

    django.setup()
    from django.db import transaction

    from accounts.services import account_closure_request, customer_create
    from consents.services import consent_grant, promotion_email_enqueue

    written = {"customers": 0, "promotions": 0, "closure_requests": 0, "errors": 0}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        n += 1
        try:
            with transaction.atomic():
                customer = customer_create(
                    actor=None,
                    first_name="Айгерим",
                    last_name=f"Тестова {n}",
                    phone=f"+7701{n:07d}",
                    email=f"soak{n}@example.kz",
                    reason="soak test",
                )
                consent_grant(customer=customer, purpose_code="4.2.6", channel="registration")
                promotion_email_enqueue(
                    customer=customer,
                    campaign="soak-weekly",
                    subject="Скидки недели",
                    body_text="Скидки на технику до 30% до воскресенья.",
                )
            written["customers"] += 1
            written["promotions"] += 1
            if n % 3 == 0:
                account_closure_request(customer=customer, actor=None, comment="")
                written["closure_requests"] += 1
        except Exception:  # noqa: BLE001 - the test counts every failure in this log
            written["errors"] += 1
            traceback.print_exc()
            sys.stderr.flush()
        time.sleep(max(0.0, 1.0 / per_second - (time.monotonic() - started)))
    return written


if __name__ == "__main__":
    seconds = float(sys.argv[1])
    per_second = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
    print(json.dumps(main(seconds, per_second)), flush=True)
