"""Who may do what: the one table of the project's access rules (1.5), and its walker.

The table is written as rules per role with per-model, per-action and per-page
exceptions; ``expand()`` turns it into one expected outcome per cell (role × URL).
``walk()`` lists what the running project offers: every registered ModelAdmin with its
URL kinds, actions and custom views, the admin site's own views, and every
customer-facing URL of the root resolver. ``unnamed()`` reports what the walker found
that the table does not name, so a new model, action or URL fails the matrix test until
someone writes down who may use it.

To add a column later, add a role to ``ROLES`` and its rules below; every rule that does
not name the new role refuses it.

The shop's API (issue 12, ``/api/v1/``) has its own roles: the scopes of API keys.
``API_ENDPOINTS`` names the one scope each API URL and method needs; its cells (every
scope, no key, a signed-in session) are checked by ``test_api_matrix.py``, and an API
URL the table does not name fails the guard like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

# --- roles (the columns) ------------------------------------------------------------------

SU = "superuser"
OFFICER = "officer"  # the Compliance officer group
SUPPORT = "support"  # the Support agent group
AUDITOR = "auditor"  # the Auditor group
STAFF = "staff"  # is_staff, no group, no permission
CUSTOMER = "customer"  # a signed-in customer account (not staff)
ANON = "anonymous"

ROLES = (SU, OFFICER, SUPPORT, AUDITOR, STAFF, CUSTOMER, ANON)
STAFF_ROLES = (SU, OFFICER, SUPPORT, AUDITOR, STAFF)
EVERYONE = frozenset(ROLES)

# --- outcomes -----------------------------------------------------------------------------

ALLOW = "allow"  # reads: 200 (a download: 200 with an attachment); writes: the DB changed
DENY = "deny"  # 403/404/405 or a bounce back; writes: nothing in the DB changed
LOGIN = "login"  # 302 to a sign-in page; writes: nothing in the DB changed

# --- admin URL kinds of a registered model ------------------------------------------------

CHANGELIST = "changelist"
ADD_GET = "add GET"
ADD_POST = "add POST"
CHANGE_GET = "change GET"
CHANGE_POST = "change POST"
DELETE_GET = "delete GET"
DELETE_POST = "delete POST"
HISTORY = "history"
VERSION_GET = "history version GET"
VERSION_POST = "history version POST"

MODEL_KINDS = (
    CHANGELIST,
    ADD_GET,
    ADD_POST,
    CHANGE_GET,
    CHANGE_POST,
    DELETE_GET,
    DELETE_POST,
    HISTORY,
    VERSION_GET,
    VERSION_POST,
)
WRITE_KINDS = frozenset({ADD_POST, CHANGE_POST, DELETE_POST, VERSION_POST})

# Access levels, each a set of kinds.
READ = frozenset({CHANGELIST, CHANGE_GET, HISTORY, VERSION_GET})
EDIT = READ | {ADD_GET, ADD_POST, CHANGE_POST}
FULL = EDIT | {DELETE_GET, DELETE_POST}
NONE = frozenset()
LEVELS = {"-": NONE, "r": READ, "rw": EDIT, "rwd": FULL}

ADD = frozenset({ADD_GET, ADD_POST})
DELETE = frozenset({DELETE_GET, DELETE_POST})

# What an admin does not offer to anyone, the superuser included. History versions are
# read-only for everyone (issue 8 item 1), so VERSION_POST is in every row.
ALWAYS_REFUSED = frozenset({VERSION_POST})

# --- the models (rows): level per role, and what nobody may do ----------------------------

# The default level of each staff role on a project model (officer: everything in the
# project apps; auditor: reads everything; support: nothing unless a rule below says so).
ROLE_DEFAULTS = {SU: "rwd", OFFICER: "rwd", SUPPORT: "-", AUDITOR: "r", STAFF: "-"}

# Support agents help customers: customers and claims without deletes, consents and the
# register read-only, nothing about breaches, the outbox, the calendar or the access log.
_SUPPORT_RW = {SUPPORT: "rw"}
_SUPPORT_R = {SUPPORT: "r"}


@dataclass(frozen=True)
class ModelRule:
    # role -> a level name of LEVELS or a set of kinds (e.g. READ | DELETE), over ROLE_DEFAULTS
    levels: dict = field(default_factory=dict)
    never: frozenset = NONE  # kinds no role may use (append-only, no add, ...)
    why: str = ""


APPEND_ONLY = frozenset({CHANGE_POST}) | DELETE
NO_WRITES = ADD | {CHANGE_POST} | DELETE

MODELS: dict[str, ModelRule] = {
    # Staff accounts, groups and privileges: superusers only (issue 8 item 2).
    "auth.group": ModelRule({OFFICER: "-", AUDITOR: "-"}, why="superuser only"),
    # Officers and auditors read users; only a superuser writes one (the targets are staff).
    "accounts.user": ModelRule({OFFICER: "r", SUPPORT: "-", AUDITOR: "r"}, why="8.2"),
    "accounts.customer": ModelRule(_SUPPORT_RW, never=DELETE, why="4.1: anonymised, not deleted"),
    "accounts.order": ModelRule(_SUPPORT_RW),
    "accounts.visitevent": ModelRule(_SUPPORT_R, never=ADD | {CHANGE_POST}),
    # 4.1: a legal hold is a compliance decision: officers place and release it, auditors
    # read it, support agents do not see it; never deleted (released, with history).
    "accounts.customerhold": ModelRule(
        {SUPPORT: "-"}, never=DELETE | {CHANGE_POST}, why="4.1: placed, then released"
    ),
    "accounts.accountclosurerequest": ModelRule(_SUPPORT_RW, never=ADD | DELETE),
    # 1.5: the audit of second factors and lifted locks is read by officers and auditors;
    # nobody writes it through the admin (it is written with the change it records).
    "accounts.securityevent": ModelRule(never=NO_WRITES, why="issue 8 items 6, 7"),
    # Failed sign-ins (django-axes, issue 8 item 6): officers see them and lift a lock by
    # deleting the attempts (audited as a SecurityEvent), auditors only see them, support
    # agents have no access; the attempts themselves are never edited or added by hand.
    "axes.accessattempt": ModelRule(never=ADD | {CHANGE_POST}, why="issue 8 item 6"),
    "consents.policyversion": ModelRule(_SUPPORT_R),
    "consents.purpose": ModelRule(_SUPPORT_R, never=ADD | DELETE, why="4.2 catalogue"),
    # The ledger keeps no edit history (rows never change): no history version page.
    "consents.consentevent": ModelRule(_SUPPORT_R, never=APPEND_ONLY | {VERSION_GET}),
    "disclosures.recipient": ModelRule(_SUPPORT_R, never=DELETE),
    "disclosures.writtenpermission": ModelRule(_SUPPORT_R, never=DELETE),
    # Register entries are append-only: no history either (issue 15 item 9).
    "disclosures.disclosure": ModelRule(_SUPPORT_R, never=APPEND_ONLY | {VERSION_GET}),
    "disclosures.breachincident": ModelRule(never=DELETE),
    # A category term sets every due date (6.2): support agents read it only.
    "claims.claimcategory": ModelRule(_SUPPORT_R, never=DELETE),
    "claims.claim": ModelRule(_SUPPORT_RW, never=DELETE),
    "homeshop_privacy.outboundmessage": ModelRule(never=NO_WRITES),
    "homeshop_privacy.calendaroverride": ModelRule(),
    "homeshop_privacy.personaldataaccess": ModelRule(never=NO_WRITES),
    # Issue 12: officers make API keys and webhook endpoints, auditors read them, support
    # agents have no access. A key is revoked (an action), an endpoint deactivated, never
    # deleted: history, the access log and the deliveries name them. Deliveries are a
    # record of what was sent: read, and retried by an officer (an action).
    "homeshop_privacy.apikey": ModelRule(never=DELETE, why="issue 12"),
    "homeshop_privacy.webhookendpoint": ModelRule(never=DELETE, why="issue 12"),
    "homeshop_privacy.webhookdelivery": ModelRule(never=NO_WRITES, why="issue 12"),
    # 4.1 (issue 11): officers set the terms (switched off, never deleted); auditors read;
    # the runs are written by the daily task only.
    "homeshop_privacy.retentionrule": ModelRule(never=DELETE, why="4.1"),
    "homeshop_privacy.retentionrun": ModelRule(never=NO_WRITES | {VERSION_GET}, why="4.1"),
}


def model_outcome(label: str, kind: str, role: str) -> str:
    if role in (CUSTOMER, ANON):
        return LOGIN
    rule = MODELS[label]
    level = rule.levels.get(role, ROLE_DEFAULTS[role])
    if kind in ALWAYS_REFUSED or kind in rule.never:
        return DENY
    kinds = LEVELS[level] if isinstance(level, str) else level
    return ALLOW if kind in kinds else DENY


def _model_roles(label: str, kind: str) -> frozenset:
    return frozenset(r for r in ROLES if model_outcome(label, kind, r) == ALLOW)


# --- variants of a model URL kind on another target ----------------------------------------

# (label, kind, variant) -> roles allowed. "self": the acting user's own account, with
# is_superuser ticked and the Compliance officer group: nobody raises their own privileges
# (issue 8 item 2); a superuser only renames itself.
VARIANTS = {
    ("accounts.user", CHANGE_POST, "self"): frozenset({SU}),
}

# --- actions ------------------------------------------------------------------------------

WRITE = "write"  # allowed means: the DB changed (or work was queued after commit)
DOWNLOAD = "download"  # allowed means: 200 with an attachment

_EXPORTERS = frozenset({SU, OFFICER, SUPPORT, AUDITOR})
_OFFICERS = frozenset({SU, OFFICER})

# (model label, action name) -> (effect, roles allowed). ``delete_selected`` follows the
# model's DELETE_POST cell unless named here.
ACTIONS: dict[tuple[str, str], tuple[str, frozenset]] = {
    ("homeshop_privacy.outboundmessage", "retry_failed"): (WRITE, _OFFICERS),
    ("accounts.customerhold", "release_holds"): (WRITE, _OFFICERS),
    ("accounts.customer", "export_proof_json"): (DOWNLOAD, _EXPORTERS),
    ("accounts.customer", "export_proof_csv"): (DOWNLOAD, _EXPORTERS),
    ("consents.consentevent", "export_proof_json"): (DOWNLOAD, _EXPORTERS),
    ("consents.consentevent", "export_proof_csv"): (DOWNLOAD, _EXPORTERS),
    ("consents.policyversion", "publish"): (WRITE, _OFFICERS),
    ("consents.policyversion", "notify_again"): (WRITE, _OFFICERS),
    # 7.1: a published version is never deleted; a draft is deleted from its own page only.
    ("consents.policyversion", "delete_selected"): (WRITE, frozenset()),
    # Officer-only, with permissions of their own (issue 8 item 4).
    ("disclosures.disclosure", "void_selected"): (WRITE, _OFFICERS),
    ("disclosures.breachincident", "start_notification"): (WRITE, _OFFICERS),
    # Lifting a sign-in lock needs the delete permission (officers); Django's own "delete
    # selected" is removed there, as it would skip the audit row (issue 8 item 6).
    ("axes.accessattempt", "unlock"): (WRITE, _OFFICERS),
    ("axes.accessattempt", "delete_selected"): (WRITE, frozenset()),
    ("homeshop_privacy.apikey", "revoke_selected"): (WRITE, _OFFICERS),
    ("homeshop_privacy.webhookdelivery", "retry_deliveries"): (WRITE, _OFFICERS),
}


def action_rule(label: str, name: str) -> tuple[str, frozenset] | None:
    if (label, name) in ACTIONS:
        return ACTIONS[(label, name)]
    if name == "delete_selected" and label in MODELS:
        return WRITE, _model_roles(label, DELETE_POST)
    return None


# --- custom admin views (ModelAdmin.get_urls beyond the standard ones) ---------------------

PAGE = "page"  # allowed means: 200
PAGE_OR_REDIRECT = "page or redirect"  # allowed means: 200 or 302 (not to a sign-in page)
# allowed means: the health document (JSON naming checks and states, no personal data);
# 200 when healthy and 500 when a check fails, by design (issue 9 §6).
HEALTH = "health document"

# url name -> {method: (effect, roles allowed)}
ADMIN_VIEWS: dict[str, dict[str, tuple[str, frozenset]]] = {
    # A staff member's password: superusers only (issue 8 item 2).
    "auth_user_password_change": {"GET": (PAGE, frozenset({SU})), "POST": (WRITE, frozenset({SU}))},
    "disclosures_writtenpermission_scan": {"GET": (DOWNLOAD, _EXPORTERS)},
    # The register export: officers and auditors, not support (it lists everyone).
    "disclosures_disclosure_export_csv": {"GET": (DOWNLOAD, frozenset({SU, OFFICER, AUDITOR}))},
    # 5.4.3: showing a state body's request to the customer is the officer's decision.
    "disclosures_disclosure_visibility": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    # Art. 25 p.2: a breach's status and its filing with the regulator are the officer's;
    # the filing document is read by whoever may view the incident (auditors too).
    "disclosures_breachincident_status": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    "disclosures_breachincident_file": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    "disclosures_breachincident_filing_document": {
        "GET": (DOWNLOAD, frozenset({SU, OFFICER, AUDITOR}))
    },
    # The answer letter before it is sent: whoever may view the claim and its answer
    # (view_claim and view_claimanswer); the view is in the access log (1.5).
    "claims_claim_answer_preview": {"GET": (PAGE, frozenset({SU, OFFICER, SUPPORT, AUDITOR}))},
    "claims_claim_step": {
        "GET": (PAGE, frozenset({SU, OFFICER, SUPPORT})),
        "POST": (WRITE, frozenset({SU, OFFICER, SUPPORT})),
    },
    # Issue 11: the requester's identity. Sending the one-time code to the email on file
    # and entering the code the requester reads out help the customer (whoever may change
    # a claim: officers, support agents); answering without personal data is the
    # officer's decision. Auditors read the state on the claim's page, nothing more.
    "claims_claim_identity_code_send": {
        "GET": (PAGE, frozenset({SU, OFFICER, SUPPORT})),
        "POST": (WRITE, frozenset({SU, OFFICER, SUPPORT})),
    },
    "claims_claim_identity_code_verify": {
        "GET": (PAGE, frozenset({SU, OFFICER, SUPPORT})),
        "POST": (WRITE, frozenset({SU, OFFICER, SUPPORT})),
    },
    "claims_claim_no_personal_data": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    # 5.4.4 fan-out of a breach incident: telling customers and retrying is the officers'
    # (notify_breach); adding customers and recording a contact changes the incident
    # (officers); the auditor reads the progress and the lists; support sees no breach.
    "disclosures_breachincident_notify": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    "disclosures_breachincident_progress": {"GET": (PAGE, frozenset({SU, OFFICER, AUDITOR}))},
    "disclosures_breachincident_affected": {"GET": (PAGE, frozenset({SU, OFFICER, AUDITOR}))},
    "disclosures_breachincident_affected_add": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    "disclosures_breachincident_retry_failed": {"POST": (WRITE, _OFFICERS)},
    "disclosures_breachincident_unreached": {"GET": (PAGE, frozenset({SU, OFFICER, AUDITOR}))},
    "disclosures_breachincident_contact": {
        "GET": (PAGE, _OFFICERS),
        "POST": (WRITE, _OFFICERS),
    },
    # Issue 13: a year's days off beside the overrides; whoever reads the overrides reads
    # it, an officer confirms it (the calendar is not the support agents').
    "homeshop_privacy_calendaroverride_year": {
        "GET": (PAGE, frozenset({SU, OFFICER, AUDITOR})),
        "POST": (WRITE, _OFFICERS),
    },
}

# The admin site's own views. "app_list" is expanded per app label below.
_STAFF = frozenset(STAFF_ROLES)
SITE_VIEWS: dict[str, dict[str, tuple[str, frozenset]]] = {
    "index": {"GET": (PAGE, _STAFF)},
    "login": {"GET": (PAGE_OR_REDIRECT, EVERYONE)},
    "logout": {"POST": (PAGE_OR_REDIRECT, EVERYONE)},
    "password_change": {"GET": (PAGE, _STAFF), "POST": (WRITE, _STAFF)},
    "password_change_done": {"GET": (PAGE, _STAFF)},
    # Django answers an autocomplete for any relation to a model the user may view (here
    # a claim's customer): the roles that may list customers.
    "autocomplete": {"GET": (PAGE, frozenset({SU, OFFICER, SUPPORT, AUDITOR}))},
    "jsi18n": {"GET": (PAGE, _STAFF)},
    # Issue 13: the compliance summary and its CSV: whoever reads everything on it (staff
    # accounts included), so officers and auditors, not support agents.
    "compliance_summary": {"GET": (PAGE, frozenset({SU, OFFICER, AUDITOR}))},
    "compliance_summary_csv": {"GET": (DOWNLOAD, frozenset({SU, OFFICER, AUDITOR}))},
    # Issue 13: the header's language switcher; each staff member sets their own.
    "language": {"POST": (WRITE, _STAFF)},
    # The shortcut to a record's public page names the record: staff who may view it.
    "view_on_site": {"GET": (PAGE_OR_REDIRECT, frozenset({SU, OFFICER, SUPPORT, AUDITOR}))},
    # The second factor (issue 8 item 7): any staff member signed in with the password
    # enters a code or enrols a device there; anyone else is sent to the admin sign-in.
    "two_factor_verify": {"GET": (PAGE_OR_REDIRECT, _STAFF)},
    "two_factor_setup": {"GET": (PAGE_OR_REDIRECT, _STAFF)},
    "app_list": {},
    "catch_all": {"GET": (PAGE, frozenset())},  # an unknown admin URL: 404 to staff
}


def app_list_roles(app_label: str) -> frozenset:
    """An app's index page: staff who see at least one of its models."""
    labels = [label for label in MODELS if label.split(".")[0] == app_label]
    return frozenset(
        role
        for role in STAFF_ROLES
        if any(model_outcome(label, CHANGELIST, role) == ALLOW for label in labels)
    )


