"""Outputs of a run of several cities (``[[heat.cities]]``): the city as a dimension.

One grid timeline, one heat chain per city (:attr:`gridmodel.pipeline.Context.cities`).
The run's ``summary.json`` keeps the first city's ``heat`` section where a one-city run
has it and adds ``cities``: per city (keyed by layer name) its display name, weather
profile, heat section (with the by-district table), city load shed and plots. Heat frames
gain a ``city`` column (the layer name) and hold every city's rows; grid frames are the
run's, once. Each city's plots go to ``<out>/<layer>/`` with its own name in the map's
title; the explanation has one part per city.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["city_frames", "city_name", "city_summaries", "write_city_plots"]


def _pairs(ctx, chain) -> list[tuple]:
    """``(context, chain)`` of every city, the first city first."""
    return list(zip(ctx.cities, chain.cities, strict=True))


def city_name(ctx) -> str:
    """The city's display name (``layer.toml`` ``[meta] city``), else the layer's name."""
    return ctx.layer.city


def city_summaries(sc, ctx, chain, hashes_of, *, n_strikes: int,
                   schema_version: int) -> tuple[dict, str]:
    """Every city's part of the summary, keyed by layer name, and the explanation.

    Parameters
    ----------
    hashes_of : callable
        ``context -> input hashes`` (:func:`gridmodel.studies.scenario.input_hashes`).

    Returns
    -------
    dict, str
        ``{layer: {"city", "weather_profile", "city_load_shed_mw_peak", "heat",
        "weather", ...}}`` and the explanation, one part per city.
    """
    from gridmodel.report.summary import build_summary, explain

    out, parts = {}, []
    for c_ctx, c_chain in _pairs(ctx, chain):
        s = build_summary(sc, c_ctx, c_chain, hashes_of(c_ctx), n_strikes=n_strikes,
                          schema_version=schema_version)
        name = c_ctx.layer.name
        out[name] = {
            "city": city_name(c_ctx), "weather_profile": str(c_ctx.weather_name),
            "city_load_shed_mw_peak": s["grid"]["city_load_shed_mw_peak"],
            "heat": s["heat"], "weather": s["weather"],
            "heat_layer_sha256": s["hashes"]["heat_layer_sha256"],
            "weather_sha256": s["hashes"]["weather_sha256"]}
        parts.append(f"=== {out[name]['city']} (heat layer {name}, weather "
                     f"{out[name]['weather_profile']}) ===\n" + explain(sc, c_ctx, c_chain, s))
    return out, "\n\n".join(parts)


def city_frames(ctx, chain) -> dict[str, pd.DataFrame]:
    """The run's frames with every city's heat rows (column ``city``); grid frames once."""
    from gridmodel.report.summary import build_frames

    parts: dict[str, list[pd.DataFrame]] = {}
    for c_ctx, c_chain in _pairs(ctx, chain):
        for name, df in build_frames(c_ctx, c_chain).items():
            if name.startswith("grid_"):
                parts.setdefault(name, [df])
                continue
            parts.setdefault(name, []).append(df.assign(city=c_ctx.layer.name))
    return {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}


def write_city_plots(out: Path, ctx, chain, cities: dict) -> None:
    """Each city's plots into ``out/<layer>/``; their paths into ``cities[...]["plots"]``."""
    from gridmodel.report.plots import write_plots

    for c_ctx, c_chain in _pairs(ctx, chain):
        name = c_ctx.layer.name
        folder = Path(out) / name
        folder.mkdir(exist_ok=True)
        files = write_plots(folder, c_ctx.layer, c_ctx.index, c_chain.heat,
                            c_chain.temperatures, {"heat": cities[name]["heat"]})
        cities[name]["plots"] = [f"{name}/{f}" for f in files]


def write_city_gis(out: Path, ctx, frames: dict, cities: dict) -> None:
    """Each city's districts and buildings layers into ``out/<layer>/``
    (:func:`gridmodel.report.gis.write_gis` on the city's own rows of the frames)."""
    from gridmodel.report.gis import write_gis

    for c_ctx in ctx.cities:
        name = c_ctx.layer.name
        folder = Path(out) / name
        folder.mkdir(exist_ok=True)
        own = {k: frames[k][frames[k]["city"] == name].drop(columns="city")
               for k in ("heat_hourly", "heat_buildings")}
        write_gis(folder, c_ctx.layer, own, cities[name])
