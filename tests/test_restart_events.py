"""The crew loop's record of state changes (``restoration.restarts._restart_loop``).

The loop records, each hour, only the buildings whose state it set that hour. This checks
it against a plain reference of the module's rules that scans every building every hour
(hypothesis, tiny random inputs: drains, circulation, sections, crews, refill repairs).
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.restoration.restarts import DRAINED, NORMAL, RESTARTING, _restart_loop


def _reference(g, section, trigger, cause, circ, n_crews, crew_h, flats_h, extra):
    """Events ``(building, hour, code)`` of the module docstring's rules, by full scan."""
    n_t, n_b = trigger.shape[0], len(g)
    state, dcause, code = [NORMAL] * n_b, [0] * n_b, [0] * n_b
    start, ready, failed = [-1] * n_b, [0.0] * n_b, [False] * n_b
    repair_end = [0.0] * n_b  # a failed refill's repair runs to its end through new drains
    queue, restarting, crew_end, events = [], [], [], []
    for t in range(n_t):
        still = []
        for i, s0 in restarting:  # entries lapse when the building was drained again
            if state[i] == RESTARTING and start[i] == s0:
                if t >= ready[i]:
                    state[i] = NORMAL
                else:
                    still.append((i, s0))
        restarting = still
        if trigger[t].any():
            for i in range(n_b):
                if trigger[t, g[i]] and state[i] != DRAINED:
                    state[i], dcause[i] = DRAINED, int(cause[t, g[i]])
                    queue.append(i)
        crew_end = [e for e in crew_end if e > t]
        free = n_crews - len(crew_end)
        if free > 0 and queue:  # first drained, first restarted; a crew per section
            taken, waiting = set(), []
            for i in queue:
                if circ[t, g[i]] and (section[i] in taken or free > 0):
                    if section[i] not in taken:
                        taken.add(section[i])
                        free -= 1
                        crew_end.append(t + crew_h)
                    state[i], start[i], ready[i] = RESTARTING, t, t + flats_h
                    if extra[i] > 0 and not failed[i]:  # first refill fails: repair first
                        failed[i] = True
                        repair_end[i] = ready[i] + extra[i]
                    ready[i] = max(ready[i], repair_end[i])
                    if ready[i] <= t:
                        state[i] = NORMAL
                    else:
                        restarting.append((i, t))
                else:
                    waiting.append(i)
            queue = waiting
        for i in range(n_b):
            c = 0 if state[i] == NORMAL else 1 + dcause[i]
            if c != code[i]:
                events.append((i, t, c))
                code[i] = c
    return events


@st.composite
def _inputs(draw):
    n_b = draw(st.integers(1, 12))
    n_g = draw(st.integers(1, 3))
    n_t = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    g = rng.integers(0, n_g, n_b)
    section = rng.integers(0, draw(st.integers(1, n_b)), n_b)
    trigger = rng.random((n_t, n_g)) < draw(st.sampled_from([0.0, 0.05, 0.2]))
    cause = rng.integers(0, 3, (n_t, n_g)).astype(np.int8)
    circ = rng.random((n_t, n_g)) < draw(st.sampled_from([0.3, 0.8, 1.0]))
    extra = np.where(rng.random(n_b) < 0.3, rng.integers(0, 6, n_b), 0).astype(float)
    return (g, section, trigger, cause, circ, draw(st.integers(0, 3)),
            float(draw(st.sampled_from([0.5, 1.0, 3.0]))),
            float(draw(st.sampled_from([0.0, 0.5, 2.0, 4.0]))), extra)


@settings(max_examples=300, deadline=None)
@given(_inputs())
def test_recorded_changes_equal_a_full_scan_every_hour(args):
    g, section, trigger, cause, circ, n_crews, crew_h, flats_h, extra = args
    n_t, n_b = trigger.shape[0], len(g)
    ev_b, ev_t, ev_code, n_ev = _restart_loop(
        g.astype(np.int64), section.astype(np.int64), trigger, cause, circ, n_t, n_crews,
        crew_h, flats_h, extra, np.zeros(n_b), np.full(n_b, -1),
        np.full(n_b, -1), np.full(n_b, -1), np.zeros(n_t, dtype=np.int64))
    got = list(zip(ev_b[:n_ev].tolist(), ev_t[:n_ev].tolist(), ev_code[:n_ev].tolist(),
                   strict=True))
    assert got == _reference(g, section, trigger, cause, circ, n_crews, crew_h, flats_h,
                             extra)
