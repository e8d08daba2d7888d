"""The result of one outage step: islands, loads, oblasts, branches, cascade log."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ISLAND_COLUMNS = ["island", "n_buses", "buses", "energised", "generation_mw", "demand_mw",
                  "served_mw", "shed_mw", "converged", "method", "cascade_rounds"]
LOAD_COLUMNS = ["load_id", "oblast", "priority_class", "island", "demand_mw", "served_mw",
                "shed_mw", "energised"]
OBLAST_COLUMNS = ["oblast", "demand_mw", "served_mw", "shed_mw", "shed_fraction"]
BRANCH_COLUMNS = ["asset_id", "element", "p_from_mw", "loading", "rating_mw", "in_service",
                  "tripped_round"]
CASCADE_COLUMNS = ["round", "asset_id", "loading"]
SOURCE_COLUMNS = ["asset_id", "element", "technology", "island", "capacity_mw", "p_mw"]


@dataclass
class OutageResult:
    """What one outage step does to the system.

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
    """

    islands: pd.DataFrame
    loads: pd.DataFrame
    oblasts: pd.DataFrame
    branches: pd.DataFrame
    cascade_log: pd.DataFrame
    removed: list[str]
    sources: pd.DataFrame
    engine: str
    cascade_rounds: int = 0
    cascade_status: str = "converged"
    import_cap_mw: float = float("inf")
    damaged: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def demand_mw(self) -> float:
        """Total demand [MW] (loads in service before the outages)."""
        return float(self.loads["demand_mw"].sum())

    @property
    def served_mw(self) -> float:
        """Total served demand [MW]."""
        return float(self.loads["served_mw"].sum())

    @property
    def shed_mw(self) -> float:
        """Total shed demand [MW]."""
        return float(self.loads["shed_mw"].sum())

    @property
    def n_islands(self) -> int:
        """Number of islands of live buses (energised or dark)."""
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


def island_members(model, n_islands: int, bus_island: np.ndarray) -> list[list[str]]:
    """Bus names of each island, in bus order (``buses`` column of the island table)."""
    idx = np.flatnonzero(bus_island >= 0)
    isl = bus_island[idx]
    order = np.argsort(isl, kind="stable")
    names = model.bus_name[idx[order]].tolist()
    counts = np.bincount(isl, minlength=n_islands)[:n_islands]
    ends = np.cumsum(counts).tolist()
    members: list[list[str]] = []
    start = 0
    for end in ends:
        members.append(names[start:end])
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
        "converged": np.isin(island_method, ("ac", "dc")),
        "method": island_method.astype(object),
        "cascade_rounds": np.full(n_islands, cascade_rounds, dtype=np.int64),
    }


def load_columns(model, state, bus_island: np.ndarray, balance) -> dict:
    """Columns of the per-load table (:data:`LOAD_COLUMNS`) as arrays."""
    load_island = np.where(state.load_alive, bus_island[model.load_bus], -1)
    energised_isl = balance.energised
    load_energised = (load_island >= 0) & energised_isl[np.maximum(load_island, 0)]
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


def build_result(model, state, *, engine: str, n_islands: int, bus_island: np.ndarray,
                 balance, island_method: np.ndarray, p_from_mw: np.ndarray,
                 loading: np.ndarray, br_alive: np.ndarray, tripped_round: np.ndarray,
                 cascade_log: list[tuple[int, str, float]], cascade_rounds: int,
                 cascade_status: str, src_cap_mw: np.ndarray) -> OutageResult:
    """Assemble an :class:`OutageResult` from the arrays of an engine run.

    Both engines call this, so their results have the same shape by construction.
    """
    islands = pd.DataFrame(island_columns(model, n_islands, bus_island, balance, island_method,
                                          cascade_rounds), columns=ISLAND_COLUMNS)
    loads = pd.DataFrame(load_columns(model, state, bus_island, balance), columns=LOAD_COLUMNS)
    ob = loads.groupby("oblast", sort=True)[["demand_mw", "served_mw", "shed_mw"]].sum()
    ob = ob.reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        ob["shed_fraction"] = np.where(ob["demand_mw"] > 0, ob["shed_mw"] / ob["demand_mw"], 0.0)
    branches = pd.DataFrame({
        "asset_id": model.br_asset,
        "element": model.br_element,
        "p_from_mw": p_from_mw,
        "loading": loading,
        "rating_mw": state.br_rating_mw,
        "in_service": br_alive.astype(bool),
        "tripped_round": tripped_round.astype(np.int64),
    }, columns=BRANCH_COLUMNS)
    log = pd.DataFrame(cascade_log, columns=CASCADE_COLUMNS)
    log["round"] = log["round"].astype(np.int64)
    log["loading"] = log["loading"].astype(float)
    src_island = bus_island[model.src_bus]
    sources = pd.DataFrame({
        "asset_id": model.src_asset,
        "element": model.src_element,
        "technology": np.where(model.src_is_import, "import", model.src_technology),
        "island": src_island,
        "capacity_mw": src_cap_mw,
        "p_mw": balance.dispatch_mw,
    }, columns=SOURCE_COLUMNS)
    return OutageResult(
        islands=islands,
        loads=loads,
        oblasts=ob[OBLAST_COLUMNS],
        branches=branches,
        cascade_log=log,
        removed=list(state.removed),
        sources=sources,
        engine=engine,
        cascade_rounds=int(cascade_rounds),
        cascade_status=cascade_status,
        import_cap_mw=float(state.import_cap_mw),
        damaged=dict(state.damaged),
    )
