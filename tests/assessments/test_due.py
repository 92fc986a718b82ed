"""Who is due or overdue for an assessment in a facility."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custos.assessments import workflow
from custos.assessments.due import due_list, overdue_list
from custos.assessments.models import AssessmentRequest
from custos.core.errors import InvalidInput

from ..factories import PrisonerFactory


def test_new_admissions_need_a_screening_and_terrorism_cases_a_risk_assessment(
        facility, director):
    long_ago = timezone.now() - timedelta(days=60)
    ordinary = PrisonerFactory(facility=facility, admitted_at=long_ago)
    flagged = PrisonerFactory(facility=facility, admitted_at=long_ago, terrorism_related=True)

    due = {(d.prisoner_id, d.kind) for d in overdue_list(user=director, facility=facility)}

    assert (ordinary.pk, "screening") in due
    assert (flagged.pk, "screening") in due and (flagged.pk, "risk_needs") in due
    assert (ordinary.pk, "risk_needs") not in due


def test_the_due_list_costs_the_same_few_queries_for_any_number_of_prisoners(
        facility, director):
    PrisonerFactory(facility=facility)
    due_list(user=director, facility=facility)  # the user's access is read once, first
    with CaptureQueriesContext(connection) as few:
        due_list(user=director, facility=facility)
    for _ in range(10):
        PrisonerFactory(facility=facility, terrorism_related=True)
    with CaptureQueriesContext(connection) as many:
        due_list(user=director, facility=facility)

    assert len(many) == len(few)


def test_a_request_is_due_until_an_assessment_of_its_kind_is_locked(facility, director):
    prisoner = PrisonerFactory(facility=facility)

    workflow.assessment_request(acting_user=director, prisoner=prisoner, kind="cell_sharing",
                                reason="Fight in cell A-12 last night")

    due = [d for d in due_list(user=director, facility=facility) if d.why == "request"]
    assert [(d.prisoner_id, d.kind) for d in due] == [(prisoner.pk, "cell_sharing")]


def test_a_request_needs_its_reason_and_a_known_kind(facility, director):
    prisoner = PrisonerFactory(facility=facility)
    for kind, reason in (("cell_sharing", " "), ("horoscope", "because")):
        with pytest.raises(InvalidInput):
            workflow.assessment_request(acting_user=director, prisoner=prisoner, kind=kind,
                                        reason=reason)
    assert not AssessmentRequest.objects.exists()


@pytest.mark.parametrize("role,shown", [("director", True), ("casemanager", True),
                                        ("security", False), ("monitor", False)])
def test_the_facility_page_links_to_the_due_list_for_those_who_may_read_it(
        client, facility, persona, role, shown):
    due_url = reverse("assessments:due", kwargs={"code": facility.code})
    client.force_login(persona(role))

    page = client.get(reverse("custody:facility", kwargs={"code": facility.code}))

    assert page.status_code == 200
    assert (f'href="{due_url}"' in page.content.decode()) is shown
    assert client.get(due_url).status_code == (200 if shown else 403)
