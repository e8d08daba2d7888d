"""Strike patterns: salvo, air defence, targeting doctrine and damage -> sampled nights.

A **pattern** (TOML, documented in ``docs/patterns.md``) describes a kind of night rather
than one night: how many weapons of each class are launched, how likely each is to be
intercepted, what the attacker aims at, and how much damage an arriving hit does.
:func:`sample_night` draws one night from it with a caller's :class:`numpy.random.Generator`
and returns a strike table in the same resolved format as
:func:`gridmodel.strikes.load_strikes`; :func:`write_night` saves it as a strike-list CSV
that ``gridmodel outage`` / ``gridmodel run`` read back unchanged.

Sampling one night (all draws from the one ``rng``, in this order)
-----------------------------------------------------------------
1. Interception: ``intercepted_c ~ Binomial(n_c, p_c)`` per weapon class ``c`` (classes
   in :data:`WEAPON_CLASSES` order); the rest arrive.
2. Times: every arriving weapon ``~ Uniform(night.first, night.last)``, to the minute.
3. Targets: a target group per arriving weapon with probability proportional to the
   group's weight, then an asset of the group: uniform (``order = "random"``) or greedy
   (``"centrality"`` / ``"load_served"``: the top-ranked asset takes
   ``hits_per_target`` hits, then the next, ...).
4. Damage: the share of capacity lost per hit is drawn (inverse CDF of one uniform) from
   the asset kind's and protection level's distribution and multiplied by the weapon's
   ``damage_factor``; hits on one asset combine as ``remaining = prod(1 - loss)``;
   ``remaining <= destroyed_below`` is ``destroyed``, otherwise ``damaged`` with
   ``fraction_lost = 1 - remaining`` (rounded to 1e-4). The asset is struck at its first
   hit's time.
5. Repair times: drawn per struck asset from ``gridmodel/data/repair_times.toml``
   (:func:`gridmodel.strikes.repairs.repair_hours`, rounded to 0.1 h) and written into the
   strike list, so a saved night replays without any further randomness.

Values without a source are in ``gridmodel/data/patterns_defaults.toml``, tagged [C]; a
pattern can point to a replacement with ``defaults = "file.toml"``. Sampled nights carry
``source = "sampled ... [C] illustrative"``.
"""

from __future__ import annotations

import copy
import hashlib
import math
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.optimize
import scipy.stats
from pydantic import ValidationError

from gridmodel._io.tomlio import read_toml
from gridmodel.config import DEFAULTS, GRID_RUN_KEYS, MAX_HOURS, RunConfig, resolve_name
from gridmodel.errors import InputError

__all__ = [
    "DEFAULTS_PATH",
    "ORDERS",
    "WEAPON_CLASSES",
    "Doctrine",
    "Pattern",
    "PatternError",
    "check_pattern",
    "fit_interception",
    "interception_presets",
    "load_defaults",
    "load_pattern",
    "pattern_from_dict",
    "sample_night",
    "write_night",
]

#: weapon classes of a salvo, in sampling order
WEAPON_CLASSES = ("cruise", "ballistic", "drone")
#: how an asset is chosen inside a target group
ORDERS = ("random", "centrality", "load_served")
#: the packaged defaults file ([C] illustrative values)
DEFAULTS_PATH = Path(__file__).resolve().parent.parent / "data" / "patterns_defaults.toml"
#: name of the interception preset fitted to the reported tallies
FITTED_PRESET = "reported"
_TOP_KEYS = {"name", "description", "defaults", "salvo", "night", "air_defence", "doctrine",
             "protection", "run"}
_RUN_KEYS = {"network", "status_date", "weather", "start", "horizon_h", "heat_layer",
             *GRID_RUN_KEYS}


class PatternError(InputError):
    """A strike pattern or a defaults file is malformed (the message names file and key)."""


# ------------------------------------------------------------------ defaults and fit
def _read_toml(path: Path, what: str) -> dict:
    return read_toml(path, what, PatternError)[0]


def _frozen_dist(spec: dict, where: str):
    spec = dict(spec)
    name = spec.pop("dist", None)
    gen = getattr(scipy.stats, str(name), None)
    if not isinstance(gen, scipy.stats.rv_continuous):
        msg = (f"{where}: dist {name!r} is not a continuous scipy.stats distribution; use "
               "e.g. dist = \"beta\" with a = 2.0, b = 3.0.")
        raise PatternError(msg)
    try:
        frozen = gen(**spec)
        lo, hi = frozen.support()
    except (TypeError, ValueError) as exc:
        msg = f"{where}: bad parameters {spec} for scipy.stats.{name}: {exc}."
        raise PatternError(msg) from None
    if lo < 0 or hi > 1:
        msg = (f"{where}: scipy.stats.{name}({spec}) has support [{lo:g}, {hi:g}]; the share "
               "of capacity lost per hit must lie in [0, 1] (beta or uniform(0, 1) work).")
        raise PatternError(msg)
    return frozen


