"""Scenario variants (``extends``), ``compare``, ``sweep`` and the Executor seam."""

from __future__ import annotations

import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import lotsplit
from lotsplit.cli import app
from lotsplit.errors import ScenarioError
from lotsplit.scenario import load_scenario, read_config
from lotsplit.synthetic import grid_scenario
from lotsplit.batch.variants import InlineExecutor, compare, parse_param, run_many, run_seed, sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "base"
    shutil.copytree(TINY, d)
    return d


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


# --------------------------------------------------------------------------- extends

def test_extends_merges_tables_key_by_key_and_replaces_other_values(tiny):
    v = write(tiny.parent / "variants" / "v.toml", """
extends = "../base/scenario.toml"
name = "tiny variant"
contract_years = 4
[costs]
per_lot = 50000
[rules]
max_lots = 3
never_together = [["dairy", "bread"]]
""")
    base, _ = read_config(tiny / "scenario.toml")
    cfg, _ = read_config(v)
    assert cfg.name == "tiny variant" and cfg.contract_years == 4           # values replace
    assert cfg.costs.per_lot == 50000                                        # the key that was given …
    assert cfg.costs.per_bid == base.costs.per_bid == 1000                   # … and the base's others stay
    assert cfg.costs.retender == base.costs.retender
    assert cfg.rules.max_lots == 3 and cfg.rules.turnover_multiple == base.rules.turnover_multiple
    assert cfg.rules.never_together == (("dairy", "bread"),)
    assert cfg.objective == base.objective and cfg.geography == base.geography   # untouched tables
    assert cfg.extends == "../base/scenario.toml"


def test_extends_lists_replace_and_chains_follow(tiny):
    write(tiny / "a.toml", 'extends = "scenario.toml"\nname = "a"\n[rules]\nmust_together = [["dairy", "bread"]]\n'
                           'max_lots = 4\n')
    write(tiny / "b.toml", 'extends = "a.toml"\nname = "b"\n[rules]\nmust_together = []\n')
    cfg, _ = read_config(tiny / "b.toml")
    assert cfg.name == "b"
    assert cfg.rules.must_together == ()          # a list replaces the base's list (no append)
    assert cfg.rules.max_lots == 4                # from the middle of the chain
    assert cfg.costs.per_lot == 20000             # from the root


def test_extends_data_files_are_relative_to_the_file_that_names_them(tiny):
    vdir = tiny.parent / "variants"
    demand = pd.read_csv(tiny / "demand.csv")
    demand["annual_value"] = demand["annual_value"] * 2
    vdir.mkdir()
    demand.to_csv(vdir / "demand-doubled.csv", index=False)
    v = write(vdir / "doubled.toml", 'extends = "../base/scenario.toml"\nname = "doubled"\n'
                                     '[demand]\nfile = "demand-doubled.csv"\n')
    s0, s1 = load_scenario(tiny / "scenario.toml"), load_scenario(v)
    assert math.isclose(s1.total_annual_value, 2 * s0.total_annual_value)
    assert s1.files["demand"].parent.resolve() == vdir.resolve()          # the variant's own file
    assert s1.files["areas"].parent.resolve() == tiny.resolve()           # the base's, relative to the base
    assert s1.files["suppliers"].parent.resolve() == tiny.resolve()


def test_extends_loop_and_missing_base_are_errors(tiny):
    write(tiny / "x.toml", 'extends = "y.toml"\nname = "x"\n')
    write(tiny / "y.toml", 'extends = "x.toml"\nname = "y"\n')
    with pytest.raises(ScenarioError, match="loop"):
        read_config(tiny / "x.toml")
    write(tiny / "z.toml", 'extends = "nowhere.toml"\nname = "z"\n')
    with pytest.raises(ScenarioError, match="not found"):
        read_config(tiny / "z.toml")


@pytest.mark.parametrize("path", sorted(ROOT.glob("scenarios/*/variants/*.toml")), ids=lambda p: p.stem)
def test_bundled_variants_load_and_change_only_what_they_say(path):
    base = path.parent.parent / "scenario.toml"
    b, _ = read_config(base)
    v, _ = read_config(path)
    assert v.name != b.name                       # every variant names itself
    assert v.areas == b.areas and v.demand == b.demand and v.suppliers == b.suppliers
    assert v.costs == b.costs
    assert v.rules != b.rules


# --------------------------------------------------------------------------- parameters

