"""The core plan files: assignment.csv, lots.csv, plan.json (byte-stable for the same plan)."""

from __future__ import annotations

import json
from pathlib import Path

from lotsplit.geography import added_links
from lotsplit.plan import LotPlan


def write_plan_files(plan: LotPlan, directory: str | Path) -> list[Path]:
    d = Path(directory)
    written = []
    p = d / "assignment.csv"
    plan.assignment.to_csv(p, index=False, lineterminator="\n")
    written.append(p)
    p = d / "lots.csv"
    neutralise_formulas(plan.lots_table()).to_csv(p, index=False, lineterminator="\n")
    written.append(p)
    p = d / "plan.json"
    data = plan.to_dict()
    if data["outcome"]:
        data["outcome"].pop("seconds", None)   # timing lives in manifest.json, so plan.json is reproducible
    data["added_links"] = added_links(plan.scenario.graph).to_dict(orient="records")
    p.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=_jsonable) + "\n", "utf-8")
    written.append(p)
    return written


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df):
    """Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…)
    get a leading apostrophe, so ``lots.csv`` opened in Excel shows names as text.  Only
    for the report table: ``assignment.csv`` keeps ids exact, since it is read back."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype) in ("string", "str"):
            out[c] = out[c].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")
