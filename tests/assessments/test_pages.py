"""The assessment pages: the assessor's worklist, the rating form, the prisoner file section."""

import pytest
from django.urls import reverse

from custos.assessments import workflow
from custos.assessments.instruments import items_of
from custos.assessments.models import Assessment
from custos.audit.models import AuditEntry

from ..factories import PrisonerFactory
from .test_workflow import certified, load


@pytest.fixture
def cellshare(db):
    return load("cell-sharing.yaml")


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


def test_pages_render_and_the_form_submits(client, cellshare, prisoner, facility):
    assessor = certified("amina", facility, cellshare.code)
    client.force_login(assessor)

    assert client.get(reverse("assessments:list")).status_code == 200
    assert client.get(reverse("assessments:new", args=[prisoner.pk])).status_code == 200
    started = client.post(reverse("assessments:new", args=[prisoner.pk]),
                          {"instrument": cellshare.pk, "occasion": "admission"})
    assessment = Assessment.objects.get()
    assert started.status_code == 302
    page = client.get(reverse("assessments:detail", args=[assessment.pk]))
    assert page.status_code == 200
    first = next(items_of(cellshare.definition))
    assert first["text"]["en"] in page.content.decode()
    assert AuditEntry.objects.filter(action="assessment.view").count() == 1

    data = {"version": assessment.version, "judgement": 1, "reasons": "Calm, no threats",
            "step": "submit"}
    for item in items_of(cellshare.definition):
        data[f"{item['code']}__value"] = 0
        data[f"{item['code']}__rationale"] = "Nothing on file"
    response = client.post(reverse("assessments:detail", args=[assessment.pk]), data)

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "locked"  # this instrument needs no countersignature
    assert client.get(reverse("assessments:detail", args=[assessment.pk])).status_code == 200


def test_a_submission_missing_an_item_shows_the_error_and_keeps_the_draft(
        client, cellshare, prisoner, facility):
    assessor = certified("amina", facility, cellshare.code)
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner,
                                      instrument=cellshare, occasion="review")
    client.force_login(assessor)

    response = client.post(reverse("assessments:detail", args=[draft.pk]),
                           {"version": draft.version, "judgement": 1, "reasons": "r",
                            "step": "submit"})

    assert response.status_code == 400
    first = next(items_of(cellshare.definition))["code"]
    assert f"item {first} is required" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_prisoner_file_shows_assessments_to_a_director_not_to_security(
        client, cellshare, prisoner, facility, director, security):
    assessor = certified("amina", facility, cellshare.code)
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner,
                                      instrument=cellshare, occasion="review")
    link = reverse("assessments:detail", args=[draft.pk])

    client.force_login(director)
    page = client.get(reverse("custody:prisoner", args=[prisoner.pk])).content.decode()
    assert 'class="assessments"' in page and link in page

    client.force_login(security)
    page = client.get(reverse("custody:prisoner", args=[prisoner.pk])).content.decode()
    assert 'class="assessments"' not in page and link not in page
