"""`plateledger audit export|verify|view|rotate-key|recover`: the log, checkable without
trusting the server, the per-agency views (network audit, organisation audit) as JSONL or Flock
CSV, key rotation, and the recorded recovery of a log that lost signed entries."""

from __future__ import annotations

import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
import typer

from plateledger.app.platform import Platform, audit_origin
from plateledger.audit.bundle import export_bundle, verify_directory
from plateledger.audit.flock_export import FORMATS, export_lines, registry_context
from plateledger.audit.keys import KeyRing
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import VerificationError, verify_consistency
from plateledger.audit.redaction import PROFILES
from plateledger.audit.views import network_audit, organization_audit
from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly, open_platform
from plateledger.domain.text import visible
from plateledger.errors import NotFoundError, ValidationError
from plateledger.store.duckdb_store import DuckDBStore

app = typer.Typer(help="The tamper-evident audit log: export, verify, view, recover.")

PROFILE_HELP = (
    "internal (everything, as logged), records-request (no plate; free text scrubbed) or "
    "public (also pseudonymous users, no case numbers)."
)


@app.command("export")
@friendly
def export(
    out: Annotated[Path, typer.Option(help="Bundle directory to write.")],
    profile: Annotated[str, typer.Option(help=PROFILE_HELP)] = "internal",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Write entries, signed checkpoints and proofs to a bundle anyone can verify offline."""
    with open_platform(data, component="cli") as platform:
        platform.log_event("export", None, {"what": "audit_bundle", "profile": profile,
                                            "out": str(out)})  # fmt: skip
        n = export_bundle(
            platform.audit, out, profile, cosignatures=platform.cosignatures.cosignatures_for
        )
    typer.echo(orjson.dumps({"exported": n, "out": str(out), "profile": profile}).decode())


@app.command("verify")
@friendly
def verify(
    bundle: Annotated[Path | None, typer.Argument(help="Bundle directory.")] = None,
    against: Annotated[str | None, typer.Option(help="Base URL of a running server.")] = None,
    since: Annotated[
        Path | None,
        typer.Option(
            help="A checkpoint saved earlier (from the server or a witness): the log must "
            "have only grown since — a bundle must hold it as a prefix (offline), a server must "
            "prove consistency with it (--against)."
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            help="The log's public key file you already hold: a bundle must be signed by it or "
            "a key it endorsed (offline), and with --against so must the server's checkpoints."
        ),
    ] = None,
    witness: Annotated[
        list[Path] | None,
        typer.Option(
            help="A witness's public key file: the bundle's last checkpoint must carry its "
            "cosignature (repeatable)."
        ),
    ] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Check every entry, proof and signature of a bundle — or, with --against and --since,
    that a running log only grew since a checkpoint you saved. Exit 1 names the first failure;
    on success, lists what was and was not checked. Needs no data directory (a verifier trusts
    nothing local); --data is accepted like on every command."""
    del data
    try:
        if bundle is not None:
            report = verify_directory(
                bundle,
                pinned_key=key.read_text() if key is not None else None,
                since=since.read_text() if since is not None else None,
                witnesses=[w.read_text().strip() for w in witness or ()],
            )
            typer.echo(
                f"OK: {report.entries} entries ({report.profile}), {len(report.checkpoints)} "
                f"checkpoints, {report.inclusion_proofs} inclusion and "
                f"{report.consistency_proofs} consistency proofs; tree size {report.tree_size}, "
                f"root {report.root.hex()}"
            )
            for line in report.notes:
                typer.echo(("NOTE: " if line.startswith("NOT CHECKED") else "checked: ") + line)
            if report.hash_only:
                typer.echo(
                    f"NOTE: {report.hash_only} legacy entries (logged before sealed views) are "
                    "withheld: only their leaf hashes are published and checked"
                )
        elif against is not None and since is not None and key is not None:
            _verify_growth(against, since, key)
        else:
            raise ValidationError("give a BUNDLE, or --against URL --since FILE --key FILE")
    except VerificationError as exc:
        eprint(f"FAILED: {exc.message}")
        raise typer.Exit(1) from None


@app.command("view")
@friendly
def view(
    network: Annotated[
        str | None, typer.Option(help="Network audit: every search that touched this network.")
    ] = None,
    agency: Annotated[
        str | None, typer.Option(help="Organisation audit: every search by this agency's users.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")] = "jsonl",
    profile: Annotated[str, typer.Option(help=PROFILE_HELP)] = "internal",
    since: Annotated[
        datetime | None, typer.Option(help="Entries at or after this time (UTC if naive).")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(help="Entries before this time (UTC if naive).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """The owner's network audit (denied attempts included) or an agency's organisation audit,
    as JSONL or a Flock Organization/Network Audit CSV, redacted by --profile."""
    if (network is None) == (agency is None):
        raise ValidationError("give exactly one of --network ID or --agency ID")
    if profile not in PROFILES:
        raise ValidationError(f"--profile: must be one of {', '.join(PROFILES)}")
    with open_platform(data, component="cli") as platform:
        platform.log_event(
            "export", None,
            {"what": "network_audit" if network else "organization_audit",
             "of": network or agency, "format": fmt, "profile": profile},
            [network] if network else [],
        )  # fmt: skip
        rows = _view_rows(platform, network, agency, since, until)
        names, devices = registry_context(platform.store.agencies(), platform.store.cameras())
        lines = export_lines(rows, fmt, profile=profile, agency_names=names, devices=devices)
        if out is None:
            _write(lines, sys.stdout.buffer)
        else:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
            with os.fdopen(fd, "wb") as fh:
                _write(lines, fh)


def _view_rows(
    platform: Platform,
    network: str | None,
    agency: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    if network is not None:
        if network not in {n.id for n in platform.store.networks()}:
            raise NotFoundError(f"no network {network}")
        return network_audit(platform.audit, [network], since=since, until=until)
    assert agency is not None
    if agency not in {a.id for a in platform.store.agencies()}:
        raise NotFoundError(f"no agency {agency}")
    return organization_audit(platform.audit, agency, since=since, until=until, on_behalf=True)


def _write(lines: Iterable[bytes], fh: BinaryIO) -> None:
    for line in lines:
        fh.write(line)
    fh.flush()


def _verify_growth(base: str, since: Path, key: Path) -> None:
    """The server's latest checkpoint extends the saved one; signatures by the pinned key or
    a key it endorsed (the server's key history, ``GET /api/v1/audit/keys``)."""
    current = _get(f"{base}/api/v1/audit/public-key").decode().strip()
    rotations = orjson.loads(_get(f"{base}/api/v1/audit/keys"))["rotations"]
    ring = KeyRing.from_history(current, rotations, key.read_text().strip())
    old = ring.open(since.read_text(), "--since checkpoint")
    new = ring.open(_get(f"{base}/api/v1/audit/checkpoint").decode(), "server checkpoint")
    query = urllib.parse.urlencode({"first": old.size, "second": new.size})
    proof = orjson.loads(_get(f"{base}/api/v1/audit/consistency?{query}"))
    hashes = [bytes.fromhex(h) for h in proof["hashes"]]
    verify_consistency(old.size, new.size, old.root, new.root, hashes)
    typer.echo(f"OK: the log grew from {old.size} to {new.size} entries without rewriting")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - the operator's URL
        data: bytes = resp.read()
        return data


@app.command("rotate-key")
@friendly
def rotate_key(data: DataOpt = DEFAULT_DATA) -> None:
    """Replace the log's checkpoint signing key (after a suspected key exposure, or on
    schedule). A `key_rotation` entry is logged, the checkpoint covering it is signed by the old
    and the new key, and the rotation note signed by both is published at
    /api/v1/audit/keys and in every bundle: verifiers who pinned the old key accept the new one
    from that size on. Run with the server stopped; give auditors the new public key."""
    store = DuckDBStore(data)
    try:
        origin = audit_origin(store)
    finally:
        store.close()
    audit = AuditLog(data / "audit", origin, background=False, verify_content=False)
    try:
        rotation = audit.rotate_key()
    finally:
        audit.close()
    typer.echo(f"ROTATED at tree size {rotation.size}: the new public key is")
    typer.echo(rotation.new.vkey())


@app.command("recover")
@friendly
def recover(
    note: Annotated[
        str, typer.Option(help="What happened (kept in the log's audit_recovery entry).")
    ],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Reopen an audit log that refuses to open because entries a signed checkpoint covers are
    missing or damaged: keep the intact entries and append a signed `audit_recovery` entry
    naming what was lost. Verifiers and witnesses that saw the old checkpoint will still report
    the break; the entry says why. Run with the server stopped."""
    note = visible(note)
    if not note:
        raise ValidationError("note: say what happened", {"field": "note"})
    store = DuckDBStore(data)
    try:
        origin = audit_origin(store)
    finally:
        store.close()
    lost = AuditLog.recover(data / "audit", origin, note=note)
    if lost is None:
        typer.echo("OK: no signed entry is missing; nothing to recover")
    else:
        typer.echo(
            f"RECOVERED: entries {lost[0]}..{lost[1] - 1} ({lost[1] - lost[0]}) were lost; "
            "an audit_recovery entry records it"
        )
