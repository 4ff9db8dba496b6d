"""Group a vehicle's reads across video frames into one sighting, with multi-frame consensus.

A read joins the open track whose last box overlaps it (IoU >= 0.2) or whose last plate is
within one confusable-folded character of it; a track closes after ``max_gap`` frames in which it
was not seen. Overlapping boxes do not join two confident reads of clearly different plates
(less than half their folded characters in common): that is the next vehicle at the same spot.
The consensus plate is a per-position vote, weighted by character confidence, among the reads of
the most common length (weighted by read confidence).

Stationary vehicles are not re-read every frame: once a track has ``settle_reads`` reads, a
detection whose box stays where the track's last box was (IoU >= 0.8) only keeps the track alive
(``Tracker.stationary`` says so before the OCR runs), and a frame in which nothing moved keeps every
open track alive (``Tracker.keep_alive``). With ``emit_settled`` (live cameras), a track's sighting
is emitted as soon as it settles instead of when it closes, and only once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from plateledger.domain.plates import fold
from plateledger.recognize.base import Box, Candidate, PlateText, Recognition

_MIN_IOU = 0.2
_STATIONARY_IOU = 0.8
_DISTINCT_CONFIDENCE = 0.5  # both reads at least this sure ...
_DISTINCT_SIMILARITY = 0.5  # ... and this little alike (difflib ratio): different vehicles


@dataclass(frozen=True, slots=True)
class Sighting:
    """One vehicle seen over several frames: the consensus read and its best single frame."""

    plate: PlateText
    best: Recognition
    first_frame: int
    last_frame: int
    reads: int


@dataclass
class _Track:
    reads: list[Recognition] = field(default_factory=list)
    seen: int = 0  # last frame the vehicle was seen (read, or kept alive)
    box: Box = (0, 0, 0, 0)
    emitted: bool = False

    @property
    def last(self) -> Recognition:
        return self.reads[-1]


class Tracker:
    """Incremental tracker: feed it each processed frame's reads in frame order."""

    def __init__(
        self, max_gap: int = 15, settle_reads: int = 3, emit_settled: bool = False
    ) -> None:
        self.max_gap = max_gap
        self.settle_reads = settle_reads
        self.emit_settled = emit_settled
        self._open: list[_Track] = []

    def stationary(self, box: Box) -> bool:
        """Whether ``box`` is a settled vehicle that has not moved: no need to read it again."""
        return any(
            len(t.reads) >= self.settle_reads and _iou(t.box, box) >= _STATIONARY_IOU
            for t in self._open
        )

    def touch(self, box: Box, frame: int) -> None:
        """A stationary vehicle was seen at ``frame`` without being read."""
        for t in self._open:
            if _iou(t.box, box) >= _STATIONARY_IOU:
                t.seen = max(t.seen, frame)

    def keep_alive(self, frame: int) -> None:
        """Nothing moved in ``frame``: every open track is still there."""
        for t in self._open:
            t.seen = max(t.seen, frame)

    def observe(self, frame: int, reads: Iterable[Recognition]) -> list[Sighting]:
        """Add the reads of ``frame``; the sightings that are now due (closed or settled)."""
        due = self._close_before(frame)
        for read in reads:
            if read.plate is None:
                continue
            matches = [t for t in self._open if _same_vehicle(t.last, read)]
            # several open tracks at one spot (a car, then the next): the most alike, then newest
            target = max(matches, key=lambda t: (_similarity(t.last, read), t.seen), default=None)
            if target is None:
                target = _Track()
                self._open.append(target)
            target.reads.append(read)
            target.seen = max(target.seen, frame)
            target.box = read.detection.bbox
            if self.emit_settled and not target.emitted and len(target.reads) >= self.settle_reads:
                target.emitted = True
                due.append(consensus(target.reads))
        return due

    def flush(self) -> list[Sighting]:
        """Close every open track (end of the video or stream)."""
        done = [consensus(t.reads) for t in self._open if not t.emitted]
        self._open = []
        return done

    def _close_before(self, frame: int) -> list[Sighting]:
        closing = [t for t in self._open if frame - t.seen > self.max_gap]
        self._open = [t for t in self._open if t not in closing]
        return [consensus(t.reads) for t in closing if not t.emitted]


def track(recognitions: Iterable[Recognition], max_gap: int = 15) -> Iterator[Sighting]:
    """Sightings from reads in frame order (reads with ``plate`` None are ignored)."""
    tracker = Tracker(max_gap=max_gap)
    for read in recognitions:
        yield from tracker.observe(read.frame or 0, [read])
    yield from tracker.flush()


def consensus(reads: list[Recognition]) -> Sighting:
    """The multi-frame reading of one track (all reads must have a plate)."""
    plates = [r.plate for r in reads if r.plate is not None]
    lengths: defaultdict[int, float] = defaultdict(float)
    for plate in plates:
        lengths[len(plate.text)] += plate.confidence
    length = max(lengths, key=lambda n: (lengths[n], n))
    voters = [p for p in plates if len(p.text) == length]
    chars: list[str] = []
    confs: list[float] = []
    for i in range(length):
        votes: defaultdict[str, float] = defaultdict(float)
        for plate in voters:
            votes[plate.text[i]] += plate.char_confidences[i]
        char, weight = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
        chars.append(char)
        confs.append(weight / len(voters))  # disagreement and low confidence both lower it
    text = "".join(chars)
    totals: defaultdict[str, float] = defaultdict(float)
    for plate in plates:
        totals[plate.text] += plate.confidence
    confidence = sum(confs) / len(confs)
    others = sorted(((t, c / len(plates)) for t, c in totals.items() if t != text), key=_by_conf)
    candidates = (Candidate(text, round(confidence, 4)),) + tuple(
        Candidate(t, round(c, 4)) for t, c in others[:4]
    )
    states = Counter(p.state for p in plates if p.state)
    state = states.most_common(1)[0][0] if states else None
    state_conf = states[state] / len(plates) if state else None
    best = max(reads, key=lambda r: r.plate.confidence if r.plate else 0.0)
    plate = PlateText(
        text,
        round(confidence, 4),
        tuple(round(c, 4) for c in confs),
        candidates,
        state,
        None if state_conf is None else round(state_conf, 3),
        best.plate.raw if best.plate else None,
    )
    frames = [r.frame or 0 for r in reads]
    return Sighting(plate, best, min(frames), max(frames), len(reads))


def _by_conf(item: tuple[str, float]) -> tuple[float, str]:
    return -item[1], item[0]


def _similarity(previous: Recognition, read: Recognition) -> float:
    if previous.plate is None or read.plate is None:
        return 0.0
    return SequenceMatcher(None, fold(previous.plate.text), fold(read.plate.text)).ratio()


def _same_vehicle(previous: Recognition, read: Recognition) -> bool:
    if previous.plate is None or read.plate is None:
        return _iou(previous.detection.bbox, read.detection.bbox) >= _MIN_IOU
    a, b = fold(previous.plate.text), fold(read.plate.text)
    if _iou(previous.detection.bbox, read.detection.bbox) >= _MIN_IOU:
        sure = min(previous.plate.confidence, read.plate.confidence) >= _DISTINCT_CONFIDENCE
        return not (sure and _similarity(previous, read) < _DISTINCT_SIMILARITY)
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    return False


def _iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0
