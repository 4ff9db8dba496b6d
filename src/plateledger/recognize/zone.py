"""An optional per-camera zone: only plates whose centre lies inside a polygon are read.

Written ``"x,y x,y x,y ..."`` (at least three points). Coordinates are pixels, or fractions of the
frame width and height when every coordinate is between 0 and 1 (so one zone fits any resolution).
"""

from __future__ import annotations

from dataclasses import dataclass

from plateledger.errors import ValidationError
from plateledger.recognize.base import Box


@dataclass(frozen=True, slots=True)
class Zone:
    points: tuple[tuple[float, float], ...]
    relative: bool

    @classmethod
    def parse(cls, text: str) -> Zone:
        """``"x,y x,y x,y"`` (spaces or semicolons between points); errors name the option."""
        points: list[tuple[float, float]] = []
        for part in text.replace(";", " ").split():
            try:
                x, y = (float(v) for v in part.split(","))
            except ValueError:
                raise ValidationError(
                    f"zone point {part!r} is not 'x,y' (numbers)", {"field": "zone"}
                ) from None
            if x < 0 or y < 0:
                raise ValidationError(f"zone point {part!r} is negative", {"field": "zone"})
            points.append((x, y))
        if len(points) < 3:
            raise ValidationError(
                "a zone needs at least three 'x,y' points, e.g. '0,0.5 1,0.5 1,1 0,1'",
                {"field": "zone"},
            )
        relative = all(x <= 1.0 and y <= 1.0 for x, y in points)
        return cls(tuple(points), relative)

    def contains(self, box: Box, width: int, height: int) -> bool:
        """Whether the centre of ``box`` (pixels, in a ``width`` x ``height`` frame) is inside."""
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        if self.relative:
            cx, cy = cx / max(1, width), cy / max(1, height)
        inside = False
        pts = self.points
        for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
            if (y1 > cy) != (y2 > cy) and cx < x1 + (cy - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside
