"""What --out may be and how it is written: only lotsplit's own folders are replaced, never
an input or the working folder; one writer at a time (two processes); writability and
free space before the solve; disk errors in one line; kill -9 leaves no half-written
--out and the next run cleans up after it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotsplit.cli import app
from lotsplit.errors import OutputError, OutputExistsError
from lotsplit.export import atomic, check_output_target, output_directory, reserve_output

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
ROOT = Path(__file__).resolve().parents[1]
LOTSPLIT = [sys.executable, "-m", "lotsplit.cli"]


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def no_solve(monkeypatch):
    """Make any solve fail the test: the checks must come before it."""
    import lotsplit.engine.optimize

    def boom(*a, **k):
        raise AssertionError("the solve started before the output was checked")

    monkeypatch.setattr(lotsplit.engine.optimize, "optimize", boom)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name
                  or p.name.endswith(".lock"))


# --------------------------------------------------------------------------- what --out may be

def test_overwrite_never_deletes_the_scenarios_folder_or_one_above_it(tmp_path, monkeypatch):
    # The case: `lotsplit run w/scenarios/…/scenario.toml --out w --overwrite`.
    w = tmp_path / "w"
    scen = w / "scenarios" / "tiny"
    shutil.copytree(TINY, scen)
    before = sorted(p.name for p in scen.iterdir())
    no_solve(monkeypatch)
    for out in (w, w / "scenarios", scen):
        r = invoke("run", scen / "scenario.toml", "--out", out, "--overwrite")
        assert r.exit_code == 2, r.output
        assert "holds an input of this run" in r.stderr and "scenario.toml" in r.stderr
        assert "Traceback" not in r.output
    assert sorted(p.name for p in scen.iterdir()) == before
    assert leftovers(w) == [] and leftovers(tmp_path) == []


def test_a_data_file_elsewhere_is_protected_too(tiny, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    shutil.move(tiny / "demand.csv", data / "demand.csv")
    toml = tiny / "scenario.toml"
    toml.write_text(toml.read_text("utf-8").replace('file = "demand.csv"', 'file = "../data/demand.csv"'), "utf-8")
    # even a folder that looks like lotsplit's output is not replaced when it holds an input
    (data / "manifest.json").write_text(json.dumps({"lotsplit_manifest": 1, "files": [{"path": "demand.csv"}]}))
    no_solve(monkeypatch)
    r = invoke("run", toml, "--out", data, "--overwrite")
    assert r.exit_code == 2, r.output
    assert "holds an input of this run (" in r.stderr and "demand.csv" in r.stderr
    assert (data / "demand.csv").is_file()


def test_out_dot_and_the_folders_above_are_refused_cleanly(tiny, tmp_path, monkeypatch):
    work = tmp_path / "empty"
    work.mkdir()
    monkeypatch.chdir(work)
    no_solve(monkeypatch)
    for out in (".", "..", str(tmp_path)):
        r = invoke("run", tiny / "scenario.toml", "--out", out)
        assert r.exit_code == 2, r.output
        assert "current folder or a folder above it" in r.stderr
        assert "Traceback" not in r.output
    assert list(work.iterdir()) == [] and leftovers(tmp_path) == []


def test_overwrite_replaces_only_a_folder_lotsplit_wrote(tiny, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "minutes.docx").write_text("board minutes")
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--overwrite")
    assert r.exit_code == 2 and "was not written by lotsplit" in r.stderr
    assert (out / "minutes.docx").read_text() == "board minutes"

    out = tmp_path / "run"
    assert invoke("run", tiny / "scenario.toml", "--out", out, "--exports", "tables").exit_code == 0
    (out / "my-notes.txt").write_text("mine")                      # added by the planner afterwards
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--overwrite", "--exports", "tables")
    assert r.exit_code == 2, r.output
    assert "holds files lotsplit did not write (my-notes.txt)" in r.stderr
    assert (out / "my-notes.txt").read_text() == "mine"
    (out / "my-notes.txt").unlink()
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--overwrite", "--exports", "tables")
    assert r.exit_code == 0, r.output


def test_frontier_like_outputs_get_a_manifest_so_they_can_be_overwritten(tmp_path):
    out = tmp_path / "fr"
    with output_directory(out) as tmp:
        (tmp / "plans" / "p1").mkdir(parents=True)
        (tmp / "plans" / "p1" / "assignment.csv").write_text("area_id,product_group_id,lot_id\n")
        (tmp / "frontier.csv").write_text("x\n")
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert m["lotsplit_manifest"] == 1
    assert [f["path"] for f in m["files"]] == ["frontier.csv", "plans/p1/assignment.csv"]
    assert atomic.foreign_files(out) == []
    with output_directory(out, overwrite=True) as tmp:
        (tmp / "frontier.csv").write_text("y\n")
    assert (out / "frontier.csv").read_text() == "y\n" and not (out / "plans").exists()


def test_a_symbolic_link_or_a_file_as_out_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(OutputExistsError, match="symbolic link"):
        check_output_target(tmp_path / "link")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(OutputExistsError, match="not a folder"):
        check_output_target(tmp_path / "f.txt", overwrite=True)


# --------------------------------------------------------------------------- one writer at a time

HOLDER = textwrap.dedent("""
    import sys, time
    from lotsplit.export import reserve_output
    with reserve_output(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(60)
""")


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tiny, tmp_path, monkeypatch):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdout=subprocess.PIPE, text=True,
                              cwd=tmp_path)
    try:
        assert holder.stdout.readline().strip() == "locked"
        no_solve(monkeypatch)
        r = invoke("run", tiny / "scenario.toml", "--out", out)
        assert r.exit_code == 6, r.output
        assert f"another lotsplit run (process {holder.pid}, since " in r.stderr
        assert "is writing" in r.stderr and "choose another --out" in r.stderr
        with pytest.raises(OutputError):                     # the Python API is refused too
            with output_directory(out):
                pass
    finally:
        holder.kill()                                        # kill -9: the kernel releases the lock
        holder.wait()
    monkeypatch.undo()
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--exports", "tables")
    assert r.exit_code == 0, r.output
    assert leftovers(tmp_path) == []


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    out = tmp_path / "out"
    with reserve_output(out) as r:
        with output_directory(out) as tmp:                   # e.g. Frontier.write under the CLI's lock
            (tmp / "a.txt").write_text("a")
        assert atomic.current_reservation(out) is r
    assert atomic.current_reservation(out) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# --------------------------------------------------------------------------- before the solve

def test_free_space_is_checked_before_solving(tiny, tmp_path, monkeypatch):
    real = shutil.disk_usage

    def tiny_disk(path):
        return real(path)._replace(free=3 * 2**20)

    monkeypatch.setattr(atomic.shutil, "disk_usage", tiny_disk)
    no_solve(monkeypatch)
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "out")
    assert r.exit_code == 6, r.output
    assert "only 3 MB free on its disk, at least 50 MB needed" in r.stderr
    assert not (tmp_path / "out").exists()


def test_an_unwritable_place_is_found_before_solving(tiny, tmp_path, monkeypatch):
    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    no_solve(monkeypatch)
    r = invoke("run", tiny / "scenario.toml", "--out", tmp_path / "out")
    assert r.exit_code == 6, r.output
    assert r.stderr.strip().splitlines() == [
        f"cannot write {(tmp_path / 'out').as_posix()}: permission denied ({tmp_path.name}). "
        "Fix: choose a folder you can write to with --out"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to read-only folders anyway")
def test_a_read_only_folder_is_found_before_solving(tiny, tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        no_solve(monkeypatch)
        r = invoke("run", tiny / "scenario.toml", "--out", ro / "out")
        assert r.exit_code == 6 and "permission denied" in r.stderr
    finally:
        ro.chmod(0o755)


def test_disk_full_while_writing_is_one_line_and_keeps_the_earlier_run(tiny, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert invoke("run", tiny / "scenario.toml", "--out", out, "--exports", "tables").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    from lotsplit.export import writer

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "write_plan_files", full)
    r = invoke("run", tiny / "scenario.toml", "--out", out, "--overwrite")
    assert r.exit_code == 6, r.output
    assert r.stderr.strip().splitlines()[-1] == (f"cannot write {out.as_posix()}: the disk is full. Fix: free some "
                                                 "space or choose another --out")
    assert "Traceback" not in r.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------- killed runs

def test_kill_9_leaves_the_earlier_out_and_the_next_run_cleans_up(tmp_path):
    scen = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"
    out = tmp_path / "out"
    first = subprocess.run([*LOTSPLIT, "run", str(scen), "--out", str(out), "--exports", "tables"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    run = subprocess.Popen([*LOTSPLIT, "run", str(scen), "--out", str(out), "--overwrite"], cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".out.partial-*")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)
    run.wait()
    if run.returncode != -signal.SIGKILL:
        pytest.skip("the run finished before it could be killed (machine too fast for this test)")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before        # never half-written
    stale = list(tmp_path.glob(".out.partial-*"))
    assert stale                                                          # the unfinished folder is left...
    again = subprocess.run([*LOTSPLIT, "run", str(scen), "--out", str(out), "--overwrite", "--exports", "tables"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "removed 1 unfinished folder(s) left beside out by a run that was killed" in again.stderr
    assert leftovers(tmp_path) == []                                      # ...and the next run removes it


def test_a_run_killed_mid_swap_gets_its_earlier_out_back(tmp_path):
    out = tmp_path / "out"
    old = tmp_path / f".out.old-{os.getpid() + 1}"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"lotsplit_manifest": 1, "files": []}))
    (tmp_path / ".out.partial-abc").mkdir()
    with reserve_output(out, overwrite=True):
        assert (out / "manifest.json").is_file()
    assert leftovers(tmp_path) == []


def test_manifest_command_keeps_no_machine_path(tmp_path):
    scen = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"
    out = tmp_path / "out"
    p = subprocess.run([*LOTSPLIT, "run", str(scen), f"--out={out}", "--exports", "tables"], capture_output=True,
                       text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert m["command"] == ["cli.py", "run", "scenarios/malung-salen-winter/scenario.toml", "--out=out", "--exports",
                            "tables"]
    assert str(tmp_path) not in json.dumps(m) and str(ROOT) not in json.dumps(m)


def test_two_lanes_write_the_same_bytes_as_one(tmp_path):
    import datetime as dt

    import lotsplit
    from lotsplit.export import write_all
    from lotsplit.synthetic import grid_scenario

    plan = lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1))
    when = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    files = {}
    for workers in (1, 2):
        d = tmp_path / f"w{workers}"
        d.mkdir()
        files[workers] = {p.name: p.read_bytes() for p in write_all(plan, d, timestamp=when, workers=workers)
                          if p.name != "manifest.json"}
    assert files[1] == files[2] and len(files[1]) >= 14
