"""The history pages in the staff member's words (issue 13).

Services write their change reason in English (``save_tracked(..., reason="claim
registered")``): a stable text, searchable in the database whatever language the staff
member reads. The history list shows it translated: the whole reason, or its head before
": " (the free text an officer typed after it stays as typed), or its head before a
clause in brackets ("disclosure recorded (5.4.2)").
"""

import re

from django import template
from django.utils.translation import gettext, gettext_noop

register = template.Library()

# The reasons the code writes, for makemessages; new ones are added here.
KNOWN_REASONS = (
    gettext_noop("demo data"),
    gettext_noop("order recorded"),
    gettext_noop("sign-in opened (5.2.1)"),
    gettext_noop("sign-in opened for a customer (5.2.1)"),
    gettext_noop("claim registered"),
    gettext_noop("claim updated"),
    gettext_noop("review started"),
    gettext_noop("answered"),
    gettext_noop("paused"),
    gettext_noop("resumed"),
    gettext_noop("closed"),
    gettext_noop("answer drafted"),
    gettext_noop("answer approved"),
    gettext_noop("answer sent"),
    gettext_noop("attachment added"),
    gettext_noop("category added"),
    gettext_noop("draft saved"),
    gettext_noop("published"),
    gettext_noop("recipient added"),
    gettext_noop("written permission recorded"),
    gettext_noop("written permission revoked"),
    gettext_noop("disclosure recorded"),
    gettext_noop("disclosure voided"),
    gettext_noop("breach recorded"),
    gettext_noop("breach recorded in admin"),
    gettext_noop("breach notification started"),
    gettext_noop("added in admin"),
    gettext_noop("edited in admin"),
    gettext_noop("closure requested (2.2)"),
    gettext_noop("language changed"),
)

_CLAUSE = re.compile(r"^(?P<head>.+?) (?P<clause>\([^()]*\))$")


@register.filter
def history_reason(reason):
    if not reason:
        return ""
    reason = str(reason)
    translated = gettext(reason)
    if translated != reason:
        return translated
    head, sep, rest = reason.partition(": ")
    if sep and gettext(head) != head:
        return f"{gettext(head)}: {rest}"
    if match := _CLAUSE.match(reason):
        head = match["head"]
        if gettext(head) != head:
            return f"{gettext(head)} {match['clause']}"
    return reason
