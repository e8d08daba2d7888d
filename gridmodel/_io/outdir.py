"""Output folders of the commands: never overwritten unless asked for.

Every command that writes an output folder (``run``, ``reproduce``, ``outage``, ``plan``,
``rank``; ensembles add resume on top) goes through these two functions, so the rule and
its message are the same everywhere.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gridmodel.errors import OutputExistsError


def check_out_dir(out, force: bool) -> Path:
    """Fail early, before any work, when ``out`` exists and ``force`` is False.

    Raises
    ------
    OutputExistsError
        Naming the folder and the two ways out.
    """
    out = Path(out)
    if out.exists() and not force:
        msg = (f"output folder {out} already exists; choose another folder (--out) or pass "
               "--force to replace it.")
        raise OutputExistsError(msg)
    return out


def prepare_out_dir(out, force: bool, *, create: bool = True) -> Path:
    """Check ``out`` (see :func:`check_out_dir`), remove it when ``force``, create it."""
    out = check_out_dir(out, force)
    if out.exists():
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    if create:
        out.mkdir(parents=True)
    return out
