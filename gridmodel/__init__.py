"""gridmodel: strikes on Ukraine's power system and the heat in people's homes."""

from __future__ import annotations

from gridmodel.network.io import load_network

__all__ = ["load_network", "__version__"]
__version__ = "0.1.0"
