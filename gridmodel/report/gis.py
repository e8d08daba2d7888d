"""A run's districts and buildings as GIS layers (GeoJSON and GeoParquet), for QGIS.

* ``districts.geojson`` / ``districts.geoparquet``: one point per district of the heat
  layer (its centroid: the layers hold no boundaries) with the run's figures: buildings,
  peak without heat and its local time, buildings without heat at the run's peak,
  building-hours and people-hours without heat.
* ``buildings.geojson`` / ``buildings.geoparquet``: one point per building (its registry
  lon/lat) with the columns of ``heat_buildings`` (hours without heat, drain and restart
  times, indoor minimum...).

Coordinates are WGS 84 lon/lat (EPSG:4326); times are ISO strings in the layer's local
time (``[meta] tz``). GeoParquet (version 1.1.0, WKB points) is written with pyarrow alone;
GeoJSON with the standard library.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["building_table", "district_table", "write_gis"]


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


def _geojson(table: pd.DataFrame, path: Path) -> None:
    props = [c for c in table.columns if c not in ("lon", "lat")]
    feats = [{"type": "Feature",
              "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
              "properties": {c: _value(r[c]) for c in props}}
             for r in table.to_dict("records")]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}) + "\n",
                    encoding="utf-8")


def _geoparquet(table: pd.DataFrame, path: Path) -> None:
    """GeoParquet 1.1.0: a WKB ``geometry`` column and the ``geo`` file metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    wkb = [struct.pack("<BIdd", 1, 1, float(x), float(y))
           for x, y in zip(table["lon"], table["lat"], strict=True)]
    t = pa.Table.from_pandas(table.drop(columns=["lon", "lat"]), preserve_index=False)
    t = t.append_column("geometry", pa.array(wkb, type=pa.binary()))
    lon, lat = table["lon"].astype(float), table["lat"].astype(float)
    geo = {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": {
        "encoding": "WKB", "geometry_types": ["Point"],
        "bbox": [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]}}}
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
    for name, table in (("districts", district_table(layer, summary, frames["heat_hourly"])),
                        ("buildings", building_table(layer, frames["heat_buildings"]))):
        _geojson(table, out / f"{name}.geojson")
        _geoparquet(table, out / f"{name}.geoparquet")
        files += [f"{name}.geojson", f"{name}.geoparquet"]
    return files
