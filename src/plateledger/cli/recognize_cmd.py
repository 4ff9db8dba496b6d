"""`plateledger recognize PATH...`: read plates from image files and folders, print reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from plateledger.cli.common import DEFAULT_DATA, DataOpt, eprint, friendly
from plateledger.errors import PlateledgerError, ValidationError
from plateledger.recognize.base import Recognition


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
    }


def _file_ts(path: Path) -> str:
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


@friendly
def recognize_cmd(
    sources: Annotated[
        list[str], typer.Argument(help="Image files or folders (searched recursively).")
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
    every: Annotated[int, typer.Option("--every", min=1, help="Video: read every N-th frame.")] = 3,
    post: Annotated[
        str | None, typer.Option("--post", help="plateledger server URL to send reads to.")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", envvar="PLATELEDGER_TOKEN", help="API token.")
    ] = None,
    spool: Annotated[
        Path, typer.Option("--spool", help="Where undeliverable reads wait for the next run.")
    ] = Path("plateledger-spool"),
    data: DataOpt = DEFAULT_DATA,
) -> None:
    """Read licence plates offline from images and video files.

    `ts` is the file's modification time (UTC). A video prints one read per sighting (a vehicle
    tracked over several frames, multi-frame consensus), with its best frame and `offset_s`.
    With --post URL --token T the reads are also sent to a plateledger server (retries with
    backoff; what cannot be delivered waits in --spool and is sent first next time).
    """
    del data  # reads no data directory; accepted like on every command
    from plateledger.recognize.images import expand_sources
    from plateledger.recognize.pipeline import Recognizer
    from plateledger.recognize.uplink import Uplink
    from plateledger.recognize.video import is_video, video_sightings

    if post and not (camera and token):
        raise ValidationError("--post needs --camera and --token", {"field": "post"})
    paths = list(expand_sources(sources))
    emitted: list[dict[str, Any]] = []
    recognizer = Recognizer.default(threads=threads, imgsz=imgsz)
    failures = 0
    for path in paths:
        try:
            if is_video(path):
                for sighting, offset in video_sightings(recognizer, path, every):
                    read = dataclasses.replace(sighting.best, plate=sighting.plate)
                    obj = read_to_json(read, _file_ts(path), camera)
                    obj |= {"offset_s": round(offset, 3), "reads": sighting.reads}
                    obj["frames"] = [sighting.first_frame, sighting.last_frame]
                    emitted.append(_emit(obj, json_out))
                continue
            reads = recognizer.recognize_file(path)
        except PlateledgerError as exc:
            eprint(f"error ({exc.code}): {exc.message}")
            failures += 1
            continue
        ts = _file_ts(path)
        for read in reads:
            if read.plate is not None or show_all:
                emitted.append(_emit(read_to_json(read, ts, camera), json_out))
    if post and token:
        result = Uplink(post, token, spool).post([o for o in emitted if o["plate"]])
        eprint(
            f"posted {result.sent} reads"
            + (f"; {result.spooled} spooled in {spool} for the next run" if result.spooled else "")
        )
    if failures:
        raise typer.Exit(2)


def _emit(obj: dict[str, Any], json_out: bool) -> dict[str, Any]:
    typer.echo(orjson.dumps(obj).decode() if json_out else _human(obj))
    return obj


def _human(obj: dict[str, Any]) -> str:
    plate = obj["plate"] or "(unreadable)"
    state = f" {obj['plate_state']}" if obj["plate_state"] else ""
    conf = f" {obj['confidence']:.2f}" if obj["confidence"] is not None else ""
    colour = obj["vehicle"]["color"] or "?"
    return f"{obj['source']}: {plate}{state}{conf} bbox={obj['bbox']} colour={colour}"
