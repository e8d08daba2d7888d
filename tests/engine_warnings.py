"""Model warnings issued from inside the grid engine's step, for tests of what results
keep of them (rows, summaries, reports) when no shipped case makes the engine warn.

:func:`issuing` makes every timeline computed in its block issue the given messages as
:class:`~gridmodel.errors.LineLimitWarning` from inside its engine step
(``gridmodel.outage.timeline._run_steps``), where the engine's own warnings come from,
so that they take the path a real one takes (recorded with the timeline, cached with it).
Model warnings are ignored by the ``warnings`` filters in the block (this suite makes
warnings errors); the record does not depend on them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from gridmodel.errors import LineLimitWarning, ModelWarning, warn_model
from gridmodel.outage import timeline


@contextmanager
def issuing(*before: str, after: tuple[str, ...] = ()) -> Iterator[None]:
    """Timelines in the block issue ``before`` as their engine step starts and ``after``
    as it ends."""
    real = timeline._run_steps

    def noisy(*args, **kwargs):
        for m in before:
            warn_model(m, LineLimitWarning)
        out = real(*args, **kwargs)
        for m in after:
            warn_model(m, LineLimitWarning)
        return out

    with mock.patch.object(timeline, "_run_steps", noisy), warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        yield
