"""`plateledger recognize PATH|URL...`: read plates from images, videos and cameras, print reads."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly
from plateledger.errors import PlateledgerError, ValidationError
from plateledger.recognize.base import Recognition

if TYPE_CHECKING:
    from plateledger.recognize.pipeline import Recognizer
    from plateledger.recognize.tracker import Sighting

Emit = Callable[[dict[str, Any]], None]


def read_to_json(read: Recognition, ts: str, camera: str | None) -> dict[str, Any]:
    """One NDJSON object for one read (``plate`` is null when nothing legible was found)."""
    plate = read.plate
    x, y, w, h = read.detection.bbox
    return {
        "source": read.source,
        "frame": read.frame,
        "camera_id": camera,
        "ts": ts,
        "plate": plate.text if plate else None,
        "engine": "plateledger-recognize yolov8n+pp-ocrv6",
        "plate_state": plate.state if plate else None,
        "state_confidence": plate.state_confidence if plate else None,
        "confidence": plate.confidence if plate else None,
        "char_confidences": list(plate.char_confidences) if plate else [],
        "candidates": [
            {"plate": c.plate, "confidence": c.confidence}
            for c in (plate.candidates if plate else ())
        ],
        "detection_confidence": round(read.detection.confidence, 4),
        "bbox": [x, y, w, h],
        "vehicle": {
            "color": read.colour.name if read.colour else None,
            "color_confidence": read.colour.confidence if read.colour else None,
        },
    } | ({"crop_b64": base64.b64encode(read.crop).decode()} if read.crop else {})


def sighting_to_json(
    sighting: Sighting, offset: float, ts: str, camera: str | None
) -> dict[str, Any]:
    """A tracked vehicle (video or camera): its consensus read at its best frame."""
    read = dataclasses.replace(sighting.best, plate=sighting.plate)
    obj = read_to_json(read, ts, camera)
    obj |= {"offset_s": round(offset, 3), "reads": sighting.reads}
    obj["frames"] = [sighting.first_frame, sighting.last_frame]
    return obj


def _iso(stamp: datetime) -> str:
    return stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


def _file_ts(path: Path) -> str:
    return _iso(datetime.fromtimestamp(path.stat().st_mtime, UTC))


def _run_file(recognizer: Recognizer, path: Path, every: int, emit: Emit, show_all: bool) -> None:
    from plateledger.recognize.video import is_video, video_sightings

    if is_video(path):  # the camera id is set by ``emit``
        for sighting, offset in video_sightings(recognizer, path, every):
            emit(sighting_to_json(sighting, offset, _file_ts(path), None))
        return
    reads = recognizer.recognize_file(path)
    ts = _file_ts(path)
    for read in reads:
        if read.plate is not None or show_all:
            emit(read_to_json(read, ts, None))


def _run_url(recognizer: Recognizer, url: str, options: Any, emit: Emit) -> None:
    from plateledger.recognize.streams import iter_url_frames, redact
    from plateledger.recognize.video import frame_sightings

    started = datetime.now(UTC)
    frames = iter_url_frames(url, options)
    for sighting, offset in frame_sightings(recognizer, frames, redact(url), emit_settled=True):
        emit(sighting_to_json(sighting, offset, _iso(started + timedelta(seconds=offset)), None))


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
        bool, typer.Option("--json", help="Print NDJSON, one read a line.")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also print detected plates that could not be read.")
    ] = False,
    imgsz: Annotated[
        int, typer.Option("--imgsz", help="Detector input size (multiple of 32).")
    ] = 960,
    threads: Annotated[int, typer.Option("--threads", help="Inference threads.")] = 1,
    int8: Annotated[
        bool,
        typer.Option(
            "--int8/--fp32",
            help="INT8 plate detector (default), or the fp32 one (about a third more CPU).",
        ),
    ] = True,
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
    from plateledger.recognize.streams import StreamOptions, is_url
    from plateledger.recognize.uplink import Uplink
    from plateledger.recognize.zone import Zone

    if post and not (camera and token):
        raise ValidationError("--post needs --camera and --token", {"field": "post"})
    urls = [s for s in sources if is_url(s)]
    paths = list(expand_sources(s for s in sources if not is_url(s)))
    area = Zone.parse(zone) if zone else None
    recognizer = Recognizer.default(
        threads=threads, imgsz=imgsz, zone=area, int8=int8, keep_crops=crops or bool(post)
    )
    uplink = Uplink(post, token, spool) if post and token else None
    emitted: list[dict[str, Any]] = []

    def emit(obj: dict[str, Any]) -> None:
        obj["camera_id"] = camera
        shown = obj if crops else {k: v for k, v in obj.items() if k != "crop_b64"}
        typer.echo(orjson.dumps(shown).decode() if json_out else _human(shown))
        if uplink is not None and urls and obj["plate"]:
            _report(uplink.post([obj]), spool)  # live: send each sighting as it comes
        else:
            emitted.append(obj)

    failures = 0
    for path in paths:
        try:
            _run_file(recognizer, path, every, emit, show_all)
        except PlateledgerError as exc:
            eprint(f"error ({exc.code}): {exc.message}")
            failures += 1
    options = StreamOptions(
        every=every, interval_s=interval, max_frames=max_frames, duration_s=duration
    )
    for url in urls:
        try:
            _run_url(recognizer, url, options, emit)
        except PlateledgerError as exc:
            eprint(f"error ({exc.code}): {exc.message}")
            failures += 1
    if uplink is not None and emitted:
        _report(uplink.post([o for o in emitted if o["plate"]]), spool)
    if failures:
        raise typer.Exit(2)


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
