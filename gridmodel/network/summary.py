"""Tables that describe a loaded network: voltages, lengths, capacity, load, imports.

Each function returns a small :class:`pandas.DataFrame`; :func:`summary_text` joins
them into the report printed by ``gridmodel network summary``.
"""

from __future__ import annotations

import pandas as pd

#: Reported national figures by date the `ukraine` network is checked against
#: (FIELD_NOTES 2); a status date without an entry is compared with none.
REPORTED_BY_DATE = {
    "2026-01-15": {
        "available_domestic_generation_mw": (
            11000.0,
            "about 11 GW available on 15 Jan 2026 (Zelensky via Reuters) [A]",
        ),
        "demand_mw": (
            18000.0, "about 18 GW needed (same source); winter peak 18-18.5 GW (IEA 2024)"),
    },
}
#: the figures of 15 Jan 2026 (the date of FIELD_NOTES 2)
REPORTED = REPORTED_BY_DATE["2026-01-15"]


def buses_by_voltage(net) -> pd.DataFrame:
    """Buses per nominal voltage: in service and out of service."""
    b = net.bus.assign(in_service=net.bus["in_service"].astype(bool))
    out = b.groupby("vn_kv")["in_service"].agg(buses="size", in_service="sum")
    return out.sort_index(ascending=False).astype(int)


def lines_by_voltage(net) -> pd.DataFrame:
    """Lines and route length per voltage [km], counting parallel circuits once."""
    vn = net.bus.loc[net.line["from_bus"], "vn_kv"].to_numpy()
    ln = net.line.assign(vn_kv=vn)
    out = ln.groupby("vn_kv").agg(
        lines=("length_km", "size"),
        length_km=("length_km", "sum"),
        in_service=("in_service", "sum"),
    )
    out["length_km"] = out["length_km"].round(0)
    return out.sort_index(ascending=False)


def _max_p_mw(t: pd.DataFrame) -> pd.Series:
    """Available MW per generator: ``max_p_mw``, else (a plain pandapower table without
    it) ``installed_mw``, else ``p_mw``."""
    fallback = t["installed_mw"] if "installed_mw" in t else t["p_mw"]
    return (t["max_p_mw"].fillna(fallback) if "max_p_mw" in t else fallback).astype(float)


