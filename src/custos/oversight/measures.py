"""Every write of the restrictive-measures register, and the nightly checks over it.

A measure states its legal basis, why it is necessary and proportionate and what less
restrictive alternatives were considered; a director imposing it authorises it at once, a
security officer's measure is an emergency measure until a director authorises it. The days of
segregation and solitary confinement are recorded one per prisoner and day and checked against
the Mandela Rules (`rules.check_day`) as they are saved: a refusal saves nothing and is kept in
the audit trail, a warning becomes a flag. `nightly(on)` raises what only the passing of time
reveals: overdue reviews, measures left unauthorised, days nobody recorded, runs of solitary
days nearing the limit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import (
    ConcurrentEdit,
    InvalidInput,
    InvalidTransition,
    RuleViolation,
    check_choice,
)
from custos.custody.models import CustodyStatus, Prisoner

from . import rules
from .citations import cite
from .flags import DIRECTOR, HEALTH, MONITOR, FlagSpec, raise_flags
from .models import (
    DailyRecord,
    FlagSeverity,
    MeasureKind,
    MeasureReview,
    RestrictiveMeasure,
    ReviewOutcome,
)
from .models.measures import DAILY_KINDS

MEASURES, AUTHORISE = "oversight.measures", "oversight.authorise"
SUBJECT = "measure"
# How far ahead the next review of a measure may be, by kind (setting
# CUSTOS_MEASURE_REVIEW_DAYS overrides any of them).
REVIEW_DAYS = {MeasureKind.SOLITARY: 7, MeasureKind.SEGREGATION: 7, MeasureKind.RESTRAINTS: 1}
REVIEW_DAYS_OTHERWISE = 30
AUTHORISE_WITHIN = timedelta(hours=24)
HISTORY_DAYS = 30  # the days before a recorded day that its checks read
# Where a finding of the rules is a breach rather than a warning.
BREACHES = frozenset({"solitary_pregnant_or_nursing", "prolonged_solitary",
                      "unauthorised_measure"})
# Findings about the person rather than the day: raised once for a measure.
ONCE_PER_MEASURE = frozenset({"solitary_pregnant_or_nursing", "solitary_disability"})
REVIEW_RULE = {MeasureKind.SOLITARY: "Mandela Rule 45(1)",
               MeasureKind.SEGREGATION: "Mandela Rule 45(1)",
               MeasureKind.RESTRAINTS: "Mandela Rule 48(1)(c)"}
REVIEW_RULE_OTHERWISE = "Mandela Rules 36 and 39(3)"
AUTHORISE_RULE = "Mandela Rule 37(d)"
RECORD_RULE = "Mandela Rules 44 and 46(1)"


# --- configuration ----------------------------------------------------------------------------

def thresholds() -> rules.Thresholds:
    return rules.Thresholds(**getattr(settings, "CUSTOS_MANDELA_THRESHOLDS", {}))


def review_days(kind: str) -> int:
    """The furthest a review of a measure of `kind` may be planned, in days."""
    configured = getattr(settings, "CUSTOS_MEASURE_REVIEW_DAYS", {}) or {}
    if kind in configured:
        return int(configured[kind])
    return REVIEW_DAYS.get(kind, REVIEW_DAYS_OTHERWISE)


# --- checks of input ----------------------------------------------------------------------------

def _required(value, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("This reason is required."), field=field)
    return value


def _moment(value, field: str, *, default_now: bool = True) -> datetime:
    if value in (None, "") and default_now:
        return timezone.now()
    if not isinstance(value, datetime):
        raise InvalidInput(_("Give a date and time."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("This date and time is in the future."), field=field)
    return value


def _day(value, field: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(_("Give a date."), field=field)
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(_("Give a date."), field=field)
    return value


def _review_on(value, kind: str, since: date, field: str) -> date:
    """A planned review: not before `since`, and no further than the kind allows."""
    review = _day(value, field)
    longest = review_days(kind)
    if review < since:
        raise InvalidInput(_("The review cannot be before %(day)s.") % {"day": since}, field=field)
    if review > since + timedelta(days=longest):
        raise InvalidInput(
            _("A measure of this kind must be reviewed within %(days)s days, by %(day)s.")
            % {"days": longest, "day": since + timedelta(days=longest)}, field=field)
    return review


def _version(record, version) -> None:
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(_("The version read is required."), field="version") from None
    if record.version != expected:
        raise ConcurrentEdit(_("Someone changed this record after you opened it. Reload it and "
                               "try again."))


def _locked(measure: RestrictiveMeasure, version) -> RestrictiveMeasure:
    locked = RestrictiveMeasure.objects.select_for_update().select_related("prisoner").get(
        pk=measure.pk)
    _version(locked, version)
    return locked


def _bump(record, user) -> None:
    record.version += 1
    record.stamp(user)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _snapshot(measure: RestrictiveMeasure) -> dict:
    return {"prisoner": measure.prisoner_id, "facility": measure.facility_id, "kind": measure.kind,
            "legal_basis": measure.legal_basis, "started_at": measure.started_at,
            "planned_review_on": measure.planned_review_on,
            "planned_end_on": measure.planned_end_on, "ended_at": measure.ended_at,
            "authorised_by": measure.authorised_by_id}


def _refusal_recorded(acting_user, obj, refusal: RuleViolation, changes: dict) -> None:
    """Keep a refusal in the audit trail. Called after the refused write rolled back, in a
    transaction of its own, so the entry survives the refusal."""
    with transaction.atomic():
        trail.record(acting_user, "oversight.refused", obj,
                     changes={**changes, "rule": refusal.rule,
                              "finding": refusal.details.get("finding", "")},
                     reason=refusal.message)


# --- the measure ----------------------------------------------------------------------------

def measure_impose(*, acting_user, prisoner: Prisoner, kind: str, legal_basis: str,
                   necessity: str, proportionality: str, alternatives_considered: str,
                   planned_review_on, started_at=None, planned_end_on=None
                   ) -> RestrictiveMeasure:
    """Impose a measure in the prisoner's facility. A director's is authorised at once; a
    security officer's is in force as an emergency measure until a director authorises it.
    Segregation or solitary confinement of a child is refused (Mandela Rule 45(2), Havana
    Rule 67) and the refusal kept in the audit trail."""
    try:
        return _impose(acting_user=acting_user, prisoner=prisoner, kind=kind,
                       legal_basis=legal_basis, necessity=necessity,
                       proportionality=proportionality,
                       alternatives_considered=alternatives_considered,
                       planned_review_on=planned_review_on, started_at=started_at,
                       planned_end_on=planned_end_on)
    except RuleViolation as refusal:
        _refusal_recorded(acting_user, prisoner, refusal,
                          {"action": "measure_impose", "kind": kind})
        raise


@transaction.atomic
def _impose(*, acting_user, prisoner: Prisoner, kind, legal_basis, necessity, proportionality,
            alternatives_considered, planned_review_on, started_at, planned_end_on
            ) -> RestrictiveMeasure:
    policy.require(acting_user, MEASURES, facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target="oversight.measure")
    check_choice(kind, MeasureKind, "kind")
    if prisoner.status != CustodyStatus.IN_CUSTODY:
        raise InvalidInput(_("This prisoner is not in custody."), field="prisoner")
    started_at = _moment(started_at, "started_at")
    since = local_day(started_at)
    measure = RestrictiveMeasure(
        prisoner=prisoner, facility_id=prisoner.facility_id, kind=kind,
        legal_basis=_required(legal_basis, "legal_basis"),
        necessity=_required(necessity, "necessity"),
        proportionality=_required(proportionality, "proportionality"),
        alternatives_considered=_required(alternatives_considered, "alternatives_considered"),
        started_at=started_at,
        planned_review_on=_review_on(planned_review_on, kind, since, "planned_review_on"),
        planned_end_on=_day(planned_end_on, "planned_end_on", required=False))
    if measure.planned_end_on and measure.planned_end_on < since:
        raise InvalidInput(_("The planned end cannot be before the start."),
                           field="planned_end_on")
    if kind in DAILY_KINDS and prisoner.is_juvenile(since):
        raise RuleViolation(
            _("Segregation or solitary confinement of a child is prohibited (Mandela Rule 45(2), "
              "Havana Rule 67)."), rule="Mandela Rule 45(2); Havana Rule 67",
            details={"finding": "solitary_child"}, field="kind")
    if RestrictiveMeasure.objects.filter(prisoner=prisoner, kind=kind,
                                         ended_at__isnull=True).exists():
        raise InvalidInput(_("This prisoner is already under a measure of this kind: review "
                             "that one instead."), field="kind")
    if policy.can(acting_user, AUTHORISE, facility_id=prisoner.facility_id):
        # A director's imposition is its authorisation, from the moment it began.
        measure.authorised_by, measure.authorised_at = acting_user, started_at
    measure.stamp(acting_user)
    measure.save()
    trail.record(acting_user, "oversight.measure_imposed", measure, changes=_snapshot(measure),
                 reason=measure.necessity)
    return measure


@transaction.atomic
def measure_authorise(*, acting_user, measure: RestrictiveMeasure, version) -> RestrictiveMeasure:
    """A director authorises an emergency measure imposed by security staff."""
    policy.require(acting_user, AUTHORISE, facility_id=measure.facility_id,
                   target="oversight.measure")
    measure = _locked(measure, version)
    if measure.authorised_at is not None:
        raise InvalidTransition(_("This measure is already authorised."))
    if measure.ended_at is not None:
        raise InvalidTransition(_("This measure has ended."))
    measure.authorised_by, measure.authorised_at = acting_user, timezone.now()
    _bump(measure, acting_user)
    measure.save()
    trail.record(acting_user, "oversight.measure_authorised", measure,
                 changes={"authorised_by": acting_user.pk,
                          "hours_after_start": round((measure.authorised_at
                                                      - measure.started_at).total_seconds()
                                                     / 3600, 1)})
    return measure


@transaction.atomic
def measure_review(*, acting_user, measure: RestrictiveMeasure, version, outcome: str,
                   reasons: str, next_review_on=None) -> MeasureReview:
    """A review: continue (with the next review), vary (likewise) or end the measure."""
    policy.require(acting_user, MEASURES, facility_id=measure.facility_id,
                   target="oversight.measure")
    check_choice(outcome, ReviewOutcome, "outcome")
    reasons = _required(reasons, "reasons")
    measure = _locked(measure, version)
    if measure.ended_at is not None:
        raise InvalidTransition(_("This measure has ended."))
    now = timezone.now()
    review = MeasureReview(measure=measure, reviewed_at=now, outcome=outcome, reasons=reasons)
    before = {"planned_review_on": measure.planned_review_on, "ended_at": None}
    if outcome == ReviewOutcome.END:
        measure.ended_at, measure.end_reason = max(now, measure.started_at), reasons
    else:
        review.next_review_on = _review_on(next_review_on, measure.kind, local_day(now),
                                           "next_review_on")
        measure.planned_review_on = review.next_review_on
    review.stamp(acting_user)
    review.save()
    _bump(measure, acting_user)
    measure.save()
    trail.record(acting_user, "oversight.measure_reviewed", measure,
                 changes={"outcome": outcome, **trail.diff(before, {
                     "planned_review_on": measure.planned_review_on,
                     "ended_at": measure.ended_at})}, reason=reasons)
    return review


@transaction.atomic
def measure_end(*, acting_user, measure: RestrictiveMeasure, version, reason: str,
                ended_at=None) -> RestrictiveMeasure:
    policy.require(acting_user, MEASURES, facility_id=measure.facility_id,
                   target="oversight.measure")
    reason = _required(reason, "reason")
    measure = _locked(measure, version)
    if measure.ended_at is not None:
        raise InvalidTransition(_("This measure has already ended."))
    ended_at = _moment(ended_at, "ended_at")
    if ended_at < measure.started_at:
        raise InvalidInput(_("A measure cannot end before it started."), field="ended_at")
    measure.ended_at, measure.end_reason = ended_at, reason
    _bump(measure, acting_user)
    measure.save()
    trail.record(acting_user, "oversight.measure_ended", measure,
                 changes={"ended_at": ended_at}, reason=reason)
    return measure


# --- the days -------------------------------------------------------------------------------

def person_of(prisoner: Prisoner, on: date) -> rules.Person:
    return rules.Person(juvenile=prisoner.is_juvenile(on),
                        pregnant_or_nursing=prisoner.pregnant_or_nursing,
                        disability=bool((prisoner.disability or "").strip()),
                        mental_health_condition=prisoner.mental_health_condition)


def as_day(record: DailyRecord) -> rules.Day:
    return rules.Day(record.on, float(record.hours_without_contact), record.exercise_minutes,
                     record.health_visit)


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Give a number of hours."), field="hours_without_contact") from None
    if not Decimal(0) <= hours <= Decimal(24):
        raise InvalidInput(_("A day has between 0 and 24 hours."), field="hours_without_contact")
    return hours


def _minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give a number of minutes."), field="exercise_minutes") from None
    if not 0 <= minutes <= 24 * 60:
        raise InvalidInput(_("A day has between 0 and 1,440 minutes."), field="exercise_minutes")
    return minutes


def _specs(measure: RestrictiveMeasure, on: date, findings) -> list[FlagSpec]:
    specs = []
    for finding in findings:
        if finding.action != rules.FLAG:
            continue
        raised_on = on
        if finding.code == "solitary_nearing_limit":
            # One warning for a run: keyed by the day the run reached the warning day, so the
            # wing's record and the nightly check raise the same flag.
            raised_on = rules.run_started_on(on, finding.evidence["consecutive_days"]) \
                + timedelta(days=thresholds().warn_from_day - 1)
        specs.append(FlagSpec(
            code=finding.code, rule=finding.rule, facility_id=measure.facility_id,
            subject_type=SUBJECT, subject_id=measure.pk, raised_on=raised_on,
            prisoner_id=measure.prisoner_id,
            severity=FlagSeverity.BREACH if finding.code in BREACHES else FlagSeverity.WARNING,
            evidence={**finding.evidence, "day": on.isoformat()}, for_whom=finding.for_whom,
            once_per="subject" if finding.code in ONCE_PER_MEASURE else "day"))
    return specs


def _history(prisoner_id: int, on: date, *, but=None) -> list[rules.Day]:
    """The prisoner's recorded days in the 30 before `on` and after it, across measures."""
    records = DailyRecord.objects.filter(prisoner_id=prisoner_id,
                                         on__gte=on - timedelta(days=HISTORY_DAYS),
                                         on__lte=on + timedelta(days=HISTORY_DAYS))
    if but is not None:
        records = records.exclude(pk=but)
    return [as_day(r) for r in records]


