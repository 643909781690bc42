"""The national example as a benchmark: 290 municipal food scenarios in one batch.

Generates the scenarios (``scripts/make_national.py``) into a temporary folder, runs
``lotsplit batch`` on them as a whole process with each executor, and prints a table:
wall time of the command, the median and the slowest run's own seconds (from
``batch.csv``), the CPU seconds of the command and its workers, the statuses, and the load average before and after (the development
machine is shared).  The results of every executor are compared: the batch tables must
be identical apart from the seconds.

    python benchmarks/national.py                       # inline, processes:2, dask-local:2
    python benchmarks/national.py --executors inline,processes:2 --codes 20   # Dalarna only
    python benchmarks/national.py --samples 20          # Monte Carlo too (20 per scenario)
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def main(argv=None) -> int:
    import make_national

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--executors", default="inline,processes:2,dask-local:2")
    ap.add_argument("--codes", default="", help="only these municipality or county codes (default: all 290)")
    ap.add_argument("--samples", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="keep the batches here (default: a temporary folder)")
    a = ap.parse_args(argv)
    work = a.keep or Path(tempfile.mkdtemp(prefix="lotsplit-national-"))
    scen = work / "scenarios"
    written = make_national.generate(scen, codes=[c for c in a.codes.split(",") if c] or None)
    exe = Path(sys.executable).with_name("lotsplit")
    rows, tables = [], {}
    for spec in a.executors.split(","):
        out = work / ("batch-" + spec.replace(":", "-").replace("/", ""))
        cmd = [str(exe), "batch", str(scen / "batch.csv"), "--out", str(out), "--executor", spec, "-q", "--overwrite"]
        if a.samples:
            cmd += ["--samples", str(a.samples), "--propensity-sd", "0.1", "--demand-pct", "15", "--seed", "1"]
        load0 = os.getloadavg()[0]
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        cpu = _children_cpu() - cpu0
        load1 = os.getloadavg()[0]
        t = pd.read_csv(out / "batch.csv")
        tables[spec] = t.drop(columns=["seconds"])
        rows.append({"executor": spec, "runs": len(t), "exit": proc.returncode, "wall s": round(wall, 1),
                     "median run s": round(float(t["seconds"].median()), 2),
                     "max run s": round(float(t["seconds"].max()), 2),
                     "sum of runs s": round(float(t["seconds"].sum()), 1), "CPU s": round(cpu, 1),
                     "statuses": ", ".join(f"{k} {v}" for k, v in t["status"].value_counts().items()),
                     "load before/after": f"{load0:.1f} / {load1:.1f}"})
        print(rows[-1], flush=True)
    first = next(iter(tables.values()))
    same = all(first.equals(t) for t in tables.values())
    print()
    print(f"{len(written)} scenarios, areas per scenario from the municipality and its neighbours; "
          f"{os.cpu_count()} cores; identical results across executors: {'yes' if same else 'NO'}")
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return 0 if same else 1


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes and theirs: the work
    the command did, which the load of a shared machine does not stretch as it does the
    wall time."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


if __name__ == "__main__":
    sys.exit(main())
