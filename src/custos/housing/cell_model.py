"""Prisoners to cells: a Boolean for each prisoner and each cell he may occupy.

Used per unit after the unit stage (then the unit-level rules already hold and only cell and
landing rules remain), and for a whole facility at once when it is small enough to solve
exactly (then the unit-level rules and unit exposure are in the model too).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .problem import Problem, cell_refusal, mixes, regime_group, regime_refusal, unit_refusal
from .unit_model import UNPLACED_COST, _exposure


@dataclass
class CellStage:
    model: cp_model.CpModel
    chosen: dict[tuple[int, int], cp_model.IntVar]  # (prisoner, cell) -> placed there
    unplaced: dict[int, cp_model.IntVar]


def build(problem: Problem, movable, fixed, cells, *, whole: bool,
          allow_unplaced: bool = True, hint: dict | None = None) -> CellStage:
    """The model for `movable` prisoners over `cells`; `fixed` ones stay in their cells.

    `whole`: the cells are a whole facility and unit-level rules must be modelled too.
    `allow_unplaced`: a prisoner may be left out, at a cost far above any other, so that a
    unit whose cells cannot take everyone still yields a plan and says who is left.
    `hint`: cells to start from for those not staying in their current cell.
    """
    weights = problem.options.weights
    model = cp_model.CpModel()
    capacity = problem.capacity
    cell_ids = {c.id for c in cells}
    units = {c.unit_id for c in cells}
    occupants: dict[int, list] = defaultdict(list)
    for prisoner in fixed:
        if prisoner.current_cell in cell_ids:
            occupants[prisoner.current_cell].append(prisoner)
    where_fixed = {p.id: p.current_cell for p in fixed}

    chosen: dict[tuple[int, int], cp_model.IntVar] = {}
    by_cell: dict[int, list] = defaultdict(list)
    unit_ok: dict[tuple, bool] = {}
    for prisoner in movable:
        for cell in cells:
            key = (prisoner.kind, prisoner.regime, regime_group(problem, prisoner), cell.unit_id)
            if key not in unit_ok:
                unit = problem.unit_by_id[cell.unit_id]
                unit_ok[key] = not (unit_refusal(prisoner, unit)
                                    or regime_refusal(problem, prisoner, unit))
            if not unit_ok[key] or cell_refusal(prisoner, cell):
                continue
            here = occupants.get(cell.id, ())
            if here and (prisoner.needs_single_cell or any(p.needs_single_cell for p in here)
                         or here[0].kind != prisoner.kind or len(here) >= capacity[cell.id]):
                continue
            var = model.NewBoolVar(f"x{prisoner.id}_{cell.id}")
            chosen[prisoner.id, cell.id] = var
            by_cell[cell.id].append((prisoner, var))

    unplaced = {}
    options_of: dict[int, list] = defaultdict(list)
    for (prisoner_id, _cell), var in chosen.items():
        options_of[prisoner_id].append(var)
    for prisoner in movable:
        options = options_of.get(prisoner.id, [])
        if allow_unplaced:
            unplaced[prisoner.id] = model.NewBoolVar(f"u{prisoner.id}")
            model.AddExactlyOne([*options, unplaced[prisoner.id]])
        else:
            model.AddExactlyOne(options)

    exposure_terms, move_terms = [], []
    for cell in cells:
        here = by_cell.get(cell.id, [])
        staying = occupants.get(cell.id, [])
        if not here:
            continue
        model.Add(sum(v for _p, v in here) <= capacity[cell.id] - len(staying))
        for prisoner, var in here:
            if prisoner.needs_single_cell and capacity[cell.id] > 1:
                model.Add(sum(v for _p, v in here) + (capacity[cell.id] - 1) * var
                          <= capacity[cell.id])
        kinds = {p.kind for p, _v in here}
        if len(kinds) > 1:  # Mandela Rule 11: one kind to a cell
            if staying:
                for prisoner, var in here:
                    if prisoner.kind != staying[0].kind:
                        model.Add(var == 0)
            else:
                flag = {kind: model.NewBoolVar(f"c{cell.id}{kind}") for kind in kinds}
                for prisoner, var in here:
                    model.AddImplication(var, flag[prisoner.kind])
                model.AddAtMostOne(flag.values())
        exposure = _exposure(model, [(v, p, 1) for p, v in here], staying, f"c{cell.id}")
        if exposure is not None:
            exposure_terms.append(exposure)
        for prisoner, var in here:
            if prisoner.current_cell == cell.id:
                move_terms.append(1 - var)
    for prisoner in movable:
        current = prisoner.current_cell
        if current is not None and (prisoner.id, current) not in chosen and (
                whole or prisoner.current_unit in units):
            move_terms.append(1)  # cannot stay: a move whatever the plan

    _symmetry(model, cells, by_cell, occupants, movable)
    _keep_aparts(problem, model, chosen, movable, where_fixed, cells)
    unit_terms = _unit_rules(problem, model, chosen, movable, fixed, cells) if whole else []

    for prisoner in movable:
        if (prisoner.id, prisoner.current_cell) in chosen:
            model.AddHint(chosen[prisoner.id, prisoner.current_cell], 1)
        elif hint and (prisoner.id, hint.get(prisoner.id)) in chosen:
            model.AddHint(chosen[prisoner.id, hint[prisoner.id]], 1)
    model.Minimize(weights.cell_exposure * sum(exposure_terms)
                   + weights.unit_exposure * sum(unit_terms)
                   + weights.move * sum(move_terms)
                   + UNPLACED_COST * sum(unplaced.values()))
    return CellStage(model, chosen, unplaced)


def _symmetry(model, cells, by_cell, occupants, movable) -> None:
    """Identical empty cells are interchangeable: fill them in order."""
    current = {p.current_cell for p in movable}
    groups = defaultdict(list)
    for cell in cells:
        if cell.id in occupants or cell.id in current or cell.id not in by_cell:
            continue
        candidates = frozenset(p.id for p, _v in by_cell[cell.id])
        groups[(cell.unit_id, cell.landing, cell.beds, cell.single_occupancy, cell.accessible,
                candidates)].append(cell)
    for group in groups.values():
        for one, other in zip(group, group[1:], strict=False):
            model.Add(sum(v for _p, v in by_cell[one.id]) >= sum(v for _p, v in by_cell[other.id]))


def _keep_aparts(problem: Problem, model, chosen, movable, where_fixed, cells) -> None:
    landing_of = {c.id: (c.unit_id, c.landing) for c in cells}
    unit_of = {c.id: c.unit_id for c in cells}
    moving = {p.id for p in movable}
    for order in problem.keep_aparts:
        if order.a not in moving and order.b not in moving:
            continue
        if order.level == "cell":
            area = {c.id: c.id for c in cells}
        elif order.level == "landing":
            area = landing_of
        else:
            area = unit_of
        sides = defaultdict(list)  # area -> terms
        for person in (order.a, order.b):
            if person in moving:
                for cell in cells:
                    if (person, cell.id) in chosen:
                        sides[area[cell.id]].append(chosen[person, cell.id])
            elif where_fixed.get(person) in area:
                sides[area[where_fixed[person]]].append(1)
        for terms in sides.values():
            if len(terms) > 1:
                model.Add(sum(terms) <= 1)


def _unit_rules(problem: Problem, model, chosen, movable, fixed, cells) -> list:
    """Unit-level rules and exposure, for a model that covers a whole facility."""
    in_unit: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (prisoner_id, cell_id), var in chosen.items():
        in_unit[problem.cell_by_id[cell_id].unit_id][prisoner_id].append(var)
    people = {p.id: p for p in movable}
    staying_in: dict[int, list] = defaultdict(list)
    for prisoner in fixed:
        if prisoner.current_unit is not None:
            staying_in[prisoner.current_unit].append(prisoner)
    terms = []
    for unit_id in sorted({c.unit_id for c in cells}):
        unit = problem.unit_by_id[unit_id]
        staying = staying_in.get(unit_id, [])
        here = []
        for prisoner_id, options in in_unit.get(unit_id, {}).items():
            there = model.NewBoolVar(f"y{prisoner_id}_{unit_id}")
            model.Add(there == sum(options))
            here.append((there, people[prisoner_id], 1))
        if not here:
            continue
        kinds = sorted({p.kind for _v, p, _m in here} | {p.kind for p in staying})
        if len(kinds) > 1:
            present = {kind: model.NewBoolVar(f"k{unit_id}{kind}") for kind in kinds}
            for prisoner in staying:
                model.Add(present[prisoner.kind] == 1)
            for there, prisoner, _m in here:
                model.AddImplication(there, present[prisoner.kind])
            for a, one in enumerate(kinds):
                for other in kinds[a + 1:]:
                    if not mixes(unit, one, other):
                        model.Add(present[one] + present[other] <= 1)
        groups = defaultdict(list)
        for there, prisoner, _m in here:
            groups[regime_group(problem, prisoner)].append(there)
        fixed_groups = defaultdict(int)
        for prisoner in staying:
            fixed_groups[regime_group(problem, prisoner)] += 1
        if groups.get("dispersed"):
            model.Add(sum(groups["dispersed"]) + fixed_groups["dispersed"]
                      <= problem.options.dispersal_limit)
        if groups.get("apart"):
            apart = model.NewBoolVar(f"a{unit_id}")
            for there in groups["apart"]:
                model.AddImplication(there, apart)
            for group, members in groups.items():
                if group != "apart":
                    for there in members:
                        model.AddImplication(there, apart.Not())
            if fixed_groups["apart"]:
                model.Add(apart == 1)
            if sum(n for g, n in fixed_groups.items() if g != "apart"):
                model.Add(apart == 0)
        exposure = _exposure(model, here, staying, f"u{unit_id}")
        if exposure is not None:
            terms.append(exposure)
    return terms


def read(stage: CellStage, solver: cp_model.CpSolver) -> dict[int, int | None]:
    placed: dict[int, int | None] = {p: None for p in stage.unplaced}
    for (prisoner_id, cell_id), var in stage.chosen.items():
        if solver.BooleanValue(var):
            placed[prisoner_id] = cell_id
    return placed
