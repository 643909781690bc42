"""The general engine on generated grids: time, status and gap as areas and product groups
grow, and the same table under a CPU hog (the answers must not change with the load).

    python benchmarks/engine.py                      # the scaling table (120 s per instance)
    python benchmarks/engine.py --only 290x12        # one instance
    python benchmarks/engine.py --hog                # every instance twice: idle, then with
                                                     # a busy process per core beside it

Instances: ``synthetic.grid_scenario(rows, cols, groups, suppliers)`` (10 km squares,
national wholesalers and local firms with a radius, bundles of at most two groups,
weighted objective), seed 21; ``AxG`` names the areas and groups.  Each run is a child
process (HiGHS on one thread) with a guard at twice the time limit.  The table prints
status, termination, objective, bound, gap, lots considered, wall and CPU seconds, and
with ``--hog`` whether status, objective and bound are identical across the two loads.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

#: name -> (rows, cols, groups, suppliers)
INSTANCES = {
    "12x4": (3, 4, 4, 20), "12x8": (3, 4, 8, 30), "12x12": (3, 4, 12, 40),
    "40x4": (5, 8, 4, 60), "40x8": (5, 8, 8, 80), "40x12": (5, 8, 12, 100),
    "100x4": (10, 10, 4, 120), "100x8": (10, 10, 8, 160), "100x12": (10, 10, 12, 200),
    "290x4": (10, 29, 4, 300), "290x8": (10, 29, 8, 350), "290x12": (10, 29, 12, 400),
}
SEED = 21


def _solve(name: str, time_limit: float, conn) -> None:
    from lotsplit import optimize
    from lotsplit.synthetic import grid_scenario

    rows, cols, groups, suppliers = INSTANCES[name]
    t0, c0 = time.perf_counter(), time.process_time()
    s = grid_scenario(rows, cols, groups, suppliers, seed=SEED)
    try:
        plan = optimize(s, time_limit=time_limit, threads=1)
        o = plan.outcome
        out = {"status": o.status.value, "termination": o.termination.value, "objective": o.objective,
               "bound": o.bound, "gap": o.gap, "lots": o.columns, "complete": o.complete, "n_lots": len(plan.lots)}
    except Exception as exc:  # noqa: BLE001 - a benchmark records every outcome
        out = {"status": type(exc).__name__, "termination": str(exc)[:80]}
    out["wall"] = time.perf_counter() - t0
    out["cpu"] = time.process_time() - c0
    conn.send(out)


def _busy(stop) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 1103515245 + 12345) % 2 ** 31


def run(name: str, time_limit: float, *, hog: bool) -> dict:
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    hogs = [ctx.Process(target=_busy, args=(stop,), daemon=True) for _ in range(os.cpu_count() or 2)] if hog else []
    for h in hogs:
        h.start()
    parent, child = ctx.Pipe()
    p = ctx.Process(target=_solve, args=(name, time_limit, child))
    p.start()
    p.join(2 * time_limit + 60)
    if p.is_alive():
        p.kill()
        out = {"status": "killed", "wall": 2 * time_limit + 60}
    else:
        out = parent.recv() if parent.poll() else {"status": "crashed"}
    stop.set()
    for h in hogs:
        h.join(5)
    return out


def _num(x, digits=0) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}".replace(",", " ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated instance names (default: all)")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--hog", action="store_true", help="run each instance idle and under a CPU hog")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(INSTANCES)
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores, time limit {args.time_limit:g} s\n")
    head = "| instance | status | termination | objective | bound | gap | lots considered | wall s | CPU s |"
    if args.hog:
        head += " under hog: wall s | same answer |"
    print(head)
    print("|" + "|".join("---" for _ in head.split("|")[1:-1]) + "|")
    for name in names:
        a = run(name, args.time_limit, hog=False)
        gap = "–" if a.get("gap") is None else f"{a['gap']:.2%}"
        row = (f"| {name} | {a['status']} | {a.get('termination', '')} | {_num(a.get('objective'))} | "
               f"{_num(a.get('bound'))} | {gap} | "
               f"{_num(a.get('lots'))}{'' if a.get('complete', True) else ' (generated)'} | {a['wall']:.1f} | "
               f"{a.get('cpu', 0):.1f} |")
        if args.hog:
            b = run(name, args.time_limit, hog=True)
            same = all(a.get(k) == b.get(k) for k in ("status", "objective", "bound", "lots"))
            verdict = "yes" if same else "NO: " + str({k: b.get(k) for k in ("status", "objective", "bound")})
            row += f" {b['wall']:.1f} | {verdict} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
