"""Talking while working: the display shows the engine's events (stages, candidate lots,
incumbent/bound/gap, frontier points, runs, files) and the CLI subscribes to them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotsplit import progress
from lotsplit.cli import app
from lotsplit.console import Display

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def feed() -> None:
    progress.report("stage", name="enumerate", detail="")
    progress.report("lots", count=12345, complete=True)
    progress.report("stage", name="solve", detail="")
    progress.report("incumbent", objective=1234567.0, bound=1200000.0, gap=0.0283)
    progress.report("stage", name="frontier", detail="")
    progress.report("frontier_point", index=2, cost=500000.0, local_share=0.412, proven=False)
    progress.report("runs", done=2, total=3, desc="sweep")
    progress.report("warning", message="something to know")


def test_verbose_display_turns_events_into_lines(capsys):
    with Display(verbosity=1, live=False) as d, progress.scope(d.event):
        feed()
    err = capsys.readouterr().err.splitlines()
    assert err == ["INFO: Enumerating candidate lots", "INFO: Solving",
                   "INFO: best plan 1 234 567, bound 1 200 000, gap 2.83%", "INFO: Finding the frontier",
                   "INFO: point 3: cost 500 000, access 41.2% (not proven)", "INFO: sweep: 2 of 3 runs done",
                   "WARNING: something to know"]


def test_default_display_shows_only_warnings_when_not_a_terminal(capsys):
    with Display(verbosity=0) as d, progress.scope(d.event):
        feed()
    assert capsys.readouterr().err.splitlines() == ["WARNING: something to know"]


def test_live_display_draws_each_stage_with_its_figures(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    with Display(verbosity=0, live=True) as d, progress.scope(d.event):
        feed()
    err = capsys.readouterr().err
    assert "Solving: best plan 1 234 567, bound 1 200 000, gap 2.83%" in err
    assert "Finding the frontier: point 3: cost 500 000, access 41.2% (not proven)" in err
    assert "Enumerating candidate lots: 12 345 candidate lots (all)" in err
    assert "2/3" in err and "something to know" in err


def test_the_cli_shows_what_the_engine_reports(tiny, tmp_path, monkeypatch):
    import lotsplit.engine.optimize

    real = lotsplit.engine.optimize.optimize

    def reporting(s, **kw):
        progress.report("incumbent", objective=42000.0, bound=41000.0, gap=0.0238)
        return real(s, **kw)

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", reporting)
    r = CliRunner().invoke(app, ["run", str(tiny / "scenario.toml"), "--out", str(tmp_path / "o"), "-v"])
    assert r.exit_code == 0, r.output
    assert "INFO: best plan 42 000, bound 41 000, gap 2.38%" in r.stderr
    assert r.stderr.index("INFO: Solving") < r.stderr.index("best plan 42 000") < r.stderr.index("Writing files")


def test_the_display_speaks_the_scenarios_language(tiny, tmp_path, monkeypatch):
    """Once the scenario is loaded, the stages, their details and the solve's figures are
    shown in its language, numbers in its format."""
    import lotsplit.engine.optimize

    real = lotsplit.engine.optimize.optimize

    def reporting(s, **kw):
        progress.report("incumbent", objective=42000.0, bound=41000.0, gap=0.0238)
        return real(s, **kw)

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", reporting)
    text = (tiny / "scenario.toml").read_text("utf-8").replace('language = "en"', 'language = "sv"')
    (tiny / "scenario.toml").write_text(text, "utf-8")
    r = CliRunner().invoke(app, ["run", str(tiny / "scenario.toml"), "--out", str(tmp_path / "o"), "-v",
                                 "--time-limit", "30"])
    assert r.exit_code == 0, r.output
    for line in ("INFO: Söker den bästa indelningen: tidsgräns 30 s", "INFO: bästa indelning 42 000, gräns 41 000, "
                 "gap 2,38\u00a0%", "INFO: Räknar upp kandidatdelkontrakt: kandidatdelkontrakt",
                 "INFO: Skriver filerna"):
        assert line in r.stderr, (line, r.stderr)
    assert "Solving" not in r.stderr and "best plan" not in r.stderr


def test_sweep_progress_moves_with_each_inline_run(tiny, tmp_path, monkeypatch):
    from lotsplit import variants

    order = []
    real = variants.run_spec

    def spy(spec):
        order.append(("run", spec.index))
        return real(spec)

    monkeypatch.setattr(variants, "run_spec", spy)
    with progress.scope(lambda e, f: order.append(("event", f["done"])) if e == "runs" else None):
        variants.sweep(tiny / "scenario.toml", {"costs.per_lot": [10000, 20000, 30000]})
    assert order == [("run", 0), ("event", 1), ("run", 1), ("event", 2), ("run", 2), ("event", 3)]


def test_sweep_progress_draws_a_bar(tiny, tmp_path):
    r = CliRunner().invoke(app, ["sweep", str(tiny / "scenario.toml"), "--param", "costs.per_lot=10000,20000,30000",
                                 "--out", str(tmp_path / "sw"), "--progress"])
    assert r.exit_code == 0, r.output
    assert "Solving the runs: sweep" in r.stderr and "3/3" in r.stderr
    assert "Sweep over costs.per_lot: 3 run(s)" in r.stdout
