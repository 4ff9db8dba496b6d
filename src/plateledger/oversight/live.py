"""The oversight checks (``plateledger oversight report``) run over the live audit log: an
agency admin gets the checks over the entries written for the agency's users; an auditor over
one agency's entries or the whole log. Each flagged row links back to its audit entry.

The same import (``oversight.own_log.entry_row``) and the same checks as the CLI report; the
entries are read from the running platform's log instead of an exclusive open of the directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from plateledger.audit.log import AuditLog
from plateledger.audit.views import organization_audit
from plateledger.domain.types import Agency, AgencyId, User
from plateledger.errors import NotFoundError
from plateledger.oversight.agencies import add_agencies
from plateledger.oversight.browse import Directory, check_role
from plateledger.oversight.checks import CheckResult
from plateledger.oversight.checks_patterns import run_all
from plateledger.oversight.config import load
from plateledger.oversight.importer import import_paths
from plateledger.oversight.model import connect

MAX_ROWS_SHOWN = 25


@dataclass(frozen=True, slots=True)
class Flagged:
    audit_index: int | None  # the entry in the audit log
    at: str
    user_id: str | None
    agency: str | None
    reason: str | None
    case_number: str | None
    outcome: str | None
    evidence: str


@dataclass(frozen=True, slots=True)
class CheckView:
    result: CheckResult
    rows: tuple[Flagged, ...]  # the first MAX_ROWS_SHOWN flagged rows


@dataclass(frozen=True, slots=True)
class OversightView:
    scope: str  # an agency id, or "" for the whole log
    searches: int
    checks: tuple[CheckView, ...]


def own_log_checks(
    user: User, agency: str = "", *, audit_log: AuditLog, store: Directory
) -> OversightView:
    check_role(user)
    if user.role != "auditor":
        agency = user.agency_id  # an admin sees their own agency's log only
    elif agency and store.agency(AgencyId(agency)) is None:
        raise NotFoundError(f"no agency {agency}", {"field": "agency"})
    indexes: list[int] = []

    def entries() -> Iterator[dict[str, Any]]:
        for index, entry in _scope(audit_log, agency):
            indexes.append(index)
            yield entry

    con = connect()
    try:
        import_paths(con, [], own_entries=entries())
        add_agencies(con, _known(con, store))
        results = run_all(con, load())
        count = con.execute("SELECT count(*) FROM searches").fetchone()
        views = tuple(CheckView(r, _rows(con, r, indexes)) for r in results)
    finally:
        con.close()
    return OversightView(agency, int(count[0]) if count else 0, views)


def _known(con: Any, store: Directory) -> list[Agency]:
    """The registry entries of the agencies the imported rows name (searcher, on behalf of)."""
    ids = con.execute(
        "SELECT DISTINCT a FROM (SELECT agency AS a FROM searches UNION ALL "
        "SELECT on_behalf_of FROM searches) WHERE a IS NOT NULL"
    ).fetchall()
    found = (store.agency(AgencyId(str(a))) for (a,) in ids)
    return [a for a in found if a is not None]


def _scope(audit_log: AuditLog, agency: str) -> Iterator[tuple[int, dict[str, Any]]]:
    if agency:
        yield from organization_audit(audit_log, agency)
        return
    for index in range(audit_log.size):
        yield index, orjson.loads(audit_log.entry(index))


def _rows(con: Any, result: CheckResult, indexes: list[int]) -> tuple[Flagged, ...]:
    shown = result.rows[:MAX_ROWS_SHOWN]
    if not shown:
        return ()
    evidence = dict(shown)
    found = con.execute(
        "SELECT row_id, source_row, strftime(at_utc, '%Y-%m-%d %H:%M:%S'), user_id, agency, "
        "reason, case_number, outcome FROM searches WHERE list_contains(?::BIGINT[], row_id) "
        "ORDER BY at_utc",
        [list(evidence)],
    ).fetchall()
    return tuple(
        Flagged(
            indexes[int(src)] if src is not None and int(src) < len(indexes) else None,
            str(at or ""),
            user_id,
            agency,
            reason,
            case,
            outcome,
            evidence.get(int(row_id), ""),
        )  # fmt: skip
        for row_id, src, at, user_id, agency, reason, case, outcome in found
    )