def test_parse_param_ranges_and_lists():
    assert parse_param("costs.per_lot=10000:50000:5") == ("costs.per_lot", [10000, 20000, 30000, 40000, 50000])
    name, vals = parse_param("rules.turnover_multiple=1:2:3")
    assert name == "rules.turnover_multiple" and vals == [1, 1.5, 2]
    assert parse_param("rules.max_lots=4,6,8") == ("rules.max_lots", [4, 6, 8])
    assert parse_param("rules.small_lots_exemption=true,false")[1] == [True, False]
    assert parse_param("objective.kind=min_cost,weighted")[1] == ["min_cost", "weighted"]
    for bad in ("costs.per_lot", "per_lot=1,2", "costs.nope=1", "budget.x=1", "costs.per_lot=1:2",
                "costs.per_lot=a:b:3"):
        with pytest.raises(ScenarioError):
            parse_param(bad)


def test_sweep_rejects_an_invalid_value_before_solving():
    s = grid_scenario(1, 2, 2, 4, seed=0)
    with pytest.raises(ScenarioError, match="max_lots"):
        sweep(s, {"rules.max_lots": [2, 0]})


# --------------------------------------------------------------------------- sweep and the Executor seam

GRID = {"costs.per_lot": [5000, 40000, 200000], "rules.max_lots": [2, 4]}


@pytest.fixture(scope="module")
def swept():
    s = grid_scenario(1, 3, 2, 5, seed=7)
    return s, sweep(s, GRID, seed=11)


def _comparable(sw) -> pd.DataFrame:
    return sw.table.drop(columns=["seconds", "message"])


def test_sweep_tabulates_every_combination_and_the_plan_changes(swept):
    _, sw = swept
    t = sw.table
    assert len(t) == 6 and list(t["costs.per_lot"]) == [5000, 5000, 40000, 40000, 200000, 200000]
    assert (t["status"] == "optimal").all()
    assert t["seed"].tolist() == [run_seed(11, i) for i in range(6)] and t["seed"].nunique() == 6
    # a cheaper lot never gives fewer lots (same max_lots)
    for m in (2, 4):
        lots = t[t["rules.max_lots"] == m].sort_values("costs.per_lot")["n_lots"].tolist()
        assert lots == sorted(lots, reverse=True)
    assert t["plan_id"].nunique() >= 2
    for m in (2, 4):
        part = t[t["rules.max_lots"] == m].sort_values("costs.per_lot")
        ids = part["plan_id"].tolist()
        assert part["plan_changed"].tolist() == [False] + [a != b for a, b in zip(ids, ids[1:])]
    assert "distinct plan" in sw.describe()


def test_sweep_with_workers_gives_the_same_results_as_inline(swept):
    s, inline = swept
    pooled = sweep(s, GRID, seed=11, workers=2)
    pd.testing.assert_frame_equal(_comparable(inline), _comparable(pooled))
    threaded = sweep(s, GRID, seed=11, executor=ThreadPoolExecutor(2))
    pd.testing.assert_frame_equal(_comparable(inline), _comparable(threaded))


def test_a_run_is_reproducible_from_its_parameters_and_seed(swept):
    s, sw = swept
    r = sw.runs[3]
    again = sweep(s, {k: [v] for k, v in r.params.items()}, seed=11)
    assert again.runs[0].assignment == r.assignment
    assert again.runs[0].metrics == r.metrics


def test_run_many_keeps_the_order_and_accepts_any_executor():
    tasks = list(range(20))
    assert run_many(abs, tasks) == tasks
    assert run_many(abs, tasks, executor=InlineExecutor()) == tasks
    with ThreadPoolExecutor(4) as ex:
        assert run_many(str, tasks, executor=ex) == [str(t) for t in tasks]


def test_sweep_write(swept, tmp_path):
    _, sw = swept
    out = sw.write(tmp_path / "sw")
    t = pd.read_csv(out / "sweep.csv")
    assert len(t) == 6
    for plan in t["plan"]:
        assert (out / plan).is_file()
    x = pd.read_excel(out / "sweep.xlsx", sheet_name=None)
    assert set(x) == {"runs", "plans"} and len(x["runs"]) == 6
    assert (out / "sweep.png").stat().st_size > 10_000


# --------------------------------------------------------------------------- compare

