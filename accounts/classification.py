"""1.1: the classification of the accounts app's fields (issue 15 item 3).

Every app declares its own fields in its ``classification.py`` and registers them from
its ``AppConfig.ready()`` into ``homeshop_privacy.classification``; this module holds
the accounts app's part and, for the callers that read the classification through
accounts (export, tests), the registry's questions under their old names.
"""

from homeshop_privacy import classification as registry
from homeshop_privacy.classification import (  # noqa: F401  (the accounts-side names)
    PERSONAL_CATEGORIES,
    PROJECT_APPS,
    DataCategory,
    classified_models,
    is_personal,
    personal_fields,
    unclassified_fields,
)

C = DataCategory


def anonymised_email(pk):
    # Unique per row (the address columns are unique), for a pk or a pk expression.
    from homeshop_privacy.field_classification import placeholder_email

    return placeholder_email("anonymised-", pk)


ANONYMISED_NAME = "anonymised"

FIELDS: dict[str, dict[str, DataCategory]] = {
    "accounts.user": {
        "id": C.TECHNICAL,
        "password": C.ACCOUNT,
        "last_login": C.ACCOUNT,
        "is_superuser": C.TECHNICAL,
        "email": C.CONTACT,
        "full_name": C.IDENTITY,
        "language": C.ACCOUNT,
        "is_staff": C.TECHNICAL,
        "is_active": C.TECHNICAL,
        "date_joined": C.ACCOUNT,
    },
    "accounts.customer": {
        "id": C.TECHNICAL,
        "user": C.TECHNICAL,
        # Issue 12: the shop's own id of the person, which links them to its records.
        "shop_customer_id": C.ACCOUNT,
        "first_name": C.IDENTITY,
        "last_name": C.IDENTITY,
        "phone": C.CONTACT,
        "email": C.CONTACT,
        "preferred_language": C.ACCOUNT,
        "created_at": C.ACCOUNT,
        "updated_at": C.TECHNICAL,
        "anonymised_at": C.TECHNICAL,
    },
    "accounts.address": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "city": C.ADDRESS,
        "street": C.ADDRESS,
        "apartment": C.ADDRESS,
        "postal_code": C.ADDRESS,
        "is_default": C.ADDRESS,
    },
    # 3.4: an order's number, date, seller, amount and status are accounting facts kept for
    # their legal period; the delivery address is not.
    "accounts.order": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "number": C.ORDERS,
        "placed_at": C.ORDERS,
        "seller_name": C.ORDERS,
        "status": C.ORDERS,
        "total": C.ORDERS,
        "currency": C.ORDERS,
        "delivery_address": C.ADDRESS,
    },
    "accounts.customerdevice": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "browser": C.DEVICES,
        "operating_system": C.DEVICES,
        "first_seen_at": C.DEVICES,
        "last_seen_at": C.DEVICES,
    },
    # 2.2: the request is about the customer's own account; who decided it is staff data.
    "accounts.accountclosurerequest": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "status": C.ACCOUNT,
        "comment": C.CORRESPONDENCE,
        "requested_at": C.ACCOUNT,
        "decided_at": C.ACCOUNT,
        "decided_by": C.TECHNICAL,
        "decision_note": C.CORRESPONDENCE,
        "carried_out_at": C.ACCOUNT,
    },
    "accounts.emailchangerequest": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "old_email": C.CONTACT,
        "new_email": C.CONTACT,
        "status": C.ACCOUNT,
        "requested_at": C.ACCOUNT,
        "decided_at": C.ACCOUNT,
    },
    # 4.1: an officer's hold is about the data, not the person; its reason is staff text.
    "accounts.customerhold": {
        "id": C.TECHNICAL,
        "customer": C.TECHNICAL,
        "reason": C.TECHNICAL,
        "placed_at": C.TECHNICAL,
        "placed_by": C.TECHNICAL,
        "released_at": C.TECHNICAL,
        "released_by": C.TECHNICAL,
    },
    # 1.4: what the browser sends by itself, tied to no customer.
    "accounts.visitevent": {
        "id": C.TECHNICAL,
        "occurred_at": C.VISITS,
        "page_url": C.VISITS,
        "ip_address": C.VISITS,
        "user_agent": C.VISITS,
        "referrer": C.VISITS,
        "cookie_id": C.VISITS,
    },
    # Sign-in protection (issue 8 items 6-7): ids and states only; the reset counter keeps
    # keyed hashes, never an address.
    "accounts.securityevent": {
        "id": C.TECHNICAL,
        "at": C.TECHNICAL,
        "kind": C.TECHNICAL,
        "user": C.TECHNICAL,
        "actor": C.TECHNICAL,
        "detail": C.TECHNICAL,
    },
    "accounts.passwordresetrequest": {
        "id": C.TECHNICAL,
        "at": C.TECHNICAL,
        "address_digest": C.TECHNICAL,
        "ip_digest": C.TECHNICAL,
    },
}

SUBJECTS = {
    "accounts.user": "customer",
    "accounts.customer": "pk",
    "accounts.address": "customer",
    "accounts.order": "customer",
    "accounts.customerdevice": "customer",
    "accounts.accountclosurerequest": "customer",
    "accounts.emailchangerequest": "customer",
}


def register() -> None:
    options = {
        "accounts.user": {
            "replacements": {"email": anonymised_email, "full_name": ANONYMISED_NAME}
        },
        "accounts.customer": {
            "replacements": {
                "email": anonymised_email,
                "first_name": ANONYMISED_NAME,
                "last_name": "",
            }
        },
        # 4.1: an address or a device has no purpose once its customer is gone.
        "accounts.address": {"erase": "delete"},
        "accounts.customerdevice": {"erase": "delete"},
    }
    for label, fields in FIELDS.items():
        registry.register(label, fields, subject=SUBJECTS.get(label), **options.get(label, {}))
