"""Hour-of-day traffic shape, derived from real ALPR reads.

The built-in constants come from one week of Seattle PD ALPR reads (2021-10-01..08, 93,490 reads,
UWCHR/spd-alpr ``spd-alpr-pub.csv.gz``; see ``../shared/data/reads``): the number of reads in
each local hour of the day over all eight days, and the reads per weekday and weekend day. They
were computed with :func:`profile_from_seattle` and pasted here, so the file is never needed at
run time. Seattle's readers are patrol-car cameras, so the shape follows shifts (a broad
12:00-19:00 plateau) as much as traffic; weekend days see about half the reads of a weekday.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from plateledger.errors import ValidationError

# Reads per local hour 00..23, Seattle PD, 2021-10-01..2021-10-08 (all 8 days).
SEATTLE_HOURLY_READS: tuple[int, ...] = (
    2172, 2829, 1770, 2124, 2903, 2093, 2431, 2043, 4411, 3695, 2712, 4086,
    6646, 8455, 8090, 6944, 6680, 6919, 6885, 2215, 1740, 1861, 2448, 1338,
)  # fmt: skip
# (days, reads) on weekdays (Fri 1, Mon 4 .. Fri 8) and on the weekend (Sat 2, Sun 3).
SEATTLE_WEEKDAYS: tuple[int, int] = (6, 80206)
SEATTLE_WEEKEND: tuple[int, int] = (2, 13284)

_DT = re.compile(r"(\d{2})/(\d{2})/(\d{4}) - (\d{2}):\d{2}:\d{2}")


@dataclass(frozen=True, slots=True)
class HourProfile:
    """Share of a day's reads in each local hour (24 weights, sum 1), and the weekend factor.

    ``weekend_factor`` is reads per weekend day divided by reads per weekday.
    """

    weights: tuple[float, ...]
    weekend_factor: float

    def __post_init__(self) -> None:
        if len(self.weights) != 24:
            raise ValidationError("hour profile needs 24 weights", {"field": "weights"})
        if min(self.weights) < 0 or abs(sum(self.weights) - 1.0) > 1e-6:
            raise ValidationError("hour weights must be >= 0 and sum to 1", {"field": "weights"})
        if not self.weekend_factor > 0:
            raise ValidationError("weekend_factor must be > 0", {"field": "weekend_factor"})

    @classmethod
    def from_counts(
        cls, hourly: Sequence[int], weekdays: tuple[int, int], weekend: tuple[int, int]
    ) -> HourProfile:
        """From reads per hour and (days, reads) on weekdays and on weekend days."""
        total = sum(hourly)
        if total <= 0 or weekdays[0] <= 0 or weekdays[1] <= 0:
            raise ValidationError("need reads on at least one weekday", {"field": "hourly"})
        factor = 1.0
        if weekend[0] > 0 and weekend[1] > 0:
            factor = (weekend[1] / weekend[0]) / (weekdays[1] / weekdays[0])
        return cls(tuple(c / total for c in hourly), factor)

    def day_weight(self, weekend: bool) -> float:
        """Relative volume of a whole day."""
        return self.weekend_factor if weekend else 1.0


def builtin_profile() -> HourProfile:
    """The Seattle-derived profile (committed constants, see the module docstring)."""
    return HourProfile.from_counts(SEATTLE_HOURLY_READS, SEATTLE_WEEKDAYS, SEATTLE_WEEKEND)


def _dt_values(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, ``dt`` field) for each data row; clear errors for missing or bad files."""
    try:
        with gzip.open(path, "rt", newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, delimiter="|")
            header = next(reader, None)
            if header is None or "dt" not in header:
                raise ValidationError(f"{path}, line 1: no 'dt' column", {"file": str(path)})
            col = header.index("dt")
            for row in reader:
                line = reader.line_num
                if len(row) <= col:
                    raise ValidationError(
                        f"{path}, line {line}: missing field 'dt'",
                        {"file": str(path), "line": line},
                    )
                yield line, row[col]
    except FileNotFoundError as exc:
        raise ValidationError(f"{path}: file not found", {"file": str(path)}) from exc
    except (OSError, EOFError, csv.Error, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path}: unreadable ({exc})", {"file": str(path)}) from exc


def _bad_dt(path: Path, line: int, value: str) -> ValidationError:
    return ValidationError(
        f"{path}, line {line}: bad 'dt' {value!r} (want MM/DD/YYYY - HH:MM:SS)",
        {"file": str(path), "line": line, "field": "dt"},
    )


def profile_from_seattle(path: str | Path) -> HourProfile:
    """Compute the profile from the Seattle PD reads file (pipe-separated, gzip, ``dt`` column)."""
    path = Path(path)
    hourly = [0] * 24
    per_day: dict[str, list[int]] = {}  # "MM/DD/YYYY" -> [is_weekend, reads]
    for line, value in _dt_values(path):
        m = _DT.fullmatch(value)
        if m is None or int(m[4]) > 23:
            raise _bad_dt(path, line, value)
        hourly[int(m[4])] += 1
        day = per_day.get(value[:10])
        if day is None:
            try:
                weekday = date(int(m[3]), int(m[1]), int(m[2])).weekday()
            except ValueError as exc:
                raise _bad_dt(path, line, value) from exc
            day = per_day[value[:10]] = [int(weekday >= 5), 0]
        day[1] += 1
    weekdays = [d[1] for d in per_day.values() if not d[0]]
    weekend = [d[1] for d in per_day.values() if d[0]]
    return HourProfile.from_counts(
        hourly, (len(weekdays), sum(weekdays)), (len(weekend), sum(weekend))
    )