def test_compare_variants_side_by_side(tiny, tmp_path):
    few = write(tiny / "few-lots.toml", 'extends = "scenario.toml"\nname = "tiny: at most 1 lot"\n'
                                        '[rules]\nmax_lots = 1\n')
    none_ = write(tiny / "impossible.toml", 'extends = "scenario.toml"\nname = "tiny: 2 bidders per lot"\n'
                                            '[rules]\nmin_eligible_bidders = 3\n')
    c = compare([tiny / "scenario.toml", few, none_])
    t = c.table
    assert list(t["label"]) == ["tiny", "tiny: at most 1 lot", "tiny: 2 bidders per lot"]
    assert t.loc[1, "n_lots"] == 1 and t.loc[0, "n_lots"] >= 1
    assert t.loc[1, "differs_from_first"] == "rules.max_lots: None → 1"
    assert t.loc[2, "status"] == "infeasible" and t.loc[2, "message"]
    assert c.all_proven             # an infeasible variant is an answer, not a failure
    out = c.write(tmp_path / "cmp")
    assert set(p.name for p in out.iterdir()) == {"compare.csv", "compare.xlsx", "compare.png", "plans",
                                                    "manifest.json"}
    assert sorted(p.name for p in (out / "plans").iterdir()) == ["base", "few-lots"]
    x = pd.read_excel(out / "compare.xlsx", sheet_name=None)
    assert set(x) == {"compare", "lots"} and len(x["compare"]) == 3


def test_compare_and_sweep_speak_the_scenarios_language(tiny, tmp_path):
    """A Danish scenario's comparison and sweep: the summary in Danish, numbers in its format."""
    text = (tiny / "scenario.toml").read_text("utf-8").replace('language = "en"', 'language = "da"')
    (tiny / "scenario.toml").write_text(text, "utf-8")       # (a Swedish tender in Danish: a warning only)
    few = write(tiny / "few-lots.toml", 'extends = "scenario.toml"\nname = "tiny: at most 1 lot"\n'
                                        '[rules]\nmax_lots = 1\n')
    c = compare([tiny / "scenario.toml", few])
    words = c.describe()
    assert words.startswith("Sammenligning (scenarier: 2):") and "delkontrakter, administration" in words
    assert " — afviger: rules.max_lots" in words and "\u00a0%" in words and "local share" not in words
    sw = sweep(lotsplit.load_scenario(tiny / "scenario.toml"), {"costs.per_lot": [10_000, 90_000]})
    words = sw.describe()
    assert words.startswith("Følsomhedsanalyse over costs.per_lot (kørsler: 2") and "lokal andel" in words
    assert "Sweep over" not in words and "chosen for" not in words


def test_cli_compare_and_sweep(tiny, tmp_path):
    v = write(tiny / "v.toml", 'extends = "scenario.toml"\nname = "tiny v"\n[costs]\nper_lot = 90000\n')
    r = CliRunner().invoke(app, ["compare", str(tiny / "scenario.toml"), str(v), "--out", str(tmp_path / "c"),
                                 "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "costs.per_lot: 20000 → 90000" in r.output
    r = CliRunner().invoke(app, ["sweep", str(tiny / "scenario.toml"), "--param", "costs.per_lot=10000:90000:3",
                                 "--out", str(tmp_path / "s"), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(tmp_path / "s" / "sweep.csv")) == 3
    r = CliRunner().invoke(app, ["sweep", str(tiny / "scenario.toml"), "--param", "costs.nope=1",
                                 "--out", str(tmp_path / "s2")])
    assert r.exit_code == 2 and "nope" in r.output


def test_api_is_exported():
    assert lotsplit.compare is compare and lotsplit.sweep is sweep


def test_runs_carry_the_scenario_content_not_client_paths(tiny, tmp_path):
    import pickle

    from lotsplit.batch.variants import RunSpec, content_of, run_spec

    spec = RunSpec(0, "tiny", content_of(tiny / "scenario.toml"), (("costs", "per_lot", 30000),), seed=3)
    blob = pickle.dumps(spec)
    assert str(tmp_path).encode() not in blob and str(ROOT).encode() not in blob
    r = run_spec(pickle.loads(blob))
    assert r.status == "optimal" and r.params == {"costs.per_lot": 30000} and r.seed == 3


def test_the_old_module_name_still_works():
    import lotsplit.variants as old
    from lotsplit.batch import variants as new

    assert old is new and old.sweep is sweep
