"""Every admin list page as ``Measure``s of ``manage.py bench`` (issue 14).

For each model registered in the admin: the first page, the first choice of each filter,
page 1,000, and the searches named in ``SEARCHES`` (a term looked up in the data set by
SQL). The raw SQL of a list page fetches the same rows by primary key. Then the customer
page of the customer with the most rows and that customer's account page.
"""

from django.contrib import admin
from django.urls import reverse

from .benchmarks import Measure, admin_client, raw_sql

#: Searches per admin (model label): (what, SQL returning one search term).
SEARCHES: dict[str, list[tuple[str, str]]] = {
    "accounts.customer": [
        ("exact email", "SELECT email FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 7"),
        ("phone", "SELECT phone FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 9"),
        ("last name", "SELECT last_name FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 11"),
    ],
    "accounts.order": [
        ("order number", "SELECT number FROM accounts_order ORDER BY id LIMIT 1 OFFSET 5"),
        ("customer email", "SELECT email FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 2"),
    ],
    "accounts.visitevent": [
        ("cookie id", "SELECT cookie_id FROM accounts_visitevent ORDER BY id LIMIT 1"),
    ],
    "accounts.user": [("email", "SELECT email FROM accounts_user ORDER BY id LIMIT 1")],
    "claims.claim": [
        ("reference", "SELECT reference FROM claims_claim ORDER BY id LIMIT 1 OFFSET 3"),
        ("claimant email", "SELECT claimant_email FROM claims_claim ORDER BY id LIMIT 1"),
        ("part of a name", "SELECT 'Заявитель 4242'"),
    ],
    "consents.consentevent": [
        ("customer email", "SELECT email FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 2"),
        ("customer phone", "SELECT phone FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 2"),
    ],
    "disclosures.disclosure": [
        ("reference", "SELECT reference FROM disclosures_disclosure ORDER BY id LIMIT 1"),
        ("customer phone", "SELECT phone FROM accounts_customer ORDER BY id LIMIT 1 OFFSET 2"),
        ("order number", "SELECT number FROM accounts_order ORDER BY id LIMIT 1 OFFSET 5"),
    ],
    "homeshop_privacy.outboundmessage": [
        ("recipient", "SELECT recipient FROM homeshop_privacy_outboundmessage LIMIT 1"),
        ("object key", "SELECT object_key FROM homeshop_privacy_outboundmessage LIMIT 1"),
    ],
    "homeshop_privacy.personaldataaccess": [
        ("record", "SELECT subject_key FROM homeshop_privacy_personaldataaccess LIMIT 1"),
    ],
}


def _state_for(url: str, model):
    client = admin_client()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    try:
        ids = [obj.pk for obj in response.context["cl"].result_list]
    except (KeyError, TypeError):
        ids = []  # not a list page
    table = model._meta.db_table if model is not None else ""
    return {"client": client, "url": url, "ids": ids, "table": table}


def _get(state):
    response = state["client"].get(state["url"])
    assert response.status_code == 200, response.status_code


def _raw_rows(state):
    if not state["ids"]:
        return False  # an empty page: nothing to compare with
    return raw_sql(f"SELECT * FROM {state['table']} WHERE id = ANY(%s)", [state["ids"]])


def _page(name: str, url_fn, model) -> Measure:
    return Measure(
        name,
        setup=lambda: _state_for(url_fn(), model),
        run=_get,
        raw=_raw_rows,
    )


def _filter_queries(url: str) -> list[tuple[str, str]]:
    """(filter title, query string of its first real choice) of a changelist."""
    response = admin_client().get(url)
    if response.status_code != 200 or not response.context:
        return []
    changelist = response.context["cl"]
    out = []
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            query = choice.get("query_string", "?")
            if not choice.get("selected") and query not in ("?", ""):
                out.append((str(spec.title), query))
                break
    return out


def admin_pages() -> list[Measure]:
    """Built once a data set is in place (filter choices come from the data)."""
    from urllib.parse import quote

    measures = []
    for model in list(admin.site._registry):
        label = model._meta.label_lower
        try:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except Exception:  # noqa: BLE001 - an admin without a list page
            continue
        measures.append(_page(f"admin {label}: first page", lambda u=url: u, model))
        for title, query in _filter_queries(url):
            measures.append(
                _page(f"admin {label}: filter {title}", lambda u=url, q=query: u + q, model)
            )
        for what, sql in SEARCHES.get(label, []):

            def search_url(u=url, s=sql):
                rows = raw_sql(s)
                return f"{u}?q={quote(str(rows[0][0]))}" if rows else u

            measures.append(_page(f"admin {label}: search {what}", search_url, model))
        if label in SEARCHES:
            measures.append(
                _page(f"admin {label}: page 1,000 (or the last)", _far_page(url, model), model)
            )
    measures += [
        Measure(
            "admin: customer page, customer with most rows",
            setup=lambda: _state_for(
                reverse("admin:accounts_customer_change", args=[_busiest_customer()]), None
            ),
            run=_get,
        ),
    ]
    return measures


def _far_page(url: str, model):
    def url_fn():
        per_page = admin.site._registry[model].list_per_page
        table = model._meta.db_table
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) t"
        rows = raw_sql(sql, [1000 * per_page])
        pages = max((rows[0][0] + per_page - 1) // per_page, 1)
        return f"{url}?p={min(1000, pages)}"

    return url_fn


def _busiest_customer() -> int:
    rows = raw_sql(
        "SELECT customer_id FROM accounts_order GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
    )
    return rows[0][0]
