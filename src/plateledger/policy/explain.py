"""The sentences of a policy decision: why a network is searched, held or excluded.

Built from ``policy.wording``'s helpers so every count, plural and list reads as English
(tests/policy/test_explanation_grammar.py renders every branch).
"""

from __future__ import annotations

from plateledger.domain.types import Agency
from plateledger.policy import verdicts as v
from plateledger.policy.wording import clause, counted, sentence, sentences


def allow_text(ctx: v.Context, owner: Agency, allowed: list[v.Verdict], window: str) -> str:
    how = "own agency" if ctx.requester.id == owner.id else next(
        (x.explanation for x in allowed if x.rule_id.startswith("sharing.")), "shared"
    )  # fmt: skip
    return sentence(f"{clause(how)}; {window} are searched for {ctx.purpose.label}")


def window_text(days: int | None) -> str:
    return f"reads of the last {counted(days, 'day')}" if days is not None else "all retained reads"


def deny_or_hold_text(deciding: list[v.Verdict]) -> str:
    """The first deciding rule's explanation, and how many more rules decide the same."""
    more = len(deciding) - 1
    also = f"{counted(more, 'more rule')} also {'applies' if more == 1 else 'apply'}"
    return sentences(deciding[0].explanation, also if more else "")
