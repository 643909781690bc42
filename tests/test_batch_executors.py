"""The Executor seam: the same batch gives the same results inline, in a process pool and
on a Dask LocalCluster; a worker that dies fails only its own runs; options are checked."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from lotsplit.batch.executors import InlineExecutor, dispatch, open_executor, parse_executor
from lotsplit.batch.run import run_batch
from lotsplit.batch.samples import Uncertainty
from lotsplit.errors import OptionError

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


def test_parse_executor():
    assert parse_executor("inline").kind == parse_executor(None).kind == "inline"
    assert parse_executor("processes:3").workers == 3
    assert parse_executor("dask://10.0.0.5:8786").address == "10.0.0.5:8786"
    assert parse_executor("tcp://sched:8786").kind == "dask"
    assert parse_executor("dask-local:2").text == "dask-local:2"
    for bad in ("threads:2", "processes:0", "processes", "dask://host", "dask-local:x"):
        with pytest.raises(OptionError, match="executor"):
            parse_executor(bad)


def _die_on_three(x: int) -> int:
    if x == 3:
        os._exit(1)              # the worker process dies (out of memory, a crash)
    return x * 10


def test_a_dead_worker_fails_its_runs_and_the_rest_go_on():
    got, failed = {}, []

    def done(key, fut):
        if fut.exception() is not None:
            failed.append(key)
        else:
            got[key] = fut.result()

    with open_executor("processes:2") as ex:
        dispatch(ex, iter((i, i) for i in range(8)), _die_on_three, done)
    assert failed == [3]                        # the others of the dead pool were tried again
    assert got == {k: k * 10 for k in range(8) if k != 3}


def test_dispatch_stops_handing_out_tasks_on_request():
    seen = []
    dispatch(InlineExecutor(), iter((i, i) for i in range(10)), abs, lambda k, f: seen.append(k),
             stop=lambda: len(seen) >= 3)
    assert seen == [0, 1, 2]
    with ThreadPoolExecutor(2) as pool:
        seen.clear()
        dispatch(pool, iter((i, i) for i in range(10)), abs, lambda k, f: seen.append(k), stop=lambda: len(seen) >= 3)
    assert 3 <= len(seen) < 10


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("exec")
    shutil.copytree(TINY, d / "tiny")
    (d / "strict.toml").write_text('extends = "tiny/scenario.toml"\nname = "tiny, strict"\n[rules]\n'
                                   'min_eligible_bidders = 2\n', "utf-8")
    return d


def _batch(scenarios: Path, out: Path, executor: str) -> pd.DataFrame:
    r = run_batch([scenarios], out=out, executor=executor, samples=3, seed=21, robust="expected",
                  uncertainty=Uncertainty(propensity_sd=0.15, demand_pct=25, dropout=0.25))
    assert not r.interrupted
    return pd.read_csv(out / "batch.csv").drop(columns=["seconds"])


def test_inline_processes_and_dask_give_the_same_results(scenarios, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'lotsplit[dask]')")
    inline = _batch(scenarios, tmp_path / "inline", "inline")
    assert len(inline) == 8 and inline["status"].isin(["optimal", "infeasible"]).all()
    assert inline["plan_id"].nunique() >= 2
    pooled = _batch(scenarios, tmp_path / "pool", "processes:2")
    dask = _batch(scenarios, tmp_path / "dask", "dask-local:2")
    pd.testing.assert_frame_equal(inline, pooled)
    pd.testing.assert_frame_equal(inline, dask)
    for name in ("scenarios.csv", "plans.csv"):
        a = (tmp_path / "inline" / name).read_text()
        assert a == (tmp_path / "pool" / name).read_text() == (tmp_path / "dask" / name).read_text()
    for run in ("tiny/base", "strict/sample-0002"):
        files = [(tmp_path / x / "runs" / run / "assignment.csv") for x in ("inline", "pool", "dask")]
        if files[0].exists():
            assert files[0].read_bytes() == files[1].read_bytes() == files[2].read_bytes()


@pytest.mark.usefixtures("ctrl_c_enabled")
def test_dask_local_workers_ignore_ctrl_c_and_run_numeric_code_on_one_thread():
    pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'lotsplit[dask]')")
    import signal

    with open_executor("dask-local:1") as h:
        handler = h.executor.submit(signal.getsignal, signal.SIGINT).result(timeout=60)
        threads = h.executor.submit(os.getenv, "OMP_NUM_THREADS").result(timeout=60)
    assert handler == signal.SIG_IGN and threads == "1"
    assert signal.getsignal(signal.SIGINT) != signal.SIG_IGN          # the client's own Ctrl-C still works
