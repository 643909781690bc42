"""``lotsplit batch``: many scenarios and Monte Carlo samples, one atomic folder per run,
resume, failure rows, the combined tables; samples reproducible from their seeds; tasks
that carry no path of the client machine."""

from __future__ import annotations

import json
import pickle
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lotsplit
from lotsplit import progress
from lotsplit.batch.content import ScenarioContent
from lotsplit.batch.run import monte_carlo, run_batch
from lotsplit.batch.samples import Uncertainty, apply_sample, beta_parameters, draw_sample, sample_seed
from lotsplit.batch.sources import batch_items
from lotsplit.batch.tasks import Task, run_task
from lotsplit.cli import app
from lotsplit.errors import OptionError, ScenarioError
from lotsplit.synthetic import grid_scenario

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
UNC = Uncertainty(propensity_sd=0.15, demand_pct=20, dropout=0.2)
TIMING = ["seconds"]


@pytest.fixture
def two(tmp_path) -> Path:
    """Two tiny scenarios in a folder: the fixture and a variant with a dearer lot."""
    d = tmp_path / "scen"
    shutil.copytree(TINY, d / "tiny")
    (d / "dear.toml").write_text('extends = "tiny/scenario.toml"\nname = "tiny, dear lots"\n[costs]\nper_lot = 90000\n',
                                 "utf-8")
    return d


def comparable(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "batch.csv").drop(columns=TIMING)


# --------------------------------------------------------------------------- samples

def test_a_sample_is_reproducible_from_its_seed_and_independent_of_others():
    s = grid_scenario(2, 2, 2, 6, seed=3)
    a = draw_sample(s, UNC, seed=sample_seed(7, 0, 1))
    assert a == draw_sample(s, UNC, seed=sample_seed(7, 0, 1))
    assert a != draw_sample(s, UNC, seed=sample_seed(7, 0, 2))
    assert a != draw_sample(s, UNC, seed=sample_seed(8, 0, 1))
    assert len({sample_seed(1, i, j) for i in range(5) for j in range(50)}) == 250
    assert all(0 <= sample_seed(2**40, i, 3) < 2**31 for i in range(20))       # HiGHS's random_seed range
    s2 = apply_sample(s, a)
    assert list(s2.suppliers.index) == [x for x in s.suppliers.index if x not in a.absent]
    assert list(s2.reach.index) == list(s2.suppliers.index)
    assert s2.demand.shape == s.demand.shape and not np.allclose(s2.demand, s.demand)
    ratio = (s2.demand.to_numpy() / np.where(s.demand > 0, s.demand, 1))[s.demand.to_numpy() > 0]
    assert ((ratio >= 0.8 - 1e-12) & (ratio <= 1.2 + 1e-12)).all()
    assert s.suppliers["propensity"].tolist() != s2.suppliers["propensity"].tolist()


def test_beta_draws_have_the_stated_mean_and_spread():
    rng = np.random.default_rng(0)
    for p in (0.2, 0.5, 0.8):
        a, b, capped = beta_parameters(np.array([p]), 0.1)
        x = rng.beta(a[0], b[0], 20000)
        assert abs(x.mean() - p) < 0.005 and abs(x.std() - 0.1) < 0.005 and not capped[0]
    _, _, capped = beta_parameters(np.array([0.97, 1.0]), 0.3)
    assert capped.tolist() == [True, False]            # a spread the Beta cannot have is capped; p = 1 stays 1


def test_demand_by_area_moves_a_whole_area_together():
    s = grid_scenario(2, 2, 3, 5, seed=1)
    smp = draw_sample(s, Uncertainty(demand_pct=30, demand_by="area"), seed=11)
    f = np.array(smp.demand_factor).reshape(s.demand.shape)
    assert np.allclose(f, f[:, :1]) and len(set(f[:, 0].round(12))) == len(f)


def test_invalid_uncertainty_lists_every_problem():
    with pytest.raises(OptionError) as e:
        Uncertainty(propensity_sd=0.7, demand_pct=150, dropout=1.0)
    assert [p.file for p in e.value.problems] == ["--propensity-sd", "--demand-pct", "--dropout"]


# --------------------------------------------------------------------------- tasks

