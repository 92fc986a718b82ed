"""A lower bound for a facility plan from its units alone: a Lagrangian over who goes where.

Why: the unit stage's CP-SAT bound comes from its LP, where the product I_u × V_u (influence
times vulnerability of a unit's people) relaxes to almost nothing (measured: under 1,000
after 60 s on 2,000 prisoners whose plans cost 30,000). Here the product is kept whole inside
a small problem for each unit, and only the link between units — everyone is in exactly one
— is priced.

The relaxation. A plan puts everyone in one unit; its cost is at least

    Σ_u [ unit_exposure × (I_u × V_u − Σ_{i in u} influence_i × vulnerability_i)
          + move × #{i in u: i was in a cell, and not in one of u} ]

(cell exposure ≥ 0 dropped, moves within a unit dropped, and every rule but the unit's
capacity, eligibility — `unit_model.eligible_units` — and Rule 11's kinds relaxed; fixed
prisoners count where they are). Prisoners alike in scores, eligible units, kind and current
unit form a class k of s_k members; n_ku is how many of them unit u takes. For any prices
λ_k (of any sign), adding Σ_k λ_k (s_k − Σ_u n_ku) = 0 and letting each unit choose freely
gives

    L(λ) = Σ_k λ_k s_k + Σ_u min_{n_u} [ cost_u(n_u) − Σ_k λ_k n_ku ]  ≤  every plan's cost,

the minimum taken over what one unit could hold (its capacity, its eligible classes, kinds
that may share it) — a larger set than the plan's choices, so the minimum is no larger.

Each unit's minimum is bounded from below, never computed above. Thresholds t_0 < t_1 < …
(t_0 the fixed prisoners' influence, then steps of 1, then of 1.5%) cut the possible I_u into
ranges; within [t_j, t_{j+1} − 1], I_u × V_u ≥ t_j × V_u, so with that range kept as a
constraint the cost is linear in the counts. Its LP relaxation (no larger) is bounded
through its dual: for any multiplier γ of the range (γ ≥ 0 prices reaching t_j, γ < 0
staying under t_{j+1}), the cheapest counts within the capacity — the cheapest people first,
which is exact for a cardinality and bounds — plus γ × the range's end give a value no
larger than the LP's (weak duality); γ is searched by cutting planes. The unit's bound is the
least over ranges (every choice lies in one) and over the kinds that may share the unit.
The prices λ are improved by subgradient steps; every L(λ) evaluated is a valid bound, and
the best is returned. Given time, the few people who share units only with each other
(women, juveniles) are not priced but placed exactly, with a branch on the units they are
given (`block_bound.py`: 27,332 against 26,500 in 60 s on 2,000 prisoners). The objective
is an integer, so L rounded up from within 10⁻⁶ of one (floating-point error) is still
valid.
"""

from __future__ import annotations

import functools
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from . import block_bound
from .problem import Problem
from .unit_model import eligible_units, own_exposure

GROWTH = 1.015  # thresholds above the first 16 grow by this: the product loses at most 1.5%
# (measured on 2,000 prisoners, 57 s: 27,571 against 27,323 with 3%; with 1%, 0.5% and steps
# of 1 throughout, whose many ranges slow each evaluation, 27,565, 27,560 and 27,553. In 60 s
# solves, seeds 0-3: 27,553 to 27,570, against 27,281 to 27,324 with 3%)
SCALE = 2.0  # of Polyak's step
PATIENCE = 15  # evaluations without a better value before the level is halved
AVERAGE = 0.2  # the newest choice's weight in the averaged counts the step follows
# (measured on 2,000 prisoners aiming at 29,600, after 100/200/300/500 evaluations:
# 23,976/26,008/26,393/26,433, against 24,134/25,109/25,248/25,262 following each
# evaluation's own counts with the level halved after 10 stalls, as before)
MAX_CUTS = 30  # cutting planes per range at most (it takes about five, far fewer than bisection)
TOLERANCE = 0.01  # how close a range's dual is taken to its maximum


@dataclass
class _Part:
    """One unit's choice among one group of kinds that may share it."""

    classes: np.ndarray  # indices into the class arrays
    cap: int  # places left once the fixed prisoners are in
    influence0: int  # the fixed prisoners'
    vulnerability0: int
    thresholds: np.ndarray