def load_defaults(path: str | Path | None = None) -> dict:
    """Read a pattern-defaults file (default: the packaged ``patterns_defaults.toml``).

    Parameters
    ----------
    path : str or path, optional
        Replacement file with the same tables (``weapons``, ``tallies``, ``interception``,
        ``damage``, ``doctrine``).

    Returns
    -------
    dict
        The parsed file plus ``damage_dists`` (``{kind: {level: frozen scipy.stats
        distribution}}``), ``interception_presets`` (:func:`interception_presets`) and
        ``path``.

    Raises
    ------
    PatternError
        Missing tables, unknown weapon classes, probabilities outside [0, 1], bad
        distributions.
    """
    p = DEFAULTS_PATH if path is None else Path(path)
    doc = _read_toml(p, "pattern defaults file")
    for key in ("weapons", "interception", "damage", "doctrine"):
        if key not in doc:
            msg = f"{p}: missing table [{key}] (see {DEFAULTS_PATH.name} for the layout)."
            raise PatternError(msg)
    unknown = sorted(set(doc["weapons"]) - set(WEAPON_CLASSES))
    missing = sorted(set(WEAPON_CLASSES) - set(doc["weapons"]))
    if unknown or missing:
        msg = (f"{p}: [weapons] must define exactly {list(WEAPON_CLASSES)}; unknown "
               f"{unknown}, missing {missing}.")
        raise PatternError(msg)
    dmg = dict(doc["damage"])
    destroyed_below = float(dmg.pop("destroyed_below", 0.05))
    if not 0.0 <= destroyed_below < 1.0:
        msg = f"{p}: damage.destroyed_below = {destroyed_below:g} must lie in [0, 1)."
        raise PatternError(msg)
    dists: dict[str, dict] = {}
    for kind, levels in dmg.items():
        if not isinstance(levels, dict):
            msg = f"{p}: damage.{kind} must be a table of protection levels."
            raise PatternError(msg)
        dists[kind] = {lvl: _frozen_dist(spec, f"{p}: damage.{kind}.{lvl}")
                       for lvl, spec in levels.items()}
    out = dict(doc)
    out["path"] = str(p)
    out["destroyed_below"] = destroyed_below
    out["damage_dists"] = dists
    out["interception_presets"] = interception_presets(doc, where=str(p))
    return out


def fit_interception(tallies: list[dict]) -> dict[str, dict]:
    """Fit interception probabilities per weapon class to reported tallies.

    Binomial maximum likelihood over the rows with ``use = true``: a row that splits
    launched and intercepted by class contributes ``Binomial(n_c, p_c)`` per class, so with
    only such rows the estimate is the pooled ratio ``sum intercepted_c / sum launched_c``;
    a row that gives a class mix ``n_c`` but only the missile total intercepted
    (``intercepted_missiles``) contributes ``Binomial(sum n_c, sum n_c p_c / sum n_c)``.
    Rows without a class split (``launched_any``, ``launched_missiles`` only) are left
    out of the fit.

    Parameters
    ----------
    tallies : list of dict
        The ``[[tallies]]`` rows of the defaults file.

    Returns
    -------
    dict
        ``{class: {"p": float, "launched": int, "intercepted": float, "pooled": float,
        "rows": [nights]}}``; ``pooled`` is the plain ratio over the class-split rows.
    """
    pure = {c: [0.0, 0.0, []] for c in WEAPON_CLASSES}  # launched, intercepted, rows
    mixed = []  # (n_c dict, intercepted)
    for row in tallies:
        if not row.get("use", False):
            continue
        launched = row.get("launched", {})
        inter = row.get("intercepted", {})
        for c, n in launched.items():
            if c in inter:
                pure[c][0] += float(n)
                pure[c][1] += float(inter[c])
                pure[c][2].append(row.get("night", "?"))
        mix = {c: float(n) for c, n in launched.items() if c not in inter}
        if mix and "intercepted_missiles" in row:
            mixed.append((mix, float(row["intercepted_missiles"]), row.get("night", "?")))
    classes = list(WEAPON_CLASSES)

    def nll(p: np.ndarray) -> float:
        p = np.clip(p, 1e-9, 1 - 1e-9)
        total = 0.0
        for i, c in enumerate(classes):
            n, k = pure[c][0], pure[c][1]
            total -= k * math.log(p[i]) + (n - k) * math.log(1 - p[i])
        for mix, k, _ in mixed:
            n = sum(mix.values())
            q = sum(mix[c] * p[classes.index(c)] for c in mix) / n
            total -= k * math.log(q) + (n - k) * math.log(1 - q)
        return total

    x0 = np.array([pure[c][1] / pure[c][0] if pure[c][0] else 0.5 for c in classes])
    res = scipy.optimize.minimize(nll, x0, bounds=[(1e-6, 1 - 1e-6)] * len(classes),
                                  method="L-BFGS-B")
    out = {}
    for i, c in enumerate(classes):
        rows = list(pure[c][2]) + [night for mix, _, night in mixed if c in mix]
        n_mixed = sum(mix.get(c, 0.0) for mix, _, _ in mixed)
        out[c] = {"p": round(float(res.x[i]), 4), "launched": int(pure[c][0] + n_mixed),
                  "intercepted_split": float(pure[c][1]),
                  "pooled": (round(pure[c][1] / pure[c][0], 4) if pure[c][0] else None),
                  "rows": rows}
    return out


def interception_presets(defaults: dict, where: str = "defaults") -> dict[str, dict]:
    """Named air-defence postures: the fitted ``"reported"`` one and the file's presets.

    Returns
    -------
    dict
        ``{name: {"p": {class: probability}, "basis": str}}``.

    Raises
    ------
    PatternError
        A preset naming an unknown weapon class or a probability outside [0, 1].
    """
    out = {}
    fit = fit_interception(defaults.get("tallies", []))
    out[FITTED_PRESET] = {
        "p": {c: fit[c]["p"] for c in WEAPON_CLASSES},
        "basis": ("binomial maximum-likelihood fit to the Air Force tallies of FIELD_NOTES 8 "
                  "(rows with a class split; the 3 Feb 2026 row through its known mix of 32 "
                  "ballistic and 38 cruise); see docs/patterns.md"),
        "fit": fit,
    }
    for name, spec in defaults.get("interception", {}).items():
        probs = {k: v for k, v in spec.items() if k != "basis"}
        out[name] = {"p": _check_probs(probs, f"{where}: interception.{name}"),
                     "basis": str(spec.get("basis", "[C]"))}
    return out


