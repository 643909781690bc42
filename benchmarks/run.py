"""Benchmark runner: ``python benchmarks/run.py [--only S,M,L,S-cut,county] [--time-limit 60]
[--county ME,NM,...]``.

Each instance is solved in a child process (so a run that ignores its time limit or
runs out of memory is stopped and reported, not left to hang) through the public API
``lotsplit.optimize``; every plan is checked (``plan.violations`` empty; for partition
instances also an independent connectivity / bounds / cut recount).  Partition instances
(S-cut and the 12 US county instances) are also solved by the compact labelling + flow
MIP of ``baseline.py`` in the same run.

Results are merged into ``benchmarks/results.json`` (one entry per instance, the latest
run wins) and the whole table is written to ``benchmarks/results.md`` with the date and
machine.  ``--profile NAME`` instead profiles one instance: time per engine stage
(enumeration, column building, master building, LP, MIP, pricing) and the cProfile top.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import math
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GENERATED = ("S", "M", "L", "S-cut")
DEFAULT_LIMITS = {"S": 60.0, "M": 60.0, "L": 600.0, "S-cut": 60.0}
TARGETS = {"S": "optimal < 5 s", "M": "optimal or gap ≤ 1 % < 60 s", "L": "gap ≤ 5 % < 600 s"}


# --------------------------------------------------------------------------- one instance

def _fmt_status(exc: BaseException) -> str:
    return {"InfeasibleError": "error: reported infeasible", "NoPlanFoundError": "no plan (time limit)"}.get(
        type(exc).__name__, f"error: {type(exc).__name__}")


def run_engine(name: str, time_limit: float) -> dict:
    """Build and solve one instance with lotsplit; runs inside the child process."""
    import lotsplit
    from benchmarks import instances as bi

    row: dict = {"instance": name, "time_limit": time_limit}
    t0 = time.perf_counter()
    inst = None
    if name in GENERATED and name != "S-cut":
        scenario = bi.generated(name)
    else:
        inst = bi.s_cut_instance() if name == "S-cut" else bi.county_instance(name)
        scenario = bi.partition_scenario(inst)
        row.update(k=inst.k, L=inst.L, U=inst.U, published=inst.opt, published_seconds=inst.published_seconds)
    row["build_s"] = time.perf_counter() - t0
    row.update(areas=len(scenario.areas), groups=len(scenario.groups), suppliers=len(scenario.suppliers),
               edges=scenario.graph.number_of_edges())
    t1, c1 = time.perf_counter(), time.process_time()
    try:
        plan = lotsplit.optimize(scenario, time_limit=time_limit, threads=1)
    except lotsplit.LotsplitError as exc:
        row.update(solve_s=time.perf_counter() - t1, cpu_s=time.process_time() - c1, status=_fmt_status(exc),
                   message=str(exc).replace("\n", " "))
        return row
    row["solve_s"] = time.perf_counter() - t1
    row["cpu_s"] = time.process_time() - c1
    o = plan.outcome
    row.update(status=o.status.value, termination=o.termination.value, objective=plan.objective, bound=o.bound, gap=o.gap, columns=o.columns,
               complete=o.complete, message=o.message, n_lots=len(plan.lots),
               violations=list(plan.violations))
    verified = not plan.violations
    if inst is not None:
        chk = bi.check_partition(inst, bi.plan_of(plan))
        row["check"] = chk
        verified = verified and chk["ok"] and math.isclose(chk["cut"], plan.objective, rel_tol=1e-7, abs_tol=1e-6)
        if inst.opt is not None:
            row["matches_published"] = math.isclose(plan.objective, inst.opt, abs_tol=1e-6)
    row["verified"] = verified
    return row


def run_baseline(name: str, time_limit: float) -> dict:
    from benchmarks import instances as bi
    from benchmarks.baseline import solve_compact

    inst = bi.s_cut_instance() if name == "S-cut" else bi.county_instance(name)
    r = solve_compact(inst, time_limit=time_limit)
    out = {"status": r.status, "objective": r.objective, "bound": r.bound, "gap": r.gap, "seconds": r.seconds,
           "cpu_seconds": r.cpu_seconds,
           "build_s": r.build_seconds, "variables": r.variables, "constraints": r.constraints,
           "message": r.message, "time_limit": time_limit}
    if r.plan is not None:
        chk = bi.check_partition(inst, r.plan)
        out["check"] = chk
        out["plan_cut"] = chk["cut"]
    return out


def _child(fn, args, conn):
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # report anything, the parent decides
        # repository-relative paths: results.json is committed
        trace = traceback.format_exc().replace(str(ROOT) + "/", "")
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{trace}"))
    finally:
        conn.close()


def in_child(fn, args, hard_limit: float) -> tuple[str, object, float]:
    """Run fn(*args) in a forked child; stop it after hard_limit seconds."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(fn, args, send))
    t0 = time.perf_counter()
    p.start()
    send.close()
    result = ("killed", f"no answer within {hard_limit:.0f} s: stopped", None)
    if recv.poll(hard_limit):
        try:
            kind, value = recv.recv()
            result = (kind, value, None)
        except EOFError:
            result = ("error", f"child died (exit code {p.exitcode}; out of memory?)", None)
    elapsed = time.perf_counter() - t0
    if p.is_alive():
        p.kill()
    p.join()
    return result[0], result[1], elapsed


