"""Tracker and multi-frame consensus on hand-made reads (no models needed)."""

from __future__ import annotations

from plateledger.recognize.base import Candidate, Detection, PlateText, Recognition
from plateledger.recognize.tracker import Tracker, consensus, track


def read(
    text: str,
    frame: int,
    x: int = 100,
    conf: float = 0.9,
    state: str | None = None,
    chars: tuple[float, ...] | None = None,
) -> Recognition:
    char_confs = chars or (conf,) * len(text)
    plate = PlateText(
        text, conf, char_confs, (Candidate(text, conf),), state, 0.9 if state else None
    )
    return Recognition("v.mp4", Detection((x, 200, 80, 40), 0.8), plate, None, frame)


def test_consensus_votes_per_position() -> None:
    reads = [
        read("7ABC123", 0, state="CA"),
        read("7A8C123", 3, chars=(0.9, 0.9, 0.4, 0.9, 0.9, 0.9, 0.9)),
        read("7ABC128", 6),
        read("7ABC12", 9, conf=0.3),
    ]
    sighting = consensus(reads)
    assert sighting.plate.text == "7ABC123"
    assert sighting.plate.state == "CA"
    assert (sighting.first_frame, sighting.last_frame, sighting.reads) == (0, 9, 4)
    assert sighting.plate.candidates[0].plate == "7ABC123"
    assert len(sighting.plate.candidates) <= 5
    assert sighting.plate.char_confidences[2] < sighting.plate.char_confidences[0]


def test_tracker_splits_vehicles_by_place_text_and_time() -> None:
    reads = [
        read("7ABC123", 0, x=100),
        read("KX4R92", 0, x=600),
        read("7ABC123", 3, x=110),
        read("KX4R92", 3, x=610),
        read("7A8C123", 6, x=400),  # jumped in place, but one confusable away: same car
        read("7ABC123", 200, x=100),  # long gap: a new sighting
    ]
    sightings = list(track(reads, max_gap=15))
    summary = sorted((s.plate.text, s.first_frame, s.reads) for s in sightings)
    assert summary == [("7ABC123", 0, 3), ("7ABC123", 200, 1), ("KX4R92", 0, 2)]


def test_next_vehicle_at_the_same_spot_is_a_new_sighting() -> None:
    reads = [
        read("7ABC123", 0),
        read("7ABC128", 3, conf=0.6),  # a misread of the same plate, same place: same car
        read("8GHJ305", 6),  # same place, confidently another plate: the next car
        read("8GHJ305", 9),
        read("8GHJ3", 12, conf=0.3),  # unsure partial read in place: stays with that car
    ]
    summary = [(s.plate.text, s.first_frame, s.reads) for s in track(reads, max_gap=15)]
    assert sorted(summary) == [("7ABC123", 0, 2), ("8GHJ305", 6, 3)]


def test_unread_plates_are_ignored() -> None:
    empty = Recognition("v.mp4", Detection((1, 1, 9, 9), 0.5), None, None, 0)
    assert list(track([empty])) == []


def test_settled_stationary_vehicle_is_not_read_again() -> None:
    tracker = Tracker(max_gap=5)
    box = (100, 200, 80, 40)
    assert not tracker.stationary(box)
    for frame in (0, 1, 2):
        assert tracker.observe(frame, [read("7ABC123", frame)]) == []
    assert tracker.stationary(box)  # three reads: settled
    assert not tracker.stationary((400, 200, 80, 40))  # elsewhere: a different vehicle
    for frame in range(3, 40):  # parked for a long time: only touched, never closed
        tracker.touch(box, frame)
        assert tracker.observe(frame, []) == []
    tracker.keep_alive(44)
    assert tracker.observe(45, []) == []
    (sighting,) = tracker.observe(60, [])  # gone for more than max_gap frames
    assert (sighting.plate.text, sighting.reads) == ("7ABC123", 3)


def test_live_tracker_emits_once_when_settled() -> None:
    tracker = Tracker(max_gap=5, emit_settled=True)
    assert tracker.observe(0, [read("7ABC123", 0)]) == []
    assert tracker.observe(1, [read("7ABC123", 1)]) == []
    (sighting,) = tracker.observe(2, [read("7A8C123", 2)])
    assert sighting.plate.text == "7ABC123" and sighting.reads == 3
    assert tracker.observe(3, [read("7ABC123", 3)]) == []
    assert tracker.observe(30, []) == [] and tracker.flush() == []