# --- customer-facing pages (the root URL resolver, admin excluded) -------------------------

_PUBLIC = EVERYONE
_CUSTOMER = frozenset({CUSTOMER})
# Staff read a claim's files with the claims permission; the claimant reads their own.
_CLAIM_FILES = frozenset({SU, OFFICER, SUPPORT, AUDITOR, CUSTOMER})


@dataclass(frozen=True)
class PageRule:
    methods: dict  # method -> (effect, roles allowed)
    anonymous: str = DENY  # the outcome for anyone refused who is not signed in
    note: str = ""


def _customer_page(**methods) -> PageRule:
    return PageRule({m.upper(): (e, _CUSTOMER) for m, e in methods.items()}, anonymous=LOGIN)


PAGES: dict[str, PageRule] = {
    # Issue 13: the public landing page ("View site" in the admin) and the browser's icon.
    "": PageRule({"GET": (PAGE, _PUBLIC)}, note="the landing page"),
    "favicon.ico": PageRule({"GET": (PAGE, _PUBLIC)}),
    "i18n/setlang/": PageRule({"POST": (PAGE_OR_REDIRECT, _PUBLIC)}),
    "account/": _customer_page(get=PAGE),
    "account/login/": PageRule({"GET": (PAGE_OR_REDIRECT, _PUBLIC)}),
    "account/logout/": PageRule({"POST": (PAGE_OR_REDIRECT, _PUBLIC)}),
    "account/password/reset/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "account/password/reset/sent/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "account/password/reset/<uidb64>/<token>/": PageRule({"GET": (PAGE_OR_REDIRECT, _PUBLIC)}),
    "account/password/reset/complete/": PageRule({"GET": (PAGE, _PUBLIC)}),
    # Issue 8 item 6: the emailed one-time link of a customer the shop recorded without a
    # sign-in; the signed token is the credential, used once (it creates the sign-in).
    "account/first-sign-in/<str:token>/": PageRule(
        {"GET": (PAGE_OR_REDIRECT, _PUBLIC), "POST": (WRITE, _PUBLIC)}
    ),
    # Issue 13: a one-time sign-in link by email. Asking is open to all (the page reads
    # the same whether or not the address is known); the signed token is the credential,
    # used once (opening shows a button, the POST signs in, creating the sign-in if none).
    "account/sign-in-link/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "account/sign-in-link/sent/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "account/sign-in/<str:token>/": PageRule(
        {"GET": (PAGE_OR_REDIRECT, _PUBLIC), "POST": (WRITE, _PUBLIC)}
    ),
    "account/edit/": _customer_page(get=PAGE, post=WRITE),
    # Issue 9 §5: the link sent to a new email address proves the mailbox; a GET shows a
    # button, the POST confirms. No sign-in is needed.
    "account/email/confirm/<str:token>/": PageRule(
        {"GET": (PAGE, _PUBLIC), "POST": (WRITE, _PUBLIC)}
    ),
    "account/addresses/add/": _customer_page(get=PAGE, post=WRITE),
    "account/addresses/<int:pk>/edit/": _customer_page(get=PAGE, post=WRITE),
    "account/addresses/<int:pk>/delete/": _customer_page(get=PAGE, post=WRITE),
    "account/export/my-data.json": _customer_page(get=DOWNLOAD),
    "account/export/my-data.zip": _customer_page(get=DOWNLOAD),
    "account/close/": _customer_page(get=PAGE, post=WRITE),
    # 4.3: the signed token is the credential; whoever holds the link may use it.
    "unsubscribe/<str:token>/": PageRule({"GET": (PAGE, _PUBLIC), "POST": (WRITE, _PUBLIC)}),
    "consents/choice/": _customer_page(post=WRITE),
    "privacy-policy/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "privacy-policy/<str:label>/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "claims/": _customer_page(get=PAGE),
    "claims/new/": _customer_page(get=PAGE, post=WRITE),
    "claims/attachments/<int:pk>/": PageRule({"GET": (DOWNLOAD, _CLAIM_FILES)}, anonymous=LOGIN),
    "claims/answers/<int:pk>/letter.pdf": PageRule(
        {"GET": (DOWNLOAD, _CLAIM_FILES)}, anonymous=LOGIN
    ),
    "claims/<str:reference>/": _customer_page(get=PAGE),
    # Issue 9 §6: for the operator's monitoring, open to all; it names no personal data.
    "health/": PageRule({"GET": (HEALTH, _PUBLIC)}),
    # Issue 12: the API's schema and its docs page name endpoints and fields, never data.
    "api/v1/schema/": PageRule({"GET": (PAGE, _PUBLIC)}),
    "api/v1/docs/": PageRule({"GET": (PAGE, _PUBLIC)}),
}

