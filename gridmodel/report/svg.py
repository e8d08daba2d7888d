"""Drawing pieces shared by the report's maps: projection, GeoJSON shapes, struck marks.

One place for each: the network map, the oblast map and the district maps of
``report.html`` project lon/lat the same way (:class:`Proj`), draw (Multi)Polygon
geometries as SVG paths (:func:`geometry_path`) and mark struck assets at their registry
lon/lat (:func:`struck_marks`).
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

__all__ = ["Proj", "geometry_path", "geometry_points", "struck_marks"]


class Proj:
    """Equirectangular projection of lon/lat into an SVG box ``width`` wide."""

    def __init__(self, lon, lat, width: float = 600.0, pad: float = 20.0) -> None:
        lon = np.asarray(lon, float)
        lat = np.asarray(lat, float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        lon, lat = lon[ok], lat[ok]
        if not len(lon):
            lon, lat = np.array([30.0, 31.0]), np.array([50.0, 51.0])
        self.k = math.cos(math.radians(float(np.mean(lat))))
        self.x0, self.x1 = float(lon.min()) * self.k, float(lon.max()) * self.k
        self.y0, self.y1 = float(lat.min()), float(lat.max())
        span = max(self.x1 - self.x0, self.y1 - self.y0, 1e-6)
        self.s = (width - 2 * pad) / span
        self.pad = pad
        self.w = width
        self.h = (self.y1 - self.y0) * self.s + 2 * pad

    def __call__(self, lon, lat):
        x = (np.asarray(lon, float) * self.k - self.x0) * self.s + self.pad
        y = (self.y1 - np.asarray(lat, float)) * self.s + self.pad
        return x, y


def _rings(geom: dict) -> list:
    """Every ring of a Point-free GeoJSON Polygon or MultiPolygon."""
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [ring for poly in polys for ring in poly]


def geometry_points(geoms) -> np.ndarray:
    """Every vertex (lon, lat) of GeoJSON Points, Polygons and MultiPolygons, ``(n, 2)``."""
    pts = [np.asarray([g["coordinates"]], float)[:, :2] if g["type"] == "Point" else
           np.concatenate([np.asarray(r, float)[:, :2] for r in _rings(g)]) for g in geoms]
    return np.concatenate(pts) if pts else np.empty((0, 2))


def geometry_path(geom: dict, proj: Proj, merge_px: float = 0.0) -> str:
    """SVG path data of a (Multi)Polygon (draw with ``fill-rule="evenodd"``: holes stay
    open); projected vertices within ``merge_px`` of the last one kept are dropped, rings
    left with fewer than 3 vertices too."""
    out = []
    for ring in _rings(geom):
        xy = np.asarray(ring, float)[:, :2]
        x, y = proj(xy[:, 0], xy[:, 1])
        keep = np.ones(len(x), dtype=bool)
        if merge_px > 0:
            last = 0
            for i in range(1, len(x)):
                if abs(x[i] - x[last]) < merge_px and abs(y[i] - y[last]) < merge_px:
                    keep[i] = False
                else:
                    last = i
        if keep.sum() < 3:
            continue
        out.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in
                                  zip(x[keep], y[keep], strict=True)) + "Z")
    return "".join(out)


def struck_marks(registry, struck, proj: Proj, half_px: float = 6.0,
                 width_px: float = 3.0) -> tuple[list[str], list[str]]:
    """A red cross per struck asset with registry lon/lat, and the ids so drawn.

    Parameters
    ----------
    registry : pandas.DataFrame or None
        The network registry (``asset_id, name, lon, lat``).
    struck : iterable of str
        Struck asset ids.
    """
    struck = set(struck)
    if registry is None or not struck:
        return [], []
    parts, listed = [], []
    for r in registry[registry["asset_id"].isin(struck)].itertuples(index=False):
        lon, lat = getattr(r, "lon", np.nan), getattr(r, "lat", np.nan)
        if not (np.isfinite(lon) and np.isfinite(lat)):
            continue
        sx, sy = (float(v) for v in proj(lon, lat))
        h = half_px
        parts.append(f'<g class="struck"><path d="M{sx - h:.1f},{sy - h:.1f}L{sx + h:.1f},'
                     f'{sy + h:.1f}M{sx - h:.1f},{sy + h:.1f}L{sx + h:.1f},{sy - h:.1f}" '
                     f'stroke="#d62828" stroke-width="{width_px:g}"/><title>struck: '
                     f"{escape(str(r.name))} [{escape(str(r.asset_id))}]</title></g>")
        listed.append(str(r.asset_id))
    return parts, listed
