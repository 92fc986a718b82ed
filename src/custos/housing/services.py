"""Housing plans: asked for, run in the background, then approved (and applied) or rejected.

queued → running → ready → approved | rejected | stale, with cancelled and failed on the way.
A plan proposes only: nothing moves until a director approves it, and approval applies every
move through the custody placement service, judged by the state after all of them.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition
from custos.custody.models import Cell, Facility, Prisoner, Unit
from custos.custody.services import placements_apply

from . import inputs, solver
from .evaluate import by_cell
from .models import HousingPlan, PlanKind, PlanStatus
from .problem import REGIMES, Problem, Weights

log = logging.getLogger(__name__)

S = PlanStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.RUNNING, S.CANCELLED, S.FAILED}),
    S.RUNNING: frozenset({S.READY, S.CANCELLED, S.FAILED}),
    S.READY: frozenset({S.APPROVED, S.REJECTED, S.STALE}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.STALE: frozenset(),
}
WEIGHT_MAX = 1000
OVERCROWDING_MAX = 300
TIME_LIMITS = (5, 600)
WRITE_EVERY = 0.5  # seconds between progress writes and cancellation reads


def _move(plan: HousingPlan, to: str) -> None:
    if to not in TRANSITIONS[plan.status]:
        raise InvalidTransition(_("A plan that is %(now)s cannot become %(to)s.")
                                % {"now": plan.get_status_display(), "to": S(to).label})
    plan.status = to


def _settings(plan: HousingPlan) -> dict:
    return {"kind": plan.kind, "facility": plan.facility.code if plan.facility_id else None,
            "regime": plan.regime, "dispersal_limit": plan.dispersal_limit,
            "hybrid_influence": plan.hybrid_influence,
            "designated_units": plan.designated_units,
            "overcrowding_percent": plan.overcrowding_percent, "weights": plan.weights,
            "time_limit": plan.time_limit, "compare_regimes": plan.compare_regimes}


# --- asking for a plan ---------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    acting_user,
    kind: str,
    facility: Facility | None,
    regime: str = "none",
    dispersal_limit: int = 2,
    hybrid_influence: int = 4,
    designated_units: Iterable[int] = (),
    overcrowding_percent: int = 0,
    weights: Mapping[str, int] | None = None,
    time_limit: int = 60,
    compare_regimes: bool = True,
) -> HousingPlan:
    """Ask for a plan; the optimiser runs it in the background once this commits.

    A national plan (no facility) covers every facility, so it needs the permissions in
    every one of them.
    """
    policy.require(acting_user, "housing.plan",
                   facility_id=facility.pk if facility is not None else None)
    if kind not in PlanKind.values:
        raise InvalidInput(_("“%(value)s” is not a valid choice.") % {"value": kind},
                           field="kind")
    if kind == PlanKind.NATIONAL and facility is not None:
        raise InvalidInput(_("A national plan covers every facility: leave the facility "
                             "empty."), field="facility")
    if kind != PlanKind.NATIONAL and facility is None:
        raise InvalidInput(_("Choose the facility to plan."), field="facility")
    facility_id = facility.pk if facility is not None else None
    _require(acting_user, "housing.plan", facility_id)
    if regime not in REGIMES:
        raise InvalidInput(_("“%(value)s” is not a valid choice.") % {"value": regime},
                           field="regime")
    _check_range(dispersal_limit, 1, 1000, "dispersal_limit")
    _check_range(hybrid_influence, 0, 1000, "hybrid_influence")
    units = sorted({int(u) for u in designated_units})
    estate = Unit.objects.filter(facility=facility) if facility is not None else Unit.objects
    if len(units) != estate.filter(pk__in=units).count():
        raise InvalidInput(_("Designated units must be units of the facility planned."),
                           field="designated_units")
    _check_range(overcrowding_percent, 0, OVERCROWDING_MAX, "overcrowding_percent")
    if overcrowding_percent > 0:
        _require(acting_user, "custody.override_capacity", facility_id)
    _check_range(time_limit, *TIME_LIMITS, "time_limit")
    plan = HousingPlan(
        kind=kind, facility=facility, regime=regime, dispersal_limit=dispersal_limit,
        hybrid_influence=hybrid_influence, designated_units=units,
        overcrowding_percent=overcrowding_percent, weights=_weights(weights),
        time_limit=time_limit, compare_regimes=bool(compare_regimes))
    plan.stamp(acting_user)
    plan.full_clean()
    plan.save()
    trail.record(acting_user, "housing_plan.create", plan, changes=_settings(plan))
    transaction.on_commit(lambda: _enqueue(plan.pk))
    return plan


def _require(user, permission: str, facility_id: int | None) -> None:
    """`permission` in the facility, or, for a national plan (None), in every facility.

    `policy.require` without a facility asks only whether the user holds the permission
    somewhere, so a national plan asks facility by facility (a national role passes each).
    """
    policy.require(user, permission, facility_id=facility_id)
    if facility_id is None:
        for pk in Facility.objects.order_by("pk").values_list("pk", flat=True):
            policy.require(user, permission, facility_id=pk)


def _enqueue(plan_id: int) -> None:
    from .tasks import run_housing_plan

    run_housing_plan.enqueue(plan_id)


def _check_range(value, low: int, high: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(_("Give a whole number from %(low)d to %(high)d.")
                           % {"low": low, "high": high}, field=field)


def _weights(weights: Mapping[str, int] | None) -> dict:
    known = {f.name for f in dataclasses.fields(Weights)}
    weights = dict(weights or {})
    unknown = sorted(set(weights) - known)
    if unknown:
        raise InvalidInput(_("Unknown weight: %(names)s") % {"names": ", ".join(unknown)},
                           field="weights")
    for value in weights.values():
        _check_range(value, 0, WEIGHT_MAX, "weights")
    return Weights(**weights).as_dict()


# --- running it (the background task) --------------------------------------------------------


class _Reporter:
    """Progress written to the plan's row and cancellation read from it, at most every 0.5 s.

    The solver calls back from its own threads. They share the worker's connection (it is idle
    while the solver runs) under a lock, so the writes are seen at once and no thread opens a
    connection of its own, which on SQLite would wait on the worker's lock.
    """

    def __init__(self, plan_id: int, *, share: float = 1.0, offset: float = 0.0):
        self.plan_id = plan_id
        self.share, self.offset = share, offset
        self.lock = threading.Lock()
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.owner = threading.get_ident()
        self.written = self.read = 0.0
        self.stop = False
        self.keep_bounds = False

    @contextmanager
    def _rows(self):
        borrowed = threading.get_ident() != self.owner
        if borrowed:
            connections[DEFAULT_DB_ALIAS] = self.connection
        try:
            yield HousingPlan.objects.filter(pk=self.plan_id)
        finally:
            if borrowed:
                del connections[DEFAULT_DB_ALIAS]

    def progress(self, stage: str, done: float, objective, bound) -> None:
        now = time.monotonic()
        if now - self.written < WRITE_EVERY and stage != "done":
            return
        with self.lock:
            self.written = now
            values = {"stage": stage[:20], "progress": round(self.offset + self.share * done, 3)}
            if not self.keep_bounds:
                values.update(best_objective=objective, lower_bound=bound)
            with self._rows() as rows:
                rows.update(**values)

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self.stop and now - self.read >= WRITE_EVERY:
            with self.lock:
                self.read = now
                with self._rows() as rows:
                    self.stop = bool(rows.values_list("cancel_requested", flat=True).first())
        return self.stop

    def __enter__(self):
        self.connection.inc_thread_sharing()
        return self

    def __exit__(self, *exc):
        self.connection.dec_thread_sharing()


def plan_run(plan_id: int) -> HousingPlan:
    """Run a queued plan: build the problem, solve it, compare the regimes, store the result."""
    with transaction.atomic():
        plan = (HousingPlan.objects.select_for_update(of=("self",))
                .select_related("facility").get(pk=plan_id))
        if plan.status != S.QUEUED:  # cancelled before it started, or run already
            return plan
        _move(plan, S.RUNNING)
        plan.started_at = timezone.now()
        plan.stage, plan.progress = "inputs", 0.0
        plan.save(update_fields=["status", "started_at", "stage", "progress", "updated_at"])
        trail.record(None, "housing_plan.run", plan)
    try:
        problem, context = inputs.problem_for(plan=plan)
        result, outcome = _solve_all(plan, problem, context)
    except Exception as error:
        log.exception("housing plan %s failed", plan_id)
        with transaction.atomic():
            plan = HousingPlan.objects.select_for_update().get(pk=plan_id)
            _move(plan, S.FAILED)
            plan.error = f"{type(error).__name__}: {error}"[:2000]
            plan.finished_at = timezone.now()
            plan.save(update_fields=["status", "error", "finished_at", "updated_at"])
            trail.record(None, "housing_plan.fail", plan, changes={"error": plan.error})
        return plan
    with transaction.atomic():
        plan = HousingPlan.objects.select_for_update().get(pk=plan_id)
        stopped = outcome.status == "cancelled" or plan.cancel_requested
        _move(plan, S.CANCELLED if stopped else S.READY)
        plan.result, plan.snapshot = result, context["snapshot"]
        plan.best_objective = outcome.metrics.get("objective")
        plan.lower_bound = outcome.lower_bound
        plan.stage, plan.progress, plan.finished_at = "done", 1.0, timezone.now()
        plan.save(update_fields=["status", "result", "snapshot", "best_objective",
                                 "lower_bound", "stage", "progress", "finished_at",
                                 "updated_at"])
        trail.record(None, "housing_plan.cancelled" if stopped else "housing_plan.ready", plan,
                     changes={"status": outcome.status,
                              "exposure": outcome.metrics.get("exposure"),
                              "moves": outcome.metrics.get("moves"),
                              "conflicts": len(outcome.conflicts)})
    return plan


def _solve_all(plan: HousingPlan, problem: Problem, context: dict):
    main_share = 0.8 if plan.compare_regimes else 1.0
    with _Reporter(plan.pk, share=main_share) as reporter:
        outcome = solver.solve(problem, time_limit=plan.time_limit,
                               progress=reporter.progress, cancelled=reporter.cancelled)
        alternatives = []
        others = [r for r in REGIMES if r != plan.regime] if plan.compare_regimes else []
        reporter.keep_bounds = True
        for n, regime in enumerate(others):
            if outcome.status == "cancelled" or reporter.cancelled():
                break
            reporter.offset = main_share + (1 - main_share) * n / len(others)
            reporter.share = (1 - main_share) / len(others)
            alternatives.append(_alternative(plan, problem, regime, reporter))
    return result_of(problem, outcome, context, alternatives=alternatives), outcome


def _alternative(plan: HousingPlan, problem: Problem, regime: str, reporter) -> dict:
    other = dataclasses.replace(problem, options=inputs.options_for(plan, regime=regime))
    found = solver.solve(other, time_limit=max(1.0, plan.time_limit / 4),
                         progress=lambda stage, *rest: reporter.progress("compare", *rest),
                         cancelled=reporter.cancelled)
    return {"regime": regime, "metrics": _metrics(found), "status": found.status,
            "conflicts": found.conflicts}


def _metrics(outcome) -> dict:
    return {**outcome.metrics, "lower_bound": outcome.lower_bound, "status": outcome.status,
            "method": outcome.method, "seconds": outcome.seconds}


def result_of(problem: Problem, outcome, context: dict, *, alternatives=()) -> dict:
    """What a plan stores (and `custos plan_housing` writes): assignments with reasons, the
    metrics beside first fit and the current placements, conflicts and alternatives."""
    explain = _explainer(problem, outcome.placement)
    units, cells = problem.unit_by_id, by_cell(problem)
    facilities = problem.facility_by_id
    assignments = []
    for prisoner in problem.prisoners:
        place = outcome.placement.get(prisoner.id)
        cell = problem.cell_by_id.get(place) if cells and place is not None else None
        unit = units.get(cell.unit_id if cell else place) if place is not None else None
        facility = facilities.get(unit.facility_id) if unit else None
        was = problem.cell_by_id.get(prisoner.current_cell) if prisoner.current_cell else None
        number, name = context["names"].get(prisoner.id, (prisoner.label, ""))
        now = prisoner.current_cell if cells else prisoner.current_unit
        assignments.append({
            "prisoner": prisoner.id, "prison_number": number, "name": name,
            "from_cell": prisoner.current_cell, "from_label": was.label if was else "",
            # A national plan chooses units: the cell is chosen later, in the facility.
            "cell": place if cells else None,
            "cell_label": (cell.label if cell else "") if cells else None,
            "unit": unit.id if unit else None, "unit_label": unit.label if unit else "",
            "facility": facility.id if facility else None,
            "facility_code": facility.code if facility else "",
            "moved": place is not None and place != now,
            "reasons": explain(prisoner),
        })
    return {"assignments": assignments, "metrics": _metrics(outcome),
            "baseline": outcome.baseline, "current": outcome.current,
            "conflicts": outcome.conflicts, "alternatives": list(alternatives),
            "weights": problem.options.weights.as_dict()}


def _explainer(problem: Problem, placement):
    """The reasons for each prisoner, from `explain` (no reasons if it is not there)."""
    try:
        from .explain import Explainer
    except ImportError:  # pragma: no cover - explain.py is written beside this module
        return lambda prisoner: []
    explainer = Explainer(problem, placement)
    return explainer.reasons


# --- deciding -------------------------------------------------------------------------------


@transaction.atomic
def plan_cancel(*, acting_user, plan: HousingPlan) -> HousingPlan:
    """Stop a plan: at once if it waits, at the solver's next check if it runs."""
    _require(acting_user, "housing.plan", plan.facility_id)
    plan = HousingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in (S.QUEUED, S.RUNNING):
        raise InvalidTransition(_("Only a waiting or running plan can be cancelled."))
    plan.cancel_requested = True
    fields = ["cancel_requested", "updated_by", "updated_at"]
    if plan.status == S.QUEUED:
        _move(plan, S.CANCELLED)
        plan.finished_at = timezone.now()
        fields += ["status", "finished_at"]
    plan.stamp(acting_user)
    plan.save(update_fields=fields)
    trail.record(acting_user, "housing_plan.cancel", plan)
    return plan


