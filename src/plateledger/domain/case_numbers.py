"""The form of a case number that keeps reads or names an investigation.

A case number is 2 to 40 characters of ASCII letters, digits, spaces and ``- / . : # _``,
starting and ending with a letter or digit, with at least one digit (``24-0077``,
``CR 2025/114``, ``HSI:77A``). Not accepted: ``x``, ``n/a``, ``none``, ``-``, text with
control, invisible or look-alike (non-ASCII) characters, which make two spellings of one case
differ without anyone seeing it.
"""

from __future__ import annotations

import re

from plateledger.errors import ValidationError

__all__ = ["CASE_NUMBER_RULE", "check_case_number"]

CASE_NUMBER_RULE = (
    "2 to 40 ASCII letters, digits, spaces or - / . : # _, beginning and ending with a letter "
    "or digit, with at least one digit"
)
_FORM = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ./:#_-]{0,38}[A-Za-z0-9])?")


def check_case_number(value: object, field: str = "case_number") -> str:
    """``value`` (surrounding spaces stripped) if it is a case number in the valid form, else
    :class:`ValidationError` naming ``field`` (the message states the rule, never echoes the
    value). Used wherever a case number is required: legal holds, hotlist entries."""
    text = value.strip() if isinstance(value, str) else ""
    if len(text) < 2 or not _FORM.fullmatch(text) or not any(c.isdigit() for c in text):
        raise ValidationError(f"{field}: give {CASE_NUMBER_RULE}", {"field": field})
    return text
