"""Migration 0011 on a store that already holds approvals and declarations: an old approval
lifts no rule and an old declaration counts for no owner until an owner accepts it."""

from __future__ import annotations

import duckdb

from plateledger.domain.types import AgencyId
from plateledger.store import policy_tables
from plateledger.store.migrations import MIGRATIONS, migrate


def test_existing_holds_and_declarations_are_carried_over_without_their_authority() -> None:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    for migration in MIGRATIONS:
        if migration.name < "0011":
            migration.apply(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [migration.name])
    con.execute(
        "INSERT INTO search_holds VALUES ('s-1', 'tx-officer', 'tx-test-pd', now(), '{}', "
        "['il-net', 'wa-net'], 'approved', 'tx-supervisor', now(), 'ok')"
    )
    con.execute(
        "INSERT INTO declarations VALUES ('dec-1', 'tx-test-pd', 'IL', 'written_declaration', "
        "now() - INTERVAL 1 DAY, NULL, 'doc://tx-il')"
    )
    assert "0011_owner_decisions" in migrate(con)
    (part,) = policy_tables.load_hold_parts(con, "s-1")
    assert part[:5] == ("tx-test-pd", ["il-net", "wa-net"], [], "[]", "approved")
    assert policy_tables.load_hold(con, "s-1")[10] is None  # type: ignore[index]  # not used
    (declaration,) = policy_tables.load_declarations(con)
    assert declaration.accepted_by == frozenset()
    assert declaration.status_for(AgencyId("il-test-pd")) == "pending"
