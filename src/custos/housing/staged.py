"""A large facility's plan in two stages: how many of each kind of prisoner to each unit, then
each unit's cells.

Variables exist only for the places a prisoner may occupy; current placements are the
starting point (hints); identical cells are ordered to break symmetry (`cell_model.py`).
The unit stage is a relaxation of the whole problem, so its proven bound bounds the plan's
objective from below. Whoever a unit's cells cannot take is repaired greedily.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from . import baseline, cell_model, unit_model
from .evaluate import Placement
from .problem import mixes
from .run import Run, status_of
from .unit_model import own_exposure


def _unit_hint(problem, movable, fixed, start: Placement) -> dict[int, int]:
    """Units to start the unit stage from: the start's, and for whom the start found no cell,
    a unit with room whose people they may live with (cells are the next stage's concern)."""
    hint = {p.id: problem.cell_by_id[start[p.id]].unit_id for p in movable
            if start.get(p.id) is not None}
    count, kinds = Counter(), defaultdict(set)
    for prisoner in [*movable, *fixed]:
        unit_id = hint.get(prisoner.id, prisoner.current_unit if not prisoner.movable else None)
        if unit_id is not None:
            count[unit_id] += 1
            kinds[unit_id].add(prisoner.kind)
    places = {u.id: sum(problem.capacity[c.id] for c in problem.cells_of_unit[u.id])
              for u in problem.units}
    for prisoner in movable:
        if prisoner.id in hint:
            continue
        for unit_id in unit_model.eligible_units(problem, prisoner, problem.units):
            unit = problem.unit_by_id[unit_id]
            if count[unit_id] < places[unit_id] and all(
                    mixes(unit, prisoner.kind, kind) for kind in kinds[unit_id]):
                hint[prisoner.id] = unit_id
                count[unit_id] += 1
                kinds[unit_id].add(prisoner.kind)
                break
    return hint


def solve(problem, movable, fixed, run: Run, start: Placement):
    total = run.left()
    hint = _unit_hint(problem, movable, fixed, start)
    # the unit stage's objective: unit exposure and moves between units; the plan's adds cell
    # exposure (never below zero) and moves within units, so the stage's bound is the plan's
    offset = problem.options.weights.unit_exposure * own_exposure(problem.prisoners)
    # Whoever the start leaves out may stay out, at a prohibitive cost: the start is then a
    # complete solution the search improves from, instead of one it must first repair.
    stage = unit_model.build(problem, movable, fixed, hint=hint, allow_unplaced=True)
    solver, code = run.solve(stage.model, total * 0.4,
                             lambda obj, bound: run.say("units", 0.2, obj - offset,
                                                        bound - offset), presolve=False)
    status = status_of(code)
    if status in ("infeasible", "unknown"):
        return {}, status, 0
    left_out = sum(solver.Value(v) for v in stage.left.values())
    if left_out and status == "optimal":  # proved: not everyone can be housed
        return {}, "infeasible", 0
    # with someone left out, the bound counts their prohibitive cost: no bound for the plan
    bound = 0 if left_out else int(solver.BestObjectiveBound()) - offset
    units_of = unit_model.read(stage, solver)
    run.say("units", 0.4, int(solver.ObjectiveValue()) - offset, bound)

    placement: Placement = {p.id: p.current_cell for p in fixed}
    by_unit: dict[int, list] = {}
    for prisoner in movable:
        if units_of[prisoner.id] is None:
            placement[prisoner.id] = None
        else:
            by_unit.setdefault(units_of[prisoner.id], []).append(prisoner)
    work = {u: len(people) * len(problem.cells_of_unit[u]) for u, people in by_unit.items()}
    remaining = sum(work.values()) or 1
    done = 0
    short = []  # units whose cells left someone out, to try again with the time kept back
    for unit_id, people in sorted(by_unit.items()):
        share = work[unit_id] / remaining
        remaining -= work[unit_id]
        if run.over():  # the stages' time is up: the unit's people wait for the repair
            placed, code = {p.id: None for p in people}, cp_model.UNKNOWN
        else:
            placed, code = _cells(problem, unit_id, people, fixed, start, run,
                                  run.left() * 0.75 * share)
        if code != cp_model.OPTIMAL:
            status = "feasible"
        if any(place is None for place in placed.values()):
            short.append((unit_id, people))
        placement.update(placed)
        done += work[unit_id]
        run.say("cells", 0.4 + 0.6 * done / sum(work.values()), None, bound)
    for index, (unit_id, people) in enumerate(short):
        if run.over():
            break
        placed, _code = _cells(problem, unit_id, people, fixed, start, run,
                               run.left() / (len(short) - index))
        if sum(p is None for p in placed.values()) < sum(
                placement[p.id] is None for p in people):
            placement.update(placed)
    _repair(problem, placement, run)
    return placement, status, bound


def _cells(problem, unit_id: int, people, fixed, start: Placement, run: Run, seconds: float):
    """One unit's cells for the people the unit stage sent there."""
    staying = [p for p in fixed if p.current_unit == unit_id]
    cells = problem.cells_of_unit[unit_id]
    stage = cell_model.build(problem, people, staying, cells, whole=False, hint=start)
    solver, code = run.solve(stage.model, seconds)
    placed = ({p.id: None for p in people} if status_of(code) in ("infeasible", "unknown")
              else cell_model.read(stage, solver))
    if any(place is None for place in placed.values()) and not run.stopped:
        # house everyone first, exposure aside: a lawful, complete unit beats a better one
        # that leaves someone out
        again = cell_model.build(problem, people, staying, cells, whole=False, hint=start)
        again.model.Minimize(sum(again.unplaced.values()))
        solver, second = run.solve(again.model, min(max(seconds, 2.0), run.left()))
        if status_of(second) in ("optimal", "feasible"):
            found = cell_model.read(again, solver)
            if sum(p is None for p in found.values()) < sum(
                    p is None for p in placed.values()):
                placed, code = found, cp_model.FEASIBLE
    return placed, code


def _repair(problem, placement: Placement, run: Run) -> None:
    """Whoever a unit's cells could not take goes to the first cell anywhere that fits, or to
    one whose occupants can all move elsewhere — while the stages' time lasts (then whoever
    is left stays without a place, and the plan is one of the greedy ones)."""
    waiting = [p for p in problem.prisoners if placement.get(p.id) is None]
    if not waiting:
        return
    state = baseline.State(problem)
    for prisoner in problem.prisoners:
        place = placement.get(prisoner.id)
        if place is not None:
            state.put(prisoner, place)
    order = [c.id for c in sorted(problem.cells, key=lambda c: (c.unit_id, c.label, c.id))]
    for prisoner in waiting:
        if run.over():
            break
        place = state.first_place(prisoner, order)
        if place is not None:
            state.put(prisoner, place)
        else:
            state.make_room(prisoner, order)
    placement.update({p.id: state.where[p.id][0] for p in problem.prisoners
                      if p.id in state.where})
