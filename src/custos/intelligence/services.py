"""Every write of prison intelligence: one function, one transaction, checked and audited.

Reports are restricted to a compartment in the transaction that creates them, never opened
and restricted afterwards; a compartment the user is not a member of is answered as if it did
not exist. Source identities are encrypted before they reach the database and decrypted only
for the source handler, each reading audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.access.models import Compartment, CompartmentMember
from custos.audit import trail
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition, check_choice
from custos.custody.models import Facility, Prisoner

from . import crypto, grading
from .models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    Audience,
    Dissemination,
    Flag,
    IntelligenceReport,
    OutsidePerson,
    Party,
    ReportKind,
    ReportStatus,
    Source,
)

ANALYSE, OBSERVE, SOURCES = "intelligence.analyse", "intelligence.observe", "intelligence.sources"
DISSEMINATED = "intelligence.disseminated"
MIN_REASON = 10


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": label}, field=field)
    return value


def _when(value, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(_("Give a date and time."), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + timedelta(minutes=5):
        raise InvalidInput(_("This date and time is in the future."), field=field)
    return value


def _compartment_of(user, compartment_id) -> Compartment | None:
    """The compartment a report is to be restricted to: one the user belongs to, or none.

    Any other id (a compartment the user is not in, or none at all) gets the same answer,
    so nobody learns that a compartment exists by guessing its number."""
    if compartment_id in (None, ""):
        return None
    try:
        wanted = int(getattr(compartment_id, "pk", compartment_id))
    except (TypeError, ValueError):
        wanted = -1
    if wanted not in policy.compartments(user):
        raise InvalidInput(_("No such compartment."), field="compartment")
    return Compartment.objects.get(pk=wanted)


def _prisoners_in_scope(user, prisoners: Iterable, facility: Facility) -> list[Prisoner]:
    ids = sorted({int(getattr(p, "pk", p)) for p in prisoners or ()})
    if not ids:
        return []
    visible = list(policy.scope(user, "custody.view", Prisoner.objects.filter(pk__in=ids),
                                prisoner_field="pk"))
    if len(visible) != len(ids):
        raise InvalidInput(_("One of the prisoners named is not known to you."),
                           field="prisoners")
    return visible


def _people(people: Iterable) -> list[OutsidePerson]:
    ids = sorted({int(getattr(p, "pk", p)) for p in people or ()})
    found = list(OutsidePerson.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise InvalidInput(_("One of the people named is not on record."), field="people")
    return found


def _source_of(user, source_id) -> Source | None:
    if source_id in (None, ""):
        return None
    try:
        return Source.objects.get(pk=int(getattr(source_id, "pk", source_id)), active=True)
    except (Source.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(_("No such active source."), field="source") from None


def _grade(report: IntelligenceReport, user, values: dict) -> None:
    scheme = grading.current()
    grading.check(scheme, source_evaluation=values.get("source_evaluation", ""),
                  intelligence_assessment=values.get("intelligence_assessment", ""),
                  handling_code=values.get("handling_code", ""),
                  handling_conditions=values.get("handling_conditions", ""))
    report.scheme = scheme.code
    report.source_evaluation = values["source_evaluation"]
    report.intelligence_assessment = values["intelligence_assessment"]
    report.handling_code = values["handling_code"]
    report.handling_conditions = (values.get("handling_conditions") or "").strip()
    report.status = ReportStatus.GRADED
    report.graded_by = user
    report.graded_at = timezone.now()


def _number(report: IntelligenceReport) -> None:
    report.reference = f"IR-{report.occurred_at:%Y}-{report.pk:06d}"
    report.save(update_fields=["reference"])


def _snapshot(report: IntelligenceReport) -> dict:
    return {
        "kind": report.kind, "status": report.status, "facility": report.facility.code,
        "compartment": report.compartment_id, "occurred_at": report.occurred_at.isoformat(),
        "summary": report.summary, "source": report.source_id,
        "grading": [report.scheme, report.source_evaluation, report.intelligence_assessment,
                    report.handling_code],
        "prisoners": sorted(p.pk for p in report.prisoners.all()),
        "people": sorted(p.pk for p in report.people.all()),
    }


@transaction.atomic
def report_create(*, acting_user, facility: Facility, occurred_at, summary: str, text: str,
                  place: str = "", prisoners=(), people=(), source=None,
                  source_description: str = "", compartment=None,
                  kind: str = ReportKind.REPORT, grades: dict | None = None
                  ) -> IntelligenceReport:
    """A graded report by an analyst (or information received back from police, logged by
    an analyst as kind "received"). Restricted to `compartment` from its first instant."""
    policy.require(acting_user, ANALYSE, facility_id=facility.pk, target="intelligence.report")
    check_choice(kind, ReportKind, "kind")
    if kind == ReportKind.OBSERVATION:
        raise InvalidInput(_("Observations are filed from the wing form."), field="kind")
    report = IntelligenceReport(
        reference=f"new-{timezone.now().timestamp()}-{acting_user.pk}",
        kind=kind, status=ReportStatus.SUBMITTED, facility=facility,
        compartment=_compartment_of(acting_user, compartment),
        occurred_at=_when(occurred_at, "occurred_at"), place=(place or "").strip(),
        summary=_required(summary, "summary", _("A summary")),
        text=_required(text, "text", _("What was observed or learned")),
        source=_source_of(acting_user, source),
        source_description=(source_description or "").strip())
    _grade(report, acting_user, grades or {})
    report.stamp(acting_user)
    named_prisoners = _prisoners_in_scope(acting_user, prisoners, facility)
    named_people = _people(people)
    report.save()
    _number(report)
    report.prisoners.set(named_prisoners)
    report.people.set(named_people)
    trail.record(acting_user, "intelligence.report_create", report, changes=_snapshot(report))
    return report


@transaction.atomic
def observation_create(*, acting_user, facility: Facility, occurred_at, summary: str, text: str,
                       place: str = "", prisoners=()) -> IntelligenceReport:
    """What wing staff saw or heard, filed quickly; it reaches the analysts ungraded. The
    officer does not read reports and sees only his own observations afterwards."""
    policy.require(acting_user, OBSERVE, facility_id=facility.pk,
                   target="intelligence.observation")
    report = IntelligenceReport(
        reference=f"new-{timezone.now().timestamp()}-{acting_user.pk}",
        kind=ReportKind.OBSERVATION, status=ReportStatus.SUBMITTED, facility=facility,
        occurred_at=_when(occurred_at, "occurred_at"), place=(place or "").strip(),
        summary=_required(summary, "summary", _("A summary")),
        text=_required(text, "text", _("What was observed")),
        source_description=_("Wing staff: %(name)s") % {
            "name": acting_user.get_full_name() or acting_user.get_username()})
    named = _prisoners_in_scope(acting_user, prisoners, facility)
    report.stamp(acting_user)
    report.save()
    _number(report)
    report.prisoners.set(named)
    trail.record(acting_user, "intelligence.observation_create", report,
                 changes=_snapshot(report))
    return report


@transaction.atomic
def report_grade(*, acting_user, report: IntelligenceReport, version: int,
                 grades: dict) -> IntelligenceReport:
    """Grade (or regrade) a report; `version` is the one the analyst read."""
    report = IntelligenceReport.objects.select_for_update().get(pk=report.pk)
    policy.require(acting_user, ANALYSE, facility_id=report.facility_id,
                   target=report.reference)
    if report.compartment_id and report.compartment_id not in policy.compartments(acting_user):
        raise InvalidInput(_("No such report."))
    if int(version) != report.version:
        raise ConcurrentEdit(_("Someone changed this report after you opened it: reload it."))
    before = _snapshot(report)
    _grade(report, acting_user, grades)
    report.version += 1
    report.stamp(acting_user)
    report.save()
    trail.record(acting_user, "intelligence.report_grade", report,
                 changes={"before": before["grading"], "after": _snapshot(report)["grading"]})
    return report


@transaction.atomic
def disseminate(*, acting_user, report: IntelligenceReport, audience: str, recipients: str,
                text: str, handling_conditions: str = "") -> Dissemination:
    """A sanitised version of a graded report for police/prosecutors or the director.

    Refused when the report is ungraded, when its handling code forbids sharing, and when the
    text names the report's source reference (the source never leaves the unit)."""
    report = IntelligenceReport.objects.select_for_update().get(pk=report.pk)
    policy.require(acting_user, ANALYSE, facility_id=report.facility_id,
                   target=report.reference)
    check_choice(audience, Audience, "audience")
    if report.status != ReportStatus.GRADED:
        raise InvalidTransition(_("Grade the report before disseminating it."))
    scheme = grading.scheme_of(report.scheme)
    sharing = scheme.sharing(report.handling_code)
    if sharing == grading.SHARE_NO:
        raise InvalidInput(
            _("Handling code %(code)s (%(label)s) does not allow dissemination.")
            % {"code": report.handling_code,
               "label": scheme.handling_labels()[report.handling_code]},
            field="handling_code")
    text = _required(text, "text", _("The sanitised text"))
    if report.source_id and report.source.reference.casefold() in text.casefold():
        raise InvalidInput(_("The sanitised text names the source: remove it."), field="text")
    conditions = (handling_conditions or report.handling_conditions).strip()
    if sharing == grading.SHARE_CONDITIONS and not conditions:
        raise InvalidInput(_("This handling code requires the conditions of sharing."),
                           field="handling_conditions")
    dissemination = Dissemination(
        report=report, facility=report.facility, audience=audience,
        recipients=_required(recipients, "recipients", _("Recipients")), text=text,
        handling_code=report.handling_code, handling_conditions=conditions)
    dissemination.stamp(acting_user)
    dissemination.save()
    trail.record(acting_user, "intelligence.disseminate", dissemination,
                 changes={"report": report.pk, "audience": audience},
                 recipients=dissemination.recipients)
    return dissemination


