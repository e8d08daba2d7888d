"""The network layer: loading, registry, status by date, graph view, summary and plot."""

from __future__ import annotations

from gridmodel.network.graph import graph
from gridmodel.network.io import builtin_networks, load_network
from gridmodel.network.registry import resolve

__all__ = ["builtin_networks", "graph", "load_network", "resolve"]
