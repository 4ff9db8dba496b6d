"""The tamper suite: every way a hostile operator or an intruder may edit an exported bundle or
an audit data directory that we know of, run against the real code, with what catches it.

Each vector builds an honest log (searches with plates, reasons and case numbers, checkpoints
along the way), does one attack, and runs the check an auditor would run. ``run_all`` returns one
row per vector: detected or not, by which check, and the first line of the error. The test
(``test_tamper_suite.py``) requires every vector to be detected and ``docs/audit.md`` to show
exactly this table; ``.venv/bin/python tests/audit/tamper_suite.py --write docs/audit.md``
rewrites it.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from plateledger.audit.bundle import export_bundle
from plateledger.audit.bundle_read import labels_digest, verify_directory
from plateledger.audit.checkpoint import Checkpoint, Signer, split_note
from plateledger.audit.events import AuditEvent
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import VerificationError, root_from_leaf_hashes
from plateledger.audit.records import AuditCorruptionError, AuditRollbackError, encode_record
from plateledger.audit.seal import entry_bytes, leaf_from_proof, seal
from plateledger.audit.witness import Witness, WitnessError
from plateledger.errors import PlateledgerError

ORIGIN = "tamper.test/audit-log"
PLATES = ("7ABC123", "XYZ9876", "KLM4455")
BEGIN, END = "<!-- tamper-table:begin -->", "<!-- tamper-table:end -->"


@dataclass(frozen=True)
class World:
    """An honest log, closed, plus what an auditor kept from before the attack."""

    audit_dir: Path
    work: Path
    key: str  # the log key the auditor pinned
    early: str  # a checkpoint note the auditor (or a witness) saw at full size
    witness_dir: Path  # an independent witness that cosigned the log as it grew
    witness_key: str
    cosigned: dict[int, str]  # size -> the witness's cosignature line


@dataclass(frozen=True)
class Row:
    target: str
    attack: str
    check: str
    detected: bool
    message: str


Attack = Callable[[World], str]  # performs the attack and the check; returns the error text


def _search(i: int) -> AuditEvent:
    plate = PLATES[i % len(PLATES)]
    subject = {"search_id": f"s-{i}", "purpose": "stolen_vehicle", "case_number": f"25-{i}",
               "reason": f"stolen car, suspect John Doe, plate {plate}", "on_behalf_of": None,
               "query": {"plate": plate}, "decisions": [], "networks_searched": ["il-net"],
               "networks_excluded": [], "result_count": 1}  # fmt: skip
    return AuditEvent(datetime(2026, 1, 1, 8, i, tzinfo=UTC), "api", "search", f"officer-{i % 3}",
                      "il-test-pd", "success", subject, ("il-net",))  # fmt: skip


def build_world(root: Path, entries: int = 12) -> World:
    audit_dir = root / "audit"
    audit = AuditLog(audit_dir, ORIGIN, background=False)
    witness = Witness.init(root / "witness", "board.example/w1")
    cosigned: dict[int, str] = {}
    try:
        for i in range(entries):
            audit.append(_search(i))
            if i % 4 == 3:
                _cosign(witness, audit, cosigned)
        note = audit.checkpoint()
        _cosign(witness, audit, cosigned)
        return World(audit_dir, root, audit.public_key(), note, witness.state_dir,
                     witness.signer.vkey(), cosigned)  # fmt: skip
    finally:
        audit.close()


def _cosign(witness: Witness, audit: AuditLog, cosigned: dict[int, str]) -> None:
    """One witness step: the log's latest checkpoint, checked and cosigned."""
    key = audit.signer.verifier()
    done = witness.witness(audit.checkpoint(), consistency=audit.consistency, log_key=key)
    cosigned[done.checkpoint.size] = done.line


def _export(
    world: World, profile: str, name: str = "bundle", audit_dir: Path | None = None
) -> Path:
    """An export; from ``audit_dir`` (another history) it carries no cosignature."""
    out = world.work / f"{name}-{profile}"
    audit = AuditLog(audit_dir or world.audit_dir, ORIGIN, background=False)
    held = {} if audit_dir else world.cosigned
    try:
        export_bundle(audit, out, profile, cosignatures=lambda size, _: _held(held, size))
    finally:
        audit.close()
    return out


