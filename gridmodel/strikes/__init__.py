"""Strike lists: formats, validation and resolution of targets to asset ids.

``load_strikes(path, net)`` reads a CSV or TOML strike list, validates every row and
resolves every target strictly; see :mod:`gridmodel.strikes.strikelist` for the format
and :mod:`gridmodel.strikes.resolve` for names and selectors.
"""

from __future__ import annotations

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
    "strikes_from_records",
]


def load_strikes(path: str | Path, net) -> pd.DataFrame:
    """Read, validate and resolve a strike list (CSV or TOML) against ``net``.

    Parameters
    ----------
    path : str or path
        Strike list (format: :mod:`gridmodel.strikes.strikelist`).
    net : pandapowerNet
        Network with a registry; not modified.

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
    return resolve_strikes(net, read_strikes(path))


def remaining_fractions(strikes: pd.DataFrame) -> dict[str, float]:
    """Apply every strike at once: ``{asset_id: remaining fraction}`` for the engine.

    A snapshot (no repairs): ``destroyed`` and ``disabled`` leave 0, ``damaged`` leaves
    ``1 - fraction_lost``; several strikes on one asset keep the worst (lowest) value.
    """
    remaining = 1.0 - strikes["fraction_lost"].astype(float)
    return {str(k): float(v) for k, v in remaining.groupby(strikes["asset_id"]).min().items()}
