"""The per-camera zone polygon (no models needed)."""

from __future__ import annotations

import pytest

from plateledger.errors import ValidationError
from plateledger.recognize.zone import Zone


def test_relative_zone_keeps_the_lower_half() -> None:
    zone = Zone.parse("0,0.5 1,0.5 1,1 0,1")
    assert zone.relative
    assert zone.contains((600, 500, 80, 40), 1280, 720)
    assert not zone.contains((600, 100, 80, 40), 1280, 720)


def test_pixel_triangle() -> None:
    zone = Zone.parse("0,0; 100,0; 0,100")
    assert not zone.relative
    assert zone.contains((10, 10, 10, 10), 1280, 720)
    assert not zone.contains((80, 80, 10, 10), 1280, 720)


@pytest.mark.parametrize("text", ["", "1,2 3,4", "a,b c,d e,f", "1,2 3,4 -5,6", "1,2,3 4,5 6,7"])
def test_bad_zone_names_the_option(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        Zone.parse(text)
    assert info.value.details == {"field": "zone"}
