"""The national map of ``report.html``: oblasts coloured by the share of their demand shed.

Each oblast's boundary (the network folder's ``oblasts.geojson``, property ``oblast``: the
names of the network's loads; ``networks/ukraine/build_oblast_map.py`` writes it from
geoBoundaries, ODbL) is filled by the share of its demand not served at the hour the
report's time slider selects (from the run's ``grid_loads`` frame: ``shed_mw / demand_mw``
summed over the oblast's loads), and the struck assets are marked where the registry
places them. A network without the file gets no oblast map.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel.report.svg import Proj, geometry_path, geometry_points, struck_marks

__all__ = ["oblast_map", "oblast_shapes", "shed_share"]

#: projected vertices closer than this are merged [SVG px]: the drawing's resolution
MERGE_PX = 0.7


def oblast_shapes(net) -> dict[str, dict] | None:
    """``{oblast: GeoJSON geometry}`` of the network's ``oblasts.geojson``, or None.

    Looked up in the built-in network folder of ``net.meta["name"]`` (a user's own
    network may carry ``net.meta["oblasts_geojson"]``, a path)."""
    meta = net.get("meta", {}) if hasattr(net, "get") else {}
    meta = meta if isinstance(meta, dict) else {}
    path = meta.get("oblasts_geojson")
    if path is None and meta.get("name"):
        from gridmodel.errors import InputError
        from gridmodel.network.io import network_folder

        try:
            path = network_folder(str(meta["name"])) / "oblasts.geojson"
        except (InputError, FileNotFoundError, KeyError):
            return None
    if path is None or not Path(path).is_file():
        return None
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(f["properties"]["oblast"]): f["geometry"] for f in doc.get("features", [])}


def shed_share(loads: pd.DataFrame, oblasts: list[str]) -> tuple[list[str], np.ndarray]:
    """Times (ISO, UTC) and the share of each oblast's demand shed per time ``[t, oblast]``
    (0 where an oblast has no demand)."""
    g = loads.groupby(["time", "oblast"], sort=True)[["shed_mw", "demand_mw"]].sum()
    shed = g["shed_mw"].unstack("oblast").reindex(columns=oblasts).fillna(0.0)
    demand = g["demand_mw"].unstack("oblast").reindex(columns=oblasts).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(demand.to_numpy() > 0, shed.to_numpy() / demand.to_numpy(), 0.0)
    times = [pd.Timestamp(t).isoformat() for t in shed.index]
    return times, np.clip(share, 0.0, 1.0)


def oblast_map(net, loads: pd.DataFrame | None, struck: list[str],
               tz: str = "UTC") -> tuple[str | None, dict | None]:
    """The map's HTML and its slider data (``oblasts``, ``times``, ``share``), or
    ``(None, None)`` without a ``grid_loads`` frame or without boundaries."""
    if loads is None or not len(loads) or "oblast" not in loads:
        return None, None
    shapes = oblast_shapes(net)
    if not shapes:
        return None, None
    names = sorted(shapes)
    times, share = shed_share(loads, names)
    pts = geometry_points(shapes[n] for n in names)
    proj = Proj(pts[:, 0], pts[:, 1], width=600, pad=10)
    parts = [f'<svg id="map-oblasts" viewBox="0 0 {proj.w:.0f} {proj.h:.0f}" '
             'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="oblasts">']
    for i, n in enumerate(names):
        parts.append(f'<path id="ob-{i}" class="oblast" fill-rule="evenodd" '
                     f'd="{geometry_path(shapes[n], proj, MERGE_PX)}" fill="#e8eef4" stroke="#555" '
                     f'stroke-width="0.6"><title>{escape(n)}</title></path>')
    parts += struck_marks(net.registry if "registry" in net else None, struck, proj,
                          half_px=5.0, width_px=2.5)[0]
    parts.append("</svg>")
    div = ('<div class="map"><h3>Oblasts: share of demand shed</h3>' + "".join(parts)
           + '<p class="note">colour: share of the oblast\'s demand not served at the '
           "selected hour (rolling blackouts and islands; grey: none); red crosses: struck "
           "assets. Boundaries: geoBoundaries UKR ADM1, (c) OpenStreetMap contributors, "
           "ODbL-1.0.</p></div>")
    local = [pd.Timestamp(t).tz_convert(tz).strftime("%Y-%m-%d %H:%M") for t in times]
    return div, {"oblasts": names, "times": local,
                 "share": [[round(float(v), 4) for v in share[:, j]]
                           for j in range(len(names))]}