@transaction.atomic
def dissemination_reply(*, acting_user, dissemination: Dissemination, text: str,
                        summary: str = "") -> IntelligenceReport:
    """Information police or prosecutors send back: logged as a report for the analysts to
    grade, kept in the compartment of the report it answers."""
    policy.require(acting_user, DISSEMINATED, facility_id=dissemination.facility_id,
                   target=f"dissemination {dissemination.pk}")
    original = dissemination.report
    report = IntelligenceReport(
        reference=f"new-{timezone.now().timestamp()}-{acting_user.pk}",
        kind=ReportKind.RECEIVED, status=ReportStatus.SUBMITTED, facility=dissemination.facility,
        compartment=original.compartment, occurred_at=timezone.now(),
        summary=(summary or "").strip() or _("Reply to a disseminated report"),
        text=_required(text, "text", _("The information")),
        source_description=_("Received from %(name)s") % {
            "name": acting_user.get_full_name() or acting_user.get_username()},
        in_reply_to=dissemination)
    report.stamp(acting_user)
    report.save()
    _number(report)
    trail.record(acting_user, "intelligence.reply", report,
                 changes={"dissemination": dissemination.pk})
    return report


# --------------------------------------------------------------------------- compartments

@transaction.atomic
def compartment_create(*, acting_user, name: str, purpose: str = "") -> Compartment:
    policy.require(acting_user, ANALYSE, target="intelligence.compartment")
    name = _required(name, "name", _("A name"))
    if Compartment.objects.filter(name__iexact=name).exists():
        raise InvalidInput(_("A compartment of this name exists: choose another name."),
                           field="name")
    compartment = Compartment.objects.create(name=name, purpose=(purpose or "").strip(),
                                             created_by=acting_user)
    CompartmentMember.objects.create(compartment=compartment, user=acting_user,
                                     added_by=acting_user)
    policy.forget(acting_user)
    trail.record(acting_user, "intelligence.compartment_create", compartment,
                 changes={"name": name})
    return compartment


