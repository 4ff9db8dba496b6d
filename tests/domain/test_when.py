"""Timestamps for people: ``7 Dec 2026, 14:03 UTC`` beside the exact ISO form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from plateledger.domain.when import human_stamp, iso_stamp, parse_stamp

AT = datetime(2026, 12, 7, 14, 3, 12, 345000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [AT, AT.replace(tzinfo=None), AT.astimezone(timezone(timedelta(hours=-6))),
     "2026-12-07T14:03:12.345000+00:00", "2026-12-07T14:03:12.345Z",
     "2026-12-07T08:03:12.345-06:00", "2026-12-07 14:03:12"],
)  # fmt: skip
def test_every_form_of_the_same_instant_reads_the_same(value: datetime | str) -> None:
    assert human_stamp(value) == "7 Dec 2026, 14:03 UTC"
    assert human_stamp(value, seconds=True) == "7 Dec 2026, 14:03:12 UTC"
    assert iso_stamp(value).startswith("2026-12-07T14:03:12") and iso_stamp(value).endswith("Z")


def test_a_day_of_one_digit_has_no_leading_zero_and_midnight_is_00() -> None:
    assert human_stamp(datetime(2027, 1, 2, tzinfo=UTC)) == "2 Jan 2027, 00:00 UTC"


def test_text_that_is_no_time_is_shown_as_it_is() -> None:
    assert parse_stamp("not a time") is None
    assert human_stamp("not a time") == "not a time" and iso_stamp("—") == "—"
