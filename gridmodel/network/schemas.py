"""Schemas of a network folder's CSV tables, validated on load (``docs/data_tables.md``).

:func:`table_schemas` gives the pandera schema of every table of a network folder
(``buses.csv``, ``lines.csv``, ...; see :mod:`gridmodel.network.tables`), its references
resolved against the other tables: unique ids, line and transformer ends at known buses,
buses in known substations, plants, loads, shunts and ties at known buses, positive
voltages, ratings and reactances (a zero reactance makes the power flow singular), loads
and capacities >= 0, booleans only true / false / 1 / 0. :func:`check_tables` runs them
all and raises one :class:`~gridmodel.errors.NetworkFileError` listing every problem as
``file:line: column: message (got value)``. The status and availability tables
(:mod:`gridmodel.network.status`) have theirs here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pydantic import BaseModel, ConfigDict, Field

from gridmodel._io.schema import (
    DateText,
    TimeZone,
    after,
    boolean,
    check_table,
    iso_date,
    lon_lat,
    nonempty,
    number,
    one_of,
    raise_problems,
    table_problems,
    text,
    unique_id,
)
from gridmodel.errors import NetworkFileError, StatusError

__all__ = ["AVAILABILITY", "PRIORITY_CLASSES", "NetworkFile", "check_availability",
           "check_status", "check_tables", "table_schemas"]

#: load priority classes (loads.csv priority_class; the demand profile's classes, in its order)
PRIORITY_CLASSES = ("critical", "heat_water", "residential", "industry")

_POSITIVE = number(gt=0)
_NON_NEGATIVE = number(ge=0)


def _col(*checks: pa.Check, **kw) -> pa.Column:
    return pa.Column(checks=list(checks), **kw)


def _ref(ids: Iterable, what: str) -> pa.Column:
    return _col(text(), one_of(ids, what))


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _differs(other: pd.Series, what: str) -> pa.Check:
    """Each value other than ``other`` on its row."""
    return pa.Check(lambda s: s.astype(str) != other.reindex(s.index).astype(str),
                    error=f"must differ from {what}")


def _at_most(other: pd.Series, what: str) -> pa.Check:
    """Each number at most ``other`` on its row (non-numbers: reported by their own check)."""
    return pa.Check(lambda s: ~(_num(s) > _num(other.reindex(s.index))),
                    error=f"must be at most {what}")


def _branch_ends(t: pd.DataFrame, a: str, b: str, bus: pa.Column) -> dict[str, pa.Column]:
    """Two ends of a branch: known buses, not the same one."""
    return {a: bus, b: _col(*bus.checks, _differs(t[a], f"{a}: a branch joins two buses"))}


def table_schemas(t: dict[str, pd.DataFrame]) -> dict[str, pa.DataFrameSchema]:
    """The schema of every table of a network folder, keyed by file name.

    Parameters
    ----------
    t : dict
        The tables as read, keyed by file name (``"buses.csv"``, ...).
    """
    bus = _ref(t["buses.csv"]["bus_id"], "bus of buses.csv")
    sub = _ref(t["substations.csv"]["substation_id"], "substation of substations.csv")
    lines, trafos = t["lines.csv"], t["trafos.csv"]
    ties = t.get("ties.csv", pd.DataFrame(columns=["from_bus", "to_bus"]))
    schema = pa.DataFrameSchema
    return {
        "substations.csv": schema({"substation_id": unique_id(), **lon_lat()},
                                  checks=nonempty("substation")),
        "buses.csv": schema({"bus_id": unique_id(), "substation_id": sub,
                             "vn_kv": _col(_POSITIVE), "oblast": _col(text()),
                             "abroad": _col(boolean()), **lon_lat()}, checks=nonempty("bus")),
        "lines.csv": schema({
            "line_id": unique_id(), **_branch_ends(lines, "from_bus", "to_bus", bus),
            **{c: _col(_POSITIVE) for c in ("length_km", "x_ohm_per_km", "max_i_ka")},
            **{c: _col(_NON_NEGATIVE) for c in ("r_ohm_per_km", "c_nf_per_km")},
            "vn_kv": _col(_POSITIVE, required=False),
            "parallel": _col(number(ge=1, integer=True))}),
        "trafos.csv": schema({
            "trafo_id": unique_id(), "substation_id": sub,
            **_branch_ends(trafos, "hv_bus", "lv_bus", bus),
            **{c: _col(_POSITIVE) for c in ("sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent")},
            "vkr_percent": _col(_NON_NEGATIVE, _at_most(trafos["vk_percent"], "vk_percent")),
            **{c: _col(_NON_NEGATIVE) for c in ("pfe_kw", "i0_percent")},
            "parallel": _col(number(ge=1, integer=True))}),
        "plants.csv": schema({
            "plant_id": unique_id(), "technology": _col(text()), "bus_id": bus,
            "installed_mw": _col(_NON_NEGATIVE), "dispatchable": _col(boolean()),
            **lon_lat()}),
        "loads.csv": schema({
            "load_id": unique_id(), "bus_id": bus,
            "priority_class": _col(one_of(PRIORITY_CLASSES, "priority class")),
            "p_mw": _col(_NON_NEGATIVE), "q_mvar": _col(number())}),
        "shunts.csv": schema({"shunt_id": unique_id(), "bus_id": bus, "q_mvar": _col(number())}),
        "interconnectors.csv": schema({
            "interconnector_id": unique_id(), "bus_id": bus, "country": _col(text()),
            "share": _col(number(ge=0, le=1))}),
        "ties.csv": schema({
            "tie_id": unique_id(), **_branch_ends(ties, "from_bus", "to_bus", bus),
            **{c: _col(_POSITIVE) for c in ("length_km", "x_ohm_per_km", "capacity_mw")},
            **{c: _col(_NON_NEGATIVE) for c in ("r_ohm_per_km", "switching_h")},
            "source": _col(text())}),
    }


def check_tables(t: dict[str, pd.DataFrame], folder: str | Path) -> None:
    """Validate every table of a network folder; one error lists every problem.

    Raises
    ------
    NetworkFileError
        ``file:line: column: message (got value)`` per problem.
    """
    schemas = table_schemas(t)
    folder = Path(folder)
    problems = [p for name, df in t.items() if name in schemas
                for p in table_problems(df, schemas[name], folder / name)]
    raise_problems(problems, f"network folder {folder}: invalid tables", NetworkFileError)


def _fraction_fits_status(status: pd.Series) -> pa.Check:
    """``available_fraction`` 0 for a status that takes the asset out (occupied, destroyed,
    disabled) and strictly between 0 and 1 for ``damaged``: a contradiction would be read
    one way without a word."""
    def ok(s: pd.Series) -> pd.Series:
        st = status.reindex(s.index).astype(str)
        f = pd.to_numeric(s, errors="coerce")
        out = st.isin(("occupied", "destroyed", "disabled"))
        return f.isna() | (~out | (f == 0)) & ((st != "damaged") | ((f > 0) & (f < 1)))

    return pa.Check(ok, error=("contradicts the row's status: occupied, destroyed and "
                               "disabled assets have available_fraction 0, a damaged one a "
                               "fraction between 0 and 1 (exclusive)"))


def check_status(df: pd.DataFrame, path: str | Path, known_ids: Iterable,
                 statuses: Iterable[str]) -> None:
    """Validate a status table (``status.csv``) as read.

    Parameters
    ----------
    df : DataFrame
    path : path
    known_ids : iterable of str
        The network's asset ids (``net.registry``).
    statuses : iterable of str
        The allowed statuses (:data:`gridmodel.network.status.STATUSES`).

    Raises
    ------
    StatusError
        An unknown asset or status, a fraction outside [0, 1], a date that is not ISO or
        an end not after its start; every problem as ``file:line: column: message``.
    """
    schema = pa.DataFrameSchema({
        "asset_id": _ref(known_ids, "asset of the network (gridmodel network assets)"),
        "status": _col(one_of(statuses, "status")),
        "available_fraction": _col(number(ge=0, le=1), _fraction_fits_status(df["status"])),
        "start": _col(iso_date()),
        "end": _col(iso_date(), after(df["start"], "its start"), nullable=True),
        "source": pa.Column(nullable=True)})
    check_table(df, schema, path, StatusError)


#: the schema of ``availability.csv``: one factor in [0, 1] per technology
AVAILABILITY = pa.DataFrameSchema({
    "technology": unique_id(), "availability_factor": _col(number(ge=0, le=1)),
    "source": _col(text())})


def check_availability(df: pd.DataFrame, path: str | Path) -> None:
    """Validate an availability table (``availability.csv``) as read.

    Raises
    ------
    StatusError
        Every problem as ``file:line: column: message``.
    """
    check_table(df, AVAILABILITY, path, StatusError)


# ------------------------------------------------------------------ network.toml
class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _BuildTable(BaseModel):
    """A table only the network's build script reads (``[demand]``, ``[shunts]``)."""

    model_config = ConfigDict(extra="allow")


