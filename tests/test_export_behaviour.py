"""How exports are written: atomically, refusing a non-empty --out, byte-identical for the
same inputs, and the same set of files from ``run``, ``evaluate`` and ``export``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lotsplit
from lotsplit.cli import app
from lotsplit.errors import OutputExistsError
from lotsplit.export import output_directory, write_all
from lotsplit.synthetic import grid_scenario

from test_export_helpers import CORE_FILES, FIXED, HOSTILE

# Files that carry the export time (manifest) beside the solve seconds; everything else
# must be byte-identical for the same plan and date.
TIMESTAMPED = {"manifest.json"}


@pytest.fixture(scope="module")
def plan():
    return lotsplit.optimize(grid_scenario(2, 3, 2, 6, seed=1))


def test_same_plan_same_bytes(plan, tmp_path):
    dirs = {k: tmp_path / k for k in ("a", "b", "c")}
    for d in dirs.values():
        d.mkdir()
    write_all(plan, dirs["a"], timestamp=FIXED)
    # Another time on the same day: only the manifest may differ.
    write_all(plan, dirs["b"], timestamp=FIXED + dt.timedelta(hours=3, seconds=7))
    # Another day: the export date is isolated in the workbook, the annex, the memo and the OCDS release.
    write_all(plan, dirs["c"], timestamp=FIXED + dt.timedelta(days=1))

    def differing(x, y):
        return {p.name for p in dirs[x].iterdir() if p.read_bytes() != (dirs[y] / p.name).read_bytes()}

    assert differing("a", "b") == TIMESTAMPED
    assert differing("a", "c") <= TIMESTAMPED | {"lots.xlsx", "annex.html", "annex.pdf", "memo.html", "memo.pdf",
                                                 "ocds_release_package.json", "eforms_notice.xml"}


def test_interrupted_export_leaves_nothing(plan, tmp_path, monkeypatch):
    from lotsplit.export import maps

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(maps, "plan_figure", boom)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        with output_directory(out) as tmp:
            write_all(plan, tmp)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []          # no partial directory left behind


def test_interrupted_overwrite_keeps_previous_run(plan, tmp_path, monkeypatch):
    out = tmp_path / "out"
    with output_directory(out) as tmp:
        write_all(plan, tmp, timestamp=FIXED)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    from lotsplit.export import annex

    monkeypatch.setattr(annex, "write_annex", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full")))
    with pytest.raises(RuntimeError):
        with output_directory(out, overwrite=True) as tmp:
            write_all(plan, tmp)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_non_empty_out_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(OutputExistsError):
        with output_directory(out):
            pass
    assert (out / "keep.txt").read_text() == "mine"


def test_cli_export_writes_everything_and_refuses_non_empty_out(tmp_path, monkeypatch):
    runner = CliRunner()
    plan_csv = tmp_path / "plan.csv"
    plan_csv.write_text("area_id,product_group_id,lot_id\n" + "".join(
        f"{a},{g},L{g}\n" for a in ("a1", "a2", "b1", "bø") for g in ("dairy", "bread")), "utf-8")
    args = ["export", str(HOSTILE), str(plan_csv), "--out", str(tmp_path / "exp")]
    monkeypatch.setattr(sys, "argv", ["lotsplit", *args])
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "exp").iterdir()} == CORE_FILES
    import json

    m = json.loads((tmp_path / "exp" / "manifest.json").read_text("utf-8"))
    # no machine paths: the temporary folders outside the working folder keep only their name
    assert m["command"] == ["lotsplit", "export", HOSTILE.relative_to(Path.cwd()).as_posix() if HOSTILE.is_relative_to(
        Path.cwd()) else HOSTILE.name, "plan.csv", "--out", "exp"] and m["outcome"] is None
    assert json.loads((tmp_path / "exp" / "plan.json").read_text("utf-8"))["metrics"]["n_lots"] == 2
    r = runner.invoke(app, args)
    assert r.exit_code == 2 and "--overwrite" in r.output


@pytest.mark.slow
def test_cli_run_evaluate_export_write_the_same_set(tmp_path, monkeypatch):
    runner = CliRunner()
    r = runner.invoke(app, ["run", str(HOSTILE), "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "run").iterdir()} == CORE_FILES
    plan_csv = tmp_path / "run" / "assignment.csv"
    r = runner.invoke(app, ["export", str(HOSTILE), str(plan_csv), "--out", str(tmp_path / "exp")])
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "exp").iterdir()} == CORE_FILES
    # The plan is the same, so every file but the solver-dependent ones is identical.
    same = {"lots.gpkg", "lots.geojson", "map.png", "map.svg", "map.pdf", "map.html", "eforms_notice.xml",
            "assignment.csv", "lots.csv"}
    for name in same:
        assert (tmp_path / "run" / name).read_bytes() == (tmp_path / "exp" / name).read_bytes(), name
    r = runner.invoke(app, ["export", str(HOSTILE), str(plan_csv), "--out", str(tmp_path / "exp")])
    assert r.exit_code == 2 and "--overwrite" in r.output
    args = ["evaluate", str(HOSTILE), str(plan_csv), "--out", str(tmp_path / "exp"), "--overwrite"]
    monkeypatch.setattr(sys, "argv", ["lotsplit", *args])
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "exp").iterdir()} == CORE_FILES
    import json

    m = json.loads((tmp_path / "exp" / "manifest.json").read_text("utf-8"))
    # no machine paths: the temporary folders outside the working folder keep only their name
    assert m["command"] == ["lotsplit", "evaluate", HOSTILE.relative_to(Path.cwd()).as_posix()
                            if HOSTILE.is_relative_to(Path.cwd()) else HOSTILE.name, "assignment.csv", "--out", "exp",
                            "--overwrite"] and m["outcome"] is None
