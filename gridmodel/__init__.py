"""gridmodel: strikes on Ukraine's power system and the heat in people's homes."""

from __future__ import annotations

from gridmodel._io import __version__
from gridmodel.network.io import load_network

__all__ = ["load_network", "run", "__version__"]


def __getattr__(name: str):
    """``gridmodel.run`` is :func:`gridmodel.studies.scenario.run` itself, imported on first use
    (the scenario module pulls in pydantic and the heat model, which ``load_network``
    users do not need)."""
    if name == "run":
        from gridmodel.studies.scenario import run

        return run
    msg = f"module 'gridmodel' has no attribute {name!r}"
    raise AttributeError(msg)
