"""Planning a facility's housing: the best placement the time allows, and a proof of how good.

Small facilities are solved whole and exactly (one model over every prisoner and cell).
Larger ones are solved in two stages — how many of each kind of prisoner to each unit, then
each unit's cells — with variables only for the places a prisoner may occupy, current
placements as the starting point, identical cells ordered to break symmetry. The unit stage
is a relaxation of the whole problem, so its proven bound bounds the plan's objective from
below. Whatever the solver finds is checked against every hard rule, and never returned when
first fit does better.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from . import baseline, cell_model, diagnose, unit_model
from .evaluate import Placement, breaches, current_placement, metrics
from .unit_model import own_exposure

WHOLE_MODEL_LIMIT = 6_000  # Booleans (prisoner × eligible cell) below which to solve exactly

# progress(stage, share of the work done, objective so far, bound) -> None
Progress = Callable[[str, float, "int | None", "int | None"], None]


@dataclass
class Outcome:
    placement: Placement
    status: str  # optimal, feasible, infeasible, cancelled
    lower_bound: int
    conflicts: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)  # first fit's metrics
    current: dict = field(default_factory=dict)  # the current placements' metrics
    method: str = ""
    seconds: float = 0.0


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[int, int], None]):
        super().__init__()
        self.report = report

    def on_solution_callback(self) -> None:
        self.report(int(self.ObjectiveValue()), int(self.BestObjectiveBound()))


class _Run:
    """One solve: its clock, its cancellation, its progress reports."""

    def __init__(self, time_limit: float, workers: int, progress: Progress | None,
                 cancelled: Callable[[], bool] | None, seed: int):
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        self.workers, self.progress, self.cancelled, self.seed = workers, progress, cancelled, seed
        self.stopped = False

    def left(self) -> float:
        return max(0.05, self.deadline - time.monotonic())

    def say(self, stage: str, done: float, objective, bound) -> None:
        if self.progress:
            self.progress(stage, done, objective, None if bound is None else max(0, bound))

    def solve(self, model: cp_model.CpModel, seconds: float,
              report: Callable[[int, int], None] | None = None) -> tuple[cp_model.CpSolver, int]:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(seconds, self.left()))
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        if self.stopped:
            solver.parameters.max_time_in_seconds = 0.05
        watchdog = None
        if self.cancelled:
            finished = threading.Event()

            def watch():
                while not finished.wait(0.25):
                    if self.cancelled():
                        self.stopped = True
                        solver.StopSearch()
                        return
            watchdog = threading.Thread(target=watch, daemon=True)
            watchdog.start()
        status = solver.Solve(model, _Watch(report) if report else None)
        if watchdog:
            finished.set()
            watchdog.join()
        return solver, status


def solve(problem, *, time_limit: float = 30.0, workers: int = 2,
          progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
          seed: int = 0) -> Outcome:
    """A plan for `problem` (a facility or admissions plan: prisoners to cells)."""
    run = _Run(time_limit, workers, progress, cancelled, seed)
    first = baseline.first_fit(problem)
    first_metrics = metrics(problem, first)
    outcome = Outcome(placement=first, status="infeasible", lower_bound=0,
                      baseline=first_metrics,
                      current=metrics(problem, current_placement(problem)))
    conflicts = diagnose.conflicts(problem)
    if conflicts:
        outcome.conflicts = conflicts
        outcome.metrics = first_metrics
        outcome.method = "diagnosis"
        return _finish(outcome, run)

    movable = [p for p in problem.prisoners if p.movable]
    fixed = [p for p in problem.prisoners if not p.movable]
    if _size(problem, movable) <= WHOLE_MODEL_LIMIT:
        placement, status, bound = _whole(problem, movable, fixed, run)
        outcome.method = "whole"
    else:
        placement, status, bound = _staged(problem, movable, fixed, run, _start(problem))
        outcome.method = "staged"
    if status == "infeasible":
        outcome.conflicts = diagnose.from_core(problem, movable, fixed, run) or [
            {"code": "no_plan", "params": {}}]
        outcome.metrics = first_metrics
        return _finish(outcome, run)

    outcome.lower_bound = bound
    found = metrics(problem, placement)
    broken = [b for b in breaches(problem, placement) if b.code != "unplaced"]
    first_complete = first_metrics["unplaced"] == 0
    if broken and not first_complete:
        raise RuntimeError(f"the optimiser's placement breaks {broken[0].code}")
    if first_complete and (broken or found["unplaced"]
                           or first_metrics["objective"] < found["objective"]):
        placement, found, outcome.method = first, first_metrics, outcome.method + "+first_fit"
        status = "feasible"
    outcome.placement, outcome.metrics = placement, found
    outcome.status = "cancelled" if run.stopped else status
    if found["unplaced"]:
        outcome.conflicts = diagnose.unplaced(problem, placement)
    return _finish(outcome, run)


def _finish(outcome: Outcome, run: _Run) -> Outcome:
    outcome.seconds = round(time.monotonic() - run.started, 3)
    # every term of the objective is >= 0, so 0 is always a bound
    outcome.lower_bound = max(0, min(outcome.lower_bound, outcome.metrics.get("objective", 0)))
    run.say("done", 1.0, outcome.metrics.get("objective"), outcome.lower_bound)
    return outcome


def _size(problem, movable) -> int:
    return len(movable) * len(problem.cells)


def _status(code: int) -> str:
    return {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}.get(code, "infeasible")


def _whole(problem, movable, fixed, run: _Run):
    weights = problem.options.weights
    offset = (weights.cell_exposure + weights.unit_exposure) * own_exposure(problem.prisoners)
    stage = cell_model.build(problem, movable, fixed, problem.cells, whole=True,
                             allow_unplaced=False)
    solver, code = run.solve(stage.model, run.left(),
                             lambda obj, bound: run.say("whole", 0.5, obj - offset,
                                                        bound - offset))
    if _status(code) == "infeasible":
        return {}, "infeasible", 0
    placement = cell_model.read(stage, solver)
    for prisoner in fixed:
        placement[prisoner.id] = prisoner.current_cell
    return placement, _status(code), int(solver.BestObjectiveBound()) - offset


def _start(problem) -> Placement:
    """The better complete one of two greedy placements, to start the search from."""
    found = [baseline.least_exposure(problem), baseline.warm_start(problem)]
    return min(found, key=lambda placement: (
        sum(1 for place in placement.values() if place is None),
        metrics(problem, placement)["objective"]))


def _staged(problem, movable, fixed, run: _Run, start: Placement):
    total = run.left()
    hint = {p.id: problem.cell_by_id[start[p.id]].unit_id for p in movable
            if start.get(p.id) is not None}
    # the unit stage's objective: unit exposure and moves between units; the plan's adds cell
    # exposure (never below zero) and moves within units, so the stage's bound is the plan's
    offset = problem.options.weights.unit_exposure * own_exposure(problem.prisoners)
    stage = unit_model.build(problem, movable, fixed, hint=hint)
    solver, code = run.solve(stage.model, total * 0.4,
                             lambda obj, bound: run.say("units", 0.2, obj - offset,
                                                        bound - offset))
    status = _status(code)
    if status == "infeasible":
        return {}, "infeasible", 0
    bound = int(solver.BestObjectiveBound()) - offset
    objective_so_far = int(solver.ObjectiveValue()) - offset
    units_of = unit_model.read(stage, solver)
    run.say("units", 0.4, objective_so_far, bound)

    placement: Placement = {p.id: p.current_cell for p in fixed}
    by_unit: dict[int, list] = {}
    for prisoner in movable:
        by_unit.setdefault(units_of[prisoner.id], []).append(prisoner)
    work = {u: len(people) * len(problem.cells_of_unit[u]) for u, people in by_unit.items()}
    remaining = sum(work.values()) or 1
    done = 0
    for unit_id, people in sorted(by_unit.items()):
        share = work[unit_id] / remaining
        remaining -= work[unit_id]
        staying = [p for p in fixed if p.current_unit == unit_id]
        cells = problem.cells_of_unit[unit_id]
        cells_stage = cell_model.build(problem, people, staying, cells, whole=False)
        solver, code = run.solve(cells_stage.model, run.left() * share)
        if _status(code) == "infeasible":
            placement.update({p.id: None for p in people})
            status = "feasible"
            continue
        if code != cp_model.OPTIMAL:
            status = "feasible"
        placement.update(cell_model.read(cells_stage, solver))
        done += work[unit_id]
        run.say("cells", 0.4 + 0.6 * done / sum(work.values()), None, bound)
    _repair(problem, placement)
    return placement, status, bound


def _repair(problem, placement: Placement) -> None:
    """Whoever a unit's cells could not take goes to the first cell anywhere that fits."""
    waiting = [p for p in problem.prisoners if placement.get(p.id) is None]
    if not waiting:
        return
    state = baseline.State(problem)
    for prisoner in problem.prisoners:
        place = placement.get(prisoner.id)
        if place is not None:
            state.put(prisoner, place)
    order = sorted(problem.cells, key=lambda c: (c.unit_id, c.label, c.id))
    for prisoner in waiting:
        for cell in order:
            if state.fits(prisoner, cell.id):
                state.put(prisoner, cell.id)
                placement[prisoner.id] = cell.id
                break