def unit_lagrangian_bound(problem: Problem, seconds: float, *,
                          target: Callable[[], float] | None = None,
                          found: Callable[[int], None] | None = None,
                          tables: float | None = None) -> int:
    """The best L(λ) found within `seconds` (see the module); 0 when a weight is negative.

    Subgradient ascent with Polyak's steps towards a level: the best value so far plus a
    margin, which starts as the distance to `target()` (the objective of the best plan known,
    which may improve meanwhile; never aimed beyond) and is halved whenever the value stalls.
    Aiming at the plan itself overshoots by as much as the plan is above the optimum, and the
    search's plans stand 15–30% above the best bounds. The step follows an average of the
    counts the units chose over the last evaluations (as Barahona and Anbil's volume
    algorithm does), not only the last: the classes of a few people each flip between units
    from one evaluation to the next, and the plain step zigzags. Each class's step is divided
    by its size — a price is per person, and the large classes of people without scores
    would otherwise take all the step (measured: 19,700 instead of 11,100 after 60 s on 2,000
    prisoners).
    `found` hears each better bound as soon as it is proved. With `tables` seconds (by
    default `block_bound.TABLES_SHARE` of the time, leaving the ascent `block_bound.ASCENT_S`
    at least), the small blocks of people who share units only with each other are placed
    exactly (`block_bound.py`).
    """
    weights = problem.options.weights
    if min(weights.move, weights.unit_exposure, weights.cell_exposure) < 0:
        return 0
    started = time.monotonic()
    if tables is None:
        tables = min(seconds * block_bound.TABLES_SHARE,
                     max(0.0, seconds - block_bound.ASCENT_S))
    data = _Data(problem, started + tables)
    offset = weights.unit_exposure * data.own
    prices = np.zeros(len(data.sizes))
    best, highest, level, stalled = 0, -np.inf, None, 0
    averaged, best_prices, started_from = None, prices, 0.0
    while time.monotonic() - started < seconds:
        value, taken = data.evaluate(prices)
        proved = int(np.floor(value + 1e-6)) - offset
        if proved > best:
            best = proved
            if found:
                found(best)
        aim = (target() if target else data.crude_target() - offset) + offset
        if value > highest:
            highest, stalled, best_prices = value, 0, prices
        else:
            stalled += 1
            if stalled >= PATIENCE:
                level, stalled = level / 2, 0
        if level is None:
            level, started_from = aim - value, aim
        elif aim - highest < (started_from - highest) / 2:
            # the plan has come much nearer (the first aim is a greedy plan's, 4–5 times the
            # search's): the steps so far were for a distance long gone, so start again from
            # the best prices (measured on 2,000 prisoners, aiming at 149,445 for the first
            # 50 evaluations and then at the search's plans: 26,384 after 450 evaluations
            # against 25,507 going on)
            prices, averaged, stalled = best_prices, None, 0
            level, started_from = aim - highest, aim
            continue
        averaged = taken if averaged is None else AVERAGE * taken + (1 - AVERAGE) * averaged
        gradient, direction = data.sizes - taken, data.sizes - averaged
        norm = float(gradient @ (gradient / data.sizes))
        if norm == 0:
            break  # every class exactly placed: the prices are optimal
        # the average's norm can be far smaller than a single step's: the larger keeps the
        # step within what one evaluation says
        norm = max(norm, float(direction @ (direction / data.sizes)))
        goal = min(aim, highest + level)
        prices = prices + SCALE * max(goal - value, 1.0) / norm * (direction / data.sizes)
    return best


@functools.cache
def warm() -> None:
    """Have the ranges' code compiled (the first time on a machine, about 4 s; after that it is
    read from the disk cache), before the process for the bound is forked, which then has
    all its time for the bound."""
    one = np.ones(1)
    _ranges_bound(one, one, one, one, 1.0, one, 1.0, 0.0, 0.0)


