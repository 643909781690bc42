"""The combined tables and charts of a batch: one row per run, one per scenario (with the
uncertainty of its chosen plan), one per plan found, and the failures.

Everything here works on the runs' results (:class:`~lotsplit.batch.tasks.TaskResult`),
never on the scenarios, so the report of a batch of thousands of runs needs no scenario
in memory.  Which plan is *robust* (:func:`robust_choice`): among the candidate plans (each
plan that was optimal in some sample, and the chosen one), those that break a rule in the
fewest samples; of these, the one with the best **expected** objective over the samples
(``criterion = "expected"``, the default) or the best objective in its **worst** sample
(``"worst"``).

>>> import pandas as pd
>>> rows = pd.DataFrame({"plan_key": ["a", "a", "b", "b"], "run": [1, 2, 1, 2],
...                      "objective": [10.0, 30.0, 18.0, 19.0], "violations": [0, 0, 0, 0]})
>>> robust_choice(rows, "min_cost"), robust_choice(rows, "min_cost", criterion="worst")
('a', 'b')
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from lotsplit.batch import texts as T
from lotsplit.batch.tasks import FIGURES, TaskResult, minimised

RUN_COLUMNS = ["item", "label", "scenario", "run", "kind", "seed", "status", "gap", "objective", "plan_id",
               "plan_key", *FIGURES[:-1], "no_bid_any", "no_bid_max", "lots_without_bid", "violations"]
CHOSEN = ["local_share", "sme_share", "admin_cost", "net_cost", "lots_at_risk", "no_bid_any", "no_bid_max",
          "lots_without_bid", "objective", "violations"]


def robust_choice(rows: pd.DataFrame, kind: str, *, criterion: str = "expected") -> str | None:
    """The robust plan's key from ``rows`` (``plan_key, run, objective, violations``: each
    candidate under each sample); see the module doc."""
    if rows is None or rows.empty:
        return None
    df = rows.assign(cost=[minimised(kind, float(x)) for x in rows["objective"]],
                     broken=(rows["violations"] > 0).astype(int))
    per = df.groupby("plan_key").agg(broken=("broken", "sum"), mean=("cost", "mean"), worst=("cost", "max"))
    per = per[per["broken"] == per["broken"].min()]
    col = "worst" if criterion == "worst" else "mean"
    per = per.sort_values([col, "mean"], kind="stable")
    return str(per.index[0])


def plan_ids(results: list[TaskResult]) -> dict[tuple[int, str], str]:
    """``(item, plan_key) -> "P01"``: per scenario, plans numbered by how often they are
    optimal (most often first), then by the first run that found them; the same on every
    executor."""
    out: dict[tuple[int, str], str] = {}
    by_item: dict[int, list[TaskResult]] = {}
    for r in results:
        if r.kind != "robust" and r.plan_key:
            by_item.setdefault(r.item, []).append(r)
    for item, rs in by_item.items():
        count = Counter(r.plan_key for r in rs)
        first = {}
        for r in sorted(rs, key=lambda r: r.run):
            first.setdefault(r.plan_key, r.run)
        for n, key in enumerate(sorted(count, key=lambda k: (-count[k], first[k])), 1):
            out[(item, key)] = f"P{n:02d}"
    return out


def runs_table(results: list[TaskResult], ids: dict) -> pd.DataFrame:
    """One row per run (base and samples), in item and run order."""
    rows = []
    for r in sorted((r for r in results if r.kind != "robust"), key=lambda r: (r.item, r.run)):
        m = r.metrics
        row = {"item": r.item_key, "label": r.label, "scenario": r.scenario, "run": r.run, "kind": r.kind,
               "seed": r.seed, "status": r.status, "gap": r.gap, "objective": r.objective,
               "plan_id": ids.get((r.item, r.plan_key), ""), "plan_key": r.plan_key,
               **{k: m.get(k) for k in RUN_COLUMNS[11:]}, **{f"param:{k}": v for k, v in r.params.items()}}
        for k in CHOSEN:
            row[f"chosen_{k}"] = r.chosen.get(k) if r.chosen else None
        for b in ("single_lot", "per_group"):
            for k in ("local_share", "net_cost", "admin_cost"):
                row[f"{b}_{k}"] = (r.baselines.get(b) or {}).get(k)
        row |= {k: (r.sample or {}).get(k) for k in ("suppliers_absent", "mean_propensity", "mean_demand_factor")}
        row |= {"currency": r.currency, "seconds": r.seconds, "message": r.message,
                "folder": f"runs/{r.key}" if r.status not in ("failed", "interrupted") else ""}
        rows.append(row)
    return pd.DataFrame(rows)


def _q(x: pd.Series, q: float):
    x = pd.to_numeric(x, errors="coerce").dropna()
    return float(np.quantile(x, q)) if len(x) else None


def _mean(x: pd.Series):
    x = pd.to_numeric(x, errors="coerce").dropna()
    return float(x.mean()) if len(x) else None


def scenarios_table(runs: pd.DataFrame, robust: dict[str, str]) -> pd.DataFrame:
    """One row per scenario: its base run and, with samples, the distribution of the
    chosen plan's figures and how often it is optimal."""
    rows = []
    if runs.empty:
        return pd.DataFrame()
    for item, part in runs.groupby("item", sort=False):
        base = part[part["kind"] == "base"]
        b = base.iloc[0] if len(base) else None
        row = {"item": item, "label": part["label"].iloc[0], "scenario": part["scenario"].iloc[0],
               "status": b["status"] if b is not None else "", "plan_id": b["plan_id"] if b is not None else "",
               **{k: (b[k] if b is not None else None) for k in ("n_lots", "admin_cost", "net_cost", "local_share",
                                                                  "lots_at_risk", "no_bid_any")},
               "single_lot_local_share": b["single_lot_local_share"] if b is not None else None,
               "single_lot_net_cost": b["single_lot_net_cost"] if b is not None else None,
               "currency": part["currency"].iloc[0]}
        s = part[part["kind"] == "sample"]
        if len(s):
            ok = s[s["status"].isin(["optimal", "feasible", "infeasible", "no_plan"])]
            ev = s[s["chosen_local_share"].notna()]
            row |= {"samples": len(s), "samples_ok": len(ok),
                    "local_share_mean": _mean(ev["chosen_local_share"]),
                    "local_share_p5": _q(ev["chosen_local_share"], 0.05),
                    "local_share_p95": _q(ev["chosen_local_share"], 0.95),
                    "split_helps": float((ev["chosen_local_share"] > ev["single_lot_local_share"] + 1e-12).mean())
                    if len(ev) else None,
                    "net_cost_mean": _mean(ev["chosen_net_cost"]), "net_cost_p95": _q(ev["chosen_net_cost"], 0.95),
                    "admin_cost_mean": _mean(ev["chosen_admin_cost"]),
                    "lots_at_risk_mean": _mean(ev["chosen_lots_at_risk"]),
                    "no_bid_any_mean": _mean(ev["chosen_no_bid_any"]),
                    "chosen_breaks_rules": float((ev["chosen_violations"] > 0).mean()) if len(ev) else None}
            solved = s[s["plan_key"].astype(str) != ""]
            chosen_key = b["plan_key"] if b is not None else ""
            row["chosen_optimal"] = float((solved["plan_key"] == chosen_key).mean()) if len(solved) and chosen_key \
                else None
            row["distinct_plans"] = int(solved["plan_key"].nunique())
            row["most_frequent_plan"] = solved["plan_id"].mode().iloc[0] if len(solved) else ""
            if item in robust:
                row["robust_plan"] = robust[item]
                row["robust_is_chosen"] = robust[item] == (b["plan_id"] if b is not None else None)
        rows.append(row)
    return pd.DataFrame(rows)


