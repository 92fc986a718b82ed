"""Improving a national plan's units: moving and swapping prisoners between the units of the
facility the plan gave them.

A national plan places people in units (cells come later, in each facility's own plan), and
its first stages decide facilities by family distance and units by a CP-SAT model whose
product of influence and vulnerability relaxes to almost nothing: in 120 s on 12,500
prisoners it left 1.06 million of exposure, 23% under the current placements', where a
facility plan of 2,000 prisoners takes 91% off. This search is simulated annealing at the
level of units, as `local_search.py` is at the level of cells: a step moves a prisoner to
another unit of his facility, or swaps two, keeps every rule a national plan has (a unit's
places, Rule 11 kinds, eligibility, the dispersal limit, separation, keep-apart orders between
units), and knows its change of objective from the units' influence and vulnerability sums.
Family distance does not change within a facility, so the facilities chosen stay chosen.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable

from .evaluate import Placement, metrics
from .problem import Problem, mixes, regime_group, regime_refusal, unit_refusal

HOT, COLD = 2.0, 0.05  # the first and last temperatures, in moves
CHECK_EVERY = 512  # steps between two looks at the clock
REPORT_EVERY_S = 0.5  # the shortest time between two reports of progress


class _Units:
    """A national placement with the counts that make every rule and cost a look-up."""

    def __init__(self, problem: Problem, placement: Placement):
        weights = problem.options.weights
        self.wu, self.wm = weights.unit_exposure, weights.move
        groups = self._read_people(problem)
        index = {u.id: k for k, u in enumerate(self.units)}
        self.capacity = [sum(problem.capacity[c.id] for c in problem.cells_of_unit[u.id])
                         for u in self.units]
        self.home = [index.get(p.current_unit, -1) for p in self.people]
        self.where = [index[placement[p.id]] for p in self.people]
        position = {p.id: i for i, p in enumerate(self.people)}
        self.apart_from: list[list[int]] = [[] for _ in self.people]
        for order in problem.keep_aparts:
            if order.level == "unit" and order.a in position and order.b in position:
                a, b = position[order.a], position[order.b]
                self.apart_from[a].append(b)
                self.apart_from[b].append(a)
        # the units of his plan's facility each prisoner may live in
        allowed: dict[tuple, list[int]] = {}
        self.eligible: list[list[int]] = []
        for i, p in enumerate(self.people):
            facility = self.units[self.where[i]].facility_id
            key = (facility, p.kind, p.regime, groups[i])
            if not p.movable:
                self.eligible.append([self.where[i]])
                continue
            if key not in allowed:
                allowed[key] = [u for u, unit in enumerate(self.units)
                                if unit.facility_id == facility and not (
                                    unit_refusal(p, unit) or regime_refusal(problem, p, unit))]
            self.eligible.append(allowed[key])
        count = len(self.units)
        self.unit_i, self.unit_v, self.unit_people = [0] * count, [0] * count, [0] * count
        self.unit_kinds: list[Counter] = [Counter() for _ in range(count)]
        self.unit_dispersed, self.unit_apart = [0] * count, [0] * count
        self.members: list[list[int]] = [[] for _ in range(count)]
        for i, u in enumerate(self.where):
            self._add(i, u)

    def _add(self, i: int, u: int) -> None:
        self.where[i] = u
        self.members[u].append(i)
        self.unit_i[u] += self.influence[i]
        self.unit_v[u] += self.vulnerability[i]
        self.unit_people[u] += 1
        self.unit_kinds[u][self.kind[i]] += 1
        self.unit_dispersed[u] += self.dispersed[i]
        self.unit_apart[u] += self.apart[i]

    def _remove(self, i: int) -> int:
        u = self.where[i]
        self.members[u].remove(i)
        self.unit_i[u] -= self.influence[i]
        self.unit_v[u] -= self.vulnerability[i]
        self.unit_people[u] -= 1
        kinds = self.unit_kinds[u]
        kinds[self.kind[i]] -= 1
        if not kinds[self.kind[i]]:
            del kinds[self.kind[i]]
        self.unit_dispersed[u] -= self.dispersed[i]
        self.unit_apart[u] -= self.apart[i]
        self.where[i] = -1
        return u

    def fits(self, i: int, u: int) -> bool:
        """Whether prisoner i (placed nowhere) may join unit u as it is now."""
        if self.unit_people[u] >= self.capacity[u] or not self.unit_allows(i, u):
            return False
        return all(self.where[j] != u for j in self.apart_from[i])

    def joining(self, i: int, u: int) -> int:
        """What prisoner i (placed nowhere) adds to the objective by joining unit u."""
        a, b = self.influence[i], self.vulnerability[i]
        return (self.wu * (a * self.unit_v[u] + b * self.unit_i[u])
                + self.wm * (self.home[i] >= 0 and self.home[i] != u))

    def leaving(self, i: int) -> int:
        """What prisoner i's leaving his unit takes off the objective."""
        u = self.where[i]
        a, b = self.influence[i], self.vulnerability[i]
        return (self.wu * (a * (self.unit_v[u] - b) + b * (self.unit_i[u] - a))
                + self.wm * (self.home[i] >= 0 and self.home[i] != u))


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

    def relocate(self, i: int, u: int, accept: Callable[[int], bool]) -> int | None:
        """Move i to unit u if lawful and accepted; the change of objective, or None."""
        before = self.leaving(i)
        old = self._remove(i)
        if self.fits(i, u):
            delta = self.joining(i, u) - before
            if accept(delta):
                self._add(i, u)
                return delta
        self._add(i, old)
        return None

    def swap(self, i: int, j: int, accept: Callable[[int], bool]) -> int | None:
        """Exchange the units of i and j if lawful and accepted; the change, or None."""
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

