"""Housing pages: who may plan, who may decide, what a plan shows, and that reads are audited."""

import pytest
from django.urls import reverse

from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.custody import services as custody
from custos.custody.models import Placement
from custos.housing import services
from custos.housing.inputs import snapshot_for
from custos.housing.models import HousingPlan, PlanStatus

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, UnitFactory, user_with_role


@pytest.fixture
def estate(facility, unit, cell, director):
    """Two units; two men share A-01, one is in B-01."""
    other_cell = CellFactory(unit=unit, number="A-02", beds=2)
    wing_b = UnitFactory(facility=facility, code="B", name="Wing B", regime="general")
    cell_b = CellFactory(unit=wing_b, number="B-01", beds=2)
    people = [PrisonerFactory(facility=facility, prison_number=f"BKO-{i}",
                              names=[f"Prisoner {i}"]) for i in (1, 2, 3)]
    for person, where in zip(people, (cell, cell, cell_b), strict=True):
        custody.placement_create(acting_user=director, prisoner=person, cell=where, reason="in")
    return {"cells": (cell, other_cell, cell_b), "units": (unit, wing_b), "people": people}


def ready_plan(director, facility, estate, **settings):
    """A ready plan over the estate that moves Prisoner 2 from A-01 to A-02."""
    plan = services.plan_create(acting_user=director, kind="facility", facility=facility,
                                time_limit=5, compare_regimes=False, **settings)
    (a1, a2, b1), (wing_a, wing_b) = estate["cells"], estate["units"]
    rows = []
    for person, was, to in zip(estate["people"], (a1, a1, b1), (a1, a2, b1), strict=True):
        rows.append({
            "prisoner": person.pk, "prison_number": person.prison_number,
            "name": person.display_name, "from_cell": was.pk, "from_label": str(was),
            "cell": to.pk, "cell_label": str(to), "unit": to.unit_id,
            "unit_label": str(to.unit), "moved": was != to,
            "reasons": [{"code": "moves" if was != to else "stays",
                         "params": {"from": str(was), "to": str(to), "place": str(to)}}]})
    metrics = {"objective": 120, "exposure": 100, "cell_exposure": 8, "unit_exposure": 20,
               "moves": 1, "placed": 3, "unplaced": 0, "family_distance_km": 0.0,
               "mean_family_distance_km": None, "lower_bound": 90, "status": "feasible",
               "occupancy": [{"unit": wing_a.pk, "label": "Wing A", "beds": 4, "places": 4,
                              "current": 2, "planned": 2},
                             {"unit": wing_b.pk, "label": "Wing B", "beds": 2, "places": 2,
                              "current": 1, "planned": 1}]}
    plan.status, plan.snapshot = PlanStatus.READY, snapshot_for(plan=plan)
    plan.result = {
        "assignments": rows, "metrics": metrics,
        "baseline": {**metrics, "objective": 377, "exposure": 333},
        "current": {**metrics, "objective": 250, "exposure": 250, "moves": 0},
        "conflicts": [], "weights": {"cell_exposure": 10, "unit_exposure": 1, "move": 10,
                                     "distance": 1},
        "alternatives": [{"regime": "dispersal", "status": "infeasible",
                          "metrics": {**metrics, "objective": 4242},
                          "conflicts": [{"code": "single_cells",
                                         "params": {"people": 14, "cells": 9}}]}]}
    plan.save()
    return plan


def views_of(plan) -> int:
    return AuditEntry.objects.filter(action="housing_plan.view", object_id=str(plan.pk)).count()


# --- the list and the new-plan form --------------------------------------------------------

