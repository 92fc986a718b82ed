"""Independent monitoring (seed 003, objective 2; OPCAT; Mandela Rules 83–85): bodies and their
mandates, the visits their monitors make, findings and recommendations, and the government's
response to each, tracked to the end with its history visible to both sides.

Every step of a recommendation appends a `RecommendationUpdate` (who, when, from which side):
the "mechanisms that formalize how monitoring results are reviewed, considered, and addressed
by government officials". `nightly(on)` flags responses and implementation deadlines overdue.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.access.roles import Role
from custos.audit import trail
from custos.core.errors import (
    ConcurrentEdit,
    InvalidInput,
    InvalidTransition,
    RuleViolation,
    check_choice,
)
from custos.custody.models import Facility

from . import scoping
from .flags import DIRECTOR, MONITOR, FlagSpec, raise_flags
from .models import (
    BodyKind,
    FindingArea,
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
    ResponseKind,
    VisitStatus,
)

BODIES, MONITOR_PERM, RESPOND = "oversight.bodies", "oversight.monitor", "oversight.respond"
DEFAULT_RESPONSE_DAYS = 60
# Mandela Rule 85(2): the authorities say, within a reasonable time, whether they will
# implement the recommendations; OPCAT art. 22: they examine them and discuss their
# implementation with the mechanism.
RESPONSE_RULE = "Mandela Rule 85(2); OPCAT art. 22"

S = RecommendationStatus
# The status a monitor's "reopen" leads to: back to the work accepted, or back to the
# government for a response when there was none or it was a rejection.
REOPEN = "reopen"
OPEN = (S.AWAITING_RESPONSE, S.IN_PROGRESS, S.IMPLEMENTED, S.NOT_IMPLEMENTED)
# Who may move a recommendation from where to where, after the response (a status of ""
# is a comment that changes nothing).
GOVERNMENT_MOVES: dict[str, frozenset[str]] = {
    S.IN_PROGRESS: frozenset({"", S.IMPLEMENTED, S.NOT_IMPLEMENTED}),
    S.NOT_IMPLEMENTED: frozenset({"", S.IMPLEMENTED, S.IN_PROGRESS}),
    S.IMPLEMENTED: frozenset({""}),
}
BODY_MOVES: dict[str, frozenset[str]] = {
    S.AWAITING_RESPONSE: frozenset({"", S.CLOSED}),
    S.IN_PROGRESS: frozenset({"", S.CLOSED}),
    S.IMPLEMENTED: frozenset({"", S.CLOSED, REOPEN}),
    S.NOT_IMPLEMENTED: frozenset({"", S.CLOSED, REOPEN}),
    S.CLOSED: frozenset({REOPEN}),
}


def response_days() -> int:
    return int(getattr(settings, "CUSTOS_RECOMMENDATION_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def _required(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _check_version(record, version, stale: str) -> None:
    """Refuse an edit over a version other than the current one, with the `stale` message."""
    try:
        current = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give the version you read."), field="version") from None
    if current != record.version:
        raise ConcurrentEdit(stale)


def _bump(record, user) -> None:
    record.version += 1
    record.stamp(user)


# --- bodies and who acts for them (the administrator) ----------------------------------------


def _body_values(*, name, kind, mandate, legal_basis, facilities, exclude_pk=None) -> dict:
    name = _required(name, "name", _("Give the body's name."))
    if MonitoringBody.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise InvalidInput(_("A monitoring body of this name is already registered."),
                           field="name")
    check_choice(kind, BodyKind, "kind")
    ids = sorted({int(getattr(f, "pk", f)) for f in facilities or ()})
    found = list(Facility.objects.filter(pk__in=ids))
    if not ids:
        raise InvalidInput(_("A mandate covers at least one facility."), field="facilities")
    if len(found) != len(ids):
        raise InvalidInput(_("One of the facilities named does not exist."), field="facilities")
    return {"name": name, "kind": kind,
            "mandate": _required(mandate, "mandate", _("Describe the body's mandate.")),
            "legal_basis": (legal_basis or "").strip(), "facilities": found}


def _body_snapshot(body: MonitoringBody) -> dict:
    return {"name": body.name, "kind": body.kind, "legal_basis": body.legal_basis,
            "facilities": sorted(f.pk for f in body.facilities.all()),
            "individual_cases": body.individual_cases,
            "unannounced_visits": body.unannounced_visits, "active": body.active}


@transaction.atomic
def body_create(*, acting_user, name: str, kind: str, mandate: str, facilities,
                legal_basis: str = "", individual_cases: bool = False,
                unannounced_visits: bool = True, active: bool = True) -> MonitoringBody:
    """Register a monitoring body with its mandate: the facilities it covers, and whether it
    may see individual cases and visit unannounced."""
    policy.require(acting_user, BODIES, target="oversight.body")
    values = _body_values(name=name, kind=kind, mandate=mandate, legal_basis=legal_basis,
                          facilities=facilities)
    where = values.pop("facilities")
    body = MonitoringBody(**values, individual_cases=bool(individual_cases),
                          unannounced_visits=bool(unannounced_visits), active=bool(active))
    body.stamp(acting_user)
    body.save()
    body.facilities.set(where)
    trail.record(acting_user, "oversight.body_create", body, changes=_body_snapshot(body))
    return body


@transaction.atomic
def body_update(*, acting_user, body: MonitoringBody, version, name: str, kind: str,
                mandate: str, facilities, legal_basis: str = "", individual_cases: bool = False,
                unannounced_visits: bool = True, active: bool = True) -> MonitoringBody:
    """Change a body's mandate; `version` is the one the administrator read."""
    policy.require(acting_user, BODIES, target="oversight.body")
    body = MonitoringBody.objects.select_for_update().get(pk=body.pk)
    _check_version(body, version,
                   _("Someone changed this body after you opened it: reload it."))
    before = _body_snapshot(body)
    values = _body_values(name=name, kind=kind, mandate=mandate, legal_basis=legal_basis,
                          facilities=facilities, exclude_pk=body.pk)
    where = values.pop("facilities")
    for attribute, value in values.items():
        setattr(body, attribute, value)
    body.individual_cases = bool(individual_cases)
    body.unannounced_visits = bool(unannounced_visits)
    body.active = bool(active)
    _bump(body, acting_user)
    body.save()
    body.facilities.set(where)
    trail.record(acting_user, "oversight.body_update", body,
                 changes={"before": before, "after": _body_snapshot(body)})
    return body


