"""Asset registry: stable ids, display names, kinds, places and aliases of every element.

The registry is a plain :class:`pandas.DataFrame` stored on the network as
``net.registry`` so that it survives pandapower's JSON round trip. One row per asset:

========================  ==========================================================
column                    meaning
========================  ==========================================================
``asset_id``              stable id, unique (``"sub:kyivska"``, ``"line:..."``, ...)
``kind``                  ``substation``, ``bus``, ``line``, ``transformer``, ``plant``,
                          ``load``, ``interconnector``, ``shunt``
``element``               pandapower table (``bus``, ``line``, ``trafo``, ``gen``,
                          ``sgen``, ``load``, ``ext_grid``, ``shunt``) or
                          ``substation`` for a group of buses
``element_index``         index in that table (-1 for a substation)
``name``                  display name
``aliases``               ``|``-separated alternative names (Latin and Ukrainian)
``oblast``                oblast (region) or ``"unknown"``
``lon``, ``lat``          coordinates [degrees]; NaN when unknown
``vn_kv``                 highest nominal voltage [kV] (NaN for plants and loads)
``technology``            generation technology for plants, else ``""``
``priority_class``        load class for loads, else ``""``
``substation``            asset id of the substation an element belongs to (or ``""``)
========================  ==========================================================

Name resolution (:func:`resolve`) is strict: every unknown or ambiguous name is
reported at once with the closest registry names.
"""

from __future__ import annotations

import difflib
import functools
import re
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from gridmodel.errors import InputError, UnknownAssetError
from gridmodel.network.translit import to_ascii

REGISTRY_COLUMNS = [
    "asset_id",
    "kind",
    "element",
    "element_index",
    "name",
    "aliases",
    "oblast",
    "lon",
    "lat",
    "vn_kv",
    "technology",
    "priority_class",
    "substation",
]

ASSET_KINDS = (
    "substation",
    "bus",
    "line",
    "transformer",
    "plant",
    "load",
    "interconnector",
    "shunt",
)

#: pandapower table -> registry kind, for networks that come without a registry.
_ELEMENT_KIND = {
    "bus": "bus",
    "line": "line",
    "trafo": "transformer",
    "trafo3w": "transformer",
    "gen": "plant",
    "sgen": "plant",
    "load": "load",
    "ext_grid": "interconnector",
    "shunt": "shunt",
}

_ID_PREFIX = {
    "bus": "bus",
    "line": "line",
    "trafo": "trafo",
    "trafo3w": "trafo3w",
    "gen": "gen",
    "sgen": "sgen",
    "load": "load",
    "ext_grid": "extgrid",
    "shunt": "shunt",
}

# Words that reports add to asset names but that do not identify the asset, with what
# each says about the asset: its kind or its technology (None: nothing, a voltage word).
_NOISE_CLASS = {
    "ps": "substation", "pc": "substation", "substation": "substation",
    "pidstantsiia": "substation", "pidstantsiya": "substation", "ss": "substation",
    "kv": None, "kb": None,
    "tes": "thermal", "tpp": "thermal",
    "tets": "chp", "chp": "chp", "chpp": "chp",
    "npp": "nuclear", "aes": "nuclear",
    "hpp": "hydro", "ges": "hydro",
}
_NOISE = re.compile(r"\b(" + "|".join(_NOISE_CLASS) + r")\b")
#: what a noise word says, as an asset is: a substation, or a plant of its technology
_TECHNOLOGY_CLASS = {"coal": "thermal", "gas": "thermal", "oil": "thermal", "chp": "chp",
                     "nuclear": "nuclear", "hydro": "hydro", "pumped_storage": "hydro"}
#: what each noise class means, for messages
_CLASS_TEXT = {"substation": "a substation", "thermal": "a thermal (coal, gas, oil) plant",
               "chp": "a combined heat and power plant", "nuclear": "a nuclear plant",
               "hydro": "a hydro plant"}