def generation_by_technology(net) -> pd.DataFrame:
    """Installed and available MW per technology (imports separate)."""
    frames = []
    for element in ("gen", "sgen"):
        t = net[element]
        if not len(t):
            continue
        avail = _max_p_mw(t).where(t["in_service"].astype(bool), 0.0)
        frames.append(
            pd.DataFrame(
                {
                    "technology": t["technology"].astype(str),
                    "installed_mw": t["installed_mw"].astype(float),
                    "available_mw": avail.astype(float),
                    "units": 1,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["installed_mw", "available_mw", "plants"])
    df = pd.concat(frames, ignore_index=True)
    out = df.groupby("technology").agg(
        plants=("units", "sum"),
        installed_mw=("installed_mw", "sum"),
        available_mw=("available_mw", "sum"),
    )
    return out.sort_values("installed_mw", ascending=False).round(1)


def _demand_by(net, column: str) -> pd.Series:
    """Demand [MW] of the loads in service, summed per value of load ``column``."""
    ld = net.load[net.load["in_service"].astype(bool)]
    return (ld["p_mw"] * ld["scaling"]).groupby(ld[column]).sum()


def load_by_class(net) -> pd.DataFrame:
    """Demand per priority class [MW] (loads in service)."""
    return _demand_by(net, "priority_class").round(1).to_frame("p_mw")


def load_by_region(net) -> pd.DataFrame:
    """Demand per oblast [MW] (loads in service), largest first."""
    p = _demand_by(net, "oblast")
    return p.sort_values(ascending=False).round(1).to_frame("p_mw")


def interconnector_limits(net) -> pd.DataFrame:
    """EU import sources with their share of the import cap in force [MW]."""
    g = net.gen[net.gen["technology"] == "import"]
    out = pd.DataFrame(
        {
            "name": g["name"],
            "max_p_mw": _max_p_mw(g).round(1),
            "in_service": g["in_service"].astype(bool),
        }
    )
    return out.set_index("name")


def totals(net) -> dict[str, float]:
    """Headline totals: available domestic generation, imports cap, demand [MW]."""
    gen = generation_by_technology(net)
    domestic = gen.drop(index="import", errors="ignore")["available_mw"].sum()
    return {
        "available_domestic_generation_mw": float(domestic),
        "installed_domestic_generation_mw": float(
            gen.drop(index="import", errors="ignore")["installed_mw"].sum()
        ),
        "import_cap_mw": import_cap_mw(net),
        "demand_mw": float(load_by_class(net)["p_mw"].sum()),
    }


def import_cap_mw(net) -> float:
    """Import capacity in force [MW]: the interconnectors in service, summed.

    On a status date, the cap of that date (``[[imports.by_date]]``, applied by
    :func:`gridmodel.network.status.apply_import_caps`): ``min(commercial + emergency,
    practical)``; as built, ``commercial_mw + emergency_mw``.
    """
    g = net.gen[(net.gen["technology"] == "import") & net.gen["in_service"].astype(bool)]
    return float(_max_p_mw(g).sum())


def _import_cap_text(net) -> str:
    """One line: the import cap in force, its parts and its source."""
    imp = net.get("parameters", {}).get("imports", {})
    if not imp:
        return f"import cap: {import_cap_mw(net):g} MW"
    practical = imp.get("practical_peak_mw")
    parts = (f"{imp.get('commercial_mw', 0):g} MW commercial + "
             f"{imp.get('emergency_mw', 0):g} MW emergency"
             + (f", practical peak about {practical:g} MW" if practical is not None else ""))
    date = net.get("status_date") or "as built"
    text = f"import cap ({date}): {import_cap_mw(net):g} MW in force ({parts})"
    return text + (f"\n  source: {imp['source']}" if imp.get("source") else "")


def residuals(net) -> pd.DataFrame:
    """Model totals against the reported figures (value, reported, residual, relative)."""
    t = totals(net)
    rows = []
    for key, (reported, source) in REPORTED_BY_DATE.get(net.get("status_date", ""), {}).items():
        rows.append(
            {
                "quantity": key,
                "model_mw": round(t[key], 1),
                "reported_mw": reported,
                "residual_mw": round(t[key] - reported, 1),
                "relative": round((t[key] - reported) / reported, 3),
                "source": source,
            }
        )
    columns = ["quantity", "model_mw", "reported_mw", "residual_mw", "relative", "source"]
    return pd.DataFrame(rows, columns=columns).set_index("quantity")


def summary_text(net) -> str:
    """The readable summary printed by ``gridmodel network summary``."""
    meta = net.get("meta", {})
    date = net.get("status_date", "") or "none (as built)"
    parts = [
        f"network {meta.get('name', '?')} {meta.get('version', '')}: {meta.get('description', '')}",
        f"status date: {date}",
    ]
    tables = [("buses per voltage [kV]", buses_by_voltage),
              ("lines and route length per voltage [kV]", lines_by_voltage),
              (None, None),
              ("generation by technology [MW]", generation_by_technology),
              ("load by priority class [MW]", load_by_class),
              ("load by region [MW]", load_by_region),
              ("interconnectors (EU imports)", interconnector_limits)]
    for title, table in tables:
        if table is None:  # the one line on transformers and shunts, in its place
            parts += ["", f"transformers: {len(net.trafo)} "
                      f"({int(net.trafo['in_service'].sum())} in service); "
                      f"shunt reactors: {len(net.shunt)}"]
        else:
            parts += ["", title, table(net).to_string()]
    parts.append(_import_cap_text(net))
    reported = ", ".join(REPORTED_BY_DATE)
    if net.get("status_date"):
        active = net.get("status_active")
        if active is not None and len(active):
            parts += [
                "",
                f"assets with a status on {net['status_date']}",
                active[["asset_id", "status", "available_fraction"]].to_string(index=False),
            ]
        res = residuals(net)
        if len(res):
            parts += ["", f"against reported figures (reported for {net['status_date']})",
                      res.to_string()]
        else:
            parts += ["", f"no reported national figures for {net['status_date']} (reported "
                      f"for {reported}); the import cap above is that date's, from its source"]
    else:
        parts += ["", f"as built: pass --status-date {reported} to compare with the reported "
                  "figures (11 GW available, 18 GW needed)"]
    return "\n".join(parts)
