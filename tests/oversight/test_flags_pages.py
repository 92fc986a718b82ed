"""Flags on the pages and the API: each shows its rule, its evidence in words, whom it is for
and when; filters; a director resolves one by saying what was done, once."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight.flags import FlagSpec, raise_flags
from custos.oversight.models import Flag

from ..factories import FacilityFactory, PrisonerFactory, user_with_role
from .measures_helpers import day, impose


@pytest.fixture
def measure(director, facility):
    found = impose(director, PrisonerFactory(facility=facility, display_name="Flagged Man"),
                   days_ago=3)
    day(director, found, timezone.localdate() - timezone.timedelta(days=1), health=False,
        minutes=20)
    return found


def test_each_flag_shows_rule_evidence_audience_and_day(client, measure, security):
    client.force_login(security)

    page = client.get(reverse("oversight:flags"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Mandela Rule 46(1)" in html and "No health-care visit was recorded" in html
    assert "20 minutes in the open air" in html and "at least 60 are due" in html
    assert "health care, the prison director" in html
    assert "Flagged Man" in html


def test_the_flags_filter_by_code_state_and_facility(client, measure, director, facility):
    elsewhere = FacilityFactory(code="GAO")
    raise_flags([FlagSpec(code="review_overdue", rule="Mandela Rule 45(1)",
                          facility_id=elsewhere.pk, subject_type="measure", subject_id=999,
                          raised_on=timezone.localdate())])
    director_everywhere = user_with_role("director", None, username="national")
    client.force_login(director_everywhere)

    def codes(**query):
        return sorted(f.code for f in client.get(reverse("oversight:flags"),
                                                 query).context["page"].object_list)

    assert codes() == ["no_health_visit", "no_open_air_hour", "review_overdue"]
    assert codes(code="no_health_visit") == ["no_health_visit"]
    assert codes(facility=elsewhere.pk) == ["review_overdue"]
    assert codes(state="resolved") == []


def test_a_flag_page_links_to_its_measure(client, measure, director):
    flag = Flag.objects.get(code="no_health_visit")
    client.force_login(director)

    page = client.get(reverse("oversight:flag", kwargs={"flag": flag.pk}))

    assert page.status_code == 200
    assert reverse("oversight:measure", kwargs={"measure": measure.pk}) in page.content.decode()


def test_a_director_resolves_a_flag_once(client, measure, director):
    flag = Flag.objects.get(code="no_health_visit")
    client.force_login(director)
    url = reverse("oversight:flag", kwargs={"flag": flag.pk})

    assert client.post(url, {"resolution": ""}).status_code == 400
    done = client.post(url, {"resolution": "Nurse visits twice daily from now on."})
    again = client.post(url, {"resolution": "Again."})

    assert done.status_code == 302 and again.status_code == 409
    flag.refresh_from_db()
    assert flag.resolved_by == director and flag.resolution.startswith("Nurse")
    assert AuditEntry.objects.filter(action="oversight.flag_resolved").count() == 1


def test_a_security_officer_cannot_resolve_a_flag(client, measure, security):
    flag = Flag.objects.get(code="no_health_visit")
    client.force_login(security)

    page = client.post(reverse("oversight:flag", kwargs={"flag": flag.pk}),
                       {"resolution": "Done."})
    api = client.post(reverse("oversight-flag-resolve", kwargs={"flag": flag.pk}),
                      {"resolution": "Done."}, content_type="application/json")

    assert (page.status_code, api.status_code) == (403, 403)
    flag.refresh_from_db()
    assert flag.resolved_at is None


def test_the_flags_api_lists_reads_and_resolves(client, measure, director):
    flag = Flag.objects.get(code="no_health_visit")
    client.force_login(director)

    listed = client.get(reverse("oversight-flag-list"), {"code": "no_health_visit"}).json()
    read = client.get(reverse("oversight-flag-detail", kwargs={"flag": flag.pk})).json()
    resolved = client.post(reverse("oversight-flag-resolve", kwargs={"flag": flag.pk}),
                           {"resolution": "Nurse rota fixed."}, content_type="application/json")

    assert [f["id"] for f in listed["results"]] == [flag.pk]
    assert read["rule"] == "Mandela Rule 46(1)" and "health_care" in read["for_whom"]
    assert "No health-care visit" in read["words"]
    assert resolved.status_code == 200 and resolved.json()["resolved_by"] == "director-BKO"
    open_now = client.get(reverse("oversight-flag-list"), {"state": "open"}).json()
    assert [f["code"] for f in open_now["results"]] == ["no_open_air_hour"]


def test_a_flag_of_another_facility_answers_404(client, measure):
    flag = Flag.objects.get(code="no_health_visit")
    client.force_login(user_with_role("director", FacilityFactory(code="GAO"),
                                      username="gao"))

    assert client.get(reverse("oversight:flag", kwargs={"flag": flag.pk})).status_code == 404
    assert client.get(reverse("oversight-flag-detail",
                              kwargs={"flag": flag.pk})).status_code == 404


def test_the_evidence_shows_dates_in_the_readers_format():
    from custos.oversight.measure_selectors import evidence_in_words

    overdue = Flag(code="review_overdue", evidence={"review_due_on": "2026-03-01"})
    late = Flag(code="unauthorised_measure", evidence={"started_at": "2026-03-01T08:30:00+00:00",
                                                       "within_hours": 24})
    other = Flag(code="something_else", evidence={"b": 2, "a": "x"})

    assert evidence_in_words(overdue) == ("The review was due on 03/01/2026 and has not been "
                                          "recorded.")
    assert "03/01/2026 8:30 a.m." in evidence_in_words(late) and "24 hours" in \
        evidence_in_words(late)
    assert evidence_in_words(other) == "a: x; b: 2"
