"""Free text typed by a person: what is visible of it.

A required field (a case number, who asked, an operator's note) filled with only invisible
characters — zero-width spaces, word joiners, bidi marks, other format characters — or spaces
is as empty as a blank one.
"""

from __future__ import annotations

import unicodedata


def visible(text: str) -> str:
    """``text`` without format (Cf) characters, stripped of surrounding whitespace."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf").strip()
