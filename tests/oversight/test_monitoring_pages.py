"""The monitoring pages: each shows what its reader may see, each form saves through its
service, and a refusal is shown on the form with nothing saved."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custos.access.roles import Role
from custos.oversight import monitoring
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
    return make_body([facility], legal_basis="OPCAT")


@pytest.fixture
def monitor(body):
    return make_monitor(body)


@pytest.fixture
def admin(db):
    return user_with_role(Role.ADMIN, None, username="admin")


def iso(day):
    return day.isoformat()


# --- the home ------------------------------------------------------------------------------


def test_the_monitor_sees_his_body_its_visits_and_the_overdue_first(
        client, monitor, facility, django_assert_max_num_queries):
    visit = done_visit(monitor, facility)
    soon = recommend(monitor, visit, text="Open the yard daily.")
    late = recommend(monitor, visit, text="Repair the showers.")
    Recommendation.objects.filter(pk=late.pk).update(
        response_due_on=timezone.localdate() - timedelta(days=1))
    client.force_login(monitor)

    with django_assert_max_num_queries(25):
        response = client.get(reverse("oversight:monitoring"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "National Preventive Mechanism" in page and "All places of detention." in page
    assert page.index("Repair the showers.") < page.index("Open the yard daily.")
    assert [r.pk for r in response.context["page"].object_list] == [late.pk, soon.pk]
    assert response.context["page"].object_list[0].overdue
    assert ("awaiting", "Awaiting the government's response", 2) in response.context["counts"]
    assert reverse("oversight:visit_new") in page


def test_the_director_sees_what_awaits_his_response(client, monitor, facility, director):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(director)

    response = client.get(reverse("oversight:monitoring"))

    assert response.status_code == 200
    assert list(response.context["awaiting"]) == [made]
    assert reverse("oversight:recommendation", args=[made.pk]) in response.content.decode()


def test_a_monitor_without_a_body_is_told_so(client, facility):
    client.force_login(user_with_role(Role.MONITOR, facility, username="loose"))

    response = client.get(reverse("oversight:monitoring"))

    assert response.status_code == 200
    assert "do not act for a monitoring body" in response.content.decode()


# --- bodies --------------------------------------------------------------------------------


def test_the_administrator_registers_a_body_from_the_page(client, admin, facility):
    client.force_login(admin)
    assert client.get(reverse("oversight:body_new")).status_code == 200

    response = client.post(reverse("oversight:body_new"), {
        "name": "Ombudsman", "kind": "ombudsman", "mandate": "Visits.",
        "facilities": [facility.pk], "unannounced_visits": "on", "active": "on"})

    body = MonitoringBody.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:body", args=[body.pk])
    assert (body.unannounced_visits, body.individual_cases) == (True, False)
    assert client.get(reverse("oversight:bodies")).status_code == 200


def test_a_duplicate_name_is_shown_on_its_field(client, admin, facility, body):
    client.force_login(admin)

    response = client.post(reverse("oversight:body_new"), {
        "name": body.name, "kind": "npm", "mandate": "x", "facilities": [facility.pk]})

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert MonitoringBody.objects.count() == 1


def test_the_administrator_adds_and_ends_a_membership(client, admin, body):
    user = user_with_role(Role.MONITOR, None, username="new-monitor")
    client.force_login(admin)
    page = client.get(reverse("oversight:body", args=[body.pk]))
    assert page.status_code == 200 and "new-monitor" in page.content.decode()

    added = client.post(reverse("oversight:body_member_add", args=[body.pk]),
                        {"user": user.pk})
    membership = MonitorMembership.objects.get(user=user)
    ended = client.post(reverse("oversight:body_member_end", args=[body.pk]),
                        {"membership": membership.pk})

    assert (added.status_code, ended.status_code) == (302, 302)
    membership.refresh_from_db()
    assert membership.ended_on == timezone.localdate()


def test_a_stale_mandate_edit_is_refused_on_the_page(client, admin, body, facility):
    client.force_login(admin)
    values = {"version": 1, "name": body.name, "kind": "npm", "mandate": "Changed",
              "facilities": [facility.pk]}
    assert client.post(reverse("oversight:body", args=[body.pk]), values).status_code == 302

    response = client.post(reverse("oversight:body", args=[body.pk]),
                           {**values, "mandate": "Again"})

    assert response.status_code == 409
    body.refresh_from_db()
    assert (body.mandate, body.version) == ("Changed", 2)


# --- visits --------------------------------------------------------------------------------


def test_a_monitor_plans_a_visit_from_the_page(client, monitor, facility):
    client.force_login(monitor)
    form = client.get(reverse("oversight:visit_new"))
    assert form.status_code == 200
    assert list(form.context["form"].fields["facility"].queryset) == [facility]

    response = client.post(reverse("oversight:visit_new"), {
        "facility": facility.pk, "planned_on": iso(timezone.localdate()), "announced": "on"})

    visit = MonitoringVisit.objects.get()
    assert response["Location"] == reverse("oversight:visit", args=[visit.pk])


def test_an_unannounced_visit_refused_by_the_mandate_is_shown_on_the_form(client, facility):
    monitor = make_monitor(make_body([facility], name="Announced only",
                                     unannounced_visits=False), username="strict")
    client.force_login(monitor)

    response = client.post(reverse("oversight:visit_new"), {
        "facility": facility.pk, "planned_on": iso(timezone.localdate())})

    assert response.status_code == 422
    assert "may not visit unannounced" in str(response.context["form"].errors["announced"])
    assert not MonitoringVisit.objects.exists()


def test_a_monitor_records_a_visit_and_a_finding_on_its_page(client, monitor, facility):
    today = timezone.localdate()
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today)
    client.force_login(monitor)
    assert client.get(reverse("oversight:visit", args=[visit.pk])).status_code == 200

    recorded = client.post(reverse("oversight:visit_record", args=[visit.pk]), {
        "record-version": 1, "record-visited_on": iso(today), "record-team": "Two",
        "record-private_interviews": 5, "record-summary": "Calm."})
    found = client.post(reverse("oversight:finding_new", args=[visit.pk]), {
        "finding-area": "health", "finding-text": "No doctor for a week."})

    assert (recorded.status_code, found.status_code) == (302, 302)
    visit.refresh_from_db()
    assert (visit.status, visit.private_interviews) == ("done", 5)
    assert MonitoringFinding.objects.get().text == "No doctor for a week."


def test_a_finding_on_a_planned_visit_is_refused_on_the_page(client, monitor, facility):
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility,
                                  planned_on=timezone.localdate())
    client.force_login(monitor)

    response = client.post(reverse("oversight:finding_new", args=[visit.pk]), {
        "finding-area": "health", "finding-text": "Too early."})

    assert response.status_code == 409
    assert not MonitoringFinding.objects.exists()


def test_the_director_reads_the_visit_without_the_bodys_notes(client, monitor, facility,
                                                             director):
    visit = done_visit(monitor, facility, summary="Our private impressions.")
    finding_on(monitor, visit, text="The yard is closed.")
    client.force_login(director)

    response = client.get(reverse("oversight:visit", args=[visit.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The yard is closed." in page and "Our private impressions." not in page
    assert reverse("oversight:finding_new", args=[visit.pk]) not in page
    client.force_login(monitor)
    assert "Our private impressions." in client.get(
        reverse("oversight:visit", args=[visit.pk])).content.decode()


def test_a_monitor_recommends_from_the_visit_page(client, monitor, facility):
    visit = done_visit(monitor, facility)
    finding = finding_on(monitor, visit)
    client.force_login(monitor)

    response = client.post(reverse("oversight:recommendation_new", args=[visit.pk]), {
        "recommendation-finding": finding.pk, "recommendation-text": "Open the yard."})

    made = Recommendation.objects.get()
    assert response["Location"] == reverse("oversight:recommendation", args=[made.pk])
    assert made.finding == finding


# --- a recommendation ----------------------------------------------------------------------


def test_the_director_responds_on_the_page_and_both_sides_see_it(client, monitor, facility,
                                                                director):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(director)
    assert "respond-response" in client.get(
        reverse("oversight:recommendation", args=[made.pk])).content.decode()

    response = client.post(reverse("oversight:recommendation_respond", args=[made.pk]), {
        "respond-version": made.version, "respond-response": "partly",
        "respond-reasons": "Wing A first.", "respond-owner": "Deputy director",
        "respond-deadline": iso(timezone.localdate() + timedelta(days=90))})

    assert response.status_code == 302
    client.force_login(monitor)
    page = client.get(reverse("oversight:recommendation", args=[made.pk])).content.decode()
    assert "Partly accepted" in page and "Wing A first." in page and "Deputy director" in page
    assert "update-comment" in page and "respond-response" not in page


def test_a_response_without_reasons_is_shown_on_its_field(client, monitor, facility,
                                                         director):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(director)

    response = client.post(reverse("oversight:recommendation_respond", args=[made.pk]), {
        "respond-version": made.version, "respond-response": "rejected"})

    assert response.status_code == 400
    assert response.context["respond_form"].errors["reasons"]
    assert Recommendation.objects.get(pk=made.pk).status == "awaiting"


def test_a_stale_response_on_the_page_is_a_conflict(client, monitor, facility, director):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(director)

    response = client.post(reverse("oversight:recommendation_respond", args=[made.pk]), {
        "respond-version": made.version + 1, "respond-response": "accepted",
        "respond-owner": "X", "respond-deadline": iso(timezone.localdate())})

    assert response.status_code == 409
    assert Recommendation.objects.get(pk=made.pk).status == "awaiting"


def test_a_monitor_closes_from_the_page(client, monitor, facility, director):
    made = recommend(monitor, done_visit(monitor, facility))
    made = monitoring.recommendation_respond(
        acting_user=director, recommendation=made, version=made.version, response="accepted",
        owner="Head", deadline=timezone.localdate())
    client.force_login(monitor)

    response = client.post(reverse("oversight:recommendation_update", args=[made.pk]), {
        "update-version": made.version, "update-status": "closed",
        "update-comment": "Done as far as we can see."})

    assert response.status_code == 302
    assert Recommendation.objects.get(pk=made.pk).status == "closed"


def test_security_reads_a_recommendation_without_forms(client, monitor, facility, security):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(security)

    response = client.get(reverse("oversight:recommendation", args=[made.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "respond-response" not in page and "update-comment" not in page


def test_another_facilitys_director_gets_404(client, monitor, facility):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(user_with_role(Role.DIRECTOR, FacilityFactory(code="KYS"),
                                      username="director-kys"))

    assert client.get(reverse("oversight:recommendation", args=[made.pk])).status_code == 404


def test_pages_and_lists_do_not_read_more_as_recommendations_grow(client, monitor, facility,
                                                                 director):
    def counts(visit):
        urls = [reverse("oversight:monitoring"), reverse("oversight:visit", args=[visit.pk]),
                reverse("oversight-recommendation-list"),
                reverse("oversight-visit-detail", args=[visit.pk])]
        found = []
        for user in (monitor, director):
            client.force_login(user)
            for url in urls:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                found.append(len(queries))
        return found

    small = done_visit(monitor, facility)
    recommend(monitor, small)
    large = done_visit(monitor, facility)
    for n in range(6):
        recommend(monitor, large, text=f"Recommendation {n}")

    assert counts(large) == counts(small)
