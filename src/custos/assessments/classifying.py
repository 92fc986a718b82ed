"""Classification use cases: gather the facts, let the rules propose, a director decides.

The facts come from the record (the latest locked assessments, the offence, legal status);
discipline and intelligence facts join when those capabilities exist. A category other than
the proposal needs a written justification; every decision has a review date; a prisoner's
request for review is recorded with its outcome.
"""

from __future__ import annotations

from datetime import date, timedelta

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput, InvalidTransition

from . import classification
from .models import (
    Assessment,
    AssessmentStatus,
    Classification,
    ClassificationReview,
    ClassificationRules,
    ClassificationStatus,
    InstrumentKind,
)


@transaction.atomic
def rules_load(*, text: str) -> ClassificationRules:
    """Load one version of the rules file; the same version is never changed in place."""
    parsed = classification.parse_text(text)
    definition = yaml.safe_load(text)
    existing = ClassificationRules.objects.filter(code=parsed.code,
                                                  version=parsed.version).first()
    if existing is not None:
        if existing.definition != definition:
            raise InvalidInput(_("Version %(v)s of %(code)s is already loaded with different "
                                 "content; give the change a new version.")
                               % {"v": parsed.version, "code": parsed.code}, field="version")
        return existing
    rules = ClassificationRules.objects.create(code=parsed.code, version=parsed.version,
                                               definition=definition)
    trail.record(None, "classification.rules_load", rules, via="command")
    return rules


def _judgement_code(assessment: Assessment) -> str | None:
    """The judgement's level as a rule reads it: its English label in lower case."""
    if assessment is None or assessment.judgement is None:
        return None
    scale = assessment.instrument.definition["summary"]["judgement"]["scale"]
    for level in assessment.instrument.definition["scales"][scale]["levels"]:
        if level["value"] == assessment.judgement:
            return level["label"]["en"].strip().lower()
    return None


def facts_of(prisoner) -> dict:
    locked = (Assessment.objects.filter(prisoner=prisoner, status=AssessmentStatus.LOCKED)
              .select_related("instrument").order_by("-locked_at"))
    risk = next((a for a in locked if a.instrument.kind == InstrumentKind.RISK_NEEDS), None)
    latest = risk or next(iter(locked), None)
    facts = {
        "judgement": _judgement_code(risk),
        "terrorism_related": prisoner.terrorism_related,
        "returned_foreign_fighter": prisoner.returned_foreign_fighter,
        "legal_status": prisoner.legal_status,
        "serious_incidents_12m": 0,  # discipline records arrive with the oversight issue
        "intelligence_flag": False,  # and intelligence flags with the intelligence issue
    }
    for name, value in ((latest.indices if latest else None) or {}).items():
        facts[f"score.{name}"] = value
    return facts


@transaction.atomic
def classification_propose(*, acting_user, prisoner) -> Classification:
    policy.require(acting_user, "classification.propose", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    rules_row = ClassificationRules.objects.order_by("-loaded_at").first()
    if rules_row is None:
        raise InvalidInput(_("No classification rules are loaded."), field="rules")
    rules = classification.parse(rules_row.definition)
    facts = facts_of(prisoner)
    proposal = classification.propose(rules, facts)
    result = Classification(
        prisoner=prisoner, rules=rules_row, facts=facts, proposed_category=proposal.category.code,
        fired=[{"id": f.rule.id, "minimum": f.rule.minimum, "description": f.rule.description,
                "inputs": dict(f.inputs)} for f in proposal.fired])
    result.stamp(acting_user)
    result.save()
    trail.record(acting_user, "classification.propose", result,
                 changes={"proposed": result.proposed_category,
                          "fired": [f["id"] for f in result.fired]})
    return result


@transaction.atomic
def classification_decide(*, acting_user, classification_row: Classification, category: str,
                          justification: str = "", review_on: date | None = None
                          ) -> Classification:
    """A director approves the proposal, or another category with a written justification."""
    row = classification_row
    policy.require(acting_user, "classification.decide", facility_id=row.prisoner.facility_id,
                   target=str(row.prisoner_id))
    if row.status != ClassificationStatus.PROPOSED:
        raise InvalidTransition(_("This classification has already been decided."))
    rules = classification.parse(row.rules.definition)
    chosen = next((c for c in rules.categories if c.code == category), None)
    if chosen is None:
        raise InvalidInput(_("“%(c)s” is not a category of these rules.") % {"c": category},
                           field="category")
    if category != row.proposed_category and not justification.strip():
        raise InvalidInput(_("A category other than the proposed one needs a written "
                             "justification."), field="justification")
    today = timezone.localdate()
    review_on = review_on or today + timedelta(days=30 * rules.review_months)
    if review_on <= today:
        raise InvalidInput(_("The review date must be in the future."), field="review_on")
    (Classification.objects.filter(prisoner=row.prisoner, status=ClassificationStatus.APPROVED)
     .update(status=ClassificationStatus.REPLACED))
    row.category, row.regime = chosen.code, chosen.regime
    row.justification = justification.strip()
    row.status = ClassificationStatus.APPROVED
    row.decided_by, row.decided_at, row.review_on = acting_user, timezone.now(), review_on
    row.stamp(acting_user)
    row.save()
    trail.record(acting_user, "classification.decide", row, reason=row.justification,
                 changes={"proposed": row.proposed_category, "decided": row.category,
                          "review_on": review_on})
    return row


@transaction.atomic
def classification_review_request(*, acting_user, classification_row: Classification,
                                  grounds: str) -> ClassificationReview:
    """Record a prisoner's request for review (made through staff, a monitor or a partner)."""
    policy.require(acting_user, "classification.propose",
                   facility_id=classification_row.prisoner.facility_id,
                   prisoner_id=classification_row.prisoner_id)
    if not grounds.strip():
        raise InvalidInput(_("Record the prisoner's grounds."), field="grounds")
    if classification_row.status != ClassificationStatus.APPROVED:
        raise InvalidTransition(_("Only the classification in force can be reviewed."))
    review = ClassificationReview.objects.create(classification=classification_row,
                                                 grounds=grounds.strip(),
                                                 recorded_by=acting_user)
    trail.record(acting_user, "classification.review_request", review, reason=review.grounds)
    return review


@transaction.atomic
def classification_review_decide(*, acting_user, review: ClassificationReview,
                                 outcome: str) -> ClassificationReview:
    policy.require(acting_user, "classification.decide",
                   facility_id=review.classification.prisoner.facility_id)
    # Locked, so two directors answering at once cannot both record an outcome.
    review = ClassificationReview.objects.select_for_update().get(pk=review.pk)
    if review.decided_at:
        raise InvalidTransition(_("This request has already been answered."))
    if not outcome.strip():
        raise InvalidInput(_("Record the outcome given to the prisoner."), field="outcome")
    review.outcome, review.decided_by, review.decided_at = (
        outcome.strip(), acting_user, timezone.now())
    review.save(update_fields=["outcome", "decided_by", "decided_at"])
    trail.record(acting_user, "classification.review_decide", review, reason=review.outcome)
    return review
