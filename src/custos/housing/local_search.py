"""Improving a complete, lawful facility plan by moving and swapping prisoners between cells.

Simulated annealing over the whole facility at once: a step takes a prisoner and a cell he
may occupy, and either moves him there (when the cell has room) or swaps him with one of its
occupants. Every step keeps every hard rule — checked with counts kept up to date (people,
kinds and single-cell needs per cell; kinds, regime groups per unit; where each party to a
keep-apart order is) — and its change of objective is known from the influence and
vulnerability sums of the cells and units it touches, so a step costs a few look-ups. The
objective is `evaluate.metrics`'s: cell and unit exposure and moves, weighted.

The unit stage sees classes of prisoners and units, the cell stage one unit at a time; this
search sees both at once, which is what separating influencers from vulnerable prisoners
takes (an influencer moved next to neutral prisoners in a unit of the same kind costs one
move and removes his exposure in the unit and the cell he leaves).

The steps run compiled (`search_kernel.py`, Numba: 2.4 million steps a second on 2,000
prisoners, against 290,000 in Python); this module lays the plan out as the kernel's
arrays and keeps the schedule: the race, the rounds, the temperature, the clock,
cancellation and progress.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import numpy as np

from . import search_kernel
from .evaluate import Placement
from .problem import (
    Cell,
    Facility,
    Prisoner,
    Problem,
    Unit,
    cell_refusal,
    mixes,
    regime_group,
    regime_refusal,
    unit_refusal,
)

REPORT_EVERY_S = 0.5  # the shortest time between two reports of progress
TAKE_OVER_EVERY = 2_048  # steps between two attempts to open a unit to another kind (each
# costs about as much as 2,000 steps: measured on 2,000 prisoners, 4.5 s runs, eight seeds,
# 30,506 on average against 31,057 every 256 steps and 31,200 every 16,384)
FIRST_BATCH = 1_000  # steps the kernel takes at one temperature, doubled while a batch
BATCH_S = 0.02  # takes less than half of this
LEVELS = {"cell": 0, "landing": 1, "unit": 2}  # of keep-apart orders, as the kernel has them
HOT, COLD = 2.0, 0.05  # the first and last temperatures, in moves
RACE_FROM_S = 8.0  # the least time for which short runs race first
RACE_RUNS = 4
RACE_SHARE = 1 / 3  # of the time, for the race
HOT_AFTER_RACE = 0.3  # the first temperature of the rounds after the race
KICK, KICK_STEPS = 20.0, 50_000  # how a round shakes the best plan (temperature in moves)
ROUND_S = 1.5  # a round's cooling (measured as for `improve`: 29,244 on average with 20,000
# steps at 10 moves and 1 s; 28,932 with 100,000 at 30 moves and 2 s; 28,829 with 3 s)
ROUND_SEEDS = 1_000_000  # rounds' seeds apart from one solver seed to the next
CHAINS = 2  # plans the rounds improve in turn


class _Plan:
    """A placement as the arrays `search_kernel` works on, with the counts that make every
    rule and every cost a look-up."""

    def __init__(self, problem: Problem, placement: Placement):
        self.problem = problem
        weights = problem.options.weights
        self.wm = weights.move
        self.people = list(problem.prisoners)
        self.cells = list(problem.cells)
        units = list(problem.units)
        cell_index = {c.id: k for k, c in enumerate(self.cells)}
        unit_index = {u.id: k for k, u in enumerate(units)}
        kinds = sorted({p.kind for p in self.people})
        kind_index = {kind: k for k, kind in enumerate(kinds)}
        groups = [regime_group(problem, p) for p in self.people]
        n, m = len(self.people), len(self.cells)

        # the cells each prisoner may ever occupy, shared by everyone of his class
        classes: dict[tuple, int] = {}
        eligible: list[list[int]] = []
        people_class = []
        for i, p in enumerate(self.people):
            key = (p.kind, p.regime, groups[i], p.needs_accessible_cell) if p.movable \
                else ("fixed", placement[p.id])
            if key not in classes:
                classes[key] = len(eligible)
                if p.movable:
                    units_ok = [not (unit_refusal(p, u) or regime_refusal(problem, p, u))
                                for u in units]
                    eligible.append([j for j, c in enumerate(self.cells)
                                     if units_ok[unit_index[c.unit_id]]
                                     and not cell_refusal(p, c)])
                else:
                    eligible.append([cell_index[placement[p.id]]])
            people_class.append(classes[key])
        self.eligible = [eligible[k] for k in people_class]
        self.el_ptr = np.cumsum([0] + [len(cells) for cells in eligible], dtype=np.int64)
        self.el_idx = np.array([c for cells in eligible for c in cells], dtype=np.int64)
        self.may = np.zeros((len(eligible), m), dtype=np.bool_)
        for k, cells in enumerate(eligible):
            self.may[k, cells] = True

        self.P = np.array([(p.influence, p.vulnerability, kind_index[p.kind],
                            p.needs_single_cell, groups[i] == "dispersed",
                            groups[i] == "apart", cell_index.get(p.current_cell, -1),
                            people_class[i]) for i, p in enumerate(self.people)],
                          dtype=np.int64).reshape(n, 8)
        landings = {}
        self.CL = np.array([(unit_index[c.unit_id],
                             landings.setdefault((c.unit_id, c.landing), len(landings)),
                             problem.capacity[c.id]) for c in self.cells],
                           dtype=np.int64).reshape(m, 3)
        self.mixes = np.array([[[mixes(u, a, b) for b in kinds] for a in kinds]
                               for u in units], dtype=np.bool_)
        self.W = np.array([weights.cell_exposure, weights.unit_exposure, weights.move,
                           problem.options.dispersal_limit], dtype=np.int64)
        index = {p.id: i for i, p in enumerate(self.people)}
        orders: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for order in problem.keep_aparts:
            if order.a in index and order.b in index:
                a, b = index[order.a], index[order.b]
                level = LEVELS[order.level]
                orders[a].append((b, level))
                orders[b].append((a, level))
        self.ord_ptr = np.cumsum([0] + [len(o) for o in orders], dtype=np.int64)
        self.ord_who = np.array([b for o in orders for b, _ in o], dtype=np.int64)
        self.ord_lvl = np.array([level for o in orders for _, level in o], dtype=np.int64)
        cells_of_unit: list[list[int]] = [[] for _ in units]
        for c, u in enumerate(self.CL[:, 0]):
            cells_of_unit[u].append(c)
        self.unit_ptr = np.cumsum([0] + [len(cells) for cells in cells_of_unit],
                                  dtype=np.int64)
        self.unit_idx = np.array([c for cells in cells_of_unit for c in cells],
                                 dtype=np.int64)

        movers = [i for i in range(n) if len(self.eligible[i]) > 1]
        scored = [i for i in movers if self.P[i, 0] or self.P[i, 1]]
        self.movers = np.array(movers, dtype=np.int64)
        self.scored = np.array(scored, dtype=np.int64)
        self.away = np.array([i for i in movers if self.P[i, 6] >= 0], dtype=np.int64)
        # units a kind could have to itself, were the people it may not live with to leave
        self.openings = np.array(sorted({(int(self.CL[c, 0]), int(self.P[i, 2]))
                                         for i in scored for c in self.eligible[i]}),
                                 dtype=np.int64).reshape(-1, 2)

        self.where = np.zeros(n, dtype=np.int64)
        self.occ = np.zeros((m, max(int(self.CL[:, 2].max(initial=0)), 1)), dtype=np.int64)
        self.CS = np.zeros((m, 4), dtype=np.int64)
        self.US = np.zeros((len(units), 5), dtype=np.int64)
        self.UK = np.zeros((len(units), len(kinds)), dtype=np.int64)
        self.load(np.array([cell_index[placement[p.id]] for p in self.people], dtype=np.int64))

    def load(self, where) -> None:
        """Everyone to the cell `where` gives (by index), every count made afresh."""
        self.where[:] = where
        search_kernel.load(self.where, self.occ, self.CS, self.US, self.UK, self.P, self.CL)

    def state(self) -> tuple:
        """The arrays the kernel's steps take, in their order."""
        return (self.where, self.occ, self.CS, self.US, self.UK, self.P, self.CL, self.mixes,
                self.ord_ptr, self.ord_who, self.ord_lvl, self.W, self.el_ptr, self.el_idx,
                self.may, self.unit_ptr, self.unit_idx)

    def objective(self) -> int:
        return int(search_kernel.objective(self.where, self.occ, self.CS, self.US, self.P,
                                           self.CL, self.W))

    def placement(self) -> Placement:
        return self.placement_of(self.where)

    def placement_of(self, where) -> Placement:
        """The placement that `where` (cells by index, in the people's order) describes."""
        return {p.id: self.cells[c].id for p, c in zip(self.people, where, strict=True)}