def _held(cosigned: dict[int, str], size: int) -> list[str]:
    line = cosigned.get(size)
    return [line] if line else []


def _edit_entry(bundle: Path) -> None:
    """One word of entry 3 changed: "stolen car" becomes "stolen cat"."""
    lines = _lines(bundle / "entries.jsonl")
    lines[3] = lines[3].replace(b"stolen car", b"stolen cat")
    _write(bundle / "entries.jsonl", lines)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _verify(
    bundle: Path, world: World, *, pin: bool = False, since: bool = False, witness: bool = False
) -> str:
    """The auditor's check; '' when the bundle passes."""
    try:
        verify_directory(
            bundle,
            pinned_key=world.key if pin else None,
            since=world.early if since else None,
            witnesses=[world.witness_key] if witness else (),
        )
    except (VerificationError, PlateledgerError) as exc:
        return str(getattr(exc, "message", exc))
    return ""


def _open(world: World) -> str:
    """The server starting on the data directory; '' when it opens."""
    try:
        AuditLog(world.audit_dir, ORIGIN, background=False).close()
    except (AuditRollbackError, AuditCorruptionError) as exc:
        return exc.message
    return ""


# --- bundle edits, under every profile ---------------------------------------------------------


def edit_entry(profile: str) -> Attack:
    def attack(world: World) -> str:
        bundle = _export(world, profile)
        _edit_entry(bundle)
        return _verify(bundle, world)

    return attack


def drop_entry(profile: str) -> Attack:
    def attack(world: World) -> str:
        bundle = _export(world, profile)
        for name in ("entries.jsonl", "seals.jsonl"):
            lines = _lines(bundle / name)
            del lines[5]
            _write(bundle / name, lines)
        return _verify(bundle, world)

    return attack


def swap_entries(profile: str) -> Attack:
    def attack(world: World) -> str:
        bundle = _export(world, profile)
        for name in ("entries.jsonl", "seals.jsonl"):
            lines = _lines(bundle / name)
            lines[1], lines[2] = lines[2], lines[1]
            _write(bundle / name, lines)
        return _verify(bundle, world)

    return attack


def relabel(profile: str, to: str) -> Attack:
    """manifest.json relabelled to another profile, then an entry edited."""

    def attack(world: World) -> str:
        bundle = _export(world, profile)
        manifest = orjson.loads((bundle / "manifest.json").read_bytes())
        manifest["profile"] = to
        (bundle / "manifest.json").write_bytes(orjson.dumps(manifest))
        _edit_entry(bundle)
        return _verify(bundle, world)

    return attack


def restate(profile: str, to: str) -> Attack:
    """The signed bundle.txt's profile edited, manifest.json deleted, an entry edited."""

    def attack(world: World) -> str:
        bundle = _export(world, profile)
        (bundle / "manifest.json").unlink()
        statement = (bundle / "bundle.txt").read_text()
        (bundle / "bundle.txt").write_text(statement.replace(f"profile {profile}", f"profile {to}"))
        _edit_entry(bundle)
        return _verify(bundle, world)

    return attack


def unlabelled(profile: str) -> Attack:
    """manifest.json deleted (it is optional), an entry edited."""

    def attack(world: World) -> str:
        bundle = _export(world, profile)
        (bundle / "manifest.json").unlink()
        _edit_entry(bundle)
        return _verify(bundle, world)

    return attack


def sidecar(profile: str) -> Attack:
    """An edited entry next to a leaf_hashes.txt of the original leaf hashes."""

    def attack(world: World) -> str:
        bundle = _export(world, profile)
        audit = AuditLog(world.audit_dir, ORIGIN, background=False)
        try:
            leaves = [audit.leaf(i).hex() for i in range(audit.size)]
        finally:
            audit.close()
        (bundle / "leaf_hashes.txt").write_text("\n".join(leaves) + "\n")
        _edit_entry(bundle)
        return _verify(bundle, world)

    return attack


def forge_seal(profile: str) -> Attack:
    """An edited entry with a seal made up to match it (a fresh nonce, the same commitments)."""

    def attack(world: World) -> str:
        bundle = _export(world, profile)
        seals = _lines(bundle / "seals.jsonl")
        seal = orjson.loads(seals[3])
        seal["nonce"] = "00" * 16
        seals[3] = orjson.dumps(seal)
        _write(bundle / "seals.jsonl", seals)
        return _verify(bundle, world)

    return attack


