"""One plan's solve: its clock, its cancellation, its progress reports, and CP-SAT called
within them.

The time limit counts everything, setting up included: each stage asks `left()` and solves
within it; a cancellation stops the running CP-SAT search at once (a watchdog thread) and
every later one at its start.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from .unit_bound import Background

# progress(stage, share of the work done, objective so far, bound) -> None
Progress = Callable[[str, float, "int | None", "int | None"], None]


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[int, int], None]):
        super().__init__()
        self.report = report

    def on_solution_callback(self) -> None:
        self.report(int(self.ObjectiveValue()), int(self.BestObjectiveBound()))


class Run:
    """One solve: its clock, its cancellation, its progress reports."""

    def __init__(self, time_limit: float, workers: int, progress: Progress | None,
                 cancelled: Callable[[], bool] | None, seed: int):
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        self.workers, self.progress, self.cancelled, self.seed = workers, progress, cancelled, seed
        self.stopped = False
        self.span = (0.0, 1.0)  # where the running phase's share of work lies in the whole
        self.background: Background | None = None  # the Lagrangian bound's process

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def left(self) -> float:
        return max(0.05, self.deadline - time.monotonic())

    def say(self, stage: str, done: float, objective, bound) -> None:
        if self.progress:
            if stage != "done":
                done = self.span[0] + (self.span[1] - self.span[0]) * done
            self.progress(stage, done, objective, None if bound is None else max(0, bound))

    def solve(self, model: cp_model.CpModel, seconds: float,
              report: Callable[[int, int], None] | None = None,
              presolve: bool = True) -> tuple[cp_model.CpSolver, int]:
        """Solve within `seconds` (and the plan's time). `presolve=False` for the large staged
        models: CP-SAT's presolve takes seconds on them and then loses the start we hint,
        while without it the search begins from that start at once (measured: first plan at
        0.03 s instead of 3 s on 2,000 prisoners)."""
        start = _complete_hint(model, min(1.0, seconds / 4, self.left() / 4))
        solver = cp_model.CpSolver()
        solver.parameters.cp_model_presolve = presolve
        solver.parameters.max_time_in_seconds = max(0.05, min(seconds, self.left()))
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        solver.parameters.log_search_progress = bool(os.environ.get("CUSTOS_SOLVER_LOG"))
        if not self.stopped and self.cancelled and self.cancelled():
            self.stopped = True
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
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE) \
                and start is not None:
            return start, cp_model.FEASIBLE  # no time to improve on the start: keep it
        return solver, status


def _complete_hint(model: cp_model.CpModel, seconds: float) -> cp_model.CpSolver | None:
    """Turn a partial hint (our start placement) into a complete one; return it solved.

    CP-SAT starts from a hint only when it can complete it; with auxiliary variables (sums,
    products) left out it often cannot and searches from scratch. Solving once with the hinted
    variables fixed completes the rest in a moment; the whole solution becomes the hint, and
    stays the answer if the search finds nothing better in its time.
    """
    if not model.Proto().solution_hint.vars:
        return None
    probe = cp_model.CpSolver()
    probe.parameters.fix_variables_to_their_hinted_value = True
    probe.parameters.max_time_in_seconds = max(0.05, seconds)
    probe.parameters.num_workers = 1
    if probe.Solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(probe.ResponseProto().solution)
    model.ClearHints()
    for index, value in enumerate(values):
        model.AddHint(model.GetIntVarFromProtoIndex(index), value)
    return probe


def status_of(code: int) -> str:
    """CP-SAT's answer in our words; "unknown": no solution yet when the time ran out."""
    return {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")