# --- the shop's API (issue 12): route -> {method: the API-key scope it needs} --------------

API_PREFIX = "api/v1/"
API_ENDPOINTS: dict[str, dict[str, str]] = {
    "api/v1/customers/": {"POST": "customers:write"},
    "api/v1/customers/<str:shop_customer_id>/consents/": {"GET": "consents:read"},
    "api/v1/orders/": {"POST": "orders:write"},
    "api/v1/orders/<str:number>/status/": {"POST": "orders:write"},
    "api/v1/checkout/consents/": {"POST": "consents:write"},
    "api/v1/consents/withdraw/": {"POST": "consents:write"},
    "api/v1/promotions/check/": {"POST": "promotions:check"},
    "api/v1/promotions/send/": {"POST": "promotions:send"},
    "api/v1/visit-events/": {"POST": "visits:write"},
    "api/v1/claims/": {"POST": "claims:write"},
    "api/v1/courier-manifests/": {"POST": "manifests:write"},
}

# (route, method, variant) -> roles allowed: the same page on another customer's record.
PAGE_VARIANTS = {
    ("account/addresses/<int:pk>/edit/", "POST", "other customer's"): frozenset(),
    ("account/addresses/<int:pk>/delete/", "POST", "other customer's"): frozenset(),
    ("claims/<str:reference>/", "GET", "other customer's"): frozenset(),
    ("claims/attachments/<int:pk>/", "GET", "other customer's"): frozenset(
        {SU, OFFICER, SUPPORT, AUDITOR}
    ),
    # A tampered or made-up link writes nothing, whoever posts it.
    ("account/first-sign-in/<str:token>/", "POST", "invalid link"): frozenset(),
    ("account/sign-in/<str:token>/", "POST", "invalid link"): frozenset(),
    ("account/email/confirm/<str:token>/", "POST", "invalid link"): frozenset(),
}


