"""One self-contained ``report.html`` for any output folder.

:func:`write_report` writes a single HTML file that opens without a network connection:
PNG figures are embedded as base64 data URIs, the interactive map is inline SVG driven by
a few lines of inline JavaScript (no library, no CDN), and all data are embedded as JSON.
Every section is optional, so ``gridmodel run``, ``outage``, ``compare``, ``plan`` and
``rank`` call the same function with what they have. See ``docs/report.md``.

Sections, in order: scenario and sources, summary figures, illustrative values, plots,
map (network: what was struck and what went dark; the heat layer's districts: buildings without heat
over time, with a time slider), tables, provenance.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.jsonio import to_jsonable
from gridmodel.report.svg import Proj, geometry_path, geometry_points, struck_marks

__all__ = ["dark_buses_from_loads", "run_report", "write_report"]

_MAX_ROWS = 200
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".svg": "image/svg+xml", ".gif": "image/gif"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
header{background:#1d3557;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:1.4em} header p{margin:4px 0 0;opacity:.85;font-size:.9em}
main{max-width:1200px;margin:0 auto;padding:8px 24px 40px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:16px 0;padding:8px 16px}
h2{font-size:1.15em;border-bottom:1px solid #eee;padding-bottom:4px}
table{border-collapse:collapse;font-size:.85em;margin:6px 0 12px}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f0f3f7} td.k,th.k{text-align:left}
td:first-child{text-align:left}
.note{font-size:.85em;color:#555}
.warn{background:#fff6e0;border-left:4px solid #e9a100;padding:6px 12px;margin:8px 0}
figure{margin:10px 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
.maps{display:flex;flex-wrap:wrap;gap:12px}
.map{flex:1 1 520px;min-width:320px}
.map svg{width:100%;height:auto;background:#f4f7fb;border:1px solid #ccd}
.legend span{display:inline-block;margin-right:12px;font-size:.8em}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
#slider{width:100%} .tbl{overflow-x:auto;max-width:100%} section{overflow-x:auto}
td.long{min-width:22em;max-width:36em} th{white-space:nowrap}
.findings{border:2px solid #1d3557;background:#f3f7fc}
.findings h2{margin:6px 0}
.findings .headline{font-size:1.15em;font-weight:600;margin:6px 0}
.findings dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:4px 18px;
margin:6px 0}
.findings dt{font-size:.8em;color:#555} .findings dd{margin:0 0 4px;font-weight:600}
.findings table{font-size:.8em;margin:4px 0}
details#raw{margin:16px 0} details#raw>summary{cursor:pointer;font-weight:600;padding:6px 0}
"""

_JS = """
(function(){
  var box = document.getElementById('key-findings');
  if (box) {
    var r = box.getBoundingClientRect();
    document.body.setAttribute('data-findings-box', [Math.round(r.left + window.scrollX),
      Math.round(r.top + window.scrollY), Math.round(r.right + window.scrollX),
      Math.round(r.bottom + window.scrollY), window.innerWidth, window.innerHeight].join(','));
  }
  var el = document.getElementById('report-data');
  if (!el) { return; }
  var D = JSON.parse(el.textContent);
  var HS = D.heats || [];
  var slider = document.getElementById('slider');
  var label = document.getElementById('slider-label');
  function colour(f){
    var r = Math.round(255*Math.min(1, 2*f));
    var g = Math.round(200*Math.min(1, 2*(1-f)));
    return 'rgb(' + r + ',' + g + ',60)';
  }
  function show(k){
    var texts = [];
    for (var h = 0; h < HS.length; h++) {
      var H = HS[h], kk = Math.min(k, H.times.length - 1);
      var total = 0, people = 0;
      for (var i = 0; i < H.districts.length; i++) {
        var v = H.values[i][kk], n = H.stock[i] > 0 ? H.stock[i] : 1;
        total += v; people += (H.people ? H.people[i][kk] : 0);
        var c = document.getElementById(H.prefix + 'd-' + i);
        if (c) {
          var f = Math.min(1, v / n);
          c.setAttribute('fill', v > 0 ? colour(f) : '#9cc89c');
          if (c.tagName.toLowerCase() === 'circle') {
            c.setAttribute('r', (6 + 22*Math.sqrt(f)).toFixed(1));
          }
          var t = c.getElementsByTagName('title')[0];
          if (t) { t.textContent = H.labels[i] + ': ' + v + ' of ' + H.stock[i] +
                   ' buildings without heat'; }
        }
        var tx = document.getElementById(H.prefix + 'dv-' + i);
        if (tx) { tx.textContent = String(v); }
      }
      texts.push((HS.length > 1 ? H.city + ': ' : '') + 'buildings without heat: ' + total +
                 (H.people ? ', people: ' + people : ''));
    }
    var when = HS.length ? HS[0].times[Math.min(k, HS[0].times.length - 1)]
               : (D.oblasts ? D.oblasts.times[Math.min(k, D.oblasts.times.length - 1)] : '');
    if (label) { label.textContent = [when].concat(texts).join(' | '); }
    if (D.oblasts) {
      var O = D.oblasts, ko = Math.min(k, O.times.length - 1);
      for (var q = 0; q < O.oblasts.length; q++) {
        var ob = document.getElementById('ob-' + q), sh = O.share[q][ko];
        if (ob) {
          ob.setAttribute('fill', sh > 0 ? colour(sh) : '#e8eef4');
          var ot = ob.getElementsByTagName('title')[0];
          if (ot) { ot.textContent = O.oblasts[q] + ': ' + Math.round(100*sh) +
                    ' % of demand shed'; }
        }
      }
    }
    if (D.dark && D.dark.steps) {
      var s = D.dark.steps.length === 1 ? 0 : Math.min(k, D.dark.steps.length - 1);
      var on = {};
      var ids = D.dark.steps[s];
      for (var j = 0; j < ids.length; j++) { on[ids[j]] = true; }
      var nodes = document.querySelectorAll('circle.bus');
      for (var m = 0; m < nodes.length; m++) {
        var b = nodes[m];
        b.setAttribute('fill', on[b.getAttribute('data-bus')] ? '#222' : '#4a7fb5');
      }
    }
  }
  if (slider) {
    slider.addEventListener('input', function(){ show(parseInt(slider.value, 10)); });
    show(parseInt(slider.value, 10));
  } else { show(0); }
  document.body.setAttribute('data-report-ready', '1');
})();
"""