@functools.cache
def warm() -> None:
    """Have the kernel compiled (the first time on a machine, a few seconds; after that it
    is read from the disk cache), so that no plan's time limit pays for it."""
    unit = Unit(1, "U", 1, "general", "medium")
    people = [Prisoner(k, f"P{k}", "M", False, "convicted", influence=k, vulnerability=1 - k,
                       current_cell=k + 1, current_unit=1) for k in (0, 1)]
    problem = Problem([Facility(1, "F")], [unit], [Cell(1, "A", 1, 1), Cell(2, "B", 1, 1)],
                      people, [])
    plan = _Plan(problem, {p.id: p.current_cell for p in people})
    search_kernel.seed(0)
    best_where = plan.where.copy()
    search_kernel.anneal(2, 1.0, 1, 0, 0, best_where, *plan.state(), plan.movers, plan.scored,
                         plan.away, plan.openings, 0)


def improve(problem: Problem, placement: Placement, seconds: float, *, seed: int = 0,
            stop: Callable[[], bool] | None = None,
            report: Callable[[int], None] | None = None) -> Placement:
    """A plan at least as good as `placement` (complete and lawful), within `seconds`.

    Simulated annealing, cooling geometrically from a temperature of a few moves to nearly
    nothing; the best plan met is returned. Which units a run opens to which kind, and
    which it fills with influencers or with vulnerable prisoners, is settled early and
    seldom undone, so runs differ widely, and a long run does no better than a short one.
    With time enough, then, a share of it goes to a few short runs from `placement` (a
    race), and the rest to rounds, in turn from the best plans of the race's `CHAINS` best
    runs as they improve: the plan is shaken (`KICK_STEPS` steps at `KICK` moves'
    temperature, which unsettles a few units), then cooled again from a low temperature,
    and kept when better. Measured on 2,000 prisoners, 54 s: with rounds from the best run
    alone, 28,771 on average over four seeds (28,466 to 29,258), against 29,420 (29,081 to
    29,666) for that run going on without shaking, and 30,503 (two seeds) for one run
    alone; over eight seeds, 28,619 with two chains, 28,815 with one, and 28,871 with four
    (four seeds). `stop` is asked now and then (cancellation); `report` hears each new best
    objective.
    """
    if seconds <= 0 or any(placement.get(p.id) is None for p in problem.prisoners):
        return placement
    started = time.monotonic()
    plan = _Plan(problem, placement)
    if not any(len(cells) > 1 for cells in plan.eligible):
        return placement
    heard = [plan.objective()]

    def better(objective: int) -> None:
        if objective < heard[0]:
            heard[0] = objective
            if report:
                report(objective)

    def left() -> float:
        return seconds - (time.monotonic() - started)

    if seconds < RACE_FROM_S:
        _objective, where = _anneal(plan, seconds, seed, HOT, stop, better)
        return plan.placement_of(where)
    start = plan.where.copy()
    runs = []
    for run in range(RACE_RUNS):
        if stop and stop():
            break
        plan.load(start)
        runs.append(_anneal(plan, seconds * RACE_SHARE / RACE_RUNS, seed * RACE_RUNS + run,
                            HOT, stop, better))
    chains = sorted(runs)[:CHAINS] or [(heard[0], start.tolist())]
    round_ = 0
    while left() > 0 and not (stop and stop()):
        round_ += 1
        chain = round_ % len(chains)
        plan.load(chains[chain][1])
        _kick(plan, seed * ROUND_SEEDS + round_)
        found = _anneal(plan, min(ROUND_S, left()), seed * ROUND_SEEDS + round_,
                        HOT_AFTER_RACE, stop, better)
        if found[0] < chains[chain][0]:
            chains[chain] = found
    return plan.placement_of(min(chains)[1])