def _member_compartment(user, compartment) -> Compartment:
    compartment = _compartment_of(user, compartment)
    if compartment is None:
        raise InvalidInput(_("No such compartment."), field="compartment")
    return compartment


@transaction.atomic
def compartment_member_add(*, acting_user, compartment, user) -> CompartmentMember:
    """A member adds an analyst or source handler (only they may hold intelligence)."""
    policy.require(acting_user, ANALYSE, target="intelligence.compartment")
    compartment = _member_compartment(acting_user, compartment)
    User = get_user_model()
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first() if str(user).isdigit() else \
            User.objects.filter(username=user).first()
    if user is None or not (policy.can(user, ANALYSE) or policy.can(user, SOURCES)):
        raise InvalidInput(_("Only intelligence analysts and source handlers can be members."),
                           field="user")
    if CompartmentMember.objects.filter(compartment=compartment, user=user,
                                        ended_at__isnull=True).exists():
        raise InvalidInput(_("%(user)s is already a member.") % {"user": user}, field="user")
    member = CompartmentMember.objects.create(compartment=compartment, user=user,
                                              added_by=acting_user)
    policy.forget(user)
    trail.record(acting_user, "intelligence.compartment_member_add", compartment,
                 changes={"user": user.get_username()})
    return member


@transaction.atomic
def compartment_member_remove(*, acting_user, compartment, user) -> None:
    policy.require(acting_user, ANALYSE, target="intelligence.compartment")
    compartment = _member_compartment(acting_user, compartment)
    member = CompartmentMember.objects.select_for_update().filter(
        compartment=compartment, user=user, ended_at__isnull=True).first()
    if member is None:
        raise InvalidInput(_("Not a member."), field="user")
    if not compartment.members.filter(ended_at__isnull=True).exclude(pk=member.pk).exists():
        raise InvalidInput(_("A compartment keeps at least one member."), field="user")
    member.ended_at = timezone.now()
    member.save(update_fields=["ended_at"])
    policy.forget(member.user)
    trail.record(acting_user, "intelligence.compartment_member_remove", compartment,
                 changes={"user": member.user.get_username()})