def page_outcome(rule: PageRule, allowed: frozenset, role: str) -> str:
    if role in allowed:
        return ALLOW
    return rule.anonymous if role == ANON else DENY


# --- the second factor (issue 8 item 7) ---------------------------------------------------

# A staff member signed in with the password alone (the code not entered yet) reaches the
# second-factor pages and nothing else of the admin, whatever their role: (area, target,
# what) -> allowed to every staff role, else refused to every one.
PASSWORD_ONLY = "password only"
SECOND_FACTOR_CELLS = {
    ("site view", "two_factor_verify", "GET"): True,
    ("site view", "two_factor_setup", "GET"): True,
    ("site view", "index", "GET"): False,
    ("site view", "password_change", "POST"): False,
    ("model", "accounts.customer", CHANGELIST): False,
    ("model", "accounts.customer", CHANGE_POST): False,
    ("model", "claims.claim", ADD_POST): False,
    ("action", "disclosures.breachincident", "start_notification"): False,
    ("admin view", "auth_user_password_change", "POST"): False,
    ("admin view", "disclosures_writtenpermission_scan", "GET"): False,
}


def _second_factor_effect(area: str, target: str, what: str) -> str:
    if area == "model":
        return _effect_of_kind(what)
    if area == "action":
        return ACTIONS[(target, what)][0]
    views = ADMIN_VIEWS if area == "admin view" else SITE_VIEWS
    return views[target][what][0]


