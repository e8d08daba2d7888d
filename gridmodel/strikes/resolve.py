"""Resolve strike targets to registry asset ids, names, aliases and selectors.

A target is either one asset (its id, display name or an alias, spelled as reports do;
see :func:`gridmodel.network.registry.resolve`) or a **selector**: terms joined by
``;``, all of which must hold::

    kind=substation;vn_kv>=750;oblast=Kyivska
    kind=plant;technology=chp;oblast=Kyiv
    kind=substation;asset_id=sub:kyiv-110-*
    kind=line;vn_kv=750;substation!=sub:kyivska-750

- a term is ``field OP value`` with ``OP`` one of ``=``, ``!=``, ``>=``, ``<=``, ``>``, ``<``;
- ``field`` is a registry column: ``asset_id`` (or ``id``), ``kind``, ``name``,
  ``oblast``, ``technology``, ``priority_class``, ``substation``, ``element``, ``vn_kv``,
  ``lon``, ``lat``;
- text fields compare by matching key (case and punctuation ignored, Cyrillic
  transliterated as the registry does, so ``oblast=kyivska`` matches ``Kyivska``), ``*`` is a
  wildcard (``asset_id=sub:kyiv-110-*``) and
  ``|`` separates alternatives (``oblast=Kyivska|Kyiv``); ``<``, ``>`` only for numbers;
- every selector must contain a ``kind=`` term, so that a selector never strikes buses,
  lines and loads of a whole oblast by accident;
- a selector that matches nothing is an error; one that matches several assets
  strikes each of them (one resolved row per asset, same ``row``).

Resolution is strict: every unknown or ambiguous target and every bad selector of the
list is reported at once, with the closest registry names, before anything runs.
"""

from __future__ import annotations

import difflib
import fnmatch
import re

import numpy as np
import pandas as pd

from gridmodel.errors import UnknownAssetError
from gridmodel.network.registry import normalize_name, registry, resolve, suggest
from gridmodel.strikes.strikelist import RAW_COLUMNS

__all__ = ["RESOLVED_COLUMNS", "StrikeTargetError", "is_selector", "resolve_strikes",
           "select_assets"]

#: columns of a resolved strike table, before any extra column of the strike list
RESOLVED_COLUMNS = ["asset_id", "time", "effect", "fraction_lost", "repair_h", "weapon",
                    "source", "row", "file", "target", "kind", "name"]
TEXT_FIELDS = ("asset_id", "kind", "name", "oblast", "technology", "priority_class",
               "substation", "element")
NUMBER_FIELDS = ("vn_kv", "lon", "lat")
_FIELD_ALIASES = {"id": "asset_id", "class": "priority_class", "tech": "technology",
                  "kv": "vn_kv"}
_TERM = re.compile(r"^\s*(?P<field>[A-Za-z_]+)\s*(?P<op>!=|>=|<=|=|>|<)\s*(?P<value>.*?)\s*$")


class StrikeTargetError(UnknownAssetError):
    """Strike targets that resolve to no asset, to several, or bad selectors.

    Attributes
    ----------
    problems : dict
        ``{target: [closest names or matching ids]}``.
    details : list of str
        One line per problem, naming the file and rows.
    """

    def __init__(self, problems: dict[str, list[str]], details: list[str]) -> None:
        self.problems = dict(problems)
        self.kind = "unresolved"
        self.details = list(details)
        msg = (f"{len(details)} strike target(s) cannot be resolved:\n  " + "\n  ".join(details)
               + "\nUse an asset id, name or alias from net.registry (`gridmodel network "
               "assets` lists them) or a selector like kind=substation;vn_kv>=750.")
        # skip UnknownAssetError's own message
        Exception.__init__(self, msg)


def is_selector(target: str) -> bool:
    """Return whether a strike target is a selector (it contains ``=``, ``<`` or ``>``)."""
    return any(ch in target for ch in "=<>")