def normalize_name(name: str) -> str:
    """Return the matching key of a name: transliterated, case-folded, punctuation-free.

    ``"Київська-750"``, ``"Kyivska 750"`` and ``"kyivska_750"`` all give ``"kyivska750"``
    so that strike lists may spell names as reports do.
    """
    return _normalize_str(str(name))


@functools.lru_cache(maxsize=1 << 16)
def _normalize_str(name: str) -> str:
    """:func:`normalize_name` of a string (memoised: registries resolve the same names often)."""
    text = to_ascii(name).casefold()
    text = text.replace("'", "").replace("`", "")
    return re.sub(r"[^0-9a-z]+", "", text)


def slug(name: str) -> str:
    """Return a lower-case ASCII id fragment of ``name`` (``"Kyiv CHP-5"`` -> ``"kyiv-chp-5"``)."""
    text = to_ascii(str(name)).casefold().replace("'", "")
    return re.sub(r"[^0-9a-z]+", "-", text).strip("-")


def _typed(reg: pd.DataFrame) -> pd.DataFrame:
    reg = reg.reindex(columns=REGISTRY_COLUMNS)
    for col in (
        "asset_id",
        "kind",
        "element",
        "name",
        "aliases",
        "oblast",
        "technology",
        "priority_class",
        "substation",
    ):
        reg[col] = reg[col].fillna("").astype(str)
    reg["element_index"] = reg["element_index"].fillna(-1).astype(np.int64)
    for col in ("lon", "lat", "vn_kv"):
        reg[col] = pd.to_numeric(reg[col], errors="coerce").astype(float)
    return reg.reset_index(drop=True)


def validate_registry(reg: pd.DataFrame) -> pd.DataFrame:
    """Check a registry's columns, kinds and id uniqueness; return it with clean dtypes.

    Raises
    ------
    ValueError
        Naming the missing columns, the duplicated ids or the unknown kinds.
    """
    missing = [c for c in REGISTRY_COLUMNS if c not in reg.columns]
    if missing:
        msg = f"registry lacks columns {missing}; expected {REGISTRY_COLUMNS}."
        raise ValueError(msg)
    reg = _typed(reg)
    dup = reg.loc[reg["asset_id"].duplicated(keep=False), "asset_id"].unique().tolist()
    if dup:
        msg = f"registry has duplicated asset ids {dup[:10]}; every asset id must be unique."
        raise ValueError(msg)
    bad = sorted(set(reg["kind"]) - set(ASSET_KINDS))
    if bad:
        msg = f"registry has unknown kinds {bad}; allowed: {list(ASSET_KINDS)}."
        raise ValueError(msg)
    return reg


