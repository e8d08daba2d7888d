"""A timeline's engine results as arrays: one row per engine run, a run per step.

:func:`gridmodel.outage.timeline.simulate_outages` runs the engine once per distinct
(asset state, demand) pair; on the fast engine's array path it keeps what those runs
returned as arrays (:class:`StepArrays`) and builds the tidy tables of
:class:`~gridmodel.outage.timeline.TimelineResult` (``loads``, ``islands``, ``oblasts``,
``classes``) from them only when they are read. The rolling blackouts
(:func:`gridmodel.outage.blackouts.rolling_blackouts`), the heat layer's power
(:func:`gridmodel.heat.grid.node_power`, :func:`gridmodel.heat.grid.island_energised`)
and the metrics (:mod:`gridmodel.metrics`) read the arrays directly, with the same
values as from the tables (``tests/test_step_arrays.py``): an ensemble replicate builds
no table of 88,000 rows to parse it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridmodel.outage._kernel import group_sums_nb
from gridmodel.outage.result import ISLAND_COLUMNS, LOAD_COLUMNS, island_members

#: the per-load columns of the ``loads`` table that change from run to run
PER_RUN_COLUMNS = ("island", "energised", "demand_mw", "served_mw", "shed_mw")
#: the columns summed by the ``oblasts`` and ``classes`` tables
SUM_COLUMNS = ["demand_mw", "served_mw", "shed_mw"]


@dataclass(eq=False)
class StepArrays:
    """The runs of one timeline and the run of every step.

    Attributes
    ----------
    model : gridmodel.outage._model.Model
        The compiled network's arrays (loads, sources and buses in model order).
    runs : gridmodel.outage.fast.DemandRuns
        One row per engine run (numbered in order of first use).
    load_alive : numpy.ndarray of bool, shape (runs, loads)
        Loads in service (not cut off by the strikes) in each run.
    step_run : numpy.ndarray of int, shape (steps,)
        Run of each step.
    times : pandas.DatetimeIndex
        Start of each step (UTC, sorted, distinct).
    network_cache : dict
        Kept with the compiled network (``CompiledNetwork.extra``): what consumers work
        out from the network alone (e.g. each load's supply area), shared by the
        timelines of that network.
    """

    model: object
    runs: object
    load_alive: np.ndarray
    step_run: np.ndarray
    times: pd.DatetimeIndex
    network_cache: dict = field(default_factory=dict)
    _derived: dict = field(default_factory=dict, repr=False)

    @property
    def n_loads(self) -> int:
        return len(self.model.load_id)

    def per_run(self, column: str) -> np.ndarray:
        """``column`` of :data:`PER_RUN_COLUMNS` per run and load, shape (runs, loads):
        ``island`` (-1: cut off), ``energised`` (in an energised island), ``demand_mw``,
        ``served_mw``, ``shed_mw``."""
        if column not in PER_RUN_COLUMNS:
            msg = f"unknown per-run column {column!r}; one of {PER_RUN_COLUMNS}."
            raise KeyError(msg)
        model, runs = self.model, self.runs
        if column in ("island", "energised"):
            if column not in self._derived:  # worked out once, read-only
                island = np.where(self.load_alive, runs.bus_island[:, model.load_bus], -1)
                energised = (island >= 0) & np.take_along_axis(
                    runs.energised, np.maximum(island, 0), axis=1)
                for name, arr in (("island", island), ("energised", energised)):
                    arr.setflags(write=False)
                    self._derived[name] = arr
            return self._derived[column]
        return {"demand_mw": runs.load_demand_mw, "served_mw": runs.served_mw,
                "shed_mw": runs.shed_mw}[column]

    def per_step(self, column: str) -> np.ndarray:
        """``column`` per step and load, shape (steps, loads) (:meth:`per_run` by step)."""
        return self.per_run(column)[self.step_run]

    def run_totals(self, column: str) -> np.ndarray:
        """Sum of ``column`` over the loads of each run, in load order with pandas'
        compensated summation: the ``groupby("time")`` sum of the ``loads`` table."""
        values = np.ascontiguousarray(self.per_run(column), dtype=float)[:, :, None]
        return group_sums_nb(values, np.zeros(self.n_loads, dtype=np.int64), 1)[:, 0, 0]

    # ------------------------------------------------------------------ tidy tables
    def loads_frame(self) -> pd.DataFrame:
        """The per-step load table (:data:`LOAD_COLUMNS` with ``time``)."""
        model = self.model
        n_steps = len(self.times)
        static = {"load_id": np.tile(model.load_id, n_steps),
                  "oblast": np.tile(model.load_oblast, n_steps),
                  "priority_class": np.tile(model.load_class, n_steps)}
        cols = {"time": self.times.repeat(self.n_loads)}
        for c in LOAD_COLUMNS:
            cols[c] = static[c] if c in static else self.per_step(c).reshape(-1)
        return pd.DataFrame(cols, columns=["time", *LOAD_COLUMNS])

    def islands_frame(self) -> pd.DataFrame:
        """The per-step island table (:data:`ISLAND_COLUMNS` with ``time, run``).

        Each run's islands are numbered from 0; they are stacked with an offset per run,
        so one ``bincount`` gives every run's per-island sums (in the same order as
        :func:`gridmodel.outage.result.island_columns`, hence the same floats).
        """
        model, runs, step_run = self.model, self.runs, self.step_run
        counts = runs.n_islands
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        n_total = int(counts.sum())
        labels = runs.bus_island
        glob = np.where(labels >= 0, labels + starts[:, None], -1)
        src_glob = glob[:, model.src_bus]
        mine = np.arange(labels.shape[1])[None, :] < counts[:, None]  # (run, island) used
        energised = runs.energised[mine]
        demand = runs.island_demand_mw[mine]
        served = runs.island_served_mw[mine]
        members_of: dict[bytes, list] = {}
        buses = np.empty(n_total, dtype=object)
        i = 0
        for r in range(len(counts)):
            key = labels[r].tobytes()
            members = members_of.get(key)
            if members is None:
                members = members_of[key] = island_members(model, int(counts[r]), labels[r])
            for m in members:
                buses[i] = list(m)
                i += 1
        per_island = {
            "island": np.arange(n_total, dtype=np.int64) - np.repeat(starts, counts),
            "n_buses": np.bincount(glob[glob >= 0], minlength=n_total),
            "buses": buses,
            "energised": energised,
            "generation_mw": np.bincount(src_glob[src_glob >= 0],
                                         weights=runs.dispatch_mw[src_glob >= 0],
                                         minlength=n_total),
            "demand_mw": demand,
            "served_mw": served,
            "shed_mw": demand - served,
            "converged": energised.copy(),  # method "dc" where energised, else "none"
            "method": np.where(energised, "dc", "none").astype(object),
            "cascade_rounds": np.repeat(runs.cascade_rounds, counts),
        }
        lens = counts[step_run]
        total = int(lens.sum())
        first = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        rows = np.arange(total, dtype=np.int64) + np.repeat(starts[step_run] - first, lens)
        cols = {"time": self.times.repeat(lens), "run": np.repeat(step_run, lens)}
        for c in ISLAND_COLUMNS:
            cols[c] = per_island[c][rows]
        return pd.DataFrame(cols, columns=["time", "run", *ISLAND_COLUMNS])

    def sums_frame(self, key: str) -> pd.DataFrame | None:
        """The ``oblasts`` (``key="oblast"``) or ``classes`` (``"priority_class"``) table:
        :data:`SUM_COLUMNS` per step and key, one sum per run.

        Equal to ``loads.groupby(["time", key], sort=True)[...].sum().reset_index()``
        (the kernel sums like pandas); None when the key has non-string values (then
        the caller groups the load table).
        """
        labels = {"oblast": self.model.load_oblast,
                  "priority_class": self.model.load_class}[key]
        if not all(type(v) is str for v in labels):
            return None
        runs = self.runs
        values = np.stack([runs.load_demand_mw, runs.served_mw, runs.shed_mw], axis=2)
        groups, codes = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
        per_run = group_sums_nb(values, codes.astype(np.int64), len(groups))
        per_step = per_run[self.step_run].reshape(-1, len(SUM_COLUMNS))
        cols = {"time": self.times.repeat(len(groups)), key: np.tile(groups, len(self.times))}
        cols.update({c: per_step[:, j] for j, c in enumerate(SUM_COLUMNS)})
        return pd.DataFrame(cols)

    # ------------------------------------------------------------------ what heat reads
    def bus_energised(self, bus_pos: np.ndarray) -> np.ndarray:
        """Whether each of the buses ``bus_pos`` (model positions) lies in an energised
        island, per step, shape (steps, buses); a step without islands is True (as
        :func:`gridmodel.heat.grid.island_energised` reads the island table: no rows, no
        information)."""
        runs = self.runs
        labels = runs.bus_island[:, bus_pos]
        lit = (labels >= 0) & np.take_along_axis(runs.energised, np.maximum(labels, 0),
                                                 axis=1)
        lit |= (runs.n_islands == 0)[:, None]
        return lit[self.step_run]
