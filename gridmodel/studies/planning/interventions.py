"""Resilience interventions: a documented TOML format, strict validation, and how each
one modifies the network, the heat layer or the attack.

A plan file holds one ``[plan]`` table and one ``[[intervention]]`` table per measure::

    [plan]
    name = "kyiv-winter"
    scenario = "base.toml"            # optional, relative to this file
    interception_prob = 0.5           # base chance a weapon aimed at a listed target is
                                      # intercepted [-] (FIELD_NOTES 8)
    damage_prob = 1.0                 # chance a hit does the listed damage [-]
    combinations = [["protect-north", "backup-pumps"]]

    [[intervention]]
    id = "protect-north"
    kind = "protection"
    assets = ["sub:pivnichna", "sub:novokyivska"]
    damage_prob_factor = 0.3          # optional: default from interventions_defaults.toml

Kinds and their effect (parameters, with the defaults of
``gridmodel/data/interventions_defaults.toml``):

==================== ==================================================== ===============
kind                 effect                                               units (cost)
==================== ==================================================== ===============
backup_generators    ``sites`` (heat source ids, pumping ids or district   MW
                     names) get ``mw_per_site`` of generators with
                     ``fuel_h`` of fuel: the site runs through a grid
                     outage while fuel lasts
modular_boilers      ``heat_mw`` of self-powered modular boiler houses in  MW(th)
                     ``district``: the district's CHP-fed buildings
                     farthest from their CHP (the first to lose pressure)
                     move to them until ``heat_mw`` of design load is
                     covered; they keep their own backup power
cogeneration         ``electric_mw`` gas-piston CHP in ``district`` with   MW(e)
                     ``heat_mw`` of heat: buildings move as for modular
                     boilers, the units need no grid power, and
                     ``electric_mw`` serves the district node's demand
protection           ``assets`` (substations, transformers, plants): the   substation
                     chance that a hit does damage is multiplied by
                     ``damage_prob_factor`` (a substation's transformers
                     are covered too)
spare_transformers   ``assets``: repairs after a hit take at most          autotransformer
                     ``repair_h_max`` hours
interceptors         the interception probability becomes                   battery-year
                     ``interception_prob``
restart_crews        ``crews`` more crews restart drained buildings        crew
==================== ==================================================== ===============

Every intervention has a capital cost ``units x unit_cost`` (or ``cost``), a
``currency`` and ``price_year``, a ``lifetime_years`` and a ``source``; values without a
public source carry ``tag = "C"`` and are shown as illustrative.

Applying an intervention never changes the caller's network or layer: :func:`build_variant`
returns copies.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.tomlio import read_toml
from gridmodel.errors import InputError

__all__ = [
    "KINDS",
    "Intervention",
    "InterventionError",
    "Plan",
    "Variant",
    "build_variant",
    "load_defaults",
    "load_plan",
    "validate_assets",
]

#: Intervention kinds and their kind-specific keys (required, optional).
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "backup_generators": (("sites",), ("mw_per_site", "fuel_h")),
    "modular_boilers": (("district", "heat_mw"), ("own_backup",)),
    "cogeneration": (("district", "electric_mw"), ("heat_mw",)),
    "protection": (("assets",), ("damage_prob_factor",)),
    "spare_transformers": (("assets",), ("repair_h_max",)),
    "interceptors": (("interception_prob",), ("units",)),
    "restart_crews": (("crews",), ()),
}
_COMMON = ("id", "kind", "label", "units", "unit_cost", "cost", "currency", "price_year",
           "lifetime_years", "source", "tag", "description")
_PLAN_KEYS = ("name", "description", "scenario", "interception_prob", "damage_prob",
              "combinations", "currency", "price_year", "metric")
_TAGS = ("A", "B", "C")
_DEFAULTS = Path(__file__).resolve().parents[2] / "data" / "interventions_defaults.toml"
_GRID_KINDS = ("substation", "transformer", "plant", "line", "interconnector", "bus")


class InterventionError(InputError):
    """A plan / intervention file is malformed or names an unknown asset (file and line)."""


def load_defaults(path: str | os.PathLike | None = None) -> dict:
    """Read the default costs and effects (``gridmodel/data/interventions_defaults.toml``).

    Parameters
    ----------
    path : path, optional
        Replacement file with the same tables.

    Returns
    -------
    dict
        ``{"meta": {...}, kind: {unit, unit_cost, lifetime_years, tag, source, ...}}``.
    """
    p = Path(path) if path else _DEFAULTS
    d, _ = read_toml(p, "defaults file", InterventionError)
    if missing := [k for k in KINDS if k not in d]:
        raise InterventionError(
            f"{p}: missing default table(s) {missing} (one per kind in {list(KINDS)}).")
    return d


@dataclass(frozen=True)
class Intervention:
    """One validated intervention.

    Attributes
    ----------
    id, kind, label : str
    params : dict
        Kind-specific parameters after defaults (``sites``, ``heat_mw`` [MW], ...).
    units : float
        Quantity the cost is counted in (``unit``).
    unit : str
    capital_cost : float
        Capital cost [``currency``] at ``price_year`` prices.
    currency : str
    price_year : int
    lifetime_years : float
        Service life [years].
    source : str
    tag : str
        ``"A"``, ``"B"`` or ``"C"`` (illustrative).
    line : int
        Line of the ``[[intervention]]`` header in the plan file.
    """

    id: str
    kind: str
    label: str
    params: dict
    units: float
    unit: str
    capital_cost: float
    currency: str
    price_year: int
    lifetime_years: float
    source: str
    tag: str
    line: int = 0
    file: str = ""

    @property
    def illustrative(self) -> bool:
        """True when the cost or effect has no public source ([C])."""
        return self.tag == "C"

    @property
    def annual_cost(self) -> float:
        """Capital cost spread over the lifetime, no discounting [currency/year]."""
        return self.capital_cost / self.lifetime_years


@dataclass
class Plan:
    """A validated plan file.

    Attributes
    ----------
    name : str
    path : Path
    interventions : list of Intervention
    combinations : list of tuple of str
        Intervention ids evaluated together.
    interception_prob : float
        Base probability that a weapon aimed at a listed target is intercepted [-].
    damage_prob : float
        Probability a hit does the listed damage [-].
    scenario : Path or None
        Base scenario file named by the plan.
    currency : str
    price_year : int
    metric : str
        Primary ranking metric (``building_hours_below_12c``).
    """

    name: str
    path: Path | None
    interventions: list[Intervention]
    combinations: list[tuple[str, ...]] = field(default_factory=list)
    interception_prob: float = 0.5
    damage_prob: float = 1.0
    scenario: Path | None = None
    currency: str = "USD"
    price_year: int = 2026
    metric: str = "building_hours_below_12c"
    description: str = ""

    def by_id(self) -> dict[str, Intervention]:
        """``{id: Intervention}``."""
        return {iv.id: iv for iv in self.interventions}


# ----------------------------------------------------------------------- parsing
def _header_lines(text: str) -> list[int]:
    """1-based line numbers of the ``[[intervention]]`` headers."""
    return [i for i, s in enumerate(text.splitlines(), start=1)
            if re.match(r"^\s*\[\[\s*intervention\s*\]\]", s)]


def _key_line(text: str, start: int, key: str) -> int:
    """Line of ``key = ...`` in the table starting at line ``start`` (else ``start``)."""
    lines = text.splitlines()
    for i in range(start, len(lines)):
        s = lines[i].strip()
        if s.startswith("["):
            break
        if re.match(rf'^"?{re.escape(key)}"?\s*=', s):
            return i + 1
    return start


def _plan_line(text: str, key: str) -> int:
    lines = text.splitlines()
    start = next((i for i, s in enumerate(lines, start=1)
                  if re.match(r"^\s*\[\s*plan\s*\]", s)), 0)
    return _key_line(text, start, key) if start else 0


def _num(v, what: str, where: str, *, lo: float = 0.0, hi: float = math.inf,
         lo_open: bool = False, errors: list) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        errors.append(f"{where}: {what} must be a number; got {v!r}.")
        return None
    v = float(v)
    bad = (not math.isfinite(v)) or v < lo or v > hi or (lo_open and v == lo)
    if bad:
        rng = f"{'>' if lo_open else '>='} {lo:g}" + (f" and <= {hi:g}" if hi < math.inf
                                                        else "")
        errors.append(f"{where}: {what} must be {rng}; got {v!r}. Fix the value.")
        return None
    return v


def _str_list(v, what: str, where: str, errors: list) -> list[str] | None:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x for x in v):
        errors.append(f"{where}: {what} must be a non-empty list of names; got {v!r}.")
        return None
    return list(v)


def load_plan(path: str | os.PathLike, *, net=None, layer=None,
              defaults: dict | None = None) -> Plan:
    """Read and validate a plan file (``[plan]`` + ``[[intervention]]`` tables).

    Parameters
    ----------
    path : str or path
        The plan TOML file.
    net : pandapowerNet, optional
        If given, grid asset names are resolved against ``net.registry`` (strictly, with
        suggestions) and replaced by asset ids.
    layer : gridmodel.heat.layer.HeatLayer, optional
        If given, districts and heat sites are checked against the layer.
    defaults : dict, optional
        :func:`load_defaults` output (default: the packaged file).

    Returns
    -------
    Plan

    Raises
    ------
    InterventionError
        Missing file, TOML syntax error, unknown kind or key, negative cost or capacity,
        duplicate id, unknown asset / district / site; every problem is listed with the
        file and line and the fix.
    """
    path = Path(path)
    data, text = read_toml(path, "plan file", InterventionError)
    d = defaults if defaults is not None else load_defaults()
    errors: list[str] = []
    plan_d = _plan_table(data, path, text, errors)
    settings = _plan_settings(plan_d, d.get("meta", {}), path, text, errors)
    ivs = _parse_interventions(data.get("intervention", []), path, text, d,
                               settings["currency"], settings["price_year"], errors)
    combos = _combinations(plan_d.get("combinations", []), [iv.id for iv in ivs], path,
                           text, errors)
    if errors:
        raise InterventionError("\n".join(errors))
    scen = plan_d.get("scenario")
    plan = Plan(name=str(plan_d.get("name", path.stem)), path=path.resolve(),
                interventions=ivs, combinations=combos,
                scenario=(path.parent / scen).resolve() if isinstance(scen, str) else None,
                description=str(plan_d.get("description", "")), **settings)
    if net is not None or layer is not None:
        plan.interventions = validate_assets(plan, net=net, layer=layer)
    return plan


def _unknown_key_hint(key: str, allowed) -> str:
    """`` (did you mean 'x'?)`` for the closest allowed key, or an empty string."""
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _plan_table(data: dict, path: Path, text: str, errors: list) -> dict:
    """The ``[plan]`` table; unknown top-level and plan keys are added to ``errors``."""
    for k in data:
        if k not in ("plan", "intervention"):
            errors.append(f"{path}: unknown top-level key {k!r}; allowed: 'plan', "
                          "'intervention' ([[intervention]] tables).")
    plan_d = data.get("plan", {})
    if not isinstance(plan_d, dict):
        errors.append(f"{path}: 'plan' must be a table ([plan]).")
        plan_d = {}
    for k in plan_d:
        if k not in _PLAN_KEYS:
            errors.append(f"{path}:{_plan_line(text, k)}: unknown key plan.{k}"
                          f"{_unknown_key_hint(k, _PLAN_KEYS)}; allowed: {list(_PLAN_KEYS)}.")
    return plan_d


def _plan_settings(plan_d: dict, meta: dict, path: Path, text: str, errors: list) -> dict:
    """The plan's scalar settings (:class:`Plan` fields ``interception_prob, damage_prob,
    currency, price_year, metric``), checked; problems are added to ``errors``."""
    where_p = f"{path}:{_plan_line(text, 'interception_prob')}"
    p_int = _num(plan_d.get("interception_prob", 0.5), "plan.interception_prob", where_p,
                 hi=0.999, errors=errors)
    p_dmg = _num(plan_d.get("damage_prob", 1.0), "plan.damage_prob",
                 f"{path}:{_plan_line(text, 'damage_prob')}", hi=1.0, lo_open=True,
                 errors=errors)
    currency = str(plan_d.get("currency", meta.get("currency", "USD")))
    price_year = int(plan_d.get("price_year", meta.get("price_year", 2026)))
    metric = str(plan_d.get("metric", "building_hours_below_12c"))
    from gridmodel.metrics.row import PLAN_METRICS as METRICS

    if metric not in METRICS:
        errors.append(f"{path}:{_plan_line(text, 'metric')}: plan.metric {metric!r} is "
                      f"unknown; choose one of {list(METRICS)}.")
    return {"interception_prob": p_int, "damage_prob": p_dmg, "currency": currency,
            "price_year": price_year, "metric": metric}


def _parse_interventions(raw, path: Path, text: str, d: dict, currency: str,
                         price_year: int, errors: list) -> list[Intervention]:
    """The valid ``[[intervention]]`` tables with unique ids; problems (also a repeated id)
    are added to ``errors``."""
    if not isinstance(raw, list) or not raw:
        errors.append(f"{path}: no [[intervention]] tables; add at least one.")
        raw = []
    heads = _header_lines(text)
    ivs: list[Intervention] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(raw):
        start = heads[n] if n < len(heads) else 0
        iv = _parse_one(item, path, text, start, d, currency, price_year, errors)
        if iv is None:
            continue
        if iv.id in seen:
            errors.append(f"{path}:{start}: intervention id {iv.id!r} repeats the one at "
                          f"line {seen[iv.id]}; ids must be unique.")
            continue
        seen[iv.id] = start
        ivs.append(iv)
    return ivs


def _combinations(raw_c, ids: list[str], path: Path, text: str,
                  errors: list) -> list[tuple[str, ...]]:
    """``plan.combinations`` as tuples of known intervention ``ids`` (at least two distinct
    each); problems are added to ``errors``."""
    cl = _plan_line(text, "combinations")
    if not isinstance(raw_c, list) or not all(isinstance(c, list) for c in raw_c):
        errors.append(f"{path}:{cl}: plan.combinations must be a list of lists of "
                      f"intervention ids; got {raw_c!r}.")
        raw_c = []
    combos: list[tuple[str, ...]] = []
    for c in raw_c:
        bad = [x for x in c if x not in ids]
        if bad:
            close = {b: difflib.get_close_matches(str(b), ids, n=2) for b in bad}
            errors.append(f"{path}:{cl}: plan.combinations names unknown intervention "
                          f"id(s) {close} (unknown: closest)." )
        elif len(set(c)) < 2:
            errors.append(f"{path}:{cl}: a combination needs at least two distinct ids; "
                          f"got {c!r}.")
        else:
            combos.append(tuple(c))
    return combos


def _kind_and_id(item, path: Path, text: str, start: int, errors: list):
    """``(kind, id)`` of an ``[[intervention]]`` table, or None (problem added to
    ``errors``) when it is no table, its kind is unknown or its id malformed."""
    if not isinstance(item, dict):
        errors.append(f"{path}:{start}: [[intervention]] must be a table.")
        return None
    kind = item.get("kind")
    if kind not in KINDS:
        errors.append(f"{path}:{_key_line(text, start, 'kind')}: unknown intervention kind "
                      f"{kind!r}{_unknown_key_hint(str(kind), list(KINDS))}; "
                      f"choose one of {list(KINDS)}.")
        return None
    iid = item.get("id")
    if not isinstance(iid, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", iid):
        errors.append(f"{path}:{_key_line(text, start, 'id')}: intervention id must be a "
                      f"short name of letters, digits, '-', '_' or '.'; got {iid!r}.")
        return None
    return kind, iid


def _keys_ok(item: dict, kind: str, iid: str, path: Path, text: str, start: int,
             errors: list) -> bool:
    """True when the table has only the keys its kind allows and all it requires (every
    problem is added to ``errors``)."""
    req, opt = KINDS[kind]
    allowed = set(_COMMON) | set(req) | set(opt)
    ok = True
    for k in item:
        if k not in allowed:
            errors.append(f"{path}:{_key_line(text, start, k)}: unknown key {k!r} in "
                          f"intervention {iid!r} ({kind})"
                          f"{_unknown_key_hint(k, sorted(allowed))}; "
                          f"allowed: {sorted(allowed)}.")
            ok = False
    for k in req:
        if k not in item:
            errors.append(f"{path}:{start}: intervention {iid!r} ({kind}) lacks required key "
                          f"{k!r}.")
            ok = False
    return ok


# Kind-specific parameters: ``(item, kind defaults, at, errors) -> (params, units)``, where
# ``at(key)`` is the "file:line: intervention 'id'" prefix of a message about ``key`` and
# ``units`` the quantity the cost is counted in (None when a parameter is invalid).
def _backup_params(item: dict, dk: dict, at, errors: list):
    """``backup_generators``: sites, MW per site and hours of fuel; units = MW in total."""
    params = {"sites": _str_list(item["sites"], "sites", at("sites"), errors),
              "mw_per_site": _num(item.get("mw_per_site", 2.0), "mw_per_site [MW]",
                                  at("mw_per_site"), lo_open=True, errors=errors),
              "fuel_h": _num(item.get("fuel_h", dk.get("fuel_h", 72.0)), "fuel_h [h]",
                             at("fuel_h"), lo_open=True, errors=errors)}
    units = None
    if params["sites"] and params["mw_per_site"]:
        units = params["mw_per_site"] * len(params["sites"])
    return params, units


def _district_param(item: dict, at, errors: list) -> str:
    """The ``district`` of a local-supply intervention (a non-empty name, checked)."""
    if not isinstance(item["district"], str) or not item["district"]:
        errors.append(f"{at('district')}: district must be a district name; got "
                      f"{item['district']!r}.")
    return item["district"]


def _boiler_params(item: dict, dk: dict, at, errors: list):
    """``modular_boilers``: district, heat [MW(th)] and own backup power; units = heat_mw."""
    params = {"district": _district_param(item, at, errors),
              "heat_mw": _num(item["heat_mw"], "heat_mw [MW]", at("heat_mw"), lo_open=True,
                              errors=errors),
              "own_backup": bool(item.get("own_backup", dk.get("own_backup", True)))}
    return params, params["heat_mw"]


def _cogeneration_params(item: dict, dk: dict, at, errors: list):
    """``cogeneration``: district, electric [MW(e)] and heat [MW(th)] output (default
    ``heat_mw_per_mw`` x electric); units = electric_mw."""
    params = {"district": _district_param(item, at, errors),
              "electric_mw": _num(item["electric_mw"], "electric_mw [MW]",
                                  at("electric_mw"), lo_open=True, errors=errors)}
    e = params["electric_mw"] or 0.0
    params["heat_mw"] = _num(item.get("heat_mw", e * float(dk.get("heat_mw_per_mw", 1.1))),
                             "heat_mw [MW]", at("heat_mw"), lo_open=True, errors=errors)
    return params, params["electric_mw"]


def _protection_params(item: dict, dk: dict, at, errors: list):
    """``protection``: assets and the factor on the chance a hit does damage; units = one
    per asset."""
    params = {"assets": _str_list(item["assets"], "assets", at("assets"), errors),
              "damage_prob_factor": _num(
                  item.get("damage_prob_factor", dk.get("damage_prob_factor", 0.3)),
                  "damage_prob_factor [-]", at("damage_prob_factor"), hi=1.0, errors=errors)}
    return params, float(len(params["assets"])) if params["assets"] else None


def _spare_params(item: dict, dk: dict, at, errors: list):
    """``spare_transformers``: assets and the longest repair [h]; units = one per asset."""
    params = {"assets": _str_list(item["assets"], "assets", at("assets"), errors),
              "repair_h_max": _num(item.get("repair_h_max", dk.get("repair_h_max", 168.0)),
                                   "repair_h_max [h]", at("repair_h_max"), lo_open=True,
                                   errors=errors)}
    return params, float(len(params["assets"])) if params["assets"] else None


def _interceptor_params(item: dict, dk: dict, at, errors: list):
    """``interceptors``: the interception probability [-]; units = 1."""
    params = {"interception_prob": _num(item["interception_prob"], "interception_prob [-]",
                                        at("interception_prob"), hi=0.999, errors=errors)}
    return params, 1.0


def _crew_params(item: dict, dk: dict, at, errors: list):
    """``restart_crews``: a whole number of crews > 0; units = crews."""
    c = item["crews"]
    if isinstance(c, bool) or not isinstance(c, int) or c <= 0:
        errors.append(f"{at('crews')}: crews must be a whole number > 0; got {c!r}.")
        return {}, None
    return {"crews": c}, float(c)


_PARAMS = {"backup_generators": _backup_params, "modular_boilers": _boiler_params,
           "cogeneration": _cogeneration_params, "protection": _protection_params,
           "spare_transformers": _spare_params, "interceptors": _interceptor_params,
           "restart_crews": _crew_params}


def _costing(item: dict, dk: dict, units, at, errors: list):
    """``(units, unit_cost, cost, lifetime_years, tag)`` of an intervention: the table's
    values, else the kind's defaults (a cost given in the plan file is tagged [C])."""
    if "units" in item:
        units = _num(item["units"], "units", at("units"), lo_open=True, errors=errors)
    unit_cost = _num(item.get("unit_cost", dk.get("unit_cost")), "unit_cost",
                     at("unit_cost"), errors=errors)
    cost = _num(item["cost"], "cost", at("cost"), errors=errors) if "cost" in item else None
    life = _num(item.get("lifetime_years", dk.get("lifetime_years", 20)), "lifetime_years",
                at("lifetime_years"), lo_open=True, errors=errors)
    tag = item.get("tag", "C" if ("cost" in item or "unit_cost" in item)
                   else dk.get("tag", "C"))
    if tag not in _TAGS:
        errors.append(f"{at('tag')}: tag must be one of {list(_TAGS)}; got {tag!r}.")
    return units, unit_cost, cost, life, tag


