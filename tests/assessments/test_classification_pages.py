"""The classification page and the facility's due list: propose, decide, reviews, scope."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.assessments.models import Classification, ClassificationReview
from custos.audit.models import AuditEntry

from ..factories import PrisonerFactory
from .test_classifying import rules  # noqa: F401  (fixture)


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


def page(prisoner):
    return reverse("assessments:prisoner_classification", args=[prisoner.pk])


def test_propose_then_decide_through_the_page(client, rules, prisoner, security,  # noqa: F811
                                              director):
    client.force_login(security)
    assert client.get(page(prisoner)).status_code == 200
    assert client.post(page(prisoner), {"step": "propose"}).status_code == 302
    row = Classification.objects.get()

    client.force_login(director)
    shown = client.get(page(prisoner))
    assert shown.status_code == 200
    assert "Propose a classification" in shown.content.decode()
    assert shown.context["decide_form"].initial["category"] == row.proposed_category
    assert AuditEntry.objects.filter(action="classification.view").exists()

    refused = client.post(page(prisoner), {"step": "decide", "category": "B"})
    assert refused.status_code == 400
    assert "justification" in refused.context["decide_form"].errors

    review_on = (timezone.localdate() + timedelta(days=60)).isoformat()
    decided = client.post(page(prisoner), {"step": "decide", "category": "B",
                                           "justification": "Escape attempt last month",
                                           "review_on": review_on})
    assert decided.status_code == 302
    row.refresh_from_db()
    assert row.status == "approved" and row.category == "B"
    assert row.review_on.isoformat() == review_on


def test_a_security_officer_cannot_decide_through_the_page(client, rules,  # noqa: F811
                                                           prisoner, security):
    client.force_login(security)
    client.post(page(prisoner), {"step": "propose"})

    shown = client.get(page(prisoner))
    assert shown.context["decide_form"] is None
    assert client.post(page(prisoner), {"step": "decide", "category": "C"}).status_code == 400
    assert Classification.objects.get().status == "proposed"


def test_review_request_and_outcome_through_the_page(client, rules, prisoner,  # noqa: F811
                                                     security, director):
    client.force_login(security)
    client.post(page(prisoner), {"step": "propose"})
    client.force_login(director)
    client.post(page(prisoner), {"step": "decide", "category": "C"})

    client.force_login(security)
    assert client.post(page(prisoner), {"step": "review_request", "grounds": ""}
                       ).status_code == 400
    assert client.post(page(prisoner), {"step": "review_request",
                                        "grounds": "Says the incident was misreported"}
                       ).status_code == 302
    review = ClassificationReview.objects.get()

    client.force_login(director)
    assert client.post(page(prisoner), {"step": "review_decide", "review": review.pk,
                                        "outcome": "Category kept"}).status_code == 302
    review.refresh_from_db()
    assert review.decided_by == director and review.outcome == "Category kept"
    assert "Category kept" in client.get(page(prisoner)).content.decode()


def test_the_due_page_lists_an_overdue_screening_first(client, facility, director):
    late = PrisonerFactory(facility=facility,
                           admitted_at=timezone.now() - timedelta(days=40))
    PrisonerFactory(facility=facility, admitted_at=timezone.now() + timedelta(days=2))
    client.force_login(director)

    response = client.get(reverse("assessments:due", args=[facility.code]))

    assert response.status_code == 200
    first = response.context["rows"][0]["due"]
    assert first.prisoner_id == late.pk and first.kind == "screening" and first.overdue
    assert reverse("custody:prisoner", args=[late.pk]) in response.content.decode()


@pytest.mark.parametrize("role", ["partner", "monitor"])
def test_partners_and_monitors_are_refused(client, rules, prisoner, facility,  # noqa: F811
                                           persona, role):
    client.force_login(persona(role))

    assert client.get(page(prisoner)).status_code == 403
    assert client.get(reverse("assessments:due", args=[facility.code])).status_code == 403
