"""`plateledger recognize PATH|URL...`: read plates from images, videos and cameras, print reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly
from plateledger.errors import PlateledgerError, ValidationError
from plateledger.recognize.batch import Line, iso, iter_file_lines, sighting_line
from plateledger.recognize.read_model import FileError, ReadModelError

if TYPE_CHECKING:
    from plateledger.recognize.pipeline import Recognizer
    from plateledger.recognize.uplink import Uplink

Emit = Callable[[dict[str, Any]], None]


def _run_url(recognizer: Recognizer, url: str, options: Any, emit: Emit) -> None:
    from plateledger.recognize.streams import iter_url_frames, redact
    from plateledger.recognize.video import frame_sightings

    started = datetime.now(UTC)
    frames = iter_url_frames(url, options)
    for sighting, offset in frame_sightings(recognizer, frames, redact(url), emit_settled=True):
        emit(sighting_line(sighting, offset, iso(started + timedelta(seconds=offset)), None))


def _file_results(
    recognizer: Recognizer | None,
    paths: list[Path],
    jobs: int,
    options: dict[str, Any],
    every: int,
    show_all: bool,
    emit: Emit,
) -> Iterator[list[Line] | FileError]:
    """Each file's lines (already emitted here when read in this process) or its error; in
    ``jobs`` worker processes when there is no ``recognizer`` here."""
    from plateledger.recognize.batch import read_files

    if not paths:
        return
    if recognizer is None:
        for _, result in read_files(
            paths, jobs=jobs, options=options, every=every, show_all=show_all
        ):
            yield result
        return
    for path in paths:
        try:  # emitted as they come: a long video prints each sighting when it is settled
            for line in iter_file_lines(recognizer, path, every=every, show_all=show_all):
                emit(line)
        except PlateledgerError as exc:
            yield FileError.from_error(str(path), exc)
            continue
        yield []


@friendly
def recognize_cmd(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Image or video files, folders (searched recursively), or camera URLs "
            "(rtsp://, http(s):// MJPEG stream or JPEG snapshot)."
        ),
    ],
    camera: Annotated[
        str | None, typer.Option("--camera", help="Camera id to put on every read.")
    ] = None,
    json_out: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print NDJSON: one read, or one file that could not be read, a line "
            "(schema: docs/recognition.md, JSON output).",
        ),
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also print detected plates that could not be read.")
    ] = False,
    imgsz: Annotated[
        int, typer.Option("--imgsz", help="Detector input size (multiple of 32).")
    ] = 960,
    threads: Annotated[int, typer.Option("--threads", min=1, help="Inference threads.")] = 1,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=1,
            help="Files: worker processes reading files side by side (each with --threads "
            "inference threads; output in file order). One per core is fastest.",
        ),
    ] = 1,
    int8: Annotated[
        bool,
        typer.Option(
            "--int8/--fp32",
            help="INT8 plate detector (default), or the fp32 one (about a third more CPU).",
        ),
    ] = True,
    accurate: Annotated[
        bool,
        typer.Option(
            "--accurate",
            help="Also read test-time variants of each plate (tighter/looser, turned ±3°, "
            "coarser, contrast-equalised) and fuse them: slower; see docs/recognition.md.",
        ),
    ] = False,
    every: Annotated[
        int, typer.Option("--every", min=1, help="Video and streams: read every N-th frame.")
    ] = 3,
    zone: Annotated[
        str | None,
        typer.Option(
            "--zone",
            help="Only read plates inside this polygon, 'x,y x,y x,y...' in pixels or in "
            "fractions of the frame (0..1).",
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.0, help="Snapshot URLs: seconds between fetches.")
    ] = 1.0,
    max_frames: Annotated[
        int | None, typer.Option("--max-frames", min=1, help="Camera URLs: stop after N frames.")
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option("--duration", min=0.0, help="Camera URLs: stop after this many seconds."),
    ] = None,
    post: Annotated[
        str | None, typer.Option("--post", help="plateledger server URL to send reads to.")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", envvar="PLATELEDGER_TOKEN", help="API token.")
    ] = None,
    crops: Annotated[
        bool,
        typer.Option(
            "--crops",
            help="Print each read's plate crop (JPEG, base64) as crop_b64 (always posted).",
        ),
    ] = False,
    spool: Annotated[
        Path, typer.Option("--spool", help="Where undeliverable reads wait for the next run.")
    ] = Path("plateledger-spool"),
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Read licence plates offline from images, video files and camera URLs.

    `ts` is the file's modification time (UTC), or the capture time for a camera URL. A video
    or camera prints one read per sighting (a vehicle tracked over several frames, multi-frame
    consensus), with its best frame and `offset_s`; a camera's sighting is printed once it has
    three reads. Dropped camera connections are retried with backoff. With --post URL --token T
    the reads are also sent to a plateledger server (retries with backoff; what cannot be
    delivered waits in --spool and is sent first next time).
    """
    del data  # reads no data directory; accepted like on every command
    from plateledger.recognize.images import expand_sources
    from plateledger.recognize.pipeline import Recognizer
    from plateledger.recognize.streams import StreamOptions, is_url, redact
    from plateledger.recognize.uplink import Uplink
    from plateledger.recognize.zone import Zone

    if post and not (camera and token):
        raise ValidationError("--post needs --camera and --token", {"field": "post"})
    urls = [s for s in sources if is_url(s)]
    paths = list(expand_sources(s for s in sources if not is_url(s)))
    area = Zone.parse(zone) if zone else None
    options: dict[str, Any] = {
        "threads": threads,
        "imgsz": imgsz,
        "zone": area,
        "int8": int8,
        "accurate": accurate,
        "keep_crops": crops or bool(post),
    }
    uplink = Uplink(post, token, spool) if post and token else None
    out = _Output(json_out=json_out, crops=crops, camera=camera, uplink=uplink, live=bool(urls))
    parallel = jobs > 1 and len(paths) > 1
    recognizer = Recognizer.default(**options) if urls or (paths and not parallel) else None
    local = None if parallel else recognizer
    for result in _file_results(local, paths, jobs, options, every, show_all, out.emit):
        if isinstance(result, FileError):
            out.fail(result)
        else:
            for line in result:
                out.emit(line)
    stream = StreamOptions(
        every=every, interval_s=interval, max_frames=max_frames, duration_s=duration
    )
    for url in urls:
        assert recognizer is not None
        try:
            _run_url(recognizer, url, stream, out.emit)
        except PlateledgerError as exc:
            out.fail(FileError.from_error(redact(url), exc))
    if uplink is not None and out.emitted:
        _report(uplink.post([o for o in out.emitted if o["plate"]]), spool)
    if out.errors:
        raise typer.Exit(3 if any(e.code == ReadModelError.code for e in out.errors) else 2)