def unredact(profile: str) -> Attack:
    """A redacted line replaced by the internal entry (to pass plates off as redacted)."""

    def attack(world: World) -> str:
        bundle = _export(world, profile)
        internal = _lines(_export(world, "internal", "source") / "entries.jsonl")
        lines = _lines(bundle / "entries.jsonl")
        lines[3] = internal[3]
        _write(bundle / "entries.jsonl", lines)
        return _verify(bundle, world)

    return attack


def swap_pseudonyms(world: World) -> str:
    """Two entries' user pseudonyms swapped in a public bundle (to pin a search on another)."""
    bundle = _export(world, "public")
    lines = _lines(bundle / "entries.jsonl")
    a, b = orjson.loads(lines[0]), orjson.loads(lines[1])
    a["user_id"], b["user_id"] = b["user_id"], a["user_id"]
    lines[0], lines[1] = (orjson.dumps(x, option=orjson.OPT_SORT_KEYS) for x in (a, b))
    _write(bundle / "entries.jsonl", lines)
    return _verify(bundle, world)


# --- keys and history -------------------------------------------------------------------------


def resign(world: World) -> str:
    """Entries rewritten, the whole history re-signed with a new key, public-key.txt replaced."""
    bundle = _export(world, "internal")
    signer = Signer.generate(ORIGIN)
    lines = _lines(bundle / "entries.jsonl")
    del lines[4]
    seals = _lines(bundle / "seals.jsonl")
    del seals[4]
    _write(bundle / "entries.jsonl", lines)
    _write(bundle / "seals.jsonl", seals)
    _rebuild(bundle, signer)
    return _verify(bundle, world, pin=True)


def _rebuild(bundle: Path, signer: Signer) -> None:
    """Recompute the tree of a bundle's (edited) internal entries and sign it all with
    ``signer``: a complete, self-consistent forgery."""
    pairs = zip(_lines(bundle / "entries.jsonl"), _lines(bundle / "seals.jsonl"), strict=True)
    leaves = [leaf_from_proof(e, orjson.loads(s)) for e, s in pairs]
    size = len(leaves)
    note = signer.sign(Checkpoint(ORIGIN, size, root_from_leaf_hashes(leaves)))
    (bundle / "checkpoints.json").write_bytes(orjson.dumps([note]))
    (bundle / "consistency.jsonl").write_bytes(b"")
    (bundle / "inclusion.jsonl").write_bytes(b"")
    text, _ = split_note((bundle / "bundle.txt").read_text())
    root = Checkpoint.from_body(note.split("\n\n")[0] + "\n").body().split("\n")[2]
    text = re.sub(r"entries \d+", f"entries {size}", text)
    text = re.sub(r"root \S+", f"root {root}", text)
    text = re.sub(r"labels \S+", f"labels {labels_digest([''] * size)}", text)
    (bundle / "bundle.txt").write_text(signer.sign_text(text))
    (bundle / "public-key.txt").write_text(signer.public_key_line() + "\n")
    manifest = orjson.loads((bundle / "manifest.json").read_bytes())
    (bundle / "manifest.json").write_bytes(orjson.dumps({**manifest, "entries": size}))


def truncate_bundle(world: World) -> str:
    """A consistent truncation: the bundle cut back to an earlier signed checkpoint, by the
    operator who holds the key (entries, proofs and statement all re-made to match)."""
    audit = AuditLog(world.audit_dir, ORIGIN, background=False)
    try:
        signer = Signer.load(world.audit_dir / "signing.key")
        bundle = world.work / "truncated"
        export_bundle(audit, bundle, "internal")
    finally:
        audit.close()
    for name in ("entries.jsonl", "seals.jsonl"):
        _write(bundle / name, _lines(bundle / name)[:8])
    _rebuild(bundle, signer)
    offline = _verify(bundle, world, pin=True)
    assert not offline, "a consistent truncation should pass the offline check alone"
    return _verify(bundle, world, pin=True, since=True)


# --- what only an outside party can see: witnesses -------------------------------------------


