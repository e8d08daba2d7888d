"""Compiled kernels live in the user's cache folder, and a first run says it compiles them
(issue #14): gridmodel._io.kernels and gridmodel.cli.base.say_compiling."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from gridmodel._io import kernels
from gridmodel.cli.base import say_compiling


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_users_own_numba_cache_folder_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(kernels.CACHE_ENV, str(tmp_path / "mine"))
    assert kernels.kernel_cache_dir() == tmp_path / "mine"


def test_the_note_is_given_until_gridmodel_kernels_are_cached(tmp_path):
    assert kernels.compile_note(tmp_path / "absent") is not None
    other = tmp_path / "cache" / "elsewhere" / "lib"
    other.mkdir(parents=True)
    (other / "f.g-1.py311.nbi").write_bytes(b"")
    note = kernels.compile_note(tmp_path / "cache")
    assert note is not None
    assert "first run only" in note
    assert str(tmp_path / "cache") in note
    ours = tmp_path / "cache" / "site" / "gridmodel" / "outage"
    ours.mkdir(parents=True)
    (ours / "_kernel.solve-21.py311.nbi").write_bytes(b"")
    assert kernels.compile_note(tmp_path / "cache") is None


def test_the_note_goes_to_a_terminal_only(tmp_path, monkeypatch):
    monkeypatch.setenv(kernels.CACHE_ENV, str(tmp_path / "empty"))
    term, pipe = _Terminal(), io.StringIO()
    assert say_compiling(term)
    assert "compiling numerical kernels" in term.getvalue()
    assert not say_compiling(pipe)  # CI logs, pipes and tests: nothing
    assert pipe.getvalue() == ""


def test_kernels_compile_into_the_user_cache_folder(tmp_path):
    """A fresh process with no NUMBA_CACHE_DIR: importing gridmodel points numba at
    <user cache>/gridmodel/kernels, and a kernel's first call caches it there."""
    env = {k: v for k, v in os.environ.items() if k != kernels.CACHE_ENV}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    code = ("import numpy as np, gridmodel, numba\n"
            "from gridmodel.thermal.distinct import _unique_rows\n"
            "_unique_rows(np.zeros((3, 1), dtype=np.uint64))\n"
            "print(numba.config.CACHE_DIR)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=300).stdout.strip()
    where = tmp_path / "xdg" / "gridmodel" / "kernels"
    assert out == str(where)
    assert kernels.kernels_cached(where)
