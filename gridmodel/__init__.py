"""gridmodel: strikes on Ukraine's power system and the heat in people's homes."""

from __future__ import annotations

from gridmodel.network.io import load_network


def run(scenario_or_path, out=None, force=False, progress=True):
    """Run one scenario end to end; see :func:`gridmodel.scenario.run`."""
    from gridmodel.scenario import run as _run

    return _run(scenario_or_path, out=out, force=force, progress=progress)


__all__ = ["load_network", "run", "__version__"]
__version__ = "0.1.0"