def _parse_one(item, path: Path, text: str, start: int, d: dict, currency: str,
               price_year: int, errors: list) -> Intervention | None:
    """One ``[[intervention]]`` table (header at line ``start``) as an
    :class:`Intervention`, or None with every problem added to ``errors``."""
    head = _kind_and_id(item, path, text, start, errors)
    if head is None or not _keys_ok(item, *head, path, text, start, errors):
        return None
    kind, iid = head
    dk = d[kind]

    def at(k: str) -> str:
        return f"{path}:{_key_line(text, start, k)}: intervention {iid!r}"

    n_err = len(errors)
    params, units = _PARAMS[kind](item, dk, at, errors)
    units, unit_cost, cost, life, tag = _costing(item, dk, units, at, errors)
    if len(errors) > n_err:
        return None
    capital = cost if cost is not None else (units or 0.0) * unit_cost
    if capital <= 0:
        errors.append(f"{path}:{start}: intervention {iid!r} has zero capital cost; give "
                      "cost or unit_cost > 0 (ranking per unit of cost needs it).")
        return None
    own_cost = "unit_cost" in item or "cost" in item
    source = str(item.get("source", "plan file [C]" if own_cost else dk.get("source", "")))
    return Intervention(id=iid, kind=kind, label=str(item.get("label", iid)), params=params,
                        units=float(units or 0.0), unit=str(dk.get("unit", "unit")),
                        capital_cost=float(capital),
                        currency=str(item.get("currency", currency)),
                        price_year=int(item.get("price_year", price_year)),
                        lifetime_years=float(life), source=source, tag=str(tag),
                        line=start, file=str(path))


