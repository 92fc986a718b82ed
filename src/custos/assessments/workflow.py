"""The assessment workflow: certified assessors, draft → submitted → countersigned → locked.

Nothing is overwritten: a locked assessment is corrected by a new one that supersedes it,
with a reason. Each step is one transaction, checked by the access policy and audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.concurrency import save_versioned
from custos.core.errors import InvalidInput, InvalidTransition, check_choice

from . import rules
from .models import (
    Assessment,
    AssessmentRequest,
    AssessmentStatus,
    AssessorCertification,
    Instrument,
    InstrumentKind,
)

S = AssessmentStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.LOCKED}),
    S.LOCKED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}


def _move(assessment: Assessment, to: str) -> None:
    if to not in TRANSITIONS[assessment.status]:
        raise InvalidTransition(_("An assessment that is %(now)s cannot become %(to)s.")
                                % {"now": assessment.get_status_display(),
                                   "to": S(to).label})
    assessment.status = to


def is_certified(user, instrument: Instrument, on: date | None = None) -> bool:
    on = on or timezone.localdate()
    return AssessorCertification.objects.filter(
        user=user, instrument_code=instrument.code, certified_on__lte=on,
        expires_on__gte=on).exists()


def _require_assessor(user, instrument: Instrument, prisoner) -> None:
    policy.require(user, "assessments.assess", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    if not is_certified(user, instrument):
        raise InvalidInput(_("You are not certified to assess with %(instrument)s, or your "
                             "certification has expired.") % {"instrument": instrument},
                           field="assessor")


@transaction.atomic
def certification_grant(*, acting_user, user, instrument_code: str, certified_on: date,
                        expires_on: date) -> AssessorCertification:
    policy.require(acting_user, "assessments.certify")
    if expires_on <= certified_on:
        raise InvalidInput(_("The certification must expire after it starts."),
                           field="expires_on")
    if not Instrument.objects.filter(code=instrument_code).exists():
        raise InvalidInput(_("No instrument %(code)s is loaded.") % {"code": instrument_code},
                           field="instrument_code")
    certification = AssessorCertification.objects.create(
        user=user, instrument_code=instrument_code, certified_on=certified_on,
        expires_on=expires_on, certified_by=acting_user)
    trail.record(acting_user, "assessment.certify", certification,
                 changes={"user": user.get_username(), "instrument": instrument_code,
                          "until": expires_on})
    return certification


@transaction.atomic
def assessment_start(*, acting_user, prisoner, instrument: Instrument,
                     occasion: str) -> Assessment:
    _require_assessor(acting_user, instrument, prisoner)
    if not occasion.strip():
        raise InvalidInput(_("Say why this assessment is made (admission, review, an "
                             "incident…)."), field="occasion")
    assessment = Assessment(prisoner=prisoner, instrument=instrument, assessor=acting_user,
                            occasion=occasion.strip())
    assessment.stamp(acting_user)
    assessment.save()
    trail.record(acting_user, "assessment.start", assessment,
                 changes={"instrument": str(instrument), "occasion": assessment.occasion})
    return assessment


@transaction.atomic
def assessment_save(*, acting_user, assessment: Assessment, expected_version: int,
                    ratings: Mapping[str, Mapping], judgement: int | None,
                    reasons: str) -> Assessment:
    """Save a draft's ratings as they stand; checks come at submission."""
    if assessment.assessor_id != acting_user.pk:
        raise InvalidInput(_("Only the assessor who started this assessment may edit it."),
                           field="assessor")
    if assessment.status != S.DRAFT:
        raise InvalidTransition(_("Only a draft can be edited; correct a locked assessment "
                                  "instead."))
    known = {i["code"] for i in rules.items_of(assessment.instrument.definition)}
    unknown = sorted(set(ratings) - known)
    if unknown:
        raise InvalidInput(_("item %(item)s is not in this instrument") % {"item": unknown[0]},
                           field=unknown[0])
    assessment.ratings = {code: {"value": r.get("value"), "rationale": r.get("rationale", "")}
                          for code, r in ratings.items()}
    assessment.judgement, assessment.reasons = judgement, reasons
    save_versioned(assessment, acting_user=acting_user, expected_version=expected_version,
                   fields=["ratings", "judgement", "reasons"])
    trail.record(acting_user, "assessment.save", assessment)
    return assessment