# --------------------------------------------------------------------------- sources

@transaction.atomic
def source_create(*, acting_user, reference: str, identity: str, facility: Facility) -> Source:
    policy.require(acting_user, SOURCES, facility_id=facility.pk, target="intelligence.source")
    reference = _required(reference, "reference", _("A reference")).upper()
    if Source.objects.filter(reference=reference).exists():
        raise InvalidInput(_("This reference is taken."), field="reference")
    source = Source(reference=reference, facility=facility, handler=acting_user,
                    identity_encrypted=crypto.encrypt(_required(identity, "identity",
                                                                _("The identity"))))
    source.stamp(acting_user)
    source.save()
    # the identity itself is never written to the audit trail
    trail.record(acting_user, "intelligence.source_create", source,
                 changes={"reference": reference, "facility": facility.code})
    return source


def source_identity(*, acting_user, source: Source, reason: str = "") -> str:
    """Who the source is: for the source handler alone, and every reading is audited."""
    policy.require(acting_user, SOURCES, facility_id=source.facility_id,
                   target=source.reference)
    trail.record(acting_user, "intelligence.source_read", source, reason=reason)
    return crypto.decrypt(source.identity_encrypted)


@transaction.atomic
def source_deactivate(*, acting_user, source: Source, reason: str) -> Source:
    policy.require(acting_user, SOURCES, facility_id=source.facility_id,
                   target=source.reference)
    source = Source.objects.select_for_update().get(pk=source.pk)
    if not source.active:
        raise InvalidTransition(_("This source is already inactive."))
    source.active = False
    source.stamp(acting_user)
    source.version += 1
    source.save()
    trail.record(acting_user, "intelligence.source_deactivate", source,
                 reason=_required(reason, "reason", _("A reason")))
    return source


# --------------------------------------------------------------------------- parties, flags

def party_of(*, prisoner: Prisoner | None = None, person: OutsidePerson | None = None) -> Party:
    if prisoner is not None:
        return Party.objects.get_or_create(prisoner=prisoner)[0]
    return Party.objects.get_or_create(person=person)[0]


@transaction.atomic
def person_create(*, acting_user, name: str, kind: str = "unknown", notes: str = "",
                  related_prisoner: Prisoner | None = None, date_of_birth=None) -> OutsidePerson:
    policy.require(acting_user, ANALYSE, target="intelligence.person")
    from .models import PersonKind

    check_choice(kind, PersonKind, "kind")
    person = OutsidePerson(name=_required(name, "name", _("A name")), kind=kind,
                           notes=(notes or "").strip(), related_prisoner=related_prisoner,
                           date_of_birth=date_of_birth)
    person.stamp(acting_user)
    person.save()
    Party.objects.create(person=person)
    trail.record(acting_user, "intelligence.person_create", person,
                 changes={"name": person.name, "kind": kind})
    return person


