"""Exposure of occupants to cold: time to a threshold and hours below thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmodel.thermal._inputs import _step_from_index
from gridmodel.thermal.archetypes import _parameters, time_constant_h


def cooling_time_h(
    temp_threshold,
    temp_air,
    temp_indoor_initial=19.0,
    archetype="panel_9_12",
    *,
    h_w_per_m2k=None,
    c_kj_per_m2k=None,
    gains_w_per_m2=None,
):
    r"""Hours without heat until the indoor temperature falls to a threshold (closed form).

    Parameters
    ----------
    temp_threshold : numeric
        Indoor threshold [°C], e.g. 12.
    temp_air : numeric
        Constant outdoor air temperature [°C].
    temp_indoor_initial : numeric, default 19.0
        Indoor temperature when the heat stops [°C].
    archetype, h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2
        As in :func:`indoor_temperature`.

    Returns
    -------
    numeric
        Time [h]; 0 if already at or below the threshold, ``inf`` if the building never
        gets there (equilibrium :math:`T_{air} + g/H` at or above the threshold).

    Notes
    -----
    From the 1R1C solution with :math:`T_{eq} = T_{air} + g/H`:

    .. math:: t = \tau \ln \frac{T_0 - T_{eq}}{T_{thr} - T_{eq}}
    """
    h, c, g = _parameters(archetype, np.size(archetype), h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2)
    tau = time_constant_h(h, c)
    temp_eq = np.asarray(temp_air, dtype=float) + g / h
    t0 = np.asarray(temp_indoor_initial, dtype=float)
    thr = np.asarray(temp_threshold, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = tau * np.log((t0 - temp_eq) / (thr - temp_eq))
    t = np.where(thr >= t0, 0.0, np.where(thr <= temp_eq, np.inf, t))
    return t[()] if np.ndim(t) == 0 else t


def _as_2d(temp_indoor, step_h):
    index = temp_indoor.index if isinstance(temp_indoor, pd.Series | pd.DataFrame) else None
    step = _step_from_index(index, step_h)
    arr = np.asarray(temp_indoor, dtype=float)
    return arr.reshape(len(arr), -1), step, arr.ndim == 1


def hours_to_threshold(temp_indoor, temp_threshold=12.0, step_h=None):
    r"""Hours from the first timestamp until the indoor temperature first falls below X.

    Parameters
    ----------
    temp_indoor : pandas.Series, pandas.DataFrame or array-like
        Indoor temperature [°C], shape (time,) or (time, building).
    temp_threshold : float, default 12.0
        Threshold [°C].
    step_h : float, optional
        Time step [h] for array input (default 1.0); read from the index otherwise.

    Returns
    -------
    float or numpy.ndarray
        Time [h] of the first crossing, linearly interpolated between samples; 0 if the
        first value is already below; ``inf`` if the threshold is never crossed.
    """
    arr, step, one_d = _as_2d(temp_indoor, step_h)
    below = arr < temp_threshold
    any_below = below.any(axis=0)
    k = np.argmax(below, axis=0)  # first sample below
    cols = np.arange(arr.shape[1])
    prev = arr[np.maximum(k - 1, 0), cols]
    curr = arr[k, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(k > 0, (prev - temp_threshold) / (prev - curr), 0.0)
    hours = np.where(any_below, (np.maximum(k - 1, 0) + frac) * step, np.inf)
    hours = np.where(k == 0, np.where(any_below, 0.0, np.inf), hours)
    return float(hours[0]) if one_d else hours


def hours_below(temp_indoor, thresholds=(16.0, 12.0, 8.0), step_h=None):
    r"""Hours spent below each indoor threshold.

    Parameters
    ----------
    temp_indoor : pandas.Series, pandas.DataFrame or array-like
        Indoor temperature [°C], shape (time,) or (time, building).
    thresholds : sequence of float, default (16, 12, 8)
        Thresholds [°C]: 16 °C proposed minimum (2022), 12 °C a common health-risk line,
        8 °C below the Finnish +10 °C line for the less mobile (FIELD_NOTES section 3).
    step_h : float, optional
        Time step [h] for array input (default 1.0); read from the index otherwise.

    Returns
    -------
    pandas.Series or numpy.ndarray
        Hours below each threshold: a Series indexed by threshold for 1-D input, else an
        array of shape (threshold, building). Each sample counts for one step.
    """
    arr, step, one_d = _as_2d(temp_indoor, step_h)
    thr = np.asarray(thresholds, dtype=float)
    counts = (arr[None, :, :] < thr[:, None, None]).sum(axis=1) * step
    if one_d:
        return pd.Series(counts[:, 0], index=pd.Index(thr, name="temp_threshold"), name="hours")
    return counts
