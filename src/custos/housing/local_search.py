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
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable

from .evaluate import Placement
from .problem import Problem, cell_refusal, mixes, regime_group, regime_refusal, unit_refusal

REPORT_EVERY_S = 0.5  # the shortest time between two reports of progress
TAKE_OVER_EVERY = 256  # steps between two attempts to open a unit to another kind
HOT, COLD = 2.0, 0.05  # the first and last temperatures, in moves
RACE_FROM_S = 8.0  # the least time for which short runs race first
RACE_RUNS = 4
RACE_SHARE = 1 / 3  # of the time, for the race
HOT_AFTER_RACE = 0.3  # the first temperature of the run that goes on from the race's best


class Steps:
    """The two steps of a search, for a state that can `_add` and `_remove` a prisoner at a
    place (a cell here, a unit in `unit_search.py`), say whether he `fits` one, and what his
    `joining` it adds to the objective and his `leaving` his own takes off; and the unit
    rules both keep, from counts per unit."""

    def _read_people(self, problem: Problem) -> list[str]:
        """The facts about each prisoner that the steps look up; their regime groups."""
        self.people = list(problem.prisoners)
        self.influence = [p.influence for p in self.people]
        self.vulnerability = [p.vulnerability for p in self.people]
        self.kind = [p.kind for p in self.people]
        groups = [regime_group(problem, p) for p in self.people]
        self.dispersed = [g == "dispersed" for g in groups]
        self.apart = [g == "apart" for g in groups]
        self.limit = problem.options.dispersal_limit
        self.units = list(problem.units)
        self.mixes = {(u, a, b): mixes(unit, a, b) for u, unit in enumerate(self.units)
                      for a in set(self.kind) for b in set(self.kind)}
        return groups

    def unit_allows(self, i: int, u: int) -> bool:
        """Whether unit u's people, as they are now, allow prisoner i among them: Rule 11's
        kinds, the dispersal limit, and separation (all or none of a unit)."""
        kind = self.kind[i]
        for other in self.unit_kinds[u]:
            if other != kind and not self.mixes[u, kind, other]:
                return False
        if self.dispersed[i] and self.unit_dispersed[u] >= self.limit:
            return False
        return not (self.unit_people[u]
                    and self.apart[i] != (self.unit_apart[u] == self.unit_people[u]))

    def relocate(self, i: int, c: int, accept: Callable[[int], bool]) -> int | None:
        """Move i to place c if lawful and accepted; the change of objective, or None."""
        before = self.leaving(i)
        old = self._remove(i)
        if self.fits(i, c):
            delta = self.joining(i, c) - before
            if accept(delta):
                self._add(i, c)
                return delta
        self._add(i, old)
        return None

    def swap(self, i: int, j: int, accept: Callable[[int], bool]) -> int | None:
        """Exchange the places of i and j if lawful and accepted; the change, or None."""
        delta = -self.leaving(i)
        ci = self._remove(i)
        delta -= self.leaving(j)
        cj = self._remove(j)
        if self.fits(i, cj):
            delta += self.joining(i, cj)
            self._add(i, cj)
            if self.fits(j, ci):
                delta += self.joining(j, ci)
                if accept(delta):
                    self._add(j, ci)
                    return delta
            self._remove(i)
        self._add(j, cj)
        self._add(i, ci)
        return None


