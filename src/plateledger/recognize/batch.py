"""Files to output lines: each image or video becomes its reads, or one named ``FileError``.

``iter_file_lines`` reads one file with a ``Recognizer``; ``read_files`` runs it over many files,
in this process or in ``jobs`` worker processes (each with its own recogniser, one inference
thread each by default), and yields the results in the order of the files, so the output is the
same whatever ``jobs``. A file that cannot be read never stops the run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plateledger.errors import PlateledgerError
from plateledger.recognize.read_model import FileError, JsonValue, ReadLine

if TYPE_CHECKING:
    from plateledger.recognize.pipeline import Recognizer
    from plateledger.recognize.tracker import Sighting

Line = dict[str, JsonValue]
#: What one file gave: its output lines (reads or sightings), or the error that stopped it.
FileResult = tuple[Path, list[Line] | FileError]


def iso(stamp: datetime) -> str:
    return stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


def file_ts(path: Path) -> str:
    """The file's modification time, UTC (now, if the file went away while it was read)."""
    try:
        return iso(datetime.fromtimestamp(path.stat().st_mtime, UTC))
    except OSError:
        return iso(datetime.now(UTC))


def sighting_line(sighting: Sighting, offset: float, ts: str, camera: str | None) -> Line:
    """A tracked vehicle (video or camera): its consensus read at its best frame."""
    read = dataclasses.replace(sighting.best, plate=sighting.plate)
    line = ReadLine.from_recognition(read, ts=ts, camera=camera)
    frames = (sighting.first_frame, sighting.last_frame)
    return line.as_sighting(offset, sighting.reads, frames).to_json()


def iter_file_lines(
    recognizer: Recognizer, path: Path, *, every: int = 3, show_all: bool = False
) -> Iterator[Line]:
    """The output lines of one image (its reads) or video (its sightings), as they come.

    Raises ``PlateledgerError`` (``ImageError``, ``ReadModelError``...) naming the file.
    """
    from plateledger.recognize.video import is_video, video_sightings

    if is_video(path):
        for sighting, offset in video_sightings(recognizer, path, every):
            yield sighting_line(sighting, offset, file_ts(path), None)
        return
    started = time.perf_counter()
    reads = recognizer.recognize_file(path)
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    ts = file_ts(path)
    for read in reads:
        if read.plate is not None or show_all:
            line = ReadLine.from_recognition(read, ts=ts, camera=None, elapsed_ms=elapsed_ms)
            yield line.to_json()


def file_result(
    recognizer: Recognizer, path: Path, *, every: int = 3, show_all: bool = False
) -> FileResult:
    """All the lines of one file, or the error that stopped it (lines before it are dropped)."""
    try:
        return path, list(iter_file_lines(recognizer, path, every=every, show_all=show_all))
    except PlateledgerError as exc:
        return path, FileError.from_error(str(path), exc)


_WORKER: dict[str, Any] = {}


def _init_worker(options: Mapping[str, Any], every: int, show_all: bool) -> None:
    from plateledger.recognize.pipeline import Recognizer

    _WORKER.update(recognizer=Recognizer.default(**options), every=every, show_all=show_all)


def _work(path: Path) -> FileResult:
    recognizer: Recognizer = _WORKER["recognizer"]
    return file_result(recognizer, path, every=_WORKER["every"], show_all=_WORKER["show_all"])


def read_files(
    paths: Sequence[Path],
    *,
    jobs: int,
    options: Mapping[str, Any],
    every: int = 3,
    show_all: bool = False,
) -> Iterator[FileResult]:
    """Every file's result, in order, from ``jobs`` worker processes (``jobs`` >= 2).

    ``options`` are ``Recognizer.default``'s keyword arguments; each worker builds its own
    recogniser (processes are started fresh, not forked from a process running inference).
    """
    context = get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_init_worker,
        initargs=(dict(options), every, show_all),
    ) as pool:
        yield from pool.map(_work, paths, chunksize=1)
