"""The small blocks of the unit Lagrangian (`unit_bound.py`): people placed exactly, with a
branch on the units they are given.

Why: the Lagrangian over units is only as strong as a linear programme in which each unit may
take a mixture of fillings, and mixtures cheat most for a few people with few units to share.
On 2,000 generated prisoners the 103 women live in the women's unit and one general unit
given over to them; their exposure and moves cost 4,782 there, which CP-SAT proves is their
optimum over those two units, but the mixtures priced them at 2,163, and the whole
relaxation could prove no more than 27,268 (a column-generation master) against plans near
29,300.

A block is a set of classes whose kinds share units only with each other (Rule 11: women,
juveniles), few enough to place exactly (`LIMIT`), with two units or more to use, none of
which holds anyone fixed. A plan gives each block a set S of units that then hold no one
else. Its cost is at least

    W(S) + Σ over the other units of their own least cost,

W(S) being the block's least exposure and moves in S. W depends on S only through how many
units of each type it holds (units alike in which of the block's classes they take, how those
may share, and what a move into them costs), each type's capacity taken as its largest (which
can only lower W); CP-SAT tabulates it for every multiset of up to `LARGEST` units — proved
optimal, or its proven bound. A plan giving more units pays W ≥ 0 and the others' loss of as
many units: at least their loss of any `LARGEST` + 1 of them, since a unit's least cost is at
most 0 (it may stay empty). For given prices the others' least costs are the Lagrangian's
units' values, so the bound takes the least over the branches — a multiset per block, and
the units that lose least, distinct across blocks (an assignment) — of W plus what the others
lose.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linear_sum_assignment

LIMIT = 300  # people in a block at most
LARGEST = 3  # units in a tabulated multiset at most
SOLVE_S = 30.0  # CP-SAT's time for one multiset at most
TABLES_SHARE = 0.6  # of the bound's time, for the tables at most (on 2,000 prisoners they
# take 19 s of 60; the bound then reaches 27,515 by 42 s and its plateau, 27,57x, by 57 s)
ASCENT_S = 13.0  # the least time the tables leave to the Lagrangian's ascent (measured on
# 19 s bounds, tables the rest: 40,905 against 34,786 without on 500 prisoners, 26,501
# against 26,613 on 2,000; with 30% of 9.5 s, 25,766 against 26,194 on 2,000)
BRANCHES = 5000  # combinations of the blocks' multisets at most (else fewer blocks)
IMPOSSIBLE = 1e15


class Block:
    """One block: its classes, the units it may use, and W per multiset of their types."""

    def __init__(self, data, classes: list[int], hosts: dict[int, list[tuple]],
                 caps: dict[int, int]):
        self.classes = np.array(classes, dtype=int)
        self.units = np.array(sorted(hosts), dtype=int)
        local = {k: i for i, k in enumerate(classes)}
        keys: dict[tuple, int] = {}
        type_of = []
        for u in self.units:
            groups = tuple(sorted(tuple(sorted(local[k] for k in g)) for g in hosts[u]))
            key = (groups, tuple(data.cost[self.classes, u]))
            type_of.append(keys.setdefault(key, len(keys)))
        self.type_of = np.array(type_of, dtype=int)
        self.keys = list(keys)
        self.caps = [max(caps[u] for u, t in zip(self.units, type_of, strict=True) if t == k)
                     for k in range(len(keys))]
        self.type_units = [self.units[self.type_of == t] for t in range(len(keys))]
        self.data = data
        # (units the branch gives, as one array of candidate units per slot; W)
        self.entries: list[tuple[list[np.ndarray], float]] = []
        self.largest = 0  # every multiset of up to this many units is tabulated

    def tabulate(self, size: int, deadline: float) -> None:
        """W for every multiset of `size` units (the smaller ones tabulated before), until
        `deadline`."""
        if size > len(self.units) or size != self.largest + 1:
            return
        available = np.array([len(units) for units in self.type_units])
        for combo in itertools.combinations_with_replacement(range(len(self.keys)), size):
            count = np.bincount(np.array(combo, dtype=int), minlength=len(self.keys))
            if (count > available).any():
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return
            least = self._least(count, min(SOLVE_S, left))
            if np.isfinite(least):
                self.entries.append(([self.type_units[t] for t in combo], least))
        self.largest = size

    def branches(self) -> list[tuple[list[np.ndarray], float]]:
        """The tabulated multisets, and any larger set: W ≥ 0 and `largest` + 1 units."""
        if self.largest >= len(self.units):
            return self.entries
        return [*self.entries, ([self.units] * (self.largest + 1), 0.0)]

    def _least(self, count: np.ndarray, seconds: float) -> float:
        """W for `count` units of each type: proved by CP-SAT (its bound if not optimal).

        The unit's influence is a level chosen among flags; at a given level its exposure
        is linear in its vulnerability, a far tighter model than the product's (which
        proved almost none of these within seconds). The vulnerability is split across the
        levels as one sum, not class by class: the same relaxation with a fifteenth of the
        variables (measured: all the tables on 2,000 prisoners in 19 s, not 34 s)."""
        data = self.data
        sizes = data.sizes[self.classes].astype(int)
        influence = data.influence[self.classes].astype(int)
        vulnerability = data.vulnerability[self.classes].astype(int)
        model = cp_model.CpModel()
        spread: list[list] = [[] for _ in self.classes]
        objective = []
        for t, copies in enumerate(count):
            groups, cost = self.keys[t]
            top = sum(int(influence[k] * sizes[k]) for group in groups for k in group)
            previous = None
            for _ in range(int(copies)):
                held, flags = [], []
                for group in groups:  # the unit holds one group of kinds that may share it
                    flag = model.NewBoolVar("")
                    flags.append(flag)
                    for k in group:
                        n = model.NewIntVar(0, int(sizes[k]), "")
                        model.Add(n <= int(sizes[k]) * flag)
                        spread[k].append(n)
                        held.append((k, n))
                        objective.append(int(round(cost[k])) * n)
                model.AddAtMostOne(flags)
                model.Add(sum(n for _k, n in held) <= self.caps[t])
                levels = [model.NewBoolVar("") for _ in range(top + 1)]
                model.AddExactlyOne(levels)
                level_of = sum(level * flag for level, flag in enumerate(levels))
                model.Add(level_of == sum(int(influence[k]) * n for k, n in held))
                # the unit's vulnerability, all of it at the unit's level
                most = sum(int(vulnerability[k] * sizes[k]) for k, _n in held)
                at = [model.NewIntVar(0, most, "") for _ in levels]
                for level, (w, flag) in enumerate(zip(at, levels, strict=True)):
                    model.Add(w <= most * flag)
                    if level:
                        objective.append(int(data.wu) * level * w)
                model.Add(sum(at) == sum(int(vulnerability[k]) * n for k, n in held))
                if previous is not None:  # units of one type are alike: order them
                    model.Add(level_of <= previous)
                previous = level_of
        for k, ns in enumerate(spread):
            if not ns:
                return np.inf
            model.Add(sum(ns) == int(sizes[k]))
        model.Minimize(sum(objective))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.num_workers = 1
        status = solver.Solve(model)
        if status == cp_model.INFEASIBLE:
            return np.inf
        return max(0.0, float(solver.BestObjectiveBound()))  # costs are never negative


def find(data, hosted: list[tuple], deadline: float) -> list[Block]:
    """The blocks among the classes, tabulated until `deadline` (none if it has passed).
    `hosted` holds per unit its places, who is fixed there, and its groups of classes that
    may share it."""
    if deadline <= time.monotonic():
        return []
    parent = list(range(len(data.sizes)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for _cap, _fixed, groups in hosted:
        for group in groups:
            for k in group[1:]:
                parent[root(k)] = root(group[0])
    members: dict[int, list[int]] = {}
    for k in range(len(parent)):
        members.setdefault(root(k), []).append(k)
    found = []
    for classes in sorted(members.values(), key=lambda c: -data.sizes[c].sum()):
        if data.sizes[classes].sum() > LIMIT:
            continue
        mine = set(classes)
        hosts = {u: [g for g in groups if g[0] in mine]
                 for u, (_cap, _fixed, groups) in enumerate(hosted)}
        hosts = {u: groups for u, groups in hosts.items() if groups}
        if len(hosts) < 2 or any(hosted[u][1] for u in hosts):
            continue
        found.append(Block(data, classes, hosts, {u: hosted[u][0] for u in hosts}))
    # every block's pairs before any block's triples, so that the small blocks' tables are
    # done first (measured on 2,000 prisoners: the women's triples take 17 s, the juveniles'
    # and the separation units' whole tables under 2 s). A block whose tables are cut short
    # is left to the prices: its branch beyond them proves only W ≥ 0 (measured on 1,000
    # prisoners in 19 s, a block of 281 with its pairs done: 20,782 kept, 25,867 priced)
    for size in range(1, LARGEST + 1):
        for block in found:
            block.tabulate(size, deadline)
    blocks, branches = [], 1
    for block in found:
        if block.largest < min(LARGEST, len(block.units)):
            continue
        if branches * len(block.branches()) > BRANCHES:
            continue
        branches *= len(block.branches())
        blocks.append(block)
    return blocks


def cheapest(blocks: list[Block], values: np.ndarray) -> tuple[float, np.ndarray]:
    """The least over the blocks' branches of W plus what the other units lose (their values,
    at most 0, are gone from the units given), and the units given in it."""
    best, given = np.inf, np.zeros(0, dtype=int)
    for combination in itertools.product(*(block.branches() for block in blocks)):
        w = sum(entry[1] for entry in combination)
        if w >= best:
            continue
        slots = [units for entry in combination for units in entry[0]]
        cost = np.full((len(slots), len(values)), IMPOSSIBLE)
        for row, units in enumerate(slots):
            cost[row, units] = -values[units]
        rows, chosen = linear_sum_assignment(cost)
        lost = cost[rows, chosen]
        if len(rows) < len(slots) or lost.max() >= IMPOSSIBLE:
            continue  # fewer units than the branch needs
        if w + lost.sum() < best:
            best, given = w + float(lost.sum()), chosen
    if not np.isfinite(best):  # no branch fits (never for a facility with a lawful plan)
        return 0.0, np.zeros(0, dtype=int)  # W ≥ 0, and no unit given loses nothing
    return best, given
