"""Shared fixtures: one name per thing.

Networks built in memory (builders in :mod:`tiny_networks`, each fixture named after its
builder):

- ``tiny_net``: five buses, one plant, one interconnector, three loads (fresh per test);
- ``triangle_net``: the cascade triangle (fresh per test);
- ``meshed_net``: the random meshed network, seed 0 (session; do not modify).

On disk:

- ``tiny_folder``: ``tests/data/tiny/`` (README.md there): the tiny network folder
  (``network/``), heat layer (``heat/``), weather, strike list and a 48 h scenario;
- ``kyiv_layer``: the built-in Kyiv heat layer, loaded once (session; do not modify: copy
  a table before editing it, as ``dataclasses.replace`` / ``copy.copy`` do).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tiny_networks
from tiny_networks import build_net  # noqa: F401  (re-exported: tests/test_nuclear.py imports it)

TINY_FOLDER = Path(__file__).resolve().parent / "data" / "tiny"


@pytest.fixture
def tiny_net():
    """:func:`tiny_networks.tiny_net`."""
    return tiny_networks.tiny_net()


@pytest.fixture
def triangle_net():
    """:func:`tiny_networks.triangle_net`."""
    return tiny_networks.triangle_net()


@pytest.fixture(scope="session")
def meshed_net():
    """:func:`tiny_networks.meshed_net` (seed 0); do not modify."""
    return tiny_networks.meshed_net(0)


@pytest.fixture(scope="session")
def tiny_folder() -> Path:
    """``tests/data/tiny/``: ``network/``, ``heat/``, ``weather.csv``, ``strikes.csv``,
    ``scenario.toml`` (read only: copy it to ``tmp_path`` to edit)."""
    return TINY_FOLDER


@pytest.fixture(scope="session")
def kyiv_layer():
    """The built-in Kyiv heat layer (``load_layer("kyiv")``), loaded once; do not modify."""
    from gridmodel.heat.layer import load_layer

    return load_layer("kyiv")