@transaction.atomic
def membership_add(*, acting_user, body: MonitoringBody, user,
                   started_on: date | None = None) -> MonitorMembership:
    """A user holding the monitor role starts acting for `body` (one body at a time)."""
    policy.require(acting_user, BODIES, target="oversight.body")
    if user is None:
        raise InvalidInput(_("Choose the monitor."), field="user")
    if Role.MONITOR not in policy.roles_of(user):
        raise InvalidInput(_("%(user)s does not hold the independent monitor role.")
                           % {"user": user.get_username()}, field="user")
    body = MonitoringBody.objects.select_for_update().get(pk=body.pk)
    if not body.active:
        raise InvalidInput(_("This body is not active."), field="user")
    current = MonitorMembership.objects.filter(user=user, ended_on__isnull=True).select_related(
        "body").first()
    if current is not None:
        raise InvalidInput(_("%(user)s already acts for %(body)s: end that first.")
                           % {"user": user.get_username(), "body": current.body.name},
                           field="user")
    today = timezone.localdate()
    membership = MonitorMembership(body=body, user=user, started_on=started_on or today)
    membership.stamp(acting_user)
    membership.save()
    user.__dict__.pop("_custos_body", None)
    trail.record(acting_user, "oversight.membership_add", membership,
                 changes={"body": body.pk, "user": user.pk,
                          "started_on": membership.started_on.isoformat()})
    return membership


@transaction.atomic
def membership_end(*, acting_user, membership: MonitorMembership,
                   ended_on: date | None = None) -> MonitorMembership:
    """The monitor stops acting for the body; from then on he sees nothing of it."""
    policy.require(acting_user, BODIES, target="oversight.body")
    membership = MonitorMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_on is not None:
        raise InvalidTransition(_("This membership has already ended."))
    ended_on = ended_on or timezone.localdate()
    if ended_on < membership.started_on:
        raise InvalidInput(_("A membership cannot end before it started."), field="ended_on")
    membership.ended_on = ended_on
    _bump(membership, acting_user)
    membership.save()
    trail.record(acting_user, "oversight.membership_end", membership,
                 changes={"body": membership.body_id, "user": membership.user_id,
                          "ended_on": ended_on.isoformat()})
    return membership