class _Output:
    """Prints reads and file errors (NDJSON or text) and hands reads to the uplink."""

    def __init__(
        self, *, json_out: bool, crops: bool, camera: str | None, uplink: Uplink | None, live: bool
    ) -> None:
        self.json_out, self.crops, self.camera = json_out, crops, camera
        self.uplink, self.live = uplink, live
        self.emitted: list[dict[str, Any]] = []  # reads to post at the end
        self.errors: list[FileError] = []

    def emit(self, obj: dict[str, Any]) -> None:
        obj["camera_id"] = self.camera
        shown = obj if self.crops else {k: v for k, v in obj.items() if k != "crop_b64"}
        typer.echo(orjson.dumps(shown).decode() if self.json_out else _human(shown))
        if self.uplink is not None and self.live and obj["plate"]:
            _report(self.uplink.post([obj]), self.uplink.spool)  # live: each sighting as it comes
        elif self.uplink is not None:
            self.emitted.append(obj)

    def fail(self, error: FileError) -> None:
        """A file or URL that could not be read: say so on its own line and go on."""
        self.errors.append(error)
        if self.json_out:
            typer.echo(orjson.dumps(error.to_json()).decode())
        else:
            eprint(error.to_text())


def _report(result: Any, spool: Path) -> None:
    eprint(
        f"posted {result.sent} reads"
        + (f"; {result.spooled} spooled in {spool} for the next run" if result.spooled else "")
    )


def _human(obj: dict[str, Any]) -> str:
    plate = obj["plate"] or "(unreadable)"
    state = f" {obj['plate_state']}" if obj["plate_state"] else ""
    conf = f" {obj['confidence']:.2f}" if obj["confidence"] is not None else ""
    colour = obj["vehicle"]["color"] or "?"
    return f"{obj['source']}: {plate}{state}{conf} bbox={obj['bbox']} colour={colour}"