def plan_approve(*, acting_user, plan: HousingPlan, reason: str = "") -> HousingPlan:
    """Apply a ready plan through the custody placement service, if nothing changed since.

    A changed facility marks the plan stale (kept, so the refusal is on record) and refuses.
    A national plan is never applied here: it is carried out by transfers, each receiving
    facility housing its arrivals with an admissions plan. It is refused, nothing changing.
    """
    _require(acting_user, "housing.approve", plan.facility_id)
    if plan.kind == PlanKind.NATIONAL:
        raise InvalidTransition(_("A national plan is carried out by transfers: approve it "
                                  "facility by facility with an admissions plan in each "
                                  "receiving facility."))
    with transaction.atomic():
        plan = (HousingPlan.objects.select_for_update(of=("self",))
                .select_related("facility").get(pk=plan.pk))
        if plan.status != S.READY:
            raise InvalidTransition(_("Only a plan ready for a decision can be approved."))
        if plan.result.get("conflicts"):
            raise InvalidTransition(_("A plan that breaks a hard rule cannot be approved."))
        if plan.overcrowding_percent > 0 and not reason.strip():
            raise InvalidInput(_("A plan that allows overcrowding needs the director's "
                                 "reason."), field="reason")
        if inputs.snapshot_for(plan=plan) == plan.snapshot:
            _apply(acting_user, plan, reason.strip())
            return plan
        _move(plan, S.STALE)
        _decide(acting_user, plan, reason.strip(), "housing_plan.stale")
    raise ConcurrentEdit(_("The facility changed since the plan was made (people moved, came "
                           "or left, or their orders or scores changed). Make a new plan."))


