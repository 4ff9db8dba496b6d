"""`plateledger audit witness init|run|key`: an independent witness, run by another party (an
oversight board, a neighbouring agency) against a server's public checkpoint endpoint; and
`plateledger audit witnesses add|list|remove`: the witness keys a server operator trusts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plateledger.audit.checkpoint import Verifier
from plateledger.audit.cosigned import CosignatureStore
from plateledger.audit.merkle import VerificationError
from plateledger.audit.witness import Witness, WitnessError, run_once
from plateledger.audit.witness_client import HttpLog
from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly
from plateledger.errors import ValidationError

witness_app = typer.Typer(
    help="Run an independent witness: check a log only grows, cosign it.", no_args_is_help=True
)
witnesses_app = typer.Typer(
    help="The witness keys this server trusts (cosignatures by others are refused).",
    no_args_is_help=True,
)

StateOpt = Annotated[
    Path, typer.Option("--state", help="The witness's state directory (key, logs, history).")
]


@witness_app.command("init")
@friendly
def init(
    state: StateOpt,
    name: Annotated[str, typer.Option(help="The witness's name, e.g. oversight.example/w1.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Create a witness key in --state (mode 0600) and print its public key (vkey): give it to
    the server operator (`plateledger audit witnesses add`) and to verifiers (--witness).
    --data is accepted like on every command and not used."""
    del data
    try:
        witness = Witness.init(state, name)
    except ValueError as exc:
        raise ValidationError(str(exc), {"field": "name"}) from None
    typer.echo(witness.signer.vkey())


@witness_app.command("key")
@friendly
def key(state: StateOpt, data: DataOpt = DEFAULT_DATA) -> None:
    """Print the witness's public key (vkey). --data is accepted and not used."""
    del data
    typer.echo(Witness(state).signer.vkey())


@witness_app.command("run")
@friendly
def run(
    state: StateOpt,
    server: Annotated[str, typer.Option(help="Base URL of the log's server.")],
    log_key: Annotated[
        Path | None,
        typer.Option(
            help="The log's public key file (first contact only; afterwards the pinned key "
            "in --state is used, and a different one is refused)."
        ),
    ] = None,
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """One witness step: fetch the server's latest checkpoint, check its signature and that it
    extends the one cosigned before (no rollback, no split view), cosign, record, submit.
    Exit 0 printing the size cosigned; exit 1 with one line naming the refusal or failure.
    --data is accepted like on every command and not used."""
    del data
    try:
        pinned = Verifier.from_vkey(log_key.read_text()) if log_key is not None else None
        witness = Witness(state)
        step = run_once(witness, HttpLog(server), log_key=pinned)
    except (WitnessError, VerificationError) as exc:
        eprint(f"FAILED: {exc.message}")
        raise typer.Exit(1) from None
    except OSError as exc:
        eprint(f"FAILED: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        raise typer.Exit(1) from None
    done = step.cosigned
    since = "first contact" if done.previous is None else f"previous {done.previous}"
    summary = f"{done.checkpoint.origin} size {done.checkpoint.size} ({since})"
    if not step.submitted:
        eprint(f"FAILED: cosigned {summary} but could not submit it: {step.error}")
        raise typer.Exit(1)
    typer.echo(f"OK: cosigned {summary}")


def _store(data: Path) -> CosignatureStore:
    return CosignatureStore(data / "audit", checkpoints=list)


@witnesses_app.command("add")
@friendly
def add(
    vkey_file: Annotated[Path, typer.Argument(help="File holding the witness's vkey line.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Trust a witness key: its cosignatures of this log's checkpoints are accepted and served.
    Takes effect on a running server at once."""
    added = _store(data).add_witness(vkey_file.read_text())
    typer.echo(f"added witness {added.label}")


@witnesses_app.command("list")
@friendly
def list_(data: DataOpt = DEFAULT_DATA) -> None:
    """The trusted witness keys, one vkey per line."""
    for witness in _store(data).witnesses():
        typer.echo(witness.vkey())


@witnesses_app.command("remove")
@friendly
def remove(
    name: Annotated[str, typer.Argument(help="The witness's name.")],
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Stop trusting a witness: its cosignatures are refused and no longer served."""
    removed = _store(data).remove_witness(name)
    typer.echo(f"removed witness {removed.label}")