# ----------------------------------------------------------------------- assets
def _district_names(layer) -> list[str]:
    return sorted(layer.districts["district"].astype(str))


def _resolve_district(name: str, layer) -> str | None:
    ds = _district_names(layer)
    key = name.strip().casefold()
    for dname, label in zip(layer.districts["district"], layer.districts.get(
            "name", layer.districts["district"]), strict=True):
        if key in (str(dname).casefold(), str(label).casefold()):
            return str(dname)
    return None if key not in ds else key


def validate_assets(plan: Plan, *, net=None, layer=None) -> list[Intervention]:
    """Check every named asset, district and site; return interventions with ids resolved.

    Parameters
    ----------
    plan : Plan
    net : pandapowerNet, optional
        Grid assets of ``protection`` and ``spare_transformers`` are resolved with
        :func:`gridmodel.network.registry.resolve` (ids, names or aliases).
    layer : HeatLayer, optional
        Districts and heat sites.

    Returns
    -------
    list of Intervention

    Raises
    ------
    InterventionError
        Every unknown name with the plan file and line and the closest known names.
    """
    from gridmodel.errors import UnknownAssetError
    from gridmodel.network.registry import resolve, suggest

    errors: list[str] = []
    out: list[Intervention] = []
    text = plan.path.read_text(encoding="utf-8") if plan.path else ""
    for iv in plan.interventions:
        p = dict(iv.params)

        def where(key: str, iv=iv) -> str:
            return f"{iv.file}:{_key_line(text, iv.line, key) if text else iv.line}"

        if net is not None and iv.kind in ("protection", "spare_transformers"):
            reg = net.registry
            ids = []
            for name in p["assets"]:
                try:
                    ids.extend(resolve(net, [name], kinds=_GRID_KINDS))
                except UnknownAssetError:
                    close = suggest(reg[reg["kind"].isin(_GRID_KINDS)], name)
                    hint = f"closest: {', '.join(close)}" if close else "no close match"
                    errors.append(f"{where('assets')}: intervention {iv.id!r}: unknown asset "
                                  f"{name!r} ({hint}). List assets with `gridmodel network "
                                  "assets --match NAME`.")
            p["assets"] = ids
        if layer is not None and iv.kind in ("modular_boilers", "cogeneration"):
            dname = _resolve_district(p["district"], layer)
            if dname is None:
                close = difflib.get_close_matches(p["district"].casefold(),
                                                  _district_names(layer), n=3)
                errors.append(f"{where('district')}: intervention {iv.id!r}: unknown district "
                              f"{p['district']!r}; closest: {close}; known: "
                              f"{_district_names(layer)}.")
            p["district"] = dname
        if layer is not None and iv.kind == "backup_generators":
            known = set(layer.sources["source_id"]) | set(layer.pumping["pump_id"])
            sites = []
            for s in p["sites"]:
                dname = _resolve_district(s, layer)
                if s in known:
                    sites.append(s)
                elif dname is not None:
                    sites.append(f"district:{dname}")
                else:
                    close = difflib.get_close_matches(s, sorted(known)
                                                      + _district_names(layer), n=3)
                    errors.append(f"{where('sites')}: intervention {iv.id!r}: unknown site "
                                  f"{s!r}; give a heat source id, a pumping station id or a "
                                  f"district name (closest: {close}).")
            p["sites"] = sites
        out.append(dataclasses.replace(iv, params=p))
    if errors:
        raise InterventionError("\n".join(errors))
    return out


