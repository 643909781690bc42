"""Whole-process timings of the ``lotsplit`` command, as a user sees them.

Each command runs ``--repeat`` times as a fresh process (import, load, solve, exports,
exit), and the table gives min / median / max wall seconds, with the load average before
and after (the machine is shared: quote medians and the load).  For ``run`` the stage
seconds come from ``--json`` (load, solve, export), so the time limit can be compared
with the solve and with the whole process.

    python benchmarks/commands.py                         # --help, check, run on Malung-Sälen
    python benchmarks/commands.py --dalarna               # + run on Dalarna (minutes)
    python benchmarks/commands.py --repeat 7 --time-limit 10

``run`` is timed three ways: as shipped (two export processes only when a core is free),
and with ``LOTSPLIT_EXPORT_WORKERS=1`` / ``=2`` (always one / always two).

Targets (issue 16): ``lotsplit --help`` < 0.5 s; ``run`` on Malung-Sälen < 3 s and on
Dalarna < solve + 5 s on an idle 2-core machine; the solve within 10 % + 2 s of
``--time-limit``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOTSPLIT = [sys.executable, "-m", "lotsplit.cli"]
MALUNG = "scenarios/malung-salen-winter/scenario.toml"
DALARNA = "scenarios/dalarna-food/scenario.toml"


def timed(args: list[str], out: Path | None, env: dict | None = None) -> tuple[float, dict | None, int]:
    if out is not None and out.exists():
        shutil.rmtree(out)
    t = time.perf_counter()
    p = subprocess.run([*LOTSPLIT, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    doc = None
    if "--json" in args:
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            pass
    return wall, doc, p.returncode


def row(name: str, args: list[str], repeat: int, out: Path | None, limit: float | None = None,
        env: dict | None = None) -> dict:
    load0 = os.getloadavg()[0]
    walls, stages, codes = [], [], set()
    for _ in range(repeat):
        wall, doc, code = timed(args, out, env)
        walls.append(wall)
        codes.add(code)
        if doc:
            stages.append(doc.get("seconds", {}))
    med = {k: statistics.median(s[k] for s in stages if k in s) for k in ("load", "solve", "export")
           if stages and all(k in s for s in stages)}
    return {"command": name, "n": repeat, "min": min(walls), "median": statistics.median(walls), "max": max(walls),
            "stages": med, "exit": sorted(codes), "limit": limit, "load": (load0, os.getloadavg()[0])}


def table(rows: list[dict]) -> str:
    lines = ["| command | n | min s | median s | max s | median load / solve / export s | time limit | exit | "
             "load avg (before → after) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        st = r["stages"]
        stages = " / ".join(f"{st[k]:.2f}" for k in ("load", "solve", "export") if k in st) or "–"
        limit = "–" if r["limit"] is None else f"{r['limit']:g} s"
        lines.append(f"| `{r['command']}` | {r['n']} | {r['min']:.2f} | {r['median']:.2f} | {r['max']:.2f} | {stages} "
                     f"| {limit} | {','.join(map(str, r['exit']))} | {r['load'][0]:.2f} → {r['load'][1]:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    ap.add_argument("--dalarna", action="store_true", help="also run Dalarna (a solve of up to its time limit)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="--time-limit for the Dalarna run (default 10)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lotsplit-bench-"))
    out = tmp / "out"
    rows = [
        row("lotsplit --help", ["--help"], a.repeat, None),
        row("lotsplit check malung-salen", ["check", MALUNG], a.repeat, None),
        row("lotsplit run malung-salen", ["run", MALUNG, "--out", str(out), "--json"], a.repeat, out),
        row("lotsplit run malung-salen (exports in one process)", ["run", MALUNG, "--out", str(out), "--json"],
            a.repeat, out, env={"LOTSPLIT_EXPORT_WORKERS": "1"}),
        row("lotsplit run malung-salen (exports in two processes)", ["run", MALUNG, "--out", str(out), "--json"],
            a.repeat, out, env={"LOTSPLIT_EXPORT_WORKERS": "2"}),
        row("lotsplit run malung-salen --exports tables", ["run", MALUNG, "--out", str(out), "--json", "--exports",
                                                           "tables"], a.repeat, out),
    ]
    if a.dalarna:
        rows.append(row(f"lotsplit run dalarna --time-limit {a.time_limit:g}",
                        ["run", DALARNA, "--out", str(out), "--json", "--time-limit", str(a.time_limit)],
                        max(1, a.repeat // 2), out, limit=a.time_limit))
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(table(rows))


if __name__ == "__main__":
    main()
