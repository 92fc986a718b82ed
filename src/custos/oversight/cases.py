"""Deaths, disappearances, serious injuries and allegations of torture or ill-treatment in
custody (Mandela Rules 69–72): opened by staff, reported without delay to an authority
independent of the prison administration, next of kin informed, evidence preserved, and
closed only when both are done. Staff implicated are recorded and kept off the case.

Deadlines are configuration: `CUSTOS_CASE_DEADLINE_HOURS = {"authority": 24,
"next_of_kin": 24}`, counted from the moment the prison learned of the events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.accounts.models import User
from custos.audit import trail
from custos.core.errors import (
    ConcurrentEdit,
    InvalidInput,
    InvalidTransition,
    RuleViolation,
    check_choice,
)
from custos.custody.models import Prisoner

from .flags import DIRECTOR, MONITOR, FlagSpec, raise_flags
from .models import CaseKind, CaseStatus, CustodyCase, FlagSeverity, ImplicatedStaff

OPEN, AUTHORISE = "oversight.cases", "oversight.authorise"
RULE_AUTHORITY = "Mandela Rule 71(1)"
RULE_NEXT_OF_KIN = "Mandela Rule 69"
DEFAULT_DEADLINE_HOURS = {"authority": 24, "next_of_kin": 24}
# Rule 69: the next of kin are informed of a death, a disappearance or a serious injury.
NEXT_OF_KIN_KINDS = frozenset({CaseKind.DEATH, CaseKind.DISAPPEARANCE,
                               CaseKind.SERIOUS_INJURY})
SUBJECT = "case"


def deadline_hours() -> dict[str, int]:
    configured = getattr(settings, "CUSTOS_CASE_DEADLINE_HOURS", None) or {}
    return {**DEFAULT_DEADLINE_HOURS, **configured}


def needs_next_of_kin(kind: str) -> bool:
    return kind in NEXT_OF_KIN_KINDS


def authority_due(case: CustodyCase) -> datetime:
    return case.learned_at + timedelta(hours=deadline_hours()["authority"])


def next_of_kin_due(case: CustodyCase) -> datetime | None:
    if not needs_next_of_kin(case.kind):
        return None
    return case.learned_at + timedelta(hours=deadline_hours()["next_of_kin"])


def lateness(case: CustodyCase, now: datetime) -> dict[str, timedelta]:
    """How late each notification still outstanding at `now` is ({} when none is)."""
    late = {}
    if case.authority_reported_at is None and now > authority_due(case):
        late["authority"] = now - authority_due(case)
    due = next_of_kin_due(case)
    if due is not None and case.next_of_kin_notified_at is None and now > due:
        late["next_of_kin"] = now - due
    return late


def implicated_ids(case: CustodyCase) -> set[int]:
    return set(case.implicated.exclude(user=None).values_list("user_id", flat=True))


def _require(user, permission: str, case: CustodyCase) -> None:
    """The permission in the case's facility, and never for a member of staff implicated."""
    policy.require(user, permission, facility_id=case.facility_id,
                   prisoner_id=case.prisoner_id, target=f"case {case.pk}")
    if user.pk in implicated_ids(case):
        raise policy.AccessDenied(_("Staff implicated in a case are kept off it."),
                                  permission=permission, target=f"case {case.pk}")


def _locked(case: CustodyCase, version: int | None) -> CustodyCase:
    locked = CustodyCase.objects.select_for_update().get(pk=case.pk)
    if version is not None and int(version) != locked.version:
        raise ConcurrentEdit(_("Someone changed this case after you opened it: reload it."))
    if locked.status == CaseStatus.CLOSED:
        raise InvalidTransition(_("This case is closed."))
    return locked


def _saved(case: CustodyCase, user, fields: list[str]) -> CustodyCase:
    case.version += 1
    case.stamp(user)
    case.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
    return case


def _not_in_future(moment: datetime | None, field: str) -> datetime:
    if moment is None:
        raise InvalidInput(_("Give the date and time."), field=field)
    if moment > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("This moment is in the future."), field=field)
    return moment


