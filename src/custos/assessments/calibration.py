"""Calibration exercises: many certified assessors rate the same case vignette.

Services (create, rate, close) are transactions checked by the access policy and audited;
the selectors read exercises and compute the agreement the assessment lead reads:

* per item and for the overall judgement, Fleiss' kappa with its 95% interval and band
  (:func:`custos.assessments.reliability.fleiss_kappa`, each item's scale levels as the
  categories). Fleiss' kappa needs several subjects, so the subjects are the *vignettes*:
  the exercises of the same instrument version with at least two ratings. It also needs
  the same number of raters per subject, so only exercises with the most common number of
  raters are counted; the others are reported as left out.
* per assessor, "agreement with the group": the share of items (across those exercises)
  where the assessor gave the modal rating, i.e. the value most assessors gave (any of the
  values tied for most counts). It is descriptive, with no chance correction.
* within this exercise, Fleiss' kappa with the *items* as subjects and the assessors who
  rated this vignette as raters: how far they agree across the items of this one case.
  Items are grouped by rating scale (the categories are that scale's levels); only groups
  of at least two items are estimated. It describes this case alone, not the instrument.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput, InvalidTransition

from . import reliability, rules
from .instruments import items_of, translated
from .models import CalibrationExercise, CalibrationRating, Instrument
from .workflow import is_certified

PERMISSION = "assessments.calibrate"


# --------------------------------------------------------------------------- services

@transaction.atomic
def exercise_create(*, acting_user, instrument: Instrument, title: str,
                    vignette: str) -> CalibrationExercise:
    policy.require(acting_user, PERMISSION)
    if not title.strip():
        raise InvalidInput(_("Give the exercise a title."), field="title")
    if not vignette.strip():
        raise InvalidInput(_("Write the case vignette the assessors will rate."),
                           field="vignette")
    exercise = CalibrationExercise.objects.create(
        instrument=instrument, title=title.strip(), vignette=vignette.strip(),
        created_by=acting_user)
    trail.record(acting_user, "calibration.create", exercise,
                 changes={"instrument": str(instrument), "title": exercise.title})
    return exercise


def rating_problems(definition: Mapping, ratings: Mapping[str, int | None],
                    judgement: int | None) -> list[tuple[str, str]]:
    """What keeps a calibration rating from being accepted (no rationale, no reasons)."""
    relaxed = copy.deepcopy(dict(definition))
    relaxed["requires_rationale"] = False
    found = rules.problems(relaxed, {code: {"value": value} for code, value in ratings.items()},
                           judgement, "-")
    return [(field, message) for field, message in found if field != "reasons"]


@transaction.atomic
def rating_submit(*, acting_user, exercise: CalibrationExercise,
                  ratings: Mapping[str, int | None], judgement: int | None) -> CalibrationRating:
    policy.require(acting_user, PERMISSION)
    exercise = CalibrationExercise.objects.select_for_update().get(pk=exercise.pk)
    if not exercise.is_open:
        raise InvalidTransition(_("This calibration exercise is closed."))
    if not is_certified(acting_user, exercise.instrument):
        raise InvalidInput(_("You are not certified to assess with %(instrument)s, or your "
                             "certification has expired.")
                           % {"instrument": exercise.instrument}, field="assessor")
    if CalibrationRating.objects.filter(exercise=exercise, assessor=acting_user).exists():
        raise InvalidInput(_("You have already rated this vignette."), field="assessor")
    found = rating_problems(exercise.instrument.definition, ratings, judgement)
    if found:
        field, message = found[0]
        raise InvalidInput(message, field=field, details={"problems": [
            {"field": f, "message": m} for f, m in found]})
    values = {code: value for code, value in ratings.items() if value is not None}
    try:
        with transaction.atomic():
            rating = CalibrationRating.objects.create(
                exercise=exercise, assessor=acting_user, ratings=values, judgement=judgement)
    except IntegrityError:
        raise InvalidInput(_("You have already rated this vignette."),
                           field="assessor") from None
    trail.record(acting_user, "calibration.rate", rating,
                 changes={"exercise": exercise.pk, "judgement": judgement})
    return rating


def may_close(user, exercise: CalibrationExercise) -> bool:
    return exercise.is_open and policy.can(user, PERMISSION) and (
        exercise.created_by_id == user.pk or policy.can(user, "assessments.certify"))


@transaction.atomic
def exercise_close(*, acting_user, exercise: CalibrationExercise) -> CalibrationExercise:
    policy.require(acting_user, PERMISSION)
    exercise = CalibrationExercise.objects.select_for_update().get(pk=exercise.pk)
    if not exercise.is_open:
        raise InvalidTransition(_("This calibration exercise is already closed."))
    if not may_close(acting_user, exercise):
        raise InvalidInput(_("Only the lead who opened the exercise, or a director, may "
                             "close it."), field="closed_at")
    exercise.closed_at = timezone.now()
    exercise.save(update_fields=["closed_at"])
    trail.record(acting_user, "calibration.close", exercise,
                 changes={"ratings": exercise.ratings.count()})
    return exercise


# --------------------------------------------------------------------------- selectors

def exercise_list(*, user) -> list[CalibrationExercise]:
    policy.require(user, PERMISSION)
    return list(CalibrationExercise.objects.select_related("instrument", "created_by"))


def exercise_get(*, user, pk: int) -> CalibrationExercise:
    policy.require(user, PERMISSION)
    exercise = (CalibrationExercise.objects.select_related("instrument", "created_by")
                .filter(pk=pk).first())
    if exercise is None:
        raise Http404
    return exercise


def has_rated(user, exercise: CalibrationExercise) -> bool:
    return CalibrationRating.objects.filter(exercise=exercise, assessor=user).exists()


def results_withheld(user, exercise: CalibrationExercise) -> bool:
    """Whether the agreement is kept from `user` so that their own rating stays independent.

    While the exercise is open, only those who have rated it and those who may close it
    read the others' ratings; once it is closed nobody can rate any more.
    """
    return (exercise.is_open and not may_close(user, exercise)
            and not has_rated(user, exercise))


def _levels(definition: Mapping, scale: str) -> list[int]:
    return [level["value"] for level in definition["scales"][scale]["levels"]]


def _modal(values: list) -> set:
    counts = Counter(values)
    top = max(counts.values())
    return {value for value, count in counts.items() if count == top}


def _kappa(rows: list[list[int]], categories: list[int]) -> reliability.Estimate:
    if len(rows) < 2:
        return reliability.Estimate(None, None, None, len(rows), len(rows[0]) if rows else 0,
                                    "fleiss_kappa", None, reason=reliability.TOO_FEW)
    return reliability.fleiss_kappa(ratings=rows, categories=categories)


def _within(definition: Mapping, ratings: list[CalibrationRating]) -> list[dict]:
    """Fleiss' kappa over the items of one vignette, per group of items sharing a scale."""
    by_scale: dict[str, list[str]] = {}
    for item in items_of(definition):
        by_scale.setdefault(item["scale"], []).append(item["code"])
    groups = []
    for scale, codes in by_scale.items():
        if len(codes) < 2:
            continue
        rows = [[r.ratings.get(code) for r in ratings] for code in codes]
        rows = [row for row in rows if None not in row]
        groups.append({"scale": scale, "items": codes,
                       "title": translated(definition["scales"][scale].get("title")) or scale,
                       "kappa": _kappa(rows, _levels(definition, scale))})
    return groups


