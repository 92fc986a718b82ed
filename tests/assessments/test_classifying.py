"""Classification: the rules propose from the record, a director decides, reviews recorded."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.assessments import classifying, workflow
from custos.assessments.models import Classification
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput

from ..factories import PrisonerFactory
from .test_workflow import certified, full_ratings, load

RULES = Path(__file__).resolve().parents[2] / "instruments" / "classification.yaml"


@pytest.fixture
def rules(db):
    return classifying.rules_load(text=RULES.read_text())


def assessed_high(prisoner, facility, influence_value=2):
    vern = load("ve-risk-needs.yaml")
    first = certified("amina", facility, "CUSTOS-VERN")
    second = certified("karim", facility, "CUSTOS-VERN")
    draft = workflow.assessment_start(acting_user=first, prisoner=prisoner, instrument=vern,
                                      occasion="admission")
    workflow.assessment_save(acting_user=first, assessment=draft, expected_version=draft.version,
                             ratings=full_ratings(vern, value_of=lambda i: influence_value),
                             judgement=3, reasons="Active recruiter on the wing")
    workflow.assessment_submit(acting_user=first, assessment=draft,
                               expected_version=draft.version)
    workflow.assessment_countersign(acting_user=second, assessment=draft,
                                    expected_version=draft.version)


def test_a_prisoner_without_assessment_is_proposed_the_least_restrictive_category(
        rules, facility, security):
    prisoner = PrisonerFactory(facility=facility, terrorism_related=True)

    proposal = classifying.classification_propose(acting_user=security, prisoner=prisoner)

    assert proposal.proposed_category == "C" and proposal.fired == []
    assert proposal.facts["terrorism_related"] is True


def test_a_high_risk_judgement_fires_its_rule_and_the_proposal_names_it(
        rules, facility, security):
    prisoner = PrisonerFactory(facility=facility)
    assessed_high(prisoner, facility)

    proposal = classifying.classification_propose(acting_user=security, prisoner=prisoner)

    assert proposal.facts["judgement"] == "high"
    assert proposal.proposed_category in ("B", "A")
    assert "R1" in [f["id"] for f in proposal.fired]


def test_the_director_decides_another_category_only_with_a_justification(
        rules, facility, security, director):
    prisoner = PrisonerFactory(facility=facility)
    proposal = classifying.classification_propose(acting_user=security, prisoner=prisoner)

    with pytest.raises(InvalidInput) as refused:
        classifying.classification_decide(acting_user=director, classification_row=proposal,
                                          category="B")
    assert refused.value.field == "justification"
    proposal.refresh_from_db()
    assert proposal.status == "proposed"

    decided = classifying.classification_decide(
        acting_user=director, classification_row=proposal, category="B",
        justification="Escape attempt last month, recorded in the incident log")

    assert decided.status == "approved" and decided.regime == "high_security"
    assert decided.review_on > timezone.localdate()
    assert AuditEntry.objects.filter(action="classification.decide").exists()


def test_only_a_director_decides(rules, facility, security):
    prisoner = PrisonerFactory(facility=facility)
    proposal = classifying.classification_propose(acting_user=security, prisoner=prisoner)

    with pytest.raises(AccessDenied):
        classifying.classification_decide(acting_user=security, classification_row=proposal,
                                          category="C")
    assert Classification.objects.get().status == "proposed"


def test_a_new_decision_replaces_the_previous_one_and_keeps_it_in_history(
        rules, facility, security, director):
    prisoner = PrisonerFactory(facility=facility)
    for _ in range(2):
        row = classifying.classification_propose(acting_user=security, prisoner=prisoner)
        classifying.classification_decide(acting_user=director, classification_row=row,
                                          category="C",
                                          review_on=timezone.localdate() + timedelta(days=90))

    assert list(Classification.objects.order_by("created_at").values_list(
        "status", flat=True)) == ["replaced", "approved"]


def test_a_prisoners_request_for_review_is_recorded_with_its_outcome(
        rules, facility, security, director):
    prisoner = PrisonerFactory(facility=facility)
    row = classifying.classification_propose(acting_user=security, prisoner=prisoner)
    classifying.classification_decide(acting_user=director, classification_row=row,
                                      category="C")

    review = classifying.classification_review_request(
        acting_user=security, classification_row=row,
        grounds="Says the incident was misreported")
    classifying.classification_review_decide(acting_user=director, review=review,
                                             outcome="Category kept; incident report confirmed")

    review.refresh_from_db()
    assert review.decided_by == director and "kept" in review.outcome


def test_a_rules_file_with_a_mistake_is_refused_with_its_line(db, tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(RULES.read_text().replace("minimum: A", "minimum: Z"))

    with pytest.raises(CommandError, match=r"line \d+: .*minimum 'Z'"):
        call_command("load_classification_rules", str(bad))


def test_the_same_rules_version_is_never_changed_in_place(rules):
    changed = RULES.read_text().replace("review_months: 6", "review_months: 3")

    with pytest.raises(InvalidInput):
        classifying.rules_load(text=changed)
    assert classifying.rules_load(text=RULES.read_text()) == rules
