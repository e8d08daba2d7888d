"""The result of one outage step: islands, loads, oblasts, branches, cascade log.

The engines hand :func:`build_result` their arrays; the tables of :class:`OutageResult`
are built from them on first read (a caller that reads the totals and one table pays for
that table only), with the same values, dtypes and index as when they were built at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas._libs.internals import BlockPlacement
from pandas.core.internals.blocks import new_block_2d
from pandas.core.internals.managers import BlockManager

from gridmodel.outage._kernel import group_sums_nb
from gridmodel.outage.islands import energised_buses

ISLAND_COLUMNS = ["island", "n_buses", "buses", "energised", "generation_mw", "demand_mw",
                  "served_mw", "shed_mw", "converged", "method", "cascade_rounds"]
LOAD_COLUMNS = ["load_id", "oblast", "priority_class", "island", "demand_mw", "served_mw",
                "shed_mw", "energised"]
OBLAST_COLUMNS = ["oblast", "demand_mw", "served_mw", "shed_mw", "shed_fraction"]
BRANCH_COLUMNS = ["asset_id", "element", "p_from_mw", "loading", "rating_mw", "in_service",
                  "tripped_round"]
CASCADE_COLUMNS = ["round", "asset_id", "loading"]
SOURCE_COLUMNS = ["asset_id", "element", "technology", "island", "capacity_mw", "p_mw"]
#: the tables of :class:`OutageResult`, in the order of its constructor
TABLES = ("islands", "loads", "oblasts", "branches", "cascade_log", "sources")


class LazyTable:
    """A table attribute (of :class:`OutageResult`, and of
    :class:`~gridmodel.outage.timeline.TimelineResult`): a DataFrame, or a function
    without arguments that builds it, called on first read and replaced by what it
    returns. The owner keeps its tables in a dict ``_tables``."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        value = obj._tables[self.name]
        if not isinstance(value, pd.DataFrame):
            value = obj._tables[self.name] = value()
        return value

    def __set__(self, obj, value) -> None:
        obj._tables[self.name] = value


class LazyTables:
    """Base of a result whose :class:`LazyTable` attributes are listed in ``TABLES``:
    pickling and copies build every table first (the functions that build them are
    closures over arrays, which do not pickle)."""

    TABLES: tuple = ()

    def __getstate__(self) -> dict:
        state = dict(vars(self))
        state["_tables"] = {name: getattr(self, name) for name in self.TABLES}
        return state

    def __setstate__(self, state: dict) -> None:
        vars(self).update(state)