def run_instance(name: str, *, time_limit: float, baseline_limit: float | None, slack: float) -> dict:
    hard = time_limit * slack + 120
    load = os.getloadavg()[0]
    kind, value, elapsed = in_child(run_engine, (name, time_limit), hard)
    if kind == "ok":
        row = value
    else:
        row = {"instance": name, "time_limit": time_limit, "status": "killed" if kind == "killed" else "error",
               "solve_s": elapsed, "message": str(value)[:2000]}
    if baseline_limit is not None and (name == "S-cut" or name not in GENERATED):
        kind, value, elapsed = in_child(run_baseline, (name, baseline_limit), baseline_limit * 2 + 60)
        row["baseline"] = value if kind == "ok" else {"status": kind, "message": str(value)[:2000],
                                                      "seconds": elapsed}
    row["date"] = dt.datetime.now().isoformat(timespec="seconds")
    row["load_avg"] = max(load, os.getloadavg()[0])
    return row


# --------------------------------------------------------------------------- table

def machine_info() -> dict:
    from lotsplit.engine.highs import highs_version

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        commit += " (src/ has uncommitted changes)" if dirty else ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "highs": highs_version(),
            "platform": platform.platform(), "commit": commit}


def _num(x, digits=2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, float) and abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.2f} %"


def _ratio(row: dict) -> str:
    """Baseline time / lotsplit time; '≥' when the baseline did not finish (its time is a
    lower bound); '–' when lotsplit did not prove optimality (no fair comparison)."""
    b = row.get("baseline")
    if not b or "seconds" not in b:
        return "–"
    ours = (row.get("build_s") or 0) + (row.get("solve_s") or 0)
    if row.get("status") != "optimal" or ours <= 0:
        return "– (ours not optimal)"
    r = b["seconds"] / ours
    return f"{r:.1f}×" if b.get("status") == "optimal" else f"≥ {r:.1f}×"


