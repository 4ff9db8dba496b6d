"""`plateledger policy show STATE`: a state's ALPR rules, readably or as JSON."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, friendly, print_json
from plateledger.policy.jurisdictions import Jurisdiction, Rule, jurisdiction, policy_data
from plateledger.policy.purposes import PURPOSE_CLASSES, class_label, load_purposes

DISCLAIMER = (
    "Research data, not legal advice: check the citation and the verify notes against the "
    "official code before relying on a rule."
)


@friendly
def show_cmd(
    state: Annotated[str, typer.Argument(help="Two-letter state code (e.g. IL), or DEFAULT.")],
    data: DataOpt = DEFAULT_DATA,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rules as JSON.")] = False,
) -> None:
    """Show a state's ALPR rules: retention, purposes, sharing, searcher-side laws, citations.

    States without rules of their own show the DEFAULT rules. Needs no data directory; --data
    is accepted like on every command."""
    del data
    rules = jurisdiction(state)
    if as_json:
        print_json(rules.to_dict())
        return
    sys.stdout.write("\n".join(render(rules)) + "\n")


def render(j: Jurisdiction) -> list[str]:
    """The rules of ``j`` as readable lines."""
    statute = "ALPR law found" if j.has_statute else "no ALPR statute found"
    lines = [f"{j.name} ({j.code}) - {j.status}, {statute}; confidence {j.confidence}", DISCLAIMER]
    if j.fallback:
        lines.append("No entry of its own: the DEFAULT rules for states without a statute apply.")
    for section in (_retention, _purposes, _sharing, _searchers, _sources):
        lines += section(j)
    return lines


def _retention(j: Jurisdiction) -> list[str]:
    cap = "no statutory cap" if j.retention_max_days is None else f"{j.retention_max_days} days"
    lines = ["", "Retention", *_rule(cap, j.retention_rule)]
    if j.non_hit_retention_minutes is not None:
        minutes = j.non_hit_retention_minutes
        lines.append(f"    reads matching no hot list: purged within {minutes} min")
    for kind in j.retention_by_kind.values():
        lines += _rule(f"{kind.kind} owners: {kind.max_days} days", kind.rule)
    return lines


def _purposes(j: Jurisdiction) -> list[str]:
    lines = ["", "Permitted purposes"]
    if j.permitted_purposes is None or j.permitted_rule is None:
        lines.append("  any purpose that is not prohibited")
    else:
        for name in sorted(j.permitted_purposes):
            extra = j.purpose_conditions.get(name, ())
            suffix = f" (only with: {', '.join(extra)})" if extra else ""
            lines.append(f"  - {_label(name)}{suffix}")
        lines += _rule("permitted-use rule", j.permitted_rule)
    lines += ["", "Prohibited purposes"]
    if not j.prohibited_rules:
        lines.append("  none found in this jurisdiction's law")
    for name, rule in j.prohibited_rules.items():
        lines += _rule(_label(name), rule)
    return lines


def _sharing(j: Jurisdiction) -> list[str]:
    lines = ["", "Sharing by requester type"]
    used: list[str] = []
    for requester, share in j.sharing.items():
        what: str = share.decision
        if share.conditions:
            what += ": " + " + ".join(share.conditions)
            used += [c for c in share.conditions if c not in used]
        if share.allowed_states:
            what += f" (states: {', '.join(sorted(share.allowed_states))})"
        if share.prohibited_purposes:
            what += f" (never for: {', '.join(sorted(share.prohibited_purposes))})"
        lines += _rule(f"{requester:<20} {what}", share.rule)
    lines += [f"  * {c}: {policy_data().conditions[c]}" for c in used]
    if j.disclosure:
        lines += ["", "Disclosure outside law enforcement"]
        for target, disclosure in j.disclosure.items():
            lines += _rule(f"{target:<20} {disclosure.decision}", disclosure.rule)
    lines += ["", "Required request fields: " + (", ".join(sorted(j.required_fields)) or "none")]
    lines.append("Agency obligations: " + (", ".join(sorted(j.obligations)) or "none"))
    return lines


def _searchers(j: Jurisdiction) -> list[str]:
    lines = ["", f"Searcher-side laws (bind {j.name} agencies when they search any data)"]
    if not j.searcher_rules:
        lines.append("  none found")
    for searcher in j.searcher_rules:
        parts = []
        if searcher.prohibited_purposes:
            parts.append("never for " + ", ".join(sorted(searcher.prohibited_purposes)))
        if searcher.forbidden_on_behalf_of:
            parts.append("never on behalf of " + ", ".join(sorted(searcher.forbidden_on_behalf_of)))
        lines += _rule(f"{searcher.name}: {'; '.join(parts)}", searcher.rule)
    return lines


def _sources(j: Jurisdiction) -> list[str]:
    lines = ["", "Citations"]
    for citation in j.citations:
        lines.append(f"  - {citation.cite}")
        lines += [f"    {text}" for text in (citation.url, citation.note) if text]
    for title, items in (("Notes", j.notes), ("Verify", j.verify)):
        if items:
            lines += ["", title] + [f"  - {item}" for item in items]
    return lines


def _rule(head: str, rule: Rule) -> list[str]:
    lines = [f"  {head}  [{rule.id}; confidence {rule.confidence}]", f"    {rule.explanation}"]
    lines.append(f"    citation: {rule.citation}")
    if rule.note:
        lines.append(f"    note: {rule.note}")
    return lines


def _label(name: str) -> str:
    purposes = load_purposes()
    if name in purposes:
        return f"{name} ({purposes[name].label})"
    if name in PURPOSE_CLASSES:
        return f"{name} (class: {class_label(name)})"
    return name
