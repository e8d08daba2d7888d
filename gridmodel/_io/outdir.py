"""Output folders of the commands, written safely: nothing lost, nothing half-written.

Every command that writes an output folder (``run``, ``reproduce``, ``outage``,
``ensemble``/``compare``, ``plan``, ``rank``) goes through :class:`OutputFolder` (or its
context manager :func:`output_folder`), so the rule and its messages are the same
everywhere:

1. **Validate first**, before any model work (:func:`check_out_dir`): ``out`` must not be
   the working folder or an ancestor of it, nor a file, nor below a file, and must not
   hold an input of the run (scenario, strike list, pattern, plan, a network, heat-layer
   or weather folder given as a path). An existing ``out`` is refused without ``force``;
   with ``force`` it is replaced only when it is empty or carries gridmodel's output
   marker (:data:`MARKER`), never a folder gridmodel did not write, nor one to which a
   file was added since (the marker lists the files written).
2. **Write aside**: :meth:`OutputFolder.open` creates the hidden sibling
   ``.<name>.gridmodel-tmp-<pid>`` (which also proves the parent writable) and the
   command writes there.
3. **Commit**: :meth:`OutputFolder.commit` writes the marker and swaps the sibling into
   place (one atomic ``renameat2(RENAME_EXCHANGE)`` on Linux, else two renames); the old
   folder is removed only after the new one is in place.

A failure or an interruption (KeyboardInterrupt included) before the commit removes the
sibling and leaves ``out`` as it was. A folder is *complete* when it has the marker and
its summary file (``summary.json``, or the study's own: ``replicates.parquet`` and
``summary.csv``, ``plan.json``, ``criticality.json``); nothing without the marker is.

Ensembles write into ``.<name>.gridmodel-partial`` instead (``partial=True``): the part
files of an interrupted run stay there and ``--resume`` continues from them.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from gridmodel.errors import InputError, OutputExistsError

__all__ = ["MARKER", "NotOutputFolderError", "OutputFolder", "OutputPathError",
           "check_out_dir", "is_output_folder", "output_folder", "partial_folder",
           "prepare_out_dir"]

#: file gridmodel writes into every output folder it completes (JSON: command, version)
MARKER = ".gridmodel-output"
_TMP = ".gridmodel-tmp-"
_OLD = ".gridmodel-old-"
_PARTIAL = ".gridmodel-partial"


class OutputPathError(InputError):
    """``--out`` cannot be used: the working folder, an ancestor of it, a file, below a
    file, the folder of an input of the run, or not writable."""


class NotOutputFolderError(OutputExistsError):
    """``--force`` was given for an existing folder that gridmodel did not write."""


def is_output_folder(path) -> bool:
    """True when ``path`` is a folder carrying gridmodel's output marker."""
    return (Path(path) / MARKER).is_file()


def partial_folder(out) -> Path:
    """Where the partial state of an ensemble writing ``out`` lives (``--resume``)."""
    r = _abs(out)
    return r.parent / f".{r.name}{_PARTIAL}"


def _abs(p) -> Path:
    return Path(os.path.abspath(Path(p).expanduser())).resolve()


def _check_place(out: Path, r: Path) -> None:
    """``out`` (resolved ``r``) is not a file, below a file or the working folder."""
    for anc in r.parents:
        if anc.exists():
            if not anc.is_dir():
                msg = (f"output folder {out} lies below {anc}, which is a file, not a "
                       "folder; choose another --out.")
                raise OutputPathError(msg)
            break
    if r.exists() and not r.is_dir():
        msg = (f"output folder {out} is a file, not a folder; choose another --out (a new "
               "folder name).")
        raise OutputPathError(msg)
    cwd = Path.cwd().resolve()
    if r == cwd or r in cwd.parents:
        what = "the working folder" if r == cwd else f"an ancestor of the working folder {cwd}"
        msg = (f"output folder {out} is {what}; gridmodel never writes over it. Choose a new "
               f"sub-folder, for example --out {Path(out) / 'run1'}.")
        raise OutputPathError(msg)


def _check_inputs(out: Path, r: Path, inputs: Iterable) -> None:
    """No input of the run lies inside ``out`` (resolved ``r``)."""
    for p in inputs:
        if p is None:
            continue
        q = _abs(p)
        if q == r or r in q.parents:
            msg = (f"output folder {out} holds {p}, an input of this run; the output would "
                   "replace it. Choose another --out.")
            raise OutputPathError(msg)


