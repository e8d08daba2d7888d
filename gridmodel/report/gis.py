"""A run's districts and buildings as GIS layers (GeoJSON and GeoParquet), for QGIS.

* ``districts.geojson`` / ``districts.geoparquet``: one feature per district of the heat
  layer with the run's figures: buildings, peak without heat and its local time,
  buildings without heat at the run's peak, building-hours and people-hours without heat.
  Its geometry is the district's boundary (Polygon or MultiPolygon) when the layer ships
  boundaries (``layer.toml`` ``[files] district_polygons``), else its centroid (Point);
  ``lon``/``lat`` columns hold the centroid either way.
* ``buildings.geojson`` / ``buildings.geoparquet``: one point per building (its registry
  lon/lat) with the columns of ``heat_buildings`` (hours without heat, drain and restart
  times, indoor minimum...).

Coordinates are WGS 84 lon/lat (EPSG:4326); times are ISO strings in the layer's local
time (``[meta] tz``). GeoParquet (version 1.1.0, WKB geometries) is written with pyarrow
alone; GeoJSON with the standard library.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel.report.svg import geometry_points

__all__ = ["building_table", "district_geometries", "district_table", "write_gis"]


def district_table(layer, summary: dict, heat_hourly: pd.DataFrame) -> pd.DataFrame:
    """Per district: ``district, name, lon, lat`` and the run's figures."""
    from gridmodel.report.findings import layer_tz, local_minute

    d = layer.districts
    tz = layer_tz(layer)
    by = (summary.get("heat") or {}).get("by_district") or {}
    at_peak = (summary.get("heat") or {}).get("by_district_at_peak") or {}
    hours = heat_hourly.groupby("district")[["buildings_without_heat",
                                             "people_without_heat"]].sum()
    ids = d["district"].astype(str)
    return pd.DataFrame({
        "district": ids, "name": d["name"].astype(str) if "name" in d else ids,
        "lon": d["centroid_lon"].astype(float), "lat": d["centroid_lat"].astype(float),
        "buildings": [int(by.get(k, {}).get("buildings", 0)) for k in ids],
        "peak_without_heat": [int(by.get(k, {}).get("peak", 0)) for k in ids],
        "peak_time_local": [local_minute(by.get(k, {}).get("peak_time"), tz) for k in ids],
        "without_heat_at_run_peak": [int(at_peak.get(k, 0)) for k in ids],
        "building_hours_without_heat": [int(hours["buildings_without_heat"].get(k, 0))
                                        for k in ids],
        "people_hours_without_heat": [int(hours["people_without_heat"].get(k, 0))
                                      for k in ids]})


def building_table(layer, heat_buildings: pd.DataFrame) -> pd.DataFrame:
    """Per building: ``heat_buildings`` with ``lon, lat`` and times as local ISO strings."""
    from gridmodel.report.findings import layer_tz

    tz = layer_tz(layer)
    xy = layer.buildings.set_index("building_id")[["lon", "lat"]]
    b = heat_buildings.copy()
    for c in b.columns:
        if isinstance(b[c].dtype, pd.DatetimeTZDtype):
            b[c] = b[c].dt.tz_convert(tz).map(lambda t: None if pd.isna(t) else t.isoformat())
    b.insert(1, "lon", b["building_id"].map(xy["lon"]).astype(float).to_numpy())
    b.insert(2, "lat", b["building_id"].map(xy["lat"]).astype(float).to_numpy())
    return b


def _value(v):
    """A JSON value: numpy scalars as numbers, NaN and NaT as null."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return None if v is pd.NaT else v


def district_geometries(layer) -> dict[str, dict] | None:
    """``{district: GeoJSON geometry}`` of the layer's boundaries as the file holds them
    (``[files] district_polygons``), or None when the layer ships none."""
    path = (getattr(layer, "files", None) or {}).get("district_polygons")
    if path is None or not Path(path).is_file():
        return None
    from gridmodel.heat.availability import layer_cached

    def read() -> dict[str, dict]:  # once per layer: the report's maps and GIS share it
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return {str(f["properties"]["district"]): f["geometry"]
                for f in doc.get("features", [])}

    return layer_cached(layer, ("district_geometries", str(path)), read)


def _geometries(table: pd.DataFrame, shapes: dict | None) -> list[dict]:
    """Each row's geometry: its entry of ``shapes`` (by ``district``), else its point."""
    points = [{"type": "Point", "coordinates": [float(x), float(y)]}
              for x, y in zip(table["lon"], table["lat"], strict=True)]
    if not shapes:
        return points
    return [shapes.get(k, pt) for k, pt in zip(table["district"].astype(str), points,
                                               strict=True)]


