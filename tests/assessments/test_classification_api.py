"""The classifications API: propose, decide, scope and audit."""

import pytest

from custos.assessments.models import Classification
from custos.audit.models import AuditEntry

from ..factories import FacilityFactory, PrisonerFactory, user_with_role
from .test_api import api_as
from .test_classifying import rules  # noqa: F401  (fixture)

CLASSIFICATIONS = "/api/v1/classifications/"


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


def test_propose_and_decide_through_the_api(rules, prisoner, security,  # noqa: F811
                                            director):
    proposed = api_as(security).post(CLASSIFICATIONS, {"prisoner": prisoner.pk},
                                     format="json")
    assert proposed.status_code == 201, proposed.json()
    body = proposed.json()
    assert body["status"] == "proposed" and body["proposed_category"] == "C"
    assert "facts" in body and body["fired"] == []

    boss = api_as(director)
    refused = boss.post(f"{CLASSIFICATIONS}{body['id']}/decide/", {"category": "B"},
                        format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "justification"

    decided = boss.post(f"{CLASSIFICATIONS}{body['id']}/decide/",
                        {"category": "B", "justification": "Escape attempt last month"},
                        format="json")
    assert decided.status_code == 200, decided.json()
    assert decided.json()["category"] == "B" and decided.json()["decided_by"] == director.pk
    assert decided.json()["review_on"]

    listed = boss.get(CLASSIFICATIONS, {"prisoner": prisoner.pk, "status": "approved"})
    assert [r["id"] for r in listed.json()["results"]] == [body["id"]]
    before = AuditEntry.objects.filter(action="classification.view").count()
    assert boss.get(f"{CLASSIFICATIONS}{body['id']}/").status_code == 200
    assert AuditEntry.objects.filter(action="classification.view").count() == before + 1


def test_a_security_officer_cannot_decide(rules, prisoner, security):  # noqa: F811
    client = api_as(security)
    row = client.post(CLASSIFICATIONS, {"prisoner": prisoner.pk}, format="json").json()

    response = client.post(f"{CLASSIFICATIONS}{row['id']}/decide/", {"category": "C"},
                           format="json")

    assert response.status_code == 403
    assert Classification.objects.get().status == "proposed"


def test_out_of_scope_classifications_do_not_exist(rules, prisoner, director):  # noqa: F811
    row = api_as(director).post(CLASSIFICATIONS, {"prisoner": prisoner.pk},
                                format="json").json()
    elsewhere = user_with_role("director", FacilityFactory(code="ELS"), username="far")

    client = api_as(elsewhere)
    assert client.get(f"{CLASSIFICATIONS}{row['id']}/").status_code == 404
    assert client.get(CLASSIFICATIONS).json()["results"] == []
    assert client.post(f"{CLASSIFICATIONS}{row['id']}/decide/", {"category": "C"},
                       format="json").status_code == 404


@pytest.mark.parametrize("role", ["partner", "monitor"])
def test_partners_and_monitors_are_refused(rules, prisoner, persona, role):  # noqa: F811
    client = api_as(persona(role))

    assert client.get(CLASSIFICATIONS).status_code == 403
    assert client.post(CLASSIFICATIONS, {"prisoner": prisoner.pk},
                       format="json").status_code == 403