# ----------------------------------------------------------------------- helpers
def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _fmt(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        v = float(v)
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) >= 1e15 or abs(v) < 1e-3):
            return f"{v:.3g}"
        return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, pd.Timestamp | dt.datetime):
        if pd.isna(v):
            return ""
        return pd.Timestamp(v).strftime("%Y-%m-%d %H:%M %Z").strip()  # to the minute
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _jsonable(o):
    """Numbers and times as JSON values (:func:`gridmodel._io.jsonio.to_jsonable`); for the
    page's data only, anything else is shown as its text."""
    try:
        return to_jsonable(o)
    except TypeError:
        return str(o)


def _as_dict(obj) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    return {"value": obj}


def _flatten(d: Mapping, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            rows.extend(_flatten(v, key + "."))
        elif isinstance(v, list | tuple) and (len(v) > 12 or any(
                isinstance(x, Mapping | list | tuple) for x in v)):
            rows.append((key, f"[{len(v)} items]"))
        elif isinstance(v, list | tuple):
            rows.append((key, ", ".join(_fmt(x) for x in v)))
        else:
            rows.append((key, v))
    return rows


_RAW_KEYS = ("seed", "year", "sha", "hash", "id")


def _is_raw(name: str) -> bool:
    """An identifier's name (a seed, year, hash or id: shown without thousands
    separators): a word of ``name`` is ``id`` or starts with another of :data:`_RAW_KEYS`
    (``asset_id``, ``price_year``, ``network_sha256``; not ``avoided_...``)."""
    words = re.split(r"[^a-z0-9]+", str(name).lower())
    return any(w == "id" or (k != "id" and w.startswith(k)) for w in words for k in _RAW_KEYS)


def _fmt_key(key: str, v) -> str:
    """Format a value; identifiers (seeds, years, hashes) without thousands separators."""
    last = key.rsplit(".", 1)[-1].lower()
    if isinstance(v, int | np.integer) and _is_raw(last):
        return str(int(v))
    return _fmt(v)


def _kv_table(d: Mapping) -> str:
    rows = _flatten(d)
    if not rows:
        return '<p class="note">(none)</p>'
    body = "".join(f'<tr><td class="k">{_esc(k)}</td><td class="k">{_esc(_fmt_key(k, v))}'
                   "</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _df_table(df, name: str) -> str:
    if isinstance(df, Mapping):
        df = pd.DataFrame([df]) if not any(isinstance(v, list | tuple) for v in df.values()) \
            else pd.DataFrame(df)
    elif isinstance(df, list | tuple):
        df = pd.DataFrame(list(df))
    elif isinstance(df, pd.Series):
        df = df.to_frame()
    if not isinstance(df, pd.DataFrame):
        return f"<p>{_esc(df)}</p>"
    n = len(df)
    shown = df.head(_MAX_ROWS)
    if not isinstance(shown.index, pd.RangeIndex):
        shown = shown.reset_index()
    text_col = [not pd.api.types.is_numeric_dtype(shown[c])
                or _is_raw(c) for c in shown.columns]
    # text columns of long sentences get room to wrap at words, not at every letter
    cls = [(' class="k long"' if shown[c].astype(str).str.len().max() > 60 else " class=k")
           if t and len(shown) else "" for c, t in zip(shown.columns, text_col, strict=True)]
    head = "".join(f"<th{k}>{_esc(c)}</th>" for c, k in zip(shown.columns, cls, strict=True))
    body = []
    for row in shown.itertuples(index=False):
        cells = "".join(
            f"<td{k}>{_esc(_fmt_key(str(c), v) if t else _fmt(v))}</td>"
            for v, t, c, k in zip(row, text_col, shown.columns, cls, strict=True))
        body.append(f"<tr>{cells}</tr>")
    more = (f'<p class="note">showing {_MAX_ROWS} of {n} rows; the full table is in the '
            "output folder.</p>" if n > _MAX_ROWS else "")
    return (f'<div class="tbl"><table data-table="{_esc(name)}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>{more}')


def _figure(item) -> str:
    caption = None
    if isinstance(item, tuple | list) and len(item) == 2:
        caption, item = item
    if isinstance(item, bytes):
        data = base64.b64encode(item).decode("ascii")
        return (f'<figure><img alt="{_esc(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{_esc(caption)}</figcaption></figure>")
    p = Path(item)
    caption = caption or p.stem.replace("_", " ")
    if not p.is_file():
        return f'<p class="warn">figure not found: {_esc(p)}</p>'
    mime = _MIME.get(p.suffix.lower(), "application/octet-stream")
    data = base64.b64encode(p.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{_esc(caption)}" src="data:{mime};base64,{data}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


# ----------------------------------------------------------------------- map
def _bus_table(net) -> pd.DataFrame:
    bus = net.bus
    lon = bus["lon"] if "lon" in bus else pd.Series(np.nan, index=bus.index)
    lat = bus["lat"] if "lat" in bus else pd.Series(np.nan, index=bus.index)
    if (lon.isna().all() or lat.isna().all()) and "geo" in bus:
        def _xy(g):
            try:
                return json.loads(g)["coordinates"]
            except (TypeError, ValueError, KeyError):
                return [np.nan, np.nan]
        xy = bus["geo"].map(_xy)
        lon = xy.map(lambda c: c[0])
        lat = xy.map(lambda c: c[1])
    bid = bus["bus_id"].astype(str) if "bus_id" in bus else pd.Series(
        [f"bus:{i}" for i in bus.index], index=bus.index)
    return pd.DataFrame({"bus": bid, "lon": pd.to_numeric(lon, errors="coerce"),
                         "lat": pd.to_numeric(lat, errors="coerce"),
                         "vn_kv": bus["vn_kv"].astype(float) if "vn_kv" in bus else np.nan,
                         "name": bus["name"].astype(str) if "name" in bus else bid},
                        index=bus.index)


def _dark_ids(dark, buses: pd.DataFrame) -> list[list[str]] | None:
    """Normalise ``dark_buses`` to a list of steps, each a list of bus ids."""
    if dark is None:
        return None
    by_index = dict(zip(buses.index, buses["bus"], strict=True))

    def ids(seq) -> list[str]:
        out = []
        for b in seq:
            if isinstance(b, int | np.integer) and int(b) in by_index:
                out.append(by_index[int(b)])
            else:
                out.append(str(b))
        return out

    if isinstance(dark, pd.DataFrame):  # [time x bus] bool
        return [ids([c for c in dark.columns if bool(r[c])]) for _, r in dark.iterrows()]
    if isinstance(dark, Mapping):
        return [ids(v) for _, v in sorted(dark.items(), key=lambda kv: str(kv[0]))]
    return [ids(list(dark))]


def _network_svg(net, struck: list[str], dark_steps) -> tuple[str, list[str]]:
    buses = _bus_table(net)
    ok = buses["lon"].notna() & buses["lat"].notna()
    if not ok.any():
        return '<p class="note">the network has no bus coordinates to draw.</p>', []
    proj = Proj(buses.loc[ok, "lon"], buses.loc[ok, "lat"])
    x, y = proj(buses["lon"], buses["lat"])
    pos = {i: (x[k], y[k]) for k, i in enumerate(buses.index) if ok.iloc[k]}
    parts = [f'<svg id="map-network" viewBox="0 0 {proj.w:.0f} {proj.h:.0f}" '
             'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="network map">']
    reg = net.registry if "registry" in net else None
    struck_set = set(struck)
    struck_lines = set()
    if reg is not None and struck_set:
        struck_lines = set(reg.loc[reg["asset_id"].isin(struck_set)
                                   & (reg["element"] == "line"), "element_index"].astype(int))
    for table, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        if table not in net or not len(net[table]):
            continue
        for idx, r in net[table].iterrows():
            p, q = pos.get(r[a]), pos.get(r[b])
            if p is None or q is None:
                continue
            hit = table == "line" and idx in struck_lines
            kv = buses.loc[r[a], "vn_kv"]
            col = "#d62828" if hit else ("#7b2cbf" if kv >= 700 else "#3a86ff" if kv >= 300
                                         else "#8d99ae")
            parts.append(f'<line x1="{p[0]:.1f}" y1="{p[1]:.1f}" x2="{q[0]:.1f}" '
                         f'y2="{q[1]:.1f}" stroke="{col}" stroke-width="{2.5 if hit else 1}"'
                         f' opacity="0.8"/>')
    dark0 = set(dark_steps[0]) if dark_steps else set()
    for k, i in enumerate(buses.index):
        if not ok.iloc[k]:
            continue
        bid = buses.loc[i, "bus"]
        fill = "#222" if bid in dark0 else "#4a7fb5"
        parts.append(f'<circle class="bus" data-bus="{_esc(bid)}" cx="{x[k]:.1f}" '
                     f'cy="{y[k]:.1f}" r="2.6" fill="{fill}"><title>'
                     f"{_esc(buses.loc[i, 'name'])} [{_esc(bid)}]</title></circle>")
    marks, listed = struck_marks(reg, struck_set, proj)
    parts += marks
    parts.append("</svg>")
    return "".join(parts), listed


def _layer_naming(names: set[str]):
    """The first built-in heat layer (in name order) whose district table names one of
    ``names``, or None (also when gridmodel has no built-in data folder)."""
    from gridmodel.heat.layer import builtin_layers, load_layer

    try:
        candidates = builtin_layers()
    except FileNotFoundError:
        return None
    for name in candidates:
        layer = load_layer(name)
        if layer.districts["district"].astype(str).isin(names).any():
            return layer
    return None


def _district_table(heat: pd.DataFrame, districts, layer):
    """The district table of the map, restricted to the districts of ``heat``, and the
    heat layer it belongs to.

    ``districts`` when given, else ``layer.districts``, else the table of the built-in
    layer that names the frame's districts (:func:`_layer_naming`).

    Returns
    -------
    (pandas.DataFrame or None, HeatLayer or None)
        ``district, name, lon, lat, ...``; None when no table holds coordinates for the
        frame's districts.
    """
    names = set(heat["district"].astype(str))
    if districts is None:
        layer = layer if layer is not None else _layer_naming(names)
        if layer is None:
            return None, None
        districts = layer.districts
    d = pd.DataFrame(districts).copy()
    lon = "centroid_lon" if "centroid_lon" in d else "lon"
    lat = "centroid_lat" if "centroid_lat" in d else "lat"
    if "district" not in d or lon not in d or lat not in d:
        return None, None
    d = d.rename(columns={lon: "lon", lat: "lat"})
    d = d[d["district"].astype(str).isin(names)]
    return (d, layer) if len(d) else (None, None)


def _heat_long(heat_frames) -> pd.DataFrame | None:
    """``heat_hourly`` as a long ``time, district, buildings_without_heat[, people...]``
    frame (a wide [time x district] frame is melted), or None when there is none."""
    h = heat_frames
    if isinstance(h, Mapping):
        h = h.get("heat_hourly")
    if not isinstance(h, pd.DataFrame) or h.empty:
        return None
    if "district" not in h or "buildings_without_heat" not in h:
        if not {"district"}.isdisjoint(h.columns):
            return None
        h = h.rename_axis("time").reset_index().melt(  # wide: [time x district]
            id_vars="time", var_name="district", value_name="buildings_without_heat")
    return h.copy()


def _district_stock(names, d: pd.DataFrame, stock, piv: pd.DataFrame) -> list[int]:
    """Buildings per district for the colour scale: ``stock``, else the district table's
    ``buildings`` (or ``buildings_2014``) column, else the district's peak value."""
    st = []
    for n in names:
        if stock is not None and n in stock:
            st.append(int(stock[n]))
        elif "buildings" in d or "buildings_2014" in d:
            col = "buildings" if "buildings" in d else "buildings_2014"
            st.append(int(d.loc[d["district"] == n, col].iloc[0]))
        else:
            st.append(int(max(piv[n].max(), 1)) if n in piv else 1)
    return st


def _heat_payload(heat_frames, districts, stock, layer=None):
    """Per-district hourly buildings (and people) without heat for the slider.

    Returns
    -------
    (dict or None, pandas.DataFrame or None, HeatLayer or None)
        The page's ``heat`` data, the district table (:func:`_district_table`) and the heat
        layer it came from.
    """
    h = None if heat_frames is None else _heat_long(heat_frames)
    if h is not None and layer is not None and "city" in h:  # a run of several cities
        h = h[h["city"].astype(str) == layer.name]
    if h is None or h.empty:
        return None, None, None
    d, layer = _district_table(h, districts, layer)
    if d is None:
        return None, None, None
    from gridmodel.report.findings import layer_tz

    tz = layer_tz(layer, pd.DatetimeIndex(h["time"]))
    h["time"] = pd.to_datetime(h["time"], utc=True)
    times = sorted(h["time"].unique())

    def per_district(col: str) -> pd.DataFrame:
        return h.pivot_table(index="time", columns="district", values=col,
                             aggfunc="sum").reindex(times).fillna(0)

    piv = per_district("buildings_without_heat")
    ppl = per_district("people_without_heat") if "people_without_heat" in h else None
    names = d["district"].astype(str).tolist()
    payload = {
        "times": [pd.Timestamp(t).tz_convert(tz).strftime("%Y-%m-%d %H:%M") for t in times],
        "districts": names,
        "labels": (d["name"] if "name" in d else d["district"]).astype(str).tolist(),
        "stock": _district_stock(names, d, stock, piv),
        "values": [[int(v) for v in (piv[n] if n in piv else np.zeros(len(times)))]
                   for n in names],
        "people": None if ppl is None else [
            [int(v) for v in (ppl[n] if n in ppl else np.zeros(len(times)))] for n in names],
    }
    return payload, d, layer


def _districts_svg(payload, d: pd.DataFrame, map_id: str, label: str,
                   polygons: dict | None = None, prefix: str = "") -> str:
    """The district map: each district's boundary filled by its share of buildings
    without heat (a choropleth) when ``polygons`` hold every district, else a circle at
    its centroid; element ids ``<prefix>d-<i>`` (shape) and ``<prefix>dv-<i>`` (value)."""
    names = payload["districts"]
    shapes = polygons if polygons and all(n in polygons for n in names) else None
    if shapes is not None:
        pts = geometry_points(shapes[n] for n in names)
        proj = Proj(pts[:, 0], pts[:, 1], width=520, pad=20)
    else:
        proj = Proj(d["lon"], d["lat"], width=520, pad=50)
    x, y = proj(d["lon"], d["lat"])
    parts = [f'<svg id="{_esc(map_id)}" viewBox="0 0 {proj.w:.0f} {proj.h:.0f}" '
             f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_esc(label)}">']
    for i, (dist, name, xi, yi) in enumerate(zip(names, payload["labels"], x, y,
                                                 strict=True)):
        title = f"<title>{_esc(name)}</title>"
        if shapes is not None:
            parts.append(f'<path id="{prefix}d-{i}" class="district" fill-rule="evenodd" '
                         f'd="{geometry_path(shapes[dist], proj)}" fill="#9cc89c" '
                         f'stroke="#333" stroke-width="0.8">{title}</path>')
            dy_name, dy_value = 13, -3
        else:
            parts.append(f'<circle id="{prefix}d-{i}" class="district" cx="{xi:.1f}" '
                         f'cy="{yi:.1f}" r="8" fill="#9cc89c" stroke="#333" '
                         f'stroke-width="0.8" opacity="0.85">{title}</circle>')
            dy_name, dy_value = 34, 4
        parts.append(f'<text x="{xi:.1f}" y="{yi + dy_name:.1f}" font-size="11" '
                     f'text-anchor="middle" pointer-events="none">{_esc(name)}</text>'
                     f'<text id="{prefix}dv-{i}" x="{xi:.1f}" y="{yi + dy_value:.1f}" '
                     'font-size="10" text-anchor="middle" font-weight="bold" '
                     'pointer-events="none">0</text>')
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------------- sections
_LEGEND = ('<p class="legend"><span><i class="sw" style="background:#7b2cbf"></i>'
           '750 kV</span><span><i class="sw" style="background:#3a86ff"></i>330 kV'
           '</span><span><i class="sw" style="background:#8d99ae"></i>lower</span>'
           '<span><i class="sw" style="background:#4a7fb5"></i>bus energised</span>'
           '<span><i class="sw" style="background:#222"></i>bus dark</span>'
           '<span><i class="sw" style="background:#d62828"></i>struck</span></p>')


def _kv_section(sec_id: str, title: str, d: Mapping) -> str:
    return f'<section id="{sec_id}"><h2>{_esc(title)}</h2>{_kv_table(d)}</section>'


def _text_sections(notes, illustrative, figures) -> list[str]:
    """The open sections above the map: notes, illustrative values, figures."""
    sec: list[str] = []
    notes = list(notes)
    if notes:
        sec.append("<section><h2>About this report</h2>"
                   + "".join(f"<p>{_esc(n)}</p>" for n in notes) + "</section>")
    ill = [str(x) for x in illustrative]
    if ill:
        sec.append('<section id="illustrative"><h2>Illustrative values</h2>'
                   '<div class="warn">These values have no public source ([C]) and are '
                   "illustrative: read results that depend on them as orders of magnitude."
                   "<ul>" + "".join(f"<li>{_esc(x)}</li>" for x in ill) + "</ul></div>"
                   "</section>")
    figs = list(figures or ())
    if figs:
        sec.append('<section id="figures"><h2>Figures</h2>'
                   + "".join(_figure(f) for f in figs) + "</section>")
    return sec


def _raw_sections(scenario, summary, raw_figures) -> list[str]:
    """The folded sections at the end: scenario, summary figures, raw figures."""
    sec: list[str] = []
    sc = _as_dict(scenario)
    sc.pop("path", None) if sc.get("path") is None else None
    if sc:
        sec.append(_kv_section("scenario", "Scenario and sources", sc))
    if summary:
        sec.append(_kv_section("summary", "Summary figures", summary))
    figs = list(raw_figures or ())
    if figs:
        sec.append('<section id="raw-figures"><h2>Output figures</h2>'
                   + "".join(_figure(f) for f in figs) + "</section>")
    return sec


def _network_map(network, struck_assets, dark_buses) -> tuple[str, list[list[str]] | None]:
    """The network map (struck assets, dark buses at the first step) and the dark-bus
    steps the slider replays (None when ``dark_buses`` cannot be read)."""
    try:
        dark_steps = _dark_ids(dark_buses, _bus_table(network))
    except (KeyError, TypeError, ValueError):
        dark_steps = None
    struck = [str(a) for a in struck_assets]
    svg, listed = _network_svg(network, struck, dark_steps)
    miss = sorted(set(struck) - set(listed))
    extra = (f'<p class="note">struck without coordinates: {_esc(", ".join(miss))}</p>'
             if miss else "")
    return (f'<div class="map"><h3>Network: struck and dark</h3>{svg}{_LEGEND}'
            f"{extra}</div>"), dark_steps


def _district_map(payload, dtab: pd.DataFrame, layer, prefix: str = "") -> str:
    """The district map of buildings without heat, named after the heat layer's
    ``meta["city"]``: a choropleth on the layer's district boundaries when it ships them,
    circles at the centroids otherwise."""
    city = layer.city if layer is not None else None
    map_id = f"map-{layer.name}" if layer is not None else "map-districts"
    label = f"{city} districts" if city else "districts"
    from gridmodel.report.gis import district_geometries

    polygons = district_geometries(layer) if layer is not None else None
    svg = _districts_svg(payload, dtab, map_id, label, polygons, prefix)
    how = ("colour: share of the district's buildings cut off from heat at the selected "
           "hour (district boundaries: the layer's district polygons)"
           if 'class="district" fill-rule' in svg else
           "circle size and colour: share of the district's buildings cut off from heat "
           "at the selected hour (circles at the district centroids: the layer ships no "
           "boundaries)")
    return (f'<div class="map"><h3>{_esc(city + " districts" if city else "Districts")}: '
            f'buildings without heat</h3>{svg}<p class="note">{_esc(how)}.</p></div>')


def _slider(n_times: int, start: int) -> str:
    """The one time slider of every map, at hour ``start`` of ``n_times``."""
    return (f'<input id="slider" type="range" min="0" max="{max(n_times - 1, 0)}" '
            f'value="{start}" step="1" aria-label="time">'
            f'<p id="slider-label" class="note"></p>')


def _peak_hour(payload: dict) -> int:
    """The hour with the most buildings without heat in a district map's data."""
    return int(np.argmax(np.sum(payload["values"], axis=0))) if payload["times"] else 0


def _map_section(data: dict, network, struck_assets, dark_buses, heat_frames, districts,
                 building_stock, heat_layers, grid_loads=None) -> list[str]:
    """The map section (network map, oblast map, one district map per heat layer, one
    slider); fills the page's ``data`` (``dark`` steps, ``oblasts`` shares, ``heats``
    payloads) in place."""
    maps = []
    if network is not None:
        div, dark_steps = _network_map(network, struck_assets, dark_buses)
        maps.append(div)
        if dark_steps is not None:
            data["dark"] = {"steps": dark_steps}
        from gridmodel.report.findings import layer_tz
        from gridmodel.report.oblast_map import oblast_map

        div, shares = oblast_map(network, grid_loads, [str(a) for a in struck_assets],
                                 layer_tz((heat_layers or [None])[0]))
        if div is not None:
            maps.append(div)
            data["oblasts"] = shares
    payloads = []
    for i, layer in enumerate(heat_layers or [None]):
        payload, dtab, lay = _heat_payload(heat_frames, districts if i == 0 else None,
                                           building_stock if i == 0 else None, layer)
        if payload is None:
            continue
        prefix = "" if not payloads else f"c{len(payloads)}-"
        payload.update(prefix=prefix,
                       city=lay.city if lay is not None else "")
        payloads.append(payload)
        maps.append(_district_map(payload, dtab, lay, prefix))
    if payloads:
        data["heats"] = payloads
    if not maps:
        return []
    n_times = max([0, *(len(p["times"]) for p in payloads),
                   *([len(data["oblasts"]["times"])] if "oblasts" in data else [])])
    slider = (_slider(n_times, _peak_hour(payloads[0]) if payloads else 0)
              if n_times else "")
    return ['<section id="map"><h2>Map</h2>' + slider
            + f'<div class="maps">{"".join(maps)}</div></section>']


def _table_sections(tables: Mapping | None) -> list[str]:
    """One section per table, in order."""
    return [f'<section class="table"><h2>{_esc(name)}</h2>{_df_table(df, name)}</section>'
            for name, df in (tables or {}).items()]


def _provenance_section(provenance, version: str, now: str) -> list[str]:
    """Provenance key/value pairs (with the gridmodel version and the time written) and its
    tables (DataFrame or list-of-dict values)."""
    prov = dict(provenance or {})
    if not prov:
        return []
    frames = {k: v for k, v in prov.items() if isinstance(v, pd.DataFrame | list)
              and (isinstance(v, pd.DataFrame) or (v and isinstance(v[0], Mapping)))}
    plain = {k: v for k, v in prov.items() if k not in frames}
    plain.setdefault("gridmodel_version", version)
    plain.setdefault("report_written", now)
    body = _kv_table(plain) + "".join(f"<h3>{_esc(k)}</h3>{_df_table(v, k)}"
                                      for k, v in frames.items())
    return [f'<section id="provenance"><h2>Provenance</h2>{body}</section>']


def _findings_view(findings: Mapping | None) -> dict | None:
    """The findings box for the template: ``headline``, ``items`` (``label, key, value,
    text``), ``table`` (title, DataFrame) rendered, ``notes``."""
    if not findings:
        return None
    from markupsafe import Markup

    view = {"headline": findings.get("headline"), "notes": list(findings.get("notes", ())),
            "items": [dict(it) for it in findings.get("items", ())]}
    table = findings.get("table")
    if table is not None and len(table[1]):
        view["table_title"] = table[0]
        view["table_html"] = Markup(_df_table(table[1], "key-findings"))
    return view


def _document(title: str, version: str, now: str, sections: list[str], data: dict,
              findings: Mapping | None = None, raw: list[str] = ()) -> str:
    """The whole page (template ``templates/report.html.j2``): inline CSS, header, the
    findings box, sections, the folded raw sections, embedded JSON data, inline script."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, keep_trailing_newline=True)
    payload_json = json.dumps(data, default=_jsonable).replace("</", "<\\/")
    return env.get_template("report.html.j2").render(
        title=title, version=version, now=now, css=Markup(_CSS), js=Markup(_JS),
        findings=_findings_view(findings), sections=[Markup(x) for x in sections],
        raw=[Markup(x) for x in raw], data_json=Markup(payload_json))


# ----------------------------------------------------------------------- main
def write_report(out_dir: str | os.PathLike, *, title: str = "gridmodel report",
                 scenario=None, summary: Mapping | None = None,
                 figures: Iterable = (), tables: Mapping | None = None, network=None,
                 struck_assets: Iterable[str] = (), dark_buses=None, heat_frames=None,
                 districts=None, building_stock: Mapping | None = None,
                 illustrative: Iterable[str] = (), provenance: Mapping | None = None,
                 notes: Iterable[str] = (), filename: str = "report.html",
                 heat_layer=None, findings: Mapping | None = None,
                 raw_figures: Iterable = (), heat_layers: Iterable | None = None,
                 grid_loads: pd.DataFrame | None = None) -> Path:
    """Write one self-contained HTML report into an output folder.

    Every argument but ``out_dir`` is optional; absent sections are left out. The
    accepted forms of each argument are tabled in ``docs/report.md``.

    Parameters
    ----------
    out_dir : path
        The command's output folder (created if missing; the caller has applied its
        ``--force`` rule); ``report.html`` inside it is (re)written.
    title : str
    scenario : Scenario, dict or None
        Key/value pairs, folded at the end.
    summary : dict, optional
        Figures (nested dicts flattened as ``a.b``); folded at the end when there are
        ``findings``, else shown open first.
    figures, raw_figures : iterable of path or (caption, path) or (caption, PNG bytes)
        Data URIs (a missing file is noted): open under the findings / folded at the end.
    tables : dict of str to DataFrame (or list of dicts, or dict)
        Shown in order; at most 200 rows each.
    network, struck_assets : pandapowerNet, iterable of str
        Drawn from bus lon/lat (lines by voltage), struck registry asset ids marked.
    dark_buses : list, dict or DataFrame, optional
        Bus ids / indices (one state), ``{time: [bus ids]}`` or a [time x bus] bool frame.
    grid_loads : DataFrame, optional
        ``time, oblast, demand_mw, shed_mw``: the oblast map (with ``network``'s oblasts).
    heat_frames : DataFrame or dict, optional
        ``heat_hourly`` (or a dict holding it, or a wide [time x district] frame): the
        district map with a time slider.
    districts : DataFrame, optional
        ``district, name, centroid_lon, centroid_lat[, buildings]``; default
        ``heat_layer.districts`` (or the built-in layer naming the frame's districts).
    building_stock : dict, optional
        ``{district: buildings}`` for the colour scale.
    illustrative : iterable of str
        Illustrative ([C]) values or files, in a highlighted box.
    provenance : dict, optional
        Seed, versions, hashes; DataFrame values shown as tables; folded at the end.
    notes : iterable of str
        Paragraphs under the findings.
    heat_layer, heat_layers : HeatLayer, list of HeatLayer, optional
        District map(s): table, ``meta["city"]``, ``meta["tz"]``, boundaries (a choropleth
        then); ``heat_layers`` one map per city of ``heat_frames`` (``city`` column).
    findings : dict, optional
        The key-findings box, first on the page: ``headline``, ``items`` (dicts ``label,
        key, value, text``; ``text`` shown, ``value`` as ``data-value`` of
        ``<dd data-finding="key">``), ``table`` (``(title, DataFrame)``), ``notes``.

    Returns
    -------
    Path
        The written file (``filename``, default ``report.html``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from gridmodel._io import __version__
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    data: dict = {}
    sec = [_kv_section("summary", "Summary figures", summary)] if summary and not findings else []
    sec += _text_sections(notes, illustrative, figures)
    layers = list(heat_layers) if heat_layers else [heat_layer]
    sec += _map_section(data, network, struck_assets, dark_buses, heat_frames, districts,
                        building_stock, layers, grid_loads)
    sec += _table_sections(tables)
    raw = _raw_sections(scenario, summary if findings else None, raw_figures)
    raw += _provenance_section(provenance, __version__, now)
    path = out / filename
    path.write_text(_document(title, __version__, now, sec, data, findings, raw),
                    encoding="utf-8")
    return path


# ----------------------------------------------------------------------- conveniences
def dark_buses_from_loads(loads: pd.DataFrame, net) -> dict[str, list[str]]:
    """``{time: [bus ids]}`` of buses whose loads are all de-energised, per step.

    Parameters
    ----------
    loads : pandas.DataFrame
        ``time, load_id, energised`` (``TimelineResult.loads`` or the ``grid_loads`` frame).
    net : pandapowerNet
        Its registry maps loads to substations and substations to buses.
    """
    from gridmodel.heat.grid import bus_of_substation

    reg = net.registry.set_index("asset_id")
    b_of_s = bus_of_substation(net.registry)
    df = loads[["time", "load_id", "energised"]].copy()
    df["bus"] = df["load_id"].map(reg["substation"]).map(b_of_s)
    df = df.dropna(subset=["bus"])
    on = df.groupby(["time", "bus"])["energised"].any()
    out: dict[str, list[str]] = {}
    for t, g in on.groupby(level="time"):
        out[pd.Timestamp(t).isoformat()] = sorted(
            b for (_, b), v in g.items() if not bool(v))
    return out


def _assumptions_file(layer) -> str:
    """The heat layer's assumptions file as the report names it: a built-in file relative
    to the data root (``networks/<layer>/assumptions.toml``), any other as its path."""
    if layer is None or "assumptions" not in layer.files:
        return "the heat layer's assumptions.toml"
    from gridmodel._io.data import data_dir

    path = Path(layer.files["assumptions"])
    try:
        return path.resolve().relative_to(data_dir("networks").parent.resolve()).as_posix()
    except (ValueError, FileNotFoundError):
        return str(path)


def _change_figures(result, findings) -> list[tuple[str, bytes]]:
    """The run's figures of what changed (:mod:`gridmodel.report.change_plots`)."""
    from gridmodel.report.change_plots import indoor_png, timeline_png
    from gridmodel.report.findings import district_names

    ctx, chain, layer = result.context, result.chain, result.layer
    wh = np.asarray(chain.heat.without_heat)
    if not wh.any():
        return []
    names = district_names(layer)
    dist = layer.buildings["district"].astype(str).to_numpy()
    hit = sorted({d for d in dist[wh.any(axis=0)]})
    by_d = pd.DataFrame({names.get(d, d): wh[:, dist == d].sum(axis=1) for d in hit},
                        index=ctx.index)
    health = float(layer.assumptions["comfort"]["health_risk_c"])
    return [
        ("Buildings without heat in the affected districts, and the outdoor temperature",
         timeline_png(ctx.index, by_d, findings.baseline_hourly, ctx.temp.to_numpy(),
                      findings.tz)),
        ("Indoor temperature of the buildings that lost heat",
         indoor_png(ctx.index, chain.temperatures, wh.any(axis=0), health, findings.tz))]


def _run_inputs(result, net, out: Path) -> dict:
    """What a run's report draws besides its findings: struck assets, dark buses per
    hour, output figures, provenance."""
    frames, summary = result.frames or {}, result.summary
    assets = frames.get("grid_assets")
    loads = frames.get("grid_loads")
    prov = {"seed": summary.get("seed"), **(summary.get("hashes") or {}),
            "schema_version": summary.get("schema_version")}
    if assets is not None and len(assets):
        from gridmodel.report.findings import layer_tz

        tz = layer_tz(getattr(result, "layer", None))
        shown = assets.drop(columns=[c for c in ("strike_rows",) if c in assets])
        for c in ("start", "end"):
            if c in shown and isinstance(shown[c].dtype, pd.DatetimeTZDtype):
                shown[c] = shown[c].dt.tz_convert(tz)  # the layer's local time
        prov["assets out (strikes and repairs)"] = shown
    by_d = (summary.get("heat") or {}).get("by_district") or {}
    return {
        "struck_assets": sorted(set(assets["asset_id"])) if assets is not None
        and len(assets) else [],
        "dark_buses": dark_buses_from_loads(loads, net) if loads is not None and len(loads)
        else None,
        "grid_loads": loads,
        "raw_figures": [q if (q := Path(p)).is_absolute() else out / q
                        for p in summary.get("plots") or []],
        "provenance": prov,
        "building_stock": {d: int(v["buildings"]) for d, v in by_d.items()
                           if isinstance(v, Mapping) and "buildings" in v} or None}


def run_report(result, out=None, *, net=None, title: str | None = None,
               compare: bool = True, findings=None) -> Path:
    """``report.html`` for a :class:`gridmodel.studies.scenario.RunResult` (``gridmodel run``).

    Parameters
    ----------
    result : RunResult
        With ``summary``, ``frames`` (``heat_hourly``, ``grid_loads``, ``grid_assets``),
        ``context`` and ``chain``.
    out : path, optional
        Default ``result.out``.
    net : pandapowerNet, optional
        Default: ``load_network(scenario.network, status_date=scenario.status_date)``.
    title : str, optional
    compare : bool
        Run the no-strike baseline and the leave-one-strike-out runs for the findings
        (:func:`gridmodel.report.findings.run_findings`).
    findings : RunFindings, optional
        Findings already computed (``gridmodel run`` writes them to summary.json first).

    Returns
    -------
    Path

    Notes
    -----
    First the key findings (:func:`gridmodel.report.findings.run_box`), then the figures
    of what changed, the maps, the leave-one-out table; the run's own PNG files, the
    scenario, the summary and the provenance folded at the end. The district map, its
    city name and local time come from ``result.layer``.
    """
    from gridmodel.report.findings import run_box, run_findings

    out = Path(out if out is not None else result.out)
    sc, layer = result.scenario, getattr(result, "layer", None)
    if net is None:
        from gridmodel.network.io import load_network

        net = load_network(sc.network, status_date=sc.status_date)
    f = findings if findings is not None else run_findings(result, compare=compare)
    short = {k: v for k, v in result.summary.items() if k not in ("hashes", "plots",
                                                                   "scenario")}
    title_loo = ("Strikes left out one at a time: without heat avoided (same seed, same "
                 "repair times for the other strikes)")
    tables = {(f"{title_loo}, {c.city}" if f.cities else title_loo): c.drivers
              for c in (f.cities or [f]) if not c.drivers.empty}
    layers = [c.layer for c in result.context.cities] if result.context.cities else None
    return write_report(
        out, title=title or f"Scenario: {sc.name}", scenario=sc, summary=short,
        figures=_change_figures(result, f), tables=tables, network=net,
        heat_frames=result.frames or {}, heat_layer=layer, heat_layers=layers,
        findings=run_box(f),
        illustrative=[*("heat-layer assumptions: building registry, zones, bridging, "
                        f"crews ({_assumptions_file(lay)}) [C]" for lay in (layers or [layer])),
                      "repair times without a named source "
                      "(gridmodel/data/repair_times.toml) [C]"],
        notes=[result.explanation.split("\n\n")[0]] if getattr(result, "explanation", "")
        else (), **_run_inputs(result, net, out))
