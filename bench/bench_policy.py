"""Policy benchmark: a national lookup evaluated against N owner networks (default 5,000).

Prints the median time of `PurposePolicy.evaluate` for a Texas officer's national lookup with a
lawful reason and with "ICE WARRANT", next to the floor measured in the same run: building the
same number of allow decisions with no rules at all; then the same lawful search on behalf of
another Texas agency (two evaluations, combined per network). Target: ≤ 20 ms at 5,000 networks
for a normal search.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from plateledger.domain.sharing import SharingAgreement
from plateledger.domain.types import US_STATES, Agency, AgencyId, Network, NetworkId, User, UserId
from plateledger.policy.base import AccessRequest, Decision
from plateledger.policy.engine import PolicyState, PurposePolicy

KINDS = ("municipal", "municipal", "municipal", "sheriff", "state_police")


def world(n: int, seed: int = 1) -> tuple[list[tuple[Network, Agency]], PolicyState]:
    rng = random.Random(seed)
    pairs, agreements = [], []
    now = datetime.now(UTC)
    for i in range(n):
        state = rng.choice(US_STATES)
        agency = Agency(
            AgencyId(f"a{i}"),
            f"Agency {i}",
            state,
            rng.choice(KINDS),
            rng.choice((30, 90, 365, None)),
        )  # type: ignore[arg-type]
        network = Network(NetworkId(f"a{i}-net"), agency.id, "net")
        pairs.append((network, agency))
        kind = "national" if rng.random() < 0.6 else "state"
        agreements.append(
            SharingAgreement(f"sa{i}", network.id, kind, None if kind == "national" else state,  # type: ignore[arg-type]
                             None, frozenset(), "bench", now - timedelta(days=10))
        )  # fmt: skip
    centres = {p[0].id: (rng.uniform(25, 48), rng.uniform(-124, -67)) for p in pairs}
    return pairs, PolicyState(agreements, [], {}, centres, {})


def median_ms(fn: object, runs: int = 15) -> float:
    samples = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--networks", type=int, default=5000)
    args = ap.parse_args()
    pairs, state = world(args.networks)
    engine = PurposePolicy(lambda: state)
    tx = Agency(AgencyId("tx-searcher"), "TX PD", "TX", "municipal", 90)
    user = User(UserId("tx-officer"), tx.id, "Officer", "officer")
    now = datetime.now(UTC)

    def request(reason: str, purpose: str) -> AccessRequest:
        return AccessRequest(user, tx, purpose, "24-1", reason, None, now, None, True, False)

    lawful = request("stolen vehicle report 24-1187", "stolen_vehicle")
    ice = request("ICE WARRANT", "wanted_person_felony")
    floor = median_ms(lambda: [Decision(n.id, a.id, "allow", (), "x") for n, a in pairs])
    t_lawful = median_ms(lambda: engine.evaluate(lawful, pairs))
    t_ice = median_ms(lambda: engine.evaluate(ice, pairs))
    other = Agency(AgencyId("tx-other"), "TX other PD", "TX", "sheriff", 90)
    behalf = AccessRequest(user, tx, "stolen_vehicle", "24-1", "stolen vehicle report 24-1187",
                           other.id, now, other, True, False)  # fmt: skip
    t_behalf = median_ms(lambda: engine.evaluate(behalf, pairs))
    decisions = engine.evaluate(ice, pairs)
    denied = sum(d.decision == "deny" for d in decisions)
    print(f"national lookup over {args.networks:,} owner networks (median of 15):")
    print(
        f"  lawful stolen-vehicle search   {t_lawful:8.2f} ms   "
        f"floor (no rules) {floor:6.2f} ms   target ≤ 20 ms"
    )
    print(f"  'ICE WARRANT' search           {t_ice:8.2f} ms   ({denied:,} networks denied)")
    print(f"  lawful, on behalf of another   {t_behalf:8.2f} ms   (two evaluations)")


if __name__ == "__main__":
    main()