# --- visits, findings, recommendations (the monitors) ----------------------------------------


def _acting_body(user, facility_id: int, target: str) -> MonitoringBody:
    """The body the monitor acts for, whose mandate must cover the facility."""
    policy.require(user, MONITOR_PERM, facility_id=facility_id, target=target)
    body = scoping.body_of(user)
    if body is None:
        raise policy.AccessDenied(_("You do not act for a monitoring body."),
                                  permission=MONITOR_PERM, target=target)
    if facility_id not in scoping.mandate_facilities(user):
        raise InvalidInput(_("This facility is not in the mandate of %(body)s.")
                           % {"body": body.name}, field="facility")
    return body


def _own_visit(user, visit: MonitoringVisit, *, lock: bool = True) -> MonitoringVisit:
    body = _acting_body(user, visit.facility_id, f"oversight.visit:{visit.pk}")
    if visit.body_id != body.pk:
        raise policy.AccessDenied(_("This visit is another body's."),
                                  permission=MONITOR_PERM, target=f"oversight.visit:{visit.pk}")
    if lock:
        visit = MonitoringVisit.objects.select_for_update().select_related("body").get(
            pk=visit.pk)
    return visit


@transaction.atomic
def visit_plan(*, acting_user, facility: Facility, planned_on: date,
               announced: bool = True) -> MonitoringVisit:
    """A visit planned by a monitor of the body, to a facility in its mandate; unannounced
    only where the mandate allows it (Mandela Rule 84(1)(a), OPCAT art. 20)."""
    policy.require(acting_user, MONITOR_PERM, target="oversight.visit")
    if facility is None:
        raise InvalidInput(_("Choose the facility."), field="facility")
    body = _acting_body(acting_user, facility.pk, "oversight.visit")
    if not isinstance(planned_on, date):
        raise InvalidInput(_("Give the date of the visit."), field="planned_on")
    if planned_on < timezone.localdate():
        raise InvalidInput(_("A visit is planned for today or later."), field="planned_on")
    if not announced and not body.unannounced_visits:
        basis = body.legal_basis or _("its mandate")
        raise RuleViolation(
            _("%(body)s may not visit unannounced (%(basis)s): announce the visit.")
            % {"body": body.name, "basis": basis}, rule=basis, field="announced")
    visit = MonitoringVisit(body=body, facility=facility, planned_on=planned_on,
                            announced=bool(announced))
    visit.stamp(acting_user)
    visit.save()
    trail.record(acting_user, "oversight.visit_plan", visit,
                 changes={"body": body.pk, "facility": facility.pk,
                          "planned_on": planned_on.isoformat(), "announced": visit.announced})
    return visit


@transaction.atomic
def visit_record(*, acting_user, visit: MonitoringVisit, version, visited_on: date, team: str,
                 private_interviews: int = 0, summary: str = "") -> MonitoringVisit:
    """The visit was carried out. Only the number of prisoners interviewed in private is
    recorded here; what they said stays with the body (Mandela Rule 84(1)(d))."""
    visit = _own_visit(acting_user, visit)
    _check_version(visit, version,
                   _("Someone changed this visit after you opened it: reload it."))
    if visit.status != VisitStatus.PLANNED:
        raise InvalidTransition(_("Only a planned visit can be recorded as carried out."))
    if not isinstance(visited_on, date):
        raise InvalidInput(_("Give the date of the visit."), field="visited_on")
    if visited_on > timezone.localdate():
        raise InvalidInput(_("This date is in the future."), field="visited_on")
    try:
        interviews = int(private_interviews or 0)
    except (TypeError, ValueError):
        interviews = -1
    if interviews < 0:
        raise InvalidInput(_("Give a number of prisoners, zero or more."),
                           field="private_interviews")
    visit.status, visit.visited_on = VisitStatus.DONE, visited_on
    visit.team = _required(team, "team", _("Name who made the visit."))
    visit.private_interviews, visit.summary = interviews, (summary or "").strip()
    _bump(visit, acting_user)
    visit.save()
    trail.record(acting_user, "oversight.visit_record", visit,
                 changes={"visited_on": visited_on.isoformat(),
                          "private_interviews": interviews})
    return visit


