"""Every tamper vector of ``tamper_suite`` is detected, and docs/audit.md shows exactly the
table the suite produces now (``.venv/bin/python tests/audit/tamper_suite.py --write
docs/audit.md`` after adding a vector)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import tamper_suite  # noqa: E402

DOC = Path(__file__).parents[2] / "docs" / "audit.md"


@pytest.fixture(scope="module")
def rows() -> list[tamper_suite.Row]:
    return tamper_suite.run_all()


def test_every_vector_is_detected(rows: list[tamper_suite.Row]) -> None:
    missed = [f"{r.target}: {r.attack}" for r in rows if not r.detected]
    assert missed == []
    assert len(rows) == len(tamper_suite.VECTORS) >= 30


def test_the_suite_would_report_a_vector_that_passes(tmp_path: Path) -> None:
    """The harness itself: an honest bundle (no attack) must come out as not detected."""
    world = tamper_suite.build_world(tmp_path)
    bundle = tamper_suite._export(world, "public")
    assert tamper_suite._verify(bundle, world, pin=True, since=True, witness=True) == ""
    assert tamper_suite._open(world) == ""


def test_docs_show_the_current_table(rows: list[tamper_suite.Row], tmp_path: Path) -> None:
    copy = tmp_path / "audit.md"
    copy.write_text(DOC.read_text())
    changed = tamper_suite.rewrite_doc(copy, rows)
    assert not changed, "docs/audit.md is stale: run tests/audit/tamper_suite.py --write"