def _kick(plan: _Plan, seed: int) -> None:
    """Shake the plan: `KICK_STEPS` steps at a temperature of `KICK` moves."""
    search_kernel.seed(seed)
    current = plan.objective()
    search_kernel.anneal(KICK_STEPS, KICK * max(plan.wm, 1), TAKE_OVER_EVERY, current, current,
                         plan.where.copy(), *plan.state(), plan.movers, plan.scored, plan.away,
                         plan.openings, 0)


def _anneal(plan: _Plan, seconds: float, seed: int, hot: float,
            stop: Callable[[], bool] | None,
            report: Callable[[int], None]) -> tuple[int, list[int]]:
    """One run of the annealing from the plan as it stands, starting at temperature `hot`
    (in moves), cooling geometrically to `COLD` by the end; the best objective met and
    where everyone was then. The kernel takes a batch of steps at a time, at one
    temperature; between batches the clock, `stop` and `report` are heard."""
    search_kernel.seed(seed)
    current = best = plan.objective()
    best_where = plan.where.copy()
    started = time.monotonic()
    hot, cold = hot * max(plan.wm, 1), COLD * max(plan.wm, 1)
    batch, done = FIRST_BATCH, 0
    last_report, reported = current, -REPORT_EVERY_S
    arrays = plan.state()
    while True:
        elapsed = time.monotonic() - started
        if elapsed >= seconds or (stop and stop()):
            break
        if best < last_report and elapsed >= reported + REPORT_EVERY_S:
            report(best)
            last_report, reported = best, elapsed
        temperature = hot * (cold / hot) ** (elapsed / seconds)
        current, best = search_kernel.anneal(
            batch, temperature, TAKE_OVER_EVERY, current, best, best_where, *arrays, plan.movers,
            plan.scored, plan.away, plan.openings, done)
        done += batch
        if time.monotonic() - started - elapsed < BATCH_S / 2:
            batch *= 2
    report(best)
    return int(best), best_where.tolist()
