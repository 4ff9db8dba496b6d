"""Structure of the ``plateledger`` package: no import cycles, no SQL in the faces, no context
that takes the platform object.

The graph is built by ``grimp`` (the library behind import-linter) from the source, so it includes
imports made inside functions and under ``if TYPE_CHECKING:``: a cycle hidden that way is still a
cycle between the modules' responsibilities.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import grimp
import pytest

import plateledger

ROOT = "plateledger"
#: Far fewer modules than the package has: a graph this small means grimp read the wrong thing.
MIN_MODULES = 150


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # cache_dir=None: always read the current source, and write no cache into the working tree.
    return grimp.build_graph(ROOT, exclude_type_checking_imports=False, cache_dir=None)


def import_cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Every cycle ``A -> B -> ... -> A`` closed by a direct import ``A -> B``, one per module set.

    For each direct import ``A -> B`` the shortest chain from ``B`` back to ``A`` closes the
    cycle; cycles through the same modules (rotations of one loop) are reported once.
    """
    cycles: dict[frozenset[str], tuple[str, ...]] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == importer:
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                cycles.setdefault(frozenset(back), (importer, *back))
    return sorted(cycles.values())


def describe(graph: grimp.ImportGraph, cycle: tuple[str, ...]) -> str:
    """``a:12 -> b:3 -> a``: each module with the line of its (first) import of the next one."""
    steps = []
    for importer, imported in pairwise(cycle):
        details = graph.get_import_details(importer=importer, imported=imported)
        steps.append(f"{importer}:{details[0]['line_number']}" if details else importer)
    return " -> ".join([*steps, cycle[-1]])


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = import_cycles(graph)
    if cycles:
        report = "\n".join(f"  {describe(graph, cycle)}" for cycle in cycles)
        pytest.fail(f"{len(cycles)} import cycle(s) in {ROOT}:\n{report}", pytrace=False)


def test_graph_covers_the_package(graph: grimp.ImportGraph) -> None:
    modules = {m for m in graph.modules if m == ROOT or m.startswith(f"{ROOT}.")}
    assert len(modules) >= MIN_MODULES, f"grimp sees only {len(modules)} modules of {ROOT}"
    for package in ("domain", "recognize", "oversight"):
        assert graph.find_children(f"{ROOT}.{package}"), f"grimp sees no {ROOT}.{package} modules"


FACES = ("api", "web", "cli")
SQL = re.compile(r"\.execute(?:many)?\(|\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")


def test_no_sql_in_the_faces() -> None:
    """SQL lives in store modules or a context's own tables module, never in a face."""
    root = Path(plateledger.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for face in FACES
        for path in sorted((root / face).rglob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if SQL.search(line)
    ]
    assert len(list((root / "api").rglob("*.py"))) > 5  # the faces are where we look
    assert found == []


def test_no_context_takes_the_platform_object() -> None:
    """Bounded contexts receive what they use as keyword arguments, never ``Platform``."""
    root = Path(plateledger.__file__).parent
    contexts = ("accounts", "registry", "sharing", "retention", "portal", "backup", "alerts",
                "oversight", "search", "ingest", "policy", "audit", "store", "domain")  # fmt: skip
    found = [
        f"{path.relative_to(root)}:{n}"
        for ctx in contexts
        for path in sorted((root / ctx).rglob("*.py"))
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if re.search(r"\bPlatform\b|plateledger\.app\b", line)
    ]
    assert found == []