@transaction.atomic
def visit_cancel(*, acting_user, visit: MonitoringVisit, version, reason: str
                 ) -> MonitoringVisit:
    visit = _own_visit(acting_user, visit)
    _check_version(visit, version,
                   _("Someone changed this visit after you opened it: reload it."))
    reason = _required(reason, "reason", _("Say why the visit is cancelled."))
    if visit.status != VisitStatus.PLANNED:
        raise InvalidTransition(_("Only a planned visit can be cancelled."))
    visit.status = VisitStatus.CANCELLED
    _bump(visit, acting_user)
    visit.save()
    trail.record(acting_user, "oversight.visit_cancel", visit, reason=reason)
    return visit


@transaction.atomic
def finding_add(*, acting_user, visit: MonitoringVisit, area: str, text: str
                ) -> MonitoringFinding:
    """What the body found on a visit it carried out."""
    visit = _own_visit(acting_user, visit)
    check_choice(area, FindingArea, "area")
    text = _required(text, "text", _("Write the finding."))
    if visit.status != VisitStatus.DONE:
        raise InvalidTransition(_("Record the visit as carried out before adding findings."))
    finding = MonitoringFinding(visit=visit, area=area, text=text)
    finding.stamp(acting_user)
    finding.save()
    trail.record(acting_user, "oversight.finding_add", finding,
                 changes={"visit": visit.pk, "area": area})
    return finding


@transaction.atomic
def recommendation_add(*, acting_user, finding: MonitoringFinding, text: str,
                       response_due_on: date | None = None) -> Recommendation:
    """A recommendation from a finding, addressed to the facility's director, who is to
    respond by `response_due_on` (by default `CUSTOS_RECOMMENDATION_RESPONSE_DAYS`, 60)."""
    policy.require(acting_user, MONITOR_PERM, target="oversight.recommendation")
    if finding is None:
        raise InvalidInput(_("Choose the finding it follows from."), field="finding")
    visit = _own_visit(acting_user, finding.visit, lock=False)
    text = _required(text, "text", _("Write the recommendation."))
    today = timezone.localdate()
    due = response_due_on or today + timedelta(days=response_days())
    if not isinstance(due, date) or due <= today:
        raise InvalidInput(_("The response is due after today."), field="response_due_on")
    made = Recommendation(finding=finding, body=visit.body, facility_id=visit.facility_id,
                          text=text, response_due_on=due)
    made.stamp(acting_user)
    made.save()
    trail.record(acting_user, "oversight.recommendation_add", made,
                 changes={"finding": finding.pk, "body": visit.body_id,
                          "facility": visit.facility_id, "response_due_on": due.isoformat()})
    return made


# --- the government's response and the follow-up (both sides) --------------------------------


def _append(recommendation: Recommendation, user, *, comment: str, by_body: bool,
            response: str = "") -> RecommendationUpdate:
    step = RecommendationUpdate(recommendation=recommendation, status=recommendation.status,
                                response=response, comment=comment, by_body=by_body)
    step.stamp(user)
    step.save()
    return step


@transaction.atomic
def recommendation_respond(*, acting_user, recommendation: Recommendation, version,
                           response: str, reasons: str = "", owner: str = "",
                           deadline: date | None = None) -> Recommendation:
    """The government's response, by the director of the facility: accepted, partly accepted
    or rejected. Reasons for anything short of acceptance; an owner and an implementation
    deadline for what is accepted (Mandela Rule 85(2))."""
    policy.require(acting_user, RESPOND, facility_id=recommendation.facility_id,
                   target=f"oversight.recommendation:{recommendation.pk}")
    made = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    _check_version(made, version, _(
        "Someone changed this recommendation after you opened it: reload it."))
    if made.status != S.AWAITING_RESPONSE:
        raise InvalidTransition(_("This recommendation has already been answered."))
    check_choice(response, ResponseKind, "response")
    reasons, owner = (reasons or "").strip(), (owner or "").strip()
    if response in (ResponseKind.PARTLY, ResponseKind.REJECTED) and not reasons:
        raise InvalidInput(_("Give the reasons for not accepting it in full."), field="reasons")
    if response == ResponseKind.REJECTED:
        owner, deadline = "", None
    else:
        if not owner:
            raise InvalidInput(_("Name who is responsible for implementing it."),
                               field="owner")
        if not isinstance(deadline, date):
            raise InvalidInput(_("Give the implementation deadline."), field="deadline")
        if deadline < timezone.localdate():
            raise InvalidInput(_("The deadline is in the past."), field="deadline")
    made.response, made.response_reasons = response, reasons
    made.owner, made.deadline = owner, deadline
    made.responded_at, made.responded_by = timezone.now(), acting_user
    made.status = S.CLOSED if response == ResponseKind.REJECTED else S.IN_PROGRESS
    _bump(made, acting_user)
    made.save()
    _append(made, acting_user, comment=reasons, by_body=False, response=response)
    trail.record(acting_user, "oversight.recommendation_respond", made,
                 changes={"response": response, "owner": owner,
                          "deadline": deadline.isoformat() if deadline else None,
                          "status": made.status}, reason=reasons)
    return made


