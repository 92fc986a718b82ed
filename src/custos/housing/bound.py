"""A lower bound for a facility plan's objective: who stays put, unit by unit, as a minimum cut.

Every prisoner with a current cell either stays in it or moves (and pays the move). Take any
lawful plan and, for each unit u, the set T_u of its current residents who stay in their own
cell. The plan's cost is at least

    Σ_u  f_u(T_u),   f_u(T) = move × |R_u \\ T|
                               + unit_exposure × exposure(T)
                               + cell_exposure × Σ_c exposure(T ∩ c),

where R_u are u's current residents and exposure(S) sums influence_i × vulnerability_j over
ordered pairs of distinct people of S:

* every prisoner outside T_u moved, and each counts once (in his current unit);
* the people of unit u in the plan include T_u, and those of cell c include T_u ∩ c; exposure
  only grows when people are added (every influence and vulnerability is ≥ 0), so the plan's
  unit and cell exposure are at least those of the stayers;
* everything else (exposure brought by newcomers, family distance) is ≥ 0.

So the objective is ≥ Σ_u min_T f_u(T), whatever the rules allow: a true lower bound, and
one that only relaxes (each unit decides alone, ignoring where the movers go and the rules).

Each min_T f_u(T) is bounded from below by a minimum s–t cut. A prisoner with influence
gives a node on the source side when he stays (cut edge source→node of the move's cost
otherwise); a prisoner with vulnerability a node on the sink side when he stays (edge
node→sink of the move's cost); an edge influencer→vulnerable of the pair's exposure cost is
cut exactly when both stay. For people without both scores this is f_u exactly. Whoever has
both is split in two nodes, an influence one and a vulnerability one, each with half the
move's cost: when both halves agree the cut pays what f_u pays, and when they disagree it
pays half a move and drops one side's exposure — never more than any real choice, so the cut
is ≤ min_T f_u(T). Someone who may not move (admissions plans) stays: his edges to the
terminals are uncuttable. Someone whose current cell is now closed to him by the rules must
move: he pays the move and stays out of the graph.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import maximum_flow

from .problem import Problem, cell_refusal, regime_refusal, unit_refusal

_LARGEST = 2**30  # capacities are int32: a cut never costs this much here


def stay_or_move_bound(problem: Problem) -> int:
    """A lower bound for the objective of every lawful facility (or admissions) plan."""
    weights = problem.options.weights
    if min(weights.move, weights.unit_exposure, weights.cell_exposure) < 0:
        return 0
    residents: dict[int, list] = defaultdict(list)
    forced = 0
    for prisoner in problem.prisoners:
        cell = problem.cell_by_id.get(prisoner.current_cell)
        if cell is None:
            continue
        unit = problem.unit_by_id[cell.unit_id]
        if prisoner.movable and (unit_refusal(prisoner, unit)
                                 or regime_refusal(problem, prisoner, unit)
                                 or cell_refusal(prisoner, cell)):
            forced += weights.move
            continue
        residents[cell.unit_id].append(prisoner)
    return forced + sum(_unit_cut(people, weights) for people in residents.values())


def _unit_cut(people, weights) -> int:
    """min_T f_u(T) from below, for one unit's residents (see the module)."""
    scored = [p for p in people if p.influence > 0 or p.vulnerability > 0]
    influencers = [p for p in scored if p.influence > 0]
    vulnerable = [p for p in scored if p.vulnerability > 0]
    if not influencers or not vulnerable:
        return 0
    source, sink = 0, 1
    node_i = {p.id: 2 + k for k, p in enumerate(influencers)}
    node_v = {p.id: 2 + len(influencers) + k for k, p in enumerate(vulnerable)}
    rows, cols, caps = [], [], []
    half = weights.move // 2

    def edge(a: int, b: int, capacity: int) -> None:
        if capacity > 0:
            rows.append(a)
            cols.append(b)
            caps.append(capacity)

    pair_total = 0
    for one in influencers:
        for other in vulnerable:
            if one.id == other.id:
                continue
            same_cell = one.current_cell == other.current_cell
            cost = one.influence * other.vulnerability * (
                weights.unit_exposure + (weights.cell_exposure if same_cell else 0))
            edge(node_i[one.id], node_v[other.id], cost)
            pair_total += cost
    if pair_total == 0:
        return 0
    stuck = min(_LARGEST, pair_total + 1)  # more than any cut that lets him stay
    for p in influencers:
        both = p.vulnerability > 0
        edge(source, node_i[p.id], stuck if not p.movable else half if both else weights.move)
    for p in vulnerable:
        both = p.influence > 0
        edge(node_v[p.id], sink,
             stuck if not p.movable else weights.move - half if both else weights.move)
    if pair_total >= _LARGEST:  # beyond int32: fall back on the cheapest certain term
        return 0
    size = 2 + len(influencers) + len(vulnerable)
    graph = coo_matrix((np.array(caps, dtype=np.int32), (rows, cols)),
                       shape=(size, size)).tocsr()
    return int(maximum_flow(graph, source, sink).flow_value)