def _text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def case_open(*, acting_user, prisoner: Prisoner, kind: str, occurred_at: datetime,
              learned_at: datetime, account: str,
              implicated_users: Iterable[User] = (),
              implicated_names: Iterable[str] = ()) -> CustodyCase:
    """Open a case; the staff named as implicated are recorded and kept off it from now."""
    policy.require(acting_user, OPEN, facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=prisoner.prison_number)
    check_choice(kind, CaseKind, "kind")
    occurred_at = _not_in_future(occurred_at, "occurred_at")
    learned_at = _not_in_future(learned_at, "learned_at")
    if learned_at < occurred_at:
        raise InvalidInput(_("The prison cannot have learned of it before it happened."),
                           field="learned_at")
    account = _text(account, "account", _("Say what is known."))
    users = list(dict.fromkeys(implicated_users))
    names = [n.strip() for n in implicated_names if n and n.strip()]
    with transaction.atomic():
        case = CustodyCase(prisoner=prisoner, facility_id=prisoner.facility_id, kind=kind,
                           occurred_at=occurred_at, learned_at=learned_at, account=account)
        case.stamp(acting_user)
        case.save()
        staff = [ImplicatedStaff(case=case, user=u, name=str(u))
                 for u in users] + [ImplicatedStaff(case=case, name=n) for n in names]
        for person in staff:
            person.stamp(acting_user)
        ImplicatedStaff.objects.bulk_create(staff)
        trail.record(acting_user, "oversight.case_opened", case,
                     changes={"kind": kind, "learned_at": learned_at.isoformat(),
                              "implicated": len(staff)})
    return case


def case_report_to_authority(*, acting_user, case: CustodyCase, authority: str,
                             independent: bool, reference: str = "",
                             reported_at: datetime | None = None,
                             version: int | None = None) -> CustodyCase:
    """Rule 71(1): the report to a judicial or other competent authority independent of the
    prison administration, with its reference and when it was made."""
    _require(acting_user, OPEN, case)
    authority = _text(authority, "authority", _("Name the authority the case was reported to."))
    if not independent:
        raise RuleViolation(
            _("Mandela Rule 71(1): the case is reported to an authority independent of the "
              "prison administration."), rule=RULE_AUTHORITY, field="independent")
    reported_at = _not_in_future(reported_at or timezone.now(), "reported_at")
    with transaction.atomic():
        case = _locked(case, version)
        if case.authority_reported_at is not None:
            raise InvalidTransition(_("This case was already reported to the authority."))
        if reported_at < case.occurred_at:
            raise InvalidInput(_("The report cannot come before the events."),
                               field="reported_at")
        case.authority, case.authority_reference = authority, (reference or "").strip()
        case.authority_reported_at, case.status = reported_at, CaseStatus.REFERRED
        _saved(case, acting_user, ["authority", "authority_reference", "authority_reported_at",
                                   "status"])
        trail.record(acting_user, "oversight.case_reported", case,
                     changes={"authority": authority, "reference": case.authority_reference,
                              "reported_at": reported_at.isoformat(),
                              "late": reported_at > authority_due(case)})
    return case


def case_notify_next_of_kin(*, acting_user, case: CustodyCase, next_of_kin: str,
                            notified_at: datetime | None = None,
                            version: int | None = None) -> CustodyCase:
    """Rule 69: the next of kin informed of a death, a disappearance or a serious injury."""
    _require(acting_user, OPEN, case)
    if not needs_next_of_kin(case.kind):
        raise RuleViolation(
            _("Mandela Rule 69 concerns deaths, disappearances and serious injuries; for an "
              "allegation the prisoner decides whom to inform (Rule 68)."),
            rule=RULE_NEXT_OF_KIN)
    next_of_kin = _text(next_of_kin, "next_of_kin", _("Say who was informed."))
    notified_at = _not_in_future(notified_at or timezone.now(), "notified_at")
    with transaction.atomic():
        case = _locked(case, version)
        if case.next_of_kin_notified_at is not None:
            raise InvalidTransition(_("The next of kin were already informed."))
        if notified_at < case.occurred_at:
            raise InvalidInput(_("They cannot have been informed before the events."),
                               field="notified_at")
        case.next_of_kin, case.next_of_kin_notified_at = next_of_kin, notified_at
        _saved(case, acting_user, ["next_of_kin", "next_of_kin_notified_at"])
        trail.record(acting_user, "oversight.case_next_of_kin", case,
                     changes={"notified_at": notified_at.isoformat(),
                              "late": notified_at > next_of_kin_due(case)})
    return case