def _check(measure: RestrictiveMeasure, day: rules.Day, *, but=None) -> list:
    """The findings of the rules on `day`; a refusal raised as RuleViolation."""
    limits = thresholds()
    around = _history(measure.prisoner_id, day.on, but=but)
    before = [d for d in around if d.on < day.on]
    findings = rules.check_day(person_of(measure.prisoner, day.on), before, day, limits)
    refusals = [f for f in findings if f.action == rules.REFUSE]
    longest = rules.longest_solitary_run([*around, day], limits) \
        if rules.is_solitary(day, limits) else 0
    if not refusals and longest > limits.prolonged_days:  # a correction joining two runs
        refusals = [rules.Finding(rules.REFUSE, "Mandela Rules 43(1)(b) and 44",
                                  "prolonged_solitary", {"consecutive_days": longest,
                                                         "limit": limits.prolonged_days})]
    if refusals:
        refusal = refusals[0]
        message = {
            "solitary_child": _("Solitary confinement of a child is prohibited (%(rule)s)."),
            "prolonged_solitary": _("This would be day %(days)s of solitary confinement in a row:"
                                    " more than %(limit)s consecutive days is prolonged solitary"
                                    " confinement, which is prohibited (%(rule)s)."),
        }.get(refusal.code, _("Refused by %(rule)s."))
        raise RuleViolation(message % {"rule": cite(refusal.rule),
                                       "days": refusal.evidence.get("consecutive_days", ""),
                                       "limit": refusal.evidence.get("limit", "")},
                            rule=refusal.rule, field="hours_without_contact",
                            details={"finding": refusal.code, "evidence": refusal.evidence})
    return findings