def build_registry_from_elements(net) -> pd.DataFrame:
    """Build a registry for a pandapower net that came without one.

    Ids and names come from element names (or table and index when unnamed). Every bus
    is its own substation. What a plain pandapower net cannot say (oblast, priority
    class, technology) is set to ``"unknown"`` and a warning says so.
    """
    rows = []
    bus_geo = _bus_lonlat(net)
    for element, kind in _ELEMENT_KIND.items():
        table = net[element] if element in net else None
        if table is None or len(table) == 0:
            continue
        prefix = _ID_PREFIX[element]
        for idx, row in table.iterrows():
            raw = row.get("name")
            name = str(raw) if isinstance(raw, str) and raw.strip() else f"{element} {idx}"
            bus = _element_bus(element, row)
            lon, lat = bus_geo.get(bus, (np.nan, np.nan))
            vn = (
                float(net.bus.at[bus, "vn_kv"])
                if bus is not None and bus in net.bus.index
                else np.nan
            )
            rows.append(
                {
                    "asset_id": f"{prefix}:{idx}",
                    "kind": kind,
                    "element": element,
                    "element_index": int(idx),
                    "name": name,
                    "aliases": name,
                    "oblast": "unknown",
                    "lon": lon,
                    "lat": lat,
                    "vn_kv": vn if element in ("bus", "line", "trafo", "trafo3w") else np.nan,
                    "technology": (
                        str(row.get("type", "unknown")) or "unknown" if kind == "plant" else ""
                    ),
                    "priority_class": "unknown" if kind == "load" else "",
                    "substation": f"sub:{bus}" if bus is not None else "",
                }
            )
    # every bus its own substation, so "strike the substation" works on any network
    for idx in net.bus.index:
        lon, lat = bus_geo.get(idx, (np.nan, np.nan))
        raw = net.bus.at[idx, "name"] if "name" in net.bus else None
        name = str(raw) if isinstance(raw, str) and raw.strip() else f"bus {idx}"
        rows.append(
            {
                "asset_id": f"sub:{idx}",
                "kind": "substation",
                "element": "substation",
                "element_index": -1,
                "name": f"{name} substation",
                "aliases": name,
                "oblast": "unknown",
                "lon": lon,
                "lat": lat,
                "vn_kv": float(net.bus.at[idx, "vn_kv"]),
                "technology": "",
                "priority_class": "",
                "substation": "",
            }
        )
    reg = validate_registry(pd.DataFrame(rows, columns=REGISTRY_COLUMNS))
    warnings.warn(
        "network has no registry: built one from element names; oblast, technology and "
        "priority class are 'unknown'. Add a `registry` table to the network to set them.",
        UserWarning,
        stacklevel=3,
    )
    return reg


def _element_bus(element: str, row: pd.Series):
    for col in ("bus", "from_bus", "hv_bus"):
        if col in row.index and pd.notna(row[col]):
            return int(row[col])
    return None


