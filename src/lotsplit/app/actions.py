"""The work behind the buttons, each a job body run off the request thread (see
:mod:`lotsplit.app.jobs`): solve the current variant, compute its frontier, compare
variants, write the tender pack.  Each calls the library's own function — ``optimize``,
``frontier``, ``compare``, ``write_all`` inside ``output_directory`` — and files what it
got in the workspace.
"""

from __future__ import annotations

import io
import itertools
import os
import zipfile
from pathlib import Path

from lotsplit.app.jobs import RENDER_LOCK, Job
from lotsplit.app.texts import t
from lotsplit.app.workspace import Pack, PlanEntry, Workspace

_COUNTER = itertools.count(1)


def run(ws: Workspace, *, time_limit: float | None):
    """Solve the current variant; the plan becomes the chosen plan."""
    from lotsplit import progress
    from lotsplit.engine.optimize import optimize

    v = ws.variant

    def body(job: Job):
        progress.report("stage", name="solve", detail=v.name)
        plan = optimize(v.scenario, time_limit=time_limit)
        termination = getattr(plan.outcome.termination, "value", plan.outcome.termination)
        key = f"run-{next(_COUNTER)}"
        entry = PlanEntry(key, t(ws.lang, "run_label", name=v.name), plan, "run", v.name,
                          interrupted=termination == "interrupted")
        ws.add_plan(entry, choose=True)
        with ws.lock:
            ws.last_run[v.name] = key
        return key

    return Job("run", body, label=v.name)


def frontier(ws: Workspace, *, points: int, time_limit: float | None):
    """The frontier of the current variant; its points and baselines become plans to show."""
    from lotsplit import progress
    from lotsplit.frontier import frontier as compute

    v = ws.variant

    def body(job: Job):
        progress.report("stage", name="frontier", detail=v.name)
        f = compute(v.scenario, points=points, time_limit=time_limit)
        n = next(_COUNTER)
        with ws.lock:
            ws.plans = {k: e for k, e in ws.plans.items() if e.source not in ("frontier", "baseline")
                        or k == ws.chosen}
            for i, p in enumerate(f.points, 1):
                key = f"f{n}-F{i:02d}"
                ws.plans[key] = PlanEntry(key, f"F{i:02d}", p.plan, "frontier", v.name)
            for b in f.baselines:
                key = f"f{n}-{b.key}"
                ws.plans[key] = PlanEntry(key, b.name, b.plan, "baseline", v.name)
            ws.frontier, ws.frontier_variant, ws.frontier_prefix = f, v.name, f"f{n}-"
        return f

    return Job("frontier", body, label=v.name)


def uncertainty(ws: Workspace, *, samples: int, time_limit: float | None):
    """Monte Carlo over the current variant's uncertain inputs (``lotsplit.monte_carlo``:
    bid propensities ± 0.1 standard deviation, demand ± 10 % per cell, each supplier absent
    with chance 5 %, as the page says): how sure the chosen plan's figures are, and how
    often it stays the best."""
    from lotsplit.batch import Uncertainty, monte_carlo

    variant = ws.variant
    spread = Uncertainty(propensity_sd=0.1, demand_pct=10.0, dropout=0.05)

    def body(job: Job):
        result = monte_carlo(variant.scenario, samples=samples, uncertainty=spread,
                             seed=variant.scenario.config.solver.seed, time_limit=time_limit)
        with ws.lock:
            ws.uncertainty = (variant.name, result)
        return result

    return Job("uncertainty", body, label=variant.name)


def compare(ws: Workspace, names: list[str], *, time_limit: float | None):
    """Solve each chosen variant and set them side by side (``lotsplit.compare``)."""
    from lotsplit.variants import compare as run_compare

    variants = [ws.variants[n] for n in names]

    def body(job: Job):
        result = run_compare([v.scenario for v in variants], time_limit=time_limit)
        n = next(_COUNTER)
        keys = {}
        plans = result.plans()
        for r, v in zip(result.runs, variants):
            if r.label not in plans:        # no plan (infeasible, stopped): the table says why
                continue
            key = f"c{n}-{len(keys) + 1}"
            keys[r.label] = key
            ws.add_plan(PlanEntry(key, t(ws.lang, "run_label", name=r.label), plans[r.label], "compare", v.name))
        with ws.lock:
            ws.comparison, ws.comparison_keys = result, keys
        return result

    return Job("compare", body, label=", ".join(names))


def pack(ws: Workspace, out_root: Path):
    """Write every export of the chosen plan into ``out_root/<scenario>/<plan>/``,
    atomically (``output_directory``: complete or not there; a folder lotsplit did not
    write is never replaced; the scenario's inputs are protected)."""
    from lotsplit.export import output_directory, write_all
    from lotsplit.frontier.baselines import slug
    from lotsplit.session import scenario_inputs

    entry = ws.plans[ws.chosen]
    plan = entry.plan
    folder = Path(out_root) / slug(ws.base.name) / slug(f"{entry.variant}-{entry.label}")

    def body(job: Job):
        with RENDER_LOCK, output_directory(folder, overwrite=True, inputs=scenario_inputs(plan.scenario)) as tmp:
            written = write_all(plan, tmp, command=["lotsplit", "app"], workers=1,
                                extra={"interrupted": entry.interrupted, "plan": entry.label})
            files = sorted(p.relative_to(tmp).as_posix() for p in written)
        with ws.lock:
            ws.pack = Pack(folder, entry.key, files)
        return folder

    return Job("pack", body, label=entry.label)


def pack_zip(p: Pack) -> bytes:
    """The tender pack's files as one zip, in name order with fixed dates (the same files
    give the same zip)."""
    buf = io.BytesIO()
    stamp = (1980, 1, 1, 0, 0, 0)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        import datetime as dt

        d = dt.datetime.fromtimestamp(max(int(epoch), 315532800), tz=dt.timezone.utc)
        stamp = (d.year, d.month, d.day, d.hour, d.minute, d.second)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(p.files):
            info = zipfile.ZipInfo(f"{p.folder.name}/{name}", date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, (p.folder / name).read_bytes())
    return buf.getvalue()