def _known_classes(keys, where: str) -> None:
    """Raise :class:`PatternError` when ``keys`` name a weapon class that does not exist."""
    unknown = sorted(set(keys) - set(WEAPON_CLASSES))
    if unknown:
        msg = (f"{where} names unknown weapon class(es) {unknown}; weapon classes are "
               f"{list(WEAPON_CLASSES)}.")
        raise PatternError(msg)


def _check_probs(probs: dict, where: str) -> dict[str, float]:
    _known_classes(probs, f"{where}:")
    out = {}
    for c in WEAPON_CLASSES:
        if c not in probs:
            msg = (f"{where}: no interception probability for {c!r}; give all of "
                   f"{list(WEAPON_CLASSES)}.")
            raise PatternError(msg)
        try:
            x = float(probs[c])
        except (TypeError, ValueError):
            x = math.nan
        if not 0.0 <= x <= 1.0:
            msg = (f"{where}: interception probability of {c!r} is {probs[c]!r}, outside "
                   "[0, 1]; give a probability, e.g. 0.6 for 60 % intercepted.")
            raise PatternError(msg)
        out[c] = x
    return out


# ------------------------------------------------------------------ the pattern
@dataclass(frozen=True)
class Doctrine:
    """A targeting doctrine: weighted target groups and how assets are picked in a group.

    Attributes
    ----------
    name : str
    targets : tuple of (str, float)
        ``(selector, weight)`` per group (selector syntax: :mod:`gridmodel.strikes.resolve`).
    order : {"random", "centrality", "load_served"}
    hits_per_target : int
        Greedy orders: hits on the top-ranked asset before the next one.
    basis : str
    """

    name: str
    targets: tuple
    order: str = "random"
    hits_per_target: int = 3
    basis: str = "[C]"


@dataclass
class Pattern:
    """A strike pattern (see the module docstring and ``docs/patterns.md``).

    Attributes
    ----------
    name, description : str
    salvo : dict of str to int
        Weapons launched per class.
    interception : dict of str to float
        Probability that a weapon of a class is intercepted, in [0, 1].
    interception_name, interception_basis : str
    doctrine : Doctrine
    protection : dict of str to list of str
        Protection level -> selectors of the assets that have it (others: ``"none"``).
    night_first, night_last : pandas.Timestamp
        Window of the hits (UTC).
    run : dict
        How a night is run end to end: ``network, status_date, weather, start, horizon_h
        [h], heat_layer`` and the grid options of
        :data:`~gridmodel.config.GRID_RUN_KEYS` (``n_queues, block_h, demand_step,
        max_cascade_rounds, line_limits``).
    defaults : dict
        :func:`load_defaults` of the defaults file used.
    path : Path or None
    """

    name: str
    description: str
    salvo: dict
    interception: dict
    interception_name: str
    interception_basis: str
    doctrine: Doctrine
    protection: dict
    night_first: pd.Timestamp
    night_last: pd.Timestamp
    run: dict
    defaults: dict = field(repr=False)
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def illustrative(self) -> bool:
        """True: patterns rest on [C] values (see the defaults file)."""
        return bool(self.defaults.get("illustrative", True))

    @property
    def n_weapons(self) -> int:
        """Weapons launched in the salvo."""
        return int(sum(self.salvo.values()))

    def key(self) -> str:
        """Short hash of the pattern's content and of its defaults file's content (for
        manifests and caches; the same in every checkout or install)."""
        h = hashlib.sha256(repr(sorted(_flatten(self.raw).items())).encode())
        h.update(Path(self.defaults["path"]).read_bytes())
        return h.hexdigest()[:16]


def _flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = repr(v)
    return out


def _timestamp(value, where: str) -> pd.Timestamp:
    from gridmodel.strikes.strikelist import StrikeListError, parse_time

    try:
        return parse_time(value, where)
    except StrikeListError as exc:
        raise PatternError(str(exc)) from None


#: a pattern's run without its own ``[run]`` keys, in flat form (``_RUN_KEYS``): the run
#: defaults, with the ``[pattern]`` status date, start and horizon
#: (``gridmodel/data/run_defaults.toml``, :data:`gridmodel.config.DEFAULTS`)
DEFAULT_RUN = {
    "network": DEFAULTS["run"]["network"],
    "status_date": DEFAULTS["pattern"]["status_date"],
    "weather": DEFAULTS["run"]["weather"],
    "start": DEFAULTS["pattern"]["start"],
    "horizon_h": DEFAULTS["pattern"]["horizon_h"],
    "heat_layer": DEFAULTS["run"]["heat"]["layer"],
    **{k: DEFAULTS["run"]["grid"][k] for k in GRID_RUN_KEYS},
}


def pattern_from_dict(doc: dict, where: str = "<pattern>", base: Path | None = None) -> Pattern:
    """Validate a parsed pattern document (the TOML layout of ``docs/patterns.md``).

    Tables are checked in file order of the docs (defaults, salvo, air defence, doctrine,
    protection, night, run); the first problem is raised.

    Raises
    ------
    PatternError
        Unknown keys, unknown weapon classes, counts < 0 or an empty salvo, interception
        probabilities outside [0, 1], unknown presets, bad night window or run options.
        Selectors are checked against a network by :func:`check_pattern`.
    """
    doc = copy.deepcopy(doc)
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        msg = f"{where}: unknown key(s) {unknown}; allowed: {sorted(_TOP_KEYS)}."
        raise PatternError(msg)
    defaults_path = doc.get("defaults")
    if defaults_path is not None:
        q = Path(defaults_path)
        defaults_path = q if q.is_absolute() or base is None else base / q
    defaults = load_defaults(defaults_path)
    salvo = _parse_salvo(doc.get("salvo"), where)
    probs, name, basis = _parse_air_defence(doc, defaults, where)
    doctrine = _parse_doctrine(dict(doc.get("doctrine", {})), defaults, where)
    protection = _parse_protection(dict(doc.get("protection", {})), defaults, where)
    first, last = _parse_night(dict(doc.get("night", {})), where)
    run = _parse_run(dict(doc.get("run", {})), first, last, where, base)
    return Pattern(name=str(doc.get("name", "pattern")),
                   description=str(doc.get("description", "")), salvo=salvo,
                   interception=probs, interception_name=name, interception_basis=basis,
                   doctrine=doctrine, protection=protection, night_first=first,
                   night_last=last, run=run, defaults=defaults, raw=doc)


