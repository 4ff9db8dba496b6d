"""The figures of docs/oversight.md, recomputed from the raw shared files by an independent DuckDB
SQL query (scripts/oversight_verify.py), equal the report's and appear in the docs. Skipped when
the shared real data (../shared/data/audit) is absent."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from plateledger.oversight.config import load
from plateledger.oversight.report import build

ROOT = Path(__file__).parents[2]
AUDIT = ROOT.parent / "shared" / "data" / "audit"


def _verify() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "oversight_verify", ROOT / "scripts" / "oversight_verify.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not AUDIT.is_dir(), reason="shared real audit data absent")
def test_docs_figures_match_an_independent_query(tmp_path: Path) -> None:
    build([AUDIT], tmp_path, load())
    rows = _verify().compare(AUDIT, tmp_path)
    assert [r for r in rows if r[1] != r[2]] == []
    docs = (ROOT / "docs" / "oversight.md").read_text(encoding="utf-8")
    for name, value, _ in rows:
        assert f"{value:,}" in docs, f"docs/oversight.md does not state {name} = {value:,}"


def test_the_script_skips_without_the_shared_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify().main([str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out