class _Plan(Steps):
    """A placement with the counts that make every rule and every cost a look-up."""

    def __init__(self, problem: Problem, placement: Placement):
        self.problem = problem
        weights = problem.options.weights
        self.wc, self.wu, self.wm = weights.cell_exposure, weights.unit_exposure, weights.move
        groups = self._read_people(problem)
        self.cells = list(problem.cells)
        cell_index = {c.id: k for k, c in enumerate(self.cells)}
        unit_index = {u.id: k for k, u in enumerate(problem.units)}
        self.unit_of_cell = [unit_index[c.unit_id] for c in self.cells]
        self.landing = [(unit_index[c.unit_id], c.landing) for c in self.cells]
        self.capacity = [problem.capacity[c.id] for c in self.cells]
        n, k = len(self.people), len(self.units)
        index = {p.id: i for i, p in enumerate(self.people)}
        self.single = [p.needs_single_cell for p in self.people]
        self.home = [cell_index.get(p.current_cell, -1) for p in self.people]
        self.orders: list[list[tuple[int, str]]] = [[] for _ in range(n)]
        for order in problem.keep_aparts:
            if order.a in index and order.b in index:
                a, b = index[order.a], index[order.b]
                self.orders[a].append((b, order.level))
                self.orders[b].append((a, order.level))

        # the cells each prisoner may ever occupy
        allowed: dict[tuple, list[int]] = {}
        self.eligible: list[list[int]] = []
        for i, p in enumerate(self.people):
            if not p.movable:
                self.eligible.append([cell_index[placement[p.id]]])
                continue
            key = (p.kind, p.regime, groups[i], p.needs_accessible_cell)
            if key not in allowed:
                units_ok = [not (unit_refusal(p, u) or regime_refusal(problem, p, u))
                            for u in self.units]
                allowed[key] = [j for j, c in enumerate(self.cells)
                                if units_ok[self.unit_of_cell[j]] and not cell_refusal(p, c)]
            self.eligible.append(allowed[key])
        shared: dict[int, frozenset[int]] = {}
        self.may: list[frozenset[int]] = [
            shared.setdefault(id(cells), frozenset(cells)) for cells in self.eligible]

        self.cells_of_unit: list[list[int]] = [[] for _ in range(k)]
        for c, u in enumerate(self.unit_of_cell):
            self.cells_of_unit[u].append(c)

        self.load([cell_index[placement[p.id]] for p in self.people])

    def load(self, where: list[int]) -> None:
        """Everyone to the cell `where` gives (by index), every count made afresh."""
        m, k = len(self.cells), len(self.units)
        self.where = list(where)
        self.occupants: list[list[int]] = [[] for _ in range(m)]
        self.cell_i, self.cell_v = [0] * m, [0] * m
        self.unit_i, self.unit_v = [0] * k, [0] * k
        self.singles = [0] * m
        self.unit_kinds: list[Counter] = [Counter() for _ in range(k)]
        self.unit_dispersed, self.unit_apart, self.unit_people = [0] * k, [0] * k, [0] * k
        for i, c in enumerate(where):
            self._add(i, c)

    # ------------------------------------------------------------------ counts
    def _add(self, i: int, c: int) -> None:
        u = self.unit_of_cell[c]
        self.where[i] = c
        self.occupants[c].append(i)
        self.cell_i[c] += self.influence[i]
        self.cell_v[c] += self.vulnerability[i]
        self.unit_i[u] += self.influence[i]
        self.unit_v[u] += self.vulnerability[i]
        self.singles[c] += self.single[i]
        self.unit_kinds[u][self.kind[i]] += 1
        self.unit_dispersed[u] += self.dispersed[i]
        self.unit_apart[u] += self.apart[i]
        self.unit_people[u] += 1

    def _remove(self, i: int) -> int:
        c = self.where[i]
        u = self.unit_of_cell[c]
        self.occupants[c].remove(i)
        self.cell_i[c] -= self.influence[i]
        self.cell_v[c] -= self.vulnerability[i]
        self.unit_i[u] -= self.influence[i]
        self.unit_v[u] -= self.vulnerability[i]
        self.singles[c] -= self.single[i]
        kinds = self.unit_kinds[u]
        kinds[self.kind[i]] -= 1
        if not kinds[self.kind[i]]:
            del kinds[self.kind[i]]
        self.unit_dispersed[u] -= self.dispersed[i]
        self.unit_apart[u] -= self.apart[i]
        self.unit_people[u] -= 1
        self.where[i] = -1
        return c

    # ------------------------------------------------------------------ rules and costs
    def fits(self, i: int, c: int) -> bool:
        """Whether prisoner i may join cell c as it is now (c among his eligible cells)."""
        here = self.occupants[c]
        if len(here) >= self.capacity[c]:
            return False
        if here and (self.single[i] or self.singles[c] or self.kind[here[0]] != self.kind[i]):
            return False
        u = self.unit_of_cell[c]
        if not self.unit_allows(i, u):
            return False
        for j, level in self.orders[i]:
            d = self.where[j]
            if d < 0:
                continue
            if level == "cell":
                if d == c:
                    return False
            elif level == "landing":
                if self.landing[d] == self.landing[c]:
                    return False
            elif self.unit_of_cell[d] == u:
                return False
        return True

    def joining(self, i: int, c: int) -> int:
        """What prisoner i (placed nowhere) adds to the objective by joining cell c."""
        u = self.unit_of_cell[c]
        a, b = self.influence[i], self.vulnerability[i]
        cost = self.wm * (self.home[i] >= 0 and self.home[i] != c)
        if a or b:
            cost += (self.wc * (a * self.cell_v[c] + b * self.cell_i[c])
                     + self.wu * (a * self.unit_v[u] + b * self.unit_i[u]))
        return cost

    def leaving(self, i: int) -> int:
        """What prisoner i's leaving his cell takes off the objective."""
        c = self.where[i]
        u = self.unit_of_cell[c]
        a, b = self.influence[i], self.vulnerability[i]
        cost = self.wm * (self.home[i] >= 0 and self.home[i] != c)
        if a or b:
            cost += (self.wc * (a * (self.cell_v[c] - b) + b * (self.cell_i[c] - a))
                     + self.wu * (a * (self.unit_v[u] - b) + b * (self.unit_i[u] - a)))
        return cost

    def objective(self) -> int:
        total = 0
        for c, here in enumerate(self.occupants):
            total += self.wc * (self.cell_i[c] * self.cell_v[c] - sum(
                self.influence[i] * self.vulnerability[i] for i in here))
        for u in range(len(self.units)):
            total += self.wu * self.unit_i[u] * self.unit_v[u]
        total -= self.wu * sum(a * b for a, b in zip(self.influence, self.vulnerability,
                                                     strict=True))
        total += self.wm * sum(1 for i, c in enumerate(self.where)
                               if self.home[i] >= 0 and self.home[i] != c)
        return total

    def placement(self) -> Placement:
        return {p.id: self.cells[self.where[i]].id for i, p in enumerate(self.people)}


