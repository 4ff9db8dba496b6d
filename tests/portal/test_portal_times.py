"""The portal prints its times for people, the zone named, inside ``<time datetime>``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from plateledger.app.platform import Platform
from plateledger.portal.html import render

NOW = datetime(2026, 12, 7, 14, 3, 59, tzinfo=UTC)


def test_the_window_and_the_publication_time_read_as_dates_with_the_zone(
    platform: Platform,
) -> None:
    page = render(platform.portal.data("il-test-pd", now=NOW))
    assert '<time datetime="2026-11-07T14:03:59Z">7 Nov 2026, 14:03 UTC</time> to ' in page
    assert '<time datetime="2026-12-07T14:03:59Z">7 Dec 2026, 14:03 UTC</time> (30 days)' in page
    assert "published <time" in page
    visible = re.sub(r"<[^>]+>", "", page)  # the text a reader sees: no raw ISO timestamp
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", visible)
