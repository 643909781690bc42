"""The 12 US county instances through the districting engine (``lotsplit.engine.districting``).

Each state is expressed through the public API (``instances.county_scenario``: one group =
population, exactly k lots, lot value in [L, U], compactness weight 1 per km, every edge
1 km, so the objective is the number of cut edges), checked with ``districting.applies``
and solved by ``districting.solve_partition`` with ``Effort.of(--time-limit, threads=1,
seed=--seed)`` (scenario building included in the times).  Wall time and process CPU time
are both recorded: the machine is shared, CPU time is the fairer measure.  Every plan is verified independently
(``instances.check_partition``: k parts, each connected and within [L, U], the recounted
cut equals the objective) and by ``lotsplit.evaluate`` (no violation, same objective).

The baseline column is the compact labelling + single-commodity-flow MIP of
``baseline.py`` (HiGHS, 1 thread): its numbers are read from ``results.json``, or re-run
with ``--baseline`` (same time limit, in the same child process, after ours).  Ratio =
baseline CPU s / our CPU s where we prove the optimum ("≥" when the baseline stopped at its
limit unproven).  "CPU / published" = our CPU s / the published exact time (Gurobi on 10
cores; below 1 is faster); the last row sums the times and counts the proofs.

    python benchmarks/districting.py                      # all 12 states, 120 s each
    python benchmarks/districting.py --states ME,NM,WV --time-limit 60
    python benchmarks/districting.py --json out.json      # also write the rows

Each state runs in a child process (a fresh interpreter), so one state's memory or a
stuck solver cannot affect the next; it is stopped at ``time limit + 120 s``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def run_state(state: str, time_limit: float, baseline: bool, seed: int = 0) -> dict:
    import numpy as np
    import pandas as pd

    import lotsplit
    from benchmarks import instances as bi
    from lotsplit.engine import districting as D
    from lotsplit.engine.highs import Effort
    from lotsplit.plan import market_of

    t0, c0 = time.perf_counter(), time.process_time()
    effort = Effort.of(time_limit, threads=1, seed=seed)
    inst, scenario = bi.county_scenario(state)
    row = {"state": state, "n": inst.n, "m": inst.m, "k": inst.k, "published": inst.opt,
           "published_seconds": inst.published_seconds, "applies": D.applies(scenario), "time_limit": time_limit}
    if not row["applies"]:
        row.update(status="not applicable", seconds=time.perf_counter() - t0)
        return row
    res = D.solve_partition(scenario, effort=effort)
    row.update(objective=res.objective, bound=res.bound, status=res.status.value, termination=res.termination.value,
               seconds=time.perf_counter() - t0, cpu_seconds=time.process_time() - c0, message=res.message,
               pool=res.stats.get("pool"), stats={k: v for k, v in res.stats.items() if k != "levels"},
               levels=res.stats.get("levels", []))
    verified = None
    if res.area_sets:
        ids = market_of(scenario).area_ids
        plan = {ids[i]: j for j, m in enumerate(res.area_sets) for i in np.flatnonzero(m)}
        check = bi.check_partition(inst, plan)
        group = scenario.groups.index[0]
        assignment = pd.DataFrame([(a, group, f"D{d}") for a, d in plan.items()],
                                  columns=["area_id", "product_group_id", "lot_id"])
        ev = lotsplit.evaluate(scenario, assignment)
        verified = (check["ok"] and abs(check["cut"] - res.objective) < 1e-6 and not ev.violations
                    and abs(ev.objective - res.objective) < 1e-6)
        row["problems"] = check["problems"] + ev.violations
    row["verified"] = verified
    if baseline:
        from benchmarks.baseline import solve_compact

        b = solve_compact(inst, time_limit=time_limit)
        row["baseline"] = {"status": b.status, "objective": b.objective, "bound": b.bound, "seconds": b.seconds,
                           "cpu_seconds": b.cpu_seconds, "time_limit": time_limit}
    return row


def as_result_row(r: dict) -> dict:
    """A row of this script in the format of ``run.py``'s ``results.json`` (the engine
    called directly: scenario building is inside ``solve_s``; ``columns`` = pool size)."""
    import datetime as dt

    from benchmarks import instances as bi

    inst = bi.county_instance(r["state"])
    out = {"instance": r["state"], "time_limit": r.get("time_limit"), "k": inst.k, "L": inst.L, "U": inst.U,
           "published": inst.opt, "published_seconds": inst.published_seconds, "build_s": 0.0,
           "areas": inst.n, "groups": 1, "suppliers": 1, "edges": inst.m, "solve_s": r.get("seconds"),
           "cpu_s": r.get("cpu_seconds"), "status": r.get("status"), "termination": r.get("termination"),
           "objective": r.get("objective"), "bound": r.get("bound"), "columns": r.get("pool"), "complete": False,
           "message": f"districting engine: {r.get('message', '')} (benchmarks/districting.py)",
           "n_lots": inst.k, "violations": r.get("problems", []), "verified": bool(r.get("verified")),
           "date": dt.datetime.now().isoformat(timespec="seconds"), "load_avg": r.get("load")}
    if r.get("objective") is not None and r.get("bound") is not None:
        out["gap"] = abs(r["objective"] - r["bound"]) / max(abs(r["objective"]), 1.0)
    if inst.opt is not None and r.get("objective") is not None:
        out["matches_published"] = abs(r["objective"] - inst.opt) < 1e-6
    if r.get("baseline"):
        out["baseline"] = r["baseline"]
    return out


def _child(state, time_limit, baseline, seed, queue):
    try:
        queue.put(run_state(state, time_limit, baseline, seed))
    except Exception as exc:  # noqa: BLE001 - reported as a row
        queue.put({"state": state, "status": f"error: {type(exc).__name__}: {exc}"})


def run_isolated(state: str, time_limit: float, baseline: bool, seed: int = 0) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(state, time_limit, baseline, seed, queue))
    t0 = time.perf_counter()
    proc.start()
    stop = time_limit * (2 if baseline else 1) + 120
    try:
        row = queue.get(timeout=stop)
    except Exception:  # noqa: BLE001 - queue.Empty
        proc.terminate()
        row = {"state": state, "status": "killed (over the time limit + 120 s)", "seconds": time.perf_counter() - t0}
    proc.join(5)
    return row


def _fmt(x, nd=0):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def _ratio(r: dict, b: dict) -> str:
    """Baseline CPU time / ours when we proved the optimum; '≥' when the baseline stopped
    unproven at its limit (its time is then a lower bound)."""
    ours = r.get("cpu_seconds")
    theirs = b.get("cpu_seconds", b.get("seconds"))
    if r.get("status") != "optimal" or not ours or theirs is None:
        return "–"
    return f"{theirs / ours:.0f}×" if b.get("status") == "optimal" else f"≥ {theirs / ours:.1f}×"


def table(rows: list[dict], results_json: Path) -> str:
    old = {}
    if results_json.exists():
        old = json.loads(results_json.read_text()).get("rows", {})
    lines = ["| state | n | k | published opt | ours | bound | status | termination | pool | wall s | CPU s "
             "| published s (Gurobi, 10 cores) | CPU / published | baseline s | baseline status | ratio (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        b = r.get("baseline") or (old.get(r["state"], {}) or {}).get("baseline") or {}
        lines.append("| " + " | ".join([
            r["state"], _fmt(r.get("n")), _fmt(r.get("k")), _fmt(r.get("published")), _fmt(r.get("objective")),
            _fmt(r.get("bound")), r.get("status", "?") + ("" if r.get("verified") in (True, None) else " (NOT VERIFIED)"),
            r.get("termination", "–"), _fmt(r.get("pool")), _fmt(r.get("seconds"), 1), _fmt(r.get("cpu_seconds"), 1),
            _fmt(r.get("published_seconds"), 2), _vs_published(r), _fmt(b.get("cpu_seconds", b.get("seconds")), 1),
            b.get("status", "–"), _ratio(r, b)]) + " |")
    ours = [r.get("cpu_seconds") or 0.0 for r in rows]
    published = [r.get("published_seconds") or 0.0 for r in rows]
    proven = sum(r.get("status") == "optimal" for r in rows)
    lines.append(f"| total | | | | | | {proven} of {len(rows)} optimal | | | {sum(r.get('seconds') or 0.0 for r in rows):.1f} "
                 f"| {sum(ours):.1f} | {sum(published):.2f} | {sum(ours) / sum(published) if sum(published) else 0:.2f} "
                 "| | | |")
    return "\n".join(lines)


def _vs_published(r: dict) -> str:
    """Our CPU seconds over the published exact time (Gurobi, 10 cores); below 1 is faster."""
    ours, theirs = r.get("cpu_seconds"), r.get("published_seconds")
    if not ours or not theirs:
        return "–"
    return f"{ours / theirs:.2f}" + ("" if r.get("status") == "optimal" else " (not proven)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--states", default="", help="comma-separated states (default: all 12)")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--baseline", action="store_true", help="re-run the compact baseline too")
    ap.add_argument("--json", type=Path, help="write the rows to this file")
    ap.add_argument("--inline", action="store_true", help="run in this process (no child process)")
    ap.add_argument("--seed", type=int, default=0, help="solver seed (the heuristic's random stream)")
    ap.add_argument("--results", action="store_true",
                    help="merge the rows into benchmarks/results.json and rewrite results.md (as run.py does)")
    args = ap.parse_args(argv)
    from benchmarks import instances as bi

    if not bi.COUNTY_DIR.is_dir():
        print(f"skipped: {bi.COUNTY_DIR.relative_to(ROOT.parent)} is absent")
        return 0
    states = [s.strip().upper() for s in args.states.split(",") if s.strip()] or bi.county_states()
    rows = []
    for st in states:
        row = (run_state if args.inline else run_isolated)(st, args.time_limit, args.baseline, args.seed)
        rows.append(row)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        row["load"] = load
        print(f"{st}: {row.get('status')} ({row.get('termination')}) ours={row.get('objective')} "
              f"bound={row.get('bound')} published={row.get('published')} wall {row.get('seconds', 0):.1f} s "
              f"CPU {row.get('cpu_seconds') or 0:.1f} s load={load:.1f} {row.get('message', '')}", flush=True)
    print()
    print(table(rows, ROOT / "benchmarks" / "results.json"))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
    if args.results:
        from benchmarks.run import merge_and_write

        merge_and_write([as_result_row(r) for r in rows if "objective" in r], ROOT / "benchmarks" / "results.json",
                        ROOT / "benchmarks" / "results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