def _text_match(values: pd.Series, pattern: str) -> np.ndarray:
    hit = np.zeros(len(values), dtype=bool)
    raw = values.astype(str)
    for alt in pattern.split("|"):
        alt = alt.strip()
        if "*" in alt or "?" in alt:
            pat = alt.casefold()
            hit |= raw.map(lambda v, p=pat: fnmatch.fnmatchcase(v.casefold(), p)).to_numpy()
        else:
            key = normalize_name(alt)
            hit |= raw.map(lambda v, k=key: normalize_name(v) == k).to_numpy()
    return hit


def select_assets(net, selector: str) -> list[str]:
    """Return the asset ids a selector matches (module docstring for the syntax).

    Raises
    ------
    ValueError
        With a message naming the bad term and the fix (unknown field, operator on a
        text field, value not a number, no ``kind=`` term, no match).
    """
    reg = registry(net)
    mask = np.ones(len(reg), dtype=bool)
    has_kind = False
    for term in [t for t in selector.split(";") if t.strip()]:
        m = _TERM.match(term)
        if not m:
            msg = f"term {term.strip()!r} is not 'field OP value' (OP one of = != >= <= > <)"
            raise ValueError(msg)
        field = _FIELD_ALIASES.get(m["field"].lower(), m["field"].lower())
        op, value = m["op"], m["value"]
        if field not in TEXT_FIELDS + NUMBER_FIELDS:
            msg = (f"unknown field {m['field']!r} in {term.strip()!r}; fields: "
                   f"{list(TEXT_FIELDS + NUMBER_FIELDS)}")
            raise ValueError(msg)
        if not value:
            msg = f"term {term.strip()!r} has no value"
            raise ValueError(msg)
        if field in TEXT_FIELDS:
            if op not in ("=", "!="):
                msg = f"{field} is text: use = or != in {term.strip()!r}, not {op}"
                raise ValueError(msg)
            hit = _text_match(reg[field], value)
            if field == "kind" and op == "=":
                has_kind = True
                kinds = sorted(set(reg["kind"]))
                if not hit.any():
                    msg = f"kind {value!r} does not exist; kinds: {kinds}"
                    raise ValueError(msg)
            elif op == "=" and not hit.any():
                values = sorted({v for v in reg[field].astype(str) if v})
                close = difflib.get_close_matches(value, values, n=3, cutoff=0.5)
                hint = f"closest {close}" if close else f"values include {values[:8]}"
                msg = f"no asset has {field}={value!r} ({hint})"
                raise ValueError(msg)
            mask &= hit if op == "=" else ~hit
        else:
            try:
                x = float(value)
            except ValueError:
                msg = f"{field} is a number: {value!r} in {term.strip()!r} is not one"
                raise ValueError(msg) from None
            col = reg[field].to_numpy(float)
            with np.errstate(invalid="ignore"):
                cmp = {
                    "=": np.isclose(col, x), "!=": ~np.isclose(col, x), ">=": col >= x,
                    "<=": col <= x, ">": col > x, "<": col < x,
                }[op]
            mask &= np.nan_to_num(cmp, nan=0).astype(bool)
    if not has_kind:
        msg = "a selector needs a kind= term (e.g. kind=substation) to say what is struck"
        raise ValueError(msg)
    ids = reg.loc[mask, "asset_id"].tolist()
    if not ids:
        msg = "matches no asset; loosen a term"
        raise ValueError(msg)
    return ids


def _extra_match(extra: pd.DataFrame | None, target: str) -> list[str]:
    """Asset ids of ``extra`` whose id or name matches ``target`` (by matching key)."""
    if extra is None or not len(extra):
        return []
    key = normalize_name(target)
    ids = extra["asset_id"].astype(str)
    hit = (ids == target) | ids.map(normalize_name).eq(key) | extra["name"].astype(
        str).map(normalize_name).eq(key)
    return ids[hit.to_numpy()].tolist()


