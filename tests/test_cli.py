"""The command line: exit codes and what is printed (check, run, evaluate)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from lotsplit.cli import app

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def break_three_ways(d: Path) -> list[str]:
    replace(d / "demand.csv", "104,bread,250000", "105,bread,250000")
    replace(d / "suppliers.csv", ",dairy;bread,", ",dairy;fish,")
    replace(d / "scenario.toml", "per_bid = 1000", "per_bids = 1000")
    return ["demand.csv: row 9, column area_id: area '105' is not in the areas file",
            "suppliers.csv: row 2, column groups: product group 'fish' is not defined",
            "scenario.toml: costs.per_bids: unknown field"]


# --------------------------------------------------------------------------- check

def test_check_valid_exits_0_with_a_summary(tiny):
    r = invoke("check", tiny / "scenario.toml")
    assert r.exit_code == 0, r.output
    assert "Scenario: tiny" in r.stdout
    assert "Areas: 4  (CRS EPSG:3006)" in r.stdout
    assert "4 neighbour pairs, 1 connected component" in r.stdout
    assert "2,170,000 SEK/yr" in r.stdout
    assert "OK: the scenario is valid." in r.stdout
    assert r.stderr == ""


def test_check_invalid_exits_2_listing_every_problem(tiny):
    expected = break_three_ways(tiny)
    r = invoke("check", tiny / "scenario.toml")
    assert r.exit_code == 2
    assert r.stderr.startswith("3 problems in the scenario:")
    for e in expected:
        assert e in r.stderr
    assert "OK" not in r.stdout
    assert "Traceback" not in r.output


def test_check_missing_scenario_exits_2(tmp_path):
    r = invoke("check", tmp_path / "none.toml")
    assert r.exit_code == 2
    assert "scenario file not found" in r.stderr


def test_python_dash_m_entry_point(tiny):
    expected = break_three_ways(tiny)
    p = subprocess.run([sys.executable, "-m", "lotsplit.cli", "check", str(tiny / "scenario.toml")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    for e in expected:
        assert e in p.stderr


# --------------------------------------------------------------------------- run

def test_run_infeasible_exits_3_naming_the_uncovered_cells(tiny, tmp_path):
    # Only the dairy of Söderby (104, reaching 102 too) offers dairy: Norrby and Västerby
    # have dairy demand that no supplier reaches.
    replace(tiny / "suppliers.csv", ",dairy;bread,", ",bread,")
    out = tmp_path / "out"
    r = invoke("run", tiny / "scenario.toml", "--out", out)
    assert r.exit_code == 3, r.output
    assert "Norrby × Dairy: no supplier of Dairy reaches Norrby" in r.stderr
    assert "Västerby × Dairy: no supplier of Dairy reaches Västerby" in r.stderr
    assert "Österby × Dairy" not in r.stderr
    assert not out.exists()


def test_run_refuses_a_non_empty_out_and_overwrites_only_its_own(tiny, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.txt").write_text("keep me", "utf-8")
    r = invoke("run", tiny / "scenario.toml", "--out", out)
    assert r.exit_code == 2, r.output
    assert "not empty" in r.stderr and "--overwrite" in r.stderr
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--overwrite")   # not lotsplit's folder
    assert r.exit_code == 2, r.output
    assert "was not written by lotsplit" in r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]
    assert (out / "earlier.txt").read_text("utf-8") == "keep me"

    (out / "earlier.txt").unlink()
    r = invoke("run", tiny / "scenario.toml", "--out", out)                  # empty: fine
    assert r.exit_code == 0, r.output
    first = out.stat().st_ino
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--overwrite")   # lotsplit's own: replaced
    assert r.exit_code == 0, r.output
    assert "Optimal plan (proven)" in r.stdout
    assert out.stat().st_ino != first                                     # a new folder swapped in
    assignment = pd.read_csv(out / "assignment.csv", dtype=str)
    assert len(assignment) == 8                                           # every area × group cell once
    assert not assignment.duplicated(["area_id", "product_group_id"]).any()
    assert (out / "lots.csv").is_file() and (out / "plan.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny"]  # no partial folder, no lock left


# --------------------------------------------------------------------------- evaluate

def disconnected_plan(tmp_path: Path) -> Path:
    """A plan of the tiny scenario whose two lots are not connected: D1 = Norrby + Söderby
    (diagonal, only a corner in common), D2 = Österby + Västerby."""
    rows = [(a, g, "D1" if a in ("101", "104") else "D2") for a in ("101", "102", "103", "104")
            for g in ("dairy", "bread")]
    plan = tmp_path / "plan.csv"
    pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]).to_csv(plan, index=False)
    return plan


def test_evaluate_a_disconnected_lot_prints_the_violation_and_exits_0(tiny, tmp_path):
    r = invoke("evaluate", tiny / "scenario.toml", disconnected_plan(tmp_path))
    assert r.exit_code == 0, r.output
    assert "Rule violations:" in r.stdout
    assert "lot D1: its areas are not connected (Norrby, Söderby)" in r.stdout
    assert "lot D2: its areas are not connected (Österby, Västerby)" in r.stdout


def test_evaluate_a_connected_plan_has_no_violations(tiny, tmp_path):
    rows = [(a, g, "N" if a in ("101", "102") else "S") for a in ("101", "102", "103", "104")
            for g in ("dairy", "bread")]
    plan = tmp_path / "plan.csv"
    pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]).to_csv(plan, index=False)
    r = invoke("evaluate", tiny / "scenario.toml", plan)
    assert r.exit_code == 0, r.output
    assert "lots: 2" in r.stdout
    assert "Rule violations" not in r.stdout


def test_evaluate_a_missing_plan_file_exits_2(tiny, tmp_path):
    r = invoke("evaluate", tiny / "scenario.toml", tmp_path / "nope.csv")
    assert r.exit_code == 2
    assert "plan file not found" in r.stderr


@pytest.mark.parametrize("lang, words, english", [
    ("sv", ["Optimal indelning (bevisad)", "administrativ kostnad", "möjliga anbudsgivare", "förfarande: ", "/år"],
     ["Optimal plan", "admin cost", "eligible", "expected bids", "/yr"]),
    ("da", ["Optimal opdeling (bevist)", "administrative omkostninger", "mulige tilbudsgivere", "udbudsform: ", "/år"],
     ["Optimal plan", "admin cost", "eligible", "expected bids", "/yr"])])
def test_the_plan_summary_speaks_the_scenarios_language(tiny, tmp_path, lang, words, english):
    """``run`` and ``evaluate`` print the plan in the scenario's language, numbers in its
    format; a rule broken is worded in it too."""
    replace(tiny / "scenario.toml", 'language = "en"', f'language = "{lang}"')
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    for w in words:
        assert w in r.stdout, (w, r.stdout)
    for w in english:
        assert w not in r.stdout, (w, r.stdout)
    assert "Skrev " in r.stdout and "Wrote" not in r.stdout
    r = invoke("evaluate", tiny / "scenario.toml", disconnected_plan(tmp_path))
    assert r.exit_code == 0, r.output
    assert {"sv": "Regelbrott:", "da": "Regelbrud:"}[lang] in r.stdout
    assert "Rule violations" not in r.stdout and "are not connected" not in r.stdout
    r = invoke("export", tiny / "scenario.toml", disconnected_plan(tmp_path), "--out", tmp_path / "exported")
    assert r.exit_code == 0, r.output
    assert {"sv": "(2 delkontrakt, avviker från 2 villkor)", "da": "(2 delkontrakter, bryder 2 regler)"}[lang] in r.stdout
    assert (tmp_path / "exported" / "lots.xlsx").exists()        # the workbook lists the broken rules


def test_check_summarises_the_scenario_in_its_language(tiny):
    """``check`` describes the scenario in its language, counts in singular or plural."""
    replace(tiny / "scenario.toml", 'language = "en"', 'language = "sv"')
    r = invoke("check", tiny / "scenario.toml")
    assert r.exit_code == 0, r.output
    for w in ("Områden: 4", "grannskap: 4 grannpar, 1 sammanhängande del\n", "Varugrupper: ", "/år",
              "Leverantörer: 3 (2 lokala, 2 små och medelstora företag)", "EU:s tröskelvärde (varor)"):
        assert w in r.stdout, (w, r.stdout)
    for w in ("neighbour", "supplier(s)", "/yr", "threshold", "the scenario is valid"):
        assert w not in r.stdout, (w, r.stdout)
    assert r.stdout.rstrip().endswith("OK: scenariot är giltigt.")
