"""The data set of ``manage.py bench``, generated in SQL (``generate_series``).

At ``scale=1`` (issue 14): 1,000,000 customers, 3,000,000 orders, 5,000,000 visit events,
3,000,000 consent events (and their state table), 1,000,000 disclosures with one line each,
200,000 claims, 300,000 outbox rows and 500,000 personal-data access log rows. Other scales
multiply every count. The data is invented and lives in a database of its own
(``<database>_bench_<scale>``), created, migrated and filled on the first run and reused
afterwards; it is never the development or the test database.

The rows are inserted directly, not through the services: the hash chains of the legal
tables hold placeholders (``ledger_verify`` is not meant to pass on this database) and no
history rows are written. What is measured is reading and sweeping these tables.

Shapes worth knowing:
- customer 1 has the most rows (one order in 1,000, one consent event in 1,000, one
  disclosure line in 1,000, one claim in 100): the customer page benchmark opens it;
- claims: 7% open and due within the reminder window or overdue, some without assignee;
- consent events: three purposes (4.2.6, 4.2.7, cookies.analytics), grants and withdrawals.
"""

from django.db import connection

#: Rows per customer of each table at any scale.
PER_CUSTOMER = {
    "orders": 3,
    "visits": 5,
    "consent_events": 3,
    "disclosures": 1,
    "claims": 0.2,
    "outbox": 0.3,
    "access_log": 0.5,
}
FULL_CUSTOMERS = 1_000_000


def sizes(scale: float) -> dict[str, int]:
    customers = max(int(FULL_CUSTOMERS * scale), 10)
    out = {"customers": customers}
    for table, per in PER_CUSTOMER.items():
        out[table] = max(int(customers * per), 1)
    return out


#: The table whose row 1 shows that a step is done (a failed generation resumes).
STEP_TABLES = {
    "customers": "accounts_customer",
    "orders": "accounts_order",
    "visits": "accounts_visitevent",
    "consent events": "consents_consentevent",
    "disclosures": "disclosures_disclosure",
    "claims": "claims_claim",
    "outbox": "homeshop_privacy_outboundmessage",
    "access log": "homeshop_privacy_personaldataaccess",
}


