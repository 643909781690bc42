"""``manifest.json``: what was run, on what, with what, and what came out.

The resolved scenario (``config.model_dump()``, data-file paths relative to the scenario
file), the SHA-256 of every input file, package and solver versions, the command line, the
solve outcome (including its seconds), the scenario's warnings and notes, and every file
written with its SHA-256; the CLI adds ``interrupted`` (Ctrl-C) and ``timings`` (seconds of
load and solve).  ``"lotsplit_manifest"`` marks the folder as lotsplit's, so that
``--overwrite`` may replace it.  This is the one file that changes between identical runs:
it holds the export time and the solve time.  The command line holds no machine path (see
:func:`lotsplit.cli.command_line`).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import sys
from importlib import metadata
from pathlib import Path

from lotsplit.export.common import sha256_file
from lotsplit.export.xlsx import config_dump
from lotsplit.plan import LotPlan

PACKAGES = ("lotsplit", "numpy", "pandas", "scipy", "networkx", "geopandas", "shapely", "pyogrio", "pyproj",
            "pydantic", "highspy", "PuLP", "matplotlib", "XlsxWriter", "fpdf2", "Jinja2")


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        import pyogrio

        out["GDAL"] = pyogrio.__gdal_version_string__
    except Exception:  # pragma: no cover - pyogrio is a dependency
        out["GDAL"] = None
    return out


def inputs(plan: LotPlan) -> list[dict]:
    """Every input file with its SHA-256; paths relative to the scenario file's folder."""
    s = plan.scenario
    files = dict(s.files)
    if s.path is not None:
        files = {"scenario": Path(s.path), **files}
    base = Path(s.path).resolve().parent if s.path is not None else None
    out = []
    for role, f in files.items():
        f = Path(f)
        rel = f.name
        if base is not None:
            try:
                import os

                rel = Path(os.path.relpath(f.resolve(), base)).as_posix()
            except ValueError:
                rel = f.name
        entry = {"role": role, "path": rel}
        if f.is_file():
            entry |= {"sha256": sha256_file(f), "bytes": f.stat().st_size}
        else:
            entry |= {"sha256": None, "bytes": None}
        out.append(entry)
    return out


def notes(plan: LotPlan) -> list[dict]:
    """The scenario's warnings and notes (reprojection, a turnover requirement above the
    legal cap, a group no supplier reaches…), as the commands print them."""
    return [{"severity": p.severity, "text": str(p)} for p in plan.scenario.notes
            if p.severity in ("warning", "note")]


def manifest(plan: LotPlan, written: list[Path], directory: Path, *, command: list[str] | None,
             timestamp: dt.datetime, extra: dict | None = None) -> dict:
    """The manifest as a dict; ``extra`` fields (the CLI's ``interrupted`` flag and stage
    timings) are added at the top level."""
    s = plan.scenario
    o = plan.outcome
    return {
        "lotsplit_manifest": 1,
        "created": timestamp.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "command": list(command) if command is not None else None,
        "scenario": {"name": s.name, "file": Path(s.path).name if s.path else None, "config": config_dump(plan)},
        "inputs": inputs(plan),
        "warnings": notes(plan),
        "versions": versions(),
        "solver": {"name": o.solver, "version": o.version} if o else None,
        "outcome": o.to_dict() if o else None,
        "plan": {"objective": plan.objective, "n_lots": len(plan.lots), "metrics": plan.metrics,
                 "violations": list(plan.violations), "evaluated_only": o is None},
        "files": [{"path": p.relative_to(directory).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size}
                  for p in sorted(written)],
        "platform": {"system": platform.system(), "machine": platform.machine(), "python": sys.version.split()[0]},
        **(extra or {}),
    }


def write_manifest(plan: LotPlan, written: list[Path], directory: str | Path, *, command: list[str] | None,
                   timestamp: dt.datetime, extra: dict | None = None) -> Path:
    d = Path(directory)
    path = d / "manifest.json"
    doc = manifest(plan, written, d, command=command, timestamp=timestamp, extra=extra)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=_jsonable) + "\n", "utf-8")
    return path


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, Path):
        return x.as_posix()
    raise TypeError(f"not JSON serialisable: {type(x)}")
