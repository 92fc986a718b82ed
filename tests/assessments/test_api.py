"""The assessments API: the workflow through REST, scoped rows, documented error shapes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from custos.accounts.models import ApiToken
from custos.assessments import workflow
from custos.assessments.instruments import items_of
from custos.assessments.models import Assessment
from custos.audit.models import AuditEntry

from ..factories import FacilityFactory, PrisonerFactory, user_with_role
from .test_workflow import certified, full_ratings, load

ASSESSMENTS = "/api/v1/assessments/"


def api_as(user) -> APIClient:
    _token, key = ApiToken.issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def vern(db):
    return load("ve-risk-needs.yaml")


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


def test_create_save_submit_countersign_locks(vern, prisoner, facility):
    first = api_as(certified("amina", facility, "CUSTOS-VERN"))
    second_user = certified("karim", facility, "CUSTOS-VERN")

    created = first.post(ASSESSMENTS, {"prisoner": prisoner.pk, "instrument": vern.pk,
                                       "occasion": "admission"}, format="json")
    assert created.status_code == 201, created.json()
    url = f"{ASSESSMENTS}{created.json()['id']}/"
    saved = first.patch(url, {"version": created.json()["version"],
                              "ratings": full_ratings(vern), "judgement": 2,
                              "reasons": "Engaged, no capability"}, format="json")
    assert saved.status_code == 200, saved.json()
    submitted = first.post(f"{url}submit/", {"version": saved.json()["version"]},
                           format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    signed = api_as(second_user).post(f"{url}countersign/",
                                      {"version": submitted.json()["version"]}, format="json")

    assert signed.status_code == 200, signed.json()
    body = signed.json()
    assert body["status"] == "locked" and body["countersigned_by"] == second_user.pk
    assert set(body["indices"]) == {"influence", "vulnerability"}
    detail = first.get(url).json()
    assert detail["ratings"]["ENG1"]["value"] == 1 and detail["reasons"]
    assert AuditEntry.objects.filter(action="assessment.view").count() == 1


def test_a_missing_item_is_400_naming_it_and_a_stale_version_is_409(vern, prisoner, facility):
    assessor = certified("amina", facility, "CUSTOS-VERN")
    client = api_as(assessor)
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner, instrument=vern,
                                      occasion="review")
    url = f"{ASSESSMENTS}{draft.pk}/"
    ratings = full_ratings(vern)
    ratings.pop("ENG1")
    saved = client.patch(url, {"version": draft.version, "ratings": ratings, "judgement": 2,
                               "reasons": "r"}, format="json").json()

    refused = client.post(f"{url}submit/", {"version": saved["version"]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "ENG1"

    stale = client.patch(url, {"version": draft.version, "reasons": "again"}, format="json")
    assert stale.status_code == 409
    assert Assessment.objects.get(pk=draft.pk).reasons == "r"


@pytest.mark.parametrize("role", ["partner", "monitor", "security"])
def test_roles_without_assessment_permissions_are_forbidden(vern, prisoner, facility, role):
    assessor = certified("amina", facility, "CUSTOS-VERN")
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner, instrument=vern,
                                      occasion="review")
    client = api_as(user_with_role(role, facility))
    url = f"{ASSESSMENTS}{draft.pk}/"

    for response in (client.get(ASSESSMENTS), client.get(url), client.get("/api/v1/instruments/"),
                     client.get("/api/v1/reliability/"),
                     client.post(ASSESSMENTS, {}, format="json"),
                     client.patch(url, {"version": 1}, format="json"),
                     client.post(f"{url}submit/", {"version": 1}, format="json")):
        assert response.status_code == 403


def test_an_assessment_of_an_out_of_scope_prisoner_is_404(vern, facility):
    elsewhere = FacilityFactory(code="GAO")
    outside = PrisonerFactory(facility=elsewhere)
    assessor = certified("far", elsewhere, "CUSTOS-VERN")
    draft = workflow.assessment_start(acting_user=assessor, prisoner=outside, instrument=vern,
                                      occasion="review")
    local = api_as(user_with_role("director", facility, username="local-director"))

    assert local.get(f"{ASSESSMENTS}{draft.pk}/").status_code == 404
    assert local.get(ASSESSMENTS).json()["count"] == 0
    assert local.get(ASSESSMENTS, {"prisoner": outside.pk}).json()["count"] == 0


def _locked(assessor, prisoner, instrument, values, when):
    draft = workflow.assessment_start(acting_user=assessor, prisoner=prisoner,
                                      instrument=instrument, occasion="review")
    ratings = {item["code"]: {"value": values(item), "rationale": "seen"}
               for item in items_of(instrument.definition)}
    workflow.assessment_save(acting_user=assessor, assessment=draft,
                             expected_version=draft.version, ratings=ratings, judgement=2,
                             reasons="r")
    workflow.assessment_submit(acting_user=assessor, assessment=draft,
                               expected_version=draft.version)
    Assessment.objects.filter(pk=draft.pk).update(status="locked", locked_at=when,
                                                  submitted_at=when)


def test_reliability_gives_kappa_per_item_for_double_rated_prisoners(facility):
    instrument = load("cell-sharing.yaml")
    code = instrument.code
    a, b = certified("amina", facility, code), certified("karim", facility, code)
    now = timezone.now()
    for n in range(4):
        prisoner = PrisonerFactory(facility=facility)
        level = n % 3
        _locked(a, prisoner, instrument, lambda item, v=level: v, now - timedelta(days=10))
        other = level if n != 3 else (level + 1) % 3
        _locked(b, prisoner, instrument, lambda item, v=other: v, now - timedelta(days=2))
    lonely = PrisonerFactory(facility=facility)  # rated twice, but 60 days apart: not a pair
    _locked(a, lonely, instrument, lambda item: 0, now - timedelta(days=70))
    _locked(b, lonely, instrument, lambda item: 2, now - timedelta(days=5))

    response = api_as(user_with_role("director", facility)).get(
        "/api/v1/reliability/", {"instrument": code})

    assert response.status_code == 200, response.json()
    report = response.json()["results"][0]
    assert report["instrument"] == code and report["pairs"] == 4
    first_item = next(items_of(instrument.definition))["code"]
    estimate = report["items"][first_item]
    assert estimate["n"] == 4 and estimate["value"] is not None
    assert -1 <= estimate["value"] <= 1
    assert report["overall"]
    assert set(report["assessors"]) == {str(a), str(b)}  # who agrees with colleagues
    assert report["assessors"][str(a)]["n"] == report["judgement"]["n"]