# --- the walker ---------------------------------------------------------------------------

STANDARD_MODEL_URLS = {"changelist", "add", "history", "delete", "change", "simple_history"}


@dataclass(frozen=True)
class Found:
    """What the running project offers."""

    models: dict  # label -> set of kinds offered
    actions: set  # (label, action name)
    admin_views: set  # url names of custom ModelAdmin views
    site_views: set  # admin site view names, "app_list:<label>" per app
    pages: dict  # route -> set of methods the table must say something about


def _admin_url_suffix(model_admin, name: str | None) -> str | None:
    if name is None:
        return None
    prefix = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_"
    return name[len(prefix) :] if name.startswith(prefix) else name


def walk_model_admin(model_admin) -> tuple[set, set, set]:
    kinds, actions, custom = set(), set(), set()
    label = model_admin.opts.label_lower
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or pattern.name is None:
            continue  # the catch-all redirect <path:object_id>/ -> change/
        suffix = _admin_url_suffix(model_admin, pattern.name)
        if suffix == "changelist":
            kinds.add(CHANGELIST)
        elif suffix == "add":
            kinds |= {ADD_GET, ADD_POST}
        elif suffix == "change":
            kinds |= {CHANGE_GET, CHANGE_POST}
        elif suffix == "delete":
            kinds |= {DELETE_GET, DELETE_POST}
        elif suffix == "history":
            kinds.add(HISTORY)
        elif suffix == "simple_history":
            kinds |= {VERSION_GET, VERSION_POST}
        else:
            custom.add(pattern.name)
    for _func, name, _description in model_admin._get_base_actions():
        actions.add((label, name))
    return kinds, actions, custom


