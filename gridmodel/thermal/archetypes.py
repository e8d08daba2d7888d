"""Building archetypes: parameter presets and the quantities derived from them.

:data:`ARCHETYPE_PARAMETERS` holds, per archetype and per m² of heated floor area, the
physical coefficients of the thermal models (this module's ``_COEFFICIENTS``) joined with
their metadata (label, literature ranges, typical size, source), which live in the data
file ``archetypes.toml`` next to this module (FIELD_NOTES section 4).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gridmodel._io.tomlio import read_toml
from gridmodel.errors import InputError as _BaseError
from gridmodel.thermal._units import _J_PER_KJ, _S_PER_H

_METADATA_PATH = Path(__file__).resolve().parent / "archetypes.toml"

#: Physical coefficients per m² of heated floor area: ``h_w_per_m2k``, heat loss
#: coefficient H (transmission + ventilation) [W/(m² K)]; ``c_kj_per_m2k``, effective heat
#: capacity C [kJ/(m² K)]; ``gains_w_per_m2``, internal gains [W/m²].
_COEFFICIENTS: dict[str, dict[str, float]] = {
    "khrushchyovka_5": {"h_w_per_m2k": 1.5, "c_kj_per_m2k": 370.0, "gains_w_per_m2": 2.5},
    "panel_9_12": {"h_w_per_m2k": 1.4, "c_kj_per_m2k": 370.0, "gains_w_per_m2": 2.5},
    "panel_16plus": {"h_w_per_m2k": 1.5, "c_kj_per_m2k": 370.0, "gains_w_per_m2": 2.5},
    "brick_stalin": {"h_w_per_m2k": 1.6, "c_kj_per_m2k": 450.0, "gains_w_per_m2": 2.0},
    "modern_monolithic": {"h_w_per_m2k": 0.85, "c_kj_per_m2k": 280.0, "gains_w_per_m2": 2.5},
}


def _preset(coefficients: dict, meta: dict, common_source: str) -> dict:
    """One archetype's coefficients and metadata as one dict, in the documented key order."""
    return {
        "label": meta["label"],
        "h_w_per_m2k": coefficients["h_w_per_m2k"],
        "h_w_per_m2k_range": tuple(meta["h_w_per_m2k_range"]),
        "c_kj_per_m2k": coefficients["c_kj_per_m2k"],
        "c_kj_per_m2k_range": tuple(meta["c_kj_per_m2k_range"]),
        "gains_w_per_m2": coefficients["gains_w_per_m2"],
        "floor_area_m2": meta["floor_area_m2"],
        "floors": meta["floors"],
        "source": f"{common_source}; {meta['source_note']}",
    }


def _load_presets(path: Path = _METADATA_PATH) -> dict[str, dict]:
    """:data:`ARCHETYPE_PARAMETERS` from ``_COEFFICIENTS`` and the metadata file ``path``."""
    meta, _ = read_toml(path, "archetype metadata", _BaseError)
    missing = sorted(set(_COEFFICIENTS) - set(meta))
    if missing:
        msg = f"{path}: no metadata table for archetype(s) {missing}."
        raise _BaseError(msg)
    common = meta["common"]["source"]
    return {name: _preset(c, meta[name], common) for name, c in _COEFFICIENTS.items()}


#: Archetype presets, per m² of heated floor area: the coefficients of ``_COEFFICIENTS``
#: (``h_w_per_m2k``, ``c_kj_per_m2k``, ``gains_w_per_m2``) and, from ``archetypes.toml``,
#: ``label``, ``*_range`` ((low, high) from FIELD_NOTES section 4 where given, else tagged
#: [C]), ``floor_area_m2`` (typical heated floor area of one building [m²]), ``floors``
#: (typical number of storeys) and ``source``.
ARCHETYPE_PARAMETERS: dict[str, dict] = _load_presets()


