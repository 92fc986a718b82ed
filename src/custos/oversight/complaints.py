"""Requests and complaints (Mandela Rules 54, 56, 57): filed through staff, an independent
monitor or a civil-society partner, confidential where the prisoner asks, answered by a set
day and escalated each further period they wait.

Configuration: `CUSTOS_COMPLAINT_ANSWER_DAYS = {"complaint": 15, "request": 7}`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, PositiveSmallIntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from custos.access import policy
from custos.access.roles import Role
from custos.audit import trail
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition, check_choice
from custos.custody.models import Prisoner

from . import retaliation, scoping
from .flags import DIRECTOR, MONITOR, FlagSpec, raise_flags
from .models import (
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Confidentiality,
    FlagSeverity,
    MonitoringBody,
)

COMPLAIN, ANSWER, MONITORS = "oversight.complain", "oversight.answer", "oversight.monitor"
RULE_ANSWER = "Mandela Rule 57(1)"
DEFAULT_ANSWER_DAYS = {"complaint": 15, "request": 7}
STAFF_ROLES = frozenset({Role.DIRECTOR, Role.SECURITY, Role.CASE_MANAGER})
WAITING = (ComplaintStatus.OPEN, ComplaintStatus.ESCALATED)
SUBJECT = "complaint"


def answer_days(is_request: bool) -> int:
    configured = getattr(settings, "CUSTOS_COMPLAINT_ANSWER_DAYS", None) or {}
    return {**DEFAULT_ANSWER_DAYS, **configured}["request" if is_request else "complaint"]


def prisoners_reachable(user) -> QuerySet[Prisoner]:
    """Prisoners the user may file for: his facilities (a monitor's mandate, a case
    manager's caseload). Partners have no access to files: they only name a number."""
    return scoping.visible(user, COMPLAIN, Prisoner.objects.all(), prisoner_field="pk")


def channel_for(user, facility_id: int) -> str:
    """The channel follows the filer's role: staff first, then a monitor, then a partner."""
    roles = {g.role for g in policy.grants(user)
             if g.facility_id in (None, facility_id) and g.role in policy.PERMISSIONS[COMPLAIN]}
    if roles & STAFF_ROLES:
        return ComplaintChannel.STAFF
    return ComplaintChannel.MONITOR if Role.MONITOR in roles else ComplaintChannel.PARTNER


def _body(user, channel: str, body, facility_id: int) -> MonitoringBody:
    if channel == ComplaintChannel.MONITOR:
        body = scoping.body_of(user)  # a monitor files to his own body
    elif body is not None and not isinstance(body, MonitoringBody):
        body = MonitoringBody.objects.filter(pk=body).first()
    if body is None:
        raise InvalidInput(_("Name the independent body the complaint is confidential to."),
                           field="body")
    if not body.active or not body.facilities.filter(pk=facility_id).exists():
        raise InvalidInput(_("This body is not active or its mandate does not cover the "
                             "prisoner's facility."), field="body")
    return body


def complaint_file(*, acting_user, prison_number: str, subject: str, text: str,
                   is_request: bool = False, confidentiality: str = Confidentiality.NONE,
                   body: MonitoringBody | int | None = None,
                   received_at: datetime | None = None) -> Complaint:
    """File a request or a complaint for the prisoner with this number, in the filer's
    reach. An unknown number and one outside the reach get the same answer."""
    policy.require(acting_user, COMPLAIN)
    number = (prison_number or "").strip()
    prisoner = prisoners_reachable(acting_user).filter(prison_number__iexact=number).first() \
        if number else None
    if prisoner is None:
        raise InvalidInput(_("No prisoner in your facilities has this prison number."),
                           field="prison_number")
    policy.require(acting_user, COMPLAIN, facility_id=prisoner.facility_id,
                   prisoner_id=prisoner.pk, target=prisoner.prison_number)
    subject = (subject or "").strip()
    if not subject:
        raise InvalidInput(_("Give the complaint a subject."), field="subject")
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write down the complaint in the prisoner's words."),
                           field="text")
    check_choice(confidentiality, Confidentiality, "confidentiality")
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("This moment is in the future."), field="received_at")
    channel = channel_for(acting_user, prisoner.facility_id)
    if confidentiality == Confidentiality.BODY:
        body = _body(acting_user, channel, body, prisoner.facility_id)
    else:
        body = None
    due = timezone.localtime(received_at).date() + timedelta(days=answer_days(is_request))
    with transaction.atomic():
        complaint = Complaint(prisoner=prisoner, facility_id=prisoner.facility_id,
                              is_request=bool(is_request), channel=channel, subject=subject,
                              text=text, confidentiality=confidentiality, body=body,
                              received_at=received_at, answer_due_on=due)
        complaint.stamp(acting_user)
        complaint.save()
        trail.record(acting_user, "oversight.complaint_filed", complaint,
                     changes={"channel": channel, "confidentiality": confidentiality,
                              "request": bool(is_request), "answer_due_on": due.isoformat()})
    return complaint


