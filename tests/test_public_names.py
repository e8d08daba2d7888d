"""Every ``gridmodel.x.y`` (and every ``gridmodel/...`` path) that README.md and docs/*.md
show as code exists.

A dotted name in a code span (`` `gridmodel.outage.fast` ``) or a fenced code block names a
module or an attribute of one; it resolves when the longest module prefix imports and
``getattr`` finds the rest (a dataclass or pydantic field, or an annotated attribute of a
class, counts as found). A refactor that moves or renames a public name updates the docs
or keeps the old name importable.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: a fenced code block (``` or ~~~, up to the same fence at the same indentation)
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})[^\n]*\n.*?^\1\2[`~]*[ \t]*$", re.S | re.M)
#: an inline code span: a run of backticks, its text, the same run
_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
#: a dotted name under gridmodel (not part of a path or another dotted name)
_NAME = re.compile(r"(?<![\w./-])gridmodel(?:\.[A-Za-z_]\w*)+")
#: a path inside the package folder (``gridmodel/network/registry.py``)
_PATH = re.compile(r"(?<![\w./-])gridmodel/[\w./-]*\w")


def code_text(markdown: str) -> list[str]:
    """The fenced code blocks and inline code spans of a Markdown text."""
    blocks = [m.group(0) for m in _FENCE.finditer(markdown)]
    return blocks + [m.group(2) for m in _SPAN.finditer(_FENCE.sub("", markdown))]


def documented_names(pattern: re.Pattern = _NAME) -> dict[str, list[str]]:
    """``{dotted name: [files that show it]}`` over README.md and docs/*.md (``pattern``:
    :data:`_PATH` for the package paths)."""
    out: dict[str, list[str]] = {}
    for path in DOCS:
        for code in code_text(path.read_text(encoding="utf-8")):
            for name in pattern.findall(code):
                files = out.setdefault(name, [])
                if path.name not in files:
                    files.append(path.name)
    return out


def _has_field(obj, name: str) -> bool:
    """A declared field of a class: dataclass or pydantic field, or a class annotation."""
    if not isinstance(obj, type):
        return False
    fields = set(getattr(obj, "__dataclass_fields__", {})) | set(
        getattr(obj, "model_fields", {}) or {})
    for klass in obj.__mro__:
        fields |= set(getattr(klass, "__annotations__", {}))
    return name in fields


def resolve(name: str):
    """Import the longest module prefix of ``name`` and ``getattr`` the rest.

    Raises
    ------
    LookupError
        No prefix imports, or an attribute is missing (the message says which).
    """
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        module_name = ".".join(parts[:i])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name is not None and module_name.startswith(e.name):
                continue  # this prefix is no module: try a shorter one
            raise
        break
    else:
        msg = f"{name}: no module prefix imports"
        raise LookupError(msg)
    for k, part in enumerate(parts[i:], start=i):
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif _has_field(obj, part) and k == len(parts) - 1:
            return obj
        else:
            msg = f"{name}: {'.'.join(parts[:k])} has no attribute {part!r}"
            raise LookupError(msg)
    return obj


def test_the_docs_name_gridmodel_objects():
    names = documented_names()
    assert "gridmodel.load_network" in names
    assert len(names) > 20


def test_resolve_reads_modules_attributes_and_fields():
    assert resolve("gridmodel.report.html").__name__ == "gridmodel.report.html"
    assert callable(resolve("gridmodel.report.html.write_report"))
    assert resolve("gridmodel.run").__name__ == "run"  # the root's lazy attribute
    assert resolve("gridmodel.heat.layer.HeatLayer.districts").__name__ == "HeatLayer"
    with pytest.raises(LookupError, match="no attribute 'nowhere'"):
        resolve("gridmodel.nowhere")
    with pytest.raises(LookupError, match="gridmodel.report.html has no attribute"):
        resolve("gridmodel.report.html.no_such_function")


def test_every_documented_name_resolves():
    missing = []
    for name, files in sorted(documented_names().items()):
        try:
            resolve(name)
        except (LookupError, ImportError) as e:
            missing.append(f"{name} ({', '.join(files)}): {e}")
    assert not missing, (f"{len(missing)} name(s) in README.md / docs/*.md do not resolve:\n"
                         + "\n".join(missing))


def test_every_documented_package_path_exists():
    missing = [f"{name} ({', '.join(files)})"
               for name, files in sorted(documented_names(_PATH).items())
               if not (ROOT / name).exists()]
    assert not missing, (f"{len(missing)} path(s) in README.md / docs/*.md do not exist:\n"
                         + "\n".join(missing))
