"""The store's side of a backup: one consistent copy of the DuckDB database."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from plateledger.errors import StoreError
from plateledger.store.base import Sql
from plateledger.store.writer import DB_ALIAS


def copy_database(db: Sql, target: Path) -> None:
    """``COPY FROM DATABASE``: one statement, one transaction, one snapshot of every table,
    written to a new database file ``target`` (mode 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    quoted = str(target).replace("'", "''")  # ATTACH takes no parameters: quoted literal
    try:
        db.execute(f"ATTACH '{quoted}' AS backup_copy (ROW_GROUP_SIZE 8192)")
        try:
            db.execute(f"COPY FROM DATABASE {DB_ALIAS} TO backup_copy")
        finally:
            db.execute("DETACH backup_copy")
    except duckdb.Error as exc:
        raise StoreError(f"cannot copy the store: {exc}", {"path": str(target)}) from None
    os.chmod(target, 0o600)