def _take_over(plan: _Plan, rng: random.Random, u: int, kind: tuple, sample: int = 20):
    """Open unit u to `kind`: whoever there may not live with that kind moves out (to the
    cheapest of a few cells that will have him), then those of the kind who gain by it move
    in. Kept when the whole lowers the objective, undone otherwise; the change, or None.

    Single steps cannot do this: nobody of the kind may enter while the unit holds people
    they may not live with, and emptying it costs moves that only pay once they come.
    """
    trail: list[tuple[int, int]] = []  # (prisoner, the cell he left), in order
    delta = 0

    def undo() -> None:
        for i, old in reversed(trail):
            plan._remove(i)
            plan._add(i, old)

    evicted = [i for c in plan.cells_of_unit[u] for i in plan.occupants[c]
               if plan.kind[i] != kind and not plan.mixes[u, kind, plan.kind[i]]]
    for i in evicted:
        options = list(plan.eligible[i])
        rng.shuffle(options)
        before = plan.leaving(i)
        old = plan._remove(i)
        chosen, cost, found = -1, 0, 0
        for c in options:
            if plan.unit_of_cell[c] != u and plan.fits(i, c):
                joining = plan.joining(i, c)
                if chosen < 0 or joining < cost:
                    chosen, cost = c, joining
                found += 1
                if found >= sample:
                    break
        plan._add(i, chosen if chosen >= 0 else old)
        if chosen < 0:
            undo()
            return None
        trail.append((i, old))
        delta += cost - before
    coming = [i for i, k in enumerate(plan.kind) if k == kind and len(plan.eligible[i]) > 1
              and (plan.influence[i] or plan.vulnerability[i])
              and plan.unit_of_cell[plan.where[i]] != u]
    rng.shuffle(coming)
    for i in coming:
        before = plan.leaving(i)
        old = plan._remove(i)
        chosen, cost = -1, 0
        for c in plan.cells_of_unit[u]:
            if c in plan.may[i] and plan.fits(i, c):
                joining = plan.joining(i, c)
                if chosen < 0 or joining < cost:
                    chosen, cost = c, joining
        if chosen >= 0 and cost < before:
            plan._add(i, chosen)
            trail.append((i, old))
            delta += cost - before
        else:
            plan._add(i, old)
    if delta < 0:
        return delta
    undo()
    return None


