"""Inputs handed to :func:`gridmodel.studies.scenario.run` in memory instead of files.

``gridmodel.run(scenario, network=net, strikes=df)``: ``net`` is a network with a
registry (as :func:`gridmodel.load_network` returns it, at the scenario's status date or
edited by the caller) used instead of loading the scenario's ``network``; ``df`` is a raw
strike table (the columns of a strike list: ``target, time, effect[, fraction_lost,
repair_h, weapon, source, ...]``) used instead of the scenario's ``[strikes] file``. Both
are checked as their files would be; the summary's hashes are taken over their content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from gridmodel.errors import InputError

__all__ = ["Given", "given_inputs", "given_strikes", "table_sha256"]


@dataclass(frozen=True)
class Given:
    """In-memory inputs of one run (None: the scenario's file)."""

    net: object = None
    strikes: pd.DataFrame | None = None


def given_inputs(network=None, strikes=None) -> Given:
    """Check the in-memory inputs of a run.

    Raises
    ------
    InputError
        ``network`` is not a network with a registry, or ``strikes`` is not a DataFrame.
    """
    if network is not None and not (hasattr(network, "bus") and "registry" in network):
        msg = ("network= must be a pandapowerNet with a registry, as gridmodel.load_network "
               f"returns it (got {type(network).__name__}); load your own case with "
               "gridmodel.load_network(path) first.")
        raise InputError(msg)
    if strikes is not None and not isinstance(strikes, pd.DataFrame):
        msg = (f"strikes= must be a pandas DataFrame with the columns of a strike list "
               f"(target, time, effect, ...); got {type(strikes).__name__}.")
        raise InputError(msg)
    return Given(net=network, strikes=strikes)


def given_strikes(table: pd.DataFrame, net, extra=None) -> pd.DataFrame:
    """A raw in-memory strike table validated and resolved as a strike file would be
    (row numbers in messages are the table's positions, from 1)."""
    from gridmodel.strikes import resolve_strikes, strikes_from_records

    records = [{k: v for k, v in r.items() if not (not isinstance(v, str) and pd.isna(v))}
               for r in table.to_dict("records")]
    raw = strikes_from_records(records, "strikes DataFrame")
    return resolve_strikes(net, raw, extra=extra)


def table_sha256(*frames: pd.DataFrame) -> str:
    """SHA-256 over the values (with index) of in-memory tables, in order."""
    h = hashlib.sha256()
    for df in frames:
        h.update(pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy().tobytes())
    return h.hexdigest()
