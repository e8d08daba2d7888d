"""Repair times of struck assets and the resulting asset-state periods.

Repair times are drawn from scipy.stats distributions per asset kind, technology and
damage level, described in ``gridmodel/data/repair_times.toml`` (one replaceable file,
every entry with a source or a [C] tag). Draws are seeded: pass ``seed`` or ``rng`` (a
:class:`numpy.random.Generator`); there is no global random state.

Rules
-----
- A draw is taken for **every** strike, in the order of the strike table, and a
  strike's own ``repair_h`` then replaces its draw; so adding an override to one row
  never changes the draws of the others.
- An asset is out (``remaining_fraction = 0`` for ``destroyed`` and ``disabled``,
  ``1 - fraction_lost`` for ``damaged``) from the strike time until the repair is done,
  then fully back (no partial return).
- A strike on an asset that is back in service starts a new repair.
- A strike on an asset still under repair: the **worst effect wins** (the lower
  remaining fraction; at equal fractions the more severe effect, destroyed > damaged >
  disabled) from the later strike on, and the asset returns at the **later** of the
  running repair's end and the new strike's time plus its own repair time (the repair
  restarts from the later strike; a re-strike never shortens an outage).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import scipy.stats
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from gridmodel._io.schema import Source, check_document
from gridmodel._io.tomlio import parse_toml, read_text
from gridmodel.errors import InputError
from gridmodel.network.registry import ASSET_KINDS

__all__ = [
    "STATE_COLUMNS",
    "RepairEntry",
    "RepairTable",
    "asset_states",
    "load_repair_table",
    "make_rng",
    "period_records",
    "repair_hours",
    "repair_schedule",
]

#: package data folder (``gridmodel/data``)
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_EFFECTS = ("disabled", "damaged", "destroyed")  # mildest -> most severe
#: columns of the asset-state table
STATE_COLUMNS = ["asset_id", "start", "end", "remaining_fraction", "effect", "returns",
                 "strike_rows"]


def make_rng(seed=None, rng: np.random.Generator | None = None) -> np.random.Generator:
    """Return ``rng`` if given, else ``numpy.random.default_rng(seed)``.

    ``seed`` may be an int, a :class:`numpy.random.SeedSequence`, a Generator or None.
    """
    if rng is not None:
        return rng
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class RepairEntry:
    """One repair-time distribution (hours) for a kind, technology and effect."""

    kind: str
    technology: str
    effect: str
    max_fraction_lost: float
    dist_name: str
    params: dict
    source: str
    dist: object = field(repr=False, compare=False)

    def matches(self, kind: str, technology: str, effect: str, fraction_lost: float) -> bool:
        """Whether the entry applies to a strike of this kind, technology and effect."""
        return self.applies(kind, technology, effect) and bool(
            self.takes(effect, np.float64(fraction_lost)))

    def applies(self, kind: str, technology: str, effect: str) -> bool:
        """Whether the entry applies to this kind, technology and effect (any damage)."""
        return self.effect == effect and self.kind in (kind, "*") and \
            self.technology in ("*", technology)

    def takes(self, effect: str, fraction_lost: np.ndarray) -> np.ndarray:
        """Elementwise: whether the entry's ``max_fraction_lost`` admits the strikes.

        Always true unless ``effect`` is ``damaged``; a NaN fraction is admitted.
        """
        if effect != "damaged":
            return np.ones(np.shape(fraction_lost), dtype=bool)
        return ~(fraction_lost > self.max_fraction_lost + 1e-12)


@dataclass
class RepairTable:
    """The repair-time distributions of one ``repair_times.toml`` file."""

    entries: list[RepairEntry]
    path: str
    _candidates_cache: dict = field(default_factory=dict, repr=False, compare=False)

    def candidates(self, kind: str, technology: str, effect: str) -> list[RepairEntry]:
        """Entries that apply to a kind, technology and effect, in lookup order.

        Lookup order: kind + technology, then kind, then ``*`` (file order within each);
        the first candidate whose ``max_fraction_lost`` admits a strike is its entry.
        """
        technology = technology or ""
        key = (kind, technology, effect)
        hit = self._candidates_cache.get(key)
        if hit is None:
            tiers = (
                lambda e: e.kind == kind and e.technology == technology and technology != "",
                lambda e: e.kind == kind and e.technology == "*",
                lambda e: e.kind == "*",
            )
            hit = [e for tier in tiers for e in self.entries
                   if tier(e) and e.applies(kind, technology, effect)]
            self._candidates_cache[key] = hit
        return hit

    def lookup(self, kind: str, technology: str, effect: str,
               fraction_lost: float = 1.0) -> RepairEntry:
        """Return the entry for a strike: kind + technology, then kind, then ``*``.

        Raises
        ------
        InputError
            If no entry applies (the file lacks a ``kind = "*"`` fallback).
        """
        for e in self.candidates(kind, technology, effect):
            if e.takes(effect, np.float64(fraction_lost)):
                return e
        technology = technology or ""
        msg = (f"{self.path}: no repair-time entry for kind={kind!r}, technology="
               f"{technology!r}, effect={effect!r}, fraction_lost={fraction_lost:g}; add one "
               "or a kind = \"*\" fallback for that effect.")
        raise InputError(msg)

    def describe(self) -> pd.DataFrame:
        """Table of the entries with median and 10-90 % range [h]."""
        rows = []
        for e in self.entries:
            rows.append({"kind": e.kind, "technology": e.technology, "effect": e.effect,
                         "max_fraction_lost": e.max_fraction_lost, "dist": e.dist_name,
                         "median_h": float(e.dist.median()),
                         "p10_h": float(e.dist.ppf(0.1)), "p90_h": float(e.dist.ppf(0.9)),
                         "source": e.source})
        return pd.DataFrame(rows)


def load_repair_table(path: RepairTable | str | Path | None = None) -> RepairTable:
    """Read and validate a repair-time file (default: the packaged ``repair_times.toml``).

    The packaged file is read once per process (package data, like the code beside it);
    a file given by ``path`` is read at every call, so an edit between calls is seen. A
    :class:`RepairTable` is returned as it is (callers accept a table or a path).

    Raises
    ------
    InputError
        One error listing every problem, ``file:line: repair entry N.key: message``
        (unknown kind, effect, distribution or key, parameters that do not fit it or allow
        negative times, missing or empty source, fraction outside [0, 1]).
    """
    if isinstance(path, RepairTable):
        return path
    if path is None:
        return _packaged_repair_table()
    return _parse_repair_table(read_text(path, "repair-time file"), str(path))


@functools.cache
def _packaged_repair_table() -> RepairTable:
    """The packaged ``repair_times.toml``, read once (reading it cost 0.15 ms a call,
    two or three calls a replicate)."""
    return _parse_repair_table(read_text(DATA_DIR / "repair_times.toml", "repair-time file"),
                               "gridmodel/data/repair_times.toml")


class _EntryDoc(BaseModel):
    """One ``[[repair]]`` entry of a repair-time file (the keys of the file's header)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Literal[(*ASSET_KINDS, "*")]
    technology: str = "*"
    effect: Literal[_EFFECTS]
    max_fraction_lost: float = Field(1.0, ge=0.0, le=1.0)
    dist: str
    params: dict[str, float]
    source: Source

    @field_validator("dist")
    @classmethod
    def _continuous(cls, v: str) -> str:
        if not isinstance(getattr(scipy.stats, v, None), scipy.stats.rv_continuous):
            msg = (f"dist {v!r} is not a continuous scipy.stats distribution "
                   "(e.g. lognorm, uniform, gamma, weibull_min)")
            raise ValueError(msg)
        return v

    @model_validator(mode="after")
    def _fits(self):
        try:
            frozen_dist(self.dist, self.params)
        except ValueError as exc:  # reported at the params key
            raise PydanticCustomError("bad_params", "{msg}",
                                      {"key": "params", "msg": str(exc)}) from None
        return self


class _RepairDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    meta: dict = {}
    repair: list[_EntryDoc] = Field(min_length=1)


def frozen_dist(name: str, params: dict):
    """The frozen scipy.stats distribution ``name(**params)`` of repair hours.

    Raises
    ------
    ValueError
        The parameters do not fit the distribution, or it allows negative or no time.
    """
    try:
        frozen = getattr(scipy.stats, name)(**dict(params))
        lo, med = float(frozen.ppf(0.0)), float(frozen.median())
    except (TypeError, ValueError) as exc:
        msg = f"params {params!r} do not fit {name}: {exc}"
        raise ValueError(msg) from None
    if not math.isfinite(med) or lo < 0 or med <= 0:
        msg = (f"{name}({params}) allows negative or no repair time (lowest {lo:g} h, "
               f"median {med:g} h); repair hours must be >= 0")
        raise ValueError(msg)
    return frozen


@functools.lru_cache(maxsize=16)
def _parse_repair_table(text: str, where: str) -> RepairTable:
    """Parse and validate repair-time TOML text (cached by content: tables are read-only)."""
    doc = parse_toml(text, where)
    check_document(_RepairDoc, doc, text, where)
    entries = [RepairEntry(kind=str(r["kind"]), technology=str(r.get("technology", "*")),
                           effect=r["effect"],
                           max_fraction_lost=float(r.get("max_fraction_lost", 1.0)),
                           dist_name=str(r["dist"]), params=dict(r["params"]),
                           source=str(r["source"]), dist=frozen_dist(r["dist"], r["params"]))
               for r in doc["repair"]]
    return RepairTable(entries, where)


def registry_technology(net, asset_ids, cache: dict | None = None) -> list[str]:
    """Registry technology of every asset in ``asset_ids`` ("" if unknown), in order.

    ``cache`` (kept with the compiled network of ``net``) keeps the registry's asset
    index and technologies: building the index's hash table cost 0.3 ms a call.
    """
    if net is None or "registry" not in net:
        return [""] * len(asset_ids)
    hit = cache.get("technology") if cache is not None else None
    if hit is None:
        reg = net.registry  # asset ids are unique (checked when the registry is built)
        hit = (pd.Index(reg["asset_id"]), reg["technology"].to_numpy(dtype=object))
        if cache is not None:
            cache["technology"] = hit
    index, tech = hit
    pos = index.get_indexer(asset_ids)  # -1: not registered
    found = (tech[p] if p >= 0 else None for p in pos.tolist())
    return ["" if t is None or pd.isna(t) else str(t) for t in found]


def repair_hours(strikes: pd.DataFrame, net=None, *, seed=None,
                 rng: np.random.Generator | None = None,
                 table: RepairTable | str | Path | None = None,
                 network_cache: dict | None = None,
                 technology: list[str] | None = None) -> pd.Series:
    """Repair time [h] of every strike: a seeded draw, or the strike's ``repair_h``.

    Parameters
    ----------
    strikes : pandas.DataFrame
        Resolved strikes (``asset_id, kind, effect, fraction_lost, repair_h``).
    net : pandapowerNet, optional
        Gives plant technologies from ``net.registry`` (chp, nuclear, ...).
    seed, rng
        Seed or :class:`numpy.random.Generator` (``rng`` wins); one draw per row in row order.
    table : RepairTable or path, optional
        Repair-time distributions; default the packaged ``repair_times.toml``.
    network_cache : dict, optional
        Kept with the compiled network of ``net`` (fingerprinted for it): the registry's
        technologies are looked up there after the first call.
    technology : list of str, optional
        Registry technology of every strike's asset, in row order, as
        :func:`registry_technology` gives it (a caller that holds them already); default
        looked up in ``net.registry``.

    Returns
    -------
    pandas.Series
        ``repair_h`` on the strikes' index, float hours >= 0.
    """
    table = load_repair_table(table)
    gen = make_rng(seed, rng)
    tech = (registry_technology(net, strikes["asset_id"], network_cache)
            if technology is None else list(technology))
    if len(tech) != len(strikes):
        msg = f"technology has {len(tech)} entries for {len(strikes)} strikes."
        raise ValueError(msg)
    if not len(strikes):
        return pd.Series(np.zeros(0), index=strikes.index, name="repair_h")
    kinds = ([str(k) for k in strikes["kind"].tolist()] if "kind" in strikes
             else ["*"] * len(strikes))
    given = strikes["repair_h"].to_numpy(float) if "repair_h" in strikes else None
    out = draw_repair_hours(table, gen, kinds, tech, strikes["effect"].tolist(),
                            strikes["fraction_lost"].to_numpy(float), given)
    return pd.Series(out, index=strikes.index, name="repair_h")


def draw_repair_hours(table: RepairTable, rng: np.random.Generator, kinds: list[str],
                      tech: list[str], effects: list, fraction_lost: np.ndarray,
                      given_h: np.ndarray | None = None) -> np.ndarray:
    """:func:`repair_hours` on arrays: one uniform per strike from ``rng`` (in row order),
    a drawn time where ``given_h`` is NaN (or absent), ``given_h`` elsewhere [h].

    ``kinds``, ``tech`` (:func:`registry_technology`), ``effects`` and ``fraction_lost``
    give each strike's row of ``table``; a caller that holds them as arrays (the sampled
    nights of :mod:`gridmodel.strikes.patterns`) skips building a table.

    Raises
    ------
    ValueError
        When the per-strike inputs differ in length (before any draw).
    """
    given = (np.full(len(kinds), np.nan) if given_h is None
             else np.asarray(given_h, dtype=float))
    sizes = {"kinds": len(kinds), "tech": len(tech), "effects": len(effects),
             "fraction_lost": len(fraction_lost), "given_h": len(given)}
    if len(set(sizes.values())) > 1:
        msg = f"one entry per strike in each input; got lengths {sizes}."
        raise ValueError(msg)
    u = rng.random(len(kinds))  # one uniform per row: inverse-CDF sampling, order-stable
    drawn = np.isnan(given)
    out = _draw_hours(table, kinds, tech, effects, fraction_lost, u, drawn)
    return np.where(drawn, out, given)


def _draw_hours(table: RepairTable, kinds: list[str], tech: list[str], effects: list,
                frac: np.ndarray, u: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Repair hours ``max(F^-1(u), 0)`` per strike, ``F`` from :meth:`RepairTable.lookup`.

    Strikes are grouped by (kind, technology, effect) and each entry's distribution is
    evaluated once for all its strikes (``ppf`` is elementwise, so the values equal one
    call per strike). Only rows where ``drawn`` is True are evaluated (the others are
    NaN: their ``repair_h`` is given), but every row must have an entry.

    Raises
    ------
    InputError
        For the first strike (in row order) without an entry, as :meth:`RepairTable.lookup`.
    """
    out = np.full(len(u), np.nan)
    if not len(u):
        return out
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(kinds, tech, effects, strict=True)):
        groups.setdefault(key, []).append(i)
    unmatched = []
    for (kind, technology, effect), rows in groups.items():
        left = np.array(rows)
        for e in table.candidates(kind, technology, effect):
            fits = e.takes(effect, frac[left])
            take = left[fits]
            take = take[drawn[take]]
            if len(take):
                out[take] = e.dist.ppf(u[take])
            left = left[~fits]
            if not len(left):
                break
        unmatched.extend(left.tolist())
    if unmatched:
        i = min(unmatched)
        table.lookup(kinds[i], tech[i], effects[i], float(frac[i]))  # raises the error
    return np.where(out < 0.0, 0.0, out)  # as max(h, 0.0), NaN passes


def asset_states(strikes: pd.DataFrame, repair_h: pd.Series) -> pd.DataFrame:
    """Turn strikes and their repair times into periods of constant asset state.

    Parameters
    ----------
    strikes : pandas.DataFrame
        Resolved strikes (``asset_id, time, effect, fraction_lost, row``).
    repair_h : pandas.Series
        Repair time [h] per strike (same index), e.g. from :func:`repair_hours`.

    Returns
    -------
    pandas.DataFrame
        :data:`STATE_COLUMNS`: one row per period in which an asset keeps
        ``remaining_fraction`` of its capacity, from ``start`` to ``end`` (UTC);
        ``returns`` is True when the asset is back in service at ``end`` (False when
        a re-strike changes its state at ``end``); ``strike_rows`` lists the strike-list
        rows behind the period. Re-strikes follow the module rules.
    """
    hours = repair_h.astype(float)
    if isinstance(hours, pd.Series):
        hours = hours.reindex(strikes.index)  # aligned on the strikes' index
    hours = np.asarray(hours, dtype=float)
    labels = strikes["row"].tolist() if "row" in strikes.columns else [""] * len(strikes)
    periods = period_records(strikes["asset_id"], strikes["time"],
                             strikes["fraction_lost"].tolist(), hours.tolist(),
                             strikes["effect"].tolist(), labels)
    col = {c: [p[c] for p in periods] for c in STATE_COLUMNS}
    return pd.DataFrame({
        "asset_id": np.array(col["asset_id"], dtype=object),
        "start": pd.to_datetime(col["start"], utc=True),
        "end": pd.to_datetime(col["end"], utc=True),
        "remaining_fraction": np.array(col["remaining_fraction"], dtype=float),
        "effect": np.array(col["effect"], dtype=object),
        "returns": np.array(col["returns"], dtype=bool),
        "strike_rows": np.array(col["strike_rows"], dtype=object)})


def period_records(ids, times, lost, hours, effects, labels) -> list[dict]:
    """The periods of :func:`asset_states` as records, without a frame.

    :func:`asset_states` is this plus the frame; callers with a handful of strikes (the
    nuclear response) call it on lists, where frames cost far more than the rule.

    Parameters
    ----------
    ids, times : Series or list
        Per strike: asset id (missing ids are dropped, as a groupby drops them) and time
        (UTC).
    lost, hours, effects, labels : list
        Per strike: fraction lost, repair time [h], effect and strike-list row label.

    Returns
    -------
    list of dict
        One dict per period with the keys of :data:`STATE_COLUMNS`, by asset id, then
        start (a stable sort by (asset id, time), missing values last: the order of
        ``DataFrame.sort_values``).
    """
    order = np.lexsort((_sort_codes(times), _sort_codes(ids))).tolist()
    missing = pd.isna(np.asarray(ids, dtype=object)).tolist()
    columns = [v.tolist() if isinstance(v, pd.Series) else list(v)
               for v in (ids, times, lost, hours, effects, labels)]
    return _merge_periods(tuple(c[i] for c in columns) for i in order if not missing[i])


def _merge_periods(rows) -> list[dict]:
    """Periods of constant state from strike rows sorted by (asset id, time) (module
    rules for re-strikes); ``rows`` yields ``(asset_id, time, fraction_lost, repair_h,
    effect, label)``."""
    periods = []
    cur = None
    prev = None
    for aid, t, lost, rh, effect, row_v in rows:
        if cur is not None and aid != prev:
            cur = None  # next asset (rows are sorted by asset_id)
        prev = aid
        rem = 1.0 - float(lost)
        end = t + pd.Timedelta(hours=float(rh))
        row = str(row_v)
        if cur is None or t >= cur["end"]:
            if end <= t:
                continue  # zero repair time: no effect
            cur = {"asset_id": aid, "start": t, "end": end, "remaining_fraction": rem,
                   "effect": effect, "returns": True, "strike_rows": row}
            periods.append(cur)
            continue
        worst = min((cur["remaining_fraction"], cur["effect"]), (rem, effect),
                    key=lambda x: (x[0], -_EFFECTS.index(x[1])))
        new_end = max(cur["end"], end)
        rows_label = f"{cur['strike_rows']}|{row}"
        if t == cur["start"]:
            cur.update(remaining_fraction=worst[0], effect=worst[1], end=new_end,
                       strike_rows=rows_label)
            continue
        cur["end"], cur["returns"] = t, False
        cur = {"asset_id": aid, "start": t, "end": new_end, "remaining_fraction": worst[0],
               "effect": worst[1], "returns": True, "strike_rows": rows_label}
        periods.append(cur)
    return periods


def _sort_codes(values) -> np.ndarray:
    """Integer keys that sort like ``values`` (Series or list; missing values last), for
    np.lexsort."""
    if not isinstance(values, pd.Series):
        values = pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes == -1, len(uniques), codes)


def repair_schedule(strikes: pd.DataFrame, net=None, *, seed=None,
                    rng: np.random.Generator | None = None,
                    table: RepairTable | str | Path | None = None) -> pd.DataFrame:
    """Draw repair times and return the asset-state periods (:func:`asset_states`).

    The strikes table is not modified; the drawn hours are in the ``repair_h`` used.
    """
    hours = repair_hours(strikes, net, seed=seed, rng=rng, table=table)
    return asset_states(strikes, hours)