def _side(user, made: Recommendation) -> bool:
    """True when the user speaks for the body, False for the government; else refused."""
    if policy.can(user, MONITOR_PERM, facility_id=made.facility_id):
        body = scoping.body_of(user)
        if body is not None and body.pk == made.body_id \
                and made.facility_id in scoping.mandate_facilities(user):
            return True
    elif policy.can(user, RESPOND, facility_id=made.facility_id):
        return False
    raise policy.AccessDenied(_("You do not have permission to do this here."),
                              permission=RESPOND, target=f"oversight.recommendation:{made.pk}")


@transaction.atomic
def recommendation_update(*, acting_user, recommendation: Recommendation, version,
                          comment: str, status: str = "") -> Recommendation:
    """A step after the response. The director reports progress and marks it implemented or
    not implemented; the body comments, closes it, or reopens it. Each step is kept."""
    made = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    by_body = _side(acting_user, made)
    _check_version(made, version, _(
        "Someone changed this recommendation after you opened it: reload it."))
    comment = _required(comment, "comment", _("Write a comment."))
    status = status or ""
    if status not in ("", REOPEN, *S.values):
        raise InvalidInput(_("“%(value)s” is not a valid choice.") % {"value": status},
                           field="status")
    moves = (BODY_MOVES if by_body else GOVERNMENT_MOVES).get(made.status, frozenset())
    if status not in moves:
        if not by_body and made.status == S.AWAITING_RESPONSE:
            raise InvalidTransition(_("Respond to the recommendation first."))
        raise InvalidTransition(_("This step is not possible from “%(status)s”.")
                                % {"status": made.get_status_display()})
    before = made.status
    if status == REOPEN:
        made.status = (S.IN_PROGRESS if made.response in (ResponseKind.ACCEPTED,
                                                         ResponseKind.PARTLY)
                       else S.AWAITING_RESPONSE)
    elif status:
        made.status = status
    _bump(made, acting_user)
    made.save()
    _append(made, acting_user, comment=comment, by_body=by_body)
    trail.record(acting_user, "oversight.recommendation_update", made,
                 changes={"from": before, "to": made.status, "by_body": by_body},
                 reason=comment)
    return made


# --- the nightly check ---------------------------------------------------------------------


def nightly(on: date) -> int:
    """Flag recommendations whose response is overdue (no response after the due date) and
    those accepted in whole or part whose deadline passed unimplemented, for the director
    and the monitor. One flag per recommendation and kind: running twice raises nothing."""
    overdue = Recommendation.objects.filter(
        status=S.AWAITING_RESPONSE, response_due_on__lt=on).values_list(
        "pk", "facility_id", "body_id", "response_due_on")
    late = Recommendation.objects.filter(
        Q(status=S.IN_PROGRESS) | Q(status=S.NOT_IMPLEMENTED),
        response__in=[ResponseKind.ACCEPTED, ResponseKind.PARTLY],
        deadline__lt=on).values_list("pk", "facility_id", "body_id", "deadline")
    specs = [FlagSpec(code="recommendation_response_overdue", rule=RESPONSE_RULE,
                      facility_id=facility, subject_type="recommendation", subject_id=pk,
                      raised_on=on, evidence={"body": body, "due_on": due.isoformat()},
                      for_whom=(DIRECTOR, MONITOR), once_per="subject")
             for pk, facility, body, due in overdue.iterator()]
    specs += [FlagSpec(code="recommendation_deadline_passed", rule=RESPONSE_RULE,
                       facility_id=facility, subject_type="recommendation", subject_id=pk,
                       raised_on=on, evidence={"body": body, "deadline": deadline.isoformat()},
                       for_whom=(DIRECTOR, MONITOR), once_per="subject")
              for pk, facility, body, deadline in late.iterator()]
    return raise_flags(specs)