def test_a_task_carries_the_scenario_content_and_no_client_path(two, tmp_path):
    item = batch_items([two / "dear.toml"])[0]
    content = ScenarioContent.read(item.source)
    task = Task("dear/base", 0, "dear", "dear", 0, "base", content, seed=5, exports=frozenset({"tables"}),
                command=("lotsplit", "batch"))
    blob = pickle.dumps(task)
    for path in {str(tmp_path), str(two), str(ROOT), str(ROOT.parent), str(Path.home()), tempfile.gettempdir()}:
        assert path.encode() not in blob, f"the task carries {path}"
    # … yet the worker builds the same scenario as load_scenario does
    here = lotsplit.load_scenario(two / "dear.toml")
    there = pickle.loads(blob).content.scenario()
    assert there.config.costs == here.config.costs and there.path is None and not there.files
    pd.testing.assert_frame_equal(there.demand, here.demand)
    assert lotsplit.optimize(there).objective == pytest.approx(lotsplit.optimize(here).objective)
    res = run_task(pickle.loads(blob))
    assert res.status == "optimal" and set(res.files) >= {"assignment.csv", "manifest.json", "result.json"}
    for name, data in res.files.items():
        assert str(tmp_path).encode() not in data, name
    manifest = json.loads(res.files["manifest.json"])
    assert {f["path"] for f in manifest["files"]} == set(res.files) - {"manifest.json"}
    assert [i["path"] for i in manifest["inputs"]] == ["dear.toml", "tiny/areas.geojson", "tiny/product_groups.csv",
                                                       "tiny/demand.csv", "tiny/suppliers.csv"]


def test_the_run_seed_reaches_the_solver(monkeypatch, two):
    seen = []
    real = lotsplit.engine.optimize.optimize

    def spy(s, **kw):
        seen.append(kw.get("seed"))
        return real(s, **kw)

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", spy)
    content = ScenarioContent.read(two / "tiny" / "scenario.toml")
    run_task(Task("t/base", 0, "t", "t", 0, "base", content, seed=1234))
    assert seen == [1234]


# --------------------------------------------------------------------------- the batch

def test_batch_writes_one_folder_per_run_and_the_tables(two, tmp_path):
    out = tmp_path / "b"
    r = run_batch([two], out=out, samples=3, seed=4, uncertainty=UNC, robust="worst")
    keys = sorted(p.name for p in (out / "runs").iterdir())
    assert keys == ["dear", "tiny"]
    for k in keys:
        assert sorted(p.name for p in (out / "runs" / k).iterdir()) == ["base", "robust", "sample-0001",
                                                                      "sample-0002", "sample-0003"]
        assert (out / "runs" / k / "base" / "assignment.csv").is_file()
    t = pd.read_csv(out / "batch.csv")
    assert len(t) == 8 and t["kind"].tolist() == ["base", "sample", "sample", "sample"] * 2
    assert t["seed"].tolist() == [sample_seed(4, i, j) for i in range(2) for j in range(4)]
    sc = pd.read_csv(out / "scenarios.csv")
    assert sc["samples"].tolist() == [3, 3] and sc["robust_plan"].notna().all()
    assert ((sc["local_share_p5"] <= sc["local_share_mean"] + 1e-12)
            & (sc["local_share_mean"] <= sc["local_share_p95"] + 1e-12)).all()
    book = pd.read_excel(out / "batch.xlsx", sheet_name=None)
    assert list(book) == ["Scenarios", "Runs", "Plans", "Failures", "About"]
    assert "Admin cost (SEK)" in book["Runs"].columns and "Chosen plan: Local-accessible value share" in \
        book["Runs"].columns
    assert "best objective in the worst sample" in book["About"].to_string()
    for png in ("batch.png", "uncertainty.png", "uncertainty-tiny.png"):
        assert (out / png).stat().st_size > 20_000
    assert r.all_done and not r.interrupted
    # every file is listed by a manifest: --overwrite accepts the folder as lotsplit's
    run_batch([two], out=out, overwrite=True)
    assert sorted(p.name for p in (out / "runs" / "tiny").iterdir()) == ["base"]


def test_resume_runs_only_what_has_no_folder(two, tmp_path):
    out = tmp_path / "b"
    full = run_batch([two], out=out, samples=2, seed=1, uncertainty=UNC)
    before = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("manifest.json")}
    shutil.rmtree(out / "runs" / "tiny" / "sample-0002")
    shutil.rmtree(out / "runs" / "dear" / "base")
    (out / "runs" / "tiny" / ".sample-0002.partial-x").mkdir()       # left by a killed run
    again = run_batch([two], out=out, samples=2, seed=1, uncertainty=UNC, resume=True)
    assert again.resumed == 4
    kept = [p for p, t in before.items() if p.exists() and p.stat().st_mtime_ns == t]
    assert len(kept) == 4
    pd.testing.assert_frame_equal(full.runs.drop(columns=TIMING), again.runs.drop(columns=TIMING))
    with pytest.raises(OptionError, match="seed"):
        run_batch([two], out=out, samples=2, seed=2, uncertainty=UNC, resume=True)
    grown = run_batch([two], out=out, samples=3, seed=1, uncertainty=UNC, resume=True)    # more samples: fine
    assert grown.resumed == 6 and len(grown.runs) == 8