def improve(problem: Problem, placement: Placement, seconds: float, *, seed: int = 0,
            stop: Callable[[], bool] | None = None,
            report: Callable[[int], None] | None = None) -> Placement:
    """A national plan at least as good as `placement` (complete and lawful), within
    `seconds`: annealing from a temperature of a few moves to nearly nothing, the best plan
    met returned. `stop` is asked now and then (cancellation); `report` hears a better
    objective now and then."""
    if seconds <= 0 or any(placement.get(p.id) is None for p in problem.prisoners):
        return placement
    started = time.monotonic()
    state = _Units(problem, placement)
    movers = [i for i, units in enumerate(state.eligible) if len(units) > 1]
    scored = [i for i in movers if state.influence[i] or state.vulnerability[i]]
    if not scored:
        return placement
    rng = random.Random(seed)
    hot, cold = HOT * max(state.wm, 1), COLD * max(state.wm, 1)
    temperature = hot
    current = best = 0  # the change from `placement`'s objective
    best_where = list(state.where)
    start = metrics(problem, placement)["objective"] if report else 0
    reported, last = 0, -REPORT_EVERY_S

    def accept(delta: int) -> bool:
        return delta <= 0 or rng.random() < math.exp(-delta / temperature)

    steps = 0
    while True:
        steps += 1
        if steps % CHECK_EVERY == 0:
            elapsed = time.monotonic() - started
            if elapsed >= seconds or (stop and stop()):
                break
            temperature = hot * (cold / hot) ** (elapsed / seconds)
            if report and best < reported and elapsed >= last + REPORT_EVERY_S:
                report(start + best)
                reported, last = best, elapsed
        i = rng.choice(scored)
        u = rng.choice(state.eligible[i])
        if u == state.where[i]:
            continue
        if state.unit_people[u] < state.capacity[u] and rng.random() < 0.5:
            delta = state.relocate(i, u, accept)
        else:
            # a swap with someone of the unit who may live where i lives now
            members = state.members[u]
            if not members:
                continue
            j = members[rng.randrange(len(members))]
            if state.where[i] not in state.eligible[j]:
                continue
            delta = state.swap(i, j, accept)
        if delta is None:
            continue
        current += delta
        if current < best:
            best, best_where = current, list(state.where)
    if report and best < reported:
        report(start + best)
    return {p.id: state.units[u].id for p, u in zip(state.people, best_where, strict=True)}
