"""A real standalone Spark cluster (master + 2 workers on loopback) for the scale tests, started
once per session through ``plateledger.scale.cluster`` and stopped at the end."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from conftest import NOW, free_port, make_reads, setup_registry
from plateledger.app.platform import Platform
from plateledger.scale import cluster
from plateledger.scale.cluster import ClusterError, ClusterState
from plateledger.scale.spark_store import SparkReadStore
from plateledger.sharing.agreements import AgreementIn

PLATES = ["ABC123", "ABC128", "ABC12B", "XBC123", "ABD123", "KLM456", "KLM465", "ZZZ999"]


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterState]:
    try:
        cluster.find_java()
        cluster.spark_home()
    except ClusterError as exc:
        pytest.skip(f"no Spark cluster possible here: {exc.message}")
    state_dir = tmp_path_factory.mktemp("spark-cluster")
    spec = cluster.ClusterSpec(state_dir, free_port(), free_port(), workers=2,
                               worker_memory="2g")  # fmt: skip
    state = cluster.up(spec, timeout=240)
    try:
        yield state
    finally:
        cluster.down(state_dir)


def dataset(seed: int = 7) -> list[dict[str, Any]]:
    """Reads of three owners over many days (IL back past its 180-day window), with exact
    timestamp ties so that the read-id tie-break is exercised."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []

    def add(camera: str, minutes_ago: float, **extra: Any) -> None:
        rows.append({"camera_id": camera, "ts": NOW - timedelta(minutes=minutes_ago),
                     "plate": rng.choice(PLATES), "confidence": rng.choice([0.55, 0.8, 0.97]),
                     "color": rng.choice(["red", "blue", None]),
                     "vehicle_type": rng.choice(["sedan", "truck"]), **extra})  # fmt: skip

    day = 24 * 60
    for _ in range(120):  # IL: 0..200 days back, so some days are past its 180-day window
        recent, old = rng.uniform(0, 30 * day), rng.uniform(170 * day, 200 * day)
        add(rng.choice(["il-c1", "il-c2"]), rng.choice([recent, old]))
    add("il-c1", 180 * day + 5)  # just older than the cutoff
    add("il-c1", 180 * day - 5)  # just inside it
    for i in range(60):  # TX: fixed and mobile cameras, 10 days
        if i % 3:
            add("tx-c1", rng.uniform(0, 10 * day))
        else:
            add("tx-m1", rng.uniform(0, 10 * day), lat=29.70 + rng.uniform(-0.01, 0.01),
                lon=-95.40 + rng.uniform(-0.01, 0.01))  # fmt: skip
    for _ in range(40):  # VA: excluded by policy for the IL officer
        add("va-c1", rng.uniform(0, 10 * day))
    for plate in ("ABC123", "ABC128"):  # ties: same camera, same instant
        for _ in range(3):
            rows.append({"camera_id": "il-c1", "ts": NOW - timedelta(minutes=77),
                         "plate": plate, "confidence": 0.9})  # fmt: skip
    return rows


@pytest.fixture(scope="session")
def spark_platform(
    spark_cluster: ClusterState, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A platform whose engine.yaml routes searches to the cluster; the store holds the same
    reads that the lake was exported from. TX shares nationally; VA shares nothing."""
    data = tmp_path_factory.mktemp("spark-data")
    (data / "engine.yaml").write_text(
        f"engine: spark\nmaster: {spark_cluster.master_url}\nlake: lake\n"
        "spark_conf:\n  spark.executor.memory: 1g\n  spark.driver.memory: 1g\n"
    )
    platform = Platform(data)
    try:
        setup_registry(platform)
        admin = next(u for u in platform.store.users() if u.id == "tx-admin")
        platform.sharing.add_agreement(admin, "tx-net", AgreementIn("national"))
        platform.store.append(make_reads(dataset()))
        platform.store.compact(everything=True)
        platform.store.export_parquet(data / "lake")
        assert isinstance(platform.reads, SparkReadStore)
        platform.reads.lake.refresh()
        platform.dictionary.reload()
        yield platform
    finally:
        platform.close()