# ----------------------------------------------------------------------- variants
@dataclass
class Variant:
    """The inputs of one run: base plus a set of interventions (copies, never the base's).

    Attributes
    ----------
    name : str
        ``"baseline"``, an intervention id, or ids joined with ``+``.
    interventions : tuple of Intervention
    net : pandapowerNet
        The base network or a modified copy.
    layer : HeatLayer
        The base layer or a modified copy.
    interception_prob : float
        Probability a weapon aimed at a listed target is intercepted [-].
    damage_prob : float
        Probability a hit does its listed damage [-].
    damage_factor : dict
        ``{asset_id: factor}`` on ``damage_prob`` (protection).
    repair_cap_h : dict
        ``{asset_id: hours}``: longest repair after a hit (spares) [h].
    net_changed : bool
        Whether ``net`` differs from the base (the grid timeline must be re-run).
    """

    name: str
    interventions: tuple
    net: object
    layer: object
    interception_prob: float
    damage_prob: float = 1.0
    damage_factor: dict = field(default_factory=dict)
    repair_cap_h: dict = field(default_factory=dict)
    net_changed: bool = False

    @property
    def capital_cost(self) -> float:
        """Sum of the interventions' capital costs [currency]."""
        return float(sum(iv.capital_cost for iv in self.interventions))


