"""The core plan files: assignment.csv, lots.csv, plan.json (byte-stable for the same plan).

``lots.csv`` is the machine-readable lot table: one meaning per header (``*_ids`` hold ids
separated by ``;``, ``*_names`` names separated by ``"; "``), the main CPV code and the
distinct additional ones apart, numbers written with ``.`` and without float noise
(money to the cent, chances to six decimals), UTF-8 and comma-separated.  People open
``lots.xlsx``; programs and spreadsheets' text import read this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from lotsplit.export import common as C
from lotsplit.geography import added_links
from lotsplit.plan import LotPlan


def write_plan_files(plan: LotPlan, directory: str | Path) -> list[Path]:
    d = Path(directory)
    written = []
    p = d / "assignment.csv"
    plan.assignment.to_csv(p, index=False, lineterminator="\n")
    written.append(p)
    p = d / "lots.csv"
    neutralise_formulas(lots_csv_table(plan)).to_csv(p, index=False, lineterminator="\n")
    written.append(p)
    p = d / "plan.json"
    data = plan.to_dict()
    if data["outcome"]:
        data["outcome"].pop("seconds", None)   # timing lives in manifest.json, so plan.json is reproducible
    data["added_links"] = added_links(plan.scenario.graph).to_dict(orient="records")
    p.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=_jsonable) + "\n", "utf-8")
    written.append(p)
    return written


def lots_csv_table(plan: LotPlan) -> pd.DataFrame:
    """The rows of ``lots.csv``: one per lot, every number already written as text.

    >>> from lotsplit.synthetic import grid_scenario
    >>> import lotsplit
    >>> t = lots_csv_table(lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1)))
    >>> list(t.columns[:4])
    ['lot_id', 'title', 'area_ids', 'area_names']
    """
    s = plan.scenario
    cur = s.currency
    names = s.areas["name"]
    rows = []
    for lot in plan.lots:
        cpv = C.lot_cpv(plan, lot)
        rows.append({
            "lot_id": lot.id,
            "title": C.lot_title(plan, lot, s.config.language),
            "area_ids": ";".join(lot.areas),
            "area_names": "; ".join(str(names[a]) for a in lot.areas),
            "product_group_ids": ";".join(lot.groups),
            "product_group_names": "; ".join(C.group_names(plan, lot)),
            "main_cpv": cpv[0],
            "additional_cpv": ";".join(cpv[1:]),
            "nuts3": ";".join(C.lot_nuts(plan, lot)),
            "nature": C.lot_nature(plan, lot),
            f"annual_value_{cur}": _fixed(lot.annual_value, 2),
            f"contract_value_{cur}": _fixed(lot.contract_value, 2),
            "n_eligible": str(lot.n_eligible),
            "eligible_supplier_ids": ";".join(lot.eligible),
            "expected_bids": _fixed(lot.expected_bids, 4),
            "no_bid_chance": _fixed(lot.no_bid_chance, 6),
            "local_chance": _fixed(lot.local_chance, 6),
            "sme_chance": _fixed(lot.sme_chance, 6),
            f"competition_value_{cur}": _fixed(lot.competition_value, 2),
            f"admin_cost_{cur}": _fixed(lot.admin_cost, 2),
            f"net_cost_{cur}": _fixed(lot.net_cost, 2),
            "boundary_km": _fixed(lot.boundary_km, 3),
            "small_lot_exemption": "true" if lot.exempt else "false",
        })
    return pd.DataFrame(rows, dtype=object)


def _fixed(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` places, trailing zeros dropped: 0.023999999999999997 -> ``0.024``."""
    s = f"{float(x):.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{float(x):.0f}"
    return "0" if s in ("-0", "") else s


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(df):
    """Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…)
    get a leading apostrophe, so ``lots.csv`` opened in Excel shows names as text.  Only
    for the report table: ``assignment.csv`` keeps ids exact, since it is read back."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype) in ("string", "str"):
            out[c] = out[c].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START)
                                and not _is_number(v) else v)
    return out


def _is_number(v: str) -> bool:
    """A number we wrote (``-402055.4``) is not a formula: only text gets the apostrophe."""
    try:
        float(v)
    except ValueError:
        return False
    return True


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")
