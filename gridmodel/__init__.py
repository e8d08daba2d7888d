"""gridmodel: strikes on Ukraine's power system and the heat in people's homes.

Module paths from before the package redesign still import (documented aliases,
``docs/architecture.md``): ``import gridmodel.scenario`` gives
:mod:`gridmodel.studies.scenario`, and so on for the names in :data:`_ALIASES`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

from gridmodel._io import __version__
from gridmodel._io.kernels import use_kernel_cache

use_kernel_cache()  # before numba is imported: compiled kernels in the user's cache folder

__all__ = ["load_network", "run", "__version__"]

#: old module path -> module it now names (docs/architecture.md, "Renamed in the redesign")
_ALIASES = {
    "gridmodel.scenario": "gridmodel.studies.scenario",
    "gridmodel.ensemble": "gridmodel.studies.ensemble",
    "gridmodel.ensemble_plots": "gridmodel.report.ensemble_plots",
    "gridmodel.planning": "gridmodel.studies.planning",
    "gridmodel.planning.criticality": "gridmodel.studies.planning.criticality",
    "gridmodel.planning.evaluate": "gridmodel.studies.planning.evaluate",
    "gridmodel.planning.interventions": "gridmodel.studies.planning.interventions",
    "gridmodel.heat.chain": "gridmodel.pipeline",
    "gridmodel.heat.results": "gridmodel.report.summary",
    "gridmodel.heat.restoration": "gridmodel.restoration.restarts",
    "gridmodel.outage.repairs": "gridmodel.strikes.repairs",
    "gridmodel.tomlio": "gridmodel._io.tomlio",
    "gridmodel.jsonio": "gridmodel._io.jsonio",
    "gridmodel.outdir": "gridmodel._io.outdir",
    "gridmodel.cli_base": "gridmodel.cli.base",
    "gridmodel.cli_run": "gridmodel.cli.run",
    "gridmodel.cli_plan": "gridmodel.cli.plan",
    "gridmodel.cli_ensemble": "gridmodel.cli.ensemble",
}


class _AliasImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old module path as the module it now names (the same module object)."""

    def find_spec(self, fullname, path, target=None):  # noqa: ARG002 - finder protocol
        if fullname in _ALIASES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(_ALIASES[spec.name])
        spec.loader_state = (module.__spec__, module.__loader__)
        return module

    def exec_module(self, module) -> None:
        """Nothing to run: the module was imported under its own name; give it back its own
        spec and loader (the import system set the alias's)."""
        module.__spec__, module.__loader__ = module.__spec__.loader_state


if not any(isinstance(f, _AliasImporter) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasImporter())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def __getattr__(name: str):
    """``gridmodel.load_network`` is :func:`gridmodel.network.io.load_network` and
    ``gridmodel.run`` is :func:`gridmodel.studies.scenario.run` itself, each imported on
    first use (pandapower takes seconds to import, and ``gridmodel --version`` needs
    neither); old module names resolve through :data:`_ALIASES`."""
    if name == "load_network":
        from gridmodel.network.io import load_network

        return load_network
    if name == "run":
        from gridmodel.studies.scenario import run

        return run
    if f"gridmodel.{name}" in _ALIASES:
        return importlib.import_module(f"gridmodel.{name}")
    msg = f"module 'gridmodel' has no attribute {name!r}"
    raise AttributeError(msg)