def _lock(assessment: Assessment, acting_user) -> None:
    _move(assessment, S.LOCKED)
    assessment.locked_at = timezone.now()
    original = assessment.supersedes
    if original is not None:
        _move(original, S.SUPERSEDED)
        original.save(update_fields=["status"])
        trail.record(acting_user, "assessment.superseded", original,
                     reason=assessment.correction_reason,
                     changes={"by": assessment.pk})


@transaction.atomic
def assessment_submit(*, acting_user, assessment: Assessment,
                      expected_version: int) -> Assessment:
    """Check every item and the judgement; lock, or wait for a countersignature."""
    if assessment.assessor_id != acting_user.pk:
        raise InvalidInput(_("Only the assessor who started this assessment may submit it."),
                           field="assessor")
    definition = assessment.instrument.definition
    found = rules.problems(definition, assessment.ratings, assessment.judgement,
                           assessment.reasons)
    if found:
        field, message = found[0]
        raise InvalidInput(message, field=field, details={"problems": [
            {"field": f, "message": m} for f, m in found]})
    summary = rules.summarise(definition, assessment.ratings)
    assessment.score, assessment.band = summary.score, summary.band
    assessment.indices = dict(summary.indices)
    assessment.submitted_at = timezone.now()
    _move(assessment, S.SUBMITTED)
    if not definition.get("countersign_required"):
        _lock(assessment, acting_user)
    save_versioned(assessment, acting_user=acting_user, expected_version=expected_version,
                   fields=["status", "score", "band", "indices", "submitted_at", "locked_at"])
    trail.record(acting_user, "assessment.submit", assessment,
                 changes={"status": assessment.status, "judgement": assessment.judgement,
                          "score": assessment.score, "referrals": list(summary.referrals)})
    return assessment


@transaction.atomic
def assessment_countersign(*, acting_user, assessment: Assessment,
                           expected_version: int) -> Assessment:
    """A second certified assessor confirms the assessment, which then locks."""
    _require_assessor(acting_user, assessment.instrument, assessment.prisoner)
    if acting_user.pk == assessment.assessor_id:
        raise InvalidInput(_("A second assessor countersigns, not the first."),
                           field="countersigned_by")
    if assessment.status != S.SUBMITTED:
        raise InvalidTransition(_("Only a submitted assessment can be countersigned."))
    assessment.countersigned_by = acting_user
    assessment.countersigned_at = timezone.now()
    _lock(assessment, acting_user)
    save_versioned(assessment, acting_user=acting_user, expected_version=expected_version,
                   fields=["status", "countersigned_by", "countersigned_at", "locked_at"])
    trail.record(acting_user, "assessment.countersign", assessment)
    return assessment


@transaction.atomic
def assessment_correct(*, acting_user, assessment: Assessment, reason: str) -> Assessment:
    """Start a correction of a locked assessment: a new draft that will supersede it."""
    _require_assessor(acting_user, assessment.instrument, assessment.prisoner)
    if assessment.status != S.LOCKED:
        raise InvalidTransition(_("Only a locked assessment is corrected; edit a draft."))
    if not reason.strip():
        raise InvalidInput(_("A correction needs its reason."), field="reason")
    if Assessment.objects.filter(supersedes=assessment).exists():
        raise InvalidInput(_("A correction of this assessment is already under way."),
                           field="reason")
    correction = Assessment(
        prisoner=assessment.prisoner, instrument=assessment.instrument, assessor=acting_user,
        occasion=assessment.occasion, ratings=assessment.ratings,
        judgement=assessment.judgement, reasons=assessment.reasons, supersedes=assessment,
        correction_reason=reason.strip())
    correction.stamp(acting_user)
    correction.save()
    trail.record(acting_user, "assessment.correct", correction, reason=correction.correction_reason,
                 changes={"corrects": assessment.pk})
    return correction


@transaction.atomic
def assessment_request(*, acting_user, prisoner, kind: str, reason: str) -> AssessmentRequest:
    """Ask for an assessment (after an incident, before a decision…); it is due at once."""
    policy.require(acting_user, "assessments.request", facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=str(prisoner.pk))
    check_choice(kind, InstrumentKind, "kind")
    if not reason.strip():
        raise InvalidInput(_("Say why the assessment is needed."), field="reason")
    request = AssessmentRequest.objects.create(prisoner=prisoner, kind=kind,
                                               reason=reason.strip(), requested_by=acting_user)
    trail.record(acting_user, "assessment.request", request, reason=request.reason,
                 changes={"kind": kind})
    return request