def daily_record(*, acting_user, measure: RestrictiveMeasure, on, hours_without_contact,
                 exercise_minutes=0, health_visit: bool = False, contacts: str = ""
                 ) -> DailyRecord:
    """Record one day of segregation or solitary confinement, checked against the Mandela
    Rules. One record per prisoner and day: a second is refused (409), never overwritten."""
    try:
        return _record(acting_user=acting_user, measure=measure, on=on,
                       hours_without_contact=hours_without_contact,
                       exercise_minutes=exercise_minutes, health_visit=health_visit,
                       contacts=contacts)
    except RuleViolation as refusal:
        _refusal_recorded(acting_user, measure, refusal, {
            "action": "daily_record", "on": on, "hours": str(hours_without_contact)})
        raise


def _within_measure(measure: RestrictiveMeasure, on) -> date:
    on = _day(on, "on")
    if on > timezone.localdate():
        raise InvalidInput(_("This day is in the future."), field="on")
    first = local_day(measure.started_at)
    last = local_day(measure.ended_at) if measure.ended_at else timezone.localdate()
    if not first <= on <= last:
        raise InvalidInput(_("The day must lie within the measure, from %(first)s to %(last)s.")
                           % {"first": first, "last": last}, field="on")
    return on


@transaction.atomic
def _record(*, acting_user, measure, on, hours_without_contact, exercise_minutes, health_visit,
            contacts) -> DailyRecord:
    policy.require(acting_user, MEASURES, facility_id=measure.facility_id,
                   target="oversight.daily_record")
    measure = RestrictiveMeasure.objects.select_related("prisoner").get(pk=measure.pk)
    if measure.kind not in DAILY_KINDS:
        raise InvalidInput(_("Days are recorded for segregation and solitary confinement only."),
                           field="measure")
    on = _within_measure(measure, on)
    record = DailyRecord(prisoner_id=measure.prisoner_id, measure=measure,
                         facility_id=measure.facility_id, on=on,
                         hours_without_contact=_hours(hours_without_contact),
                         exercise_minutes=_minutes(exercise_minutes),
                         health_visit=bool(health_visit), contacts=(contacts or "").strip())
    if DailyRecord.objects.filter(prisoner_id=measure.prisoner_id, on=on).exists():
        raise ConcurrentEdit(_("This day is already recorded for this prisoner; correct that "
                               "record instead."), field="on")
    findings = _check(measure, as_day(record))
    record.stamp(acting_user)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ConcurrentEdit(_("This day was recorded by someone else a moment ago."),
                             field="on") from None
    raise_flags(_specs(measure, on, findings))
    trail.record(acting_user, "oversight.day_recorded", record, changes=_day_values(record))
    return record