def _twin(world: World, entries: int) -> Path:
    """A second history under the log's own key (the operator's split view): the same first
    entries, then others."""
    twin = world.work / "twin"
    twin.mkdir()
    shutil.copy(world.audit_dir / "signing.key", twin / "signing.key")
    audit = AuditLog(twin, ORIGIN, background=False)
    try:
        for i in range(entries):
            audit.append(_search(i if i < 6 else 40 + i))
        audit.checkpoint()
    finally:
        audit.close()
    return twin


def split_view_bundle(world: World) -> str:
    """A bundle of a second history, signed with the log's key, made for one auditor."""
    bundle = _export(world, "internal", "split", audit_dir=_twin(world, 12))
    assert not _verify(bundle, world, pin=True), "a split view passes the offline check alone"
    return _verify(bundle, world, pin=True, witness=True)


def split_view_to_witness(world: World) -> str:
    """The second history shown to the witness itself."""
    twin = AuditLog(_twin(world, 14), ORIGIN, background=False)
    try:
        Witness(world.witness_dir).witness(twin.checkpoint(), consistency=twin.consistency)
    except WitnessError as exc:
        return exc.message
    finally:
        twin.close()
    return ""


def rollback_to_witness(world: World) -> str:
    """The data directory restored to an older copy (history and entries alike), re-signed:
    the next witness run sees a smaller log than it cosigned."""
    _cut(world, 4)
    rows = (world.audit_dir / "checkpoints.jsonl").read_bytes().splitlines()
    kept = [r for r in rows if orjson.loads(r)["size"] <= 8]
    (world.audit_dir / "checkpoints.jsonl").write_bytes(b"".join(r + b"\n" for r in kept))
    audit = AuditLog(world.audit_dir, ORIGIN, background=False)
    try:
        Witness(world.witness_dir).witness(audit.checkpoint(), consistency=audit.consistency)
    except WitnessError as exc:
        return exc.message
    finally:
        audit.close()
    return ""


def forged_cosignature(world: World) -> str:
    """The witness's cosignature line copied onto the split view's checkpoint."""
    bundle = _export(world, "internal", "forged", audit_dir=_twin(world, 12))
    notes = orjson.loads((bundle / "checkpoints.json").read_bytes())
    notes[-1] = notes[-1] + world.cosigned[12] + "\n"
    (bundle / "checkpoints.json").write_bytes(orjson.dumps(notes))
    return _verify(bundle, world, pin=True, witness=True)


# --- the data directory -------------------------------------------------------------------------


def corrupt_last_record(world: World) -> str:
    path = world.audit_dir / "entries" / "entries.bin"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    return _open(world)


def cut_tail(world: World) -> str:
    """The last 5 records cut off the end (a signed checkpoint covers them)."""
    _cut(world, 5)
    return _open(world)


def _cut(world: World, n: int) -> None:
    """The last ``n`` entries removed, entries.bin and index.bin alike."""
    index = world.audit_dir / "entries" / "index.bin"
    offsets = index.read_bytes()
    cut = int.from_bytes(offsets[-n * 8 : (1 - n) * 8], "big")
    index.write_bytes(offsets[: -n * 8])
    path = world.audit_dir / "entries" / "entries.bin"
    path.write_bytes(path.read_bytes()[:cut])


def rewrite_entry(world: World) -> str:
    """An entry rewritten with a fresh seal and a valid CRC (only the signed root can tell)."""
    path = world.audit_dir / "entries" / "entries.bin"
    raw = path.read_bytes()
    offsets = (world.audit_dir / "entries" / "index.bin").read_bytes()
    last = int.from_bytes(offsets[-8:], "big")
    entry = orjson.loads(entry_bytes(raw[last + 4 : -36]))
    entry["subject"]["reason"] = "routine patrol"
    forged = seal(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).record()
    path.write_bytes(raw[:last] + encode_record(forged))
    return _open(world)


def delete_history(world: World) -> str:
    """checkpoints.jsonl deleted and the last entries cut: locally nothing remembers a larger
    checkpoint, so only an outside party that saw one can tell (--since / a witness)."""
    (world.audit_dir / "checkpoints.jsonl").unlink()
    _cut(world, 4)
    assert not _open(world), "with its history deleted the log opens: only outsiders can tell"
    bundle = _export(world, "internal", "after-delete")
    return _verify(bundle, world, pin=True, since=True)