class Background:
    """`unit_lagrangian_bound` in a process of its own, beside the search (which holds the
    interpreter's lock the whole time, so a thread would halve it).

    The process is forked before the solver starts any thread of its own (so it needs no
    pickling and imports nothing again — "spawn" would re-run the caller's main module),
    told each better objective the search finds (`aim`), and publishes each better bound it
    proves; `result` takes the best so far and ends the process, which never makes the plan
    later: the plan's clock is the parent's.
    """

    def __init__(self, problem: Problem, seconds: float, target: int):
        context = multiprocessing.get_context("fork")
        self._best = context.RawValue("q", 0)
        self._target = context.RawValue("q", target)
        self._process = context.Process(target=_work, daemon=True, args=(
            problem, seconds, self._best, self._target))
        self._process.start()

    def aim(self, objective: int) -> None:
        self._target.value = min(self._target.value, objective)

    def proved(self) -> int:
        return int(self._best.value)

    def result(self) -> int:
        """The best bound proved; the process is ended (and this may be asked again)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        return int(self._best.value)


def _work(problem: Problem, seconds: float, best, target) -> None:
    def publish(bound: int) -> None:
        best.value = bound

    unit_lagrangian_bound(problem, seconds, target=lambda: float(target.value), found=publish)


class _Data:
    def __init__(self, problem: Problem, deadline: float = np.inf):
        weights = problem.options.weights
        self.wu, move = weights.unit_exposure, weights.move
        units = sorted(problem.units, key=lambda u: u.id)
        unit_index = {u.id: k for k, u in enumerate(units)}
        capacity = problem.capacity
        fixed = defaultdict(list)
        keys: dict[tuple, int] = {}
        members: list[list] = []
        for prisoner in problem.prisoners:
            cell = problem.cell_by_id.get(prisoner.current_cell)
            if not prisoner.movable and cell is not None:
                fixed[cell.unit_id].append(prisoner)
                continue
            key = (prisoner.influence, prisoner.vulnerability, prisoner.kind,
                   prisoner.current_cell is not None, cell.unit_id if cell else None,
                   tuple(eligible_units(problem, prisoner, units)))
            if key not in keys:
                keys[key] = len(members)
                members.append([])
            members[keys[key]].append(prisoner)
        self.own = own_exposure(problem.prisoners)
        ordered = list(keys)
        self.influence = np.array([k[0] for k in ordered], dtype=float)
        self.vulnerability = np.array([k[1] for k in ordered], dtype=float)
        self.sizes = np.array([len(m) for m in members], dtype=float)
        # a class's move, were it to leave its unit (for `crude_target`)
        self.move_from = np.where([k[3] for k in ordered], float(move), 0.0)
        # cost[k, u]: the move a member pays in unit u
        cost = np.zeros((len(ordered), len(units)))
        for k, key in enumerate(ordered):
            if key[3]:
                cost[k, :] = move
                if key[4] in unit_index:
                    cost[k, unit_index[key[4]]] = 0
        self.cost = cost
        hosted = []  # per unit: places left, who is fixed there, groups that may share it
        for unit in units:
            here = fixed.get(unit.id, [])
            groups = defaultdict(list)
            for k, key in enumerate(ordered):
                if unit.id in key[5]:
                    groups[_mixing_key(unit, key[2])].append(k)
            fixed_groups = {_mixing_key(unit, p.kind) for p in here}
            cap = sum(capacity[c.id] for c in problem.cells_of_unit[unit.id]) - len(here)
            hosted.append((max(cap, 0), here, [
                classes for group, classes in groups.items()
                if not fixed_groups or group in fixed_groups]))
        self.blocks = block_bound.find(self, hosted, deadline)
        self.others = np.ones(len(ordered), dtype=bool)  # the classes priced (not in a block)
        for block in self.blocks:
            self.others[block.classes] = False
        self.parts: list[tuple[int, _Part]] = []
        for u, (cap, here, groups) in enumerate(hosted):
            i0 = sum(p.influence for p in here)
            v0 = sum(p.vulnerability for p in here)
            groups = [classes for classes in groups if self.others[classes[0]]]
            for classes in groups:
                index = np.array(classes, dtype=int)
                top = i0 + int(self.influence[index] @ self.sizes[index])
                self.parts.append((u, _Part(index, cap, i0, v0, _thresholds(i0, top))))
            if not groups:
                self.parts.append((u, _Part(np.zeros(0, dtype=int), 0, i0, v0,
                                            np.array([float(i0)]))))
        self.unit_count = len(units)

    def crude_target(self) -> float:
        """Everyone's influence meeting everyone's vulnerability, and every move: a scale for
        the steps when no plan's objective is known."""
        return float(self.wu * (self.influence @ self.sizes) * (self.vulnerability @ self.sizes)
                     + self.move_from @ self.sizes)

    def evaluate(self, prices: np.ndarray) -> tuple[float, np.ndarray]:
        """L(prices), and how many of each class the units' cheapest choices take (a block's
        classes count as all taken: they are placed exactly, never priced)."""
        by_unit: dict[int, tuple[float, _Part, np.ndarray]] = {}
        for u, part in self.parts:
            value, chosen = self._part(u, part, prices)
            if u not in by_unit or value < by_unit[u][0]:
                by_unit[u] = (value, part, chosen)
        values = np.array([by_unit[u][0] for u in range(self.unit_count)])
        total = float(prices @ (self.sizes * self.others)) + float(values.sum())
        taken = self.sizes * ~self.others
        given: set[int] = set()
        if self.blocks:
            lost, units = block_bound.cheapest(self.blocks, values)
            total += lost
            given = set(units.tolist())
        for u, (_value, part, chosen) in by_unit.items():
            if u not in given:
                taken[part.classes] += chosen
        return total, taken

    def _part(self, u: int, part: _Part, prices: np.ndarray):
        """A lower bound for min over the part's choices of cost − prices · n, and a choice
        that nearly attains it (for the subgradient)."""
        idx = part.classes
        t = part.thresholds
        if not len(idx) or part.cap == 0:
            return float((self.wu * t * part.vulnerability0).min()), np.zeros(len(idx))
        value, chosen = _ranges_bound(self.cost[idx, u] - prices[idx], self.vulnerability[idx],
                                      self.influence[idx], self.sizes[idx], float(part.cap),
                                      t, float(self.wu), float(part.influence0),
                                      float(part.vulnerability0))
        return float(value), chosen