def _geojson(table: pd.DataFrame, path: Path, shapes: dict | None = None) -> None:
    props = [c for c in table.columns if c not in ("lon", "lat")] if shapes is None else \
        list(table.columns)
    feats = [{"type": "Feature", "geometry": g,
              "properties": {c: _value(r[c]) for c in props}}
             for r, g in zip(table.to_dict("records"), _geometries(table, shapes),
                             strict=True)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}) + "\n",
                    encoding="utf-8")


def _wkb_rings(rings) -> bytes:
    out = [struct.pack("<I", len(rings))]
    for ring in rings:
        xy = np.asarray(ring, dtype="<f8")[:, :2]
        out.append(struct.pack("<I", len(xy)) + xy.tobytes())
    return b"".join(out)


def _wkb(geom: dict) -> bytes:
    """ISO WKB (little-endian) of a GeoJSON Point, Polygon or MultiPolygon."""
    kind, c = geom["type"], geom["coordinates"]
    if kind == "Point":
        return struct.pack("<BIdd", 1, 1, float(c[0]), float(c[1]))
    if kind == "Polygon":
        return struct.pack("<BI", 1, 3) + _wkb_rings(c)
    if kind == "MultiPolygon":
        return struct.pack("<BII", 1, 6, len(c)) + b"".join(
            struct.pack("<BI", 1, 3) + _wkb_rings(p) for p in c)
    msg = f"geometry type {kind!r} cannot be written (Point, Polygon or MultiPolygon)"
    raise ValueError(msg)


def _bbox(geoms: list[dict]) -> list[float]:
    xy = geometry_points(geoms)
    return [float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()),
            float(xy[:, 1].max())]


def _geoparquet(table: pd.DataFrame, path: Path, shapes: dict | None = None) -> None:
    """GeoParquet 1.1.0: a WKB ``geometry`` column and the ``geo`` file metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    geoms = _geometries(table, shapes)
    keep = table if shapes is not None else table.drop(columns=["lon", "lat"])
    t = pa.Table.from_pandas(keep, preserve_index=False)
    t = t.append_column("geometry", pa.array([_wkb(g) for g in geoms], type=pa.binary()))
    geo = {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": {
        "encoding": "WKB", "geometry_types": sorted({g["type"] for g in geoms}),
        "bbox": _bbox(geoms)}}}  # no "crs": OGC:CRS84 (WGS 84 lon/lat), the default
    meta = {**(t.schema.metadata or {}), b"geo": json.dumps(geo).encode("utf-8")}
    pq.write_table(t.replace_schema_metadata(meta), path)


def write_gis(out: Path, layer, frames: dict, summary: dict) -> list[str]:
    """Write the districts and buildings layers of a run into ``out``; return the names.

    Parameters
    ----------
    out : Path
    layer : gridmodel.heat.layer.HeatLayer
    frames : dict
        The run's frames (``heat_hourly``, ``heat_buildings``).
    summary : dict
        ``summary.json`` (its ``heat.by_district`` and ``by_district_at_peak``).
    """
    files = []
    shapes = district_geometries(layer)
    for name, table, geo in (
            ("districts", district_table(layer, summary, frames["heat_hourly"]), shapes),
            ("buildings", building_table(layer, frames["heat_buildings"]), None)):
        _geojson(table, out / f"{name}.geojson", geo)
        _geoparquet(table, out / f"{name}.geoparquet", geo)
        files += [f"{name}.geojson", f"{name}.geoparquet"]
    return files