def _apply(acting_user, plan: HousingPlan, reason: str) -> None:
    moves = [row for row in plan.result["assignments"] if row["moved"]]
    people = Prisoner.objects.in_bulk([row["prisoner"] for row in moves])
    cells = Cell.objects.in_bulk([row["cell"] for row in moves])
    placement_reason = _("Housing plan #%(id)s") % {"id": plan.pk}
    if reason:
        placement_reason = f"{placement_reason}: {reason}"[:300]
    placements_apply(
        acting_user=acting_user,
        moves=[(people[row["prisoner"]], cells[row["cell"]]) for row in moves],
        reason=placement_reason,
        overcrowding_reason=reason if plan.overcrowding_percent > 0 else "")
    _move(plan, S.APPROVED)
    _decide(acting_user, plan, reason, "housing_plan.approve", moves=len(moves))


def _decide(acting_user, plan: HousingPlan, reason: str, action: str, **changes) -> None:
    plan.decided_by, plan.decided_at, plan.decision_reason = acting_user, timezone.now(), reason
    plan.stamp(acting_user)
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_reason",
                             "updated_by", "updated_at"])
    trail.record(acting_user, action, plan, reason=reason,
                 changes={"status": plan.status, **changes})


@transaction.atomic
def plan_reject(*, acting_user, plan: HousingPlan, reason: str) -> HousingPlan:
    _require(acting_user, "housing.approve", plan.facility_id)
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for rejecting the plan."), field="reason")
    plan = HousingPlan.objects.select_for_update().get(pk=plan.pk)
    _move(plan, S.REJECTED)
    _decide(acting_user, plan, reason.strip(), "housing_plan.reject")
    return plan
