"""'What to ask the agency': short questions generated from what the checks found, most
pressing first. Only checks with a count above zero produce a question."""

from __future__ import annotations

from collections.abc import Sequence

from plateledger.oversight.checks import CheckResult
from plateledger.oversight.sharing_board import BoardRow

_QUESTIONS: tuple[tuple[str, str], ...] = (
    (
        "sharing_beyond_law",
        "{n:,} recipients on the sharing lists are out-of-state, federal or "
        "private organisations the state's law does not allow (or allows only under conditions). "
        "Which agreements cover them, and when will the sharing end?",
    ),
    (
        "prohibited_purpose",
        "{n:,} searches name a purpose the policy prohibits. What was each "
        "one for, and who reviewed it?",
    ),
    (
        "protest_health",
        "{n:,} searches mention protests or health care. Were any about lawful "
        "protest or care, and what was done about them?",
    ),
    (
        "national_scope",
        "{n:,} searches reached a national network. Who approved searching "
        "outside the state, and what rule limits it?",
    ),
    (
        "vague_reason",
        "{n:,} searches give a vague reason. Will the agency require a case number "
        "and offense for every search?",
    ),
    (
        "case_number_only",
        "{n:,} searches give only a case or code number. Can the agency "
        "publish the offense for each?",
    ),
    (
        "repeated_plate",
        "{n:,} searches are one user following one plate for weeks. Was there "
        "an open case for each?",
    ),
    (
        "impossible_concurrency",
        "{n:,} searches look like shared accounts. Does every officer "
        "have an account of their own?",
    ),
    (
        "off_hours",
        "{n:,} searches were made off shift by users who mostly search off shift. "
        "Who supervises them?",
    ),
    (
        "outside_searches",
        "{n:,} searches were made by out-of-state or federal agencies. Under which agreements?",
    ),
    (
        "after_hotlist_removal",
        "{n:,} searches followed a hotlist removal of the same plate. "
        "Why was the plate still followed?",
    ),
)
MAX_QUESTIONS = 8


def questions(
    results: Sequence[CheckResult], board: Sequence[BoardRow], nothing_published: int
) -> list[str]:
    """Up to ``MAX_QUESTIONS`` questions in plain words, each quoting the figure behind it."""
    by = {r.name: r.count for r in results}
    out = [text.format(n=by[name]) for name, text in _QUESTIONS if by.get(name)]
    if nothing_published:
        out.insert(1, f"{nothing_published:,} searches publish no reason, case number or "
                   "offense. What was each for?")  # fmt: skip
    over = [b.agency for b in board if b.over_cap]
    if over:
        out.append(f"{len(over)} agencies keep reads longer than their state allows "
                   f"({', '.join(over[:3])}{'...' if len(over) > 3 else ''}). When will they "
                   "shorten retention?")  # fmt: skip
    silent = sum(1 for b in board if not b.prohibited_uses)
    if silent:
        out.append(f"{silent} portals publish no prohibited uses. Which uses does the "
                   "agency forbid, in writing?")  # fmt: skip
    return out[:MAX_QUESTIONS]
