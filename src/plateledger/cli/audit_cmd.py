"""`plateledger audit export|verify`: the log, checkable without trusting the server."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated

import orjson
import typer

from plateledger.audit.bundle import checkpoint_of, export_bundle, verify_directory
from plateledger.audit.merkle import VerificationError, verify_consistency
from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly, open_platform
from plateledger.errors import ValidationError

app = typer.Typer(help="The tamper-evident audit log: export, verify.")


@app.command("export")
@friendly
def export(
    out: Annotated[Path, typer.Option(help="Bundle directory to write.")],
    profile: Annotated[str, typer.Option(help="internal (everything, as logged).")] = "internal",
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Write entries, signed checkpoints and proofs to a bundle anyone can verify offline."""
    with open_platform(data) as platform:
        n = export_bundle(platform.audit, out, profile)
    typer.echo(orjson.dumps({"exported": n, "out": str(out), "profile": profile}).decode())


@app.command("verify")
@friendly
def verify(
    bundle: Annotated[Path | None, typer.Argument(help="Bundle directory.")] = None,
    against: Annotated[str | None, typer.Option(help="Base URL of a running server.")] = None,
    since: Annotated[
        Path | None, typer.Option(help="A checkpoint saved earlier (with --against).")
    ] = None,
    key: Annotated[Path | None, typer.Option(help="Public key file (with --against).")] = None,
) -> None:
    """Check every entry, proof and signature of a bundle — or, with --against and --since,
    that a running log only grew since a checkpoint you saved. Exit 1 names the first failure."""
    try:
        if bundle is not None:
            report = verify_directory(bundle)
            typer.echo(
                f"OK: {report.entries} entries, {len(report.checkpoints)} checkpoints, "
                f"{report.inclusion_proofs} inclusion and {report.consistency_proofs} "
                f"consistency proofs; tree size {report.tree_size}, root {report.root.hex()}"
            )
        elif against is not None and since is not None and key is not None:
            _verify_growth(against, since, key)
        else:
            raise ValidationError("give a BUNDLE, or --against URL --since FILE --key FILE")
    except VerificationError as exc:
        eprint(f"FAILED: {exc.message}")
        raise typer.Exit(1) from None


def _verify_growth(base: str, since: Path, key: Path) -> None:
    vkey = key.read_text().strip()
    old = checkpoint_of(since.read_text(), vkey)
    new_note = _get(f"{base}/api/v1/audit/checkpoint").decode()
    new = checkpoint_of(new_note, vkey)
    query = urllib.parse.urlencode({"first": old.size, "second": new.size})
    proof = orjson.loads(_get(f"{base}/api/v1/audit/consistency?{query}"))
    hashes = [bytes.fromhex(h) for h in proof["hashes"]]
    verify_consistency(old.size, new.size, old.root, new.root, hashes)
    typer.echo(f"OK: the log grew from {old.size} to {new.size} entries without rewriting")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - the operator's URL
        data: bytes = resp.read()
        return data