def _whole(value, least: int) -> bool:
    """Whether ``value`` is an ``int`` (not a bool) of at least ``least``."""
    return not isinstance(value, bool) and isinstance(value, int) and value >= least


def _parse_salvo(salvo_doc, where: str) -> dict[str, int]:
    """``[salvo]``: weapons launched per class (every class of :data:`WEAPON_CLASSES`)."""
    if not isinstance(salvo_doc, dict) or not salvo_doc:
        msg = (f"{where}: [salvo] is missing; give weapons launched per class, e.g. "
               "cruise = 40, ballistic = 30, drone = 450.")
        raise PatternError(msg)
    _known_classes(salvo_doc, f"{where}: [salvo]")
    salvo = {}
    for c in WEAPON_CLASSES:
        n = salvo_doc.get(c, 0)
        if not _whole(n, 0):
            msg = f"{where}: salvo.{c} = {n!r}; give a whole number of weapons >= 0."
            raise PatternError(msg)
        salvo[c] = int(n)
    if sum(salvo.values()) < 1:
        msg = f"{where}: the salvo launches no weapon; give at least one in [salvo]."
        raise PatternError(msg)
    return salvo


def _parse_air_defence(doc: dict, defaults: dict, where: str) -> tuple[dict, str, str]:
    """``[air_defence]``: interception probabilities, their name and basis.

    A ``preset`` of the defaults file (default: the fitted one) with any explicit
    per-class values overriding it, or explicit values alone (``"custom"``).
    """
    ad = dict(doc.get("air_defence", {"preset": FITTED_PRESET}))
    presets = defaults["interception_presets"]
    preset = ad.pop("preset", None)
    basis = ad.pop("basis", None)
    if preset is not None:
        if preset not in presets:
            msg = (f"{where}: air_defence.preset {preset!r} is unknown; presets: "
                   f"{sorted(presets)} (file {defaults['path']}).")
            raise PatternError(msg)
        probs = dict(presets[preset]["p"])
        probs.update(ad)  # explicit values override the preset
        name = preset if not ad else f"{preset} (modified)"
        basis = basis or presets[preset]["basis"]
    else:
        probs, name = ad, "custom"
        basis = basis or "[C] given in the pattern file"
    return _check_probs(probs, f"{where}: [air_defence]"), name, basis


#: the keys of ``[doctrine]`` and of each of its ``targets``
_DOCTRINE_KEYS = {"preset", "targets", "order", "hits_per_target", "basis"}
_TARGET_KEYS = {"select", "weight"}
_NIGHT_KEYS = {"first", "last"}


def _parse_doctrine(doc_d: dict, defaults: dict, where: str) -> Doctrine:
    """``[doctrine]``: a preset of the defaults file (keys given override it) or custom."""
    bad = sorted(set(doc_d) - _DOCTRINE_KEYS)
    if bad:
        msg = f"{where}: unknown [doctrine] key(s) {bad}; allowed: {sorted(_DOCTRINE_KEYS)}."
        raise PatternError(msg)
    dpreset = doc_d.pop("preset", None)
    if dpreset is not None:
        if dpreset not in defaults["doctrine"]:
            msg = (f"{where}: doctrine.preset {dpreset!r} is unknown; presets: "
                   f"{sorted(defaults['doctrine'])} (file {defaults['path']}).")
            raise PatternError(msg)
        merged = dict(defaults["doctrine"][dpreset])
        merged.update(doc_d)
        doc_d, dname = merged, dpreset
    else:
        dname = "custom"
    targets = doc_d.get("targets")
    if not targets:
        msg = (f"{where}: [doctrine] has no targets; give preset = "
               f"{sorted(defaults['doctrine'])} or targets = [{{select = \"kind=plant\", "
               "weight = 1.0}, ...].")
        raise PatternError(msg)
    groups = _target_groups(targets, where)
    order = str(doc_d.get("order", "random"))
    if order not in ORDERS:
        msg = f"{where}: doctrine order {order!r}; choose one of {list(ORDERS)}."
        raise PatternError(msg)
    hpt = doc_d.get("hits_per_target", 3)
    if not _whole(hpt, 1):
        msg = f"{where}: doctrine hits_per_target = {hpt!r}; give a whole number >= 1."
        raise PatternError(msg)
    return Doctrine(name=dname, targets=tuple(groups), order=order, hits_per_target=hpt,
                    basis=str(doc_d.get("basis", "[C]")))


def _target_groups(targets, where: str) -> list[tuple[str, float]]:
    """``(selector, weight)`` of every doctrine target (weights > 0, default 1)."""
    groups = []
    for i, t in enumerate(targets, start=1):
        if not isinstance(t, dict) or "select" not in t:
            msg = f"{where}: doctrine target {i} needs select = \"kind=...\" and weight."
            raise PatternError(msg)
        bad = sorted(set(t) - _TARGET_KEYS)
        if bad:
            msg = (f"{where}: doctrine target {i} ({t['select']!r}): unknown key(s) {bad}; "
                   f"allowed: {sorted(_TARGET_KEYS)}.")
            raise PatternError(msg)
        w = t.get("weight", 1.0)
        if (isinstance(w, bool) or not isinstance(w, int | float) or not w > 0
                or not math.isfinite(w)):
            msg = (f"{where}: doctrine target {i} ({t['select']!r}) weight {w!r}; give a "
                   "finite number > 0.")
            raise PatternError(msg)
        groups.append((str(t["select"]), float(w)))
    return groups