class UnknownArchetypeError(_BaseError, KeyError):
    """An archetype name is not a key of :data:`ARCHETYPE_PARAMETERS`.

    Both a ``KeyError`` (a failed lookup, as in pvlib) and a ``ValueError`` /
    ``gridmodel.errors.InputError`` (bad user input).
    """

    __str__ = BaseException.__str__  # KeyError would quote the message


def archetype_parameters(archetype: str) -> dict:
    """Return the parameter set of a named archetype.

    Parameters
    ----------
    archetype : str
        A key of :data:`ARCHETYPE_PARAMETERS`.

    Returns
    -------
    dict
        A copy of the parameter set.

    Raises
    ------
    UnknownArchetypeError
        A ``KeyError`` and ``ValueError``, if ``archetype`` is not a key of
        :data:`ARCHETYPE_PARAMETERS`; the message lists the valid names.
    """
    try:
        return dict(ARCHETYPE_PARAMETERS[archetype])
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in ARCHETYPE_PARAMETERS)
        msg = (
            f"{archetype!r} is not a named archetype in ARCHETYPE_PARAMETERS; valid names: {valid}."
        )
        raise UnknownArchetypeError(msg) from None


def time_constant_h(h_w_per_m2k, c_kj_per_m2k):
    r"""Time constant of a 1R1C building.

    Parameters
    ----------
    h_w_per_m2k : numeric
        Heat loss coefficient per floor area [W/(m² K)].
    c_kj_per_m2k : numeric
        Effective heat capacity per floor area [kJ/(m² K)].

    Returns
    -------
    numeric
        Time constant :math:`\tau = C / H` [h].
    """
    return np.asarray(c_kj_per_m2k) * _J_PER_KJ / np.asarray(h_w_per_m2k) / _S_PER_H


def design_heat_load_w_per_m2(h_w_per_m2k, temp_setpoint=20.0, temp_design=-22.0):
    r"""Design heat load per floor area.

    Parameters
    ----------
    h_w_per_m2k : numeric
        Heat loss coefficient per floor area [W/(m² K)].
    temp_setpoint : numeric, default 20.0
        Indoor set-point [°C].
    temp_design : numeric, default -22.0
        Outdoor design temperature [°C] (Kyiv, FIELD_NOTES section 5, [C]).

    Returns
    -------
    numeric
        :math:`Q_{design} = H (T_{set} - T_{design})` [W/m²]. Multiply by the floor area
        for watts (FIELD_NOTES section 9 sizes heat sources this way).
    """
    return np.asarray(h_w_per_m2k) * (np.asarray(temp_setpoint) - np.asarray(temp_design))


def _parameters(archetype, n_b, h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2):
    """Per-building (H, C, gains) arrays of length ``n_b`` (or broadcastable scalars)."""
    names = np.asarray(archetype)
    if names.ndim == 0:
        params = archetype_parameters(str(names))
        h, c, g = params["h_w_per_m2k"], params["c_kj_per_m2k"], params["gains_w_per_m2"]
    else:
        unique, inverse = np.unique(names, return_inverse=True)
        table = np.array(
            [
                [p["h_w_per_m2k"], p["c_kj_per_m2k"], p["gains_w_per_m2"]]
                for p in (archetype_parameters(str(u)) for u in unique)
            ]
        )
        h, c, g = table[inverse].T
    h = np.asarray(h if h_w_per_m2k is None else h_w_per_m2k, dtype=float)
    c = np.asarray(c if c_kj_per_m2k is None else c_kj_per_m2k, dtype=float)
    g = np.asarray(g if gains_w_per_m2 is None else gains_w_per_m2, dtype=float)
    if np.any(h <= 0) or np.any(c <= 0):
        msg = "h_w_per_m2k and c_kj_per_m2k must be positive."
        raise ValueError(msg)
    shape = np.broadcast_shapes(h.shape, c.shape, g.shape)
    if shape not in {(), (1,), (n_b,)}:
        msg = f"building parameters have shape {shape} but there are {n_b} building column(s)."
        raise ValueError(msg)
    return h, c, g

