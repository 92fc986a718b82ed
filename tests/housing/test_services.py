"""Housing plans: asked for with valid settings, run, cancelled, approved or refused."""

import pytest

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition
from custos.custody import services as custody
from custos.custody.models import Placement, Prisoner
from custos.housing import services
from custos.housing.evaluate import breaches
from custos.housing.inputs import problem_for
from custos.housing.models import HousingPlan

from ..factories import UnitFactory
from .estate import estate_fixture  # noqa: F401


def create(estate, user=None, **kw):
    kw.setdefault("time_limit", 5)
    kw.setdefault("compare_regimes", False)
    return services.plan_create(acting_user=user or estate["director"],
                                facility=estate["facility"], kind=kw.pop("kind", "facility"),
                                **kw)


def ready(estate, **kw) -> HousingPlan:
    plan = services.plan_run(create(estate, **kw).pk)
    assert plan.status == "ready", plan.error
    return plan


def cells_now() -> dict[int, int | None]:
    return dict(Prisoner.objects.values_list("pk", "current_cell_id"))


@pytest.mark.parametrize("settings,field", [
    ({"kind": "national"}, "facility"),  # a national plan covers every facility
    ({"kind": "weekly"}, "kind"),
    ({"regime": "scatter"}, "regime"),
    ({"overcrowding_percent": 301}, "overcrowding_percent"),
    ({"weights": {"comfort": 3}}, "weights"),
    ({"weights": {"move": 1001}}, "weights"),
    ({"time_limit": 4}, "time_limit"),
    ({"time_limit": 601}, "time_limit"),
    ({"dispersal_limit": 0}, "dispersal_limit"),
])
def test_invalid_settings_are_refused_naming_the_field(estate, settings, field):
    with pytest.raises(InvalidInput) as refused:
        create(estate, **settings)

    assert refused.value.field == field
    assert refused.value.status == 400
    assert not HousingPlan.objects.exists()


def test_designated_units_must_belong_to_the_facility(estate):
    stranger = UnitFactory()

    with pytest.raises(InvalidInput) as refused:
        create(estate, regime="concentration", designated_units=[stranger.pk])

    assert refused.value.field == "designated_units"
    assert not HousingPlan.objects.exists()


def test_only_a_director_allows_overcrowding(estate):
    with pytest.raises(AccessDenied):
        create(estate, user=estate["security"], overcrowding_percent=20)
    assert not HousingPlan.objects.exists()

    plan = create(estate, overcrowding_percent=20)

    assert plan.overcrowding_percent == 20


