"""The compiled-network cache is reused while the net is unchanged, and only then."""

from __future__ import annotations

import copy

import gridmodel
from gridmodel.outage.fast import compile_cached, fingerprint


def test_cache_reused_and_invalidated_by_edits():
    net = gridmodel.load_network("ukraine")
    first = compile_cached(net)
    assert compile_cached(net) is first
    assert fingerprint(copy.deepcopy(net)) == fingerprint(net)
    net.line.loc[net.line.index[3], "x_ohm_per_km"] *= 1.001
    second = compile_cached(net)
    assert second is not first
    assert (second.b_pu != first.b_pu).sum() == 1
    key = fingerprint(net)
    net.registry.loc[net.registry.index[5], "name"] = "renamed"
    assert fingerprint(net) != key
    net.parameters["operation"]["trip_loading"] = 1.3
    assert compile_cached(net).extra["trip_loading"] == 1.3
