"""Parse and validate ``jurisdictions.yaml``: vocabulary, baseline and every jurisdiction.

Errors are ``PolicyDataError`` naming the file and the key path, e.g.
``jurisdictions.yaml: IL.sharing.federl: unknown requester type 'federl' (...)``.
States without an entry get DEFAULT's rules rendered with their own name (``fallbacks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from plateledger.domain.types import US_STATES
from plateledger.policy.data_file import Reader, load_document
from plateledger.policy.jurisdiction_entry import (
    DEFAULT,
    ENTRY_OPTIONAL,
    ENTRY_REQUIRED,
    EntryParser,
)
from plateledger.policy.jurisdiction_model import (
    CONDITIONS,
    DISCLOSURE_TARGETS,
    REQUESTER_TYPES,
    REQUIREMENT_KINDS,
    Baseline,
    Jurisdiction,
)

_TOP = ("schema_version", "vocabulary", "baseline", "jurisdictions")
_VOCAB = {
    "requester_types": REQUESTER_TYPES,
    "conditions": CONDITIONS,
    "disclosures": DISCLOSURE_TARGETS,
}
_BASELINE = (
    "citation",
    "required_fields",
    "audit_record_retention_days_min",
    "audit_review",
    "audit_event_content",
    "vague_reason",
    "classifier",
    "immigration_hotlists",
    "evaluate_laws_of",
    "conflict_rule",
)


@dataclass(frozen=True, slots=True)
class PolicyData:
    jurisdictions: Mapping[str, Jurisdiction]  # the file's entries, DEFAULT included
    fallbacks: Mapping[str, Jurisdiction]  # states without an entry: DEFAULT rules, own name
    baseline: Baseline
    requester_types: Mapping[str, str]  # vocabulary -> description
    conditions: Mapping[str, str]
    requirements: Mapping[str, tuple[str, str]]  # code -> (kind, description)
    disclosures: Mapping[str, str]


def parse_policy_data(text: str, source: str, state_names: Mapping[str, str]) -> PolicyData:
    """Parse the whole file; ``state_names`` names the states that need a DEFAULT fallback."""
    r = Reader(source)
    doc = r.mapping(load_document(text, source), "", _TOP)
    if doc["schema_version"] != 1:
        raise r.fail("schema_version", f"unsupported version {doc['schema_version']!r}")
    vocab = r.mapping(doc["vocabulary"], "vocabulary", (*_VOCAB, "requirements"))
    described = {key: _described(r, vocab[key], key, allowed) for key, allowed in _VOCAB.items()}
    requirements = _requirements(r, vocab["requirements"])
    request_fields = [code for code, (kind, _) in requirements.items() if kind == "request"]
    baseline = _baseline(r, doc["baseline"], request_fields)
    entries = r.mapping(doc["jurisdictions"], "jurisdictions")
    for code in entries:
        if code != DEFAULT and code not in US_STATES:
            raise r.fail(code, "unknown jurisdiction code (expected a US state, DC or DEFAULT)")
    if DEFAULT not in entries:
        raise r.fail("jurisdictions", f"missing required key {DEFAULT!r}")
    default = r.mapping(entries[DEFAULT], DEFAULT, ENTRY_REQUIRED, ENTRY_OPTIONAL)
    for key in ("retention", "sharing"):
        if key not in default:
            raise r.fail(DEFAULT, f"missing required key {key!r}")
    sharing = r.mapping(default["sharing"], f"{DEFAULT}.sharing")
    missing = [t for t in REQUESTER_TYPES if t not in sharing]
    if missing:
        raise r.fail(f"{DEFAULT}.sharing", f"missing requester type {missing[0]!r}")
    parser = EntryParser(r, requirements, default)
    parsed = {code: parser.parse(code, raw, own=True) for code, raw in entries.items()}
    shell = {k: default[k] for k in ("status", "confidence", "citations", "verify") if k in default}
    fallbacks = {
        code: parser.parse(code, {**shell, "name": state_names[code]}, own=False)
        for code in US_STATES
        if code not in entries
    }
    return PolicyData(
        MappingProxyType(parsed),
        MappingProxyType(fallbacks),
        baseline,
        MappingProxyType(described["requester_types"]),
        MappingProxyType(described["conditions"]),
        MappingProxyType(requirements),
        MappingProxyType(described["disclosures"]),
    )


def _described(r: Reader, raw: Any, key: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """A vocabulary section: exactly the codes the code knows, each with a description."""
    where = f"vocabulary.{key}"
    items = r.mapping(raw, where, allowed)
    return {code: r.string(text, f"{where}.{code}") for code, text in items.items()}


def _requirements(r: Reader, raw: Any) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for code, sub in r.mapping(raw, "vocabulary.requirements").items():
        where = f"vocabulary.requirements.{code}"
        item = r.mapping(sub, where, ("kind", "description"))
        kind = r.choice(item["kind"], f"{where}.kind", REQUIREMENT_KINDS, "requirement kind")
        found[code] = (kind, r.string(item["description"], f"{where}.description"))
    return found


def _baseline(r: Reader, raw: Any, request_fields: list[str]) -> Baseline:
    b = r.mapping(raw, "baseline", _BASELINE)
    fields = r.choices(b["required_fields"], "baseline.required_fields", request_fields, "field")
    classifier = r.mapping(b["classifier"], "baseline.classifier", ("block", "review"))
    days = r.days(b["audit_record_retention_days_min"], "baseline.audit_record_retention_days_min")
    if days is None:
        raise r.fail("baseline.audit_record_retention_days_min", "must be a number of days")

    def strings(key: str) -> tuple[str, ...]:
        return tuple(r.strings(b[key], f"baseline.{key}"))

    return Baseline(
        citation=r.string(b["citation"], "baseline.citation"),
        required_fields=frozenset(fields),
        audit_record_retention_days_min=days,
        audit_review=r.string(b["audit_review"], "baseline.audit_review"),
        audit_event_content=strings("audit_event_content"),
        vague_reason=r.string(b["vague_reason"], "baseline.vague_reason"),
        classifier=MappingProxyType(
            {k: r.string(v, f"baseline.classifier.{k}") for k, v in classifier.items()}
        ),
        immigration_hotlists=strings("immigration_hotlists"),
        evaluate_laws_of=strings("evaluate_laws_of"),
        conflict_rule=r.string(b["conflict_rule"], "baseline.conflict_rule"),
    )
