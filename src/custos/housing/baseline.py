"""First fit: each prisoner in turn to the first place that keeps every hard rule.

It is what a busy officer does by hand, and the yardstick the optimiser is measured against:
a plan's exposure is reported beside first fit's, and the optimiser never returns a plan
that costs more than first fit's when first fit places everyone.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from .evaluate import Placement, by_cell
from .problem import Problem, cell_refusal, mixes, regime_group, regime_refusal, unit_refusal


class State:
    """Who is where so far, kept so that every check is a look-up."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.placement: Placement = {}
        self.in_place: dict[int, int] = Counter()  # cell (or unit) -> people
        self.kind_of_cell: dict[int, tuple] = {}
        self.single_taken: set[int] = set()  # cells holding someone who needs to be alone
        self.kinds_in_unit: dict[int, set] = defaultdict(set)
        self.groups_in_unit: dict[int, Counter] = defaultdict(Counter)
        self.where: dict[int, tuple[int, int, str]] = {}  # prisoner -> (cell, unit, landing)
        self._unit_places: dict[int, int] = {}
        self._kind_count: dict[int, Counter] = defaultdict(Counter)
        self.occupants: dict[int, list] = defaultdict(list)  # place -> prisoners

    def fits(self, prisoner, place: int) -> bool:
        problem, cells = self.problem, by_cell(self.problem)
        cell = problem.cell_by_id[place] if cells else None
        unit = problem.unit_by_id[cell.unit_id if cells else place]
        if unit_refusal(prisoner, unit) or regime_refusal(problem, prisoner, unit):
            return False
        if cells:
            if cell_refusal(prisoner, cell) or place in self.single_taken:
                return False
            if self.in_place[place] >= problem.capacity[place]:
                return False
            if prisoner.needs_single_cell and self.in_place[place]:
                return False
            if self.kind_of_cell.get(place, prisoner.kind) != prisoner.kind:
                return False
        elif self.in_place[place] >= self.unit_places(place):
            return False
        if any(not mixes(unit, prisoner.kind, kind) for kind in self.kinds_in_unit[unit.id]):
            return False
        group = regime_group(problem, prisoner)
        here = self.groups_in_unit[unit.id]
        if group == "dispersed" and here["dispersed"] >= problem.options.dispersal_limit:
            return False
        if here and (group == "apart") != (here["apart"] == sum(here.values())):
            return False
        for order in problem.keep_aparts_of(prisoner.id):
            other = self.where.get(order.b if order.a == prisoner.id else order.a)
            if other is None:
                continue
            if order.level == "cell" and cells and other[0] == place:
                return False
            if order.level == "landing" and cells and other[1] == unit.id \
                    and other[2] == cell.landing:
                return False
            if order.level == "unit" and other[1] == unit.id:
                return False
        return True

    def could_hold(self, prisoner, place: int) -> bool:
        """Whether the place may ever hold the prisoner, whoever else is there."""
        problem = self.problem
        if by_cell(problem):
            cell = problem.cell_by_id[place]
            if cell_refusal(prisoner, cell):
                return False
            unit = problem.unit_by_id[cell.unit_id]
        else:
            unit = problem.unit_by_id[place]
        return not (unit_refusal(prisoner, unit) or regime_refusal(problem, prisoner, unit))

    def full(self, place: int) -> bool:
        if by_cell(self.problem):
            return (self.in_place[place] >= self.problem.capacity[place]
                    or place in self.single_taken)
        return self.in_place[place] >= self.unit_places(place)

    def unit_places(self, unit_id: int) -> int:
        if unit_id not in self._unit_places:
            capacity = self.problem.capacity
            self._unit_places[unit_id] = sum(
                capacity[c.id] for c in self.problem.cells_of_unit[unit_id])
        return self._unit_places[unit_id]

    def put(self, prisoner, place: int) -> None:
        problem, cells = self.problem, by_cell(self.problem)
        cell = problem.cell_by_id[place] if cells else None
        unit_id = cell.unit_id if cells else place
        self.placement[prisoner.id] = place
        self.in_place[place] += 1
        if cells:
            self.kind_of_cell[place] = prisoner.kind
            if prisoner.needs_single_cell:
                self.single_taken.add(place)
        self.kinds_in_unit[unit_id].add(prisoner.kind)
        self._kind_count[unit_id][prisoner.kind] += 1
        self.groups_in_unit[unit_id][regime_group(problem, prisoner)] += 1
        self.where[prisoner.id] = (place, unit_id, cell.landing if cells else "")
        self.occupants[place].append(prisoner)

    def take(self, prisoner) -> None:
        """Undo `put`: the prisoner is placed nowhere again."""
        place, unit_id, _landing = self.where.pop(prisoner.id)
        self.placement[prisoner.id] = None
        self.in_place[place] -= 1
        self.occupants[place].remove(prisoner)
        if by_cell(self.problem):
            if not self.in_place[place]:
                self.kind_of_cell.pop(place, None)
            if prisoner.needs_single_cell:
                self.single_taken.discard(place)
        self._kind_count[unit_id][prisoner.kind] -= 1
        if not self._kind_count[unit_id][prisoner.kind]:
            self.kinds_in_unit[unit_id].discard(prisoner.kind)
        self.groups_in_unit[unit_id][regime_group(self.problem, prisoner)] -= 1
        if not self.groups_in_unit[unit_id][regime_group(self.problem, prisoner)]:
            del self.groups_in_unit[unit_id][regime_group(self.problem, prisoner)]

    def first_place(self, prisoner, places) -> int | None:
        return next((p for p in places if self.fits(prisoner, p)), None)

    def make_room(self, prisoner, places) -> bool:
        """Put the prisoner in a place by moving its occupants elsewhere (one step of an
        ejection chain); leaves everything as it was when no place works this way."""
        for place in sorted((p for p in places if self.could_hold(prisoner, p)),
                            key=lambda p: self.in_place[p]):
            evicted = list(self.occupants[place])
            for other in evicted:
                self.take(other)
            if self.fits(prisoner, place):
                self.put(prisoner, place)
                moved = []
                for other in evicted:
                    target = self.first_place(other, [p for p in places if p != place])
                    if target is None:
                        break
                    self.put(other, target)
                    moved.append(other)
                else:
                    return True
                for other in moved:
                    self.take(other)
                self.take(prisoner)
            for other in evicted:
                self.put(other, place)
        return False


