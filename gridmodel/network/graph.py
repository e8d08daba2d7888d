"""networkx view of a network."""

from __future__ import annotations

import networkx as nx
import pandapower.topology as top


def graph(
    net, respect_switches: bool = True, include_out_of_service: bool = False
) -> nx.MultiGraph:
    """Return the bus-branch graph of ``net`` as a :class:`networkx.MultiGraph`.

    Nodes are pandapower bus indices with attributes ``bus_id``, ``vn_kv``,
    ``substation_id``, ``oblast``, ``lon`` and ``lat`` where the net has them; edges
    are lines and transformers in service (keys ``("line", idx)``, ``("trafo", idx)``).
    A thin wrapper around :func:`pandapower.topology.create_nxgraph`.
    """
    g = top.create_nxgraph(
        net, respect_switches=respect_switches, include_out_of_service=include_out_of_service
    )
    cols = [
        c
        for c in ("bus_id", "vn_kv", "substation_id", "oblast", "lon", "lat")
        if c in net.bus.columns
    ]
    attrs = net.bus[cols].to_dict("index")
    nx.set_node_attributes(g, {n: attrs[n] for n in g.nodes if n in attrs})
    return g
