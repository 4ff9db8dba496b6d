"""The demo's synthetic plate crops: deterministic, real JPEGs the crop store accepts, distinct
per plate and framing, small, and showing the state's plate on the vehicle's colour."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from plateledger.demo.crops import COLOR_RGB, HEIGHT, STYLES, WIDTH, printed_text, render_crop
from plateledger.store.crops import MAX_CROP_BYTES, image_kind


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def test_same_input_same_bytes() -> None:
    a = render_crop("AB12345", "IL", "red", variant=1)
    b = render_crop("AB12345", "IL", "red", variant=1)
    assert a == b


@pytest.mark.parametrize(("plate", "state", "color"), [
    ("AB12345", "IL", "red"), ("7ABC123", "CA", "white"), ("KXJ4821", "TX", "black"),
    ("ZZT9912", "NY", None), ("X1", None, "purple"), ("WWWWWWWW", "DC", "yellow"),
])  # fmt: skip
def test_valid_jpeg_within_the_store_bound(plate: str, state: str | None, color: str) -> None:
    data = render_crop(plate, state, color)
    assert image_kind(data) == "jpg"
    assert 3_000 < len(data) < MAX_CROP_BYTES // 8  # well under 256 KiB
    assert _pixels(data).shape == (HEIGHT, WIDTH, 3)


def test_different_plates_states_and_variants_differ() -> None:
    base = render_crop("AB12345", "IL", "red")
    others = [
        render_crop("AB12346", "IL", "red"),
        render_crop("AB12345", "WI", "red"),
        render_crop("AB12345", "IL", "blue"),
        render_crop("AB12345", "IL", "red", variant=1),
    ]
    assert len({base, *others}) == 5
    # a different plate is a visibly different picture, not a re-encoding
    diff = np.abs(_pixels(base) - _pixels(others[0])).mean()
    assert diff > 2.0


def test_plate_in_the_middle_bumper_around_it() -> None:
    """The centre is the light plate; the left and right edges are the vehicle's colour."""
    px = _pixels(render_crop("KXJ4821", "TX", "blue"))
    centre = px[HEIGHT // 2 - 30 : HEIGHT // 2 + 30, WIDTH // 2 - 80 : WIDTH // 2 + 80]
    assert centre.mean() > 120  # white plate with black characters
    edge = np.concatenate([px[:, :12], px[:, -12:]]).reshape(-1, 3).mean(axis=0)
    blue = np.array(COLOR_RGB["blue"])
    assert edge[2] > edge[0] + 30  # blue dominates
    assert np.abs(edge - blue).max() < 60


def test_state_style_background() -> None:
    """A New York plate is gold; a Texas one white."""
    ny = _pixels(render_crop("ZZT9912", "NY", "black", variant=0))
    tx = _pixels(render_crop("ZZT9912", "TX", "black", variant=0))
    band = (slice(HEIGHT // 2 - 45, HEIGHT // 2 - 35), slice(WIDTH // 2 - 60, WIDTH // 2 + 60))
    ny_rgb, tx_rgb = ny[band].reshape(-1, 3).mean(axis=0), tx[band].reshape(-1, 3).mean(axis=0)
    assert ny_rgb[0] - ny_rgb[2] > 50  # gold: red well above blue
    assert abs(tx_rgb[0] - tx_rgb[2]) < 30  # white-ish
    assert STYLES["NY"].background != STYLES["TX"].background


def test_printed_text_puts_the_separator_back() -> None:
    assert printed_text("AB12345", "IL") == "AB 12345"
    assert printed_text("KXJ4821", "TX") == "KXJ-4821"
    assert printed_text("7ABC123", "CA") == "7ABC123"
    assert printed_text("AB1", "IL") == "AB1"  # does not fit the format: as it is
    assert printed_text("AB12345", None) == "AB12345"
