"""Discipline: every write of a disciplinary charge, from the charge to the appeal.

What the Mandela Rules require of discipline, as far as a machine can check it:
- Rule 37: only conduct a law or regulation defines is an offence, so a charge names the
  prison rule it breaks; Rule 39(1): nobody is charged twice for the same act.
- Rule 41(2): the prisoner is told of the charge without delay, in a language he understands
  (one of his recorded languages, or through a named interpreter), and has adequate time to
  prepare his defence (`CUSTOS_DISCIPLINE_PREPARATION_HOURS`, default 24 hours between the
  notice and the hearing).
- Rule 41(3): he defends himself in person (a hearing where he was not heard is refused),
  with an interpreter where he needs one or does not speak the language of the hearing.
- Rule 43: prohibited sanctions are refused with the rule cited; confinement to cell for more
  than 15 consecutive days is prolonged solitary confinement (Rules 43(1)(b), 44); a child is
  never confined (Rule 45(2), Havana Rule 67); Rule 39(2): no sanction longer than the
  maximum configured for its kind (`CUSTOS_SANCTION_MAX_DAYS`).
- Rule 41(4): the decision can be reviewed by an independent authority (an appeal).
- Bangkok Rule 22: a pregnant woman, a woman with an infant or a breastfeeding mother is never
  confined as a sanction; confinement of a prisoner with a disability or a mental-health
  condition is flagged to health care (Rule 45(2)).
- The nightly check (`nightly`, run by `custos check_safeguards`) flags charges not notified
  without delay and charges left unheard.

A charge moves only forward: charged → notified → heard → proved or not proved (the end of a
charge not proved) → under appeal → closed. A quashed appeal voids every sanction of the
charge: the appeal's outcome is the record of it (`sanction_void`), the sanction rows stay as
they were imposed. A varied appeal reduces the days of the sanctions it names; the days
imposed first stay in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
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

from .citations import cite
from .flags import DIRECTOR, HEALTH, MONITOR, FlagSpec, raise_flags
from .models import (
    Appeal,
    AppealOutcome,
    ChargeStatus,
    DisciplinaryCharge,
    FlagSeverity,
    Hearing,
    HearingFinding,
    Sanction,
    SanctionKind,
)

DISCIPLINE, ADJUDICATE = "oversight.discipline", "oversight.adjudicate"
SUBJECT = "charge"  # what a discipline flag is about (`Flag.subject_type`)
K = SanctionKind

# Which state a step leaves a charge in, and from which states it may be taken.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ChargeStatus.CHARGED: (ChargeStatus.NOTIFIED,),
    ChargeStatus.NOTIFIED: (ChargeStatus.HEARD,),
    ChargeStatus.HEARD: (ChargeStatus.PROVED, ChargeStatus.NOT_PROVED),
    ChargeStatus.PROVED: (ChargeStatus.APPEALED,),
    ChargeStatus.APPEALED: (ChargeStatus.CLOSED,),
    ChargeStatus.NOT_PROVED: (),
    ChargeStatus.CLOSED: (),
}

# Rule 43: sanctions no law may impose, with the rule that prohibits each.
PROHIBITED: dict[str, str] = {
    K.INDEFINITE_SOLITARY: "Mandela Rule 43(1)(a)",
    K.PROLONGED_SOLITARY: "Mandela Rule 43(1)(b)",
    K.DARK_CELL: "Mandela Rule 43(1)(c)",
    K.LIT_CELL: "Mandela Rule 43(1)(c)",
    K.CORPORAL: "Mandela Rule 43(1)(d)",
    K.REDUCED_DIET: "Mandela Rule 43(1)(d)",
    K.COLLECTIVE: "Mandela Rule 43(1)(e)",
    K.RESTRAINTS: "Mandela Rule 43(2)",
    K.NO_FAMILY_CONTACT: "Mandela Rule 43(3)",
}
PROLONGED_RULE = "Mandela Rules 43(1)(b), 44"
CHILD_RULE = "Mandela Rule 45(2), Havana Rule 67"
WOMEN_RULE = "Bangkok Rule 22"
PROPORTION_RULE = "Mandela Rule 39(2)"
# Rule 44: more than 15 consecutive days of solitary confinement is prolonged.
CONFINEMENT_LIMIT_DAYS = 15
# Sanctions that last a number of days; a caution has none.
WITH_DAYS = (K.LOSS_OF_PRIVILEGES, K.LOSS_OF_EARNINGS, K.EXTRA_WORK, K.CONFINEMENT_TO_CELL)
# Rule 39(2): the longest a lawful sanction may last, unless the setting says otherwise.
DEFAULT_MAX_DAYS: dict[str, int] = {
    K.LOSS_OF_PRIVILEGES: 42,
    K.LOSS_OF_EARNINGS: 42,
    K.EXTRA_WORK: 14,
    K.CONFINEMENT_TO_CELL: CONFINEMENT_LIMIT_DAYS,
}
DEFAULT_PREPARATION_HOURS = 24
# Clocks of the wing and of the server differ a little; a time this far ahead is not future.
CLOCK_SLACK = timedelta(minutes=5)


def preparation_hours() -> float:
    """Rule 41(2): the least time between the notice and the hearing."""
    return float(getattr(settings, "CUSTOS_DISCIPLINE_PREPARATION_HOURS",
                         DEFAULT_PREPARATION_HOURS))


def max_days() -> dict[str, int]:
    """Rule 39(2): the longest each kind of sanction may last (the setting over defaults).
    Confinement to cell never exceeds 15 days whatever the setting (Rules 43(1)(b), 44)."""
    limits = {**DEFAULT_MAX_DAYS, **getattr(settings, "CUSTOS_SANCTION_MAX_DAYS", {})}
    limits[K.CONFINEMENT_TO_CELL] = min(limits[K.CONFINEMENT_TO_CELL], CONFINEMENT_LIMIT_DAYS)
    return limits


def languages_of(prisoner: Prisoner) -> list[str]:
    return [code.strip().lower() for code in (prisoner.languages or "").split(",")
            if code.strip()]


def understands(prisoner: Prisoner, language: str) -> bool:
    return (language or "").strip().lower() in languages_of(prisoner)


def interpreter_required(prisoner: Prisoner, language: str) -> bool:
    """Rule 41(3): an interpreter when he needs one, or does not speak the language used."""
    return prisoner.interpreter_needed or not understands(prisoner, language)


def sanction_void(sanction: Sanction) -> bool:
    """A sanction is void when the appeal against its charge was quashed."""
    appeal = getattr(sanction.charge, "appeal", None)
    return appeal is not None and appeal.outcome == AppealOutcome.QUASHED


# --- helpers ----------------------------------------------------------------------------------

def _text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _moment(value, field: str, *, not_before: datetime | None = None,
            before_message: str = "") -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(_("Give a date and time."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + CLOCK_SLACK:
        raise InvalidInput(_("This date and time is in the future."), field=field)
    if not_before is not None and value < not_before:
        raise InvalidInput(before_message, field=field)
    return value


def _locked(charge: DisciplinaryCharge, version: int | None) -> DisciplinaryCharge:
    locked = DisciplinaryCharge.objects.select_for_update().select_related(
        "prisoner").get(pk=charge.pk)
    if version is not None and int(version) != locked.version:
        raise ConcurrentEdit(_("Someone changed this charge after you opened it: reload it."))
    return locked


def _step(charge: DisciplinaryCharge, to: str, message: str) -> None:
    if to not in TRANSITIONS[charge.status]:
        raise InvalidTransition(message, details={"status": charge.status, "to": to})


def _save(charge: DisciplinaryCharge, user, status: str) -> None:
    charge.status = status
    charge.version += 1
    charge.stamp(user)
    charge.save()


def _may(user, permission: str, charge: DisciplinaryCharge) -> None:
    policy.require(user, permission, facility_id=charge.facility_id,
                   prisoner_id=charge.prisoner_id, target=f"charge {charge.pk}")


# --- the charge and the notice ----------------------------------------------------------------

def charge_create(*, acting_user, prisoner: Prisoner, offence: str, rule_reference: str,
                  particulars: str, incident_at: datetime) -> DisciplinaryCharge:
    """Charge a prisoner with an offence against a named prison rule (Rule 37)."""
    policy.require(acting_user, DISCIPLINE, facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=prisoner.prison_number)
    offence = _text(offence, "offence", _("Say what the offence is."))
    rule_reference = (rule_reference or "").strip()
    if not rule_reference:
        raise RuleViolation(_("Mandela Rule 37: only conduct that a law or regulation defines "
                              "as an offence can be charged; name the prison rule it breaks."),
                            rule="Mandela Rule 37", field="rule_reference")
    particulars = _text(particulars, "particulars", _("Say what happened."))
    incident_at = _moment(incident_at, "incident_at", not_before=prisoner.admitted_at,
                          before_message=_("The prisoner was not yet in custody then."))
    if prisoner.status != CustodyStatus.IN_CUSTODY:
        raise InvalidInput(_("The prisoner is no longer in custody."), field="prisoner")
    with transaction.atomic():
        twice = DisciplinaryCharge.objects.filter(
            prisoner=prisoner, incident_at=incident_at,
            rule_reference__iexact=rule_reference).exists()
        if twice:
            raise RuleViolation(_("Mandela Rule 39(1): he is already charged under this rule "
                                  "for the same act."), rule="Mandela Rule 39(1)")
        charge = DisciplinaryCharge(prisoner=prisoner, facility_id=prisoner.facility_id,
                                    offence=offence, rule_reference=rule_reference,
                                    particulars=particulars, incident_at=incident_at)
        charge.stamp(acting_user)
        charge.save()
        trail.record(acting_user, "oversight.charge_create", charge,
                     changes={"prisoner": prisoner.pk, "offence": offence,
                              "rule_reference": rule_reference,
                              "incident_at": incident_at.isoformat()})
    return charge


def charge_notify(*, acting_user, charge: DisciplinaryCharge, version: int,
                  notified_at: datetime, language: str,
                  interpreter: str = "") -> DisciplinaryCharge:
    """Rule 41(2): the prisoner is told of the charge in a language he understands."""
    _may(acting_user, DISCIPLINE, charge)
    language = _text(language, "language", _("Say in which language he was told."))[:10]
    interpreter = (interpreter or "").strip()
    with transaction.atomic():
        charge = _locked(charge, version)
        _step(charge, ChargeStatus.NOTIFIED, _("The prisoner has already been notified."))
        notified_at = _moment(notified_at, "notified_at", not_before=charge.incident_at,
                              before_message=_("The notice cannot precede the incident."))
        if not understands(charge.prisoner, language) and not interpreter:
            raise RuleViolation(
                _("Mandela Rule 41(2): he must be told in a language he understands "
                  "(%(languages)s) or through an interpreter; name the interpreter.")
                % {"languages": ", ".join(languages_of(charge.prisoner)) or _("none recorded")},
                rule="Mandela Rule 41(2)", field="interpreter")
        charge.notified_at, charge.notice_language = notified_at, language.lower()
        charge.notice_interpreter = interpreter
        _save(charge, acting_user, ChargeStatus.NOTIFIED)
        trail.record(acting_user, "oversight.charge_notify", charge,
                     changes={"notified_at": notified_at.isoformat(),
                              "language": charge.notice_language,
                              "interpreter": interpreter})
    return charge


# --- the hearing and the decision -------------------------------------------------------------

def hearing_record(*, acting_user, charge: DisciplinaryCharge, version: int, held_at: datetime,
                   adjudicator, language: str, interpreter: str = "", prisoner_heard: bool,
                   prisoner_statement: str = "", legal_assistance: str = "",
                   witnesses: str = "", finding: str) -> Hearing:
    """The hearing before a director, with the rights of Rule 41 checked as facts."""
    _may(acting_user, DISCIPLINE, charge)
    language = _text(language, "language", _("Say in which language the hearing was held."))
    interpreter = (interpreter or "").strip()
    check_choice(finding, HearingFinding, "finding")
    with transaction.atomic():
        charge = _locked(charge, version)
        _step(charge, ChargeStatus.HEARD,
              _("A hearing follows the notice to the prisoner, once."))
        held_at = _moment(held_at, "held_at", not_before=charge.notified_at,
                          before_message=_("The hearing cannot precede the notice."))
        if adjudicator is None or not policy.can(adjudicator, ADJUDICATE,
                                                 facility_id=charge.facility_id):
            raise InvalidInput(_("The adjudicator must be a director of this prison."),
                               field="adjudicator")
        hours = preparation_hours()
        earliest = charge.notified_at + timedelta(hours=hours)
        if held_at < earliest:
            raise RuleViolation(
                _("Mandela Rule 41(2): he must have adequate time to prepare his defence: the "
                  "hearing may be held from %(earliest)s, %(hours)s hours after the notice.")
                % {"earliest": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M"),
                   "hours": f"{hours:g}"},
                rule="Mandela Rule 41(2)", field="held_at")
        if interpreter_required(charge.prisoner, language) and not interpreter:
            raise RuleViolation(
                _("Mandela Rule 41(3): he does not understand or speak the language of the "
                  "hearing, or needs an interpreter; name the interpreter."),
                rule="Mandela Rule 41(3)", field="interpreter")
        if not prisoner_heard:
            raise RuleViolation(
                _("Mandela Rules 39(1), 41(3): a hearing where the prisoner was not heard in "
                  "his defence cannot be recorded; hear him first."),
                rule="Mandela Rules 39(1), 41(3)", field="prisoner_heard")
        hearing = Hearing(charge=charge, held_at=held_at, adjudicator=adjudicator,
                          language=language.lower()[:10], interpreter=interpreter,
                          prisoner_heard=True,
                          prisoner_statement=(prisoner_statement or "").strip(),
                          legal_assistance=(legal_assistance or "").strip(),
                          witnesses=(witnesses or "").strip(), finding=finding)
        hearing.stamp(acting_user)
        hearing.save()
        _save(charge, acting_user, ChargeStatus.HEARD)
        trail.record(acting_user, "oversight.hearing_record", charge,
                     changes={"held_at": held_at.isoformat(), "adjudicator": adjudicator.pk,
                              "language": hearing.language, "interpreter": interpreter,
                              "legal_assistance": hearing.legal_assistance,
                              "finding": finding})
    return hearing


def charge_decide(*, acting_user, charge: DisciplinaryCharge, version: int,
                  reasons: str) -> DisciplinaryCharge:
    """A director gives the decision the hearing found, with reasons. Not proved ends it."""
    _may(acting_user, ADJUDICATE, charge)
    reasons = _text(reasons, "reasons", _("Give the reasons for the decision."))
    with transaction.atomic():
        charge = _locked(charge, version)
        _step(charge, ChargeStatus.PROVED, _("A decision follows the hearing, once."))
        finding = Hearing.objects.get(charge=charge).finding
        outcome = (ChargeStatus.PROVED if finding == HearingFinding.PROVED
                   else ChargeStatus.NOT_PROVED)
        charge.decided_at, charge.decided_by = timezone.now(), acting_user
        charge.decision_reasons = reasons
        _save(charge, acting_user, outcome)
        trail.record(acting_user, "oversight.charge_decide", charge,
                     changes={"outcome": outcome}, reason=reasons)
    return charge


# --- sanctions --------------------------------------------------------------------------------

def _prohibited(kind: str, days: int | None, prisoner: Prisoner, starts_on: date) -> None:
    """Refuse what Rules 43–45 prohibit and what exceeds the Rule 39(2) maximum."""
    if kind in PROHIBITED:
        rule = PROHIBITED[kind]
        raise RuleViolation(_("%(rule)s: %(sanction)s is prohibited as a disciplinary "
                              "sanction.") % {"rule": cite(rule), "sanction": K(kind).label},
                            rule=rule, field="kind")
    if kind == K.CONFINEMENT_TO_CELL and prisoner.is_juvenile(starts_on):
        raise RuleViolation(_("%(rule)s: a child is never confined as a sanction.")
                            % {"rule": cite(CHILD_RULE)}, rule=CHILD_RULE, field="kind")
    if kind == K.CONFINEMENT_TO_CELL and prisoner.pregnant_or_nursing:
        raise RuleViolation(_("%(rule)s: a pregnant woman, a woman with an infant or a "
                              "breastfeeding mother is never confined as a sanction.")
                            % {"rule": cite(WOMEN_RULE)}, rule=WOMEN_RULE, field="kind")
    if kind == K.CONFINEMENT_TO_CELL and days > CONFINEMENT_LIMIT_DAYS:
        raise RuleViolation(
            _("%(rule)s: confinement for more than %(limit)s consecutive days is prolonged "
              "solitary confinement.") % {"rule": cite(PROLONGED_RULE),
                                          "limit": CONFINEMENT_LIMIT_DAYS},
            rule=PROLONGED_RULE, field="days")
    limit = max_days().get(kind)
    if days is not None and limit is not None and days > limit:
        raise RuleViolation(
            _("%(rule)s: a sanction must be proportionate; %(sanction)s lasts at most "
              "%(limit)s days.") % {"rule": cite(PROPORTION_RULE), "sanction": K(kind).label,
                                    "limit": limit},
            rule=PROPORTION_RULE, field="days")


def _confinement_run(prisoner: Prisoner, starts_on: date, days: int) -> int:
    """The longest run of consecutive confined days the new confinement would be part of,
    counting his other confinements in force (two back to back are one confinement)."""
    confined = {starts_on + timedelta(days=n) for n in range(days)}
    others = Sanction.objects.filter(
        charge__prisoner=prisoner, kind=K.CONFINEMENT_TO_CELL, days__isnull=False,
        starts_on__lte=starts_on + timedelta(days=days + CONFINEMENT_LIMIT_DAYS),
        starts_on__gte=starts_on - timedelta(days=2 * CONFINEMENT_LIMIT_DAYS + 1),
    ).exclude(charge__appeal__outcome=AppealOutcome.QUASHED).values_list("starts_on", "days")
    for start, length in others:
        confined.update(start + timedelta(days=n) for n in range(length))
    run = longest = 0
    day = min(confined)
    while day <= max(confined):
        run = run + 1 if day in confined else 0
        longest = max(longest, run)
        day += timedelta(days=1)
    return longest


def _vulnerable(charge: DisciplinaryCharge, sanction: Sanction) -> list[FlagSpec]:
    """Rule 45(2): confinement must not aggravate a disability or a mental-health condition;
    whether it would is for health care to judge, so it is flagged to them and the director."""
    prisoner = charge.prisoner
    facts = {"disability": bool(prisoner.disability),
             "mental_health_condition": prisoner.mental_health_condition}
    if not any(facts.values()):
        return []
    return [FlagSpec(code="confinement_vulnerable", rule="Mandela Rule 45(2)",
                     facility_id=charge.facility_id, subject_type=SUBJECT,
                     subject_id=charge.pk, raised_on=timezone.localdate(),
                     prisoner_id=prisoner.pk, for_whom=(DIRECTOR, HEALTH, MONITOR),
                     evidence={**facts, "sanction": sanction.pk, "days": sanction.days,
                               "starts_on": sanction.starts_on.isoformat()},
                     once_per="subject")]


def sanction_impose(*, acting_user, charge: DisciplinaryCharge, kind: str, days: int | None,
                    starts_on: date, details: str = "") -> Sanction:
    """A director imposes a lawful, proportionate sanction on a charge found proved."""
    _may(acting_user, ADJUDICATE, charge)
    check_choice(kind, SanctionKind, "kind")
    if kind in WITH_DAYS:
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = 0
        if days < 1:
            raise InvalidInput(_("Say for how many days."), field="days")
    elif kind not in PROHIBITED:
        days = None
    if not isinstance(starts_on, date):
        raise InvalidInput(_("Give the day it starts."), field="starts_on")
    with transaction.atomic():
        charge = _locked(charge, None)
        if charge.status != ChargeStatus.PROVED:
            raise InvalidTransition(_("A sanction is imposed only on a charge found proved, "
                                      "before any appeal."), details={"status": charge.status})
        if starts_on < timezone.localdate(charge.decided_at):
            raise InvalidInput(_("A sanction cannot start before the decision."),
                               field="starts_on")
        _prohibited(kind, days, charge.prisoner, starts_on)
        if kind == K.CONFINEMENT_TO_CELL:
            run = _confinement_run(charge.prisoner, starts_on, days)
            if run > CONFINEMENT_LIMIT_DAYS:
                raise RuleViolation(
                    _("%(rule)s: with his other confinements this makes %(run)s consecutive "
                      "days, more than %(limit)s.") % {"rule": cite(PROLONGED_RULE), "run": run,
                                                      "limit": CONFINEMENT_LIMIT_DAYS},
                    rule=PROLONGED_RULE, field="days")
        sanction = Sanction(charge=charge, kind=kind, days=days, starts_on=starts_on,
                            details=(details or "").strip())
        sanction.stamp(acting_user)
        sanction.save()
        if kind == K.CONFINEMENT_TO_CELL:
            raise_flags(_vulnerable(charge, sanction))
        trail.record(acting_user, "oversight.sanction_impose", sanction,
                     changes={"charge": charge.pk, "kind": kind, "days": days,
                              "starts_on": starts_on.isoformat()})
    return sanction


# --- the appeal -------------------------------------------------------------------------------

def appeal_lodge(*, acting_user, charge: DisciplinaryCharge, version: int, grounds: str,
                 authority: str, lodged_at: datetime | None = None) -> Appeal:
    """Rule 41(4): the prisoner asks an independent authority to review the decision."""
    _may(acting_user, DISCIPLINE, charge)
    grounds = _text(grounds, "grounds", _("Give the grounds of the appeal."))
    authority = _text(authority, "authority", _("Name the authority that reviews it."))
    with transaction.atomic():
        charge = _locked(charge, version)
        _step(charge, ChargeStatus.APPEALED,
              _("An appeal is lodged against a charge found proved, once."))
        # Forms give minutes: an appeal lodged in the minute of the decision follows it.
        lodged_at = _moment(lodged_at or timezone.now(), "lodged_at",
                            not_before=charge.decided_at.replace(second=0, microsecond=0),
                            before_message=_("An appeal follows the decision."))
        appeal = Appeal(charge=charge, lodged_at=lodged_at, grounds=grounds,
                        authority=authority)
        appeal.stamp(acting_user)
        appeal.save()
        _save(charge, acting_user, ChargeStatus.APPEALED)
        trail.record(acting_user, "oversight.appeal_lodge", charge,
                     changes={"authority": authority, "lodged_at": lodged_at.isoformat()},
                     reason=grounds)
    return appeal


def appeal_decide(*, acting_user, charge: DisciplinaryCharge, version: int, outcome: str,
                  reasons: str, variations: Mapping[int, int] | None = None) -> Appeal:
    """The reviewing authority's decision: upheld, varied (fewer days for the sanctions
    named in `variations`, sanction id → days) or quashed (every sanction void)."""
    _may(acting_user, ADJUDICATE, charge)
    check_choice(outcome, AppealOutcome, "outcome")
    if outcome == AppealOutcome.PENDING:
        raise InvalidInput(_("Give the authority's decision."), field="outcome")
    reasons = _text(reasons, "reasons", _("Give the authority's reasons."))
    variations = dict(variations or {})
    if outcome == AppealOutcome.VARIED and not variations:
        raise InvalidInput(_("Say which sanction was varied, and to how many days."),
                           field="sanction")
    if outcome != AppealOutcome.VARIED and variations:
        raise InvalidInput(_("Only a varied decision changes a sanction."), field="sanction")
    with transaction.atomic():
        charge = _locked(charge, version)
        _step(charge, ChargeStatus.CLOSED, _("There is no appeal pending on this charge."))
        appeal = Appeal.objects.select_for_update().get(charge=charge)
        sanctions = {s.pk: s for s in Sanction.objects.filter(charge=charge)}
        varied = {}
        for pk, days in variations.items():
            sanction = sanctions.get(int(pk))
            if sanction is None or sanction.days is None:
                raise InvalidInput(_("No sanction of this charge with days has this number."),
                                   field="sanction")
            if days is None or not 1 <= int(days) < sanction.days:
                raise InvalidInput(_("A varied sanction is shorter than the one imposed "
                                     "(%(days)s days), and at least one day.")
                                   % {"days": sanction.days}, field="days")
            varied[sanction.pk] = (sanction.days, int(days))
            sanction.days = int(days)
            sanction.version += 1
            sanction.stamp(acting_user)
            sanction.save()
        appeal.outcome, appeal.reasons, appeal.decided_at = outcome, reasons, timezone.now()
        appeal.version += 1
        appeal.stamp(acting_user)
        appeal.save()
        _save(charge, acting_user, ChargeStatus.CLOSED)
        trail.record(acting_user, "oversight.appeal_decide", charge,
                     changes={"outcome": outcome,
                              "varied": {str(k): list(v) for k, v in varied.items()},
                              "void": sorted(sanctions) if outcome == AppealOutcome.QUASHED
                              else []},
                     reason=reasons)
    return appeal


# --- the nightly check ------------------------------------------------------------------------

def notice_hours() -> float:
    """Rule 41(2), "without delay": a charge not notified this long after it was recorded is
    flagged."""
    return float(getattr(settings, "CUSTOS_DISCIPLINE_NOTICE_HOURS", 24))


def hearing_days() -> int:
    """Rule 41(1), "without undue delay": a notified charge not heard this long is flagged."""
    return int(getattr(settings, "CUSTOS_DISCIPLINE_HEARING_DAYS", 14))


def nightly(on: date) -> int:
    """Flag charges left waiting on `on`: not notified within `notice_hours()` of being
    recorded (Rule 41(2)), not heard within `hearing_days()` of the notice (Rule 41(1)).
    Each charge is flagged once for each delay. Returns how many flags are new."""
    end_of_day = timezone.make_aware(datetime.combine(on + timedelta(days=1), datetime.min.time()))
    not_told = DisciplinaryCharge.objects.filter(
        status=ChargeStatus.CHARGED,
        created_at__lt=end_of_day - timedelta(hours=notice_hours()),
    ).values_list("pk", "facility_id", "prisoner_id", "created_at")
    not_heard = DisciplinaryCharge.objects.filter(
        status=ChargeStatus.NOTIFIED,
        notified_at__lt=end_of_day - timedelta(days=hearing_days()),
    ).values_list("pk", "facility_id", "prisoner_id", "notified_at")
    specs = [FlagSpec(code="charge_not_notified", rule="Mandela Rule 41(2)",
                      facility_id=facility, subject_type=SUBJECT, subject_id=pk,
                      prisoner_id=prisoner, raised_on=on, once_per="subject",
                      severity=FlagSeverity.BREACH,
                      evidence={"charged_at": at.isoformat(), "hours": notice_hours()})
             for pk, facility, prisoner, at in not_told]
    specs += [FlagSpec(code="charge_not_heard", rule="Mandela Rule 41(1)",
                       facility_id=facility, subject_type=SUBJECT, subject_id=pk,
                       prisoner_id=prisoner, raised_on=on, once_per="subject",
                       evidence={"notified_at": at.isoformat(), "days": hearing_days()})
              for pk, facility, prisoner, at in not_heard]
    return raise_flags(specs)