def _check_replaceable(out: Path, r: Path, allowed: bool, hint: str = "") -> None:
    """An existing ``out`` is replaced only when ``allowed`` and gridmodel wrote it."""
    if not r.exists():
        return
    if not allowed:
        msg = (f"output folder {out} already exists; choose another folder (--out){hint} or "
               "pass --force to replace it.")
        raise OutputExistsError(msg)
    if not is_output_folder(r) and any(r.iterdir()):
        msg = (f"output folder {out} exists and was not written by gridmodel (it has no "
               f"{MARKER} marker); --force replaces only gridmodel's own output folders. "
               "Choose another --out, or move or delete the folder yourself.")
        raise NotOutputFolderError(msg)
    added = _files_added(r)
    if added:
        more = f" and {len(added) - 5} more" if len(added) > 5 else ""
        msg = (f"output folder {out} holds file(s) gridmodel did not write there: "
               f"{', '.join(added[:5])}{more}; --force would delete them. Move them out of "
               "the folder, or choose another --out.")
        raise NotOutputFolderError(msg)


def _written_files(folder: Path) -> list[str]:
    """Every file below ``folder`` (relative, POSIX), the marker aside."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name != MARKER)


def _files_added(folder: Path) -> list[str]:
    """Files of an output folder that its marker does not list (a user's, added since):
    none for a marker of an earlier gridmodel, which lists no files."""
    if not is_output_folder(folder):
        return []
    try:
        listed = json.loads((folder / MARKER).read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        return []
    if not isinstance(listed, list):
        return []
    return sorted(set(_written_files(folder)) - set(listed))


def check_out_dir(out, force: bool, *, inputs: Iterable = (), resume: bool = False) -> Path:
    """Refuse an ``out`` that cannot be written safely, before any work; nothing written.

    Parameters
    ----------
    out : path
    force : bool
        Replace an existing folder (only one that gridmodel wrote, or an empty one).
    inputs : iterable of path
        Files and folders the run reads; none may lie inside ``out``.
    resume : bool
        An existing ``out`` may be continued (ensembles); same rules as ``force``.

    Returns
    -------
    Path
        ``out`` as given.

    Raises
    ------
    OutputPathError
        ``out`` is the working folder or an ancestor, a file, below a file, or holds an
        input.
    OutputExistsError
        ``out`` exists and neither ``force`` nor ``resume`` was given.
    NotOutputFolderError
        ``out`` is a non-empty folder without the marker.
    """
    out = Path(out)
    r = _abs(out)
    _check_place(out, r)
    _check_inputs(out, r, inputs)
    _check_replaceable(out, r, force or resume, " or pass --resume" if resume else "")
    return out


class OutputFolder:
    """One output folder being written: validated, written aside, committed atomically.

    Parameters
    ----------
    out : path
        The folder the command's outputs end up in.
    force : bool
        Replace an existing output folder of gridmodel.
    inputs : iterable of path
        Files and folders the run reads (never inside ``out``).
    command : str
        Recorded in the marker (e.g. ``"run"``).
    partial : bool
        Write into :func:`partial_folder` and keep it on failure (ensembles).
    resume : bool
        With ``partial``: continue in an existing partial folder, or in a copy of a
        complete ``out``.

    Attributes
    ----------
    path : Path or None
        The folder to write into (set by :meth:`open`).
    resumed : bool
        :meth:`open` found earlier state (a partial folder or a complete ``out``).
    """

    def __init__(self, out, *, force: bool = False, inputs: Iterable = (),
                 command: str = "", partial: bool = False, resume: bool = False) -> None:
        self.out = Path(out)
        self.force, self.partial, self.resume = bool(force), bool(partial), bool(resume)
        self.inputs = [p for p in inputs if p is not None]
        self.command = command
        self.path: Path | None = None
        self.resumed = False
        self._made: list[Path] = []

    def check(self) -> Path:
        """Validate ``out`` (:func:`check_out_dir`) and the partial state; nothing written."""
        _recover(self.out)
        check_out_dir(self.out, self.force, inputs=self.inputs,
                      resume=self.partial and self.resume)
        part = partial_folder(self.out)
        if self.partial and part.exists() and not (self.resume or self.force):
            msg = (f"an interrupted run of output folder {self.out} is in {part}; pass "
                   "--resume (resume=True) to finish it, or --force (force=True) to "
                   "discard it and start again.")
            raise OutputExistsError(msg)
        return self.out

    def open(self) -> Path:
        """Check, then create (or, resuming, find) the folder to write into; return it.

        Raises
        ------
        OutputPathError
            The parent folder cannot be written (checked here, before the model runs).
        """
        self.check()
        r = _abs(self.out)
        self._made = _make_parents(self.out, r.parent)
        self.path = (partial_folder(r) if self.partial
                     else r.parent / f".{r.name}{_TMP}{os.getpid()}")
        if self.partial and self.path.exists():
            if self.resume:
                self.resumed = True
                return self.path
            shutil.rmtree(self.path)  # force: discard the interrupted run
        if self.partial and self.resume and is_output_folder(self.out):
            _make(self.out, lambda: shutil.copytree(self.out, self.path, symlinks=True))
            (self.path / MARKER).unlink()
            self.resumed = True
            return self.path
        _make(self.out, lambda: self.path.mkdir())
        return self.path

    def commit(self, summary: str = "summary.json") -> Path:
        """Write the marker and swap the written folder into place; return ``out``."""
        r = _abs(self.out)
        _check_replaceable(self.out, r, self.force or self.resume)
        marker = {"gridmodel_output": 1, "command": self.command, "argv": sys.argv,
                  "version": _version(), "summary": summary,
                  "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  "files": _written_files(self.path)}
        (self.path / MARKER).write_text(json.dumps(marker, indent=1) + "\n",
                                        encoding="utf-8")
        if r.exists():
            _swap(self.path, r)
        else:
            os.rename(self.path, r)
        self.path = None
        return self.out

    def discard(self) -> None:
        """Remove what was written (a partial folder with parts is kept for resume)."""
        path, self.path = self.path, None
        if path is None or not path.exists():
            return
        if self.partial and any((path / "parts").glob("*.parquet")):
            return
        shutil.rmtree(path, ignore_errors=True)
        for d in reversed(self._made):
            with contextlib.suppress(OSError):
                d.rmdir()


@contextlib.contextmanager
def output_folder(out, *, force: bool = False, inputs: Iterable = (), command: str = "",
                  summary: str = "summary.json") -> Iterator[Path]:
    """Validate ``out``, yield a hidden sibling to write into, commit it on success.

    On any error or interruption the sibling is removed and ``out`` is left untouched.
    Arguments: see :class:`OutputFolder`; ``summary`` is the file that makes the folder
    complete (recorded in the marker).
    """
    folder = OutputFolder(out, force=force, inputs=inputs, command=command)
    path = folder.open()
    try:
        yield path
        folder.commit(summary)
    except BaseException:
        folder.discard()
        raise


def prepare_out_dir(out, force: bool, *, create: bool = True, inputs: Iterable = ()) -> Path:
    """Check ``out`` (:func:`check_out_dir`), replace it in place when ``force``.

    Not atomic: prefer :func:`output_folder`. The folder gets the marker at once.
    """
    out = check_out_dir(out, force, inputs=inputs)
    if out.exists():
        shutil.rmtree(out)
    if create:
        out.mkdir(parents=True)
        (out / MARKER).write_text(json.dumps({"gridmodel_output": 1, "version": _version()})
                                  + "\n", encoding="utf-8")
    return out


# ------------------------------------------------------------------ file system steps
def _version() -> str:
    from gridmodel._io import __version__

    return __version__


def _make(out: Path, step) -> None:
    """Run a step creating the folder to write into; a refusal names ``out``."""
    try:
        step()
    except OSError as exc:
        msg = (f"cannot write output folder {out} ({type(exc).__name__}: {exc.strerror or exc}); "
               "choose a folder you can write to (--out).")
        raise OutputPathError(msg) from None


def _make_parents(out: Path, parent: Path) -> list[Path]:
    """Create the missing ancestors of ``out``; return them, outermost first."""
    missing = [d for d in [parent, *parent.parents] if not d.exists()][::-1]
    _make(out, lambda: parent.mkdir(parents=True, exist_ok=True))
    return missing


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` at ``out`` and remove the old ``out`` only once ``new`` is in place."""
    if _exchange(new, out):
        shutil.rmtree(new)  # now the old folder
        return
    aside = out.parent / f".{out.name}{_OLD}{os.getpid()}"
    os.rename(out, aside)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(aside, out)
        raise
    shutil.rmtree(aside)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(out: Path) -> None:
    """Tidy after a killed process: put back an ``out`` moved aside, drop its temporaries."""
    r = _abs(out)
    if not r.parent.is_dir():
        return
    for kind in (_OLD, _TMP):
        stem = f".{r.name}{kind}"
        for p in [q for q in r.parent.iterdir() if q.name.startswith(stem)]:
            pid = p.name[len(stem):]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if kind == _OLD and not r.exists():
                os.rename(p, r)
            else:
                shutil.rmtree(p, ignore_errors=True)
