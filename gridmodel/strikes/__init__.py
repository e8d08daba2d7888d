"""Strike lists: formats, validation and resolution of targets to asset ids.

``load_strikes(path, net)`` reads a CSV or TOML strike list, validates every row and
resolves every target strictly; see :mod:`gridmodel.strikes.strikelist` for the format
and :mod:`gridmodel.strikes.resolve` for names and selectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from gridmodel.strikes.resolve import (
    RESOLVED_COLUMNS,
    StrikeTargetError,
    resolve_strikes,
    select_assets,
)
from gridmodel.strikes.strikelist import (
    EFFECTS,
    StrikeListError,
    parse_time,
    read_strikes,
    strikes_from_records,
)

__all__ = [
    "EFFECTS",
    "RESOLVED_COLUMNS",
    "StrikeListError",
    "StrikeTargetError",
    "load_strikes",
    "parse_time",
    "read_strikes",
    "remaining_fractions",
    "resolve_strikes",
    "select_assets",
    "select_rows",
    "strikes_from_records",
]


def select_rows(strikes: pd.DataFrame, only: Mapping[str, str | Iterable[str]] | None,
                where: str = "strike list") -> pd.DataFrame:
    """Keep the strike rows whose columns hold the given values.

    Parameters
    ----------
    strikes : pandas.DataFrame
        Raw or resolved strikes.
    only : mapping, optional
        ``{column: value or values}``, e.g. ``{"reliability": "A"}`` for the base run
        of ``examples/strikes/kyiv_2026_02_03.csv``. Values compare as stripped text.

    Raises
    ------
    StrikeListError
        An unknown column, or no row left.
    """
    if not only:
        return strikes
    keep = pd.Series(True, index=strikes.index)
    for col, values in only.items():
        if col not in strikes.columns:
            msg = (f"{where}: cannot select on {col!r}, the list has no such column; "
                   f"columns: {list(strikes.columns)}.")
            raise StrikeListError(msg)
        vals = {values} if isinstance(values, str) else set(values)
        vals = {str(v).strip() for v in vals}
        keep &= strikes[col].fillna("").astype(str).str.strip().isin(vals)
    if not keep.any():
        msg = (f"{where}: no strike row has {dict(only)}; values of those columns: "
               f"{ {c: sorted(strikes[c].fillna('').astype(str).unique())[:10] for c in only} }.")
        raise StrikeListError(msg)
    return strikes[keep].reset_index(drop=True)


def load_strikes(path: str | Path, net,
                 only: Mapping[str, str | Iterable[str]] | None = None) -> pd.DataFrame:
    """Read, validate and resolve a strike list (CSV or TOML) against ``net``.

    Parameters
    ----------
    path : str or path
        Strike list (format: :mod:`gridmodel.strikes.strikelist`).
    net : pandapowerNet
        Network with a registry; not modified.
    only : mapping, optional
        Keep only rows with these column values before resolving (:func:`select_rows`),
        e.g. ``{"reliability": "A"}``.

    Returns
    -------
    pandas.DataFrame
        Resolved strikes: ``asset_id, time`` (tz-aware UTC) ``, effect, fraction_lost,
        repair_h, weapon, source, row, file, target, kind, name`` and extra columns.

    Raises
    ------
    StrikeListError
        Bad file, row or field, or an empty list.
    StrikeTargetError
        Unknown or ambiguous targets, bad selectors (all listed at once).
    """
    return resolve_strikes(net, select_rows(read_strikes(path), only, str(path)))


def remaining_fractions(strikes: pd.DataFrame) -> dict[str, float]:
    """Apply every strike at once: ``{asset_id: remaining fraction}`` for the engine.

    A snapshot (no repairs): ``destroyed`` and ``disabled`` leave 0, ``damaged`` leaves
    ``1 - fraction_lost``; several strikes on one asset keep the worst (lowest) value.
    """
    remaining = 1.0 - strikes["fraction_lost"].astype(float)
    return {str(k): float(v) for k, v in remaining.groupby(strikes["asset_id"]).min().items()}
