"""The restrictive-measures API: create, list with filters, detail, authorise, review, end, and
the days (list with the running count, record) — day 15 against day 16 through the API too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight.models import DailyRecord, RestrictiveMeasure

from ..factories import PrisonerFactory
from .measures_helpers import REASONS, days, impose


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


@pytest.fixture
def measure(security, prisoner):
    return impose(security, prisoner, days_ago=20)


def since(measure):
    return timezone.localtime(measure.started_at).date()


def url(name, measure=None):
    return reverse(f"oversight-measure-{name}",
                   kwargs={"measure": measure.pk} if measure else None)


def test_a_security_officer_imposes_a_measure(client, security, prisoner):
    client.force_login(security)

    response = client.post(url("list"), {
        "prisoner": prisoner.pk, "kind": "restraints", **REASONS,
        "planned_review_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
        content_type="application/json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "restraints" and body["authorised_by"] is None
    assert body["imposed_by"] == security.username and body["in_force"] is True
    assert RestrictiveMeasure.objects.get().pk == body["id"]


def test_a_review_too_far_away_is_refused_through_the_api(client, security, prisoner):
    client.force_login(security)

    response = client.post(url("list"), {
        "prisoner": prisoner.pk, "kind": "restraints", **REASONS,
        "planned_review_on": (timezone.localdate() + timedelta(days=2)).isoformat()},
        content_type="application/json")

    assert response.status_code == 400 and response.json()["field"] == "planned_review_on"
    assert not RestrictiveMeasure.objects.exists()


def test_a_missing_reason_is_refused_naming_the_field(client, security, prisoner):
    client.force_login(security)
    body = {"prisoner": prisoner.pk, "kind": "solitary", **REASONS, "necessity": "",
            "planned_review_on": timezone.localdate().isoformat()}

    response = client.post(url("list"), body, content_type="application/json")

    assert response.status_code == 400 and response.json()["field"] == "necessity"


def test_a_prisoner_out_of_reach_is_refused(client, security):
    from ..factories import FacilityFactory

    stranger = PrisonerFactory(facility=FacilityFactory(code="GAO"))
    client.force_login(security)

    response = client.post(url("list"), {
        "prisoner": stranger.pk, "kind": "solitary", **REASONS,
        "planned_review_on": timezone.localdate().isoformat()}, content_type="application/json")

    assert response.status_code == 400 and response.json()["field"] == "prisoner"
    assert not RestrictiveMeasure.objects.exists()


def test_the_list_filters(client, director, measure, facility):
    impose(director, PrisonerFactory(facility=facility), kind="restricted_visits",
           review_in=30)
    client.force_login(director)

    def ids(**query):
        return [m["id"] for m in client.get(url("list"), query).json()["results"]]

    assert len(ids()) == 2
    assert ids(kind="solitary") == [measure.pk]
    assert ids(overdue="true") == [measure.pk]
    assert ids(in_force="false") == []
    assert ids(prisoner=measure.prisoner_id) == [measure.pk]
    assert client.get(url("list"), {"facility": "x"}).status_code == 400


def test_authorise_review_and_end(client, security, director, measure):
    client.force_login(security)
    assert client.post(url("authorise", measure), {"version": 1},
                       content_type="application/json").status_code == 403
    client.force_login(director)

    authorised = client.post(url("authorise", measure), {"version": 1},
                             content_type="application/json")
    stale = client.post(url("review", measure), {
        "version": 1, "outcome": "continue", "reasons": "Risk.",
        "next_review_on": timezone.localdate().isoformat()}, content_type="application/json")
    reviewed = client.post(url("review", measure), {
        "version": 2, "outcome": "continue", "reasons": "Risk.",
        "next_review_on": timezone.localdate().isoformat()}, content_type="application/json")
    ended = client.post(url("end", measure), {"version": 3, "reason": "Calm."},
                        content_type="application/json")

    assert authorised.status_code == 200 and authorised.json()["authorised_by"] == "director-BKO"
    assert stale.status_code == 409
    assert reviewed.status_code == 201 and reviewed.json()["outcome"] == "continue"
    assert ended.status_code == 200 and ended.json()["in_force"] is False


def test_days_are_listed_with_the_running_count(client, security, measure):
    days(security, measure, since(measure), 3)
    client.force_login(security)

    response = client.get(url("days", measure))

    assert response.status_code == 200
    assert [d["consecutive_solitary_days"] for d in response.json()] == [1, 2, 3]


def test_day_15_is_recorded_and_day_16_refused_through_the_api(client, security, measure):
    days(security, measure, since(measure), 14)
    client.force_login(security)

    def post(offset):
        return client.post(url("days", measure), {
            "on": (since(measure) + timedelta(days=offset)).isoformat(),
            "hours_without_contact": "23", "exercise_minutes": 60, "health_visit": True},
            content_type="application/json")

    fifteenth = post(14)
    sixteenth = post(15)

    assert fifteenth.status_code == 201
    assert sixteenth.status_code == 422
    body = sixteenth.json()
    assert body["code"] == "refused" and body["rule"] == "Mandela Rules 43(1)(b) and 44"
    assert body["finding"] == "prolonged_solitary"
    assert DailyRecord.objects.count() == 15
    assert AuditEntry.objects.filter(action="oversight.refused").count() == 1


def test_a_day_recorded_twice_is_a_conflict(client, security, measure):
    client.force_login(security)
    body = {"on": since(measure).isoformat(), "hours_without_contact": "23"}

    first = client.post(url("days", measure), body, content_type="application/json")
    second = client.post(url("days", measure), {**body, "hours_without_contact": "3"},
                         content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 409)
    assert DailyRecord.objects.get().hours_without_contact == 23


def test_a_monitor_reads_but_cannot_write(client, measure, facility):
    from .measures_helpers import monitor_for

    client.force_login(monitor_for([facility], individual_cases=True, username="npm"))

    assert client.get(url("detail", measure)).status_code == 200
    assert client.get(url("days", measure)).status_code == 200
    assert client.post(url("days", measure), {"on": since(measure).isoformat(),
                                              "hours_without_contact": "1"},
                       content_type="application/json").status_code == 403
    assert not DailyRecord.objects.exists()