def walk_site(site: admin.AdminSite = admin.site) -> tuple[dict, set, set, set]:
    models, actions, custom, site_views = {}, set(), set(), set()
    for model, model_admin in site._registry.items():
        kinds, model_actions, model_custom = walk_model_admin(model_admin)
        models[model._meta.label_lower] = kinds
        actions |= model_actions
        custom |= model_custom
    for pattern in site.get_urls():
        if isinstance(pattern, URLResolver):
            continue  # the models' URLs, walked above
        if pattern.name == "app_list":
            site_views |= {f"app_list:{app}" for app in _app_labels(site)}
        elif pattern.name is None:
            site_views.add("catch_all")
        else:
            site_views.add(pattern.name)
    return models, actions, custom, site_views


def _app_labels(site) -> set:
    return {model._meta.app_label for model in site._registry}


def walk_pages(resolver=None, prefix: str = "") -> dict:
    """Every URL of the root resolver outside the admin, as its route string."""
    found = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            found.update(walk_pages(pattern, route))
        else:
            found[route] = None
    return found


def walk(site: admin.AdminSite = admin.site, resolver=None) -> Found:
    models, actions, custom, site_views = walk_site(site)
    return Found(models, actions, custom, site_views, walk_pages(resolver))


def unnamed(found: Found) -> list[str]:
    """What the project offers and the table does not say who may use: each must fail."""
    missing = [f"admin model {label}" for label in sorted(found.models) if label not in MODELS]
    missing += [
        f"admin action {label}.{name}"
        for label, name in sorted(found.actions)
        if action_rule(label, name) is None
    ]
    missing += [f"admin view {name}" for name in sorted(found.admin_views - set(ADMIN_VIEWS))]
    missing += [
        f"admin site view {name}"
        for name in sorted(found.site_views)
        if name.split(":")[0] not in SITE_VIEWS
    ]
    missing += [
        f"URL /{route}"
        for route in sorted(found.pages)
        if route not in PAGES and route not in API_ENDPOINTS
    ]
    return missing