@njit(cache=True)
def _ranges_bound(base, v, a, s, cap, t, wu, influence0, vulnerability0):
    """The least over the part's ranges of the dual of each: for range j and multiplier γ,

        φ_j(γ) = constant_j + min_n Σ_k (each_jk − γ a_k) n_k + (γ low_j if γ ≥ 0 else γ high_j)

    with each_jk = base_k + wu t_j v_k, constant_j = wu t_j × the fixed people's
    vulnerability, and low_j, high_j the influence the chosen must bring, over counts within
    the capacity (the cheapest people first: exact), is at most the range's LP optimum (weak
    duality), and concave and piecewise linear in γ. It is maximised by cutting planes — the
    next γ is where the tangents from either side of the maximum meet, which also bounds the
    maximum from above — and only for the ranges that could still be the least: a range
    whose best value already reaches another's upper estimate cannot lower the part's bound
    (measured: a fifth of the solves of the bisection it replaced, for a tighter bound).
    Compiled (Numba): 0.2 ms a part against 0.7 ms in NumPy on 2,000 prisoners. Returns the
    least φ found and the counts its range takes at its γ."""
    count, m = t.shape[0], base.shape[0]
    each = np.empty((count, m))
    for j in range(count):
        for k in range(m):
            each[j, k] = base[k] + wu * t[j] * v[k]
    constant = wu * t * vulnerability0
    low = t - influence0  # the influence the chosen bring: at least
    high = np.empty(count)  # and at most
    for j in range(count):
        high[j] = min((t[j + 1] - 1 if j + 1 < count else np.inf) - influence0, 1e12)
    none = np.empty(0)
    best, slope, gamma = np.empty(count), np.empty(count), np.zeros(count)
    for j in range(count):
        best[j], slope[j] = _range_at(each, j, 0.0, a, s, cap, constant, low, high, none)
    # each range's maximum lies between a point where φ rises (lo) and one where it falls
    # (hi); the other side of γ = 0 is taken far enough for the people with influence to
    # come first (γ > 0) or last (γ < 0)
    span = (each.max() - each.min()) + np.abs(each).max() + 1.0
    # a range whose value at γ = 0 already reaches a range's maximum cannot be the least
    exact = np.inf
    for j in range(count):
        if slope[j] == 0:
            exact = min(exact, best[j])
    lo_g, lo_p, lo_s = np.zeros(count), best.copy(), slope.copy()
    hi_g, hi_p, hi_s = np.zeros(count), best.copy(), slope.copy()
    for j in range(count):
        if slope[j] != 0 and best[j] < exact:
            far = span if slope[j] > 0 else -span
            phi, at = _range_at(each, j, far, a, s, cap, constant, low, high, none)
            if slope[j] > 0:
                hi_g[j], hi_p[j], hi_s[j] = far, phi, at
            else:
                lo_g[j], lo_p[j], lo_s[j] = far, phi, at
            if phi > best[j]:
                best[j], gamma[j] = phi, far
    # a range is open while its maximum is bracketed; else its best is what it gets
    bracketed = (lo_s > 0) & (hi_s < 0)
    cut, upper = np.zeros(count), np.empty(count)
    for _ in range(MAX_CUTS):
        for j in range(count):  # the tangents meet at `cut`, where they bound the maximum
            if bracketed[j]:
                meet = (hi_p[j] - lo_p[j] + lo_s[j] * lo_g[j] - hi_s[j] * hi_g[j]) \
                    / (lo_s[j] - hi_s[j])
                cut[j] = min(max(meet, lo_g[j]), hi_g[j])
                upper[j] = lo_p[j] + lo_s[j] * (cut[j] - lo_g[j])
            elif slope[j] == 0 or lo_s[j] == 0 or hi_s[j] == 0:
                upper[j] = best[j]
            else:
                upper[j] = np.inf
        rows = np.flatnonzero(bracketed & (upper - best > TOLERANCE) & (best < upper.min()))
        if not rows.shape[0]:
            break
        for j in rows:
            phi, at = _range_at(each, j, cut[j], a, s, cap, constant, low, high, none)
            if phi > best[j]:
                best[j], gamma[j] = phi, cut[j]
            if at > 0:
                lo_g[j], lo_p[j], lo_s[j] = cut[j], phi, at
            elif at < 0:
                hi_g[j], hi_p[j], hi_s[j] = cut[j], phi, at
            else:  # a zero supergradient: the maximum
                bracketed[j] = False
                slope[j] = 0.0
    j = best.argmin()
    chosen = np.zeros(m)
    _range_at(each, j, gamma[j], a, s, cap, constant, low, high, chosen)
    return best[j], chosen


