"""The package's shape: no import cycles, a small top level, short and simple functions,
no city written into the code.

These encode the "Done when" of the redesign ("One pipeline, one metrics row, one
config"). The import *layers* are checked by import-linter (``make lint-imports``, the
contract in ``pyproject.toml``); here the cycles are counted over every import, also the
ones inside functions, which a layer contract does not forbid among modules of one layer.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "gridmodel"
SOURCES = sorted(PKG.rglob("*.py"))

#: the most lines a function may have, its ``def`` line and docstring included
MAX_FUNCTION_LINES = 80
#: ruff's C901 (McCabe) limit; the same value as pyproject.toml [tool.ruff.lint.mccabe]
MAX_COMPLEXITY = 15
#: the most ``.py`` files directly in gridmodel/ (``__init__``, ``errors``, ``config``,
#: ``pipeline`` and one more); everything else lives in a package of its layer
MAX_TOP_LEVEL_FILES = 5
#: names of cities (and so of city time zones, ``Europe/Kyiv``, and of city id prefixes,
#: ``sub:kyiv-110-``, ``load:kyiv-``) that the code must read from data instead
CITY = re.compile(r"(?i)kyiv|kiev|kharkiv|odesa|odessa|lviv|dnipro|zaporizh")


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


# ----------------------------------------------------------------------- import cycles
def import_graph() -> nx.DiGraph:
    """Every module of ``gridmodel`` and every import between them, those inside functions
    included (grimp reads every ``import`` / ``from`` statement of a file and resolves
    relative imports; ``from gridmodel import metrics`` is an import of
    ``gridmodel.metrics``, ``from gridmodel import __version__`` one of ``gridmodel``).

    Edges carry ``lines``: the importing module's line numbers.
    """
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("gridmodel", cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            details = graph.get_import_details(importer=module, imported=imported)
            g.add_edge(module, imported, lines=sorted({d["line_number"] for d in details}))
    return g


def describe_cycles(g: nx.DiGraph) -> list[str]:
    """One line per strongly connected component of more than one module: its modules and
    one cycle through it, each import with its line numbers."""
    out = []
    for comp in sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1):
        cycle = nx.find_cycle(g.subgraph(comp), source=comp[0])
        steps = " -> ".join(f"{a} (l.{','.join(map(str, g.edges[a, b]['lines']))})"
                            for a, b in cycle)
        out.append(f"{len(comp)} modules {comp}: {steps} -> {cycle[0][0]}")
    return out


def test_the_import_graph_is_read():
    g = import_graph()
    assert {"gridmodel", "gridmodel.errors", "gridmodel.pipeline"} <= set(g.nodes)
    # an import inside a function counts (gridmodel.run is imported on first use)
    assert g.has_edge("gridmodel", "gridmodel.studies.scenario")


def test_no_import_cycles():
    cycles = describe_cycles(import_graph())
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(cycles)


# ----------------------------------------------------------------------- size
def test_few_top_level_modules():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_FILES, (
        f"{len(top)} .py files directly in gridmodel/ (at most {MAX_TOP_LEVEL_FILES}): {top}")


def long_functions() -> list[str]:
    """``file:line name (n lines)`` of every function or method over the limit (nested
    ones too), counting the whole ``def`` from its first to its last line."""
    out = []
    for path in SOURCES:
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    out.append(f"{_rel(path)}:{node.lineno} {node.name} ({n} lines)")
    return out


def test_no_function_over_80_lines():
    long = long_functions()
    assert not long, (f"{len(long)} function(s) over {MAX_FUNCTION_LINES} lines:\n"
                      + "\n".join(long))


def test_complexity_at_most_15():
    """ruff's C901 (McCabe complexity) at 15 on gridmodel/, run from this interpreter's
    environment."""
    pytest.importorskip("ruff")
    res = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(PKG), "--no-cache", "--select", "C901",
         "--config", f"lint.mccabe.max-complexity={MAX_COMPLEXITY}",
         "--output-format", "concise"],
        capture_output=True, text=True, cwd=ROOT, check=False)
    assert res.returncode in (0, 1), res.stderr
    assert res.returncode == 0, res.stdout


# ----------------------------------------------------------------------- city names
def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring constants (first statement of a module, class or function)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                      | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                out.add(id(first.value))
    return out


def _message_parts(scope: ast.AST) -> set[int]:
    """ids of every node that is part of an error message in ``scope``.

    An error message is the expression of a ``raise`` statement, or the value assigned
    (``=``, ``+=``, annotated) to a *message name*. The message names of a scope are
    ``msg`` and every name that the scope assigns and reads only inside error messages
    (``fix = "... e.g. Europe/Kyiv"; msg = f"{value}: {fix}"``), found to a fixed point.
    """
    raises = [n.exc for n in ast.walk(scope) if isinstance(n, ast.Raise) and n.exc]
    assigns: list[tuple[set[str], ast.AST]] = []
    reads: dict[str, list[int]] = defaultdict(list)
    for n in ast.walk(scope):
        if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign) and n.value is not None:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            assigns.append(({t.id for t in targets if isinstance(t, ast.Name)}, n.value))
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            reads[n.id].append(id(n))
    assigned = set().union(*(names for names, _ in assigns))
    names = {"msg"}
    while True:
        parts = {id(x) for root in raises + [v for t, v in assigns if t & names]
                 for x in ast.walk(root)}
        more = {nm for nm in assigned - names
                if reads[nm] and all(r in parts for r in reads[nm])}
        if not more:
            return parts
        names |= more


def city_strings(path: Path) -> list[str]:
    """``file:line 'text'`` of every string literal in code that names a city."""
    tree = _parse(path)
    skip = _docstrings(tree) | _message_parts(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip |= _message_parts(node)
    return [f"{_rel(path)}:{n.lineno} {n.value[:80]!r}" for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in skip and CITY.search(n.value)]


def test_city_rule_finds_code_and_skips_docs_and_messages(tmp_path):
    """The rule itself: a default, constant or comparison is found; a docstring, a
    comment, a raise and a message built for one are not."""
    src = tmp_path / "m.py"
    src.write_text(
        '"""Module about Kyiv."""\n'
        'TZ = "Europe/Kyiv"  # found\n'
        "def f(x, prefix='sub:kyiv-110-'):  # found\n"
        '    """Docstring: Kyiv."""\n'
        "    # a comment on Kyiv\n"
        '    if x == "Kharkiv":  # found\n'
        '        raise ValueError(f"{x}: not Odesa")\n'
        '    fix = "e.g. 2026-02-03T04:00[Europe/Kyiv]"\n'
        '    msg = f"{x}: no zone; {fix}"\n'
        "    raise ValueError(msg)\n", encoding="utf-8")
    found = city_strings(src)
    assert [s.split()[0].rsplit(":", 1)[1] for s in found] == ["2", "3", "6"], found


def test_no_city_names_in_code():
    """No city name, city id prefix or city time zone in gridmodel/**/*.py outside
    docstrings, comments and error messages (:func:`_message_parts`): the city comes from
    the data (network.toml, layer.toml ``[meta]``, the weather profile's time zone)."""
    found = [s for path in SOURCES for s in city_strings(path)]
    assert not found, (f"{len(found)} city string(s) in code (read them from data):\n"
                       + "\n".join(found))