def _day_values(record: DailyRecord) -> dict:
    return {"measure": record.measure_id, "on": record.on,
            "hours_without_contact": str(record.hours_without_contact),
            "exercise_minutes": record.exercise_minutes, "health_visit": record.health_visit,
            "contacts": record.contacts}


def daily_record_correct(*, acting_user, record: DailyRecord, version, reason: str,
                         hours_without_contact, exercise_minutes=0, health_visit: bool = False,
                         contacts: str = "") -> DailyRecord:
    """Correct a recorded day, with the version read and a reason; the audit keeps the old
    values. Checked again like a new day (a correction can make a run too long)."""
    try:
        return _correct(acting_user=acting_user, record=record, version=version, reason=reason,
                        hours_without_contact=hours_without_contact,
                        exercise_minutes=exercise_minutes, health_visit=health_visit,
                        contacts=contacts)
    except RuleViolation as refusal:
        _refusal_recorded(acting_user, record, refusal, {
            "action": "daily_record_correct", "hours": str(hours_without_contact)})
        raise


@transaction.atomic
def _correct(*, acting_user, record, version, reason, hours_without_contact, exercise_minutes,
             health_visit, contacts) -> DailyRecord:
    policy.require(acting_user, MEASURES, facility_id=record.facility_id,
                   target="oversight.daily_record")
    reason = _required(reason, "reason")
    record = DailyRecord.objects.select_for_update().select_related(
        "measure__prisoner").get(pk=record.pk)
    _version(record, version)
    before = _day_values(record)
    record.hours_without_contact = _hours(hours_without_contact)
    record.exercise_minutes = _minutes(exercise_minutes)
    record.health_visit, record.contacts = bool(health_visit), (contacts or "").strip()
    findings = _check(record.measure, as_day(record), but=record.pk)
    _bump(record, acting_user)
    record.save()
    raise_flags(_specs(record.measure, record.on, findings))
    trail.record(acting_user, "oversight.day_corrected", record,
                 changes=trail.diff(before, _day_values(record)), reason=reason)
    return record