@njit(cache=True)
def _range_at(each, j, gamma, a, s, cap, constant, low, high, chosen):
    """φ_j(γ) and a supergradient there; the counts taken are written to `chosen` unless it
    is empty."""
    m = a.shape[0]
    cost = np.empty(m)
    for k in range(m):
        cost[k] = each[j, k] - gamma * a[k]
    left, total, brought = cap, 0.0, 0.0
    for k in np.argsort(cost, kind="mergesort"):
        if cost[k] >= 0 or left <= 0:
            break
        take = min(s[k], left)
        total += cost[k] * take
        brought += a[k] * take
        left -= take
        if chosen.shape[0]:
            chosen[k] = take
    phi = constant[j] + total + (gamma * low[j] if gamma >= 0 else gamma * high[j])
    if gamma > 0 or (gamma == 0 and brought < low[j]):
        return phi, low[j] - brought
    if gamma < 0 or brought > high[j]:
        return phi, high[j] - brought
    return phi, 0.0


def _mixing_key(unit, kind: tuple) -> tuple:
    """Kinds with one key may share the unit (`problem.mixes`: equal where not mixed)."""
    return (kind[0] if not unit.mixed_sex else None, kind[1] if not unit.mixed_age else None,
            kind[2] if not unit.mixed_legal_status else None)


def _thresholds(start: int, top: int) -> np.ndarray:
    found, t = [], float(start)
    while t <= top:
        found.append(t)
        t = t + 1 if t < start + 16 else np.floor(t * GROWTH) + 1
    return np.array(found or [float(start)])