def test_a_plan_is_audited_and_queued_once_the_request_commits(
        estate, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        plan = create(estate, user=estate["security"], weights={"move": 3})

    assert plan.status == "queued"
    assert plan.weights == {"cell_exposure": 10, "unit_exposure": 1, "move": 3, "distance": 1}
    assert AuditEntry.objects.filter(action="housing_plan.create", object_id=str(plan.pk),
                                     actor=estate["security"]).exists()
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [plan.pk]


def test_a_run_stores_a_plan_that_keeps_every_hard_rule(estate):
    plan = ready(estate, compare_regimes=True)

    assignments = plan.result["assignments"]
    problem, _ = problem_for(plan=plan)
    placement = {row["prisoner"]: row["cell"] for row in assignments}
    assert breaches(problem, placement) == []
    assert len(assignments) == 5
    leader = next(r for r in assignments if r["name"] == "leader")
    assert leader["cell_label"].startswith("HSG/") and leader["prison_number"]
    assert plan.result["metrics"]["exposure"] <= plan.result["baseline"]["exposure"]
    assert plan.result["metrics"]["lower_bound"] <= plan.result["metrics"]["objective"]
    assert {a["regime"] for a in plan.result["alternatives"]} == {
        "concentration", "dispersal", "separation", "hybrid"}
    assert plan.snapshot and plan.progress == 1.0 and plan.stage == "done"
    assert AuditEntry.objects.filter(action="housing_plan.ready", object_id=str(plan.pk)).exists()


def test_a_cancelled_queued_plan_never_runs(estate):
    plan = create(estate)

    services.plan_cancel(acting_user=estate["security"], plan=plan)
    after = services.plan_run(plan.pk)

    assert after.status == "cancelled" and after.result == {}
    assert AuditEntry.objects.filter(action="housing_plan.cancel").count() == 1


def test_a_cancel_requested_while_running_stops_the_run(estate):
    plan = create(estate, time_limit=60)
    HousingPlan.objects.filter(pk=plan.pk).update(cancel_requested=True)

    after = services.plan_run(plan.pk)

    assert after.status == "cancelled"
    assert after.result["metrics"]["seconds"] < 30


def test_only_a_waiting_or_running_plan_can_be_cancelled(estate):
    plan = ready(estate)

    with pytest.raises(InvalidTransition):
        services.plan_cancel(acting_user=estate["director"], plan=plan)

    assert HousingPlan.objects.get(pk=plan.pk).status == "ready"


def test_approval_applies_every_move_through_the_placement_service(estate):
    plan = ready(estate)
    moves = {r["prisoner"]: r["cell"] for r in plan.result["assignments"] if r["moved"]}
    assert moves  # the newcomer at least, and the influential split from the vulnerable

    services.plan_approve(acting_user=estate["director"], plan=plan, reason="Agreed")

    now = cells_now()
    assert all(now[p] == cell for p, cell in moves.items())
    assert Placement.objects.filter(ended_at__isnull=True,
                                    reason__startswith=f"Housing plan #{plan.pk}").count() \
        == len(moves)
    assert AuditEntry.objects.filter(action="placement.create",
                                     reason__startswith=f"Housing plan #{plan.pk}").count() \
        == len(moves)
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.decided_by == estate["director"]
    assert AuditEntry.objects.filter(action="housing_plan.approve", reason="Agreed").exists()


def test_approval_is_refused_and_the_plan_marked_stale_when_someone_moved_since(estate):
    plan = ready(estate)
    custody.placement_create(acting_user=estate["director"],
                             prisoner=estate["people"]["newcomer"], cell=estate["cells"]["B2"],
                             reason="arrived before the decision")
    before, placements = cells_now(), Placement.objects.count()

    with pytest.raises(ConcurrentEdit) as refused:
        services.plan_approve(acting_user=estate["director"], plan=plan)

    assert refused.value.status == 409
    assert cells_now() == before and Placement.objects.count() == placements
    assert HousingPlan.objects.get(pk=plan.pk).status == "stale"
    assert AuditEntry.objects.filter(action="housing_plan.stale").exists()


def test_only_a_director_approves_and_a_refusal_changes_nothing(estate):
    plan = ready(estate)
    before, placements = cells_now(), Placement.objects.count()

    with pytest.raises(AccessDenied):
        services.plan_approve(acting_user=estate["security"], plan=plan)

    assert cells_now() == before and Placement.objects.count() == placements
    assert HousingPlan.objects.get(pk=plan.pk).status == "ready"


def test_a_plan_with_conflicts_cannot_be_approved(estate):
    plan = ready(estate)
    HousingPlan.objects.filter(pk=plan.pk).update(
        result={**plan.result, "conflicts": [{"code": "capacity", "params": {}}]})
    before = cells_now()

    with pytest.raises(InvalidTransition):
        services.plan_approve(acting_user=estate["director"], plan=plan)

    assert cells_now() == before


def test_a_rejection_needs_a_reason(estate):
    plan = ready(estate)

    with pytest.raises(InvalidInput) as refused:
        services.plan_reject(acting_user=estate["director"], plan=plan, reason=" ")
    assert refused.value.field == "reason"
    assert HousingPlan.objects.get(pk=plan.pk).status == "ready"

    services.plan_reject(acting_user=estate["director"], plan=plan, reason="Too many moves")

    assert HousingPlan.objects.get(pk=plan.pk).status == "rejected"
    assert AuditEntry.objects.filter(action="housing_plan.reject",
                                     reason="Too many moves").exists()