def stale(found: Found) -> list[str]:
    """Rows of the table that name nothing the project offers any more."""
    gone = [f"admin model {label}" for label in sorted(set(MODELS) - set(found.models))]
    gone += [f"admin action {label}.{name}" for label, name in sorted(set(ACTIONS) - found.actions)]
    gone += [f"admin view {name}" for name in sorted(set(ADMIN_VIEWS) - found.admin_views)]
    gone += [f"URL /{route}" for route in sorted(set(PAGES) - set(found.pages))]
    gone += [f"API URL /{route}" for route in sorted(set(API_ENDPOINTS) - set(found.pages))]
    return gone


# --- expansion into cells -----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    area: str  # "model", "variant", "action", "admin view", "site view", "page", "page variant"
    target: str  # model label, url name or route
    what: str  # kind, action name or method
    role: str
    expected: str
    effect: str  # PAGE, PAGE_OR_REDIRECT, DOWNLOAD or WRITE
    variant: str = ""

    @property
    def id(self) -> str:
        variant = f"[{self.variant}]" if self.variant else ""
        return f"{self.target} {self.what}{variant} as {self.role}"


def _effect_of_kind(kind: str) -> str:
    return WRITE if kind in WRITE_KINDS else PAGE


def expand(found: Found) -> list[Cell]:
    cells = []
    for label, kinds in sorted(found.models.items()):
        if label not in MODELS:
            continue
        for kind in MODEL_KINDS:
            if kind not in kinds:
                continue
            for role in ROLES:
                cells.append(
                    Cell(
                        "model",
                        label,
                        kind,
                        role,
                        model_outcome(label, kind, role),
                        _effect_of_kind(kind),
                    )
                )
    for (label, kind, variant), allowed in VARIANTS.items():
        if kind in found.models.get(label, ()):
            for role in STAFF_ROLES:
                expected = ALLOW if role in allowed else DENY
                cells.append(Cell("variant", label, kind, role, expected, WRITE, variant))
    for label, name in sorted(found.actions):
        rule = action_rule(label, name)
        if rule is None:
            continue
        effect, allowed = rule
        for role in ROLES:
            expected = ALLOW if role in allowed else (LOGIN if role in (CUSTOMER, ANON) else DENY)
            cells.append(Cell("action", label, name, role, expected, effect))
    for name in sorted(found.admin_views):
        for method, (effect, allowed) in ADMIN_VIEWS.get(name, {}).items():
            for role in ROLES:
                expected = (
                    ALLOW if role in allowed else (LOGIN if role in (CUSTOMER, ANON) else DENY)
                )
                cells.append(Cell("admin view", name, method, role, expected, effect))
    for name in sorted(found.site_views):
        base, _sep, app = name.partition(":")
        methods = (
            {"GET": (PAGE, app_list_roles(app))} if base == "app_list" else SITE_VIEWS.get(base, {})
        )
        for method, (effect, allowed) in methods.items():
            for role in ROLES:
                # Every admin site view but the sign-in page sends a non-staff visitor there.
                if role in allowed:
                    expected = ALLOW
                else:
                    expected = LOGIN if role in (CUSTOMER, ANON) else DENY
                cells.append(Cell("site view", name, method, role, expected, effect))
    for (area, target, what), allowed in SECOND_FACTOR_CELLS.items():
        effect = _second_factor_effect(area, target, what)
        for role in STAFF_ROLES:
            expected = ALLOW if allowed else DENY
            cells.append(Cell(area, target, what, role, expected, effect, PASSWORD_ONLY))
    for route in sorted(found.pages):
        rule = PAGES.get(route)
        if rule is None:
            continue
        for method, (effect, allowed) in rule.methods.items():
            for role in ROLES:
                cells.append(
                    Cell("page", route, method, role, page_outcome(rule, allowed, role), effect)
                )
    for (route, method, variant), allowed in PAGE_VARIANTS.items():
        rule = PAGES.get(route)
        if rule is None or route not in found.pages:
            continue
        effect = rule.methods[method][0]
        for role in ROLES:
            cells.append(
                Cell(
                    "page variant",
                    route,
                    method,
                    role,
                    page_outcome(rule, allowed, role),
                    effect,
                    variant,
                )
            )
    return cells
