"""Exceptions raised by gridmodel.

Every error about user input derives from :class:`InputError` (a ``ValueError``) and
its message names the culprit (file, row, value or asset) and the fix, in the manner of
PyPSA's ``ConsistencyError``.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


class GridmodelError(Exception):
    """Base class of every error raised on purpose by gridmodel."""


class InputError(GridmodelError, ValueError):
    """Bad user input: a file, a value or a name that cannot be used as given."""


class NetworkFileError(InputError):
    """A network file is missing, unreadable or malformed, or a network name is unknown."""


class StatusError(InputError):
    """An asset-status table is malformed, names an unknown asset or misses the date."""


class UnknownAssetError(InputError):
    """One or more names could not be resolved to registry assets.

    Parameters
    ----------
    problems : dict
        ``{name: [closest registry names, ...]}`` for every unresolved name.
    kind : str
        ``"unknown"`` or ``"ambiguous"``.
    notes : dict, optional
        ``{name: note}``: how a name was matched (the noise words ignored, the matches
        refused as another kind or technology), added to its line.
    fix : str, optional
        The last line, what to do (default: use an id, name or alias of the registry).
    """

    def __init__(self, problems: dict[str, list[str]], kind: str = "unknown",
                 notes: dict[str, str] | None = None, fix: str | None = None) -> None:
        self.problems = dict(problems)
        self.kind = kind
        self.notes = {k: v for k, v in (notes or {}).items() if k in self.problems}
        lines = [f"{len(problems)} {kind} asset name(s):"]
        for name, close in problems.items():
            hint = ", ".join(repr(c) for c in close) if close else "no close match"
            verb = "matches" if kind == "ambiguous" else "closest"
            note = f" ({self.notes[name]})" if name in self.notes else ""
            lines.append(f"  {name!r}: {verb} {hint}{note}")
        lines.append(fix or (
            "Use an asset id, name or alias from net.registry "
            "(`gridmodel network assets` lists them)."
        ))
        super().__init__("\n".join(lines))


class OutputExistsError(InputError):
    """An output folder exists and replacing it was not asked for (``--force``)."""


class SimulationError(GridmodelError, RuntimeError):
    """A numerical result is invalid (for example NaN flows) and must not be used."""


class ModelWarning(UserWarning):
    """Base class of every warning gridmodel issues about a result it could compute only
    in part: the run goes on and the message says what was kept instead (issued by
    :func:`warn_model`, so that :func:`recording_model_warnings` sees it too)."""


class LineLimitWarning(ModelWarning):
    """An island's transmission-constrained balance (:mod:`gridmodel.outage.lp`) found no
    optimum: the island keeps the proportional balance, so the branches the message names
    stay above their continuous rating (the cascade trips them only above the overload
    threshold)."""


class CascadeLimitWarning(ModelWarning):
    """The overload cascade reached ``max_cascade_rounds`` with branches still above the
    trip loading: they did not trip, so the result is not the cascade's end (without line
    limits they stay overloaded; with them the redispatch sheds load to their rating)."""


#: this thread's lists of :func:`recording_model_warnings` blocks, innermost last
_RECORDING = threading.local()


def warn_model(message: str, category: type[ModelWarning] = ModelWarning,
               stacklevel: int = 2) -> None:
    """Issue a :class:`ModelWarning` (``warnings.warn``) and add it to every list of this
    thread's :func:`recording_model_warnings` blocks.

    The record does not depend on the ``warnings`` filters, which are global to the process
    (a Dask worker runs replicates in threads side by side) and print a message once per
    place in the code."""
    warning = category(message)
    for said in getattr(_RECORDING, "lists", ()):
        said.append(warning)
    warnings.warn(warning, stacklevel=stacklevel + 1)


@contextmanager
def recording_model_warnings() -> Iterator[list[ModelWarning]]:
    """A block that collects, in order, every :class:`ModelWarning` issued in this thread.

    Yields
    ------
    list of ModelWarning
        Filled while the block runs (an ensemble keeps them with the replicate's row).
    """
    lists = vars(_RECORDING).setdefault("lists", [])
    said: list[ModelWarning] = []
    lists.append(said)
    try:
        yield said
    finally:
        # by identity: nested blocks often hold equal lists (``list.remove`` took the
        # outer one, and the outer block's exit then failed)
        del lists[next(k for k, x in enumerate(lists) if x is said)]


def unique_messages(said) -> tuple[str, ...]:
    """The messages of warnings (or strings) ``said``, each once, in the order first
    issued: what a result keeps of a :func:`recording_model_warnings` block."""
    return tuple(dict.fromkeys(str(w) for w in said))


def joined_messages(said) -> str:
    """:func:`unique_messages` as one text cell, one per line ("" for none): what a result
    row keeps."""
    return "\n".join(unique_messages(said))
