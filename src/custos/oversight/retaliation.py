"""The retaliation check (Mandela Rule 57(2)): no prisoner may be exposed to retaliation for
having complained. Every adverse action taken against a complainant within N days after his
complaint — a move to another cell, a new restrictive measure, a new disciplinary charge — is
flagged for the director and the independent monitor, with the evidence; a person judges it.

Severity: a breach when the action carries no recorded reason, a warning when it does (the
reader weighs the reason). For a complaint confidential to an independent body the flag is
for the monitor alone, and its evidence names neither the complaint nor its subject.

Set-based: a few queries a night whatever the number of prisoners
(`CUSTOS_RETALIATION_DAYS`, default 30).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.custody.models import Placement

from .flags import DIRECTOR, MONITOR, FlagSpec, raise_flags
from .models import Complaint, Confidentiality, DisciplinaryCharge, FlagSeverity
from .models import RestrictiveMeasure as Measure

RULE = "Mandela Rule 57(2)"
CODE = "possible_retaliation"
DEFAULT_DAYS = 30
CHUNK = 5000
# Which complaint an action is laid against when several precede it: one the director may
# see first, so that he is told.
PREFERENCE = {Confidentiality.NONE: 0, Confidentiality.DIRECTOR: 1, Confidentiality.BODY: 2}


def window_days() -> int:
    return int(getattr(settings, "CUSTOS_RETALIATION_DAYS", DEFAULT_DAYS))


@dataclass(frozen=True)
class Action:
    kind: str  # placement, measure, charge (the flag's subject type)
    pk: int
    prisoner_id: int
    at: datetime
    reason: str


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _actions(prisoner_ids: list[int], since: datetime, until: datetime) -> list[Action]:
    """Moves, measures and charges on these prisoners between the two moments."""
    found = [Action("placement", pk, prisoner, at, reason) for pk, prisoner, at, reason in
             Placement.objects.filter(prisoner_id__in=prisoner_ids, started_at__gt=since,
                                      started_at__lt=until)
             .values_list("pk", "prisoner_id", "started_at", "reason")]
    found += [Action("measure", pk, prisoner, at, necessity) for
              pk, prisoner, at, necessity in
              Measure.objects.filter(prisoner_id__in=prisoner_ids, started_at__gt=since,
                                     started_at__lt=until)
              .values_list("pk", "prisoner_id", "started_at", "necessity")]
    found += [Action("charge", pk, prisoner, at, particulars) for
              pk, prisoner, at, particulars in
              DisciplinaryCharge.objects.filter(prisoner_id__in=prisoner_ids,
                                                created_at__gt=since, created_at__lt=until)
              .values_list("pk", "prisoner_id", "created_at", "particulars")]
    return found


def check(on: date) -> int:
    """Raise `possible_retaliation` for the actions after a complaint received in the N days
    up to `on`, within N days of it. Returns how many flags are new."""
    days = window_days()
    since = _start_of(on - timedelta(days=days))
    until = min(_start_of(on + timedelta(days=1)), timezone.now())  # nothing planned ahead
    by_prisoner: dict[int, list[tuple]] = defaultdict(list)
    for row in Complaint.objects.filter(received_at__gte=since, received_at__lt=until) \
            .values_list("pk", "prisoner_id", "facility_id", "received_at", "confidentiality"):
        by_prisoner[row[1]].append(row)
    prisoners = sorted(by_prisoner)
    specs = []
    for start in range(0, len(prisoners), CHUNK):
        for action in _actions(prisoners[start:start + CHUNK], since, until):
            before = [c for c in by_prisoner[action.prisoner_id]
                      if c[3] < action.at <= c[3] + timedelta(days=days)]
            if before:
                complaint = min(before, key=lambda c: (PREFERENCE[c[4]], -c[3].timestamp()))
                specs.append(_flag(action, complaint, on))
    return raise_flags(specs)


def _flag(action: Action, complaint: tuple, on: date) -> FlagSpec:
    pk, prisoner_id, facility_id, received_at, confidentiality = complaint
    reason = (action.reason or "").strip()
    body_only = confidentiality == Confidentiality.BODY
    about = {"received_on": timezone.localtime(received_at).date().isoformat()}
    if not body_only:
        about["id"] = pk
    return FlagSpec(
        code=CODE, rule=RULE, facility_id=facility_id, subject_type=action.kind,
        subject_id=action.pk, raised_on=on, prisoner_id=prisoner_id,
        severity=FlagSeverity.WARNING if reason else FlagSeverity.BREACH,
        for_whom=(MONITOR,) if body_only else (DIRECTOR, MONITOR), once_per="subject",
        evidence={"complaint": about, "action": action.kind, "action_id": action.pk,
                  "action_at": action.at.isoformat(), "reason": reason})


def in_words(evidence: dict) -> str:
    actions = {"placement": _("moved to another cell"), "measure": _("placed under a "
               "restrictive measure"), "charge": _("charged with a disciplinary offence")}
    complaint = evidence.get("complaint") or {}
    words = {"action": actions.get(evidence.get("action"), evidence.get("action")),
             "at": evidence.get("action_at"), "received": complaint.get("received_on"),
             "reason": (evidence.get("reason") or _("no reason recorded")).rstrip(". ")}
    if "id" in complaint:
        words["id"] = complaint["id"]
        text = _("After complaint #%(id)s of %(received)s, %(action)s at %(at)s; reason: "
                 "%(reason)s.")
    else:
        text = _("After a complaint of %(received)s, %(action)s at %(at)s; reason: "
                 "%(reason)s.")
    return text % words
