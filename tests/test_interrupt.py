"""Ctrl-C: the first asks the run to stop (the best plan found is written, marked
interrupted, exit 5; nothing and exit 130 when there is no plan), the second aborts
(nothing written, exit 130), even while HiGHS is busy."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotsplit import progress
from lotsplit.cli import app
from lotsplit.console import CtrlC

pytestmark = pytest.mark.usefixtures("ctrl_c_enabled")

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.3)                       # the watcher thread acts on it


def wait_for(cond, seconds: float = 2.0) -> bool:
    end = time.monotonic() + seconds
    while not cond() and time.monotonic() < end:
        time.sleep(0.01)
    return cond()


def test_first_ctrl_c_asks_to_stop_the_second_aborts():
    with progress.scope() as run, CtrlC(run=run, grace=30) as c:
        os.kill(os.getpid(), signal.SIGINT)
        assert wait_for(run.stop.is_set)                   # the engine's stop_requested() is now True
        assert progress.stop_requested() and c.interrupted and c.count == 1
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(200):
                time.sleep(0.01)
        assert c.count == 2
    assert not progress.stop_requested()                   # the next run starts clean
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_loading_writes_nothing_and_exits_130(tiny, tmp_path, monkeypatch):
    import lotsplit.scenario

    real = lotsplit.scenario.load_scenario

    def load_then_ctrl_c(path):
        s = real(path)
        ctrl_c()
        return s

    monkeypatch.setattr(lotsplit.scenario, "load_scenario", load_then_ctrl_c)
    r = CliRunner().invoke(app, ["run", str(tiny / "scenario.toml"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 130, r.output
    assert "Stopped (Ctrl-C) after loading the scenario: nothing was written." in r.stderr
    assert "Stopping (Ctrl-C)" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]


def test_ctrl_c_during_the_solve_writes_the_best_plan_marked_interrupted(tiny, tmp_path, monkeypatch):
    import lotsplit.engine.optimize
    from lotsplit.engine.highs import Status, Termination

    real = lotsplit.engine.optimize.optimize

    def stopped_early(s, **kw):
        # what the engine does when a stop is requested: the incumbent, not proven
        plan = real(s, **kw)
        ctrl_c()
        plan.outcome = dataclasses.replace(plan.outcome, status=Status.FEASIBLE, bound=plan.objective - 1000,
                                           gap=0.02, termination=Termination.INTERRUPTED)
        return plan

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", stopped_early)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(tiny / "scenario.toml"), "--out", str(out), "--json",
                                 "--exports", "tables"])
    assert r.exit_code == 5, r.output
    doc = json.loads(r.stdout)
    assert doc["interrupted"] is True and doc["status"] == "feasible" and doc["exit_code"] == 5
    plan = json.loads((out / "plan.json").read_text("utf-8"))
    assert plan["outcome"]["message"].startswith("interrupted (Ctrl-C): the best plan found so far")
    assert json.loads((out / "manifest.json").read_text("utf-8"))["interrupted"] is True


def test_ctrl_c_after_a_proven_optimum_changes_nothing(tiny, tmp_path, monkeypatch):
    import lotsplit.engine.optimize

    real = lotsplit.engine.optimize.optimize

    def late(s, **kw):
        plan = real(s, **kw)
        ctrl_c()
        return plan

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", late)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["run", str(tiny / "scenario.toml"), "--out", str(out), "--exports", "tables"])
    assert r.exit_code == 0, r.output
    assert "Optimal plan (proven)" in r.stdout
    assert json.loads((out / "manifest.json").read_text("utf-8"))["interrupted"] is False


def test_ctrl_c_mid_solve_in_a_real_process(tmp_path):
    """Dalarna (about 67 000 candidate lots: the solve runs for tens of seconds): one
    Ctrl-C stops it within 3 s, writing the best plan found (exit 5) or nothing (130)."""
    scen = ROOT / "scenarios" / "dalarna-food" / "scenario.toml"
    out = tmp_path / "out"
    p = subprocess.Popen([sys.executable, "-m", "lotsplit.cli", "run", str(scen), "--out", str(out), "-v",
                          "--time-limit", "60"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        for line in p.stderr:                              # wait until it is solving
            if line.startswith("INFO: Söker den bästa indelningen"):     # solving (Dalarna speaks Swedish)
                break
        time.sleep(1.0)
        assert p.poll() is None, "the solve ended too soon for this test"
        p.send_signal(signal.SIGINT)
        p.wait(timeout=3)            # the engine polls the stop flag inside HiGHS and between stages
        err = p.stderr.read()
        assert p.returncode in (5, 130), err
        if p.returncode == 5:
            assert "Avbruten (Ctrl-C): den bästa indelning som hittats hittills skrevs" in p.stdout.read()
            assert json.loads((out / "manifest.json").read_text("utf-8"))["interrupted"] is True
        else:
            assert not out.exists()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