def results(*, user, exercise: CalibrationExercise) -> dict | None:
    """Agreement for the exercise's instrument version; None below two ratings here."""
    policy.require(user, PERMISSION)
    ratings = list(exercise.ratings.select_related("assessor"))
    if len(ratings) < 2:
        return None
    definition = exercise.instrument.definition
    rated = {}
    for rating in (CalibrationRating.objects.filter(exercise__instrument=exercise.instrument)
                   .select_related("assessor").order_by("exercise_id", "assessor_id")):
        rated.setdefault(rating.exercise_id, []).append(rating)
    sizes = Counter(len(group) for group in rated.values() if len(group) >= 2)
    raters = max(sizes, key=lambda size: (sizes[size], size))
    used = {pk: group for pk, group in rated.items() if len(group) == raters}
    left_out = sum(count for size, count in sizes.items() if size != raters)

    items, agree, total = [], Counter(), Counter()
    for item in items_of(definition):
        code = item["code"]
        rows = [[r.ratings.get(code) for r in group] for group in used.values()]
        rows = [row for row in rows if None not in row]
        for group in used.values():
            values = [r.ratings.get(code) for r in group]
            if None in values:
                continue
            modal = _modal(values)
            for r in group:
                total[r.assessor] += 1
                agree[r.assessor] += r.ratings[code] in modal
        here = [r.ratings.get(code) for r in ratings if r.ratings.get(code) is not None]
        items.append({"code": code,
                      "kappa": _kappa(rows, _levels(definition, item["scale"])),
                      "distribution": sorted(Counter(here).items()),
                      "modal_share": (max(Counter(here).values()) / len(here)) if here else None})
    judgement_scale = definition["summary"]["judgement"]["scale"]
    judgement = _kappa([[r.judgement for r in group] for group in used.values()],
                       _levels(definition, judgement_scale))
    assessors = sorted(({"assessor": who, "share": agree[who] / total[who],
                         "items": total[who]} for who in total),
                       key=lambda a: (a["share"], str(a["assessor"])))
    return {"items": items, "judgement": judgement, "assessors": assessors,
            "vignettes": len(used), "raters": raters, "left_out": left_out,
            "ratings": len(ratings), "within": _within(definition, ratings),
            "judgements": sorted(Counter(r.judgement for r in ratings).items())}