def _parse_protection(doc_p: dict, defaults: dict, where: str) -> dict[str, list[str]]:
    """``[protection]``: selectors per protection level (a level needs damage curves)."""
    protection = {}
    levels = {lvl for k in defaults["damage_dists"].values() for lvl in k}
    for lvl, sels in doc_p.items():
        if lvl not in levels:
            msg = (f"{where}: protection level {lvl!r} has no damage curves; levels: "
                   f"{sorted(levels)} (file {defaults['path']}).")
            raise PatternError(msg)
        if isinstance(sels, str):
            sels = [sels]
        protection[lvl] = [str(s) for s in sels]
    return protection


def _parse_night(night: dict, where: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[night]``: the first and last time of the hits (UTC)."""
    bad = sorted(set(night) - _NIGHT_KEYS)
    if bad:
        msg = f"{where}: unknown [night] key(s) {bad}; allowed: {sorted(_NIGHT_KEYS)}."
        raise PatternError(msg)
    if "first" not in night or "last" not in night:
        msg = (f"{where}: [night] needs first and last, the window of the hits, e.g. "
               "first = 2026-02-03T01:00:00+02:00, last = 2026-02-03T07:00:00+02:00.")
        raise PatternError(msg)
    first = _timestamp(night["first"], f"{where}: night.first")
    last = _timestamp(night["last"], f"{where}: night.last")
    if last < first:
        msg = f"{where}: night.last {last} is before night.first {first}."
        raise PatternError(msg)
    return first, last


def _parse_run(run_doc: dict, first: pd.Timestamp, last: pd.Timestamp, where: str,
               base: Path | None = None) -> dict:
    """``[run]`` over :data:`DEFAULT_RUN`; the night must lie inside the run's period.

    A network, weather or heat layer given as a path is relative to ``base``, the folder
    of the pattern file (:func:`gridmodel.config.resolve_name`), as in a scenario file.
    """
    run = dict(DEFAULT_RUN)
    bad = sorted(set(run_doc) - _RUN_KEYS)
    if bad:
        msg = f"{where}: unknown [run] key(s) {bad}; allowed: {sorted(_RUN_KEYS)}."
        raise PatternError(msg)
    run.update(run_doc)
    start = _timestamp(run["start"], f"{where}: run.start")
    h = run["horizon_h"]
    if not _whole(h, 1) or h > MAX_HOURS:
        msg = f"{where}: run.horizon_h = {h!r}; give whole hours >= 1 and <= {MAX_HOURS}."
        raise PatternError(msg)
    if first < start or last >= start + pd.Timedelta(hours=h):
        msg = (f"{where}: the night {first} .. {last} lies outside the run period starting "
               f"{start} for {h} h; move run.start or the night.")
        raise PatternError(msg)
    run["start"] = start
    for k in ("network", "weather", "heat_layer"):
        run[k] = resolve_name(str(run[k]), base)
    run.update(_run_options(run, where))
    return run


def _run_options(run: dict, where: str) -> dict:
    """``status_date`` and the grid options checked as the run the pattern's nights are
    (:meth:`gridmodel.config.RunConfig.from_flat`): their values, or a
    :class:`PatternError` naming the key."""
    try:
        cfg = RunConfig.from_flat(run)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = f"{where}: run.{key} = {err.get('input')!r}: {err['msg']}."
        raise PatternError(msg) from None
    return {"status_date": cfg.status_date, **{k: getattr(cfg.grid, k) for k in GRID_RUN_KEYS}}


def load_pattern(path: str | Path) -> Pattern:
    """Read and validate a strike-pattern TOML file (layout: ``docs/patterns.md``).

    Raises
    ------
    PatternError
        Naming the file and key of every problem found before any work.
    """
    path = Path(path)
    doc = _read_toml(path, "strike pattern")
    pat = pattern_from_dict(doc, where=str(path), base=path.parent)
    if "name" not in doc:
        pat.name = path.stem
    pat.path = path.resolve()
    return pat


# ------------------------------------------------------------------ targeting on a net
@dataclass
class _Targeting:
    """Target groups of a pattern on a network, with per-asset arrays for sampling.

    Assets are numbered by their position in ``assets`` (the sorted ids of all groups),
    so a sampled hit is an integer code and per-asset tables are plain array lookups.
    """

    groups: list  # list of arrays of asset ids (ranked for greedy orders)
    weights: np.ndarray
    assets: np.ndarray  # sorted asset ids of all groups (object)
    group_codes: np.ndarray  # positions in ``assets`` of each group's (ranked) ids, concatenated
    group_start: np.ndarray  # where each group begins in ``group_codes``
    group_size: np.ndarray  # assets per group
    kind: np.ndarray  # registry kind per asset
    name: np.ndarray  # registry name per asset
    technology: np.ndarray  # registry technology per asset ("" if none), for repair draws
    level: np.ndarray  # protection level per asset ("none" if unprotected)
    damage: list  # frozen damage distributions of the (kind, level) pairs in use
    damage_code: np.ndarray  # per asset: index into ``damage``


#: (id(net), pattern key) -> (weak reference to the net, targeting); an entry goes with its net
_TARGET_CACHE: dict = {}


def _scores(net, ids: list[str], order: str) -> np.ndarray:
    reg = net.registry.set_index("asset_id")
    bus_of_sub = net.bus.groupby("substation_id").groups if "substation_id" in net.bus else {}
    bus_by_id = pd.Series(net.bus.index, index=net.bus["bus_id"]) if "bus_id" in net.bus \
        else pd.Series(dtype=int)

    def buses(aid: str) -> list[int]:
        kind = reg.at[aid, "kind"]
        if kind == "substation":
            return list(bus_of_sub.get(aid, []))
        if kind == "bus":
            return [int(bus_by_id[aid])] if aid in bus_by_id.index else []
        el, idx = reg.at[aid, "element"], int(reg.at[aid, "element_index"])
        tab = net[el] if el in net else None
        if tab is None or idx not in tab.index:
            return []
        row = tab.loc[idx]
        for cols in (("bus",), ("from_bus", "to_bus"), ("hv_bus", "lv_bus")):
            if all(c in row.index for c in cols):
                return [int(row[c]) for c in cols]
        return []

    if order == "centrality":
        import networkx as nx

        from gridmodel.network.graph import graph

        bc = nx.betweenness_centrality(nx.Graph(graph(net)), normalized=True)
        return np.array([max((bc.get(b, 0.0) for b in buses(a)), default=0.0) for a in ids])
    load_mw = (net.load["p_mw"] * net.load.get("scaling", 1.0)).groupby(net.load["bus"]).sum()
    out = []
    for a in ids:
        if reg.at[a, "kind"] in ("plant", "interconnector"):
            el, idx = reg.at[a, "element"], int(reg.at[a, "element_index"])
            out.append(float(net[el].at[idx, "max_p_mw"]) if "max_p_mw" in net[el] else 0.0)
        else:
            out.append(float(sum(load_mw.get(b, 0.0) for b in buses(a))))
    return np.array(out)


def check_pattern(pattern: Pattern, net) -> _Targeting:
    """Check a pattern's selectors against ``net`` and resolve its target groups.

    Every doctrine group must match at least one asset of a kind with damage curves,
    and every protection selector must match something; all problems are listed at once.

    Returns
    -------
    _Targeting
        Asset ids per group (ranked for greedy orders), weights, kind and protection
        level per asset. Cached per (network, pattern).

    Raises
    ------
    PatternError
        Naming every selector that matches nothing or names kinds without damage curves.
    """
    from gridmodel.strikes.repairs import registry_technology

    key = (id(net), pattern.key())
    hit = _TARGET_CACHE.get(key)
    if hit is not None and hit[0]() is net:
        return hit[1]
    where = str(pattern.path) if pattern.path else pattern.name
    dists = pattern.defaults["damage_dists"]
    reg = net.registry.set_index("asset_id")
    groups, level = _selected_assets(pattern, net, reg, where)
    missing_curves = sorted({(reg.at[a, "kind"], level.get(a, "none")) for g in groups
                             for a in g if level.get(a, "none") not in dists[reg.at[a, "kind"]]})
    if missing_curves:
        msg = (f"{where}: no damage curve for (kind, protection) {missing_curves} in "
               f"{pattern.defaults['path']}.")
        raise PatternError(msg)
    if pattern.doctrine.order != "random":
        ranked = []
        for ids in groups:
            s = _scores(net, ids, pattern.doctrine.order)
            order = sorted(range(len(ids)), key=lambda i: (-s[i], ids[i]))
            ranked.append([ids[i] for i in order])
        groups = ranked
    tech = pd.Series(registry_technology(net, reg.index), index=reg.index, dtype=object)
    tg = _targeting(groups, level, pattern.doctrine.targets, reg, tech, dists)
    try:
        ref = weakref.ref(net, lambda _, k=key: _TARGET_CACHE.pop(k, None))
    except TypeError:  # not weak-referenceable: do not cache
        return tg
    _TARGET_CACHE[key] = (ref, tg)
    return tg


def _selected_assets(pattern: Pattern, net, reg: pd.DataFrame,
                     where: str) -> tuple[list[list[str]], dict[str, str]]:
    """Asset ids of each doctrine group and the protection level of protected assets.

    Raises
    ------
    PatternError
        Every selector that matches nothing or names kinds without damage curves.
    """
    from gridmodel.strikes.resolve import select_assets

    dists = pattern.defaults["damage_dists"]
    problems, groups = [], []
    for sel, _w in pattern.doctrine.targets:
        try:
            ids = select_assets(net, sel)
        except ValueError as exc:
            problems.append(f"doctrine target {sel!r}: {exc}")
            continue
        kinds = sorted({reg.at[a, "kind"] for a in ids} - set(dists))
        if kinds:
            problems.append(f"doctrine target {sel!r} matches kind(s) {kinds} without damage "
                            f"curves (kinds with curves: {sorted(dists)}); add a kind= term.")
            continue
        groups.append(ids)
    level: dict[str, str] = {}
    for lvl, sels in pattern.protection.items():
        for sel in sels:
            try:
                for a in select_assets(net, sel):
                    level[a] = lvl
            except ValueError as exc:
                problems.append(f"protection {lvl} selector {sel!r}: {exc}")
    if problems:
        msg = (f"{where}: {len(problems)} selector problem(s) on network "
               f"{net.meta.get('name', '?') if hasattr(net, 'meta') else '?'}:\n  "
               + "\n  ".join(problems)
               + "\nList assets with `gridmodel network assets --kind substation`.")
        raise PatternError(msg)
    return groups, level


def _targeting(groups: list[list[str]], level: dict[str, str], targets: tuple,
               reg: pd.DataFrame, technology: pd.Series, dists: dict) -> _Targeting:
    """Per-asset arrays of the (ranked) groups: codes, kinds, names, technologies
    (``technology`` by asset id, as :func:`~gridmodel.strikes.repairs.registry_technology`
    gives them), levels, damage."""
    assets = sorted({a for g in groups for a in g})
    code = {a: i for i, a in enumerate(assets)}
    size = np.array([len(g) for g in groups], dtype=np.int64)
    kinds = [str(reg.at[a, "kind"]) for a in assets]
    levels = [level.get(a, "none") for a in assets]
    pairs = sorted(set(zip(kinds, levels, strict=True)))
    return _Targeting(groups=[np.array(g, dtype=object) for g in groups],
                      weights=np.array([w for _, w in targets], dtype=float),
                      assets=np.array(assets, dtype=object),
                      group_codes=np.array([code[a] for g in groups for a in g], dtype=np.int64),
                      group_start=np.cumsum(size) - size, group_size=size,
                      kind=reg["kind"].reindex(assets).to_numpy(object),
                      name=reg["name"].reindex(assets).to_numpy(object),
                      technology=technology.reindex(assets).to_numpy(object),
                      level=np.array(levels, dtype=object),
                      damage=[dists[k][lvl] for k, lvl in pairs],
                      damage_code=np.array([pairs.index(kl) for kl in zip(kinds, levels,
                                                                           strict=True)],
                                           dtype=np.int64))


# ------------------------------------------------------------------ sampling
def sample_night(pattern: Pattern, net, rng: np.random.Generator) -> pd.DataFrame:
    """Draw one night of a pattern as a resolved strike table.

    Parameters
    ----------
    pattern : Pattern
        From :func:`load_pattern`.
    net : pandapowerNet
        Network with a registry (not modified).
    rng : numpy.random.Generator
        The only source of randomness (e.g. ``default_rng(SeedSequence(seed).spawn(n)[i])``).

    Returns
    -------
    pandas.DataFrame
        Resolved strikes, exactly as :func:`gridmodel.strikes.load_strikes` returns them for
        the CSV that :func:`write_night` writes (one row per struck asset; extra columns
        ``n_hits, protection``), or an empty frame with those columns when every weapon
        was intercepted. ``attrs`` holds ``launched``, ``intercepted``, ``arrived`` per
        class [weapons] and ``illustrative``.

    Raises
    ------
    PatternError
        Selectors that match nothing (checked before any draw).
    """
    from gridmodel.strikes.resolve import RESOLVED_COLUMNS

    if not isinstance(rng, np.random.Generator):
        msg = (f"rng must be a numpy.random.Generator, got {type(rng).__name__}; use "
               "numpy.random.default_rng(seed).")
        raise InputError(msg)
    tg = check_pattern(pattern, net)
    launched = {c: pattern.salvo[c] for c in WEAPON_CLASSES}
    intercepted = {c: int(rng.binomial(launched[c], pattern.interception[c]))
                   for c in WEAPON_CLASSES}
    arrived = {c: launched[c] - intercepted[c] for c in WEAPON_CLASSES}
    # weapon class of every arriving weapon, as its index in WEAPON_CLASSES
    cls = np.repeat(np.arange(len(WEAPON_CLASSES)), [arrived[c] for c in WEAPON_CLASSES])
    n = len(cls)
    attrs = {"launched": launched, "intercepted": intercepted, "arrived": arrived,
             "illustrative": pattern.illustrative}
    span_min = int((pattern.night_last - pattern.night_first) / pd.Timedelta(minutes=1))
    minutes = rng.integers(0, span_min + 1, size=n)
    p = tg.weights / tg.weights.sum()
    grp = rng.choice(len(tg.groups), size=n, p=p)
    u_pick = rng.random(n)
    u_dmg = rng.random(n)
    if not n:
        empty = pd.DataFrame(columns=[*RESOLVED_COLUMNS, "n_hits", "protection"])
        empty.attrs.update(attrs)
        return empty
    hit = _hit_assets(tg, pattern.doctrine, grp, u_pick)
    factor = np.array([float(pattern.defaults["weapons"][c].get("damage_factor", 1.0))
                       for c in WEAPON_CLASSES])
    loss = _hit_losses(tg, hit, u_dmg, factor[cls])
    out = _night_frame(pattern, tg, net, rng, *_combine_hits(hit, loss, minutes, cls))
    out.attrs.update(attrs)
    return out


def _combine_hits(hit: np.ndarray, loss: np.ndarray, minutes: np.ndarray,
                  cls: np.ndarray) -> tuple:
    """Hits combined per struck asset, rows in time order.

    Returns
    -------
    (struck, remaining, first_minute, n_hits, per_class)
        Asset code, remaining fraction ``prod(1 - loss)``, minute of the first hit and
        number of hits per struck asset, and its hits per weapon class (struck x
        classes), sorted by first hit (stable: asset-id order among equal times, as
        ``resolve_strikes`` sorts).
    """
    n = len(hit)
    # combine the hits per struck asset, in asset-id order (codes follow the sorted ids)
    by_asset = np.argsort(hit, kind="stable")  # keeps the hit order within an asset
    code_sorted = hit[by_asset]
    first = np.flatnonzero(np.r_[True, code_sorted[1:] != code_sorted[:-1]])
    struck = code_sorted[first]
    remaining = np.multiply.reduceat(1.0 - loss[by_asset], first)
    first_minute = np.minimum.reduceat(minutes[by_asset], first)
    n_hits = np.diff(np.r_[first, n]).astype("int64")
    per_class = np.zeros((len(struck), len(WEAPON_CLASSES)), dtype=np.int64)
    np.add.at(per_class, (np.repeat(np.arange(len(struck)), n_hits), cls[by_asset]), 1)
    rows = np.argsort(first_minute, kind="stable")
    return struck[rows], remaining[rows], first_minute[rows], n_hits[rows], per_class[rows]


def _night_frame(pattern: Pattern, tg: _Targeting, net, rng: np.random.Generator,
                 struck: np.ndarray, remaining: np.ndarray, first_minute: np.ndarray,
                 n_hits: np.ndarray, per_class: np.ndarray) -> pd.DataFrame:
    """The resolved strike table of the combined hits (:func:`_combine_hits`), with
    effects, weapons and repair times drawn from ``rng``."""
    from gridmodel.strikes.repairs import draw_repair_hours, load_repair_table
    from gridmodel.strikes.resolve import RESOLVED_COLUMNS

    thr = pattern.defaults["destroyed_below"]
    destroyed = [r <= thr for r in remaining.tolist()]
    effect = np.array(["destroyed" if d else "damaged" for d in destroyed], dtype=object)
    fraction_lost = np.array([1.0 if d else round(1.0 - r, 4)
                              for d, r in zip(destroyed, remaining.tolist(), strict=True)])
    weapon = np.array(["; ".join(f"{c} x{k}" for c, k in zip(WEAPON_CLASSES, counts,
                                                              strict=True) if k)
                       for counts in per_class.tolist()], dtype=object)
    asset_id = tg.assets[struck]
    kind = tg.kind[struck]
    drawn = draw_repair_hours(load_repair_table(None), rng, [str(k) for k in kind.tolist()],
                              tg.technology[struck].tolist(), effect.tolist(), fraction_lost)
    repair_h = np.array([round(h, 1) for h in drawn.tolist()])
    m = len(struck)
    minute_ns = 60 * 1_000_000_000
    src = (f"sampled: pattern {pattern.name} ({pattern.doctrine.name} doctrine, "
           f"{pattern.interception_name} air defence) [C] illustrative")
    return pd.DataFrame({
        "asset_id": asset_id,
        "time": pd.to_datetime(pattern.night_first.value + first_minute * minute_ns, utc=True),
        "effect": effect, "fraction_lost": fraction_lost, "repair_h": repair_h,
        "weapon": weapon, "source": np.full(m, src, dtype=object),
        "row": np.arange(1, m + 1, dtype=np.int64),
        "file": np.full(m, f"<night of {pattern.name}>", dtype=object),
        "target": asset_id, "kind": kind, "name": tg.name[struck], "n_hits": n_hits,
        "protection": tg.level[struck]}, columns=[*RESOLVED_COLUMNS, "n_hits", "protection"])


def _hit_assets(tg: _Targeting, doctrine: Doctrine, grp: np.ndarray,
                u_pick: np.ndarray) -> np.ndarray:
    """Asset (code into ``tg.assets``) of every arriving weapon, given its target group.

    ``"random"``: position ``floor(u * size)`` (at most ``size - 1``) in the group; greedy
    orders: the ``k``-th hit on a group (``k = 0, 1, ...`` in weapon order) goes to the
    ranked asset ``(k // hits_per_target) % size``.
    """
    size = tg.group_size[grp]
    if doctrine.order == "random":
        pos = np.minimum((u_pick * size).astype(np.int64), size - 1)
    else:
        by_group = np.argsort(grp, kind="stable")
        g_sorted = grp[by_group]
        starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
        group_first = np.repeat(starts, np.diff(np.r_[starts, len(grp)]))
        k = np.empty(len(grp), dtype=np.int64)
        k[by_group] = np.arange(len(grp)) - group_first
        pos = (k // doctrine.hits_per_target) % size
    return tg.group_codes[tg.group_start[grp] + pos]


def _hit_losses(tg: _Targeting, hit: np.ndarray, u_dmg: np.ndarray,
                factor: np.ndarray) -> np.ndarray:
    """Share of capacity lost per hit: ``clip(F^-1(u) * damage_factor, 0, 1)``.

    ``F`` is the damage distribution of the hit asset's kind and protection level; one
    vectorised ``ppf`` per distribution (elementwise, so equal to one call per hit).
    """
    which = tg.damage_code[hit]
    q = np.empty(len(hit))
    for d in np.unique(which).tolist():
        sel = which == d
        q[sel] = tg.damage[d].ppf(u_dmg[sel])
    x = q * factor
    x = np.where(x < 0.0, 0.0, x)  # as max(x, 0.0), min(x, 1.0) (NaN passes)
    return np.where(x > 1.0, 1.0, x)


_CSV_COLUMNS = ["target", "time", "effect", "fraction_lost", "repair_h", "weapon", "source",
                "n_hits", "protection"]


def write_night(strikes: pd.DataFrame, path: str | Path, *, header: str = "",
                force: bool = False) -> Path:
    """Save a sampled night as a strike-list CSV (readable by ``gridmodel.strikes``).

    Parameters
    ----------
    strikes : pandas.DataFrame
        From :func:`sample_night` (not empty).
    path : str or path
        CSV file; never overwritten unless ``force``.
    header : str
        Comment lines written first (``# `` is prepended to each).

    Raises
    ------
    InputError
        Existing file without ``force``, or an empty night (a strike list needs a row).
    """
    path = Path(path)
    if path.exists() and not force:
        msg = f"{path} exists; choose another file or pass force=True."
        raise InputError(msg)
    if strikes.empty:
        msg = ("the night has no strike (every weapon intercepted); there is no strike "
               "list to save: run the baseline instead.")
        raise InputError(msg)
    df = strikes.assign(target=strikes["asset_id"])
    df = df[[c for c in _CSV_COLUMNS if c in df.columns]].copy()
    df["time"] = [t.isoformat() for t in pd.to_datetime(df["time"], utc=True)]
    lines = ["# " + ln for ln in (header.splitlines() if header else [])]
    lines.append("# illustrative [C]: sampled from a strike pattern (gridmodel.strikes.patterns)")
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(lines) + "\n")
        df.to_csv(fh, index=False, lineterminator="\n")
    return path