# --- the nightly check ------------------------------------------------------------------------

def nightly(on: date) -> int:
    """Raise the flags the passing of time reveals, as of the night before `on`; returns how many
    are new. Set-based: it reads measures in force and the recorded days of the last weeks
    only, a few queries whatever the size of the register; run twice, it raises nothing new."""
    specs = [*_reviews_overdue(on), *_unauthorised(on), *_days_not_recorded(on),
             *_solitary_runs(on)]
    with transaction.atomic():
        return raise_flags(specs)


def _in_force(on: date):
    return RestrictiveMeasure.objects.filter(ended_at__isnull=True,
                                             started_at__lt=_start_of(on))


def _reviews_overdue(on: date) -> list[FlagSpec]:
    rows = _in_force(on).filter(planned_review_on__lt=on).values_list(
        "pk", "facility_id", "prisoner_id", "kind", "planned_review_on")
    return [FlagSpec(code="review_overdue",
                     rule=REVIEW_RULE.get(kind, REVIEW_RULE_OTHERWISE),
                     facility_id=facility, subject_type=SUBJECT, subject_id=pk,
                     prisoner_id=prisoner, raised_on=due + timedelta(days=1),
                     evidence={"review_due_on": due.isoformat(), "days_overdue": (on - due).days},
                     for_whom=(DIRECTOR, MONITOR))
            for pk, facility, prisoner, kind, due in rows.iterator(chunk_size=2000)]


