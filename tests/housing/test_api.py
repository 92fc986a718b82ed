"""The housing plans API: ask, follow, read, approve; scoped to the user's facilities."""

from django.urls import reverse

from custos.audit.models import AuditEntry
from custos.custody.models import Prisoner
from custos.housing import services
from custos.housing.models import HousingPlan

from ..factories import FacilityFactory, user_with_role
from .estate import estate_fixture  # noqa: F401


def test_a_plan_from_request_to_approval(client, estate, django_capture_on_commit_callbacks):
    client.force_login(estate["security"])
    with django_capture_on_commit_callbacks(execute=False):
        created = client.post(reverse("housing-plan-list"), {
            "kind": "facility", "facility": estate["facility"].pk, "time_limit": 5,
            "compare_regimes": False}, content_type="application/json")
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    assert created.json()["status"] == "queued"
    services.plan_run(plan_id)  # what the worker does (the queue is tested in test_queue)

    progress = client.get(reverse("housing-plan-progress", args=[plan_id])).json()
    assert progress["status"] == "ready" and progress["progress"] == 1.0
    assert progress["best_objective"] is not None and progress["lower_bound"] is not None

    detail = client.get(reverse("housing-plan-detail", args=[plan_id])).json()
    assert "assignments" not in detail
    assert detail["metrics"]["exposure"] <= detail["baseline"]["exposure"]
    assert detail["conflicts"] == []

    moved = client.get(reverse("housing-plan-assignments", args=[plan_id]),
                       {"moved": "true"}).json()
    assert moved["count"] >= 1 and all(row["moved"] for row in moved["results"])
    everyone = client.get(reverse("housing-plan-assignments", args=[plan_id])).json()
    assert everyone["count"] == 5
    assert {r["prisoner"] for r in everyone["results"]} == set(
        Prisoner.objects.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(action="housing_plan.view", object_id=str(plan_id)).exists()
    assert AuditEntry.objects.filter(action="housing_plan.view_assignments").count() == 2

    refused = client.post(reverse("housing-plan-approve", args=[plan_id]), {},
                          content_type="application/json")
    assert refused.status_code == 403  # a security officer proposes; a director decides

    client.force_login(estate["director"])
    approved = client.post(reverse("housing-plan-approve", args=[plan_id]),
                           {"reason": "Fewer at risk"}, content_type="application/json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    for row in moved["results"]:
        assert Prisoner.objects.get(pk=row["prisoner"]).current_cell_id == row["cell"]


def test_invalid_settings_answer_400_naming_the_field(client, estate):
    client.force_login(estate["director"])

    response = client.post(reverse("housing-plan-list"), {
        "kind": "weekly", "facility": estate["facility"].pk},
        content_type="application/json")

    assert response.status_code == 400
    assert response.json()["field"] == "kind"
    assert not HousingPlan.objects.exists()


def test_approving_a_plan_that_is_not_ready_answers_409(client, estate):
    plan = services.plan_create(acting_user=estate["director"], kind="facility",
                                facility=estate["facility"], time_limit=5)
    client.force_login(estate["director"])

    response = client.post(reverse("housing-plan-approve", args=[plan.pk]), {},
                           content_type="application/json")

    assert response.status_code == 409
    assert HousingPlan.objects.get(pk=plan.pk).status == "queued"


def test_plans_of_another_facility_look_missing(client, estate):
    plan = services.plan_create(acting_user=estate["director"], kind="facility",
                                facility=estate["facility"], time_limit=5)
    outsider = user_with_role("security", FacilityFactory(), username="far-security")
    client.force_login(outsider)

    assert client.get(reverse("housing-plan-detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("housing-plan-list")).json()["count"] == 0
    cancel = client.post(reverse("housing-plan-cancel", args=[plan.pk]))
    assert cancel.status_code == 404
    assert HousingPlan.objects.get(pk=plan.pk).status == "queued"
    refused = client.post(reverse("housing-plan-list"), {
        "kind": "facility", "facility": estate["facility"].pk},
        content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "facility"


def test_partners_and_monitors_never_see_plans(client, estate):
    services.plan_create(acting_user=estate["director"], kind="facility",
                         facility=estate["facility"], time_limit=5)
    for role in ("partner", "monitor", "police", "assessor"):
        client.force_login(user_with_role(role, estate["facility"], username=f"h-{role}"))

        assert client.get(reverse("housing-plan-list")).status_code == 403, role


def test_the_list_filters_by_status(client, estate):
    first = services.plan_create(acting_user=estate["director"], kind="facility",
                                 facility=estate["facility"], time_limit=5)
    services.plan_create(acting_user=estate["director"], kind="admissions",
                         facility=estate["facility"], time_limit=5)
    services.plan_cancel(acting_user=estate["director"], plan=first)
    client.force_login(estate["director"])

    listed = client.get(reverse("housing-plan-list"), {"status": "cancelled"}).json()

    assert [p["id"] for p in listed["results"]] == [first.pk]
