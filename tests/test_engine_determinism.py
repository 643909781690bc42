"""Same inputs, same answer — on an idle machine and beside a CPU hog.

Every internal budget of the engine and the frontier counts work (lots, rounds, nodes,
solves), never seconds; only the user's time limit reads the clock.  So as long as that
limit does not cut, the plan, its status and termination, its bound and every frontier
point must be identical whatever else the machine is doing.  Each case runs once idle,
then again with a busy process per core beside it (which slows it several times)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from lotsplit import frontier, optimize
from lotsplit.synthetic import grid_scenario


def _busy(stop) -> None:
    x = 0
    while not stop.is_set():
        x = (x * 7 + 1) % 1_000_003


class CpuHog:
    """A busy process per core while the block runs."""

    def __enter__(self):
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.procs = [ctx.Process(target=_busy, args=(self.stop,), daemon=True) for _ in range(os.cpu_count() or 2)]
        for p in self.procs:
            p.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.kill()


def _answer(plan) -> dict:
    o = plan.outcome
    return {"assignment": plan.assignment.sort_values(["area_id", "product_group_id"]).to_csv(index=False),
            "status": o.status, "termination": o.termination, "objective": round(o.objective, 6),
            "bound": None if o.bound is None else round(o.bound, 6), "lots considered": o.columns}


CASES = {
    # every lot enumerated: the exact MIP with its block decomposition
    "exact": lambda: grid_scenario(3, 4, 4, 20, seed=21),
    # past the column budget: pool, relaxed-lot bound, pricing, final MIP
    "generated": lambda: grid_scenario(3, 3, 3, 12, seed=5, config={"solver": {"column_budget": 25}}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimize_gives_the_same_answer_under_load(case):
    idle = _answer(optimize(CASES[case](), time_limit=600, threads=1))
    with CpuHog():
        loaded = _answer(optimize(CASES[case](), time_limit=600, threads=1))
    assert loaded == idle


def test_frontier_gives_the_same_points_under_load():
    def points():
        f = frontier(grid_scenario(2, 3, 2, 8, seed=3), time_limit=600, threads=1)
        return ([(p.n_lots, round(p.cost, 6), round(p.local_share, 9), p.status, p.found_by,
                  None if p.bound is None else round(p.bound, 6)) for p in f.points], f.exact, f.sampled, f.found)

    idle = points()
    with CpuHog():
        loaded = points()
    assert idle[0], "the frontier has points"
    assert loaded == idle
