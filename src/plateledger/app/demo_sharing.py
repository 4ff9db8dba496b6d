"""The demo's sharing graph, declarations and agency policies: realistic enough that searches
show the law at work (national lookups excluded where an owner's state forbids them).

Shape: every agency shares its networks with agencies in its own state; most also opt in to
national lookup (as many did on commercial networks), so the law — not a missing agreement —
is what excludes them; the HOA shares only with its local police; two Texas agencies have
Illinois written declarations on file, accepted by every Illinois owner; Chicago and San Mateo
require specific reasons.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from plateledger.domain.sharing import AgencyPolicy, Declaration, SharingAgreement
from plateledger.domain.types import AgencyId
from plateledger.store.duckdb_store import DuckDBStore

NATIONAL = {
    "il-danville-pd", "il-cook-county-sheriff", "il-state-police", "ca-san-mateo-pd",
    "va-richmond-pd", "wa-king-county-sheriff", "tx-houston-pd", "tx-dallas-pd", "tx-dps",
    "mo-joplin-pd", "mo-kansas-city-pd", "or-portland-pb",
}  # fmt: skip
PRIVATE_TO = {"tx-briarwood-hoa": "tx-houston-pd"}
IL_DECLARATIONS = ("tx-dps", "tx-houston-pd")
SPECIFIC_REASONS = ("il-chicago-pd", "ca-san-mateo-pd")


def share_demo(store: DuckDBStore) -> int:
    """Create the demo's agreements, declarations and policies; return the agreement count."""
    now = datetime.now(UTC)
    agencies = {a.id: a for a in store.agencies()}
    count = 0
    for network in store.networks():
        owner = agencies[network.agency_id]
        grants: list[tuple[str, str | None]] = []
        if owner.id in PRIVATE_TO:
            grants.append(("agency", PRIVATE_TO[owner.id]))
        else:
            grants.append(("state", owner.state))
            if owner.id in NATIONAL:
                grants.append(("national", None))
        for kind, grantee in grants:
            store.save_agreement(
                SharingAgreement(
                    id=f"sa-{uuid.uuid4().hex[:10]}",
                    network_id=network.id,
                    grantee_kind=kind,  # type: ignore[arg-type]
                    grantee=grantee,
                    radius_km=None,
                    purposes=frozenset(),
                    created_by="demo",
                    created_at=now - timedelta(days=200),
                    note="demo sharing graph",
                )  # fmt: skip
            )
            count += 1
    owners = {n.agency_id for n in store.networks()}
    il_owners = sorted(a.id for a in agencies.values() if a.state == "IL" and a.id in owners)
    for agency_id in IL_DECLARATIONS:
        declaration = Declaration(
            f"dec-{agency_id}-il", AgencyId(agency_id), "IL", "written_declaration",
            now - timedelta(days=120), now + timedelta(days=245),
            "demo://declarations/625-ILCS-5-2-130.pdf", filed_by="demo",
            filed_at=now - timedelta(days=120),
        )  # fmt: skip
        store.save_declaration(declaration)
        for il_owner in il_owners:  # a declaration counts only where the owner accepted it
            store.decide_declaration(
                declaration.id, il_owner, "accepted", "demo", now - timedelta(days=119),
                "demo: accepted by the owner",
            )  # fmt: skip
    for agency_id in SPECIFIC_REASONS:
        store.save_agency_policy(AgencyPolicy(AgencyId(agency_id), True, frozenset()))
    return count