def _copy_layer(layer):
    return dataclasses.replace(
        layer, assumptions=copy.deepcopy(layer.assumptions),
        sources=layer.sources.copy(), zones=layer.zones.copy(), pumping=layer.pumping.copy(),
        buildings=layer.buildings.copy(), districts=layer.districts.copy())


def _district_node(layer, district: str) -> str:
    return str(layer.districts.set_index("district").loc[district, "grid_node"])


def _add_backup(layer, iv: Intervention) -> None:
    mw, fuel = iv.params["mw_per_site"], iv.params["fuel_h"]
    src, pump = layer.sources, layer.pumping
    for site in iv.params["sites"]:
        if site.startswith("district:"):
            d = site.split(":", 1)[1]
            zones = layer.zones.loc[layer.zones["district"] == d]
            srows = src.index[(src["district"].astype(str) == d)
                              & src["source_id"].isin(zones["source_id"])]
            prows = pump.index[pump["zone_id"].isin(zones["zone_id"])]
        else:
            srows = src.index[src["source_id"] == site]
            prows = pump.index[pump["pump_id"] == site]
        for df, rows in ((src, srows), (pump, prows)):
            if len(rows):
                df.loc[rows, "backup_mw"] = df.loc[rows, "backup_mw"].astype(float) + mw
                df.loc[rows, "backup_fuel_h"] = np.maximum(
                    df.loc[rows, "backup_fuel_h"].astype(float), fuel)


