"""Reading TOML input files with one error rule.

Every TOML file gridmodel reads (scenarios, plans, patterns, strike lists, network and
layer metadata, assumption and default tables) goes through :func:`read_toml` or, for
parsers cached on the file's text, :func:`parse_toml`. A missing or unreadable file and a
syntax error raise the caller's :class:`~gridmodel.errors.InputError` subclass, naming
the file (and, for syntax errors, tomllib's line and column). A UTF-8 byte-order mark
at the start (as Windows editors write) is dropped, as for CSV files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from gridmodel.errors import InputError

__all__ = ["parse_toml", "read_text", "read_toml"]


def read_text(path: str | Path, what: str, error: type[InputError] = InputError) -> str:
    """Text of ``path``; ``error`` names ``what`` and the file when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        msg = f"{what} {path} does not exist."
        raise error(msg)
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad) dropped
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read {what} {path}: {exc}."
        raise error(msg) from None


def parse_toml(text: str, where: str, error: type[InputError] = InputError) -> dict:
    """Parse TOML ``text`` read from ``where``; a syntax error raises ``error``."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))  # a byte-order mark, as in CSVs
    except tomllib.TOMLDecodeError as exc:
        msg = f"{where}: TOML syntax error: {exc}."
        raise error(msg) from None


def read_toml(path: str | Path, what: str,
              error: type[InputError] = InputError) -> tuple[dict, str]:
    """Read and parse the TOML file ``path`` (a ``what``, e.g. "plan file").

    Returns
    -------
    (dict, str)
        The document and its text (for line numbers in later messages).
    """
    text = read_text(path, what, error)
    return parse_toml(text, str(path), error), text
