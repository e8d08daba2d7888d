"""The outage engine: what a set of struck assets does to the system in one step.

:func:`simulate_outage` finds islands, balances each one (dispatch, priority load
shedding), runs the power flow per island and trips overloaded branches until the
system settles. The compiled engine (:mod:`gridmodel.outage.fast`) gives the same DC
answer orders of magnitude faster for ensembles.
"""

from __future__ import annotations

from gridmodel.outage.balance import SHED_ORDER
from gridmodel.outage.engine import simulate_outage
from gridmodel.outage.fast import CompiledNetwork, Evaluation, compile_network, evaluate
from gridmodel.outage.result import OutageResult

__all__ = ["SHED_ORDER", "CompiledNetwork", "Evaluation", "OutageResult", "compile_network",
           "evaluate", "simulate_outage"]