PROFILES = ("internal", "records-request", "public")
VECTORS: list[tuple[str, str, str, Attack]] = [
    *[(f"bundle ({p})", "an entry edited", "verify", edit_entry(p)) for p in PROFILES],
    *[(f"bundle ({p})", "an entry dropped", "verify", drop_entry(p)) for p in PROFILES],
    *[(f"bundle ({p})", "two entries swapped", "verify", swap_entries(p)) for p in PROFILES],
    *[(f"bundle ({p})", "a forged nonce in an entry's seal", "verify", forge_seal(p))
      for p in PROFILES],  # fmt: skip
    ("bundle (internal)", "relabelled public in manifest.json, an entry edited", "verify",
     relabel("internal", "public")),
    ("bundle (records-request)", "relabelled public in manifest.json, an entry edited",
     "verify", relabel("records-request", "public")),
    ("bundle (internal)", "profile in the signed bundle.txt edited to public, manifest.json "
     "deleted, an entry edited", "verify", restate("internal", "public")),
    *[(f"bundle ({p})", "manifest.json deleted, an entry edited", "verify", unlabelled(p))
      for p in ("records-request", "public")],  # fmt: skip
    *[(f"bundle ({p})", "an entry edited next to a leaf_hashes.txt of the original hashes",
       "verify", sidecar(p)) for p in PROFILES],  # fmt: skip
    *[(f"bundle ({p})", "a redacted line replaced by the unredacted entry", "verify",
       unredact(p)) for p in ("records-request", "public")],  # fmt: skip
    ("bundle (public)", "two entries' user pseudonyms swapped", "verify", swap_pseudonyms),
    ("bundle (internal)", "an entry dropped, history re-signed with a new key, public-key.txt "
     "replaced", "verify --key (pinned)", resign),
    ("bundle (internal)", "consistent truncation to an earlier checkpoint, re-signed by the "
     "operator's own key", "verify --key --since (a checkpoint seen earlier)", truncate_bundle),
    ("bundle (internal)", "a split view: a second history under the log's key, made for one "
     "auditor", "verify --witness", split_view_bundle),
    ("bundle (internal)", "the witness's cosignature copied onto the split view's checkpoint",
     "verify --witness", forged_cosignature),
    ("server", "a split view shown to the witness", "witness run", split_view_to_witness),
    ("server", "the data directory restored to an older copy, history included",
     "witness run", rollback_to_witness),
    ("data directory", "the last record damaged (covered by a signed checkpoint)",
     "server start", corrupt_last_record),
    ("data directory", "the last 5 records cut off the end", "server start", cut_tail),
    ("data directory", "the last entry rewritten with a fresh seal and a valid CRC",
     "server start", rewrite_entry),
    ("data directory", "checkpoints.jsonl deleted and the last entries cut",
     "verify --since (a checkpoint seen earlier)", delete_history),
]  # fmt: skip


def run_all() -> list[Row]:
    rows = []
    for target, attack, check, fn in VECTORS:
        with tempfile.TemporaryDirectory() as tmp:
            world = build_world(Path(tmp))
            message = fn(world)
            shutil.rmtree(tmp, ignore_errors=True)
        first = message.split("\n")[0]
        rows.append(Row(target, attack, check, bool(message), first))
    return rows


def table(rows: list[Row]) -> str:
    out = [
        "| What was attacked | Attack | Caught by | Result |",
        "|---|---|---|---|",
    ]
    for r in rows:
        result = "**detected**" if r.detected else "**NOT DETECTED**"
        out.append(f"| {r.target} | {r.attack} | {r.check} | {result} |")
    return "\n".join(out) + "\n"


def rewrite_doc(doc: Path, rows: list[Row]) -> bool:
    """Put the table between the markers of ``doc``; whether it changed."""
    text = doc.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + table(rows) + text[end:]
    if new != text:
        doc.write_text(new)
    return new != text


if __name__ == "__main__":
    results = run_all()
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        rewrite_doc(Path(sys.argv[2]), results)
    sys.stdout.write(table(results))
    for row in results:
        sys.stdout.write(f"- {row.attack}: {row.message or 'passed'}\n")
