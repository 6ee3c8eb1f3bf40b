"""The bounded load test of ``manage.py bench_load`` (issue 14): locust, headless.

Customers sign in and open their account page; compliance officers sign in (password and
a backup code, the second factor stays on) and open the admin list pages; the shop's back
end asks the promotion check about 1,000 addresses with its API key. The accounts are
made by ``bench_load`` in the bench database and read from ``LOADTEST_USERS`` (a JSON file
under var/). Invented accounts with throwaway passwords, never a real database.
"""

import itertools
import json
import os
import re

from locust import HttpUser, between, task

with open(os.environ["LOADTEST_USERS"]) as handle:
    USERS = json.load(handle)

_customers = itertools.cycle(USERS["customers"])
_officers = itertools.cycle(USERS["officers"])
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

LIST_PAGES = [
    "/admin/accounts/order/",
    "/admin/accounts/customer/",
    "/admin/claims/claim/",
    "/admin/claims/claim/?due=overdue",
    "/admin/consents/consentevent/",
    "/admin/disclosures/disclosure/",
    "/admin/homeshop_privacy/outboundmessage/?status__exact=failed",
    "/admin/homeshop_privacy/personaldataaccess/",
]


def _post_form(client, url, data, name):
    page = client.get(url, name=name)
    token = _CSRF.search(page.text)
    data = {**data, "csrfmiddlewaretoken": token.group(1) if token else ""}
    return client.post(url, data=data, headers={"Referer": client.base_url + url}, name=name)


def _signed_in_get(client, url, name):
    """A page that came back as the sign-in (or code) page counts as an error."""
    with client.get(url, name=name, catch_response=True) as response:
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")
        elif "/login/" in response.url or "two-factor" in response.url:
            response.failure("not signed in")
        else:
            response.success()


class Customer(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        account = next(_customers)
        _post_form(
            self.client,
            "/account/login/",
            {"username": account["email"], "password": account["password"]},
            "customer sign-in",
        )

    @task
    def account_page(self):
        _signed_in_get(self.client, "/account/", "account page")


class Officer(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        account = next(_officers)
        _post_form(
            self.client,
            "/admin/login/?next=/admin/",
            {"username": account["email"], "password": account["password"]},
            "officer sign-in",
        )
        code = account["codes"].pop()
        _post_form(self.client, "/admin/two-factor/", {"token": code}, "officer code")

    @task
    def list_page(self):
        for url in LIST_PAGES:
            _signed_in_get(self.client, url, url)


class Shop(HttpUser):
    """The shop's back end asks before a promotion (issue 12): 1,000 addresses a call."""

    weight = 1
    wait_time = between(1, 3)

    @task
    def promotion_check(self):
        self.client.post(
            "/api/v1/promotions/check/",
            json={"emails": USERS["emails"]},
            headers={"Authorization": f"Bearer {USERS['api_key']}"},
            name="/api/v1/promotions/check/ (1,000 emails)",
        )