def _unauthorised(on: date) -> list[FlagSpec]:
    cutoff = _start_of(on) - AUTHORISE_WITHIN
    late = Q(authorised_at__isnull=True) | Q(authorised_at__gt=F("started_at") + AUTHORISE_WITHIN)
    rows = _in_force(on).filter(late, started_at__lte=cutoff).values_list(
        "pk", "facility_id", "prisoner_id", "started_at", "authorised_at")
    return [FlagSpec(code="unauthorised_measure", rule=AUTHORISE_RULE, facility_id=facility,
                     subject_type=SUBJECT, subject_id=pk, prisoner_id=prisoner,
                     raised_on=local_day(started + AUTHORISE_WITHIN), once_per="subject",
                     severity=FlagSeverity.BREACH,
                     evidence={"started_at": started.isoformat(),
                               "authorised_at": authorised.isoformat() if authorised else None,
                               "within_hours": int(AUTHORISE_WITHIN.total_seconds() // 3600)},
                     for_whom=(DIRECTOR, MONITOR))
            for pk, facility, prisoner, started, authorised in rows.iterator(chunk_size=2000)]


def _days_not_recorded(on: date) -> list[FlagSpec]:
    day = on - timedelta(days=1)
    recorded = DailyRecord.objects.filter(prisoner_id=OuterRef("prisoner_id"), on=day)
    rows = RestrictiveMeasure.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=_start_of(day)),
        kind__in=sorted(DAILY_KINDS), started_at__lt=_start_of(on)).filter(
        ~Exists(recorded)).values_list("pk", "facility_id", "prisoner_id")
    return [FlagSpec(code="day_not_recorded", rule=RECORD_RULE, facility_id=facility,
                     subject_type=SUBJECT, subject_id=pk, prisoner_id=prisoner, raised_on=day,
                     evidence={"on": day.isoformat()}, for_whom=(DIRECTOR, HEALTH, MONITOR))
            for pk, facility, prisoner in rows.iterator(chunk_size=2000)]


def _solitary_runs(on: date) -> list[FlagSpec]:
    """Runs of solitary days at or past the warning day, for prisoners under segregation or
    solitary confinement now, from their recorded days of the last weeks only (a run longer
    than the limit is refused as it is recorded, so a few more days than the limit suffice)."""
    limits = thresholds()
    window = limits.prolonged_days + 5
    under = _in_force(on).filter(kind__in=sorted(DAILY_KINDS)).values("prisoner_id")
    rows = DailyRecord.objects.filter(
        prisoner_id__in=under, on__gte=on - timedelta(days=window), on__lt=on).values_list(
        "prisoner_id", "measure_id", "facility_id", "on", "hours_without_contact")
    days: dict[int, list] = defaultdict(list)
    for prisoner, measure, facility, day, hours in rows.iterator(chunk_size=5000):
        days[prisoner].append((day, measure, facility, float(hours)))
    specs = []
    for prisoner, recorded in days.items():
        recorded.sort()
        last, measure, facility, _hours_then = recorded[-1]
        run = rules.consecutive_solitary([rules.Day(d, h) for d, _m, _f, h in recorded], limits)
        if run < limits.warn_from_day:
            continue
        first = rules.run_started_on(last, run)
        prolonged = run > limits.prolonged_days
        specs.append(FlagSpec(
            code="prolonged_solitary" if prolonged else "solitary_nearing_limit",
            rule="Mandela Rules 43(1)(b) and 44" if prolonged else "Mandela Rule 44",
            facility_id=facility, subject_type=SUBJECT, subject_id=measure, prisoner_id=prisoner,
            raised_on=first + timedelta(days=(limits.prolonged_days if prolonged
                                              else limits.warn_from_day - 1)),
            severity=FlagSeverity.BREACH if prolonged else FlagSeverity.WARNING,
            evidence={"consecutive_days": run, "limit": limits.prolonged_days,
                      "last_day_allowed": (first + timedelta(
                          days=limits.prolonged_days - 1)).isoformat(),
                      "day": last.isoformat()}))
    return specs