def _steps(n: dict[str, int]) -> list[tuple[str, str]]:
    c = n["customers"]
    # customer of the i-th row of a per-customer table: one row in 1,000 goes to customer 1
    cust = f"(CASE WHEN i % 1000 = 0 THEN 1 ELSE 1 + (i * 7919) % {c} END)"
    return [
        (
            "staff",
            """
            INSERT INTO accounts_user (password, is_superuser, email, full_name, language,
                is_staff, is_active, date_joined)
            SELECT '!', false, 'bench-officer' || g || '@homeshop.kz', 'Офицер ' || g, 'ru',
                true, g <> 5, now()
            FROM generate_series(1, 5) g
            ON CONFLICT DO NOTHING;
            INSERT INTO accounts_user_groups (user_id, group_id)
            SELECT u.id, gr.id FROM accounts_user u, auth_group gr
            WHERE u.email LIKE 'bench-officer%' AND gr.name = 'Compliance officer'
            ON CONFLICT DO NOTHING;
            """,
        ),
        (
            "customers",
            f"""
            INSERT INTO accounts_customer (id, first_name, last_name, phone, email,
                preferred_language, created_at, updated_at)
            SELECT i, 'Имя' || (i % 997), 'Фамилия' || (i % 4999),
                '+770' || lpad(i::text, 8, '0'), 'customer' || i || '@example.kz',
                (ARRAY['ru', 'kk', 'en'])[1 + i % 3],
                now() - make_interval(secs => i * 60), now() - make_interval(secs => i * 30)
            FROM generate_series(1::bigint, {c}) i;
            """,
        ),
        (
            "orders",
            f"""
            INSERT INTO accounts_order (id, number, placed_at, seller_name, status, total,
                currency, customer_id)
            SELECT i, 'HS-' || lpad(i::text, 10, '0'),
                now() - make_interval(secs => (i * 7411) % (3 * 365 * 86400)),
                'Продавец ' || (i % 500),
                (ARRAY['placed', 'paid', 'shipped', 'delivered', 'cancelled', 'returned'])
                    [1 + i % 6],
                (i % 100000) / 100.0, 'KZT', {cust}
            FROM generate_series(1::bigint, {n["orders"]}) i;
            """,
        ),
        (
            "visits",
            f"""
            INSERT INTO accounts_visitevent (id, occurred_at, page_url, ip_address, user_agent,
                referrer, cookie_id)
            SELECT i, now() - make_interval(secs => i * 6),
                'https://homeshop.kz/catalog/' || (i % 1000) || '/',
                ('10.' || (i % 250) || '.' || (i / 250 % 250) || '.1')::inet,
                'Mozilla/5.0 (bench)', '', 'c' || (i % {c})
            FROM generate_series(1::bigint, {n["visits"]}) i;
            """,
        ),
        (
            "consent events",
            f"""
            INSERT INTO consents_consentevent (id, action, occurred_at, recorded_at, channel,
                ip_address, user_agent, note, customer_id, policy_version_id, purpose_id,
                chain_evidence, chain_hash, chain_prev)
            SELECT i, CASE WHEN (i * 31) % 7 < 4 THEN 'grant' ELSE 'withdraw' END,
                now() - make_interval(secs => ({n["consent_events"]} - i) * 10),
                now() - make_interval(secs => ({n["consent_events"]} - i) * 10),
                'registration', '192.0.2.1', '', '', {cust},
                (SELECT min(id) FROM consents_policyversion),
                p.ids[1 + i % 3], '{{}}', md5(i::text) || md5(i::text), ''
            FROM generate_series(1::bigint, {n["consent_events"]}) i,
                (SELECT array_agg(id ORDER BY code) ids FROM consents_purpose
                 WHERE code IN ('4.2.6', '4.2.7', 'cookies.analytics')) p;
            INSERT INTO consents_consentstate (is_granted, changed_at, customer_id, event_id,
                purpose_id)
            SELECT DISTINCT ON (customer_id, purpose_id) action = 'grant', occurred_at,
                customer_id, id, purpose_id
            FROM consents_consentevent ORDER BY customer_id, purpose_id, occurred_at DESC,
                id DESC;
            """,
        ),
        (
            "disclosures",
            f"""
            INSERT INTO disclosures_recipient (legal_name, kind, bin, foreign_registration,
                country, contact, agreement_reference, is_active, created_at,
                transfer_ground, transfer_ground_note)
            SELECT 'ТОО Получатель ' || g, (ARRAY['seller', 'courier', 'postal'])[1 + g % 3],
                lpad((100000000000 + g)::text, 12, '0'), '', 'KZ', '', 'Д-' || g, true, now(),
                '', ''
            FROM generate_series(1, 20) g;
            INSERT INTO disclosures_disclosure (id, basis, categories, disclosed_at, reference,
                request_number, legal_ground, note, line_count, recorded_at, purpose_id,
                recipient_id, chain_evidence, chain_hash, chain_prev)
            SELECT i, '5.4.2', '["contacts"]', now() - make_interval(secs => i * 30),
                'DSC-' || lpad(i::text, 9, '0'), '', '', '', 1, now(),
                (SELECT min(id) FROM consents_purpose WHERE code = '4.2.6'),
                r.ids[1 + i % 20], '{{}}', md5(i::text) || md5(i::text), ''
            FROM generate_series(1::bigint, {n["disclosures"]}) i,
                (SELECT array_agg(id ORDER BY id) ids FROM disclosures_recipient) r;
            INSERT INTO disclosures_disclosureline (id, line_no, disclosed_at, customer_id,
                disclosure_id, order_id, chain_evidence, chain_hash, chain_prev)
            SELECT i, 1, now() - make_interval(secs => i * 30), {cust}, i,
                CASE WHEN i <= {n["orders"]} THEN i END, '{{}}',
                md5(i::text) || md5(i::text), ''
            FROM generate_series(1::bigint, {n["disclosures"]}) i;
            """,
        ),
        (
            "claims",
            f"""
            INSERT INTO claims_claimcategory (code, name, name_kk, name_en, term_days,
                answer_template_ru, answer_template_kk, answer_template_en, is_active,
                needs_identity_check, term_unit)
            VALUES ('bench-general', 'Общее', 'Жалпы', 'General', 15, '', '', '', true,
                false, 'calendar')
            ON CONFLICT DO NOTHING;
            INSERT INTO claims_claim (id, reference, claimant_kind, claimant_name,
                claimant_email, claimant_phone, claimant_address, claimant_language,
                received_at, received_on, channel, subject, text, internal_notes,
                related_disclosure, related_breach, status, outcome, term_days, extra_days,
                due_on, due_moved_because, answered_at, answered_on_time, closed_at,
                created_at, assignee_id, customer_id, category_id, identity_method,
                no_personal_data_reason, term_unit, identity_code_digest, identity_code_failures)
            SELECT i,
                'PR-' || (2020 + i / 1048576) || '-' || upper(lpad(to_hex(i % 1048576), 5, '0')),
                'person', 'Заявитель ' || i,
                'claimant' || i || '@example.kz', '+770' || lpad(i::text, 8, '0'), '', 'ru',
                rec, rec::date, (ARRAY['web', 'email', 'post'])[1 + i % 3],
                'Тема обращения ' || (i % 1000), 'Текст обращения ' || i, '', '', '',
                st, CASE WHEN st = 'closed' THEN 'settled' ELSE '' END, 15, 0,
                rec::date + 15, '[]',
                CASE WHEN st IN ('answered', 'closed') THEN rec + interval '5 days' END,
                CASE WHEN st IN ('answered', 'closed') THEN true END,
                CASE WHEN st = 'closed' THEN rec + interval '6 days' END,
                rec, CASE WHEN i % 10 = 3 THEN NULL ELSE a.ids[1 + i % 4] END,
                CASE WHEN i % 100 = 0 THEN 1 ELSE 1 + (i * 7919) % {c} END, cat.id,
                '', '', 'calendar', '', 0
            FROM (
                SELECT i,
                    -- 7% open: received 0..29 days ago; the rest answered or closed
                    CASE WHEN i % 100 < 7 THEN now() - make_interval(days => (i % 30)::int)
                         ELSE now() - make_interval(days => (30 + i % 900)::int) END AS rec,
                    CASE WHEN i % 100 < 4 THEN 'received'
                         WHEN i % 100 < 7 THEN 'in_review'
                         WHEN i % 100 < 40 THEN 'answered' ELSE 'closed' END AS st
                FROM generate_series(1::bigint, {n["claims"]}) i
            ) s,
            (SELECT array_agg(id ORDER BY id) ids FROM accounts_user
             WHERE email LIKE 'bench-officer%') a,
            (SELECT id FROM claims_claimcategory WHERE code = 'bench-general') cat;
            """,
        ),
        (
            "outbox",
            f"""
            INSERT INTO homeshop_privacy_outboundmessage (id, reason, object_key, recipient,
                language, subject, body_text, body_html, headers, message_id, status, attempts,
                last_error, next_attempt_at, created_at, sent_at, attempts_before_retry,
                body_template, link_kind, possible_duplicates, stop_requested, attachments,
                bounce_status)
            SELECT i, (ARRAY['claims.ack', 'consents.policy_change', 'accounts.welcome'])
                    [1 + i % 3],
                'bench:' || i, 'customer' || (1 + i % {c}) || '@example.kz', 'ru',
                'Сообщение ' || i, 'Текст', '', '{{}}', '<bench' || i || '@homeshop.kz>',
                CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'sent' END, 1, '',
                now(), now() - make_interval(secs => i * 20),
                CASE WHEN i % 50 = 0 THEN NULL ELSE now() - make_interval(secs => i * 20) END,
                0, '', '', 0, false, '[]', ''
            FROM generate_series(1::bigint, {n["outbox"]}) i;
            """,
        ),
        (
            "access log",
            f"""
            INSERT INTO homeshop_privacy_personaldataaccess (id, at, action, subject_key,
                path, user_id)
            SELECT i, now() - make_interval(secs => i * 12),
                (ARRAY['view', 'history', 'export', 'search'])[1 + i % 4],
                'accounts.customer:' || (1 + (i * 7919) % {c}), '/admin/', a.ids[1 + i % 4]
            FROM generate_series(1::bigint, {n["access_log"]}) i,
                (SELECT array_agg(id ORDER BY id) ids FROM accounts_user
                 WHERE email LIKE 'bench-officer%') a;
            """,
        ),
    ]


SEQUENCED = (
    "accounts_customer",
    "accounts_order",
    "accounts_visitevent",
    "consents_consentevent",
    "disclosures_disclosure",
    "disclosures_disclosureline",
    "claims_claim",
    "homeshop_privacy_outboundmessage",
    "homeshop_privacy_personaldataaccess",
)


def generate(*, scale: float, log=print) -> dict[str, int]:
    """Fill the (migrated, empty) database of ``connection`` at ``scale``."""
    import time

    n = sizes(scale)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for name, sql in _steps(n):
            if name in STEP_TABLES:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {STEP_TABLES[name]} WHERE id = 1)")
                if cursor.fetchone()[0]:
                    log(f"  {name}: already there")
                    continue
            start = time.perf_counter()
            cursor.execute(sql)
            log(f"  {name}: {time.perf_counter() - start:.1f}s")
        for table in SEQUENCED:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # visibility map for index-only scans, statistics for the planner
        cursor.execute("VACUUM ANALYZE")
    return n
