"""The audit-log half of the transparency portal: figures computed from verified entries only.

The latest signed checkpoint is opened with the log's key; every entry up to its tree size is
hashed and the Merkle root recomputed. If the root is not the signed one, nothing is published
(``VerificationError``). Only entries under the checkpoint are counted, so the figures can be
recomputed by anyone holding an audit bundle at that checkpoint.

Never read: the free-text reason, case numbers, queries, decision explanations (they may echo the
reason). Counted: purpose codes (as classes), outcomes, rule ids.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from plateledger.audit.checkpoint import open_note
from plateledger.audit.events import format_time
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import VerificationError, root_from_leaf_hashes
from plateledger.audit.seal import entry_bytes, leaf_of
from plateledger.policy.purposes import load_purposes

SEARCH_EVENTS = frozenset({"search", "timeline"})
CHANGE_EVENTS = frozenset(
    {"sharing_change", "config_change", "hotlist_change", "analysis_policy_change"}
)
Counts = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CheckpointInfo:
    origin: str
    size: int
    root_b64: str
    root_hex: str
    note: str  # the signed note, as served at /api/v1/audit/checkpoint
    public_key: str  # the verifier key line, as served at /api/v1/audit/public-key


@dataclass(frozen=True, slots=True)
class AuditFigures:
    """Counts over ``since <= at < until`` from the entries under ``checkpoint``."""

    entries_scanned: int
    searches_of_our_data: int  # requests allowed on at least one of the agency's networks
    by_our_users: int  # ...of them, by the agency's own users
    by_partners: int  # ...of them, by other agencies' users
    by_purpose_class: Counts
    denied: int  # requests refused on every one of the agency's networks they asked for
    denied_by_rule: Counts
    held: int  # requests held for a supervisor on the agency's networks
    held_by_rule: Counts
    our_users_searches: int  # searches by the agency's users, on any network
    our_users_by_outcome: Counts
    holds_approved: int  # decisions by the agency's supervisors
    holds_rejected: int
    policy_changes: int  # sharing, policy, analysis-policy and hotlist changes by its users
    reads_purged: int  # reads deleted under the retention rule (purge receipts)
    checkpoint: CheckpointInfo


def verified_figures(
    audit: AuditLog, agency_id: str, networks: Collection[str], since: datetime, until: datetime
) -> AuditFigures:
    note = audit.checkpoint()
    cp = open_note(note, audit.signer.verifier(), origin=audit.origin)
    nets = frozenset(networks)
    needles = [orjson.dumps(n) for n in nets] + [b'"agency_id":' + orjson.dumps(agency_id)]
    low, high = format_time(since), format_time(until)
    tally = _Tally(agency_id, nets)
    leaves = []
    for index in range(cp.size):
        record = audit.record(index)
        data = entry_bytes(record)
        leaves.append(leaf_of(record))
        if any(n in data for n in needles):
            entry = orjson.loads(data)
            if low <= entry["at"] < high:  # fixed-width RFC 3339 UTC: string order is time
                tally.add(entry)
    root = root_from_leaf_hashes(leaves)
    if root != cp.root:
        raise VerificationError(
            "checkpoint",
            "the log's entries do not match its signed root",
            expected=cp.root,
            computed=root,
        )
    info = CheckpointInfo(cp.origin, cp.size, base64.b64encode(cp.root).decode(), cp.root.hex(),
                          note, audit.public_key())  # fmt: skip
    return tally.figures(cp.size, info)


class _Tally:
    def __init__(self, agency_id: str, nets: frozenset[str]) -> None:
        self.agency, self.nets = agency_id, nets
        self.classes = {code: p.purpose_class for code, p in load_purposes().items()}
        self.c: Counter[str] = Counter()
        self.purpose: Counter[str] = Counter()
        self.denied: Counter[str] = Counter()
        self.held: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    def add(self, entry: dict[str, Any]) -> None:
        kind, subject = entry.get("event_type"), entry.get("subject") or {}
        ours = entry.get("agency_id") == self.agency
        touches = not self.nets.isdisjoint(entry.get("networks") or ())
        if kind in SEARCH_EVENTS:
            if ours:
                self.c["our_users"] += 1
                self.outcomes[str(entry.get("outcome"))] += 1
            if touches:
                self._search(subject, ours)
        elif kind in {"hold_approved", "hold_rejected"} and ours:
            self.c[kind] += 1
        elif kind in CHANGE_EVENTS and ours:
            self.c["changes"] += 1
        elif kind == "purge" and touches:
            rows = subject.get("rows_purged")
            self.c["purged"] += rows if isinstance(rows, int) else 0

    def _search(self, subject: dict[str, Any], ours: bool) -> None:
        mine = [d for d in subject.get("decisions") or () if d.get("network") in self.nets]
        verdicts = {d.get("decision") for d in mine}
        if "allow" in verdicts:
            self.c["allowed"] += 1
            self.c["own" if ours else "partner"] += 1
            self.purpose[self.classes.get(str(subject.get("purpose")), "unknown")] += 1
            return
        kind, counter = ("held", self.held) if "hold" in verdicts else ("denied", self.denied)
        if not mine:
            return
        self.c[kind] += 1
        wanted = "hold" if kind == "held" else "deny"
        rules = {r for d in mine if d.get("decision") == wanted for r in d.get("rule_ids") or ()}
        counter.update(sorted(rules) or ["unspecified"])

    def figures(self, scanned: int, info: CheckpointInfo) -> AuditFigures:
        c = self.c
        return AuditFigures(
            scanned, c["allowed"], c["own"], c["partner"], _sorted(self.purpose),
            c["denied"], _sorted(self.denied), c["held"], _sorted(self.held), c["our_users"],
            _sorted(self.outcomes), c["hold_approved"], c["hold_rejected"], c["changes"],
            c["purged"], info,
        )  # fmt: skip


def _sorted(counter: Counter[str]) -> Counts:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