def _append_row(df: pd.DataFrame, values: dict) -> pd.DataFrame:
    """A copy of ``df`` with one row appended (missing text columns "", numbers NaN)."""
    out = df.reset_index(drop=True).copy()
    row = []
    for c in out.columns:
        v = values.get(c)
        if v is None:
            v = np.nan if pd.api.types.is_numeric_dtype(out[c]) else ""
        row.append(v)
    out.loc[len(out)] = row
    return out


def _add_local_supply(layer, iv: Intervention, self_powered: bool) -> None:
    """Move CHP-fed buildings of a district to a new local source (modular / CHP units)."""
    d = iv.params["district"]
    heat_mw = float(iv.params["heat_mw"])
    b = layer.buildings
    kinds = layer.sources.set_index("source_id")["kind"]
    chp = b["source_id"].map(kinds).astype(str).isin(["chp"])
    cand = b.index[(b["district"] == d) & chp.to_numpy()]
    if not len(cand):
        return
    s = layer.sources.set_index("source_id")
    dist = np.hypot(b.loc[cand, "lon"].to_numpy(float)
                    - b.loc[cand, "source_id"].map(s["lon"]).to_numpy(float),
                    b.loc[cand, "lat"].to_numpy(float)
                    - b.loc[cand, "source_id"].map(s["lat"]).to_numpy(float))
    order = cand[np.lexsort((b.loc[cand, "building_id"].to_numpy(), -dist))]
    load_mw = b.loc[order, "design_load_kw"].to_numpy(float) / 1e3 if (
        "design_load_kw" in b) else np.full(len(order), 0.25)
    take = order[np.cumsum(load_mw) <= heat_mw]
    if not len(take):
        return
    node = _district_node(layer, d)
    sid, zid, pid = f"heat:{iv.id}", f"zone:{iv.id}", f"pump:{iv.id}"
    p_need = float(layer.assumptions.get("power_need", {}).get("boiler_mwe_per_mwth", 0.015))
    pump_need = float(layer.assumptions.get("power_need", {}).get("pumping_mwe_per_mwth",
                                                                  0.008))
    fuel_h = 1.0e6 if self_powered else float(layer.assumptions.get("backup", {}).get(
        "fuel_hours", 48.0))
    own = self_powered or bool(iv.params.get("own_backup", True))
    kind = "cogeneration" if self_powered else "modular_boiler"
    lon = float(b.loc[take, "lon"].mean())
    lat = float(b.loc[take, "lat"].mean())
    new_src = dict(source_id=sid, name=iv.label, kind=kind, fuel="gas", district=d,
                   power_asset="" if self_powered else node, heat_capacity_mw=heat_mw,
                   power_need_mw=heat_mw * p_need,
                   backup_mw=heat_mw * p_need * 1.2 if own else 0.0,
                   backup_fuel_h=fuel_h if own else 0.0, lon=lon, lat=lat,
                   source=f"intervention {iv.id} [{iv.tag}]")
    layer.sources = _append_row(layer.sources, new_src)
    layer.sources["power_asset"] = layer.sources["power_asset"].fillna("").astype(str)
    new_zone = dict(zone_id=zid, source_id=sid, district=d, pump_id=pid)
    layer.zones = _append_row(layer.zones, new_zone)
    new_pump = dict(pump_id=pid, zone_id=zid, grid_node=node,
                    power_need_mw=heat_mw * pump_need,
                    backup_mw=heat_mw * pump_need * 1.2 if own else 0.0,
                    backup_fuel_h=fuel_h if own else 0.0,
                    source=f"intervention {iv.id} [{iv.tag}]")
    layer.pumping = _append_row(layer.pumping, new_pump)
    layer.buildings.loc[take, "zone_id"] = zid
    layer.buildings.loc[take, "source_id"] = sid