class OutageResult(LazyTables):
    """What one outage step does to the system.

    The tables may be given as DataFrames or as functions without arguments that build
    them; such a table is built on its first read and kept (:func:`build_result` passes
    functions, so a caller pays only for the tables it reads). ``load_arrays`` (the
    per-load columns the ``loads`` function builds from) and ``n_islands`` give the totals
    and the island count while those tables are not built.

    Attributes
    ----------
    islands : pandas.DataFrame
        One row per island of live buses: ``island, n_buses, buses`` (bus ids),
        ``energised, generation_mw, demand_mw, served_mw, shed_mw, converged, method``
        (``"ac"``, ``"dc"`` or ``"none"`` for a dark island, whose ``converged`` is
        False) and ``cascade_rounds`` (rounds of the whole step). Invariant:
        ``served_mw + shed_mw == demand_mw`` in every row.
    loads : pandas.DataFrame
        ``load_id, oblast, priority_class, island`` (``-1``: cut off by the strike),
        ``demand_mw, served_mw, shed_mw, energised``.
    oblasts : pandas.DataFrame
        ``oblast, demand_mw, served_mw, shed_mw, shed_fraction``.
    branches : pandas.DataFrame
        ``asset_id, element`` (``line``/``trafo``), ``p_from_mw`` (from/hv end, 0 when
        out or dark), ``loading`` (fraction of the rating, see
        :mod:`gridmodel.outage.cascade`), ``rating_mw``, ``in_service`` (at the end of
        the step) and ``tripped_round`` (``-1`` never, ``0`` removed by the outages,
        ``k >= 1`` tripped by overload in cascade round ``k``).
    cascade_log : pandas.DataFrame
        ``round, asset_id, loading`` of every branch that tripped on overload.
    removed : list of str
        Asset ids the outages removed (fraction 0).
    damaged : dict
        ``{asset_id: remaining_fraction}`` of the damaged assets (``0 < f < 1``).
    sources : pandas.DataFrame
        ``asset_id, element, technology`` (``"import"`` for interconnectors),
        ``island`` (``-1`` on a dead bus), ``capacity_mw`` (after damage and the
        import cap) and ``p_mw`` (dispatch from the balance).
    engine : str
        ``"pandapower"`` or ``"fast"``.
    cascade_rounds : int
        Rounds in which branches tripped.
    cascade_status : str
        ``"converged"`` (no overload left) or ``"limit hit"``.
    import_cap_mw : float
        Import cap used [MW] (``inf`` for none).
    model_warnings : tuple of str
        The :class:`~gridmodel.errors.ModelWarning` messages of the step, each once (an
        island whose line limits could not be held:
        :class:`~gridmodel.errors.LineLimitWarning`); set by
        :func:`~gridmodel.outage.engine.simulate_outage`.
    nuclear_trips : tuple of str
        Nuclear plants that :func:`~gridmodel.outage.engine.simulate_outage` tripped
        because the outages hit their connection substations or every outlet
        (:mod:`gridmodel.outage.nuclear`); also in :attr:`removed`. Empty when none did
        or the rule was off.
    """

    TABLES = TABLES
    islands = LazyTable()
    loads = LazyTable()
    oblasts = LazyTable()
    branches = LazyTable()
    cascade_log = LazyTable()
    sources = LazyTable()

    def __init__(self, islands: pd.DataFrame | Callable[[], pd.DataFrame],
                 loads: pd.DataFrame | Callable[[], pd.DataFrame],
                 oblasts: pd.DataFrame | Callable[[], pd.DataFrame],
                 branches: pd.DataFrame | Callable[[], pd.DataFrame],
                 cascade_log: pd.DataFrame | Callable[[], pd.DataFrame],
                 removed: list[str],
                 sources: pd.DataFrame | Callable[[], pd.DataFrame],
                 engine: str, cascade_rounds: int = 0, cascade_status: str = "converged",
                 import_cap_mw: float = math.inf, damaged: dict | None = None,
                 extra: dict | None = None, *, load_arrays: dict | None = None,
                 n_islands: int | None = None) -> None:
        self._load_arrays = load_arrays
        self._n_islands = n_islands
        self._tables: dict = {"islands": islands, "loads": loads, "oblasts": oblasts,
                              "branches": branches, "cascade_log": cascade_log,
                              "sources": sources}
        self.removed = removed
        self.engine = engine
        self.cascade_rounds = cascade_rounds
        self.cascade_status = cascade_status
        self.import_cap_mw = import_cap_mw
        self.damaged = {} if damaged is None else damaged
        self.extra = {} if extra is None else extra
        self.model_warnings: tuple[str, ...] = ()
        self.nuclear_trips: tuple[str, ...] = ()

    def _load_total(self, column: str) -> float:
        """Sum of a column of :attr:`loads` [MW], from the engine's arrays while the
        table is not built (the same float as the table's ``sum()``)."""
        if self._load_arrays is not None and not isinstance(self._tables["loads"],
                                                            pd.DataFrame):
            return float(np.nansum(self._load_arrays[column]))
        return float(self.loads[column].sum())

    @property
    def demand_mw(self) -> float:
        """Total demand [MW] (loads in service before the outages)."""
        return self._load_total("demand_mw")

    @property
    def served_mw(self) -> float:
        """Total served demand [MW]."""
        return self._load_total("served_mw")

    @property
    def shed_mw(self) -> float:
        """Total shed demand [MW]."""
        return self._load_total("shed_mw")

    @property
    def n_islands(self) -> int:
        """Number of islands of live buses (energised or dark)."""
        if self._n_islands is not None and not isinstance(self._tables["islands"],
                                                          pd.DataFrame):
            return self._n_islands
        return len(self.islands)

    def summary(self, max_rows: int = 15) -> str:
        """Readable summary: totals, islands, the oblasts that lose most, the cascade.

        Parameters
        ----------
        max_rows : int
            Rows shown per table.
        """
        d = self.demand_mw
        pct = 100.0 * self.shed_mw / d if d > 0 else 0.0
        isl = self.islands
        n_dark = int((~isl["energised"]).sum()) if len(isl) else 0
        lines = [
            f"Outage step ({self.engine} engine): {len(self.removed)} asset(s) removed, "
            f"{len(self.damaged)} damaged, "
            f"{self.n_islands} island(s), {n_dark} dark.",
            f"Demand {d:,.1f} MW, served {self.served_mw:,.1f} MW, shed {self.shed_mw:,.1f} MW "
            f"({pct:.1f} %).",
            f"Cascade: {self.cascade_rounds} round(s), {len(self.cascade_log)} branch(es) "
            f"tripped on overload, {self.cascade_status}.",
        ]
        if self.nuclear_trips:
            lines.append(f"Nuclear response: {len(self.nuclear_trips)} plant(s) tripped, "
                         f"their switchyards hit: {', '.join(self.nuclear_trips)}.")
        cut_off = self.loads.loc[self.loads["island"] < 0, "shed_mw"].sum()
        if cut_off > 0:
            lines.append(f"Loads cut off at struck buses: {cut_off:,.1f} MW shed.")
        if len(isl):
            cols = ["island", "n_buses", "energised", "method", "generation_mw", "demand_mw",
                    "served_mw", "shed_mw"]
            show = isl.sort_values("demand_mw", ascending=False).head(max_rows)[cols]
            lines += ["", "Islands (largest demand first):",
                      show.to_string(index=False, float_format=lambda v: f"{v:,.1f}")]
            if len(isl) > max_rows:
                lines.append(f"... {len(isl) - max_rows} more island(s)")
        ob = self.oblasts[self.oblasts["shed_mw"] > 0].sort_values("shed_mw", ascending=False)
        if len(ob):
            lines += ["", "Oblasts with shed load:",
                      ob.head(max_rows).to_string(index=False,
                                                  float_format=lambda v: f"{v:,.2f}")]
        by_class = self.loads.groupby("priority_class")[["demand_mw", "shed_mw"]].sum()
        if len(by_class):
            lines += ["", "Shed by priority class [MW]:",
                      by_class.to_string(float_format=lambda v: f"{v:,.1f}")]
        if len(self.cascade_log):
            lines += ["", "Cascade trips:",
                      self.cascade_log.head(max_rows).to_string(
                          index=False, float_format=lambda v: f"{v:.3f}")]
        if self.removed:
            shown = ", ".join(self.removed[:max_rows])
            more = f" (+{len(self.removed) - max_rows})" if len(self.removed) > max_rows else ""
            lines += ["", f"Removed: {shown}{more}"]
        if self.damaged:
            items = list(self.damaged.items())
            shown = ", ".join(f"{a} ({f:.0%} left)" for a, f in items[:max_rows])
            more = f" (+{len(items) - max_rows})" if len(items) > max_rows else ""
            lines += [f"Damaged: {shown}{more}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"OutageResult(engine={self.engine!r}, n_islands={self.n_islands}, "
                f"demand_mw={self.demand_mw:.1f}, served_mw={self.served_mw:.1f}, "
                f"shed_mw={self.shed_mw:.1f}, cascade_rounds={self.cascade_rounds})")


def island_members(model, n_islands: int, bus_island: np.ndarray) -> np.ndarray:
    """Bus names of each island, in bus order (``buses`` column of the island table): an
    object array of lists."""
    idx = np.flatnonzero(bus_island >= 0)
    isl = bus_island[idx]
    order = np.argsort(isl, kind="stable")
    names = model.bus_name[idx[order]].tolist()
    counts = np.bincount(isl, minlength=n_islands)[:n_islands]
    ends = np.cumsum(counts).tolist()
    members = np.empty(n_islands, dtype=object)
    start = 0
    for k, end in enumerate(ends):
        members[k] = names[start:end]
        start = end
    return members


def island_columns(model, n_islands: int, bus_island: np.ndarray, balance,
                   island_method: np.ndarray, cascade_rounds: int) -> dict:
    """Columns of the island table (:data:`ISLAND_COLUMNS`) as arrays."""
    src_island = bus_island[model.src_bus]
    gen_isl = np.bincount(src_island[src_island >= 0],
                          weights=balance.dispatch_mw[src_island >= 0],
                          minlength=n_islands)[:n_islands]
    return {
        "island": np.arange(n_islands, dtype=np.int64),
        "n_buses": np.bincount(bus_island[bus_island >= 0], minlength=n_islands)[:n_islands],
        "buses": island_members(model, n_islands, bus_island),
        "energised": balance.energised.astype(bool),
        "generation_mw": gen_isl,
        "demand_mw": balance.island_demand_mw,
        "served_mw": balance.island_served_mw,
        "shed_mw": balance.island_demand_mw - balance.island_served_mw,
        "converged": (island_method == "ac") | (island_method == "dc"),
        "method": island_method.astype(object),
        "cascade_rounds": np.full(n_islands, cascade_rounds, dtype=np.int64),
    }


def load_columns(model, state, bus_island: np.ndarray, balance) -> dict:
    """Columns of the per-load table (:data:`LOAD_COLUMNS`) as arrays."""
    load_island = np.where(state.load_alive, bus_island[model.load_bus], -1)
    load_energised = energised_buses(load_island, balance.energised)
    return {
        "load_id": model.load_id,
        "oblast": model.load_oblast,
        "priority_class": model.load_class,
        "island": load_island,
        "demand_mw": state.load_demand_mw,
        "served_mw": balance.served_mw,
        "shed_mw": balance.shed_mw,
        "energised": load_energised,
    }


#: column labels of the frames :func:`_frame` builds (an Index is immutable: shared)
_COLUMN_LABELS: dict[tuple, pd.Index] = {}


def _frame(columns: dict) -> pd.DataFrame:
    """``pd.DataFrame(columns)`` for 1-D numpy columns of numbers, booleans or objects.

    The columns are copied into one 2-D block per dtype and the frame is made from
    those blocks, without the per-column checks and type inference of the public
    constructor (which takes about three times as long on the 500-row load table);
    ``tests/test_outage_result_lazy.py`` checks the frames equal the public
    constructor's. Other columns (strings of fixed width, lists) go through the public
    constructor.
    """
    arrays = list(columns.values())
    n = len(arrays[0]) if arrays else 0
    if not arrays or any(not isinstance(a, np.ndarray) or a.ndim != 1
                         or a.dtype.kind not in "biufO" or len(a) != n for a in arrays):
        return pd.DataFrame(columns)
    names = tuple(columns)
    labels = _COLUMN_LABELS.get(names)
    if labels is None:
        labels = _COLUMN_LABELS[names] = pd.Index(list(names))
    by_dtype: dict = {}
    for k, a in enumerate(arrays):
        by_dtype.setdefault(a.dtype, []).append(k)
    blocks = []
    for dtype, positions in by_dtype.items():
        values = np.empty((len(positions), n), dtype=dtype)
        for row, k in enumerate(positions):
            values[row] = arrays[k]
        blocks.append(new_block_2d(values, BlockPlacement(np.array(positions, dtype=np.intp))))
    mgr = BlockManager(tuple(blocks), [labels, pd.RangeIndex(n)], verify_integrity=False)
    return pd.DataFrame._from_mgr(mgr, axes=mgr.axes)


def oblast_table(model, load_cols: dict) -> pd.DataFrame:
    """The oblast table (:data:`OBLAST_COLUMNS`) from the per-load columns.

    Oblasts in sorted order, sums as ``loads.groupby("oblast", sort=True).sum()`` (the
    compensated summation of :func:`~gridmodel.outage._kernel.group_sums_nb`);
    ``shed_fraction`` is ``shed_mw / demand_mw`` (0 without demand).
    """
    codes = model.cache.get("oblast_codes")
    if codes is None:
        names, inverse = np.unique(model.load_oblast, return_inverse=True)
        codes = model.cache["oblast_codes"] = (names.astype(object),
                                               inverse.astype(np.int64))
    names, inverse = codes
    values = np.column_stack([np.asarray(load_cols[c], dtype=np.float64)
                              for c in ("demand_mw", "served_mw", "shed_mw")])
    sums = group_sums_nb(values[None], inverse, len(names))[0]
    demand, served, shed = sums[:, 0], sums[:, 1], sums[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(demand > 0, shed / demand, 0.0)
    return _frame({"oblast": names, "demand_mw": demand, "served_mw": served,
                   "shed_mw": shed, "shed_fraction": fraction})


def build_result(model, state, *, engine: str, n_islands: int, bus_island: np.ndarray,
                 balance, island_method: np.ndarray, p_from_mw: np.ndarray,
                 loading: np.ndarray, br_alive: np.ndarray, tripped_round: np.ndarray,
                 cascade_log: list[tuple[int, str, float]], cascade_rounds: int,
                 cascade_status: str, src_cap_mw: np.ndarray) -> OutageResult:
    """Assemble an :class:`OutageResult` from the arrays of an engine run.

    Both engines call this, so their results have the same shape by construction. The
    tables are built on first read from the arrays given here, which the engines do not
    touch again.
    """
    load_cols = load_columns(model, state, bus_island, balance)

    def islands() -> pd.DataFrame:
        return _frame(island_columns(model, n_islands, bus_island, balance, island_method,
                                     cascade_rounds))

    def branches() -> pd.DataFrame:
        return _frame({
            "asset_id": model.br_asset,
            "element": model.br_element,
            "p_from_mw": p_from_mw,
            "loading": loading,
            "rating_mw": state.br_rating_mw,
            "in_service": br_alive.astype(bool),
            "tripped_round": tripped_round.astype(np.int64),
        })

    def log() -> pd.DataFrame:
        ids = np.empty(len(cascade_log), dtype=object)
        ids[:] = [a for _, a, _ in cascade_log]
        return _frame({"round": np.array([r for r, _, _ in cascade_log], dtype=np.int64),
                       "asset_id": ids,
                       "loading": np.array([x for _, _, x in cascade_log], dtype=float)})

    def sources() -> pd.DataFrame:
        return _frame({
            "asset_id": model.src_asset,
            "element": model.src_element,
            "technology": np.where(model.src_is_import, "import",
                                   model.src_technology).astype(object),
            "island": bus_island[model.src_bus],
            "capacity_mw": src_cap_mw,
            "p_mw": balance.dispatch_mw,
        })

    return OutageResult(
        islands=islands,
        loads=lambda: _frame(load_cols),
        oblasts=lambda: oblast_table(model, load_cols),
        branches=branches,
        cascade_log=log,
        removed=list(state.removed),
        sources=sources,
        engine=engine,
        cascade_rounds=int(cascade_rounds),
        cascade_status=cascade_status,
        import_cap_mw=float(state.import_cap_mw),
        damaged=dict(state.damaged),
        load_arrays=load_cols,
        n_islands=int(n_islands),
    )
