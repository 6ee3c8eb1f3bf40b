"""Transitional name of ``customer_pages.account_sections`` (issue 15 item 1).

Only ``disclosures`` still registers through here, until the split of that app lands and
it moves to ``customer_pages`` like the others; then this module goes.
"""

from .customer_pages import AccountSection, account_sections

register = account_sections.register

__all__ = ["AccountSection", "register"]