def first_fit(problem: Problem) -> Placement:
    """Those who stay first, then each other prisoner (by id) in the first place that fits."""
    state = State(problem)
    cells = by_cell(problem)
    places = ([c.id for c in sorted(problem.cells, key=lambda c: (c.unit_id, c.label, c.id))]
              if cells else [u.id for u in sorted(problem.units, key=lambda u: u.id)])
    for prisoner in problem.prisoners:
        if not prisoner.movable:
            place = prisoner.current_cell if cells else prisoner.current_unit
            if place is not None:
                state.put(prisoner, place)
    open_to: dict[tuple, list[int]] = {}  # places a profile may occupy, the full ones dropped
    tried: Counter = Counter()
    for prisoner in sorted(problem.prisoners, key=lambda p: p.id):
        if prisoner.id in state.placement:
            continue
        state.placement[prisoner.id] = None
        profile = (prisoner.kind, prisoner.regime, regime_group(problem, prisoner),
                   prisoner.needs_accessible_cell)
        if profile not in open_to:
            open_to[profile] = [p for p in places if state.could_hold(prisoner, p)]
        candidates = open_to[profile]
        for place in candidates:
            if state.fits(prisoner, place):
                state.put(prisoner, place)
                break
        tried[profile] += 1
        if tried[profile] % 32 == 0:  # drop the full places now and then
            open_to[profile] = [p for p in candidates if not state.full(p)]
    return state.placement


def warm_start(problem: Problem) -> Placement:
    """A complete placement to start the search from, when one is easy to find.

    Everyone who is placed stays where he is (a lawful state stays lawful); the others go,
    most restricted first, to a cell that fits in a unit already holding their kind, else in
    the emptiest unit that takes them — so kinds are not scattered over units the way first
    fit scatters them. If keeping everyone in place leaves some without a cell, it tries
    again moving whoever may move, and keeps whichever places more.
    """
    keeping = _warm_start(problem, keep=True)
    if all(place is not None for place in keeping.values()):
        return keeping
    moving = _warm_start(problem, keep=False)
    placed = sum(1 for place in moving.values() if place is not None)
    return moving if placed > sum(1 for p in keeping.values() if p is not None) else keeping