def _reduce_node_demand(net, layer, iv: Intervention) -> None:
    """Local generation serves ``electric_mw`` of the district node's demand."""
    node = _district_node(layer, iv.params["district"])
    reg = net.registry.set_index("asset_id")
    sub = reg.loc[node, "substation"] if node in reg.index else None
    lids = net.registry.loc[(net.registry["kind"] == "load")
                            & (net.registry["substation"] == sub), "asset_id"]
    rows = net.load.index[net.load["load_id"].isin(set(lids))]
    if not len(rows):
        return
    p = net.load.loc[rows, "p_mw"].astype(float)
    total = float(p.sum())
    if total <= 0:
        return
    cut = min(float(iv.params["electric_mw"]), total)
    net.load.loc[rows, "p_mw"] = p * (1.0 - cut / total)


_LAYER_KINDS = ("backup_generators", "modular_boilers", "cogeneration", "restart_crews")


def build_variant(base_net, base_layer, interventions=(), *, interception_prob: float = 0.5,
                  damage_prob: float = 1.0, name: str | None = None) -> Variant:
    """Apply interventions to copies of the network and heat layer.

    Parameters
    ----------
    base_net : pandapowerNet
        Not modified.
    base_layer : HeatLayer
        Not modified.
    interventions : sequence of Intervention
        Applied in order (asset ids already resolved by :func:`validate_assets`).
    interception_prob : float
        Base interception probability [-]; ``interceptors`` raise it.
    damage_prob : float
        Base probability a hit does its listed damage [-].
    name : str, optional
        Default: ids joined with ``+`` (``"baseline"`` when empty).

    Returns
    -------
    Variant
    """
    ivs = tuple(interventions)
    layer = base_layer
    net = base_net
    net_changed = False
    p_int = float(interception_prob)
    dmg: dict[str, float] = {}
    cap: dict[str, float] = {}
    if base_layer is not None and any(iv.kind in _LAYER_KINDS for iv in ivs):
        layer = _copy_layer(base_layer)
    for iv in ivs:
        k = iv.kind
        if k in _LAYER_KINDS and layer is None:
            continue  # no layer (cheap test runners): heat-side effects are not modelled
        if k == "backup_generators":
            _add_backup(layer, iv)
        elif k in ("modular_boilers", "cogeneration"):
            _add_local_supply(layer, iv, self_powered=(k == "cogeneration"))
            if k == "cogeneration" and base_net is not None:
                if not net_changed:
                    net = copy.deepcopy(base_net)
                    net_changed = True
                _reduce_node_demand(net, layer, iv)
        elif k == "restart_crews":
            layer.assumptions["restart"]["crews"] = (
                float(layer.assumptions["restart"]["crews"]) + iv.params["crews"])
        elif k == "interceptors":
            p_int = max(p_int, float(iv.params["interception_prob"]))
        elif k in ("protection", "spare_transformers"):
            reg = base_net.registry if base_net is not None else None
            ids = list(iv.params["assets"])
            if reg is not None:
                subs = [a for a in ids if a.startswith("sub:")]
                ids += reg.loc[reg["substation"].isin(subs)
                               & reg["kind"].isin(["transformer", "bus"]),
                               "asset_id"].tolist()
            for a in ids:
                if k == "protection":
                    dmg[a] = min(dmg.get(a, 1.0), float(iv.params["damage_prob_factor"]))
                else:
                    cap[a] = min(cap.get(a, math.inf), float(iv.params["repair_h_max"]))
    return Variant(name=name or ("+".join(iv.id for iv in ivs) or "baseline"),
                   interventions=ivs, net=net, layer=layer, interception_prob=p_int,
                   damage_prob=float(damage_prob), damage_factor=dmg, repair_cap_h=cap,
                   net_changed=net_changed)