def case_record_evidence(*, acting_user, case: CustodyCase, evidence: str,
                         version: int | None = None) -> CustodyCase:
    """Rule 71(3): what was done to preserve the evidence, added to what is on record."""
    _require(acting_user, OPEN, case)
    evidence = _text(evidence, "evidence", _("Say what evidence was preserved and how."))
    with transaction.atomic():
        case = _locked(case, version)
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        line = f"[{stamp}, {acting_user.get_username()}] {evidence}"
        case.evidence_preserved = "\n\n".join(filter(None, [case.evidence_preserved, line]))
        _saved(case, acting_user, ["evidence_preserved"])
        trail.record(acting_user, "oversight.case_evidence", case,
                     changes={"evidence": evidence})
    return case


def case_close(*, acting_user, case: CustodyCase, reasons: str,
               version: int | None = None) -> CustodyCase:
    """A director closes a case, once reported to the authority and, for a death, a
    disappearance or a serious injury, once the next of kin were informed."""
    _require(acting_user, AUTHORISE, case)
    reasons = _text(reasons, "reasons", _("Give the reasons for closing the case."))
    with transaction.atomic():
        case = _locked(case, version)
        if case.authority_reported_at is None:
            raise RuleViolation(
                _("Mandela Rule 71(1): the case must be reported to the independent authority "
                  "before it is closed."), rule=RULE_AUTHORITY)
        if needs_next_of_kin(case.kind) and case.next_of_kin_notified_at is None:
            raise RuleViolation(
                _("Mandela Rule 69: the next of kin must be informed before the case is "
                  "closed."), rule=RULE_NEXT_OF_KIN)
        case.status, case.closed_at, case.closing_reasons = (CaseStatus.CLOSED, timezone.now(),
                                                             reasons)
        _saved(case, acting_user, ["status", "closed_at", "closing_reasons"])
        trail.record(acting_user, "oversight.case_closed", case, reason=reasons)
    return case


def as_at(on: date) -> datetime:
    """The moment the nightly check of day `on` looks from: the end of that day, or now."""
    end = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))
    return min(end, timezone.now())


def nightly(on: date) -> int:
    """Flag the notifications overdue on day `on` (one flag per case and notification, for
    the director and the independent monitor). Returns how many flags are new."""
    moment = as_at(on)
    hours = deadline_hours()
    open_cases = CustodyCase.objects.exclude(status=CaseStatus.CLOSED)
    authority = open_cases.filter(
        authority_reported_at__isnull=True,
        learned_at__lt=moment - timedelta(hours=hours["authority"]))
    kin = open_cases.filter(
        kind__in=sorted(NEXT_OF_KIN_KINDS), next_of_kin_notified_at__isnull=True,
        learned_at__lt=moment - timedelta(hours=hours["next_of_kin"]))
    fields = ("pk", "facility_id", "prisoner_id", "kind", "learned_at")
    specs = [_overdue(row, "case_authority_overdue", RULE_AUTHORITY, hours["authority"], on)
             for row in authority.values_list(*fields).iterator()]
    specs += [_overdue(row, "case_next_of_kin_overdue", RULE_NEXT_OF_KIN, hours["next_of_kin"],
                       on) for row in kin.values_list(*fields).iterator()]
    return raise_flags(specs)


def _overdue(row, code: str, rule: str, hours: int, on: date) -> FlagSpec:
    pk, facility_id, prisoner_id, kind, learned_at = row
    return FlagSpec(code=code, rule=rule, facility_id=facility_id, subject_type=SUBJECT,
                    subject_id=pk, raised_on=on, prisoner_id=prisoner_id,
                    severity=FlagSeverity.BREACH, for_whom=(DIRECTOR, MONITOR),
                    once_per="subject",
                    evidence={"case": pk, "kind": kind, "learned_at": learned_at.isoformat(),
                              "due_at": (learned_at + timedelta(hours=hours)).isoformat()})


def evidence_in_words(flag) -> str | None:
    """A flag of this area as a sentence a reader can check against the case; None for
    another area's flag."""
    e = flag.evidence or {}
    if flag.code == "case_authority_overdue":
        return _("Case #%(case)s was to be reported to the independent authority by "
                 "%(due)s and has not been.") % {"case": e.get("case"), "due": e.get("due_at")}
    if flag.code == "case_next_of_kin_overdue":
        return _("The next of kin in case #%(case)s were to be informed by %(due)s and have "
                 "not been.") % {"case": e.get("case"), "due": e.get("due_at")}
    return None