def _resolve_one(net, reg, by_id, extra, target: str, where: str):
    """``(asset ids, None)`` of one target, or ``(closest names, detail line)``."""
    if is_selector(target):
        try:
            return select_assets(net, target), None
        except ValueError as exc:
            return [], f"{where}: selector {target!r}: {exc}."
    try:
        return resolve(net, [target]), None
    except UnknownAssetError as exc:
        extra_hits = _extra_match(extra, target)
        if exc.kind != "ambiguous" and len(extra_hits) == 1:
            return extra_hits, None
        close = exc.problems.get(target, suggest(reg, target))
        note = f" ({exc.notes[target]})" if target in exc.notes else ""
        if exc.kind == "ambiguous" or len(extra_hits) > 1:
            close = sorted(set(close) | set(extra_hits))
            names = ", ".join(f"{by_id.at[a, 'name']} [{a}]" if a in by_id.index else a
                              for a in close)
            return close, (f"{where}: {target!r} is ambiguous, it matches {names}; "
                           f"use the asset id.{note}")
        if extra is not None and len(extra):
            close = close + [c for c in suggest(extra, target) if c not in close]
        hint = ", ".join(repr(c) for c in close) if close else "no close match"
        return close, f"{where}: {target!r} is unknown; closest: {hint}.{note}"


def resolve_strikes(net, strikes: pd.DataFrame, extra: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Resolve the targets of a raw strike table to asset ids, strictly.

    Parameters
    ----------
    net : pandapowerNet
        Network with a registry (not modified).
    strikes : pandas.DataFrame
        Output of :func:`gridmodel.strikes.strikelist.read_strikes`.
    extra : pandas.DataFrame, optional
        Assets outside the network that may be struck (``asset_id, kind, name, aliases``;
        a heat layer's sources and pumping stations,
        :func:`gridmodel.heat.grid.heat_assets`). A target the registry does not know is
        looked up there by id or name, with the same strict errors; selectors match the
        registry only.

    Returns
    -------
    pandas.DataFrame
        One row per struck asset, columns :data:`RESOLVED_COLUMNS` then the strike
        list's extra columns, sorted by time (stable), index 0..n-1.

    Raises
    ------
    StrikeTargetError
        Listing every unknown or ambiguous target (with the closest registry names or
        the ids it matches) and every bad selector, with file and rows.
    """
    reg = registry(net)
    by_id = reg.set_index("asset_id")
    problems: dict[str, list[str]] = {}
    details: list[str] = []
    resolved: dict[str, list[str]] = {}
    for target, group in strikes.groupby("target", sort=False):
        rows = ", ".join(str(r) for r in group["row"])
        where = f"{group['file'].iloc[0]}, row(s) {rows}"
        ids, detail = _resolve_one(net, reg, by_id, extra, target, where)
        if detail is None:
            resolved[target] = ids
        else:
            problems[target] = ids
            details.append(detail)
    if details:
        raise StrikeTargetError(problems, details)
    if extra is not None and len(extra):
        by_id = pd.concat([by_id[["kind", "name"]], extra.set_index("asset_id")[
            ["kind", "name"]].loc[lambda d: ~d.index.isin(by_id.index)]])
    extra_cols = [c for c in strikes.columns if c not in RAW_COLUMNS]
    out = []
    for _, s in strikes.iterrows():
        for aid in resolved[s["target"]]:
            rec = s.to_dict()
            rec["asset_id"] = aid
            rec["kind"] = by_id.at[aid, "kind"]
            rec["name"] = by_id.at[aid, "name"]
            out.append(rec)
    df = pd.DataFrame(out).reindex(columns=RESOLVED_COLUMNS + extra_cols)
    df["time"] = pd.to_datetime(df["time"], utc=True)
    df = df.sort_values("time", kind="stable").reset_index(drop=True)
    return df
