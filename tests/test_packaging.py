"""Packaging: dependency ranges, the optional Dask extra, licence, citation, type marker."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from gridmodel._io import __version__

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower()


def test_runtime_dependencies_carry_ranges_not_pins():
    deps = PYPROJECT["project"]["dependencies"]
    pinned = [d for d in deps if "==" in d or "===" in d]
    assert not pinned, f"exact pins belong in constraints.txt: {pinned}"
    assert all(re.search(r">=\d", d) for d in deps), deps
    pins = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned_names = {_name(p) for p in pins if "==" in p}
    assert {_name(d) for d in deps} <= pinned_names  # make installs every one at a pin


def test_dask_is_an_extra_that_the_tests_install():
    names = {_name(d) for d in PYPROJECT["project"]["dependencies"]}
    assert not names & {"dask", "distributed"}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(_name(d) == "dask" and "distributed" in d for d in extras["dask"])
    assert any(_name(d) == "dask" and "distributed" in d for d in extras["test"])


def test_no_gpl_transliteration_in_the_package():
    names = {_name(d) for d in PYPROJECT["project"]["dependencies"]}
    assert "unidecode" not in names
    users = [p.name for p in (REPO / "gridmodel").rglob("*.py")
             if re.search(r"^\s*(from|import) unidecode", p.read_text(encoding="utf-8"), re.M)]
    assert not users


def test_license_file_is_the_mit_licence_pyproject_declares():
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text


def test_citation_file_is_cff_1_2_0_of_this_version():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    # the keys CFF 1.2.0 requires, and an author as a person or an entity
    assert cff["cff-version"] == "1.2.0"
    assert cff["message"]
    assert cff["title"]
    assert cff["authors"]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["version"] == __version__
    assert cff["license"] == PYPROJECT["project"]["license"]
    assert cff.get("type", "software") in ("software", "dataset")


def test_package_is_marked_typed():
    assert (REPO / "gridmodel" / "py.typed").is_file()
