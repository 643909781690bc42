"""What the command says: options checked like scenario fields (exit 2, the fix named),
--version, --help text kept intact, --json summaries, --exports, warnings printed by every
command and recorded in manifest.json, and messages that keep paths and ranges."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotsplit.cli import app, solver_options
from lotsplit.errors import OptionError, Problem

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


# --------------------------------------------------------------------------- options

@pytest.mark.parametrize("args, expected", [
    (["--mip-gap", "5"], "--mip-gap: Input should be less than 1 (got 5.0). Fix: give a fraction from 0"),
    (["--mip-gap", "-0.1"], "--mip-gap: Input should be greater than or equal to 0 (got -0.1)."),
    (["--time-limit", "-5"], "--time-limit: Input should be greater than 0 (got -5.0). Fix: give a number of "
                             "seconds above 0"),
    (["--time-limit", "0"], "--time-limit: Input should be greater than 0 (got 0.0)."),
    (["--time-limit", "nan"], "--time-limit: must be a finite number (got nan)."),
    (["--time-limit", "inf"], "--time-limit: must be a finite number (got inf)."),
    (["--solver", "gurobi"], "--solver: Input should be 'highs' or 'cbc' (got 'gurobi'). Fix: use --solver highs"),
    (["--threads", "0"], "--threads: Input should be greater than or equal to 1 (got 0)."),
    (["--exports", "xlsx,pdf"], "--exports: unknown export(s) 'pdf'; choose from tables, xlsx, geo, maps"),
])
def test_run_options_are_checked_like_scenario_fields(tiny, tmp_path, args, expected):
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "out", *args)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("1 problem in the command-line options:")
    assert expected in r.stderr
    assert not (tmp_path / "out").exists()


def test_every_invalid_option_is_listed_at_once():
    with pytest.raises(OptionError) as e:
        solver_options(time_limit=-1.0, mip_gap=2.0, solver="gurobi", threads=0)
    assert [p.file for p in e.value.problems] == ["--solver", "--time-limit", "--mip-gap", "--threads"]
    assert e.value.exit_code == 2
    assert solver_options(time_limit=10, mip_gap=0.5, solver="cbc", threads=2) == {
        "time_limit": 10.0, "mip_gap": 0.5, "solver": "cbc", "threads": 2}


def test_frontier_and_sweep_check_their_time_limits(tiny, tmp_path):
    r = invoke("frontier", tiny / "scenario.toml", "--out", tmp_path / "f", "--point-time-limit", "-1")
    assert r.exit_code == 2 and "--time-limit: Input should be greater than 0" in r.stderr
    r = invoke("sweep", tiny / "scenario.toml", "--param", "costs.per_lot=1,2", "--out", tmp_path / "s",
               "--time-limit", "nan")
    assert r.exit_code == 2 and "must be a finite number" in r.stderr


# --------------------------------------------------------------------------- help, version

def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.startswith("lotsplit 0.")


def test_help_keeps_square_brackets_and_states_what_the_time_limit_covers():
    p = subprocess.run([sys.executable, "-m", "lotsplit.cli", "frontier", "--help"], capture_output=True,
                       text=True, timeout=60, env={"COLUMNS": "200", "PATH": ""})
    assert p.returncode == 0, p.stderr
    assert "[[baselines.legacy]]" in p.stdout
    p = subprocess.run([sys.executable, "-m", "lotsplit.cli", "run", "--help"], capture_output=True, text=True,
                       timeout=60, env={"COLUMNS": "200", "PATH": ""})
    text = " ".join(p.stdout.split())
    assert "Seconds for the solve (loading the scenario and writing the files come on top)" in text
    for flag in ("--json", "--quiet", "--verbose", "--progress", "--exports", "--threads"):
        assert flag in p.stdout


def test_help_imports_nothing_heavy():
    code = ("import sys; from lotsplit.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'geopandas', 'highspy', 'matplotlib', 'numpy', 'scipy') "
            "if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip().splitlines()[-1] == "[]"
    p = subprocess.run([sys.executable, "-c", "import sys, lotsplit; print('pandas' in sys.modules, "
                                              "lotsplit.frontier.__module__, callable(lotsplit.optimize))"],
                       capture_output=True, text=True, timeout=120)
    assert p.stdout.split() == ["False", "lotsplit.frontier.search", "True"]


# --------------------------------------------------------------------------- --json, --exports, warnings

def test_run_json_summary_and_warnings_in_every_place(tiny, tmp_path):
    toml = tiny / "scenario.toml"
    # 2 years: the cap of art. 58(3) is 2 × 2 = 4 × the annual value; 4.5 is above it
    toml.write_text(toml.read_text("utf-8").replace("turnover_multiple = 2.0", "turnover_multiple = 4.5"), "utf-8")
    out = tmp_path / "out"
    r = invoke("run", toml, "--out", out, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["command"] == "run" and doc["exit_code"] == 0 and doc["status"] == "optimal"
    assert doc["interrupted"] is False and doc["n_lots"] >= 1 and doc["gap"] is not None
    assert set(doc["seconds"]) == {"load", "solve", "export", "total"}
    assert "manifest.json" in doc["files"] and "annex.pdf" in doc["files"]
    warning = ("scenario.toml: rules.turnover_multiple: a yearly turnover of 4.5 × the lot's annual value is above the "
               "cap of Directive 2014/24/EU art. 58(3)")
    assert [w["severity"] for w in doc["warnings"]] == ["warning"] and doc["warnings"][0]["text"].startswith(warning)
    assert warning in r.stderr                                            # printed by run, not only by check
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert m["warnings"][0]["text"].startswith(warning) and m["interrupted"] is False
    r = invoke("evaluate", toml, out / "assignment.csv")
    assert warning in r.stderr


def test_json_error_summary(tiny, tmp_path):
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "o", "--json", "--mip-gap", "3")
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    assert doc["exit_code"] == 2 and doc["problems"][0]["file"] == "--mip-gap" and "error" in doc


def test_exports_choose_the_files(tiny, tmp_path):
    out = tmp_path / "out"
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--exports", "xlsx,annex")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["annex.html", "annex.pdf", "assignment.csv", "lots.csv",
                                                     "lots.xlsx", "manifest.json", "plan.json"]
    assert "data:image/png;base64," in (out / "annex.html").read_text("utf-8")   # the map, without map.png
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert sorted(f["path"] for f in m["files"]) == ["annex.html", "annex.pdf", "assignment.csv", "lots.csv",
                                                     "lots.xlsx", "plan.json"]


def test_quiet_and_verbose(tiny, tmp_path):
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "a", "-v", "--exports", "tables")
    assert r.exit_code == 0
    for line in ("INFO: Loading the scenario: scenario.toml", "INFO: Solving", "INFO: Writing files: 4 files"):
        assert line in r.stderr
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "b", "-q", "--exports", "tables")
    assert r.exit_code == 0 and r.stderr == ""


# --------------------------------------------------------------------------- messages

def test_problem_text_keeps_ranges_paths_and_ellipses():
    p = Problem("suppliers.csv", "row 3, column lon", "longitude 200 is outside -180..180", "use degrees")
    assert str(p) == "suppliers.csv: row 3, column lon: longitude 200 is outside -180..180. Fix: use degrees."
    p = Problem("scenario.toml", "extends", "cannot read ../base/scenario.toml.", 'write extends = "../b.toml"')
    assert str(p) == 'scenario.toml: extends: cannot read ../base/scenario.toml. Fix: write extends = "../b.toml".'


def test_a_folder_given_as_the_plan_file_is_called_a_folder(tiny, tmp_path):
    r = invoke("evaluate", tiny / "scenario.toml", tmp_path)
    assert r.exit_code == 2
    assert "is a folder, not a plan file" in r.stderr and "assignment.csv" in r.stderr
