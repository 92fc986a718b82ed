"""The classifications API: propose, decide, scope and audit."""

import pytest

from custos.assessments.models import Classification, ClassificationReview
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


REVIEWS = "/api/v1/classification-reviews/"


@pytest.fixture
def approved(rules, prisoner, security, director):  # noqa: F811
    from custos.assessments import classifying

    row = classifying.classification_propose(acting_user=security, prisoner=prisoner)
    return classifying.classification_decide(acting_user=director, classification_row=row,
                                             category="C")


def test_a_request_for_review_is_recorded_and_answered_once(approved, security, director):
    asked = api_as(security).post(f"{CLASSIFICATIONS}{approved.pk}/review-requests/",
                                  {"grounds": "Says the incident was misreported"},
                                  format="json")
    assert asked.status_code == 201, asked.json()
    review = asked.json()
    assert review["recorded_by"] == security.pk and review["decided_at"] is None

    boss = api_as(director)
    answered = boss.post(f"{REVIEWS}{review['id']}/decide/",
                         {"outcome": "Category kept; incident report confirmed"},
                         format="json")
    assert answered.status_code == 200, answered.json()
    assert answered.json()["decided_by"] == director.pk and answered.json()["decided_at"]

    again = boss.post(f"{REVIEWS}{review['id']}/decide/", {"outcome": "Category lowered"},
                      format="json")
    assert again.status_code == 409
    kept = ClassificationReview.objects.get()
    assert kept.outcome == "Category kept; incident report confirmed"

    shown = boss.get(f"{CLASSIFICATIONS}{approved.pk}/").json()["reviews"]
    assert [(r["grounds"], r["recorded_by"], r["outcome"], r["decided_by"]) for r in shown] == [
        ("Says the incident was misreported", security.pk,
         "Category kept; incident report confirmed", director.pk)]
    assert AuditEntry.objects.filter(action="classification.review_decide").count() == 1


def test_blank_grounds_are_refused_naming_the_field(approved, security):
    refused = api_as(security).post(f"{CLASSIFICATIONS}{approved.pk}/review-requests/",
                                    {"grounds": "   "}, format="json")

    assert refused.status_code == 400 and refused.json()["field"] == "grounds"
    assert not ClassificationReview.objects.exists()


def test_only_the_classification_in_force_can_be_reviewed(rules, prisoner, security):  # noqa: F811
    proposed = api_as(security).post(CLASSIFICATIONS, {"prisoner": prisoner.pk},
                                     format="json").json()

    refused = api_as(security).post(f"{CLASSIFICATIONS}{proposed['id']}/review-requests/",
                                    {"grounds": "Unfair"}, format="json")

    assert refused.status_code == 409
    assert not ClassificationReview.objects.exists()


def test_a_security_officer_cannot_record_the_outcome(approved, security):
    review = ClassificationReview.objects.create(classification=approved, grounds="Unfair",
                                                 recorded_by=security)
    denials = AuditEntry.objects.filter(action="access.denied").count()

    refused = api_as(security).post(f"{REVIEWS}{review.pk}/decide/", {"outcome": "Kept"},
                                    format="json")

    assert refused.status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    review.refresh_from_db()
    assert review.decided_at is None and review.outcome == ""


@pytest.mark.parametrize("role", ["partner", "monitor"])
def test_partners_and_monitors_cannot_request_a_review(approved, persona, role):
    refused = api_as(persona(role)).post(f"{CLASSIFICATIONS}{approved.pk}/review-requests/",
                                         {"grounds": "Unfair"}, format="json")

    assert refused.status_code == 403
    assert not ClassificationReview.objects.exists()


def test_reviews_of_a_prisoner_elsewhere_do_not_exist(approved, security):
    review = ClassificationReview.objects.create(classification=approved, grounds="Unfair",
                                                 recorded_by=security)
    far = FacilityFactory(code="ELS")
    elsewhere = user_with_role("director", far, username="far")
    client = api_as(elsewhere)

    asked = client.post(f"{CLASSIFICATIONS}{approved.pk}/review-requests/",
                        {"grounds": "Unfair"}, format="json")
    answered = client.post(f"{REVIEWS}{review.pk}/decide/", {"outcome": "Kept"},
                           format="json")

    assert asked.status_code == 404 and answered.status_code == 404
    assert ClassificationReview.objects.count() == 1
    review.refresh_from_db()
    assert review.decided_at is None
