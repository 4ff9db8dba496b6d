"""The registry's agencies in the analysis model: table ``agencies(agency_id, name, state,
kind)``. plateledger's own log stores agency ids, not names; the own-log checks read each
agency's kind (federal, private, ...) and state from here instead of guessing from a name."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from plateledger.domain.types import Agency

FEDERAL_KINDS = frozenset({"federal", "federal_immigration"})


def create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS agencies (agency_id VARCHAR, name VARCHAR, state VARCHAR, "
        "kind VARCHAR)"
    ).fetchall()


def add_agencies(con: duckdb.DuckDBPyConnection, agencies: Iterable[Agency]) -> int:
    """Insert the registry's agencies (an id already present is replaced); returns the count."""
    create(con)
    rows = {a.id: a for a in agencies}
    if not rows:
        return 0
    con.execute("DELETE FROM agencies WHERE list_contains(?, agency_id)", [list(rows)]).fetchall()
    table = pa.table(
        {
            "agency_id": [str(a.id) for a in rows.values()],
            "name": [a.name for a in rows.values()],
            "state": [a.state.upper() or None for a in rows.values()],
            "kind": [str(a.kind) for a in rows.values()],
        }
    )
    con.register("_agencies", table)
    con.execute("INSERT INTO agencies SELECT * FROM _agencies").fetchall()
    con.unregister("_agencies")
    return len(rows)


def registry(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, str]]:
    """Agency id and name -> (state, kind); empty when no registry was loaded."""
    create(con)
    out: dict[str, tuple[str | None, str]] = {}
    for agency_id, name, state, kind in con.execute(
        "SELECT agency_id, name, state, kind FROM agencies"
    ).fetchall():
        value = (None if state is None else str(state), str(kind))
        out[str(name)] = value
        out[str(agency_id)] = value
    return out