def table(rows: list[dict]) -> str:
    head = ["instance", "areas", "groups", "suppliers", "columns", "build s", "solve s", "CPU s", "status",
            "termination", "objective",
            "bound", "gap", "published opt", "verified", "baseline s", "baseline status", "baseline best",
            "baseline bound", "ratio", "load"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        b = r.get("baseline") or {}
        pub = r.get("published")
        pub_s = "–" if pub is None else (f"{pub:g} ✓" if r.get("matches_published") else f"{pub:g} ✗")
        cells = [
            r["instance"], r.get("areas", "–"), r.get("groups", "–"), r.get("suppliers", "–"),
            f"{r['columns']:,}" if r.get("columns") is not None else "–",
            _num(r.get("build_s")), _num(r.get("solve_s")), _num(r.get("cpu_s")), r.get("status", "–"),
            r.get("termination", "–"), _num(r.get("objective")),
            _num(r.get("bound")), _pct(r.get("gap")), pub_s,
            "yes" if r.get("verified") else ("–" if r.get("objective") is None else "NO"),
            _num(b.get("seconds")) if b else "–", b.get("status", "–") if b else "–",
            _num(b.get("plan_cut")) if b else "–", _num(b.get("bound")) if b else "–", _ratio(r), _num(r.get("load_avg"), 1),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def order_key(name: str) -> tuple:
    from benchmarks.instances import county_states

    gen = list(GENERATED)
    if name in gen:
        return (0, gen.index(name))
    with contextlib.suppress(Exception):
        return (1, county_states().index(name))
    return (2, name)


def write_results(rows: dict[str, dict], machine: dict, path_md: Path) -> str:
    ordered = [rows[k] for k in sorted(rows, key=order_key)]
    dates = sorted({r["date"][:10] for r in ordered if r.get("date")})
    commits = sorted({r["machine"]["commit"] for r in ordered if r.get("machine", {}).get("commit")}) or [machine["commit"]]
    notes = []
    for r in ordered:
        if r.get("status") not in ("optimal", "feasible") or r.get("message", "").startswith("child"):
            notes.append(f"- **{r['instance']}**: {r.get('message', '')[:400]}")
    text = "\n".join([
        "# lotsplit benchmark results",
        "",
        f"Run dates: {', '.join(dates)}.  Machine: {machine['nproc']} CPUs ({machine['cpu']}), "
        f"Python {machine['python']}, {machine['highs']}, {machine['platform']}, lotsplit commit(s) {', '.join(commits)}.",
        "",
        "Time limits: per instance in `results.json` (`time_limit`, `baseline.time_limit`).  "
        "`build s` = generating the instance and `build_scenario`; `solve s` = `lotsplit.optimize` "
        "wall time, `CPU s` its process CPU time (1 thread), `termination` what stopped an unproven search.  Baseline = compact labelling + single-commodity-flow MIP (benchmarks/baseline.py, "
        "HiGHS, 1 thread), time = build + solve; `baseline best` = cut of its best plan, recounted.  "
        "Ratio = baseline time / lotsplit time (build + solve).  `load` = 1-minute load average "
        f"of the machine around the run (it has {machine['nproc']} CPUs; above ~1.5 other work "
        "competed for them and the times are inflated).",
        "",
        table(ordered),
        "",
        "Messages of runs without a plan:" if notes else "",
        *notes,
        "",
    ])
    path_md.write_text(text)
    return text


@contextlib.contextmanager
def locked(path: Path):
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def merge_and_write(new_rows: list[dict], results_json: Path, results_md: Path) -> str:
    machine = machine_info()
    import tempfile

    with locked(Path(tempfile.gettempdir()) / "lotsplit-benchmarks.lock"):
        data = json.loads(results_json.read_text()) if results_json.is_file() else {"rows": {}}
        for r in new_rows:
            r["machine"] = machine
            old = data["rows"].get(r["instance"], {})
            if not r.get("baseline") and old.get("baseline"):
                # a run without the baseline keeps the last measured baseline (marked as such)
                r["baseline"] = {**old["baseline"], "from_earlier_run": True}
            data["rows"][r["instance"]] = r
        results_json.write_text(json.dumps(data, indent=1, default=str))
        return write_results(data["rows"], machine, results_md)


# --------------------------------------------------------------------------- profile

STAGES = {
    # (module, attribute): stage name; times are exclusive (a stage's children are not in it)
    ("lotsplit.model.lots", "enumerate_area_sets"): "enumeration",
    ("lotsplit.model.lots", "masks_to_matrix"): "column building",
    ("lotsplit.model.lots", "build_columns"): "column building",
    ("lotsplit.model.master", "build_master"): "master building",
    ("lotsplit.engine.pricing", "generate_columns"): "column generation (pricing)",
    ("lotsplit.engine.explain", "explain_conflict"): "infeasibility explanation",
}


def profile(name: str, time_limit: float, out_dir: Path) -> str:
    """Time per engine stage (exclusive) and the cProfile top for one instance."""
    import cProfile
    import importlib
    import io
    import pstats

    import lotsplit
    from benchmarks import instances as bi

    totals: dict[str, float] = {}
    stack: list[list] = []

    def wrap(fn, stage_of):
        def inner(*a, **kw):
            stage = stage_of(a, kw)
            stack.append([stage, time.perf_counter(), 0.0])
            try:
                return fn(*a, **kw)
            finally:
                st, t0, child = stack.pop()
                dt_ = time.perf_counter() - t0
                totals[st] = totals.get(st, 0.0) + dt_ - child
                if stack:
                    stack[-1][2] += dt_
        return inner

    patched = []
    for (mod, attr), stage in STAGES.items():
        m = importlib.import_module(mod)
        orig = getattr(m, attr)
        setattr(m, attr, wrap(orig, lambda a, kw, s=stage: s))
        patched.append((m, attr, orig))
    for mod in ("lotsplit.engine.exact", "lotsplit.engine.generated"):
        m = importlib.import_module(mod)
        orig = m.solve_highs
        setattr(m, "solve_highs", wrap(orig, lambda a, kw: "HiGHS MIP" if kw.get("integer") else "HiGHS LP"))
        patched.append((m, "solve_highs", orig))

    import lotsplit.engine.optimize as engine_optimize

    pool: dict = {}
    orig_space = engine_optimize.lot_space

    def lot_space_stats(*a, **kw):
        space = orig_space(*a, **kw)
        sizes = space.area_sets.sum(axis=1) if len(space.area_sets) else [0]
        pool.update(area_sets=len(space.area_sets), columns=len(space.columns), complete=space.complete,
                    largest_set=int(max(sizes)), bundles=len(space.bundles))
        return space

    engine_optimize.lot_space = lot_space_stats
    patched.append((engine_optimize, "lot_space", orig_space))

    t0 = time.perf_counter()
    if name in GENERATED and name != "S-cut":
        scenario = bi.generated(name)
    else:
        scenario = bi.partition_scenario(bi.s_cut_instance() if name == "S-cut" else bi.county_instance(name))
    build = time.perf_counter() - t0
    pr = cProfile.Profile()
    t1 = time.perf_counter()
    pr.enable()
    try:
        plan = lotsplit.optimize(scenario, time_limit=time_limit)
        result = f"{plan.outcome.status.value}, objective {plan.objective:g}, bound {plan.outcome.bound}, " \
                 f"{plan.outcome.columns:,} columns, {plan.outcome.message}"
    except lotsplit.LotsplitError as exc:
        result = f"{type(exc).__name__}: {exc}"
    pr.disable()
    wall = time.perf_counter() - t1
    for m, attr, orig in patched:
        setattr(m, attr, orig)
    other = wall - sum(totals.values())
    lines = [f"## Profile of {name} (time limit {time_limit:g} s)", "",
             f"Result: {result}", "",
             f"Candidate pool from lot_space: {pool.get('area_sets', 0):,} area sets (largest "
             f"{pool.get('largest_set', 0)} areas) × {pool.get('bundles', 0)} bundles → "
             f"{pool.get('columns', 0):,} columns; complete enumeration: {pool.get('complete')}.  "
             f"Load average (1 min) at the end of the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.", "",
             f"Scenario build: {build:.2f} s; optimize: {wall:.2f} s "
             "(under cProfile, which slows pure-Python code by roughly 1.5-2×).", "",
             "| stage (exclusive time) | seconds | share |", "|---|---|---|"]
    for st, sec in sorted(totals.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {st} | {sec:.2f} | {100 * sec / wall:.0f} % |")
    lines.append(f"| other (plan evaluation, checks, glue) | {other:.2f} | {100 * other / wall:.0f} % |")
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(20)
    top = buf.getvalue()
    top = top[top.find("   ncalls"):] if "   ncalls" in top else top
    lines += ["", "cProfile, top 20 by own time:", "", "```", top.strip(), "```", ""]
    text = "\n".join(lines)
    out_dir.mkdir(exist_ok=True)
    (out_dir / f"profile-{name}.md").write_text(text)
    return text


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="S,M,S-cut,county",
                    help="comma list of S, M, L, S-cut, county (default: S,M,S-cut,county; L is opt-in)")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per instance for S, M, S-cut (default 60) and counties (default 120)")
    ap.add_argument("--l-time-limit", type=float, default=600.0, help="seconds for L (default 600)")
    ap.add_argument("--baseline-time-limit", type=float, default=120.0, help="seconds for the compact baseline")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--county", default="", help="comma list of states (default: all 12)")
    ap.add_argument("--slack", type=float, default=2.0,
                    help="a child is stopped after slack × time limit + 120 s")
    ap.add_argument("--results", type=Path, default=HERE / "results.json")
    ap.add_argument("--rewrite", action="store_true", help="only rewrite results.md from results.json")
    ap.add_argument("--profile", default="", help="profile these instances (comma list) instead of benchmarking")
    args = ap.parse_args(argv)

    if args.profile:
        for name in args.profile.split(","):
            limit = args.time_limit or (DEFAULT_LIMITS.get(name, 120.0))
            print(profile(name.strip(), limit, HERE / "profiles"), flush=True)
        return 0

    if args.rewrite:
        print(merge_and_write([], args.results, args.results.with_suffix(".md")))
        return 0
    from benchmarks.instances import COUNTY_DIR, county_states

    wanted = [x.strip() for x in args.only.split(",") if x.strip()]
    names: list[tuple[str, float]] = []
    for w in wanted:
        if w in GENERATED:
            limit = args.l_time_limit if w == "L" else (args.time_limit or DEFAULT_LIMITS[w])
            names.append((w, limit))
        elif w == "county":
            if not COUNTY_DIR.is_dir():
                print(f"skipping county instances: {COUNTY_DIR.name} not found beside the repository",
                      file=sys.stderr)
                continue
            states = [s.strip().upper() for s in args.county.split(",") if s.strip()] or county_states()
            unknown = [s for s in states if s not in county_states()]
            if unknown:
                ap.error(f"unknown state(s) {', '.join(unknown)} in --county; known: {', '.join(county_states())}")
            names += [(s, args.time_limit or 120.0) for s in states]
        else:
            ap.error(f"unknown instance set {w!r}")
    rows = []
    for name, limit in names:
        base = None if args.no_baseline else args.baseline_time_limit
        row = run_instance(name, time_limit=limit, baseline_limit=base, slack=args.slack)
        rows.append(row)
        print(table([row]).splitlines()[-1], flush=True)
    md = merge_and_write(rows, args.results, args.results.with_suffix(".md"))
    print()
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