def geo_lon_lat(bus: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Longitude and latitude per bus from pandapower's ``bus.geo`` (GeoJSON points).

    Parameters
    ----------
    bus : pandas.DataFrame
        A pandapower ``bus`` table, with or without a ``geo`` column.

    Returns
    -------
    tuple of pandas.Series
        ``(lon, lat)`` [degrees, or the net's own x/y], indexed like ``bus``; NaN where
        a bus has no point (no ``geo`` column, an empty cell, another geometry).
    """
    import json

    lon = pd.Series(np.nan, index=bus.index, dtype=float)
    lat = lon.copy()
    for i, cell in (bus["geo"].items() if "geo" in bus else ()):
        try:
            shape = json.loads(cell) if isinstance(cell, str) else cell
            if isinstance(shape, dict) and shape.get("type") == "Point":
                lon[i], lat[i] = (float(v) for v in shape["coordinates"][:2])
        except (ValueError, TypeError, KeyError, IndexError):
            continue  # not a point: the bus has no coordinates
    return lon, lat


def _bus_lonlat(net) -> dict[int, tuple[float, float]]:
    """Coordinates per bus index: ``bus.lon``/``bus.lat``, else pandapower's ``bus.geo``."""
    if "lon" in net.bus.columns and "lat" in net.bus.columns:
        lon, lat = net.bus["lon"].astype(float), net.bus["lat"].astype(float)
        return {int(i): (x, y) for i, x, y in zip(net.bus.index, lon, lat, strict=True)}
    lon, lat = geo_lon_lat(net.bus)
    return {int(i): (x, y) for i, x, y in zip(net.bus.index, lon, lat, strict=True)
            if np.isfinite(x) and np.isfinite(y)}


def registry(net) -> pd.DataFrame:
    """Return ``net.registry``, raising a clear error when the network has none."""
    if "registry" not in net or not isinstance(net["registry"], pd.DataFrame):
        msg = "network has no registry table; load it with gridmodel.load_network()."
        raise ValueError(msg)
    return net["registry"]


def _keys(reg: pd.DataFrame) -> tuple[dict[str, set[str]], dict[str, set]]:
    """Map matching keys -> asset ids over ids, names and aliases.

    Returns the exact keys and, as a fallback, the keys with noise words ("PS", "kV",
    "TPP", ...) stripped: ``{key: {(asset id, name, noise classes of the name), ...}}``.
    """
    exact: dict[str, set[str]] = {}
    loose: dict[str, set] = {}
    for aid, name, aliases in zip(reg["asset_id"], reg["name"], reg["aliases"], strict=True):
        names = {aid, name, *[a for a in aliases.split("|") if a]}
        for n in names:
            exact.setdefault(normalize_name(n), set()).add(aid)
            stripped = _strip(n)
            if stripped:
                loose.setdefault(stripped, set()).add((aid, n, _noise_classes(n)))
    return exact, loose


def _strip(name: str) -> str:
    return _strip_str(str(name))


@functools.lru_cache(maxsize=1 << 16)
def _strip_str(name: str) -> str:
    return normalize_name(_NOISE.sub(" ", to_ascii(name).casefold()))


def _noise_words(name: str) -> list[str]:
    """The noise words of a name, as written (``"Kyiv TPP"`` -> ``["TPP"]``)."""
    folded = to_ascii(str(name))  # ASCII: casefold keeps the positions
    return [folded[m.start():m.end()] for m in _NOISE.finditer(folded.casefold())]


def _noise_classes(name: str) -> frozenset[str]:
    """What the noise words of a name say (``{"thermal"}`` for ``"Kyiv TPP"``)."""
    return frozenset(c for w in _NOISE.findall(to_ascii(str(name)).casefold())
                     if (c := _NOISE_CLASS[w]) is not None)


def _asset_classes(kind: str, technology: str) -> frozenset[str]:
    """What an asset is, in the noise classes: a substation or a plant's technology."""
    if kind == "substation":
        return frozenset({"substation"})
    if kind == "plant" and technology in _TECHNOLOGY_CLASS:
        return frozenset({_TECHNOLOGY_CLASS[technology]})
    return frozenset()


def _loose_match(name: str, candidates: set, by_id: pd.DataFrame) -> tuple[set[str], str]:
    """The asset ids of ``candidates`` (fallback matches of ``name``) that the noise words
    allow, and a note on the words ignored and the matches refused.

    A match ignores noise words on either side, but never maps a name to an asset of
    another kind or technology: every class the name's words give must be the asset's
    own (its kind, its plant technology) or a word of the matched registry name, and
    every class the registry name's words give must be in the name (``"Kyiv"`` is not
    ``"Kyiv HPP"``, ``"Kyiv TPP"`` not ``"Kyiv HPP"``, ``"Chernihiv TPP"`` not
    ``"Chernihiv CHP"``).
    """
    asked = _noise_classes(name)
    words = _noise_words(name)
    ok, refused = set(), []
    for aid, reg_name, reg_classes in sorted(candidates):
        own = _asset_classes(by_id.at[aid, "kind"], by_id.at[aid, "technology"])
        if asked <= (own | reg_classes) and reg_classes <= asked:
            ok.add(aid)
        else:
            said = " and ".join(_CLASS_TEXT[c] for c in sorted(asked)) or "no kind"
            refused.append(f"{reg_name} [{aid}] (the name says {said}; "
                           f"{reg_name!r} is {_describe(by_id, aid, reg_classes)})")
    ignored = ", ".join(repr(w) for w in words) if words else "none"
    note = f"words ignored in matching: {ignored}"
    if refused and not ok:
        note += "; not matched, another kind or technology: " + "; ".join(refused)
    return ok, note


def _describe(by_id: pd.DataFrame, aid: str, reg_classes: frozenset[str]) -> str:
    """What an asset is, for a message (``"a hydro plant"``, ``"a line"``)."""
    own = _asset_classes(by_id.at[aid, "kind"], by_id.at[aid, "technology"]) | reg_classes
    if own:
        return " and ".join(_CLASS_TEXT[c] for c in sorted(own))
    return f"a {by_id.at[aid, 'kind']}"


def resolve(net, names: Iterable[str], kinds: Iterable[str] | None = None) -> list[str]:
    """Resolve names, ids or aliases to asset ids, strictly.

    Parameters
    ----------
    net : pandapowerNet
        Network with a ``registry`` table.
    names : iterable of str
        Asset ids, display names or aliases, spelled as reports do.
    kinds : iterable of str, optional
        Restrict matches to these registry kinds (for example ``["substation"]``).

    Returns
    -------
    list of str
        Asset ids, in the order of ``names``.

    Raises
    ------
    UnknownAssetError
        Listing every unknown name with its closest registry names, or every ambiguous
        name with the ids it matches; nothing is resolved partially.
    """
    reg = registry(net)
    if kinds is not None:
        kinds = list(kinds)
        reg = reg[reg["kind"].isin(kinds)]
    ids = set(reg["asset_id"])
    exact, loose = _keys(reg)
    by_id = reg.set_index("asset_id")
    out: list[str] = []
    unknown: dict[str, list[str]] = {}
    ambiguous: dict[str, list[str]] = {}
    notes: dict[str, str] = {}
    for name in names:
        if name in ids:
            out.append(name)
            continue
        hits = exact.get(normalize_name(name))
        if not hits:
            hits, notes[name] = _loose_match(name, loose.get(_strip(name), set()), by_id)
        if not hits:
            unknown[name] = suggest(reg, name)
        elif len(hits) > 1:
            ambiguous[name] = sorted(hits)
        else:
            out.append(next(iter(hits)))
    if unknown:
        raise UnknownAssetError(unknown, "unknown", notes)
    if ambiguous:
        raise UnknownAssetError(ambiguous, "ambiguous", notes)
    return out


def find_assets(net, kind: str | None = None, oblast: str | None = None,
                match: str | None = None) -> pd.DataFrame:
    """The registry rows of one kind, one oblast and names containing ``match``.

    Parameters
    ----------
    net : pandapowerNet
        Network with a registry.
    kind, oblast : str, optional
        Keep this kind (:data:`ASSET_KINDS`) or this oblast (case ignored).
    match : str, optional
        Keep names, aliases or ids containing this (by matching key).

    Raises
    ------
    InputError
        An unknown kind or oblast, or filters that keep no asset (never an empty list).
    """
    reg = registry(net)
    if kind and kind not in set(reg["kind"]):
        msg = f"kind {kind!r}: no asset of this kind; kinds: {sorted(set(reg['kind']))}."
        raise InputError(msg)
    if oblast and oblast.casefold() not in set(reg["oblast"].str.casefold()):
        msg = (f"oblast {oblast!r}: no asset in this oblast; oblasts: "
               f"{sorted(set(reg['oblast']))}.")
        raise InputError(msg)
    if kind:
        reg = reg[reg["kind"] == kind]
    if oblast:
        reg = reg[reg["oblast"].str.casefold() == oblast.casefold()]
    if match:
        key = normalize_name(match)
        hay = (reg["name"] + "|" + reg["aliases"] + "|" + reg["asset_id"]).map(normalize_name)
        reg = reg[hay.str.contains(key, regex=False)]
    if reg.empty:
        given = {k: v for k, v in (("kind", kind), ("oblast", oblast), ("match", match)) if v}
        msg = f"no asset has {given}; loosen a filter (`gridmodel network assets` lists all)."
        raise InputError(msg)
    return reg


def suggest(reg: pd.DataFrame, name: str, n: int = 3) -> list[str]:
    """Return up to ``n`` registry names closest to ``name`` (as ``"name [asset_id]"``)."""
    labels = {}
    for aid, nm, aliases in zip(reg["asset_id"], reg["name"], reg["aliases"], strict=True):
        for candidate in {nm, aid, *[a for a in aliases.split("|") if a]}:
            labels.setdefault(normalize_name(candidate), f"{nm} [{aid}]")
    close = difflib.get_close_matches(normalize_name(name), list(labels), n=n * 3, cutoff=0.5)
    seen: list[str] = []
    for c in close:
        if labels[c] not in seen:
            seen.append(labels[c])
    return seen[:n]
