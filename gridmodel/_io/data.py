"""Locate the data folders that ship with gridmodel.

In a checkout the data live at the top of the repository (``networks/``, ``weather/``);
a built wheel carries the same folders as ``gridmodel/_data/networks`` and
``gridmodel/_data/weather`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """Return the folder of built-in data ``name`` (``"networks"`` or ``"weather"``).

    Raises
    ------
    FileNotFoundError
        If neither the installed copy nor the checkout copy exists.
    """
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    msg = (
        f"gridmodel's built-in data folder {name!r} was not found next to the package "
        f"({_PACKAGE_DIR}). Reinstall gridmodel from a wheel or an editable checkout."
    )
    raise FileNotFoundError(msg)
