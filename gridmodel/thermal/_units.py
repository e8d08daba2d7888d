"""Unit conversion factors shared by the thermal models."""

from __future__ import annotations

_S_PER_H = 3600.0
_J_PER_KJ = 1000.0
