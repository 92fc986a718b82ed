"""The pages of the register: the list and its filters, a measure with its days and the running
count, and the forms (new measure, authorise, review, end, record and correct a day), each
with a success and a refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.oversight.models import DailyRecord, RestrictiveMeasure

from ..factories import FacilityFactory, PrisonerFactory
from .measures_helpers import REASONS, day, days, impose


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility, display_name="Amadou Diallo")


@pytest.fixture
def measure(security, prisoner):
    return impose(security, prisoner, days_ago=20)


def since(measure):
    return timezone.localtime(measure.started_at).date()


def test_the_register_lists_measures_in_force_with_their_facts(client, director, measure,
                                                              facility):
    ended = impose(director, PrisonerFactory(facility=facility, display_name="Ended Man"),
                   kind="restricted_visits", days_ago=3, review_in=3)
    ended.refresh_from_db()
    from custos.oversight import measures

    measures.measure_end(acting_user=director, measure=ended, version=1, reason="Lifted.")
    client.force_login(director)

    page = client.get(reverse("oversight:measures"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Amadou Diallo" in html and "Ended Man" not in html
    assert "Not authorised" in html and ">21<" in html  # days so far
    every = client.get(reverse("oversight:measures"), {"in_force": ""}).content.decode()
    assert "Ended Man" in every


def test_the_register_filters_by_kind_and_overdue_review(client, director, measure, facility):
    impose(director, PrisonerFactory(facility=facility, display_name="Visits Only"),
           kind="restricted_visits", review_in=20)
    client.force_login(director)

    visits = client.get(reverse("oversight:measures"), {"kind": "restricted_visits"})
    overdue = client.get(reverse("oversight:measures"), {"overdue": "on", "in_force": "yes"})

    assert "Visits Only" in visits.content.decode()
    assert "Amadou Diallo" not in visits.content.decode()
    assert "Amadou Diallo" in overdue.content.decode()  # review was due 19 days ago
    assert "Visits Only" not in overdue.content.decode()


def test_the_register_uses_a_few_queries(client, director, facility,
                                         django_assert_max_num_queries):
    for _ in range(8):
        impose(director, PrisonerFactory(facility=facility), days_ago=2)
    client.force_login(director)
    client.get(reverse("oversight:measures"))

    with django_assert_max_num_queries(14):
        assert client.get(reverse("oversight:measures")).status_code == 200


def test_a_measure_shows_its_reasons_days_running_count_and_flags(client, security, director,
                                                                  measure):
    first = since(measure)
    days(security, measure, first, 11)
    day(security, measure, first + timedelta(days=11), hours=10, minutes=30)
    client.force_login(director)

    page = client.get(reverse("oversight:measure", kwargs={"measure": measure.pk}))

    assert page.status_code == 200
    html = page.content.decode()
    assert REASONS["necessity"] in html and REASONS["alternatives_considered"] in html
    counts = [run for _record, run in page.context["days"]]
    assert counts == [*range(1, 12), 0]
    assert "Mandela Rule 44" in html and "Mandela Rule 23(1)" in html
    assert "security-BKO" in html  # who imposed it


def test_a_measure_of_another_facility_answers_404(client, measure):
    from ..factories import user_with_role

    client.force_login(user_with_role("director", FacilityFactory(code="GAO")))

    assert client.get(reverse("oversight:measure",
                              kwargs={"measure": measure.pk})).status_code == 404


def test_a_new_measure_is_imposed_from_the_form(client, security, prisoner):
    client.force_login(security)
    assert client.get(reverse("oversight:measure_new")).status_code == 200
    today = timezone.localdate()

    response = client.post(reverse("oversight:measure_new"), {
        "prisoner": prisoner.prison_number, "kind": "segregation", **REASONS,
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "planned_review_on": (today + timedelta(days=7)).isoformat()})

    measure = RestrictiveMeasure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:measure", kwargs={"measure": measure.pk})
    assert measure.kind == "segregation" and measure.authorised_at is None


def test_the_form_shows_a_review_too_far_away_on_its_field(client, security, prisoner):
    client.force_login(security)
    today = timezone.localdate()

    response = client.post(reverse("oversight:measure_new"), {
        "prisoner": prisoner.prison_number, "kind": "solitary", **REASONS,
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "planned_review_on": (today + timedelta(days=8)).isoformat()})

    assert response.status_code == 400
    assert "within 7 days" in str(response.context["form"].errors["planned_review_on"])
    assert not RestrictiveMeasure.objects.exists()


def test_the_form_refuses_a_child_in_solitary_confinement_with_the_rule(client, security,
                                                                        facility):
    child = PrisonerFactory(facility=facility, date_of_birth=timezone.localdate().replace(
        year=timezone.localdate().year - 15))
    client.force_login(security)

    response = client.post(reverse("oversight:measure_new"), {
        "prisoner": child.prison_number, "kind": "solitary", **REASONS,
        "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "planned_review_on": timezone.localdate().isoformat()})

    assert response.status_code == 422
    assert "Havana Rule 67" in response.content.decode()
    assert not RestrictiveMeasure.objects.exists()


def test_an_unknown_prison_number_is_refused_on_its_field(client, security):
    client.force_login(security)
    response = client.post(reverse("oversight:measure_new"), {"prisoner": "NOPE", **REASONS})
    assert response.status_code == 400 and "prisoner" in response.context["form"].errors


def test_a_director_authorises_from_the_page(client, director, measure):
    client.force_login(director)
    url = reverse("oversight:measure_authorise", kwargs={"measure": measure.pk})
    assert client.get(url).status_code == 200

    stale = client.post(url, {"version": 7})
    assert stale.status_code == 409
    response = client.post(url, {"version": measure.version})

    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.authorised_by == director


def test_a_review_is_recorded_from_the_page_and_a_far_review_refused(client, security, measure):
    client.force_login(security)
    url = reverse("oversight:measure_review", kwargs={"measure": measure.pk})
    far = (timezone.localdate() + timedelta(days=9)).isoformat()

    refused = client.post(url, {"version": 1, "outcome": "continue", "reasons": "Risk.",
                                "next_review_on": far})
    assert refused.status_code == 400
    done = client.post(url, {"version": 1, "outcome": "continue", "reasons": "Risk.",
                             "next_review_on": timezone.localdate().isoformat()})

    assert done.status_code == 302
    measure.refresh_from_db()
    assert measure.planned_review_on == timezone.localdate() and measure.reviews.count() == 1


def test_a_measure_is_ended_from_the_page(client, security, measure):
    client.force_login(security)
    url = reverse("oversight:measure_end", kwargs={"measure": measure.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"version": 1, "reason": ""}).status_code == 400

    assert client.post(url, {"version": 1, "reason": "Calm."}).status_code == 302
    measure.refresh_from_db()
    assert not measure.in_force


def test_a_day_is_recorded_from_the_phone_form(client, security, measure):
    client.force_login(security)
    url = reverse("oversight:measure_day", kwargs={"measure": measure.pk})
    assert "touch" in client.get(url).content.decode()

    response = client.post(url, {"on": since(measure).isoformat(),
                                 "hours_without_contact": "23", "exercise_minutes": "60",
                                 "health_visit": "on", "contacts": "Chaplain, 20 min"})

    assert response.status_code == 302
    record = DailyRecord.objects.get()
    assert record.health_visit and record.contacts == "Chaplain, 20 min"


def test_day_16_is_refused_on_the_form_with_the_rule(client, security, measure):
    days(security, measure, since(measure), 15)
    client.force_login(security)

    response = client.post(reverse("oversight:measure_day", kwargs={"measure": measure.pk}), {
        "on": (since(measure) + timedelta(days=15)).isoformat(),
        "hours_without_contact": "23", "exercise_minutes": "60", "health_visit": "on"})

    assert response.status_code == 422
    assert "Mandela Rules 43(1)(b) and 44" in response.content.decode()
    assert DailyRecord.objects.count() == 15


def test_a_day_recorded_twice_is_refused_on_the_form(client, security, measure):
    day(security, measure, since(measure))
    client.force_login(security)

    response = client.post(reverse("oversight:measure_day", kwargs={"measure": measure.pk}), {
        "on": since(measure).isoformat(), "hours_without_contact": "5",
        "exercise_minutes": "60"})

    assert response.status_code == 409
    assert DailyRecord.objects.get().hours_without_contact == 23


def test_a_day_is_corrected_from_the_page(client, security, measure):
    record = day(security, measure, since(measure), hours=23)
    client.force_login(security)
    url = reverse("oversight:measure_day_correct", kwargs={"daily_record": record.pk})
    assert client.get(url).status_code == 200

    response = client.post(url, {"version": 1, "hours_without_contact": "8",
                                 "exercise_minutes": "90", "reason": "Wrong hours typed."})

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.hours_without_contact == 8 and record.version == 2


@pytest.mark.parametrize("name", ["measure_new", "measure_day"])
def test_a_monitor_cannot_open_the_forms(client, measure, facility, name):
    from .measures_helpers import monitor_for

    client.force_login(monitor_for([facility], individual_cases=True, username="mon"))
    kwargs = {"measure": measure.pk} if name == "measure_day" else {}

    assert client.get(reverse(f"oversight:{name}", kwargs=kwargs)).status_code == 403
