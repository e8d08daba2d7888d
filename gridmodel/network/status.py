"""Asset status by date and availability per technology.

``status.csv`` lists, per asset, date ranges in which it was ``occupied``,
``destroyed``, ``damaged`` (with the fraction of capacity still available) or
``repaired`` (back to full capacity, closing earlier rows). ``availability.csv`` gives
one availability factor per technology, the same for every date. Applying a status
never changes installed capacity; it sets ``in_service`` and the available capacity:

    max_p_mw = installed_mw x status_fraction x availability_factor

References
----------
FIELD_NOTES sections 2 and 7 (sources named in each row of the data files).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.schema import read_csv_strict
from gridmodel.errors import StatusError
from gridmodel.network.schemas import check_availability, check_status

STATUS_COLUMNS = ["asset_id", "status", "available_fraction", "start", "end", "source"]
STATUSES = ("occupied", "destroyed", "damaged", "disabled", "repaired")
#: a status that takes the asset out of service entirely
OUT = ("occupied", "destroyed", "disabled")


def parse_date(value, what: str = "status date") -> dt.date:
    """Parse an ISO date (``YYYY-MM-DD``) or a date/datetime object."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        msg = f"{what} {value!r} is not an ISO date; write it as YYYY-MM-DD, e.g. 2026-01-15."
        raise StatusError(msg) from exc


def read_status(path: Path, known_ids: set[str]) -> pd.DataFrame:
    """Read and validate a status table.

    Raises
    ------
    StatusError
        Every bad row at once (:func:`gridmodel.network.schemas.check_status`): an
        unknown asset, an unknown status, a fraction outside [0, 1], a malformed date or
        an end not after the start, each with its file, line and column.
    """
    try:
        df = read_csv_strict(path, "status table", StatusError, keep_default_na=False,
                             na_values=[""], dtype={"end": str})
    except (OSError, pd.errors.ParserError) as exc:
        msg = f"cannot read status table {path}: {exc}."
        raise StatusError(msg) from exc
    missing = [c for c in STATUS_COLUMNS if c not in df.columns]
    if missing:
        msg = f"{path} lacks columns {missing}; required {STATUS_COLUMNS}."
        raise StatusError(msg)
    check_status(df, path, known_ids, STATUSES)  # every bad row at once (network.schemas)
    starts, ends = [], []
    for i, r in df.iterrows():  # the schema checked every row: convert the dates
        where = f"{path}, line {i + 2}"
        s = parse_date(r["start"], f"{where}: start")
        e = parse_date(r["end"], f"{where}: end") if pd.notna(r["end"]) else None
        starts.append(s)
        ends.append(e)
    df["start"] = starts
    df["end"] = ends
    df["available_fraction"] = df["available_fraction"].astype(float)
    return df


def status_on(status: pd.DataFrame, date: dt.date) -> pd.DataFrame:
    """Return, per asset, the status in force on ``date`` (the latest row that started).

    A ``repaired`` row ends the effect of earlier rows of the same asset.
    """
    active = status[(status["start"] <= date) & status["end"].map(lambda e: e is None or e > date)]
    active = active.sort_values("start", kind="stable").groupby("asset_id").tail(1)
    return active[active["status"] != "repaired"].set_index("asset_id")


def read_availability(path: Path) -> pd.Series:
    """Read ``availability.csv`` -> Series technology -> factor in [0, 1]."""
    df = read_csv_strict(path, "availability table", StatusError)
    check_availability(df, path)  # network.schemas
    for col in ("technology", "availability_factor", "source"):
        if col not in df.columns:
            msg = f"{path} lacks column {col!r}."
            raise StatusError(msg)
    bad = df[(df["availability_factor"] < 0) | (df["availability_factor"] > 1)]
    if len(bad):
        msg = (
            f"{path}, line {bad.index[0] + 2}: availability_factor "
            f"{bad.iloc[0]['availability_factor']} must be in [0, 1]."
        )
        raise StatusError(msg)
    return df.set_index("technology")["availability_factor"]


def apply_availability(net, factors: pd.Series | None, where=None) -> None:
    """Set ``availability_factor`` and ``max_p_mw`` of every generator from its technology.

    ``max_p_mw`` = ``installed_mw`` x ``status_fraction`` x ``availability_factor``, so
    the loader calls it again after :func:`apply_status`. ``factors`` ``None`` (a network
    without ``availability.csv``) gives every generator the factor 1. Mutates ``net``
    (called by the loader on a net it has just built).
    """
    for element in ("gen", "sgen"):
        tab = net[element]
        if not len(tab):
            continue
        if factors is None:
            tab["availability_factor"] = 1.0
        else:
            tech = tab["technology"].astype(str)
            unknown = sorted(set(tech) - set(factors.index) - {"import"})
            if unknown:
                ids = tab["plant_id"].astype(str) if "plant_id" in tab else tab["name"]
                first = {u: str(ids[tech == u].iloc[0]) for u in unknown}
                folder = f"{where}/" if where is not None else ""
                msg = (
                    f"{folder}availability.csv has no factor for technologies {unknown} "
                    f"(of plants.csv, e.g. {first}); add a row per technology with its "
                    f"source, or correct the technology (known: {sorted(factors.index)})."
                )
                raise StatusError(msg)
            tab["availability_factor"] = tech.map(factors).fillna(1.0).astype(float)
        if "status_fraction" not in tab:
            tab["status_fraction"] = 1.0
        tab["max_p_mw"] = (
            tab["installed_mw"].astype(float) * tab["status_fraction"] * tab["availability_factor"]
        )