def plans_table(runs: pd.DataFrame, robust_rows: dict[str, pd.DataFrame], robust: dict[str, str],
                kinds: dict[str, str]) -> pd.DataFrame:
    """One row per scenario × plan found: how often it is optimal across the samples and,
    with a robust comparison, its mean and worst objective over the samples."""
    rows = []
    if runs.empty:
        return pd.DataFrame()
    for item, part in runs.groupby("item", sort=False):
        s = part[(part["kind"] == "sample") & (part["plan_key"].astype(str) != "")]
        base = part[part["kind"] == "base"]
        chosen = base["plan_key"].iloc[0] if len(base) else ""
        found = part[part["plan_key"].astype(str) != ""].drop_duplicates("plan_key")
        rr = robust_rows.get(item)
        for _, p in found.sort_values("plan_id").iterrows():
            n = int((s["plan_key"] == p["plan_key"]).sum())
            row = {"item": item, "plan_id": p["plan_id"], "plan_key": p["plan_key"], "n_lots": p["n_lots"],
                   "optimal_in": n, "optimal_share": n / len(s) if len(s) else None,
                   "is_chosen": p["plan_key"] == chosen, "is_robust": robust.get(item) == p["plan_id"]}
            if rr is not None and not rr.empty:
                mine = rr[rr["plan_key"] == p["plan_key"]]
                cost = [minimised(kinds.get(item, ""), float(x)) for x in mine["objective"]]
                worst = max(cost) if cost else None
                row |= {"objective_mean": float(mine["objective"].mean()) if len(mine) else None,
                        "objective_worst": minimised(kinds.get(item, ""), worst) if worst is not None else None,
                        "samples_breaking": int((mine["violations"] > 0).sum())}
            rows.append(row)
    return pd.DataFrame(rows)


