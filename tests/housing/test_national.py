"""National plans: a facility and unit for everyone in every facility, near their family.

Two small facilities, North (Tombouctou) and South (Bamako), one unit of two cells of two beds
each. Two men are held in each; one held in North has his family in Bamako.
"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput, InvalidTransition
from custos.custody import services as custody
from custos.custody.models import KeepApart, Placement, Prisoner
from custos.housing import selectors, services
from custos.housing.evaluate import breaches
from custos.housing.inputs import problem_for, snapshot_for
from custos.housing.models import HousingPlan

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, UnitFactory, user_with_role
from .estate import locked_scores

BAMAKO = (12.64, -8.0)
TOMBOUCTOU = (16.77, -3.0)


@pytest.fixture
def country(db):
    """The two facilities, their units, the people by name and the users who plan them."""
    north = FacilityFactory(code="NTH", population_served="men", latitude=TOMBOUCTOU[0],
                            longitude=TOMBOUCTOU[1])
    south = FacilityFactory(code="STH", population_served="men", latitude=BAMAKO[0],
                            longitude=BAMAKO[1])
    national = user_with_role("director", None, username="national-director")
    units, cells = {}, {}
    for facility in (north, south):
        units[facility.code] = UnitFactory(facility=facility, code="A", security_level="medium")
        for n in (1, 2):
            cells[f"{facility.code}{n}"] = CellFactory(unit=units[facility.code],
                                                       number=f"A-{n}", beds=2)
    homes = {"far": BAMAKO, "local": TOMBOUCTOU, "south1": BAMAKO, "south2": BAMAKO}
    where = {"far": "NTH1", "local": "NTH2", "south1": "STH1", "south2": "STH2"}
    people = {}
    for name, cell in where.items():
        facility = north if cell.startswith("NTH") else south
        person = PrisonerFactory(facility=facility, display_name=name,
                                 family_home_latitude=homes[name][0],
                                 family_home_longitude=homes[name][1])
        custody.placement_create(acting_user=national, prisoner=person, cell=cells[cell],
                                 reason="initial")
        locked_scores(person, national)
        people[name] = Prisoner.objects.get(pk=person.pk)
    return {"north": north, "south": south, "units": units, "cells": cells, "people": people,
            "national": national,
            "north_director": user_with_role("director", north, username="nth-director")}


def create(country, user=None, **kw):
    kw.setdefault("time_limit", 5)
    kw.setdefault("compare_regimes", False)
    return services.plan_create(acting_user=user or country["national"], kind="national",
                                facility=None, **kw)


def ready(country, **kw) -> HousingPlan:
    plan = services.plan_run(create(country, **kw).pk)
    assert plan.status == "ready", plan.error
    return plan


def rows_of(plan) -> dict[str, dict]:
    return {row["name"]: row for row in plan.result["assignments"]}


# --- the problem ------------------------------------------------------------------------------

def test_a_national_problem_covers_every_facility(country):
    other = PrisonerFactory(facility=country["south"])
    KeepApart.objects.create(prisoner_a=country["people"]["far"], prisoner_b=other,
                             level="unit", reason="rivals")

    problem, context = problem_for(plan=HousingPlan(kind="national", facility=None))

    assert {f.code: (f.latitude, f.longitude) for f in problem.facilities} == {
        "NTH": TOMBOUCTOU, "STH": BAMAKO}
    assert sorted(u.label for u in problem.units) == ["NTH/A", "STH/A"]
    assert len(problem.cells) == 4 and len(problem.prisoners) == 5
    far = problem.prisoner_by_id[country["people"]["far"].pk]
    assert far.current_facility == country["north"].pk and far.home == BAMAKO
    assert far.current_unit == country["units"]["NTH"].pk
    assert [(k.a, k.b) for k in problem.keep_aparts] == [(far.id, other.pk)]  # across facilities
    assert set(context["names"]) == {p.id for p in problem.prisoners}


def test_a_facility_problem_knows_each_prisoners_facility(country):
    problem, _ = problem_for(plan=HousingPlan(kind="facility", facility=country["south"]))

    assert {p.current_facility for p in problem.prisoners} == {country["south"].pk}
    assert [u.label for u in problem.units] == ["STH/A"]


def test_the_national_snapshot_changes_when_a_family_moves(country):
    plan = HousingPlan(kind="national", facility=None)
    before = snapshot_for(plan=plan)
    assert snapshot_for(plan=plan) == before

    Prisoner.objects.filter(pk=country["people"]["local"].pk).update(
        family_home_latitude=BAMAKO[0], family_home_longitude=BAMAKO[1])

    assert snapshot_for(plan=plan) != before


def test_the_national_problem_is_read_in_a_few_queries(country, django_assert_max_num_queries):
    for facility in (country["north"], country["south"]):
        for _ in range(15):
            locked_scores(PrisonerFactory(facility=facility), country["national"], influence=1)

    with django_assert_max_num_queries(8):
        problem, _ = problem_for(plan=HousingPlan(kind="national", facility=None))

    assert len(problem.prisoners) == 34


# --- running it ---------------------------------------------------------------------------------

def test_a_national_plan_places_everyone_in_a_unit_and_moves_the_far_family_near_home(country):
    plan = ready(country, weights={"distance": 5, "move": 10})

    rows = rows_of(plan)
    problem, _ = problem_for(plan=plan)
    assert breaches(problem, {row["prisoner"]: row["unit"] for row in rows.values()}) == []
    assert all(row["cell"] is None and row["cell_label"] is None for row in rows.values())
    far = rows["far"]
    assert (far["facility"], far["facility_code"]) == (country["south"].pk, "STH")
    assert far["unit"] == country["units"]["STH"].pk and far["unit_label"] == "STH/A"
    assert far["moved"] and far["from_label"] == "NTH/A/A-1"
    assert not any(rows[name]["moved"] for name in ("local", "south1", "south2"))
    assert rows["local"]["facility_code"] == "NTH"
    metrics = plan.result["metrics"]
    assert metrics["mean_family_distance_km"] < plan.result["current"]["mean_family_distance_km"]
    assert metrics["mean_family_distance_km"] == 0.0  # everyone now lives near the family
    distance = next(r for r in far["reasons"] if r["code"] == "family_distance")
    assert distance["params"]["facility"] == "STH" and distance["params"]["km"] == 0
    assert distance["params"]["current"] == "NTH" and distance["params"]["current_km"] > 500


def test_moves_cost_more_than_distance_keeps_everyone_where_they_are(country):
    plan = ready(country, weights={"distance": 0, "move": 10})

    assert not any(row["moved"] for row in plan.result["assignments"])
    assert rows_of(plan)["far"]["facility_code"] == "NTH"


# --- who may plan, see and decide -------------------------------------------------------------

def test_a_director_of_one_facility_may_not_ask_for_a_national_plan(country):
    entries = AuditEntry.objects.count()

    with pytest.raises(AccessDenied) as refused:
        create(country, user=country["north_director"])

    assert refused.value.permission == "housing.plan"
    assert not HousingPlan.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_a_national_plan_needs_the_overcrowding_override_in_every_facility(country):
    security = user_with_role("security", None, username="national-security")
    user_with_role("director", country["north"], username="national-security")

    with pytest.raises(AccessDenied) as refused:
        create(country, user=security, overcrowding_percent=10)

    assert refused.value.permission == "custody.override_capacity"
    assert not HousingPlan.objects.exists()
    assert create(country, user=security).kind == "national"  # without overcrowding


def test_a_national_plan_takes_no_facility_and_others_need_one(country):
    with pytest.raises(InvalidInput) as national:
        services.plan_create(acting_user=country["national"], kind="national",
                             facility=country["north"])
    with pytest.raises(InvalidInput) as facility:
        services.plan_create(acting_user=country["national"], kind="facility", facility=None)

    assert national.value.field == facility.value.field == "facility"
    assert not HousingPlan.objects.exists()


def test_designated_units_of_a_national_plan_may_be_any_units(country):
    units = [country["units"]["NTH"].pk, country["units"]["STH"].pk]

    plan = create(country, regime="concentration", designated_units=units)

    assert plan.designated_units == sorted(units)


def test_only_those_who_plan_in_every_facility_see_a_national_plan(country):
    plan = create(country)
    both = user_with_role("security", country["north"], username="both-security")
    user_with_role("security", country["south"], username="both-security")

    assert not selectors.plan_list_visible_to(user=country["north_director"]).exists()
    assert list(selectors.plan_list_visible_to(user=both)) == [plan]
    assert list(selectors.plan_list_visible_to(user=country["national"])) == [plan]
    with pytest.raises(Exception) as missing:
        selectors.plan_get(user=country["north_director"], pk=plan.pk)
    assert type(missing.value).__name__ == "Http404"


def test_a_director_of_one_facility_cannot_cancel_a_national_plan(country):
    plan = create(country)

    with pytest.raises(AccessDenied):
        services.plan_cancel(acting_user=country["north_director"], plan=plan)

    assert HousingPlan.objects.get(pk=plan.pk).status == "queued"


def test_a_national_plan_is_not_approved_and_nothing_changes(country):
    plan = ready(country, weights={"distance": 5})
    where = dict(Prisoner.objects.values_list("pk", "current_cell_id"))
    placements, entries = Placement.objects.count(), AuditEntry.objects.count()

    with pytest.raises(InvalidTransition, match="carried out by transfers") as refused:
        services.plan_approve(acting_user=country["national"], plan=plan, reason="go")

    assert refused.value.status == 409
    assert dict(Prisoner.objects.values_list("pk", "current_cell_id")) == where
    assert Placement.objects.count() == placements and AuditEntry.objects.count() == entries
    stored = HousingPlan.objects.get(pk=plan.pk)
    assert (stored.status, stored.decided_by, stored.decision_reason) == ("ready", None, "")


def test_a_director_of_one_facility_may_not_reject_a_national_plan(country):
    plan = ready(country)

    with pytest.raises(AccessDenied):
        services.plan_reject(acting_user=country["north_director"], plan=plan, reason="no")

    assert HousingPlan.objects.get(pk=plan.pk).status == "ready"
    rejected = services.plan_reject(acting_user=country["national"], plan=plan, reason="no")
    assert rejected.status == "rejected"


# --- the API -------------------------------------------------------------------------------------

def test_the_api_asks_for_a_national_plan_and_shows_its_assignments(
        client, country, django_capture_on_commit_callbacks):
    client.force_login(country["national"])
    with django_capture_on_commit_callbacks(execute=False):
        created = client.post(reverse("housing-plan-list"), {
            "kind": "national", "time_limit": 5, "compare_regimes": False,
            "weights": {"distance": 5}}, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert (created.json()["kind"], created.json()["facility"]) == ("national", None)
    plan_id = created.json()["id"]
    services.plan_run(plan_id)

    detail = client.get(reverse("housing-plan-detail", args=[plan_id])).json()
    assert detail["status"] == "ready" and detail["facility_code"] is None
    assert detail["metrics"]["mean_family_distance_km"] is not None
    rows = client.get(reverse("housing-plan-assignments", args=[plan_id])).json()["results"]
    assert len(rows) == 4
    assert {r["facility_code"] for r in rows} == {"NTH", "STH"}
    assert all(r["cell"] is None and r["unit"] and r["facility"] for r in rows)

    refused = client.post(reverse("housing-plan-approve", args=[plan_id]), {},
                          content_type="application/json")
    assert refused.status_code == 409 and "transfers" in refused.json()["detail"]
    assert HousingPlan.objects.get(pk=plan_id).status == "ready"

    client.force_login(country["north_director"])
    assert client.get(reverse("housing-plan-detail", args=[plan_id])).status_code == 404
    assert client.get(reverse("housing-plan-list")).json()["count"] == 0


def test_the_api_refuses_a_national_plan_to_a_director_of_one_facility(client, country):
    client.force_login(country["north_director"])

    response = client.post(reverse("housing-plan-list"), {"kind": "national"},
                           content_type="application/json")

    assert response.status_code == 403
    assert not HousingPlan.objects.exists()


def test_the_api_needs_a_facility_for_a_facility_plan(client, country):
    client.force_login(country["national"])

    response = client.post(reverse("housing-plan-list"), {"kind": "facility"},
                           content_type="application/json")

    assert response.status_code == 400 and response.json()["field"] == "facility"
    assert not HousingPlan.objects.exists()


# --- the pages -------------------------------------------------------------------------------

FORM = {"regime": "none", "dispersal_limit": 2, "hybrid_influence": 4,
        "overcrowding_percent": 0, "cell_exposure": 10, "unit_exposure": 1, "move": 10,
        "distance": 5, "time_limit": 10}


def test_the_form_asks_for_a_national_plan_without_a_facility(client, country):
    client.force_login(country["national"])
    page = client.get(reverse("housing:list")).content.decode()
    assert 'value="national"' in page

    response = client.post(reverse("housing:list"), {**FORM, "kind": "national"})

    plan = HousingPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("housing:plan",
                                                                   args=[plan.pk])
    assert (plan.kind, plan.facility) == ("national", None)


def test_the_form_needs_a_facility_for_a_facility_plan(client, country):
    client.force_login(country["national"])

    response = client.post(reverse("housing:list"), {**FORM, "kind": "facility"})

    assert response.status_code == 400
    assert "Choose the facility to plan." in response.content.decode()
    assert not HousingPlan.objects.exists()


def test_the_plan_page_shows_family_distance_and_no_approval_form(client, country):
    plan = ready(country, weights={"distance": 5})
    client.force_login(country["national"])

    page = client.get(reverse("housing:plan", args=[plan.pk])).content.decode()

    assert "Mean family distance (km)" in page
    assert "carried out by transfers" in page
    assert reverse("housing:approve", args=[plan.pk]) not in page
    assert reverse("housing:reject", args=[plan.pk]) in page
    assignments = client.get(reverse("housing:assignments", args=[plan.pk])).content.decode()
    assert "STH/A" in assignments and "<bdi>NTH</bdi>" in assignments

    refused = client.post(reverse("housing:approve", args=[plan.pk]), {"confirm": "yes"})
    assert refused.status_code == 400 and "carried out by transfers" in refused.content.decode()
    assert HousingPlan.objects.get(pk=plan.pk).status == "ready"


def test_a_director_of_one_facility_does_not_find_the_national_plan_page(client, country):
    plan = create(country)
    client.force_login(country["north_director"])

    assert client.get(reverse("housing:plan", args=[plan.pk])).status_code == 404
    assert f"#{plan.pk}" not in client.get(reverse("housing:list")).content.decode()


# --- the command ------------------------------------------------------------------------------

def test_the_command_plans_nationally_and_writes_units_and_facilities(country, tmp_path,
                                                                      capsys):
    output = tmp_path / "plan.json"
    where = dict(Prisoner.objects.values_list("pk", "current_cell_id"))

    call_command("plan_housing", "--national", "--time-limit", "3", "--output", str(output))

    printed = capsys.readouterr().out
    assert "All 2 facilities" in printed and "Mean family distance" in printed
    plan = json.loads(output.read_text())
    assert plan["conflicts"] == []
    units = {u.pk for u in country["units"].values()}
    for row in plan["assignments"]:
        assert row["cell"] is None and row["unit"] in units
        assert row["facility"] in (country["north"].pk, country["south"].pk)
        assert row["facility_code"] in ("NTH", "STH")
    assert dict(Prisoner.objects.values_list("pk", "current_cell_id")) == where
    assert not HousingPlan.objects.exists()
