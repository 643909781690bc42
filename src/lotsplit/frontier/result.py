"""The frontier's result: its points (each a :class:`~lotsplit.plan.LotPlan`), the
baselines beside it, the table, the chart and the files ``lotsplit frontier`` writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lotsplit.engine.highs import Status, highs_version
from lotsplit.model.objective import access_metric
from lotsplit.plan import LotPlan
from lotsplit.scenario import Scenario

DELTA = 1e-6
"""Step of the epsilon-constraint walk, in access-share units (0..1)."""

HEADLINE = ["n_lots", "net_cost", "admin_cost", "competition_value", "local_share", "sme_share", "expected_bids_mean",
            "expected_bids_min", "min_eligible_bidders", "lots_at_risk", "lots_without_local_bidder", "exempt_lots",
            "largest_lot_value", "boundary_km_between_lots"]


def share_of(plan: LotPlan) -> float:
    """A plan's access share: the local-accessible value share, or the SME-accessible one
    when the objective weighs SME access (``objective.access``)."""
    return float(plan.metrics[access_metric(plan.scenario)])


@dataclass
class FrontierPoint:
    """One plan of the frontier."""

    plan: LotPlan
    status: Status
    """``optimal``: proven the cheapest plan with at least this local share (or ``target``);
    ``feasible``: a time limit stopped the proof (see ``bound`` and ``gap``)."""
    bound: float | None
    """Lower bound on the net cost of any plan with at least this local share (or ``target``)."""
    gap: float | None
    found_by: str
    """How the point was found (end point, weighted sum, enumeration, epsilon step, sampled target)."""
    target: float | None = None
    """The local-share constraint the point answers, when it was sampled for one."""
    seconds: float = 0.0

    @property
    def cost(self) -> float:
        """Net cost: admin cost minus the value of competition (the frontier's cost axis)."""
        return float(self.plan.metrics["net_cost"])

    @property
    def admin_cost(self) -> float:
        return float(self.plan.metrics["admin_cost"])

    @property
    def local_share(self) -> float:
        """The access share (local, or SME when the objective weighs SME access)."""
        return share_of(self.plan)

    @property
    def n_lots(self) -> int:
        return int(self.plan.metrics["n_lots"])


@dataclass(frozen=True)
class Note:
    """A note on how the frontier was computed: a text key (``export.texts``, ``fr_note_*``)
    and its values, written in the scenario's language (``str()``: in English)."""

    key: str
    params: tuple = ()
    """(name, value) pairs; shares are fractions, ``why`` a ``fr_why_*`` key's tail."""

    def text(self, lang: str) -> str:
        from lotsplit.export.frontier_report import note_text

        return note_text(self, lang)

    def __str__(self) -> str:
        return self.text("en")


@dataclass
class Frontier:
    """The frontier: points sorted by local share (cost rises with it), the baselines and
    how the computation went."""

    scenario: Scenario
    points: list[FrontierPoint]
    baselines: list = field(default_factory=list)
    exact: bool = False
    """Every non-dominated plan was found and proven (some may be left out of ``points``)."""
    sampled: bool = False
    """``points`` shows some of the non-dominated plans found, spread along the curve."""
    notes: list[Note] = field(default_factory=list)
    seconds: float = 0.0
    mips: int = 0
    columns: int = 0
    found: int = 0
    """Non-dominated plans found (more than ``len(points)`` when sampled)."""
    staircase: list[tuple[float, float]] = field(default_factory=list)
    """(net cost, local share) of every non-dominated plan found, shown or not."""

    @property
    def plans(self) -> list[LotPlan]:
        return [p.plan for p in self.points]

    def _stairs(self) -> list[tuple[float, float]]:
        return self.staircase or [(p.cost, p.local_share) for p in self.points]

    def cost_at(self, local_share: float) -> float | None:
        """Net cost of the cheapest frontier plan with at least this local share."""
        c = [cost for cost, loc in self._stairs() if loc >= local_share - 1e-9]
        return min(c) if c else None

    def local_at(self, net_cost: float) -> float | None:
        """Highest local share of a frontier plan whose net cost is at most this."""
        v = [loc for cost, loc in self._stairs() if cost <= net_cost + 1e-9 * abs(net_cost) + 1e-6]
        return max(v) if v else None

    def table(self) -> pd.DataFrame:
        """One row per plan: the frontier points (``kind = frontier``) then the baselines;
        names and verdicts in the scenario's language."""
        from lotsplit.export.frontier_report import baseline_name, baseline_source, gap_text
        from lotsplit.export.texts import text

        lang = self.scenario.config.language
        rows = []
        prev = None
        for i, p in enumerate(self.points, 1):
            m = p.plan.metrics
            marginal = None
            if prev is not None and p.local_share > prev.local_share:
                marginal = (p.cost - prev.cost) / (100.0 * (p.local_share - prev.local_share))
            proven = p.status == Status.OPTIMAL
            rows.append({"kind": "frontier", "label": f"F{i:02d}", "name": text(lang, "fr_point_name", i=i),
                         **{k: m[k] for k in HEADLINE}, "marginal_cost_per_point": marginal,
                         "status": p.status.value, "gap": p.gap, "cost_bound": p.bound,
                         "target_local_share": p.target, "found_by": p.found_by, "seconds": round(p.seconds, 3),
                         "follows_rules": p.plan.feasible, "violations": "; ".join(p.plan.violations),
                         "vs_frontier": text(lang, "v_on") if proven else
                         text(lang, "v_unproven", gap=gap_text(p.gap, lang)),
                         "plan": f"plans/F{i:02d}/assignment.csv"})
            prev = p
        for b in self.baselines:
            m = b.plan.metrics
            rows.append({"kind": "baseline", "label": b.key, "name": baseline_name(b, lang), **{k: m[k] for k in HEADLINE},
                         "marginal_cost_per_point": None, "status": "evaluated", "gap": None, "cost_bound": None,
                         "target_local_share": None, "found_by": baseline_source(b, lang), "seconds": None,
                         "follows_rules": b.plan.feasible, "violations": "; ".join(b.plan.violations),
                         "vs_frontier": b.verdict, "plan": f"plans/{b.key}/assignment.csv"})
        return pd.DataFrame(rows)

    def headline(self) -> str:
        """``Exact Pareto frontier`` / ``Sampled …`` / ``… (not proven complete)``."""
        if self.exact:
            return "Exact Pareto frontier" + (" (sampled for display)" if self.sampled else "")
        if all(p.status == Status.OPTIMAL for p in self.points):
            return "Sampled Pareto frontier (every point shown proven)"
        return "Sampled Pareto frontier (some points not proven)"

    def describe(self) -> str:
        """A few lines in words, in the scenario's language: the ends, the price of local
        access, the baselines (``summary.txt``)."""
        from lotsplit.export.frontier_report import describe

        return describe(self)

    def plot(self, ax=None, *, title: str | None = None):
        """The frontier (local share → net cost), each point labelled with its number of
        lots, the baselines marked.  Returns the figure."""
        from lotsplit.frontier.baselines import plot_frontier

        return plot_frontier(self, ax=ax, title=title)

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``frontier.csv``, ``frontier.png``, ``frontier.json``, ``summary.txt`` and
        each plan's files under ``plans/<label>/`` (assignment.csv, lots.csv, plan.json),
        atomically."""
        import json

        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from lotsplit.export import output_directory, write_plan_files

        out = Path(out)
        with output_directory(out, overwrite=overwrite) as tmp:
            table = self.table()
            table.to_csv(tmp / "frontier.csv", index=False, lineterminator="\n")
            fig = self.plot()
            fig.savefig(tmp / "frontier.png", dpi=150, bbox_inches="tight")
            plt.close(fig)
            for label, plan in zip(table["label"], self.plans + [b.plan for b in self.baselines]):
                d = tmp / "plans" / label
                d.mkdir(parents=True)
                write_plan_files(plan, d)
            meta = {"scenario": self.scenario.name, "exact": self.exact, "sampled": self.sampled,
                    "points": len(self.points), "non_dominated_plans_found": self.found, "mips": self.mips,
                    "candidate_lots": self.columns, "seconds": round(self.seconds, 3), "delta": DELTA,
                    "solver": highs_version(), "notes": [n.text(self.scenario.config.language) for n in self.notes]}
            (tmp / "frontier.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
            (tmp / "summary.txt").write_text(self.describe() + "\n", "utf-8")
        return out
