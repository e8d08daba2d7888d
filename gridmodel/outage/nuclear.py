"""Nuclear units' response to damage at the substations they connect to.

Rule (FIELD_NOTES 2 [A]: "nuclear units unload or trip when 750/330 kV substations
around them are hit"; IAEA reports of 23 Nov 2022 and later nights: every unit of Rivne,
Khmelnytskyi and South Ukraine NPP disconnected by its emergency protection when the grid
around it was hit):

- a nuclear plant's **connection substations** are the substations of its switchyard: the
  registry's ``substation`` of the plant (network data), or the list given for the plant in
  ``net.parameters["nuclear"]["connection_substations"]``;
- when a connection substation is struck (damaged, disabled or destroyed: its remaining
  fraction below 1), the plant **trips** at the strike: its units go to 0 MW [A]. A unit's
  protection reacts to the loss of its outlet lines and to the voltage and frequency swings
  of the hit, whatever the share of the switchyard lost [C];
- it **restarts** only after the substation is back, and then after the restart time of a
  tripped unit (``repair_times.toml``: plant, nuclear, disabled; median 1.5 days [C]):
  ``out = substation outage + restart draw``.

- a plant whose switchyard is **islanded** by strikes (every in-service line leaving its
  connection substations out: the line disabled or destroyed, or the substation at its far
  end) trips the same way, from the moment the last outlet goes until the first comes back,
  plus the restart draw [A: IAEA, units disconnected when their lines were lost].

Plants whose connection substations and outlets are intact are unchanged. A plant left in
a dead island further away (the outlets intact) stops in the balance (the engine) and runs
again as soon as its island is energised (no restart delay: [C], a gap in this rule).

The rule acts on the asset state (strike rows the timeline adds before its periods,
:func:`response_strikes`; the plants a one-step outage dict trips, :func:`tripped_plants`,
which :func:`gridmodel.outage.engine.simulate_outage` sets to 0), so the balance engines
need no hook.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gridmodel.strikes.repairs import period_records, repair_hours

__all__ = ["connection_substations", "response_strikes", "tripped_plants"]

#: strike-list label of the rows this rule adds: ``nuclear<-<row of the substation strike>``
ROW_PREFIX = "nuclear<-"


def connection_substations(net) -> dict[str, list[str]]:
    """Connection substations of every nuclear plant in service, by plant id.

    From ``net.parameters["nuclear"]["connection_substations"]`` where a plant is listed
    there, else the registry's ``substation`` of the plant (its switchyard).
    """
    reg = net.registry
    nuc = reg[(reg["kind"] == "plant") & (reg["technology"].astype(str) == "nuclear")]
    given = (net.get("parameters", {}) or {}).get("nuclear", {}).get(
        "connection_substations", {})
    out = {}
    for aid, sub, element, idx in zip(nuc["asset_id"], nuc.get("substation", ""),
                                      nuc["element"], nuc["element_index"], strict=True):
        tab = net[element] if element in net else None
        if tab is not None and idx in tab.index and not bool(tab.at[idx, "in_service"]):
            continue  # out by its status (occupied, shut down): nothing to trip
        subs = list(given.get(aid, [sub] if isinstance(sub, str) and sub else []))
        if subs:
            out[aid] = subs
    return out


def tripped_plants(net, outages: Mapping[str, float] | None, *,
                   network_cache: dict | None = None) -> list[str]:
    """Nuclear plants the module rule trips under the asset state ``outages`` (a snapshot:
    all strikes at once, no time), sorted: a connection substation below 1, or every
    outlet of the switchyard at 0; a plant ``outages`` already takes out is not listed.
    ``network_cache``: as in :func:`response_strikes`."""
    if not outages:
        return []
    by_sub, outlets, _ = _watched(net, network_cache)
    out = {plant for sub, plants in by_sub.items() if float(outages.get(sub, 1.0)) < 1.0
           for plant in plants}
    out |= {plant for plant, pairs in outlets.items()
            if all(min(float(outages.get(a, 1.0)) for a in pair) <= 0.0 for pair in pairs)}
    return sorted(p for p in out if float(outages.get(p, 1.0)) > 0.0)


def response_strikes(net, strikes: pd.DataFrame, repair_h: pd.Series, *, rng,
                     table=None, network_cache: dict | None = None
                     ) -> tuple[pd.DataFrame, pd.Series]:
    """Trip rows for the nuclear plants whose connection substations are struck.

    Parameters
    ----------
    net : pandapowerNet
    strikes : DataFrame
        Resolved strikes (``asset_id, kind, time, effect, fraction_lost, row``).
    repair_h : Series
        Repair time [h] of every strike (same index), drawn before this call.
    rng : numpy.random.Generator
        Draws the restart time of every trip (after the strikes' own draws, so those are
        unchanged).
    table : RepairTable or path, optional
        Repair-time table (default the packaged ``repair_times.toml``).
    network_cache : dict, optional
        Kept with the compiled network of ``net`` (fingerprinted for it): the plants'
        connection substations and outlets are worked out once per network there.

    Returns
    -------
    (rows, hours)
        One strike row per (plant, outage period of a connection substation): the plant
        ``disabled`` (fraction lost 1) from the period's start, for the period plus a
        restart draw [h]; empty when no connection substation is struck.
    """
    by_sub, outlets, watched = _watched(net, network_cache)
    cols = ["asset_id", "kind", "time", "effect", "fraction_lost", "row"]
    ids = strikes["asset_id"].to_numpy(dtype=object)
    pos = np.flatnonzero(watched.get_indexer(ids) >= 0)
    rows = _trip_rows(by_sub, outlets, _hit_periods(strikes, repair_h, pos)) if len(pos) else []
    if not rows:  # nothing trips: no restart draws (the generator is left as it was)
        # (= DataFrame(columns=cols), built from empty columns at a fifth of its cost)
        empty = np.empty(0, dtype=object)
        return (pd.DataFrame({c: empty for c in cols}),
                pd.Series([], dtype=float, name="repair_h"))
    trips = pd.DataFrame({c: [r[c] for r in rows] for c in cols}, columns=cols)
    restart = repair_hours(trips, net, rng=rng, table=table,
                           network_cache=network_cache).to_numpy(float)
    hours = pd.Series(np.array([r["out_h"] for r in rows], dtype=float) + restart,
                      name="repair_h")
    return trips, hours


def _hit_periods(strikes: pd.DataFrame, repair_h: pd.Series, pos: np.ndarray) -> list[dict]:
    """State periods (:func:`~gridmodel.strikes.repairs.period_records`) of the strikes
    at positions ``pos`` (those on watched assets), labelled by their strike-list rows."""
    hours = repair_h.reindex(strikes.index).to_numpy(float)[pos]  # aligned on the strikes

    def column(name):
        return strikes[name].to_numpy()[pos].tolist()

    labels = (strikes["row"].to_numpy()[pos] if "row" in strikes.columns
              else strikes.index.to_numpy()[pos])
    return period_records(column("asset_id"),
                          pd.to_datetime(strikes["time"].iloc[pos], utc=True).tolist(),
                          column("fraction_lost"), hours.tolist(), column("effect"),
                          [str(v) for v in labels.tolist()])


def _trip_rows(by_sub: dict, outlets: dict, periods: list[dict]) -> list[dict]:
    """Trip rows (with ``out_h``) of the plants whose connection substations or every
    outlet are out in ``periods`` (module rule)."""
    rows = [{"asset_id": plant, "kind": "plant", "time": p["start"], "effect": "disabled",
             "fraction_lost": 1.0, "row": f"{ROW_PREFIX}{p['strike_rows']}",
             "out_h": (p["end"] - p["start"]) / pd.Timedelta(hours=1)}
            for p in periods
            if p["asset_id"] in by_sub and p["remaining_fraction"] < 1.0
            for plant in by_sub[p["asset_id"]]]
    down: dict[str, list[tuple]] = {}  # asset -> the periods in which it is out
    for p in periods:
        if p["remaining_fraction"] <= 0.0:
            down.setdefault(p["asset_id"], []).append((p["start"], p["end"],
                                                       p["strike_rows"]))
    return rows + [row for plant, lines in outlets.items()
                   for row in _islanded(plant, lines, down)]


def _watched(net, cache: dict | None) -> tuple[dict, dict, pd.Index]:
    """``(plants by connection substation, outlets by plant, assets to watch)`` of ``net``
    (:func:`connection_substations`, :func:`_outlets`; the assets sorted), kept in
    ``cache`` when given."""
    hit = cache.get("watched") if cache is not None else None
    if hit is None:
        conn = connection_substations(net)
        by_sub: dict[str, list[str]] = {}
        for plant, subs in conn.items():
            for s in subs:
                by_sub.setdefault(s, []).append(plant)
        outlets = _outlets(net, conn)
        watched = set(by_sub) | {a for lines in outlets.values() for pair in lines
                                 for a in pair}
        hit = (by_sub, outlets, pd.Index(sorted(watched), dtype=object))
        if cache is not None:
            cache["watched"] = hit
    return hit


def _outlets(net, conn: dict[str, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """Per plant, its in-service outlet lines as (line id, far-end substation id)."""
    reg = net.registry
    lines = reg[reg["element"] == "line"].set_index("element_index")["asset_id"]
    sub_of = net.bus["substation_id"].astype(str) if "substation_id" in net.bus else None
    if sub_of is None or not len(net.line):
        return {}
    ln = net.line[net.line["in_service"].astype(bool)]
    fs = sub_of.reindex(ln["from_bus"]).to_numpy()
    ts = sub_of.reindex(ln["to_bus"]).to_numpy()
    out = {}
    for plant, subs in conn.items():
        mine = set(subs)
        pairs = [(lines.get(i, ""), t if f in mine else f)
                 for i, f, t in zip(ln.index, fs, ts, strict=True)
                 if (f in mine) != (t in mine)]
        if pairs and all(a for a, _ in pairs):
            out[plant] = pairs
    return out


def _islanded(plant: str, lines: list[tuple[str, str]],
              down: dict[str, list[tuple]]) -> list[dict]:
    """Trip rows while every outlet of ``plant`` is out (line or far-end substation at 0);
    ``down`` lists each asset's ``(start, end, strike rows)`` periods at 0."""
    spans = []  # per outlet: the periods in which it is out
    for line, far in lines:
        span = down.get(line, []) + down.get(far, [])
        if not span:
            return []  # an outlet never goes: never islanded
        spans.append(span)
    rows = []
    for start, _, label in sorted(s for span in spans for s in span):
        ends = [max((e for s, e, _ in span if s <= start < e), default=None) for span in spans]
        if any(e is None for e in ends):
            continue  # some outlet still in service at this start
        end = min(ends)
        if rows and rows[-1]["time"] <= start < rows[-1]["time"] + pd.Timedelta(
                hours=rows[-1]["out_h"]):
            continue  # already islanded
        rows.append({"asset_id": plant, "kind": "plant", "time": start, "effect": "disabled",
                     "fraction_lost": 1.0, "row": f"{ROW_PREFIX}{label}",
                     "out_h": (end - start) / pd.Timedelta(hours=1)})
    return rows
