"""`plateledger backup` and `plateledger restore`: consistent online backups, verified restores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plateledger.app.platform import Platform
from plateledger.backup.requests import request_backup
from plateledger.backup.restore import restore_backup
from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly, print_json
from plateledger.errors import DataDirInUseError, ValidationError
from plateledger.store.duckdb_store import DB_FILE


@friendly
def backup(
    out: Annotated[Path, typer.Option(help="Backup file to write (.tar, or .tar.gz to compress).")],
    data: DataOpt = DEFAULT_DATA,
    include_keys: Annotated[
        bool,
        typer.Option(
            help="Also store the audit signing key and the UI secret. Whoever holds such a "
            "backup can sign checkpoints as this log: keep it as safe as the server."
        ),
    ] = False,
) -> None:
    """Back up the store and the audit log, consistently, while the server runs or not.

    With a server running on --data the server writes the backup (asked through
    <data>/backup-requests/); otherwise this command opens the data directory itself. Without
    --include-keys the private signing key is left out: keep a copy of
    <data>/audit/signing.key elsewhere, restore needs it."""
    if not (data / DB_FILE).is_file():
        raise ValidationError(f"--data: no plateledger data directory at {data}", {"field": "data"})
    try:
        platform = Platform(data, component="cli")
    except DataDirInUseError:
        eprint(f"{data} is in use: asking the running server to write the backup")
        report = request_backup(data, out, include_keys=include_keys)
    else:
        try:
            report = platform.backups.create(out, include_keys=include_keys)
        finally:
            platform.close()
    print_json(report.to_dict())


@friendly
def restore(
    archive: Annotated[Path, typer.Argument(help="A file written by `plateledger backup`.")],
    data: Annotated[
        Path, typer.Option("--data", help="New data directory (must not exist or be empty).")
    ],
    signing_key: Annotated[
        Path | None,
        typer.Option(help="The log's signing key, for a backup taken without --include-keys."),
    ] = None,
) -> None:
    """Restore a backup into a new data directory, checking every file against the manifest,
    every checkpoint signature and the audit log's Merkle root."""
    report = restore_backup(archive, data, signing_key)
    print_json(report.to_dict())


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
