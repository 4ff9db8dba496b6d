"""What the reason's evidence means for policy: certain, possible, protected activity.

The classifier gives an action (``block`` / ``review`` / ``allow``), the classes it matched and
the words that matched (evidence spans into the original reason). The engine reads them so:

- **strong evidence** (action ``block``): the prohibited purposes are *certain* — denied
  wherever a law or an agency policy forbids them;
- **weak evidence** (action ``review`` with a prohibited class, e.g. "HSI" alone or a typo
  match): the purposes are *possible* — held for a supervisor, with the words shown, wherever a
  law or an agency policy forbids them;
- **protected activity** (First Amendment activity, reproductive, gender-affirming or lawful
  health care): the floor of ``policy/floor.py`` applies on every network. When the reason also
  names an offense outside those words ("assault at the protest") the search is about a crime
  at the event: the protected classes become *possible* (held, both spans shown), not certain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from plateledger.policy.classifier import Classification, Evidence
from plateledger.policy.purposes import PROTECTED_ACTIVITY_CLASSES, Purpose, load_purposes

FloorOutcome = Literal["none", "deny", "hold"]
SPECIFIC = "specific"


@dataclass(frozen=True, slots=True)
class Reading:
    """The policy's reading of one classified reason (shared by every owner network)."""

    certain: tuple[Purpose, ...] = ()  # strong evidence: denied where forbidden
    possible: tuple[Purpose, ...] = ()  # weak evidence: held where forbidden
    protected: tuple[Purpose, ...] = ()  # protected activity named by the reason
    floor: FloorOutcome = "none"  # what the protected-activity floor does on every network
    crime_at_event: bool = False  # an offense named beside the protected activity
    spans: tuple[Evidence, ...] = ()  # the evidence behind the above (prohibited + offense)
    note: str = ""  # the spans in words, for explanations


NOTHING = Reading()


def read_reason(classification: Classification) -> Reading:
    """How strong the reason's evidence of a prohibited purpose is, and what it names."""
    vocabulary = load_purposes()
    prohibited = tuple(
        vocabulary[c]
        for c in classification.classes
        if c in vocabulary and not vocabulary[c].selectable
    )
    if not prohibited:
        return NOTHING
    strong = classification.action == "block"
    protected = tuple(p for p in prohibited if p.purpose_class in PROTECTED_ACTIVITY_CLASSES)
    marked = [e for e in classification.evidence if e.reason_class != SPECIFIC]
    offenses = [
        e
        for e in classification.evidence
        if e.reason_class == SPECIFIC and not any(_overlap(e, m) for m in marked)
    ]
    crime = bool(protected) and bool(offenses)
    certain = prohibited if strong else ()
    possible = () if strong else prohibited
    if crime:  # about a crime at the event: the protected classes are held, not denied
        certain = tuple(p for p in certain if p not in protected)
        possible = (*possible, *(p for p in protected if p not in possible))
    floor: FloorOutcome = "none"
    if protected:
        floor = "deny" if strong and not crime else "hold"
    codes = {p.code for p in prohibited}
    spans = tuple(e for e in marked if e.reason_class in codes)
    if crime:
        spans = tuple(sorted((*spans, *offenses), key=lambda e: (e.start, e.end)))
    return Reading(certain, possible, protected, floor, crime, spans, describe(spans))


def describe(spans: tuple[Evidence, ...]) -> str:
    """``Evidence: 'HSI' (immigration_enforcement, characters 0-3).`` — or empty."""
    if not spans:
        return ""
    parts = [f"'{e.text}' ({e.reason_class}, characters {e.start}-{e.end})" for e in spans]
    return "Evidence: " + "; ".join(parts) + "."


def _overlap(a: Evidence, b: Evidence) -> bool:
    return a.start < b.end and b.start < a.end
