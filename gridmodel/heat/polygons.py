"""District polygons of a heat layer: reading them and testing points against them.

A layer may ship its districts' boundaries as a GeoJSON FeatureCollection
(``layer.toml`` ``[files] district_polygons``), one (Multi)Polygon feature per district,
the district id in the property ``district``. Points are tested with the even-odd rule
over every ring of the feature, so holes and several parts need no special case; lon/lat
are taken as planar coordinates (districts are a few km across).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from gridmodel.errors import InputError

__all__ = ["inside", "read_polygons"]


def _rings(geometry: dict) -> list[np.ndarray]:
    """Every ring of a Polygon or MultiPolygon geometry, as (n, 2) lon/lat arrays."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polys = [coords]
    elif kind == "MultiPolygon":
        polys = coords
    else:
        msg = f"geometry type {kind!r}: a district needs a Polygon or MultiPolygon"
        raise ValueError(msg)
    return [np.asarray(ring, dtype=float)[:, :2] for poly in polys for ring in poly]


def read_polygons(path: str | Path, error: type[InputError] = InputError) -> dict:
    """``{district id: [ring, ...]}`` from a GeoJSON FeatureCollection.

    Parameters
    ----------
    path : path
        The file; each feature has the property ``district``.
    error : type
        The :class:`~gridmodel.errors.InputError` subclass raised.

    Raises
    ------
    InputError
        (or ``error``) The file is missing or not JSON, a feature has no ``district`` or
        a geometry that is not a polygon, or a district repeats.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: missing file (the district polygons named in layer.toml [files])."
        raise error(msg) from None
    except json.JSONDecodeError as exc:
        msg = f"{path}:{exc.lineno}: not valid GeoJSON: {exc.msg}"
        raise error(msg) from None
    out: dict[str, list[np.ndarray]] = {}
    for i, feat in enumerate(doc.get("features", []), start=1):
        district = (feat.get("properties") or {}).get("district")
        if not district or district in out:
            what = "repeats an earlier feature's" if district else "has no property"
            msg = f"{path}: feature {i} {what} 'district'; one feature per district id."
            raise error(msg)
        try:
            out[str(district)] = _rings(feat.get("geometry") or {})
        except ValueError as exc:
            msg = f"{path}: feature {i} ({district}): {exc}."
            raise error(msg) from None
    return out


def inside(rings: list[np.ndarray], lon, lat, chunk: int = 2000) -> np.ndarray:
    """Whether each point (lon, lat) lies inside the polygon made of ``rings`` (even-odd).

    Parameters
    ----------
    rings : list of (n, 2) arrays
        Closed or open rings (the last vertex joins the first).
    lon, lat : array-like
        Point coordinates [degrees].
    chunk : int
        Points tested at once (bounds the memory: chunk x vertices).

    Returns
    -------
    numpy.ndarray of bool
    """
    x_all = np.asarray(lon, dtype=float)
    y_all = np.asarray(lat, dtype=float)
    out = np.zeros(len(x_all), dtype=bool)
    for start in range(0, len(x_all), chunk):
        sl = slice(start, start + chunk)
        out[sl] = _inside_chunk(rings, x_all[sl, None], y_all[sl, None])
    return out


def _inside_chunk(rings: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Even-odd crossing count of the (k, 1) points ``x, y`` over every edge of ``rings``."""
    odd = np.zeros(x.shape[0], dtype=bool)
    for ring in rings:
        x0, y0 = ring[:, 0][None, :], ring[:, 1][None, :]
        x1, y1 = np.roll(ring[:, 0], -1)[None, :], np.roll(ring[:, 1], -1)[None, :]
        spans = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        odd ^= (np.count_nonzero(spans & (x < x_cross), axis=1) % 2).astype(bool)
    return odd