class _ImportsOnDate(_Table):
    start: DateText
    synchronous: bool = True
    commercial_mw: float = Field(0.0, ge=0)
    emergency_mw: float = Field(0.0, ge=0)
    practical_mw: float | None = Field(None, ge=0)
    source: str = ""


class _Imports(_Table):
    commercial_mw: float = Field(0.0, ge=0)
    emergency_mw: float = Field(0.0, ge=0)
    practical_peak_mw: float | None = Field(None, ge=0)
    by_date: list[_ImportsOnDate] = []


class _StatusRange(_Table):
    valid_from: DateText | None = None
    valid_to: DateText | None = None


class _Operation(_Table):
    generator_vm_pu: float | None = Field(None, gt=0)
    trip_loading: float | None = Field(None, gt=0)


class _Areas(_Table):
    timezone: TimeZone | None = None
    own_area_substations: list[str] = []


class _Plot(_Table):
    unlabelled_oblasts: list[str] = []


class _Nuclear(_Table):
    connection_substations: dict = {}


class NetworkFile(_Table):
    """``network.toml``: metadata and the parameters the code reads, each table's keys
    typed and ranged (an unknown key or table is an error naming its line); ``[demand]``
    and ``[shunts]`` belong to the build script. This model only validates: the readers
    of ``net.parameters`` keep their own defaults for keys left out."""

    name: str
    description: str
    version: str = ""
    licence: str = ""
    imports: _Imports | None = None
    status: _StatusRange | None = None
    operation: _Operation | None = None
    areas: _Areas | None = None
    plot: _Plot | None = None
    nuclear: _Nuclear | None = None
    demand: _BuildTable | None = None
    shunts: _BuildTable | None = None
