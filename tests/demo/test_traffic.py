"""The synthetic read stream: exact, ordered, deterministic, and shaped like real traffic."""

from __future__ import annotations

import gzip
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from plateledger.demo import (
    DemoNetwork,
    HourProfile,
    build_network,
    builtin_profile,
    generate_reads,
    n_vehicles,
    planted_convoys,
    profile_from_seattle,
)
from plateledger.demo.plates import as_text
from plateledger.demo.population import build_population
from plateledger.demo.routes import build_geography
from plateledger.domain.plate_formats import check_plate
from plateledger.errors import ValidationError
from plateledger.store.schema import INGEST_SCHEMA

N = 50_000
END = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday; no DST change in the 30 days before
SEATTLE = Path(__file__).parents[3] / "shared" / "data" / "reads" / "seattle-pd-2021-10.csv.gz"
CONFUSABLE = {frozenset(p) for p in ("O0", "D0", "B8", "I1", "S5", "Z2", "G6")}


@pytest.fixture(scope="module")
def net() -> DemoNetwork:
    return build_network()


@pytest.fixture(scope="module")
def batches(net: DemoNetwork) -> list[pa.Table]:
    return list(generate_reads(net, N, end=END, seed=7, batch_size=20_000))


@pytest.fixture(scope="module")
def reads(batches: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(batches)


@pytest.fixture(scope="module")
def truth(net: DemoNetwork) -> set[str]:
    """The true plates of the vehicle population behind the stream."""
    pop = build_population(build_geography(net), n_vehicles(N), seed=7)
    return set(as_text(pop.plates, pop.lens))


def _us(table: pa.Table) -> npt.NDArray[np.int64]:
    out: npt.NDArray[np.int64] = table["ts"].cast(pa.int64()).to_numpy()
    return out


def _offset_us(tz: str) -> int:
    delta = ZoneInfo(tz).utcoffset(END - timedelta(days=15))
    assert delta is not None
    return int(delta.total_seconds()) * 10**6


def _local_us(net: DemoNetwork, table: pa.Table) -> npt.NDArray[np.int64]:
    """Each read's time in its camera's local time zone."""
    offset = {cam: _offset_us(net.city(city).tz) for cam, city in net.city_of_camera.items()}
    cams = table["camera_id"].to_pylist()
    return _us(table) + np.array([offset[c] for c in cams], dtype=np.int64)


def test_exact_count_batches_and_schema(batches: list[pa.Table]) -> None:
    assert sum(t.num_rows for t in batches) == N
    assert [t.num_rows for t in batches] == [20_000, 20_000, 10_000]
    for table in batches:
        assert table.schema.equals(INGEST_SCHEMA)
        table.validate(full=True)


def test_odd_sizes_are_exact(net: DemoNetwork) -> None:
    for n, batch in ((1, 10), (7_777, 1_000), (12_345, 100_000)):
        tables = list(generate_reads(net, n, days=3, end=END, batch_size=batch))
        assert sum(t.num_rows for t in tables) == n
    assert list(generate_reads(net, 0, end=END)) == []


def test_time_order_and_window(reads: pa.Table) -> None:
    ts = _us(reads)
    assert np.all(np.diff(ts) >= 0)
    start = int((END - timedelta(days=30)).timestamp() * 10**6)
    assert ts[0] >= start and ts[-1] < int(END.timestamp() * 10**6)
    days = Counter((ts - start) // (86_400 * 10**6))
    assert len(days) == 30 and min(days.values()) > N / 30 / 3


def test_deterministic(net: DemoNetwork, reads: pa.Table) -> None:
    again = pa.concat_tables(generate_reads(net, N, end=END, seed=7, batch_size=20_000))
    assert again.equals(reads)
    other = pa.concat_tables(generate_reads(net, N, end=END, seed=8, batch_size=20_000))
    assert not other["plate"].equals(reads["plate"])


def test_plates_are_canonical_and_fit_their_state(reads: pa.Table, truth: set[str]) -> None:
    assert pc.all(pc.match_substring_regex(reads["plate"], r"^[A-Z0-9]{2,8}$")).as_py()
    checked = 0
    for plate, state in zip(
        reads["plate"].to_pylist()[:5000], reads["plate_state"].to_pylist()[:5000], strict=True
    ):
        if state is not None and plate in truth:
            assert check_plate(plate, state).valid, (plate, state)
            checked += 1
    assert checked > 4000


def test_commuters_recur_at_habitual_times(net: DemoNetwork, reads: pa.Table) -> None:
    local = _local_us(net, reads)
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for plate, cam, t in zip(
        reads["plate"].to_pylist(), reads["camera_id"].to_pylist(), local, strict=True
    ):
        seen[(plate, cam)].append(int(t))
    regular = 0
    for times in seen.values():
        days = {t // (86_400 * 10**6) for t in times}
        if len(days) < 10:
            continue
        minutes = np.array(times) // (60 * 10**6) % 1440
        centred = (minutes - np.median(minutes) + 720) % 1440 - 720
        q1, q3 = np.percentile(centred, [25, 75])
        regular += q3 - q1 <= 20
    assert regular >= 20


def test_misreads(reads: pa.Table, truth: set[str]) -> None:
    plates = reads["plate"].to_pylist()
    cands = reads["candidates"].to_pylist()
    conf = reads["confidence"].to_numpy()
    mis = [i for i, p in enumerate(plates) if p not in truth]
    assert 0.02 <= len(mis) / N <= 0.03
    for i in mis:
        alternatives = [c["plate"] for c in cands[i]]
        assert alternatives[0] == plates[i]
        true = [a for a in alternatives if a in truth]
        assert true and _one_ocr_error(true[0], plates[i])
    assert np.median(conf[mis]) < np.median(conf) - 0.1


def _one_ocr_error(true: str, read: str) -> bool:
    if len(read) == len(true) - 1:
        return any(true[:k] + true[k + 1 :] == read for k in range(len(true)))
    diff = [(a, b) for a, b in zip(true, read, strict=True) if a != b]
    return len(diff) == 1 and frozenset(diff[0]) in CONFUSABLE


def test_read_fields(net: DemoNetwork, reads: pa.Table) -> None:
    conf = reads["confidence"].to_numpy()
    assert 0.85 <= np.median(conf) <= 0.99 and np.mean(conf >= 0.85) > 0.8
    raw = reads.filter(pc.is_valid(reads["plate_raw"]))
    assert 0 < raw.num_rows < N / 4
    for r, p in zip(raw["plate_raw"].to_pylist(), raw["plate"].to_pylist(), strict=True):
        assert (" " in r or "-" in r) and r.replace(" ", "").replace("-", "") == p
    colours = Counter(reads["color"].to_pylist())
    assert {c for c, _ in colours.most_common(4)} == {"white", "black", "gray", "silver"}
    assert 0.05 < reads["make"].null_count / N < 0.3
    crops = reads["crop_ref"].drop_null()
    assert pc.all(pc.match_substring_regex(crops, r"^demo://crop/\d+$")).as_py()
    assert set(reads["engine"].to_pylist()) == {"demo-synth/1"}
    mobile = {c.id for c in net.cameras if c.mobile}
    has_pos = pc.is_valid(reads["lat"]).to_pylist()
    cams = reads["camera_id"].to_pylist()
    assert all((c in mobile) == p for c, p in zip(cams, has_pos, strict=True))
    assert any(has_pos)


def test_vehicle_attributes_are_consistent(reads: pa.Table, truth: set[str]) -> None:
    by_plate: dict[str, Counter[str]] = defaultdict(Counter)
    for plate, make in zip(reads["plate"].to_pylist(), reads["make"].to_pylist(), strict=True):
        if make is not None and plate in truth:
            by_plate[plate][make] += 1
    frequent = [c for c in by_plate.values() if c.total() >= 20]
    assert frequent and all(len(c) == 1 for c in frequent)


def test_convoys_travel_together(net: DemoNetwork, reads: pa.Table) -> None:
    groups = planted_convoys(net, 7)
    assert len(groups) >= 3 and all(2 <= len(g) <= 3 for g in groups)
    ts = _us(reads)
    plates = np.array(reads["plate"].to_pylist())
    cams = np.array(reads["camera_id"].to_pylist())
    for leader, *followers in groups:
        lead = np.flatnonzero(plates == leader)
        for follower in followers:
            together = 0
            for i in np.flatnonzero(plates == follower):
                same = lead[cams[lead] == cams[i]]
                together += bool(np.any(np.abs(ts[same] - ts[i]) <= 60 * 10**6))
            assert together >= 5, (leader, follower)


def test_hour_shape_follows_profile(net: DemoNetwork, reads: pa.Table) -> None:
    local = _local_us(net, reads)
    hours = np.bincount(local // (3600 * 10**6) % 24, minlength=24) / N
    profile = np.array(builtin_profile().weights)
    assert np.corrcoef(hours, profile)[0, 1] > 0.95
    assert np.abs(hours - profile).max() < 0.02
    day = local // (86_400 * 10**6)
    weekend = (day + 3) % 7 >= 5
    n_days = Counter((day[i] + 3) % 7 >= 5 for i in np.unique(day, return_index=True)[1])
    ratio = (weekend.sum() / n_days[True]) / ((~weekend).sum() / n_days[False])
    assert abs(ratio - builtin_profile().weekend_factor) < 0.1


def test_bad_arguments(net: DemoNetwork) -> None:
    with pytest.raises(ValidationError, match="n_reads"):
        generate_reads(net, -1)
    with pytest.raises(ValidationError, match="days"):
        generate_reads(net, 10, days=0)
    with pytest.raises(ValidationError, match="batch_size"):
        generate_reads(net, 10, batch_size=0)


def test_builtin_profile() -> None:
    profile = builtin_profile()
    assert len(profile.weights) == 24 and abs(sum(profile.weights) - 1) < 1e-9
    assert 0.3 < profile.weekend_factor < 0.7
    assert max(range(24), key=lambda h: profile.weights[h]) in range(11, 19)
    with pytest.raises(ValidationError):
        HourProfile((1.0,) * 24, 1.0)


@pytest.mark.skipif(not SEATTLE.exists(), reason="shared Seattle data not present")
def test_profile_from_seattle_matches_the_builtin() -> None:
    assert profile_from_seattle(SEATTLE) == builtin_profile()


def test_profile_from_seattle_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not found"):
        profile_from_seattle(tmp_path / "missing.csv.gz")
    bad = tmp_path / "bad.csv.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("zipcode|dt|device\n98036|10/07/2021 - 16:30:51|x\n98036|yesterday|x\n")
    with pytest.raises(ValidationError, match=r"bad\.csv\.gz, line 3: bad 'dt'"):
        profile_from_seattle(bad)
    good = tmp_path / "good.csv.gz"
    with gzip.open(good, "wt") as fh:
        fh.write("dt\n10/07/2021 - 16:30:51\n10/09/2021 - 03:00:00\n10/08/2021 - 16:00:00\n")
    profile = profile_from_seattle(good)
    assert profile.weights[16] == pytest.approx(2 / 3) and profile.weekend_factor == 1.0