def localized(df: pd.DataFrame, lang: str, currency: str) -> pd.DataFrame:
    """The table with headers (and the words for status, kind, yes and no) in ``lang``."""
    out = df.copy()
    for col, prefix in (("status", "status_"), ("kind", "kind_")):
        if col in out:
            out[col] = [T.word(lang, prefix + v) if prefix + str(v) in T.WORDS else v for v in out[col]]
    for col in ("is_chosen", "is_robust", "robust_is_chosen"):
        if col in out:
            out[col] = [T.word(lang, "yes" if v else "no") if isinstance(v, (bool, np.bool_)) else v for v in out[col]]
    out.columns = [_header(lang, c, currency) for c in out.columns]
    return out


def _header(lang: str, col: str, currency: str) -> str:
    for prefix, lead in (("chosen_", "chosen"), ("single_lot_", "chart_single"), ("per_group_", "chart_per_group")):
        if col.startswith(prefix) and col not in T.COLUMNS:
            first = T.header(lang, lead) if lead in T.COLUMNS else T.word(lang, lead)
            return f"{first}: {T.header(lang, col[len(prefix):], currency)}"
    return T.header(lang, col, currency)


def write_tables(out: Path, *, runs: pd.DataFrame, scenarios: pd.DataFrame, plans: pd.DataFrame,
                 lang: str, currency: str, about: list[tuple[str, str]]) -> list[Path]:
    """``batch.csv`` (runs, program headers), ``scenarios.csv``, ``plans.csv`` and
    ``batch.xlsx`` (sheets in ``lang``, headers with the currency)."""
    from lotsplit.batch.charts import write_xlsx

    written = []
    for name, df in (("batch.csv", runs), ("scenarios.csv", scenarios), ("plans.csv", plans)):
        df.to_csv(out / name, index=False, lineterminator="\n")
        written.append(out / name)
    failures = runs[runs["status"].isin(["failed", "interrupted"])][["item", "label", "run", "kind", "seed",
                                                                     "status", "message"]] if len(runs) else runs
    tables = {"sheet_scenarios": scenarios, "sheet_runs": runs, "sheet_plans": plans, "sheet_failures": failures}
    sheets = {T.word(lang, k): localized(df, lang, currency) for k, df in tables.items()}
    keys = {T.word(lang, k): [str(c) for c in df.columns] for k, df in tables.items()}
    sheets[T.word(lang, "sheet_about")] = pd.DataFrame(about, columns=[T.word(lang, "field"), T.word(lang, "value")])
    write_xlsx(out / "batch.xlsx", sheets, keys=keys)
    written.append(out / "batch.xlsx")
    return written
