"""The output-folder rule shared by every command (gridmodel._io.outdir), on tiny folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gridmodel._io import outdir
from gridmodel._io.outdir import (
    MARKER,
    NotOutputFolderError,
    OutputFolder,
    OutputPathError,
    check_out_dir,
    output_folder,
    partial_folder,
    prepare_out_dir,
)
from gridmodel.errors import InputError, OutputExistsError


def _tree(folder) -> dict:
    """{relative path: bytes} of every file below ``folder`` (hidden ones included)."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _earlier(folder, text="old"):
    """A complete output folder of an earlier run: marker and summary.json."""
    with output_folder(folder, command="test") as tmp:
        (tmp / "summary.json").write_text(json.dumps({"run": text}), encoding="utf-8")
    return folder


def test_existing_folder_is_kept_without_force(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "mine.txt").write_text("user data", encoding="utf-8")
    with pytest.raises(OutputExistsError, match=r"already exists.*--force") as err:
        prepare_out_dir(out, force=False)
    assert isinstance(err.value, InputError)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "user data"
    with pytest.raises(OutputExistsError):
        check_out_dir(out, force=False)


def test_force_replaces_only_gridmodel_folders(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "thesis.tex").write_text("x", encoding="utf-8")
    with pytest.raises(NotOutputFolderError, match=f"no {MARKER} marker"):
        check_out_dir(user, force=True)
    with pytest.raises(NotOutputFolderError):
        prepare_out_dir(user, force=True)
    assert _tree(user) == {"thesis.tex": b"x"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_out_dir(empty, force=True) == empty
    old = _earlier(tmp_path / "old")
    assert outdir.is_output_folder(old)
    assert prepare_out_dir(old, force=True) == old  # the in-place form, for validate
    assert sorted(p.name for p in old.iterdir()) == [MARKER]
    assert not prepare_out_dir(tmp_path / "a" / "b", force=False, create=False).exists()


def test_force_keeps_a_file_the_user_added_to_an_output_folder(tmp_path):
    # the marker lists what gridmodel wrote; a file added since is the user's: --force
    # refuses to delete it (it did before), naming it
    out = _earlier(tmp_path / "run")
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["files"] == ["summary.json"]
    (out / "my_notes.txt").write_text("keep me", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "x.csv").write_text("1", encoding="utf-8")
    before = _tree(out)
    with pytest.raises(NotOutputFolderError, match=r"my_notes\.txt, sub/x\.csv; --force would "
                                                   "delete them"):
        check_out_dir(out, force=True)
    with pytest.raises(NotOutputFolderError), output_folder(out, force=True) as tmp:
        (tmp / "summary.json").write_text("{}", encoding="utf-8")
    assert _tree(out) == before
    (out / "my_notes.txt").unlink()
    (out / "sub" / "x.csv").unlink()
    assert check_out_dir(out, force=True) == out  # gridmodel's files only: replaceable


def test_commit_writes_the_marker_and_replaces_the_earlier_folder(tmp_path):
    out = _earlier(tmp_path / "run")
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["command"] == "test"
    assert marker["summary"] == "summary.json"
    with output_folder(out, force=True) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".run.gridmodel-tmp-")
        assert _tree(out)["summary.json"] == b'{"run": "old"}'  # untouched while writing
        (tmp / "summary.json").write_text("{}", encoding="utf-8")
    assert _tree(out)["summary.json"] == b"{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no sibling left