def improve(problem: Problem, placement: Placement, seconds: float, *, seed: int = 0,
            stop: Callable[[], bool] | None = None,
            report: Callable[[int], None] | None = None) -> Placement:
    """A plan at least as good as `placement` (complete and lawful), within `seconds`.

    Simulated annealing, cooling geometrically from a temperature of a few moves to nearly
    nothing; the best plan met is returned. With time enough, a share of it goes to a few
    short runs from `placement` (a race), and the best of them goes on, at a lower
    temperature, for the rest: which units a run opens to which kind, and which it fills
    with influencers or with vulnerable prisoners, is settled early and seldom undone, so
    runs differ widely (measured on 2,000 prisoners, 54 s, four seeds: 29,990 on average,
    29,311 to 31,088, against 32,017, 29,702 to 36,115, for one run). `stop` is asked now
    and then (cancellation); `report` hears each new best objective.
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

    start, hot = list(plan.where), HOT
    if seconds >= RACE_FROM_S:
        each = seconds * RACE_SHARE / RACE_RUNS
        runs = []
        for run in range(RACE_RUNS):
            if stop and stop():
                break
            plan.load(start)
            runs.append(_anneal(plan, each, seed * RACE_RUNS + run, HOT, stop, better))
        if runs:
            start, hot = min(runs)[1], HOT_AFTER_RACE
    plan.load(start)
    left = seconds - (time.monotonic() - started)
    _objective, where = _anneal(plan, left, seed, hot, stop, better)
    return {p.id: plan.cells[c].id for p, c in zip(plan.people, where, strict=True)}


def _anneal(plan: _Plan, seconds: float, seed: int, hot: float,
            stop: Callable[[], bool] | None,
            report: Callable[[int], None]) -> tuple[int, list[int]]:
    """One run of the annealing from the plan as it stands, starting at temperature `hot`
    (in moves); the best objective met and where everyone was then."""
    rng = random.Random(seed)
    current = best = plan.objective()
    best_where = list(plan.where)
    if seconds <= 0:
        return best, best_where
    movers = [i for i in range(len(plan.people)) if len(plan.eligible[i]) > 1]
    scored = [i for i in movers if plan.influence[i] or plan.vulnerability[i]]
    away = [i for i in movers if plan.home[i] >= 0]
    started = time.monotonic()
    hot, cold = hot * max(plan.wm, 1), COLD * max(plan.wm, 1)
    temperature = hot
    steps = 0
    last_report, reported = current, -REPORT_EVERY_S

    def accept(delta: int) -> bool:
        return delta <= 0 or rng.random() < math.exp(-delta / temperature)

    # units a kind could have to itself, were the people it may not live with to leave
    openings = sorted({(plan.unit_of_cell[c], plan.kind[i]) for i in scored
                       for c in plan.eligible[i]})

    while True:
        steps += 1
        if steps % TAKE_OVER_EVERY == 0 and openings:
            delta = _take_over(plan, rng, *rng.choice(openings))
            if delta is not None:
                current += delta
                if current < best:
                    best, best_where = current, list(plan.where)
        if steps % 512 == 0:
            elapsed = time.monotonic() - started
            if elapsed >= seconds or (stop and stop()):
                break
            temperature = hot * (cold / hot) ** (elapsed / seconds)
            if best < last_report and elapsed >= reported + REPORT_EVERY_S:
                report(best)
                last_report, reported = best, elapsed
        roll = rng.random()
        if roll < 0.15 and away:
            i = rng.choice(away)  # home again, if his cell will have him
            c = plan.home[i]
            if c == plan.where[i] or c not in plan.may[i]:
                continue
        elif roll < 0.45 and scored:
            i, j = rng.choice(scored), rng.choice(scored)  # an influencer for a vulnerable man
            if plan.where[i] == plan.where[j] or plan.where[j] not in plan.may[i] \
                    or plan.where[i] not in plan.may[j]:
                continue
            delta = plan.swap(i, j, accept)
            if delta is not None:
                current += delta
                if current < best:
                    best, best_where = current, list(plan.where)
            continue
        else:
            i = rng.choice(scored if scored and roll < 0.75 else movers)
            c = rng.choice(plan.eligible[i])
            if c == plan.where[i]:
                continue
        here = plan.occupants[c]
        if len(here) < plan.capacity[c] and rng.random() < 0.7:
            delta = plan.relocate(i, c, accept)
        elif here:
            j = rng.choice(here)
            if plan.where[i] not in plan.may[j]:
                continue
            delta = plan.swap(i, j, accept)
        else:
            continue
        if delta is None:
            continue
        current += delta
        if current < best:
            best = current
            best_where = list(plan.where)
    report(best)
    return best, best_where