def test_a_director_sees_the_plans_and_the_form(client, director, facility, estate,
                                                django_assert_max_num_queries):
    plan = ready_plan(director, facility, estate)
    for _ in range(3):
        services.plan_create(acting_user=director, kind="admissions", facility=facility)
    client.force_login(director)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("housing:list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("housing:plan", args=[plan.pk]) in body
    assert 'name="cell_exposure"' in body and "Weight of a move" in body
    assert 'href="/housing/">Housing plans</a>' in body  # the navigation link


def test_a_plan_is_created_through_the_service(client, security, facility, estate):
    client.force_login(security)

    response = client.post(reverse("housing:list"), {
        "facility": facility.pk, "kind": "facility", "regime": "dispersal",
        "dispersal_limit": 1, "hybrid_influence": 4, "overcrowding_percent": 0,
        "cell_exposure": 20, "unit_exposure": 1, "move": 5, "distance": 1, "time_limit": 10,
        "compare_regimes": "on"})

    plan = HousingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/housing/plans/{plan.pk}/"
    assert (plan.status, plan.regime, plan.dispersal_limit, plan.created_by) == (
        "queued", "dispersal", 1, security)
    assert plan.weights["cell_exposure"] == 20 and plan.compare_regimes


def test_the_services_refusal_is_shown_on_the_form(client, facility, estate):
    national = user_with_role(Role.DIRECTOR, None, username="national-director")
    elsewhere = UnitFactory(facility=FacilityFactory(code="KTI"), code="S", regime="separation")
    client.force_login(national)

    response = client.post(reverse("housing:list"), {
        "facility": facility.pk, "kind": "facility", "regime": "concentration",
        "designated_units": [elsewhere.pk], "dispersal_limit": 2, "hybrid_influence": 4,
        "overcrowding_percent": 0, "cell_exposure": 10, "unit_exposure": 1, "move": 10,
        "distance": 1, "time_limit": 10})

    assert response.status_code == 400
    assert "Designated units must be units of the facility planned." in \
        response.content.decode()
    assert not HousingPlan.objects.exists()


def test_overcrowding_is_refused_inline_to_security(client, security, facility, estate):
    client.force_login(security)

    response = client.post(reverse("housing:list"), {
        "facility": facility.pk, "kind": "facility", "regime": "none", "dispersal_limit": 2,
        "hybrid_influence": 4, "overcrowding_percent": 20, "cell_exposure": 10,
        "unit_exposure": 1, "move": 10, "distance": 1, "time_limit": 10})

    assert response.status_code == 403
    assert 'name="overcrowding_percent"' in response.content.decode()  # the form, again
    assert not HousingPlan.objects.exists()
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


def test_a_role_without_housing_plan_is_refused(client, director, facility, estate):
    plan = ready_plan(director, facility, estate)
    analyst = user_with_role(Role.ANALYST, facility)
    client.force_login(analyst)
    entries = AuditEntry.objects.count()

    for url in (reverse("housing:list"), reverse("housing:plan", args=[plan.pk]),
                reverse("housing:assignments", args=[plan.pk])):
        assert client.get(url).status_code == 403

    assert AuditEntry.objects.count() == entries + 3  # three denials, no read
    assert views_of(plan) == 0
    assert 'href="/housing/"' not in client.get(reverse("access:home")).content.decode()


def test_a_plan_of_another_facility_is_not_found(client, director, facility, estate):
    plan = ready_plan(director, facility, estate)
    stranger = user_with_role(Role.DIRECTOR, FacilityFactory(code="KTI"), username="kti")
    client.force_login(stranger)

    assert client.get(reverse("housing:plan", args=[plan.pk])).status_code == 404
    assert client.get(reverse("housing:progress", args=[plan.pk])).status_code == 404
    assert client.post(reverse("housing:approve", args=[plan.pk]),
                       {"confirm": "yes"}).status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.READY and views_of(plan) == 0


# --- a plan ------------------------------------------------------------------------------

def test_a_ready_plan_shows_its_comparison_and_the_read_is_audited(client, director, facility,
                                                                    estate):
    plan = ready_plan(director, facility, estate)
    client.force_login(director)

    response = client.get(reverse("housing:plan", args=[plan.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Current placements", "First fit", "Alternative: dispersal", "333", "4242",
                 "Gap to the bound", "25.0\u00a0%",  # (120 - 90) / 120
                 "Wing B", "50 %",  # Wing A: 2 of 4 beds
                 "14 prisoners need a cell of their own; at most 9 cells",
                 "Weight of exposure in a cell", "Approve and apply the plan",
                 "Reject the plan", director.username):
        assert text in body, text
    assert "<progress" not in body
    assert views_of(plan) == 1


def test_security_may_read_a_plan_but_not_decide_it(client, security, director, facility,
                                                    estate):
    plan = ready_plan(director, facility, estate)
    client.force_login(security)

    page = client.get(reverse("housing:plan", args=[plan.pk]))
    response = client.post(reverse("housing:approve", args=[plan.pk]), {"confirm": "yes"})

    assert page.status_code == 200 and "Approve and apply the plan" not in page.content.decode()
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.READY and plan.decided_by is None
    assert Placement.objects.filter(ended_at__isnull=True).count() == 3
    assert not AuditEntry.objects.filter(action="housing_plan.approve").exists()


def test_a_director_approves_and_the_moves_are_applied(client, director, facility, estate):
    plan = ready_plan(director, facility, estate)
    client.force_login(director)

    response = client.post(reverse("housing:approve", args=[plan.pk]),
                           {"approve-reason": "Agreed", "confirm": "yes"})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.decision_reason == "Agreed"
    moved = estate["people"][1]
    assert Placement.objects.get(prisoner=moved, ended_at__isnull=True).cell == estate["cells"][1]


def test_an_approval_the_service_refuses_is_shown_on_the_form(client, director, facility,
                                                              estate):
    plan = ready_plan(director, facility, estate)
    plan.overcrowding_percent = 10
    plan.save(update_fields=["overcrowding_percent"])
    client.force_login(director)

    response = client.post(reverse("housing:approve", args=[plan.pk]), {"confirm": "yes"})

    assert response.status_code == 400
    assert "needs the director&#x27;s reason" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.READY


def test_rejecting_needs_a_reason(client, director, facility, estate):
    plan = ready_plan(director, facility, estate)
    client.force_login(director)

    refused = client.post(reverse("housing:reject", args=[plan.pk]), {"reject-reason": ""})
    plan.refresh_from_db()
    assert refused.status_code == 400 and plan.status == PlanStatus.READY
    assert "This field is required." in refused.content.decode()

    done = client.post(reverse("housing:reject", args=[plan.pk]),
                       {"reject-reason": "Too many moves"})
    plan.refresh_from_db()
    assert done.status_code == 302
    assert (plan.status, plan.decision_reason) == (PlanStatus.REJECTED, "Too many moves")


# --- while it runs ------------------------------------------------------------------------

def test_a_running_plan_shows_a_polled_progress_bar_and_can_be_cancelled(client, director,
                                                                         facility, estate):
    plan = services.plan_create(acting_user=director, kind="facility", facility=facility)
    HousingPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.RUNNING, stage="cells",
                                                  progress=0.4, best_objective=321,
                                                  lower_bound=300)
    client.force_login(director)
    url = reverse("housing:progress", args=[plan.pk])

    page = client.get(reverse("housing:plan", args=[plan.pk])).content.decode()
    fragment = client.get(url)

    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page
    assert 'value="40"' in fragment.content.decode() and "321" in fragment.content.decode()
    assert "300" in fragment.content.decode() and "HX-Refresh" not in fragment
    assert "Cancel the plan" in page

    cancelled = client.post(reverse("housing:cancel", args=[plan.pk]), {"confirm": "yes"})
    plan.refresh_from_db()
    assert cancelled.status_code == 302 and plan.cancel_requested


def test_the_fragment_stops_polling_once_the_plan_is_finished(client, director, facility,
                                                              estate):
    plan = ready_plan(director, facility, estate)
    client.force_login(director)

    fragment = client.get(reverse("housing:progress", args=[plan.pk]))

    assert fragment["HX-Refresh"] == "true"
    assert "hx-get" not in fragment.content.decode()
    assert reverse("housing:plan", args=[plan.pk]) in fragment.content.decode()


def test_a_queued_plan_is_cancelled_from_its_page(client, director, facility, estate):
    plan = services.plan_create(acting_user=director, kind="facility", facility=facility)
    client.force_login(director)

    unconfirmed = client.post(reverse("housing:cancel", args=[plan.pk]))
    response = client.post(reverse("housing:cancel", args=[plan.pk]), {"confirm": "yes"})

    assert unconfirmed.status_code == 400
    plan.refresh_from_db()
    assert response.status_code == 302 and plan.status == PlanStatus.CANCELLED


# --- assignments ----------------------------------------------------------------------------

def test_assignments_filter_by_unit_and_moves(client, director, facility, estate,
                                              django_assert_max_num_queries):
    plan = ready_plan(director, facility, estate)
    client.force_login(director)
    url = reverse("housing:assignments", args=[plan.pk])
    wing_a, wing_b = estate["units"]

    with django_assert_max_num_queries(12):
        everyone = client.get(url).content.decode()
    moved = client.get(url, {"moved": "on"}).content.decode()
    in_b = client.get(url, {"unit": wing_b.pk}).content.decode()

    assert all(f"BKO-{i}" in everyone for i in (1, 2, 3))
    assert "BKO-2" in moved and "BKO-1" not in moved and "BKO-3" not in moved
    assert f"Moves from {estate['cells'][0]} to {estate['cells'][1]}." in moved
    assert "BKO-3" in in_b and "BKO-1" not in in_b
    assert views_of(plan) == 3


def test_a_plan_run_by_the_optimiser_renders(client, director, facility, estate):
    plan = services.plan_create(acting_user=director, kind="facility", facility=facility,
                                time_limit=5, compare_regimes=False)
    services.plan_run(plan.pk)
    plan.refresh_from_db()
    client.force_login(director)

    page = client.get(reverse("housing:plan", args=[plan.pk]))
    rows = client.get(reverse("housing:assignments", args=[plan.pk]))

    assert plan.status == PlanStatus.READY, plan.error
    assert page.status_code == 200 and "Occupancy per unit" in page.content.decode()
    assert rows.status_code == 200 and "May occupy" in rows.content.decode()


def test_a_plan_made_before_the_facility_changed_is_refused(client, director, facility,
                                                            estate):
    plan = ready_plan(director, facility, estate)
    custody.placement_create(acting_user=director, prisoner=estate["people"][0],
                             cell=estate["cells"][2], reason="moved since")
    client.force_login(director)

    response = client.post(reverse("housing:approve", args=[plan.pk]), {"confirm": "yes"})

    assert response.status_code == 400
    assert "The facility changed since the plan was made" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STALE
    assert Placement.objects.get(prisoner=estate["people"][1], ended_at__isnull=True).cell == \
        estate["cells"][0]