def _write_then_raise(out, exc, **kwargs):
    with output_folder(out, **kwargs) as tmp:
        (tmp / "summary.json").write_text("{}", encoding="utf-8")
        raise exc


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failure_leaves_the_earlier_folder_and_nothing_else(tmp_path, exc):
    out = _earlier(tmp_path / "run")
    before = _tree(out)
    with pytest.raises(exc):
        _write_then_raise(out, exc, force=True)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    with pytest.raises(exc):
        _write_then_raise(tmp_path / "new" / "deeper", exc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # parents made, removed


def test_two_renames_where_no_atomic_exchange(tmp_path, monkeypatch):
    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    out = _earlier(tmp_path / "run")
    with output_folder(out, force=True) as tmp:
        (tmp / "summary.json").write_text("new", encoding="utf-8")
    assert _tree(out)["summary.json"] == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_killed_process_leftovers_are_tidied(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    out = _earlier(tmp_path / "run")
    before = _tree(out)
    stale = tmp_path / f".run.gridmodel-tmp-{pid}"
    stale.mkdir()
    (stale / "summary.json").write_text("half", encoding="utf-8")
    live = tmp_path / f".run.gridmodel-tmp-{os.getppid()}"  # a running process's: kept
    live.mkdir()
    out.rename(tmp_path / f".run.gridmodel-old-{pid}")  # killed between two renames
    check_out_dir(out, force=True)
    OutputFolder(out, force=True).check()
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "run"]


@pytest.mark.parametrize(("where", "match"), [
    (".", "is the working folder"),
    ("..", "an ancestor of the working folder"),
    ("/", "an ancestor of the working folder"),
    ("notes.txt", "is a file, not a folder"),
    ("notes.txt/sub", "lies below .*notes.txt, which is a file"),
    ("inputs", "holds inputs/scenario.toml, an input of this run"),
    ("inputs/scenario.toml", "is a file"),
])
def test_unusable_out_is_refused_even_with_force(tmp_path, monkeypatch, where, match):
    work = tmp_path / "work"
    (work / "inputs").mkdir(parents=True)
    (work / "inputs" / "scenario.toml").write_text("name = 'x'", encoding="utf-8")
    (work / "notes.txt").write_text("mine", encoding="utf-8")
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    for force in (False, True):
        with pytest.raises(OutputPathError, match=match):
            OutputFolder(where, force=force, inputs=["inputs/scenario.toml"]).open()
    assert _tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_unwritable_parent_is_found_before_any_work(tmp_path):
    if os.geteuid() == 0:  # root writes anywhere but in /sys
        parent = "/sys/gridmodel-test"
        try:
            os.mkdir(parent)
        except PermissionError:
            pass
        else:
            os.rmdir(parent)
            pytest.skip("no unwritable folder for root here")
        out = os.path.join(parent, "run")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        out = ro / "run"
    with pytest.raises(OutputPathError, match="cannot write output folder"):
        OutputFolder(out).open()


def test_partial_folder_is_kept_for_resume(tmp_path):
    out = tmp_path / "ens"
    f = OutputFolder(out, partial=True)
    path = f.open()
    assert path == partial_folder(out) == tmp_path / ".ens.gridmodel-partial"
    (path / "parts").mkdir()
    (path / "parts" / "p00-0000000.parquet").write_bytes(b"part")
    f.discard()  # an interruption: the part stays
    assert path.is_dir()
    assert not out.exists()
    with pytest.raises(OutputExistsError, match="--resume"):
        OutputFolder(out, partial=True).open()
    again = OutputFolder(out, partial=True, resume=True)
    assert again.open() == path
    assert again.resumed
    again.commit("replicates.parquet")
    assert _tree(out)["parts/p00-0000000.parquet"] == b"part"
    assert not path.exists()
    # resuming a complete folder works on a copy; the folder changes only on commit
    copy = OutputFolder(out, partial=True, resume=True)
    assert copy.open() == path
    assert copy.resumed
    assert not (path / MARKER).exists()
    assert outdir.is_output_folder(out)
    # force discards an interrupted run and starts again
    fresh = OutputFolder(out, partial=True, force=True)
    assert list(fresh.open().iterdir()) == []


def test_scenario_and_ensemble_share_the_error():
    from gridmodel.studies import ensemble, scenario

    assert scenario.OutputExistsError is OutputExistsError
    assert issubclass(ensemble.OutputExistsError, OutputExistsError)
    assert issubclass(NotOutputFolderError, OutputExistsError)
    assert issubclass(OutputPathError, InputError)