def _warm_start(problem: Problem, *, keep: bool) -> Placement:
    state = State(problem)
    cells = by_cell(problem)
    waiting = []
    for prisoner in problem.prisoners:
        place = prisoner.current_cell if cells else prisoner.current_unit
        if place is not None and (keep or not prisoner.movable) and state.fits(prisoner, place):
            state.put(prisoner, place)
        else:
            waiting.append(prisoner)
    units = sorted(problem.units, key=lambda u: u.id)
    places = {u.id: ([c.id for c in problem.cells_of_unit[u.id]] if cells else [u.id])
              for u in units}
    free = {u.id: state.unit_places(u.id) for u in units}
    for prisoner in state.placement:
        unit_id = (problem.cell_by_id[state.placement[prisoner]].unit_id if cells
                   else state.placement[prisoner])
        free[unit_id] -= 1

    def openness(prisoner) -> int:
        return sum(1 for u in units if not unit_refusal(prisoner, u))

    waiting.sort(key=lambda p: (openness(p), -len(problem.keep_aparts_of(p.id)), p.id))
    for prisoner in waiting:
        state.placement[prisoner.id] = None
        ranked = sorted(units, key=lambda u: (prisoner.kind not in state.kinds_in_unit[u.id],
                                              -free[u.id], u.id))
        for unit in ranked:
            place = next((p for p in places[unit.id] if state.fits(prisoner, p)), None)
            if place is not None:
                state.put(prisoner, place)
                free[unit.id] -= 1
                break
    _make_room_for_the_rest(state, [p for u in units for p in places[u.id]])
    return state.placement


def _make_room_for_the_rest(state: State, places: list[int]) -> None:
    for prisoner in state.problem.prisoners:
        if state.placement.get(prisoner.id, 0) is None:
            state.make_room(prisoner, places)


def least_exposure(problem: Problem) -> Placement:
    """Greedy: each prisoner, most restricted and most influential first, to the unit where he
    adds the least to the objective (exposure to and from who is there, and a move if it is
    not his own unit), in a cell that keeps every rule. A start for the search, not a plan.
    """
    weights = problem.options.weights
    state = State(problem)
    cells = by_cell(problem)
    units = sorted(problem.units, key=lambda u: u.id)
    influence = Counter()
    vulnerability = Counter()
    places = {u.id: ([c.id for c in problem.cells_of_unit[u.id]] if cells else [u.id])
              for u in units}

    def put(prisoner, place):
        state.put(prisoner, place)
        unit_id = problem.cell_by_id[place].unit_id if cells else place
        influence[unit_id] += prisoner.influence
        vulnerability[unit_id] += prisoner.vulnerability

    waiting = []
    for prisoner in problem.prisoners:
        place = prisoner.current_cell if cells else prisoner.current_unit
        if not prisoner.movable and place is not None:
            put(prisoner, place)
        else:
            waiting.append(prisoner)

    def openness(prisoner) -> int:
        return sum(1 for u in units if not unit_refusal(prisoner, u))

    waiting.sort(key=lambda p: (openness(p), -p.influence, -p.vulnerability, p.id))
    for prisoner in waiting:
        state.placement[prisoner.id] = None

        def cost(unit, prisoner=prisoner):
            added = (prisoner.influence * vulnerability[unit.id]
                     + prisoner.vulnerability * influence[unit.id])
            return (weights.unit_exposure * added
                    + weights.move * (unit.id != prisoner.current_unit),
                    prisoner.kind not in state.kinds_in_unit[unit.id], unit.id)

        for unit in sorted(units, key=cost):
            own = prisoner.current_cell if unit.id == prisoner.current_unit else None
            ordered = [own, *places[unit.id]] if own else places[unit.id]
            place = next((p for p in ordered if state.fits(prisoner, p)), None)
            if place is not None:
                put(prisoner, place)
                break
    _make_room_for_the_rest(state, [p for u in units for p in places[u.id]])
    return state.placement