def test_failures_are_rows_and_the_batch_goes_on(two, tmp_path, monkeypatch):
    (two / "broken.toml").write_text('extends = "tiny/scenario.toml"\nname = "broken"\n[costs]\nper_lot = "x"\n',
                                     "utf-8")
    real = lotsplit.engine.optimize.optimize

    def flaky(s, **kw):
        if s.name == "tiny, dear lots":
            raise RuntimeError("solver fell over")
        return real(s, **kw)

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", flaky)
    out = tmp_path / "b"
    r = run_batch([two], out=out)
    rows = r.runs.set_index("item")
    assert rows.loc["broken", "status"] == "failed" and "per_lot" in rows.loc["broken", "message"]
    assert rows.loc["dear", "status"] == "failed" and rows.loc["dear", "message"] == "RuntimeError: solver fell over"
    assert rows.loc["tiny", "status"] == "optimal"
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["tiny"]     # a failed run gets no folder
    failures = pd.read_excel(out / "batch.xlsx", sheet_name="Failures")
    assert len(failures) == 2 and not r.all_done
    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", real)
    (two / "broken.toml").unlink()
    again = run_batch([two / "dear.toml", two / "tiny"], out=tmp_path / "b2")
    assert again.runs["status"].tolist() == ["optimal", "optimal"]


def test_stop_request_ends_dispatching_and_keeps_what_finished(two, tmp_path):
    out = tmp_path / "b"
    with progress.scope(lambda e, f: progress.request_stop() if e == "runs" and f["done"] == 2 else None):
        r = run_batch([two], out=out, samples=3, seed=1, uncertainty=UNC)
    assert r.interrupted and len(r.runs) == 2
    assert len(list((out / "runs").rglob("manifest.json"))) == 2
    assert json.loads((out / "manifest.json").read_text())["interrupted"] is True
    done = run_batch([two], out=out, samples=3, seed=1, uncertainty=UNC, resume=True)
    assert done.resumed == 2 and len(done.runs) == 8 and done.all_done


def test_the_parent_reads_each_scenario_when_it_gets_to_it(two, tmp_path, monkeypatch):
    events = []
    real = ScenarioContent.read.__func__

    def spy(cls, path):
        events.append(("read", Path(path).name))
        return real(cls, path)

    monkeypatch.setattr(ScenarioContent, "read", classmethod(spy))
    with progress.scope(lambda e, f: events.append(("done", f["done"])) if e == "runs" else None):
        run_batch([two / "dear.toml", two / "tiny" / "scenario.toml"], out=tmp_path / "b")
    assert events == [("read", "dear.toml"), ("done", 1), ("read", "scenario.toml"), ("done", 2)]


def test_monte_carlo_in_memory():
    s = grid_scenario(1, 3, 2, 6, seed=2)
    mc = monte_carlo(s, samples=6, uncertainty=UNC, seed=9)
    again = monte_carlo(s, samples=6, uncertainty=UNC, seed=9)
    pd.testing.assert_frame_equal(mc.runs.drop(columns=TIMING), again.runs.drop(columns=TIMING))
    row = mc.scenarios.iloc[0]
    assert row["samples"] == 6 and 0 <= row["chosen_optimal"] <= 1 and 0 <= row["split_helps"] <= 1
    samples = mc.runs[mc.runs["kind"] == "sample"]
    assert samples["chosen_local_share"].notna().all() and samples["single_lot_local_share"].notna().all()
    plans = mc.plans
    assert plans["optimal_in"].sum() == 6 and plans["is_chosen"].sum() == 1 and plans["is_robust"].sum() == 1
    assert lotsplit.monte_carlo is monte_carlo and lotsplit.Uncertainty is Uncertainty


def test_batch_table_lists_scenarios_with_overrides_and_uncertainty(two, tmp_path):
    table = two / "batch.csv"
    table.write_text("scenario;label;costs.per_lot;uncertainty.dropout\n"
                     "tiny/scenario.toml;cheap lots;5000;\n"
                     "tiny/scenario.toml;dear lots;200000;0,3\n", "utf-8")
    items = batch_items([table])
    assert [i.key for i in items] == ["cheap-lots", "dear-lots"]
    assert items[0].overrides == (("costs", "per_lot", 5000),) and items[1].uncertainty == {"dropout": 0.3}
    bad = two / "bad.csv"
    bad.write_text("scenario,costs.nope,budget.x\nnowhere.toml,1,2\n", "utf-8")
    with pytest.raises(ScenarioError) as e:
        batch_items([bad, two / "missing.toml"])
    text = str(e.value)
    assert "nope" in text and "budget.x" in text and "missing.toml" in text


