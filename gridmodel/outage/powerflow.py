"""Power flow per island with pandapower (AC with DC fallback, or DC only).

:class:`PandapowerFlow` owns a private copy of the caller's net (the caller's net is
never touched). The copy is prepared once:

- every ``ext_grid`` becomes a fixed-output ``gen`` (so the balance can dispatch it) and
  every ``gen`` is a PV generator without the slack flag;
- load and generator ``scaling`` are set to 1 (the balance already applied them);
- shunt active power (``p_mw``) is set to 0: the balance covers loads and sources only,
  so that generation equals served load exactly in DC.

Each round then writes the balance into the copy (generator ``p_mw`` = dispatch, load
``p_mw`` = served), switches dark islands off, and adds one ``ext_grid`` per energised
island at the bus of its largest source (largest available capacity, ties to the first).
In DC every island is balanced, so the slack picks up exactly 0 MW and the flows do not
depend on the choice of slack.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import pandapower as pp
from pandapower.auxiliary import LoadflowNotConverged

from gridmodel.errors import SimulationError
from gridmodel.outage.islands import energised_buses

#: pandapower tables with a single ``bus`` column that the flow switches with their bus
_BUS_TABLES = ("gen", "sgen", "load", "shunt", "ext_grid", "storage", "ward", "xward",
               "motor", "asymmetric_load", "asymmetric_sgen")


@dataclass
class FlowResult:
    """Flows of one round.

    Attributes
    ----------
    p_from_mw : numpy.ndarray
        Active power at the from/hv end per branch [MW]; 0 where out or dark.
    loading_ac : numpy.ndarray or None
        pandapower ``loading_percent / 100`` per branch for islands solved in AC
        (NaN elsewhere); None when no island was solved in AC.
    method : numpy.ndarray of object
        ``"ac"``, ``"dc"`` or ``"none"`` per island.
    """

    p_from_mw: np.ndarray
    loading_ac: np.ndarray | None
    method: np.ndarray


class PandapowerFlow:
    """Runs the flows of an outage step on a private, prepared copy of ``net``.

    Parameters
    ----------
    net : pandapowerNet
        The caller's network (copied, never changed).
    model : gridmodel.outage._model.Model
        Array view of ``net``.
    state : gridmodel.outage._model.State
        The scenario after the outages.
    """

    def __init__(self, net, model, state) -> None:
        self.model = model
        self.state = state
        work = copy.deepcopy(net)
        self.net = work
        # sources: ext_grid -> fixed gen
        self.src_table = model.src_element.copy()
        self.src_row = model.src_index.copy()
        work.gen["slack"] = False
        if len(work.ext_grid):
            for k in np.flatnonzero(model.src_element == "ext_grid"):
                eg = work.ext_grid.loc[model.src_index[k]]
                gi = pp.create_gen(work, int(eg["bus"]), p_mw=0.0, vm_pu=float(eg["vm_pu"]),
                                   in_service=bool(eg["in_service"]))
                self.src_table[k] = "gen"
                self.src_row[k] = gi
            work.ext_grid.drop(work.ext_grid.index, inplace=True)
        for tab in ("gen", "sgen", "load"):
            if "scaling" in work[tab].columns:
                work[tab]["scaling"] = 1.0
        if len(work.shunt):
            work.shunt["p_mw"] = 0.0
        self.q0 = work.load["q_mvar"].to_numpy(float).copy()
        self.base_in = {t: work[t]["in_service"].to_numpy(bool).copy()
                        for t in _BUS_TABLES if t in work and len(work[t])}
        if len(work.shunt):
            pos = {int(i): k for k, i in enumerate(work.shunt.index)}
            shunt_in = np.zeros(len(work.shunt), bool)
            shunt_in[[pos[int(i)] for i in model.shunt_index]] = state.shunt_in
            self.base_in["shunt"] = shunt_in
        bus_pos = model.bus_pos
        self.table_bus = {t: np.array([bus_pos[int(b)] for b in work[t]["bus"]], dtype=np.int64)
                          for t in self.base_in}
        self.n_line = int((model.br_element == "line").sum())
        self.src_by_table = {t: (np.flatnonzero(self.src_table == t),
                                 self.src_row[self.src_table == t]) for t in ("gen", "sgen")}
        self.gen_vm = work.gen["vm_pu"].to_numpy(float) if len(work.gen) else np.zeros(0)
        # struck plants and loads are switched off (a destroyed plant holds no voltage in AC)
        gone = (model.src_cap_mw > 0) & (state.src_cap_mw <= 0)
        for t, (ks, rows) in self.src_by_table.items():
            if len(ks) and t in self.base_in:
                posn = work[t].index.get_indexer(rows)
                self.base_in[t][posn[gone[ks]]] = False
        if "load" in self.base_in:
            posn = work.load.index.get_indexer(model.load_index)
            self.base_in["load"][posn[~state.load_alive]] = False

    # ------------------------------------------------------------------ set-up
    def islands_nx(self, bus_alive: np.ndarray, br_alive: np.ndarray) -> list[set[int]]:
        """Islands of the live topology via networkx (:func:`islands.islands_nx`)."""
        from gridmodel.outage.islands import islands_nx

        work = self.net
        work.bus["in_service"] = bus_alive
        work.line["in_service"] = br_alive[: self.n_line]
        work.trafo["in_service"] = br_alive[self.n_line:]
        return islands_nx(work)

    def _write_round(self, labels: np.ndarray, balance, br_alive: np.ndarray,
                     src_cap_mw: np.ndarray) -> None:
        work, model = self.net, self.model
        bus_on = energised_buses(labels, balance.energised)
        self.bus_on = bus_on
        work.bus["in_service"] = bus_on
        on = br_alive & bus_on[model.br_from]
        work.line["in_service"] = on[: self.n_line]
        work.trafo["in_service"] = on[self.n_line:]
        for t, base in self.base_in.items():
            if t == "ext_grid":
                continue
            work[t]["in_service"] = base & bus_on[self.table_bus[t]]
        # dispatch and served load
        for t, (ks, rows) in self.src_by_table.items():
            if len(ks):
                work[t].loc[rows, "p_mw"] = balance.dispatch_mw[ks]
                if t == "sgen":
                    work[t].loc[rows, "q_mvar"] = 0.0
        served = balance.served_mw
        demand = self.state.load_demand_mw
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(demand > 0, served / np.where(demand > 0, demand, 1.0), 0.0)
        lrow = model.load_index
        work.load.loc[lrow, "p_mw"] = served
        work.load.loc[lrow, "q_mvar"] = self.q0 * frac
        # one slack per energised island, at its largest source
        if len(work.ext_grid):
            work.ext_grid.drop(work.ext_grid.index, inplace=True)
        src_isl = np.where(src_cap_mw > 0, labels[model.src_bus], -1)
        self.slack_island = []
        for isl in np.flatnonzero(balance.energised):
            ks = np.flatnonzero(src_isl == isl)
            k = ks[np.argmax(src_cap_mw[ks])]
            bus = int(model.bus_index[model.src_bus[k]])
            vm = 1.0
            if self.src_table[k] == "gen":
                vm = float(work.gen.at[self.src_row[k], "vm_pu"])
            else:
                same = np.flatnonzero((self.src_table == "gen") & (src_cap_mw > 0)
                                      & (model.src_bus == model.src_bus[k]))
                if len(same):
                    vm = float(work.gen.at[self.src_row[same[0]], "vm_pu"])
            pp.create_ext_grid(work, bus, vm_pu=vm)
            self.slack_island.append(isl)
        self.slack_island = np.array(self.slack_island, dtype=np.int64)
        self.labels = labels

    def _restrict(self, island: int | None) -> dict:
        """Switch everything outside ``island`` off; return what to restore."""
        if island is None:
            return {}
        work, model = self.net, self.model
        keep = self.labels == island
        saved = {"bus": work.bus["in_service"].to_numpy(bool).copy(),
                 "line": work.line["in_service"].to_numpy(bool).copy(),
                 "trafo": work.trafo["in_service"].to_numpy(bool).copy()}
        work.bus["in_service"] = saved["bus"] & keep
        inb = keep[model.br_from]
        work.line["in_service"] = saved["line"] & inb[: self.n_line]
        work.trafo["in_service"] = saved["trafo"] & inb[self.n_line:]
        for t in self.base_in:
            if t == "ext_grid":
                continue
            saved[t] = work[t]["in_service"].to_numpy(bool).copy()
            work[t]["in_service"] = saved[t] & keep[self.table_bus[t]]
        saved["ext_grid"] = work.ext_grid["in_service"].to_numpy(bool).copy()
        work.ext_grid["in_service"] = self.slack_island == island
        return saved

    def _restore(self, saved: dict) -> None:
        for t, v in saved.items():
            self.net[t]["in_service"] = v

    # ------------------------------------------------------------------ runs
    def _run(self, ac: bool) -> bool:
        """One pandapower run; True when it converged without NaN on live elements."""
        try:
            # pandapower's numerical warnings are replaced by the explicit NaN check
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if ac:
                    pp.runpp(self.net, init="dc", calculate_voltage_angles=True)
                else:
                    pp.rundcpp(self.net)
        except LoadflowNotConverged:
            if not ac:
                raise
            return False
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
            if ac:
                return False
            msg = f"pandapower DC power flow failed: {type(exc).__name__}: {exc}"
            raise SimulationError(msg) from exc
        return self._finite()

    def _finite(self) -> bool:
        work = self.net
        bus_on = work.bus["in_service"].to_numpy(bool)
        va = work.res_bus["va_degree"].to_numpy(float)[bus_on]
        pl = work.res_line["p_from_mw"].to_numpy(float)[work.line["in_service"].to_numpy(bool)]
        pt = work.res_trafo["p_hv_mw"].to_numpy(float)[work.trafo["in_service"].to_numpy(bool)]
        return bool(np.isfinite(va).all() and np.isfinite(pl).all() and np.isfinite(pt).all())

    def _collect(self, mask_br: np.ndarray, p: np.ndarray, loading: np.ndarray | None) -> None:
        work = self.net
        pf = np.concatenate([work.res_line["p_from_mw"].to_numpy(float),
                             work.res_trafo["p_hv_mw"].to_numpy(float)])
        p[mask_br] = pf[mask_br]
        if loading is not None:
            lp = np.concatenate([work.res_line["loading_percent"].to_numpy(float),
                                 work.res_trafo["loading_percent"].to_numpy(float)]) / 100.0
            loading[mask_br] = lp[mask_br]

    def flow(self, labels: np.ndarray, balance, br_alive: np.ndarray, src_cap_mw: np.ndarray,
             ac: bool) -> FlowResult:
        """Write one round's balance into the copy and solve every energised island.

        Raises
        ------
        SimulationError
            A DC result with NaN angles or flows on live elements.
        """
        model = self.model
        self._write_round(labels, balance, br_alive, src_cap_mw)
        n_isl = len(balance.energised)
        method = np.array(["none"] * n_isl, dtype=object)
        p = np.zeros(model.n_branch)
        loading = np.full(model.n_branch, np.nan) if ac else None
        on_br = br_alive & self.bus_on[model.br_from]
        if not balance.energised.any():
            return FlowResult(p, loading, method)
        br_isl = labels[model.br_from]
        if ac and self._run(ac=True):
            self._collect(on_br, p, loading)
            method[balance.energised] = "ac"
            return FlowResult(p, loading, method)
        if not ac:
            if not self._run(ac=False):
                bad = model.bus_name[self.bus_on & ~np.isfinite(
                    self.net.res_bus["va_degree"].to_numpy(float))][:10].tolist()
                msg = ("pandapower DC power flow returned NaN on live elements (buses "
                       f"{bad}); the result cannot be used.")
                raise SimulationError(msg)
            self._collect(on_br, p, None)
            method[balance.energised] = "dc"
            return FlowResult(p, loading, method)
        # AC failed for the system as a whole: island by island, DC fallback
        for isl in np.flatnonzero(balance.energised):
            saved = self._restrict(int(isl))
            try:
                mask = on_br & (br_isl == isl)
                if self._run(ac=True):
                    self._collect(mask, p, loading)
                    method[isl] = "ac"
                elif self._run(ac=False):
                    self._collect(mask, p, None)
                    method[isl] = "dc"
                else:
                    msg = (f"island {isl}: AC did not converge and the DC fallback returned "
                           "NaN; the result cannot be used.")
                    raise SimulationError(msg)
            finally:
                self._restore(saved)
        return FlowResult(p, loading, method)