@transaction.atomic
def flag_create(*, acting_user, party: Party, reason: str, compartment=None) -> Flag:
    policy.require(acting_user, ANALYSE, target="intelligence.flag")
    if len((reason or "").strip()) < MIN_REASON:
        raise InvalidInput(_("Say why, in at least %(n)d characters.") % {"n": MIN_REASON},
                           field="reason")
    flag = Flag(party=party, reason=reason.strip(),
                compartment=_compartment_of(acting_user, compartment))
    flag.stamp(acting_user)
    flag.save()
    trail.record(acting_user, "intelligence.flag", flag,
                 changes={"party": party.pk, "compartment": flag.compartment_id})
    return flag


@transaction.atomic
def flag_end(*, acting_user, flag: Flag, reason: str) -> Flag:
    policy.require(acting_user, ANALYSE, target="intelligence.flag")
    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if flag.compartment_id and flag.compartment_id not in policy.compartments(acting_user):
        raise InvalidInput(_("No such flag."))
    if flag.ended_at:
        raise InvalidTransition(_("This flag has ended already."))
    flag.ended_at = timezone.now()
    flag.stamp(acting_user)
    flag.save()
    trail.record(acting_user, "intelligence.flag_end", flag,
                 reason=_required(reason, "reason", _("A reason")))
    return flag


# --------------------------------------------------------------------------- alert rules

@transaction.atomic
def alert_rule_create(*, acting_user, name: str, kind: str, facility: Facility | None = None,
                      compartment=None, influence_at_least: int = 4,
                      vulnerability_at_least: int = 6) -> AlertRule:
    policy.require(acting_user, ANALYSE, facility_id=getattr(facility, "pk", None),
                   target="intelligence.alert_rule")
    check_choice(kind, AlertRuleKind, "kind")
    for field, value in (("influence_at_least", influence_at_least),
                         ("vulnerability_at_least", vulnerability_at_least)):
        if not isinstance(value, int) or not 0 <= value <= 100:
            raise InvalidInput(_("Give a whole number from 0 to 100."), field=field)
    rule = AlertRule(name=_required(name, "name", _("A name")), kind=kind, facility=facility,
                     compartment=_compartment_of(acting_user, compartment),
                     influence_at_least=influence_at_least,
                     vulnerability_at_least=vulnerability_at_least)
    rule.stamp(acting_user)
    rule.save()
    trail.record(acting_user, "intelligence.alert_rule_create", rule,
                 changes={"kind": kind, "facility": getattr(facility, "code", None)})
    return rule


@transaction.atomic
def alert_rule_deactivate(*, acting_user, rule: AlertRule) -> AlertRule:
    policy.require(acting_user, ANALYSE, target="intelligence.alert_rule")
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    if rule.compartment_id and rule.compartment_id not in policy.compartments(acting_user):
        raise InvalidInput(_("No such rule."))
    if not rule.active:
        raise InvalidTransition(_("This rule is already off."))
    rule.active = False
    rule.stamp(acting_user)
    rule.save()
    trail.record(acting_user, "intelligence.alert_rule_off", rule)
    return rule


@transaction.atomic
def alert_close(*, acting_user, alert: Alert, reason: str) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    policy.require(acting_user, ANALYSE, facility_id=alert.facility_id,
                   target=f"alert {alert.pk}")
    if alert.compartment_id and alert.compartment_id not in policy.compartments(acting_user):
        raise InvalidInput(_("No such alert."))
    if alert.closed_at:
        raise InvalidTransition(_("This alert is closed already."))
    alert.closed_at = timezone.now()
    alert.closed_by = acting_user
    alert.save(update_fields=["closed_at", "closed_by"])
    trail.record(acting_user, "intelligence.alert_close", alert,
                 reason=_required(reason, "reason", _("A reason")))
    return alert