def apply_status(net, status: pd.DataFrame, date: dt.date, valid: tuple[dt.date, dt.date]):
    """Apply the status in force on ``date`` to ``net`` in place; return the active rows.

    Occupied, destroyed and disabled assets go out of service (a substation with all its
    buses and every element attached to them); damaged plants keep ``available_fraction``
    of their capacity, damaged branches of their rating (the derating factor ``df``, so
    impedances stay as built).
    """
    lo, hi = valid
    if not lo <= date <= hi:
        msg = (
            f"status date {date} is outside the status table's range {lo} to {hi}; "
            "pick a date in that range or extend the table."
        )
        raise StatusError(msg)
    active = status_on(status, date)
    reg = net.registry.set_index("asset_id")
    for aid, row in active.iterrows():
        r = reg.loc[aid]
        out = row["status"] in OUT
        frac = 0.0 if out else float(row["available_fraction"])
        if r["kind"] == "substation":
            buses = net.bus.index[net.bus["substation_id"] == aid]
            if out:
                deactivate_buses(net, buses)
            else:
                tr = net.trafo.index[net.trafo["substation_id"] == aid]
                net.trafo.loc[tr, "df"] *= frac
        elif r["element"] in ("gen", "sgen"):
            tab = net[r["element"]]
            tab.loc[r["element_index"], "status_fraction"] = frac
            if out:
                tab.loc[r["element_index"], "in_service"] = False
        elif r["element"] in ("line", "trafo"):
            if out:
                net[r["element"]].loc[r["element_index"], "in_service"] = False
            else:
                net[r["element"]].loc[r["element_index"], "df"] *= frac
        elif r["element"] == "bus":
            deactivate_buses(net, [r["element_index"]])
        else:
            net[r["element"]].loc[r["element_index"], "in_service"] = not out
    return active


def deactivate_buses(net, buses) -> None:
    """Take buses out of service with every element attached to them (in place).

    A bus out of service with a branch still in service can void a pandapower result
    silently (PERFORMANCE_NOTES), so branches touching the buses go too.
    """
    buses = np.asarray(list(buses), dtype=np.int64)
    if not len(buses):
        return
    net.bus.loc[buses, "in_service"] = False
    for element, cols in (("line", ("from_bus", "to_bus")), ("trafo", ("hv_bus", "lv_bus"))):
        tab = net[element]
        hit = np.zeros(len(tab), dtype=bool)
        for c in cols:
            hit |= tab[c].isin(buses).to_numpy()
        tab.loc[hit, "in_service"] = False
    for element in ("gen", "sgen", "load", "shunt", "ext_grid", "storage", "ward", "xward"):
        if element in net and len(net[element]):
            tab = net[element]
            tab.loc[tab["bus"].isin(buses), "in_service"] = False


def import_caps_on(imports: dict, date: dt.date) -> dict | None:
    """The import-cap row of ``[[imports.by_date]]`` in force on ``date`` (None: no table).

    The last row whose ``start`` is on or before ``date`` (rows in any order).

    Raises
    ------
    StatusError
        A row without ``start`` or with a malformed one, or ``date`` before every row.
    """
    rows = imports.get("by_date") if isinstance(imports, dict) else None
    if not rows:
        return None
    dated = sorted(((parse_date(r.get("start"), f"[[imports.by_date]] row {i + 1}: start"), r)
                    for i, r in enumerate(rows)), key=lambda x: x[0])
    inforce = [r for start, r in dated if start <= date]
    if not inforce:
        msg = (f"status date {date} is before the first [[imports.by_date]] row "
               f"({dated[0][0]}); pick a later date or add a row.")
        raise StatusError(msg)
    return inforce[-1]


def apply_import_caps(net, date: dt.date) -> dict | None:
    """Set the import cap in force on ``date`` (in place); return its row, or None.

    ``net.parameters["imports"]`` takes the row's ``commercial_mw``, ``emergency_mw`` and
    ``practical_mw``; each interconnector ``max_p_mw = share x cap`` with
    ``cap = min(commercial_mw + emergency_mw, practical_mw)`` (its share of the as-built
    cap), and none is in service when the row's ``synchronous`` is false. A network
    without ``[[imports.by_date]]`` keeps its caps.
    """
    imports = net.get("parameters", {}).get("imports", {})
    row = import_caps_on(imports, date)
    if row is None:
        return None
    commercial = float(row.get("commercial_mw", 0.0))
    emergency = float(row.get("emergency_mw", 0.0))
    cap = commercial + emergency
    if row.get("practical_mw") is not None:
        cap = min(cap, float(row["practical_mw"]))
    built = float(imports.get("commercial_mw", 0.0)) + float(imports.get("emergency_mw", 0.0))
    imports.update(commercial_mw=commercial, emergency_mw=emergency,
                   practical_peak_mw=row.get("practical_mw"),
                   source=row.get("source", ""))
    ic = net.gen.index[net.gen["technology"] == "import"]
    share = net.gen.loc[ic, "installed_mw"].astype(float) / built if built > 0 else 0.0
    net.gen.loc[ic, "max_p_mw"] = share * cap
    if not bool(row.get("synchronous", True)):
        net.gen.loc[ic, "in_service"] = False
    return row