def test_cli_batch_end_to_end(two, tmp_path):
    (two / "batch.csv").write_text("scenario,label,rules.max_lots\ntiny/scenario.toml,one lot,1\n", "utf-8")
    out = tmp_path / "cli"
    r = CliRunner().invoke(app, ["batch", str(two / "tiny" / "scenario.toml"), str(two / "batch.csv"), "--out",
                                 str(out), "--samples", "2", "--propensity-sd", "0.1", "--seed", "3", "--json",
                                 "--exports", "tables,xlsx"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["runs"] == 6 and summary["statuses"] == {"optimal": 6} and summary["exit_code"] == 0
    assert (out / "runs" / "one-lot" / "base" / "lots.xlsx").is_file()
    assert not (out / "runs" / "one-lot" / "sample-0001" / "lots.xlsx").exists()     # samples: tables only
    assert pd.read_csv(out / "batch.csv").query("item == 'one-lot'")["n_lots"].eq(1).all()
    r = CliRunner().invoke(app, ["batch", str(two), "--out", str(out)])
    assert r.exit_code == 2 and "not empty" in r.output
    r = CliRunner().invoke(app, ["batch", str(two / "tiny"), "--out", str(tmp_path / "x"), "--samples", "2",
                                 "--executor", "threads:2"])
    assert r.exit_code == 2 and "--executor" in r.output and "--samples" in r.output


def test_the_uncertainty_is_described_in_the_scenario_language():
    u = Uncertainty(propensity_sd=0.1, demand_pct=15, demand_by="area", dropout=0.05)
    assert u.describe("sv") == ("sannolikhet för anbud ± 0,1 (Beta, standardavvikelse); efterfrågan ± 15 % "
                                "(likformig, per område); varje leverantör uteblir med sannolikhet 0,05")
    assert u.describe().startswith("bid propensity ± 0.1 (Beta") and "per area);" in u.describe()
    assert Uncertainty().describe("da") == "ingen"


def test_a_resumed_robust_run_gets_the_plans_of_the_samples_on_disk(two, tmp_path):
    (two / "sv.toml").write_text('extends = "tiny/scenario.toml"\nname = "liten"\nlanguage = "sv"\n', "utf-8")
    out = tmp_path / "b"
    full = run_batch([two / "sv.toml"], out=out, samples=3, seed=8, uncertainty=UNC, robust="expected")
    samples = [r for r in full.results if r.kind == "sample"]
    assert samples and all(r.plan == () and r.plan_key for r in samples)       # the batch keeps only their keys
    robust = next(r for r in full.results if r.kind == "robust")
    assert robust.status == "optimal" and robust.plan and robust.plan_key in {r.plan_key for r in samples}
    shutil.rmtree(out / "runs" / "sv" / "robust")
    again = run_batch([two / "sv.toml"], out=out, samples=3, seed=8, uncertainty=UNC, robust="expected", resume=True)
    assert again.resumed == 4
    assert next(r for r in again.results if r.kind == "robust").plan == robust.plan
    pd.testing.assert_frame_equal(full.scenarios, again.scenarios)
    about = pd.read_excel(out / "batch.xlsx", sheet_name="Om körningen")
    text = about.to_string()
    assert "Osäkerhet som antas" in text and "sannolikhet för anbud ± 0,15" in text and "Avbruten" in text
    assert "Uncertainty" not in text and "seed" not in text
    words = again.describe()                  # the terminal summary speaks Swedish too
    assert words.startswith("Batch (scenarier: 1, körningar: 4): 4 bevisat optimal (4 från en tidigare körning")
    assert "delkontrakt, lokal andel" in words and "över 3 stickprov" in words and "robust indelning" in words
    assert "local share" not in words


def test_cli_batch_aborted_twice_says_where_the_runs_are(two, tmp_path, monkeypatch):
    import lotsplit.batch.run as batch_run

    def abort(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_run, "run_batch", abort)
    out = tmp_path / "cli"
    r = CliRunner().invoke(app, ["batch", str(two), "--out", str(out)])
    assert r.exit_code == 130 and "--resume" in r.output and f"{out.as_posix()}/runs" in r.output
    assert "Traceback" not in r.output


def test_every_column_of_the_batch_tables_has_a_header_in_each_language():
    from lotsplit.batch.report import localized
    from lotsplit.batch.texts import COLUMNS

    r = monte_carlo(grid_scenario(1, 2, 2, 3, seed=2), samples=2, seed=1, uncertainty=Uncertainty(dropout=0.2))
    for df in (r.runs, r.scenarios, r.plans):
        for lang in ("sv", "da", "en"):
            raw = [c for c, h in zip(df.columns, localized(df, lang, "SEK").columns) if c == h]
            assert raw == [], (lang, raw)
    assert all(len(v) == 3 for v in COLUMNS.values())
    plans = localized(r.plans, "sv", "SEK")
    assert set(plans["Är den valda indelningen"]) <= {"ja", "nej"} and "ja" in set(plans["Är den valda indelningen"])
