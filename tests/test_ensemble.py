"""Ensembles: identical results for any number of workers and on Dask, resume, failed
replicates, saved nights replayed through ``gridmodel.studies.scenario.run``, bad input, CLI.

A cheap configuration keeps the file fast: a small salvo aimed at Kyiv's heat sources,
hits between 01:00 and 05:00, a 12-hour horizon.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from gridmodel.strikes.patterns import pattern_from_dict
from gridmodel.studies import ensemble
from gridmodel.studies.ensemble import METRICS

CHEAP = {
    "name": "cheap",
    "salvo": {"cruise": 4, "ballistic": 3, "drone": 20},
    "night": {"first": "2026-02-03T01:00+02:00", "last": "2026-02-03T05:00+02:00"},
    "doctrine": {"preset": "heat_source_first"},
    "run": {"start": "2026-02-03T00:00+02:00", "horizon_h": 12},
}
N = 8


@pytest.fixture(scope="module")
def cheap():
    return pattern_from_dict(CHEAP)


@pytest.fixture(scope="module")
def reference(cheap):
    """The uninterrupted in-process run everything else is compared with."""
    return ensemble.run(cheap, N, seed=11, progress=False, chunk_size=2)


def _metrics(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["error"]).reset_index(drop=True)


def test_reference_rows_are_complete(reference):
    f = reference.frame
    assert list(f["replicate"]) == list(range(N))
    assert (f["status"] == "ok").all()
    assert set(ensemble.ROW_COLUMNS) <= set(f.columns)
    assert f["spawn_key"].tolist() == [str(i) for i in range(N)]
    assert (f["seed_entropy"] == "11").all()
    assert np.isfinite(f[[m for m in METRICS if m != "buildings_without_heat_7d"]]).all().all()
    assert f["buildings_without_heat_7d"].isna().all()  # horizon shorter than 7 days
    assert (f["n_intercepted"] + f["n_arrived"] == f["n_launched"]).all()
    assert reference.complete
    assert set(reference.summary["metric"]) == set(METRICS)


def test_two_workers_give_identical_rows(cheap, reference):
    res = ensemble.run(cheap, N, seed=11, workers=2, progress=False, chunk_size=3)
    pd.testing.assert_frame_equal(res.frame, reference.frame)


def test_dask_local_cluster_gives_identical_rows(cheap, reference):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        res = ensemble.run(cheap, N, seed=11, scheduler=cluster, progress=False,
                           chunk_size=2)
    pd.testing.assert_frame_equal(res.frame, reference.frame)


def test_n200_process_pool_and_dask_processes_give_identical_rows(cheap):
    # issue #15: at n = 200, two worker processes of the pool and a LocalCluster of two
    # worker processes (contexts pickled to them) give the same rows, bit for bit
    distributed = pytest.importorskip("dask.distributed")
    pool = ensemble.run(cheap, 200, seed=5, workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        dask = ensemble.run(cheap, 200, seed=5, scheduler=cluster, progress=False)
    assert (pool.frame["status"] == "ok").all()
    pd.testing.assert_frame_equal(pool.frame, dask.frame)


def test_unreachable_scheduler_fails_fast(cheap):
    pytest.importorskip("dask.distributed")
    with pytest.raises(ensemble.EnsembleError, match="cannot reach the Dask scheduler"):
        ensemble.run(cheap, 2, scheduler="tcp://127.0.0.1:9", scheduler_timeout_s=1,
                     progress=False)


def test_scheduler_without_dask_names_the_extra(cheap, monkeypatch):
    # Dask is the optional [dask] extra: without it a scheduler is refused with the fix
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ensemble.EnsembleError, match=r"pip install 'gridmodel\[dask\]'"):
        ensemble.run(cheap, 2, scheduler="tcp://127.0.0.1:9", scheduler_timeout_s=1,
                     progress=False)


def test_resume_equals_uninterrupted_and_skips_finished_chunks(cheap, reference, tmp_path):
    out = tmp_path / "ens"
    part = ensemble.run(cheap, N, seed=11, out=out, progress=False, chunk_size=2,
                        stop_after=2)
    assert not part.complete
    from gridmodel._io.outdir import partial_folder

    # an unfinished run's parts live in the partial sibling until it is complete
    assert not out.exists()
    assert len(list((partial_folder(out) / "parts").glob("*.parquet"))) == 2
    assert not (out / "replicates.parquet").exists()
    with pytest.raises(ensemble.OutputExistsError, match="resume"):
        ensemble.run(cheap, N, seed=11, out=out, progress=False, chunk_size=2)
    with pytest.raises(ensemble.EnsembleError, match="n differs"):
        ensemble.run(cheap, N + 1, seed=11, out=out, resume=True, progress=False,
                     chunk_size=2)
    done = set(pd.concat([pd.read_parquet(p) for p in (partial_folder(out) / "parts").glob("*")])[
        "replicate"])
    # a finished replicate is not recomputed: its injected failure never happens
    res = ensemble.run(cheap, N, seed=11, out=out, resume=True, progress=False,
                       chunk_size=2, fail_replicates=sorted(done))
    assert res.complete
    pd.testing.assert_frame_equal(res.frame, reference.frame)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "replicates.parquet"),
                                  reference.frame)
    assert json.loads((out / "manifest.json").read_text())["n"] == N


def test_failing_replicate_is_isolated(cheap, reference):
    res = ensemble.run(cheap, N, seed=11, progress=False, chunk_size=3,
                       fail_replicates=[3])
    f = res.frame
    bad = f[f["status"] == "failed"]
    assert bad["replicate"].tolist() == [3]
    assert "RuntimeError" in bad["error"].iloc[0]
    assert bad["seed_entropy"].iloc[0] == "11"
    assert bad["spawn_key"].iloc[0] == "3"
    assert bad[list(METRICS)].isna().all().all()
    ok = f["status"] == "ok"
    pd.testing.assert_frame_equal(_metrics(f[ok]), _metrics(reference.frame[ok]))
    assert res.summary["n_failed"].eq(1).all()


def test_model_warnings_are_kept_with_their_replicate(cheap, reference, monkeypatch):
    """A replicate whose grid timeline gives model warnings (issued from inside its
    engine step) keeps them in its row, each message once and in order, whatever the
    ``warnings`` filters (ignored here); its metrics are unchanged, the summary counts
    it in ``n_warned``, and replicates without warnings keep "" (the reference run)."""
    from engine_warnings import issuing

    model = ensemble._model

    def warned(ctx, night, tseed):
        if not tseed % 2:
            return model(ctx, night, tseed)
        with issuing("island 3: first", "island 3: first", after=("island 5: second",)):
            return model(ctx, night, tseed)

    monkeypatch.setattr(ensemble, "_model", warned)
    res = ensemble.run(cheap, N, seed=11, progress=False, chunk_size=3)
    f = res.frame
    odd = f["timeline_seed"].astype(int) % 2 == 1
    assert 0 < odd.sum() < N
    assert (f.loc[odd, "warnings"] == "island 3: first\nisland 5: second").all()
    assert (f.loc[~odd, "warnings"] == "").all()
    assert (f["status"] == "ok").all()
    pd.testing.assert_frame_equal(_metrics(f).drop(columns=["warnings"]),
                                  _metrics(reference.frame).drop(columns=["warnings"]))
    assert res.summary["n_warned"].eq(int(odd.sum())).all()
    assert (reference.frame["warnings"] == "").all()
    assert reference.summary["n_warned"].eq(0).all()


def test_saved_nights_replay_to_their_rows(tmp_path, monkeypatch):
    """20 saved nights through gridmodel.studies.scenario.run (engine fast) give the same rows.

    The test memoises the fast engine's compile step (deterministic for one network and
    status date) so that 20 scenario runs fit in the time budget; everything else runs
    the scenario path as ``gridmodel run`` does.
    """
    from gridmodel.outage import fast

    original = fast.compile_network
    cache = {}

    def memo(net, **kw):
        key = (net.meta.get("name"), str(getattr(net, "status_date", None)),
               tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = original(net, **kw)
        return cache[key]

    monkeypatch.setattr(fast, "compile_network", memo)
    n = 20
    out = tmp_path / "nights"
    short = pattern_from_dict({**CHEAP, "night": {"first": "2026-02-03T01:00+02:00",
                                                  "last": "2026-02-03T03:00+02:00"},
                               "run": {"start": "2026-02-03T00:00+02:00", "horizon_h": 6}})
    res = ensemble.run(short, n, seed=5, out=out, save_nights=True, progress=False)
    tomls = sorted((out / "nights" / "cheap").glob("night_*.toml"))
    assert len(tomls) == int((res.frame["n_strikes"] > 0).sum())
    assert len(tomls) >= 18
    rows = res.frame.set_index("replicate")
    for t in tomls:
        i = int(t.stem.split("_")[1])
        got = ensemble.replay(t)
        want = rows.loc[i]
        assert got["n_strikes"] == want["n_strikes"]
        for m in METRICS:
            if np.isnan(want[m]):
                assert np.isnan(got[m]), (i, m)
            else:
                assert got[m] == want[m], (i, m, got[m], want[m])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0}, "n must be"),
    ({"n": 2.5}, "n must be"),
    ({"n": 2, "workers": 0}, "workers"),
    ({"n": 2, "seed": -1}, "seed"),
    ({"n": 2, "save_nights": True}, "output folder"),
    ({"n": 2, "resume": True}, "resume=True needs"),
    ({"n": 2, "scheduler": 42}, "scheduler must be"),
])
def test_bad_arguments_fail_before_work(cheap, kwargs, match):
    with pytest.raises(ensemble.EnsembleError, match=match):
        ensemble.run(cheap, progress=False, **kwargs)


def test_compare_cli_writes_table_frame_and_plots(tmp_path):
    from click.testing import CliRunner

    from gridmodel.cli.ensemble import compare_command

    files = []
    for doctrine in ("heat_source_first", "substation_first"):
        text = (f'name = "{doctrine}"\n[salvo]\ncruise = 3\ndrone = 10\n'
                '[night]\nfirst = 2026-02-03T01:00:00+02:00\n'
                'last = 2026-02-03T03:00:00+02:00\n'
                f'[doctrine]\npreset = "{doctrine}"\n'
                '[run]\nstart = 2026-02-03T00:00:00+02:00\nhorizon_h = 6\n')
        p = tmp_path / f"{doctrine}.toml"
        p.write_text(text)
        files.append(str(p))
    out = tmp_path / "cmp"
    args = [*files, "-n", "4", "--out", str(out), "--seed", "2", "--quiet"]
    r = CliRunner().invoke(compare_command, args)
    assert r.exit_code == 0, r.output
    assert "illustrative" in r.output
    for name in ("summary.csv", "replicates.parquet", "distributions.png",
                 "decisive_assets.png", "manifest.json", "report.html"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "summary.csv")
    assert set(table["pattern"]) == {"heat_source_first", "substation_first"}
    frame = pd.read_parquet(out / "replicates.parquet")
    # common random numbers: the same interception draws for the same salvo
    a, b = (frame[frame["pattern"] == p].reset_index() for p in
            ("heat_source_first", "substation_first"))
    assert a["n_intercepted"].tolist() == b["n_intercepted"].tolist()
    r2 = CliRunner().invoke(compare_command, args)
    assert r2.exit_code == 2
    assert "already exists" in r2.output


def test_ensemble_cli_runs_and_refuses_an_existing_folder(tmp_path):
    from click.testing import CliRunner

    from gridmodel.cli.ensemble import ensemble_command

    p = tmp_path / "p.toml"
    p.write_text('name = "tiny"\n[salvo]\nballistic = 2\n'
                 '[night]\nfirst = 2026-02-03T01:00:00+02:00\n'
                 'last = 2026-02-03T02:00:00+02:00\n'
                 '[doctrine]\npreset = "heat_source_first"\n'
                 '[run]\nstart = 2026-02-03T00:00:00+02:00\nhorizon_h = 4\n')
    out = tmp_path / "e"
    args = [str(p), "-n", "2", "--out", str(out), "--quiet"]
    r = CliRunner().invoke(ensemble_command, args)
    assert r.exit_code == 0, r.output
    assert "mw_shed_peak" in r.output
    assert (out / "replicates.parquet").is_file()
    before = (out / "replicates.parquet").read_bytes()
    r2 = CliRunner().invoke(ensemble_command, args)
    assert r2.exit_code == 2
    assert r2.output.startswith(f"error: output folder {out}")
    assert "already exists" in r2.output
    assert (out / "replicates.parquet").read_bytes() == before  # nothing lost
    r3 = CliRunner().invoke(ensemble_command, [*args, "--force"])
    assert r3.exit_code == 0, r3.output
    assert "0 failed replicate(s); 0 computed in part" in r3.output
    from engine_warnings import issuing

    with issuing("island 2: no optimum"):
        r4 = CliRunner().invoke(ensemble_command, [*args, "--force", "--workers", "1"])
    assert r4.exit_code == 0, r4.output
    assert "0 failed replicate(s); 2 computed in part" in r4.output


def test_decisive_assets_are_over_represented_in_the_worst_decile():
    from gridmodel.report.ensemble_plots import decisive_assets

    n = 10
    frame = pd.DataFrame({
        "pattern": "p", "status": "ok", "mw_shed_peak": 1.0,
        "people_hours_without_heat": [float(i) for i in range(n)],
        # "common" is hit every night; "key" only in the worst night
        "struck_assets": ["common"] * (n - 1) + ["common;key"],
    })
    d = decisive_assets(frame, top=2)
    assert d["asset_id"].tolist() == ["key", "common"]
    assert d["share_of_worst"].tolist() == [1.0, 1.0]
    assert d["lift"].iloc[0] == pytest.approx(0.9)
    assert d["lift"].iloc[1] == 0.0


def test_context_refuses_a_start_off_the_weather_hours(cheap):
    """A run starting at :30 has no outdoor temperature at any hour (it used to pass NaN)."""
    from gridmodel.errors import InputError
    from gridmodel.studies.ensemble import pattern_context as build_context

    run = dict(cheap.run, start=pd.Timestamp(cheap.run["start"]) + pd.Timedelta(minutes=30))
    with pytest.raises(InputError, match="no temperature at 12 hour"):
        build_context(run)


def test_summarise_reads_rows_written_before_rows_kept_warnings(reference):
    """``summarise`` of a replicates table without the ``warnings`` column (written before
    rows kept model warnings), or with it empty (NaN as read back), counts no replicate
    as warned and gives the same figures."""
    want = ensemble.summarise(reference.frame)
    for frame in (reference.frame.drop(columns=["warnings"]),
                  reference.frame.assign(warnings=np.nan)):
        pd.testing.assert_frame_equal(ensemble.summarise(frame), want)
    assert want["n_warned"].eq(0).all()


def test_a_saved_night_keeps_its_pattern_s_grid_options(tmp_path):
    """The scenario file of a saved night carries every grid option of the pattern's
    [run] table (config.GRID_RUN_KEYS), not only their defaults."""
    from gridmodel.config import GRID_RUN_KEYS
    from gridmodel.studies.scenario import load_scenario

    run = {"start": "2026-02-03T00:00+02:00", "horizon_h": 6, "n_queues": 4, "block_h": 2,
           "demand_step": 0.05, "max_cascade_rounds": 3, "line_limits": False}
    pattern = pattern_from_dict({**CHEAP, "run": run})
    (tmp_path / "n.csv").write_text("target,time,effect\n", encoding="utf-8")
    ensemble._write_scenario(tmp_path / "n.toml", pattern, "n.csv", 1, 7)
    grid = load_scenario(tmp_path / "n.toml").grid
    assert {k: getattr(grid, k) for k in GRID_RUN_KEYS} == {k: run[k] for k in GRID_RUN_KEYS}
