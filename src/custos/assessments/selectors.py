"""Reads for assessments, narrowed by the access policy.

An assessment is visible only when its prisoner is visible (`custody.view` scope) and the
user holds `assessments.view` over that prisoner or is its assessor or countersigner.
Outside that, it does not exist (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from custos.access import policy
from custos.custody.selectors import prisoner_list_visible_to

from . import reliability
from .instruments import items_of
from .models import Assessment, AssessmentStatus, AssessorCertification, Instrument

READ_PERMISSIONS = ("assessments.view", "assessments.assess")


def instrument_list_visible_to(*, user) -> QuerySet[Instrument]:
    if not any(policy.can(user, p) for p in READ_PERMISSIONS):
        return Instrument.objects.none()
    return Instrument.objects.all()


def assessment_list_visible_to(*, user) -> QuerySet[Assessment]:
    if not policy.grants(user):
        return Assessment.objects.none()
    by_role = policy.rows(user, "assessments.view", facility_field="prisoner__facility",
                          prisoner_field="prisoner")
    own = Q(assessor=user) | Q(countersigned_by=user)
    return Assessment.objects.filter(
        prisoner__in=prisoner_list_visible_to(user=user)).filter(by_role | own)


def assessment_get(*, user, pk: int) -> Assessment:
    assessment = (assessment_list_visible_to(user=user)
                  .select_related("prisoner", "instrument", "assessor", "countersigned_by",
                                  "supersedes")
                  .filter(pk=pk).first())
    if assessment is None:
        raise Http404
    return assessment


def assessments_of(*, user, prisoner) -> list[Assessment]:
    """The prisoner's assessments the user may see, newest first."""
    return list(assessment_list_visible_to(user=user).filter(prisoner=prisoner)
                .select_related("instrument", "assessor").order_by("-created_at"))


def certified_codes(*, user) -> set[str]:
    today = timezone.localdate()
    return set(AssessorCertification.objects.filter(
        user=user, certified_on__lte=today, expires_on__gte=today)
        .values_list("instrument_code", flat=True))


def worklist(*, user) -> tuple[list[Assessment], list[Assessment]]:
    """The user's drafts, and submitted assessments awaiting a countersignature they may give."""
    visible = assessment_list_visible_to(user=user).select_related(
        "prisoner", "instrument", "assessor").order_by("created_at")
    drafts = list(visible.filter(assessor=user, status=AssessmentStatus.DRAFT))
    waiting = []
    if policy.can(user, "assessments.assess"):
        waiting = list(visible.filter(status=AssessmentStatus.SUBMITTED,
                                      instrument__code__in=certified_codes(user=user))
                       .exclude(assessor=user))
    return drafts, waiting


# --- reliability ----------------------------------------------------------------------------

PAIR_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Pair:
    first: Assessment
    second: Assessment


def double_rated(*, user, code: str, window: timedelta = PAIR_WINDOW) -> list[Pair]:
    """Locked assessments of one instrument (same version) where the same prisoner was rated
    independently by two different assessors within `window`; each assessment pairs once."""
    locked = (assessment_list_visible_to(user=user)
              .filter(instrument__code=code, status=AssessmentStatus.LOCKED,
                      submitted_at__isnull=False)
              .select_related("instrument", "assessor").order_by("prisoner_id", "instrument_id",
                                                     "submitted_at", "pk"))
    groups: dict[tuple[int, int], list[Assessment]] = {}
    for assessment in locked:
        groups.setdefault((assessment.prisoner_id, assessment.instrument_id), []).append(
            assessment)
    pairs = []
    for ratings in groups.values():
        used: set[int] = set()
        for i, first in enumerate(ratings):
            if first.pk in used:
                continue
            for second in ratings[i + 1:]:
                if second.pk in used or second.assessor_id == first.assessor_id:
                    continue
                if second.submitted_at - first.submitted_at > window:
                    break
                used.update((first.pk, second.pk))
                pairs.append(Pair(first, second))
                break
    return pairs


def _levels(definition: dict, scale: str) -> tuple[int, ...]:
    return tuple(level["value"] for level in definition["scales"][scale]["levels"])


def _item_pairs(pairs: Iterable[Pair]) -> list[tuple[str, str, int, int, tuple]]:
    """(item, scale, rating a, rating b, categories) for every item rated in both."""
    found = []
    for pair in pairs:
        definition = pair.first.instrument.definition
        for item in items_of(definition):
            a = (pair.first.ratings.get(item["code"]) or {}).get("value")
            b = (pair.second.ratings.get(item["code"]) or {}).get("value")
            if a is None or b is None:
                continue
            found.append((item["code"], item["scale"], a, b,
                          _levels(definition, item["scale"])))
    return found


def _estimate(estimate: reliability.Estimate) -> dict:
    return {"value": estimate.value, "ci_low": estimate.ci_low, "ci_high": estimate.ci_high,
            "n": estimate.n, "raters": estimate.raters, "method": estimate.method,
            "band": estimate.band, "reason": estimate.reason}


def _undefined(reason: str) -> dict:
    return {"value": None, "ci_low": None, "ci_high": None, "n": 0, "raters": 2,
            "method": "weighted_kappa_quadratic", "band": None, "reason": reason}


def reliability_report(*, user, code: str) -> dict:
    """Per-item and overall quadratic weighted kappa for the double-rated prisoners."""
    pairs = double_rated(user=user, code=code)
    rows = _item_pairs(pairs)
    by_item = reliability.agreement_by_item(
        [(item, a, b, cats) for item, _s, a, b, cats in rows], weights="quadratic")
    overall = {}
    for scale in dict.fromkeys(s for _i, s, _a, _b, _c in rows):
        try:
            overall[scale] = _estimate(reliability.agreement_overall(
                [(i, a, b, c) for i, s, a, b, c in rows if s == scale], weights="quadratic"))
        except ValueError as error:
            overall[scale] = _undefined(str(error))
    judgement = _undefined(reliability.TOO_FEW)
    judged = [p for p in pairs if p.first.judgement is not None
              and p.second.judgement is not None]
    if len(judged) >= 2:
        definition = judged[0].first.instrument.definition
        scale = definition["summary"]["judgement"]["scale"]
        try:
            judgement = _estimate(reliability.weighted_kappa(
                [p.first.judgement for p in judged], [p.second.judgement for p in judged],
                categories=_levels(definition, scale), weights="quadratic"))
        except ValueError as error:
            judgement = _undefined(str(error))
    return {"instrument": code, "pairs": len(pairs),
            "items": {item: _estimate(estimate) for item, estimate in by_item.items()},
            "overall": overall, "judgement": judgement,
            "assessors": _assessor_agreement(judged)}


def _assessor_agreement(judged: list[Pair]) -> dict[str, dict]:
    """Each assessor's agreement on the overall judgement with the colleagues they were
    paired with (weighted kappa): which assessors are not reliable."""
    if not judged:
        return {}
    definition = judged[0].first.instrument.definition
    levels = _levels(definition, definition["summary"]["judgement"]["scale"])
    by_rater = reliability.agreement_by_rater(
        [(str(p.first.assessor), str(p.second.assessor), p.first.judgement,
          p.second.judgement, levels) for p in judged], weights="quadratic")
    return {rater: _estimate(estimate) for rater, estimate in sorted(by_rater.items())}


def reliability_codes(*, user) -> list[str]:
    """Instruments with locked assessments the user may see."""
    return sorted(set(assessment_list_visible_to(user=user)
                      .filter(status=AssessmentStatus.LOCKED)
                      .values_list("instrument__code", flat=True)))