def may_answer(user, complaint: Complaint) -> bool:
    """The director answers; for a complaint confidential to a body, that body's monitor
    records the outcome (the prison does not see it)."""
    if complaint.confidentiality == Confidentiality.BODY:
        body = scoping.body_of(user)
        return (policy.can(user, MONITORS, facility_id=complaint.facility_id)
                and body is not None and body.pk == complaint.body_id)
    return policy.can(user, ANSWER, facility_id=complaint.facility_id)


def complaint_answer(*, acting_user, complaint: Complaint, answer: str, upheld: bool | None,
                     version: int | None = None) -> Complaint:
    if not may_answer(acting_user, complaint):
        raise policy.AccessDenied(_("You do not answer this complaint."),
                                  permission=ANSWER, target=f"complaint {complaint.pk}")
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput(_("Write the answer."), field="answer")
    if upheld is None:
        raise InvalidInput(_("Say whether the complaint is upheld."), field="upheld")
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if version is not None and int(version) != complaint.version:
            raise ConcurrentEdit(_("Someone changed this complaint after you opened it: "
                                   "reload it."))
        if complaint.status not in WAITING:
            raise InvalidTransition(_("This complaint was already answered or withdrawn."))
        complaint.status, complaint.answer, complaint.upheld = (ComplaintStatus.ANSWERED,
                                                                answer, bool(upheld))
        complaint.answered_at, complaint.answered_by = timezone.now(), acting_user
        complaint.version += 1
        complaint.stamp(acting_user)
        complaint.save()
        trail.record(acting_user, "oversight.complaint_answered", complaint,
                     changes={"upheld": bool(upheld),
                              "late": timezone.localdate() > complaint.answer_due_on})
    return complaint


def escalation_level(due: date, on: date, period_days: int) -> int:
    """1 the day after the answer was due, one more each further period it waits."""
    if on <= due:
        return 0
    return ((on - due).days - 1) // period_days + 1


def nightly(on: date) -> int:
    """Escalate the complaints waiting past their day (again each further period), flag them,
    and run the retaliation check. Returns how many flags are new."""
    rows = list(Complaint.objects.filter(status__in=WAITING, answer_due_on__lt=on).values_list(
        "pk", "is_request", "answer_due_on", "escalation_level", "facility_id", "prisoner_id",
        "confidentiality"))
    now, specs, raised = timezone.now(), [], []
    for pk, is_request, due, level, facility_id, prisoner_id, confidentiality in rows:
        period = answer_days(is_request)
        target = escalation_level(due, on, period)
        if target > level:
            raised.append((pk, target))
        # Flagged once per escalation: keyed on the day that level began.
        began = due + timedelta(days=(target - 1) * period + 1)
        body_only = confidentiality == Confidentiality.BODY
        specs.append(FlagSpec(
            code="complaint_overdue", rule=RULE_ANSWER, facility_id=facility_id,
            subject_type=SUBJECT, subject_id=pk, raised_on=began,
            prisoner_id=None if body_only else prisoner_id, severity=FlagSeverity.BREACH,
            for_whom=(MONITOR,) if body_only else (DIRECTOR, MONITOR),
            evidence={"answer_due_on": due.isoformat(), "escalation": target,
                      **({} if body_only else {"complaint": pk})}))
    with transaction.atomic():
        _escalate(raised, now, on)
        flagged = raise_flags(specs)
    return flagged + retaliation.check(on)


def _escalate(raised: list[tuple[int, int]], now: datetime, on: date) -> None:
    """Raise each complaint to its level in one statement, and audit it, only where it is
    still below that level (a second run of the night changes nothing)."""
    if not raised:
        return
    by_level: dict[int, list[int]] = {}
    for pk, level in raised:
        by_level.setdefault(level, []).append(pk)
    level_of = Case(*[When(pk__in=pks, then=Value(level)) for level, pks in by_level.items()],
                    output_field=PositiveSmallIntegerField())
    chosen = Complaint.objects.annotate(target=level_of).filter(
        pk__in=[pk for pk, _level in raised], escalation_level__lt=F("target"))
    trail.record_many(None, "oversight.complaint_escalated", list(chosen),
                      changes={"escalated_on": on.isoformat()})
    Complaint.objects.filter(pk__in=chosen.values("pk")).update(
        status=ComplaintStatus.ESCALATED, escalation_level=level_of, escalated_at=now)


def evidence_in_words(flag) -> str | None:
    """A flag of this area (overdue answers, possible retaliation) as a sentence; None for
    another area's flag. A complaint confidential to a body is never named."""
    e = flag.evidence or {}
    if flag.code == "complaint_overdue":
        level = int(e.get("escalation") or 0)
        return ngettext("The answer was due on %(due)s; escalated %(level)s time.",
                        "The answer was due on %(due)s; escalated %(level)s times.",
                        level) % {"due": e.get("answer_due_on"), "level": level}
    if flag.code == retaliation.CODE:
        return retaliation.in_words(e)
    return None
