"""Frontier benchmark: ``python benchmarks/frontier.py [--only malung,dalarna,S] [--points 20]``.

Computes ``lotsplit.frontier`` for the bundled scenarios and the generated S instance
(``instances.generated("S")``; goal: 20 points in under 30 s) and prints one row per
instance: points shown, non-dominated plans found, whether the frontier is exact, how
many points are proven, the largest gap, seconds and MIP solves.  Each instance runs in a
child process, stopped at its time limit + 120 s (reported as ``killed``).  Timings depend
on the machine's load: the 1-minute load average before each run is printed.

Default time limits (``--time-limit`` overrides them): none for Malung-Sälen and S (they
finish on their own), 120 s for Dalarna and the 28 × 4 grid (the targets of issue 12:
exact, or every point proven or its gap stated, within the limit).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

INSTANCES = {
    "malung": ("scenarios/malung-salen-winter/scenario.toml", None),
    "dalarna": ("scenarios/dalarna-food/scenario.toml", 120.0),
    "S": ("S", None),
    "28x4": ("28x4", 120.0),
}
GRIDS = {"28x4": (4, 7, 4, 40)}
"""Generated grids (``synthetic.grid_scenario(rows, cols, groups, suppliers, seed=21)``):
28 areas × 4 groups is the size of a Danish municipality's parishes."""
KILL_AFTER = 120.0
"""Seconds past the time limit (or past 600 s without one) before a run is stopped."""


def run_one(name: str, points: int, time_limit: float | None, queue) -> None:
    """Compute one frontier (in a child process) and put a result row on ``queue``."""
    import lotsplit

    source, _ = INSTANCES[name]
    try:
        if source in ("S", "M", "L"):
            from benchmarks.instances import generated

            scenario = generated(source)
        elif source in GRIDS:
            from lotsplit.synthetic import grid_scenario

            scenario = grid_scenario(*GRIDS[source], seed=21)
        else:
            scenario = lotsplit.load_scenario(ROOT / source)
        t0 = time.perf_counter()
        f = lotsplit.frontier(scenario, points=points, time_limit=time_limit, baselines=False)
        seconds = time.perf_counter() - t0
        gaps = [p.gap for p in f.points if p.gap is not None]
        queue.put({"instance": name, "scenario": scenario.name, "points": len(f.points), "found": f.found,
                   "exact": "yes" if f.exact else "no", "sampled": "yes" if f.sampled else "no",
                   "proven": sum(p.status.value == "optimal" for p in f.points),
                   "max_gap": max(gaps) if gaps else None,
                   "unknown_gap": sum(p.gap is None for p in f.points), "seconds": seconds, "mips": f.mips,
                   "columns": f.columns, "time_limit": time_limit})
    except Exception as exc:  # noqa: BLE001 - reported in the table
        queue.put({"instance": name, "error": f"{type(exc).__name__}: {exc}"})


def run(name: str, points: int, time_limit: float | None) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    load = os.getloadavg()[0]
    proc = ctx.Process(target=run_one, args=(name, points, time_limit, queue))
    t0 = time.perf_counter()
    proc.start()
    proc.join((time_limit or 600.0) + KILL_AFTER)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return {"instance": name, "error": f"killed after {time.perf_counter() - t0:.0f} s", "load": load}
    row = queue.get() if not queue.empty() else {"instance": name, "error": f"exit code {proc.exitcode}"}
    row["load"] = load
    return row


COLUMNS = ["instance", "candidate lots", "points", "non-dominated found", "exact?", "proven points", "max gap",
           "seconds", "MIP solves", "time limit", "load"]


def table(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        if "error" in r:
            cells = [r["instance"], r["error"]] + [""] * (len(COLUMNS) - 3) + [f"{r['load']:.1f}"]
        else:
            gap = "–" if r["max_gap"] is None else f"{r['max_gap']:.1%}"
            if r["unknown_gap"]:
                gap += f" ({r['unknown_gap']} unknown)"
            exact = r["exact"] + (" (sampled for display)" if r["exact"] == "yes" and r["sampled"] == "yes" else "")
            cells = [r["instance"], f"{r['columns']:,}", r["points"], r["found"], exact,
                     f"{r['proven']} of {r['points']}", gap, f"{r['seconds']:.1f}", r["mips"],
                     "none" if r["time_limit"] is None else f"{r['time_limit']:.0f} s", f"{r['load']:.1f}"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(INSTANCES), help=f"comma-separated: {', '.join(INSTANCES)}")
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per frontier (overrides the defaults)")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in INSTANCES]
    if unknown:
        ap.error(f"unknown instance(s) {unknown}; choose from {', '.join(INSTANCES)}")
    import highspy

    h = highspy.Highs()
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"HiGHS {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}, --points {args.points}\n")
    rows = []
    for name in names:
        limit = args.time_limit if args.time_limit is not None else INSTANCES[name][1]
        rows.append(run(name, args.points, limit))
        print(f"  {name}: done ({rows[-1].get('seconds', 0):.1f} s)", file=sys.stderr, flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
