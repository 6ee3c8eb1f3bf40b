"""CSV exports opened in a spreadsheet must not run what a person typed as a formula.

A cell starting with ``=``, ``@``, a tab or a carriage return, or with ``+``/``-`` not
followed by a number, is prefixed with an apostrophe. Phone numbers (``+77012345678``)
and negative amounts stay as they are.
"""

import re

_NUMBER = re.compile(r"^[+-]\d[\d\s().]*$")


def csv_safe(value):
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first in "=@\t\r" or (first in "+-" and not _NUMBER.match(value)):
        return "'" + value
    return value


def csv_safe_row(values):
    return [csv_safe(value) for value in values]
