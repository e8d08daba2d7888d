"""Parquet frames gridmodel wrote and reads back (ensemble parts, saved states).

A missing, damaged or truncated frame is an error naming the file and the fix
(:func:`read_frame`), never pyarrow's traceback.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gridmodel.errors import InputError

__all__ = ["read_frame"]


def read_frame(path: str | Path, what: str, fix: str,
               error: type[InputError] = InputError) -> pd.DataFrame:
    """The frame of a Parquet file.

    Parameters
    ----------
    path : path
    what : str
        What the file is, for the message ("part file of the interrupted run").
    fix : str
        What to do about it, for the message.
    error : type
        The :class:`~gridmodel.errors.InputError` subclass raised.

    Raises
    ------
    InputError
        (or ``error``) The file is missing or cannot be read as Parquet.
    """
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = f"{what} {path} cannot be read ({exc}); {fix}"
        raise error(msg) from None
