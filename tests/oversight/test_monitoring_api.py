"""The monitoring API: bodies for the administrator, visits and findings for the monitors,
recommendations with the government's response and the history for both sides."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.access.roles import Role
from custos.oversight.models import (
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
)

from ..factories import FacilityFactory, user_with_role
from .monitoring_fixtures import done_visit, finding_on, make_body, make_monitor, recommend


@pytest.fixture
def body(facility):
    return make_body([facility])


@pytest.fixture
def monitor(body):
    return make_monitor(body)


@pytest.fixture
def api(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_the_administrator_creates_a_body_and_adds_a_monitor(api, facility):
    admin = user_with_role(Role.ADMIN, None, username="admin")
    user = user_with_role(Role.MONITOR, None, username="mon")
    client = api(admin)

    made = post(client, reverse("oversight-body-list"), {
        "name": "Ombudsman", "kind": "ombudsman", "mandate": "Visits.",
        "facilities": [facility.pk]})
    body_id = made.json()["id"]
    added = post(client, reverse("oversight-body-members", args=[body_id]), {"user": user.pk})
    refused = post(client, reverse("oversight-body-members", args=[body_id]),
                   {"user": admin.pk})

    assert made.status_code == 201 and made.json()["facilities"] == [facility.pk]
    assert added.status_code == 201
    assert refused.status_code == 400 and refused.json()["field"] == "user"
    assert list(MonitorMembership.objects.values_list("user", flat=True)) == [user.pk]
    detail = client.get(reverse("oversight-body-detail", args=[body_id])).json()
    assert [m["user"] for m in detail["members"]] == ["mon"]


def test_a_body_patch_over_a_stale_version_is_a_conflict(api, body):
    client = api(user_with_role(Role.ADMIN, None, username="admin"))
    url = reverse("oversight-body-detail", args=[body.pk])

    first = client.patch(url, {"version": 1, "individual_cases": False},
                         content_type="application/json")
    second = client.patch(url, {"version": 1, "active": False},
                          content_type="application/json")

    assert first.status_code == 200 and first.json()["individual_cases"] is False
    assert second.status_code == 409
    body.refresh_from_db()
    assert (body.active, body.version) == (True, 2)


def test_a_monitor_plans_records_and_finds_through_the_api(api, monitor, facility):
    client = api(monitor)
    today = timezone.localdate().isoformat()

    planned = post(client, reverse("oversight-visit-list"),
                   {"facility": facility.pk, "planned_on": today})
    visit_id = planned.json()["id"]
    recorded = post(client, reverse("oversight-visit-record", args=[visit_id]), {
        "version": 1, "visited_on": today, "team": "Two", "private_interviews": 2,
        "summary": "Notes"})
    found = post(client, reverse("oversight-visit-findings", args=[visit_id]),
                 {"area": "staff", "text": "Too few guards at night."})

    assert planned.status_code == 201
    assert recorded.status_code == 200 and recorded.json()["summary"] == "Notes"
    assert found.status_code == 201
    assert MonitoringFinding.objects.get().visit_id == visit_id


def test_a_visit_outside_the_mandate_is_a_bad_request(api, monitor):
    elsewhere = FacilityFactory(code="KYS")

    response = post(api(monitor), reverse("oversight-visit-list"), {
        "facility": elsewhere.pk, "planned_on": timezone.localdate().isoformat()})

    assert response.status_code == 400 and response.json()["field"] == "facility"
    assert not MonitoringVisit.objects.exists()


def test_an_unannounced_visit_against_the_mandate_cites_it(api, facility):
    monitor = make_monitor(make_body([facility], name="Strict", unannounced_visits=False,
                                     legal_basis="Decree 7"), username="strict")

    response = post(api(monitor), reverse("oversight-visit-list"), {
        "facility": facility.pk, "planned_on": timezone.localdate().isoformat(),
        "announced": False})

    assert response.status_code == 422 and response.json()["rule"] == "Decree 7"
    assert not MonitoringVisit.objects.exists()


def test_the_director_reads_visits_without_the_bodys_notes(api, monitor, facility, director):
    visit = done_visit(monitor, facility, summary="Private notes")

    detail = api(director).get(reverse("oversight-visit-detail", args=[visit.pk])).json()

    assert detail["summary"] is None and detail["status"] == "done"


def test_the_recommendation_round_trip(api, monitor, facility, director):
    finding = finding_on(monitor, done_visit(monitor, facility))
    made = post(api(monitor), reverse("oversight-recommendation-list"),
                {"finding": finding.pk, "text": "Hire two night guards."})
    pk = made.json()["id"]
    deadline = (timezone.localdate() + timedelta(days=120)).isoformat()

    client = api(director)
    stale = post(client, reverse("oversight-recommendation-respond", args=[pk]), {
        "version": 7, "response": "accepted", "owner": "HR", "deadline": deadline})
    missing = post(client, reverse("oversight-recommendation-respond", args=[pk]), {
        "version": 1, "response": "partly", "owner": "HR", "deadline": deadline})
    answered = post(client, reverse("oversight-recommendation-respond", args=[pk]), {
        "version": 1, "response": "partly", "reasons": "One guard.", "owner": "HR",
        "deadline": deadline})
    progress = post(client, reverse("oversight-recommendation-update", args=[pk]),
                    {"version": 2, "comment": "Recruitment opened."})

    assert made.status_code == 201 and made.json()["status"] == "awaiting"
    assert stale.status_code == 409
    assert missing.status_code == 400 and missing.json()["field"] == "reasons"
    assert answered.status_code == 200 and answered.json()["status"] == "in_progress"
    assert progress.status_code == 200
    seen_by_body = api(monitor).get(reverse("oversight-recommendation-detail",
                                            args=[pk])).json()
    assert [(s["side"], s["comment"]) for s in seen_by_body["history"]] == [
        ("government", "One guard."), ("government", "Recruitment opened.")]
    assert seen_by_body["owner"] == "HR" and seen_by_body["response"] == "partly"


def test_a_recommendation_on_another_bodys_finding_is_refused(api, monitor, facility):
    rival = make_monitor(make_body([facility], name="Other"), username="rival")
    finding = finding_on(monitor, done_visit(monitor, facility))

    response = post(api(rival), reverse("oversight-recommendation-list"),
                    {"finding": finding.pk, "text": "Ours now"})

    assert response.status_code == 400 and response.json()["field"] == "finding"
    assert not Recommendation.objects.exists()


def test_security_cannot_take_a_step(api, monitor, facility, security):
    made = recommend(monitor, done_visit(monitor, facility))

    response = post(api(security), reverse("oversight-recommendation-update", args=[made.pk]),
                    {"version": made.version, "comment": "Not mine to say"})

    assert response.status_code == 403
    assert not Recommendation.objects.get(pk=made.pk).updates.exists()


def test_lists_are_narrowed_for_each_reader(api, monitor, facility, director):
    mine = recommend(monitor, done_visit(monitor, facility))
    rival = make_monitor(make_body([facility], name="Other"), username="rival")
    theirs = recommend(rival, done_visit(rival, facility))

    as_monitor = api(monitor).get(reverse("oversight-recommendation-list")).json()
    as_director = api(director).get(reverse("oversight-recommendation-list")).json()

    assert [r["id"] for r in as_monitor["results"]] == [mine.pk]
    assert {r["id"] for r in as_director["results"]} == {mine.pk, theirs.pk}
    assert api(monitor).get(reverse("oversight-recommendation-detail",
                                    args=[theirs.pk])).status_code == 404
    assert MonitoringBody.objects.count() == 2
