"""The audit-log views on their own: a real store for the registry, a real audit log, no
platform. An agency admin sees its own entries only, and an entry's proof checks out."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import AGENCIES, NETWORKS, USERS
from plateledger.audit.log import AuditLog
from plateledger.audit.merkle import verify_inclusion
from plateledger.audit.sink import sink_for
from plateledger.errors import ForbiddenError
from plateledger.oversight.browse import Filters, browse, entry_proof, visibility
from plateledger.oversight.live import own_log_checks
from plateledger.store.duckdb_store import DuckDBStore

USER = {u.id: u for u in USERS}


def test_scope_and_proof(tmp_path: Path) -> None:
    store = DuckDBStore(tmp_path)
    log = AuditLog(tmp_path / "audit", "test/origin")
    try:
        store.upsert_agencies(AGENCIES)
        store.upsert_networks(NETWORKS)
        audit = sink_for(log, "test")
        il = audit("sharing_change", USER["il-admin"], {"action": "add", "id": "sa-1"}, ["il-net"])
        tx = audit("sharing_change", USER["tx-admin"], {"action": "add", "id": "sa-2"}, ["tx-net"])

        page = browse(USER["il-admin"], Filters(), audit_log=log, store=store)
        assert [r.index for r in page.rows] == [il] and page.log_size == 2
        everything = browse(USER["tx-auditor"], Filters(), audit_log=log, store=store)
        assert [r.index for r in everything.rows] == [tx, il]

        proof = entry_proof(USER["il-admin"], il, audit_log=log, store=store)
        verify_inclusion(proof.leaf_hash, il, proof.tree_size, proof.proof,
                         proof.checkpoint.root)  # fmt: skip
        with pytest.raises(ForbiddenError):
            entry_proof(USER["il-admin"], tx, audit_log=log, store=store)
        with pytest.raises(ForbiddenError):
            browse(USER["il-officer"], Filters(), audit_log=log, store=store)

        view = own_log_checks(USER["il-admin"], "tx-test-pd", audit_log=log, store=store)
        assert view.scope == "il-test-pd" and view.searches == 0  # an admin: own agency only
    finally:
        log.close()
        store.close()


def test_the_agency_a_search_was_for_sees_it_and_no_look_alike_does(tmp_path: Path) -> None:
    """One visibility rule for the API and the UI: an entry naming ``on_behalf_of`` is visible
    to that agency, not to an id that only looks like it."""
    store = DuckDBStore(tmp_path / "store")
    try:
        store.upsert_agencies(AGENCIES)
        store.upsert_networks(NETWORKS)
        entry = {"agency_id": "us-fed", "networks": [], "subject": {"on_behalf_of": "tx-test-pd"}}
        tx_admin = USER["tx-admin"]
        assert visibility(tx_admin, store=store)(entry)
        assert not visibility(USER["il-admin"], store=store)(entry)
        for fake in ("TX-test-pd", "tx-test-pd ", "tx-tеst-pd", "tx-test\u200b-pd"):
            assert not visibility(tx_admin, store=store)(
                {**entry, "subject": {"on_behalf_of": fake}}
            )
    finally:
        store.close()
