"""Alerts: the analysts' rules run over the communications, each hit kept with its evidence.

Three kinds of rule (models.AlertRuleKind): contact with a flagged person; a prisoner of
concern (influence score from his latest locked assessment) in contact with the family of a
vulnerable prisoner; a released prisoner (or a former prisoner on record) in contact with
prisoners in custody. One alert per rule and pair of parties, listing the events; new events
after it was closed open it again, so nothing found is lost. An alert from a compartment's
flag or rule stays in that compartment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from custos.assessments.models import Assessment, AssessmentStatus
from custos.audit import trail
from custos.custody.models import CustodyStatus, Prisoner

from .models import (
    Alert,
    AlertRule,
    AlertRuleKind,
    CommunicationEvent,
    Flag,
    OutsidePerson,
    Party,
    PersonKind,
)

EVIDENCE_KEPT = 50  # event ids kept on an alert (the newest); the count says how many in all


@dataclass
class Hit:
    subject: int
    other: int
    compartment_id: int | None
    params: dict
    events: list[tuple[int, datetime, int]] = field(default_factory=list)  # id, when, facility


def merge_groups() -> dict[int, set[int]]:
    """Party ids of each outside person's merge group, keyed by each member's party id."""
    parent = dict(OutsidePerson.objects.filter(merged_into__isnull=False)
                  .values_list("pk", "merged_into_id"))
    if not parent:
        return {}

    def root(person: int) -> int:
        seen = set()
        while person in parent and person not in seen:
            seen.add(person)
            person = parent[person]
        return person

    members: dict[int, set[int]] = defaultdict(set)
    for person in {*parent, *parent.values()}:
        members[root(person)].add(person)
    party_of = dict(Party.objects.filter(person_id__in=[p for g in members.values() for p in g])
                    .values_list("person_id", "pk"))
    groups: dict[int, set[int]] = {}
    for people in members.values():
        parties = {party_of[p] for p in people if p in party_of}
        for party in parties:
            groups[party] = parties
    return groups


def _events(rule: AlertRule, condition: Q):
    events = CommunicationEvent.objects.filter(condition)
    if rule.facility_id:
        events = events.filter(facility_id=rule.facility_id)
    return events.order_by("occurred_at", "id").values_list(
        "id", "from_party_id", "to_party_id", "occurred_at", "facility_id").iterator(
        chunk_size=5000)


def _flagged_contact(rule: AlertRule) -> list[Hit]:
    flags = Flag.objects.filter(ended_at__isnull=True)
    # an open rule never raises an alert from a compartment's flag: that would show the flag
    flags = flags.filter(Q(compartment__isnull=True) | Q(compartment_id=rule.compartment_id))
    groups = merge_groups()
    watched: dict[int, Flag] = {}
    for flag in flags:
        for party in groups.get(flag.party_id, {flag.party_id}):
            watched.setdefault(party, flag)
    if not watched:
        return []
    ids = sorted(watched)
    hits: dict[tuple[int, int], Hit] = {}
    for event_id, one, two, when, facility in _events(
            rule, Q(from_party_id__in=ids) | Q(to_party_id__in=ids)):
        for flagged, other in ((one, two), (two, one)):
            if flagged in watched and other not in watched:
                flag = watched[flagged]
                key = (other, flag.party_id)
                hit = hits.get(key) or hits.setdefault(key, Hit(
                    other, flag.party_id, flag.compartment_id or rule.compartment_id,
                    {"code": "flagged_contact", "flag_reason": flag.reason}))
                hit.events.append((event_id, when, facility))
    return list(hits.values())


def _scores() -> dict[int, dict]:
    """Each prisoner's influence and vulnerability from his latest locked assessment."""
    latest: dict[int, dict] = {}
    rows = (Assessment.objects.filter(status=AssessmentStatus.LOCKED,
                                      indices__has_any_keys=["influence", "vulnerability"])
            .order_by("prisoner_id", "-locked_at", "-id")
            .values("id", "prisoner_id", "indices"))
    for row in rows:
        latest.setdefault(row["prisoner_id"], row)
    return latest


def _score(value) -> float:
    if isinstance(value, dict):
        value = value.get("value")
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _concern_to_vulnerable_family(rule: AlertRule) -> list[Hit]:
    scores = _scores()
    concern = {p: row for p, row in scores.items()
               if _score(row["indices"].get("influence")) >= rule.influence_at_least}
    vulnerable = {p: row for p, row in scores.items()
                  if _score(row["indices"].get("vulnerability")) >= rule.vulnerability_at_least}
    if not concern or not vulnerable:
        return []
    family = dict(Party.objects.filter(
        person__kind=PersonKind.FAMILY, person__related_prisoner_id__in=sorted(vulnerable),
        person__merged_into__isnull=True).values_list("pk", "person__related_prisoner_id"))
    concern_party = dict(Party.objects.filter(prisoner_id__in=sorted(concern))
                         .values_list("pk", "prisoner_id"))
    if not family or not concern_party:
        return []
    hits: dict[tuple[int, int], Hit] = {}
    for event_id, one, two, when, facility in _events(
            rule, (Q(from_party_id__in=sorted(concern_party)) & Q(to_party_id__in=sorted(family)))
            | (Q(to_party_id__in=sorted(concern_party)) & Q(from_party_id__in=sorted(family)))):
        prisoner_party, relative = (one, two) if one in concern_party else (two, one)
        relative_of = family[relative]
        if relative_of == concern_party[prisoner_party]:
            continue  # his own family
        key = (prisoner_party, relative)
        if key not in hits:
            hits[key] = Hit(prisoner_party, relative, rule.compartment_id, {
                "code": "concern_to_vulnerable_family",
                "influence": _score(concern[concern_party[prisoner_party]]["indices"]
                                    .get("influence")),
                "influence_assessment": concern[concern_party[prisoner_party]]["id"],
                "vulnerable_prisoner": relative_of,
                "vulnerability": _score(vulnerable[relative_of]["indices"].get("vulnerability")),
                "vulnerability_assessment": vulnerable[relative_of]["id"]})
        hits[key].events.append((event_id, when, facility))
    return list(hits.values())


def _released_contact(rule: AlertRule) -> list[Hit]:
    released = dict(Party.objects.filter(prisoner__status=CustodyStatus.RELEASED)
                    .values_list("pk", "prisoner__released_at"))
    former = set(Party.objects.filter(person__kind=PersonKind.FORMER_PRISONER)
                 .values_list("pk", flat=True))
    serving = Prisoner.objects.filter(status=CustodyStatus.IN_CUSTODY)
    watched = sorted(set(released) | former)
    if not watched:
        return []
    hits: dict[tuple[int, int], Hit] = {}
    events = list(_events(rule, Q(from_party_id__in=watched) | Q(to_party_id__in=watched)))
    others = {two if one in released or one in former else one for _e, one, two, _w, _f in events}
    in_custody = set(Party.objects.filter(prisoner__in=serving, pk__in=sorted(others))
                     .values_list("pk", flat=True))
    for event_id, one, two, when, facility in events:
        for out, inside in ((one, two), (two, one)):
            if (out in released or out in former) and inside in in_custody:
                since = released.get(out)
                if since is not None and when < since:
                    continue  # contact while both were inside
                key = (out, inside)
                hit = hits.get(key) or hits.setdefault(key, Hit(
                    out, inside, rule.compartment_id,
                    {"code": "released_contact",
                     "released_at": since.isoformat() if since else None}))
                hit.events.append((event_id, when, facility))
    return list(hits.values())


FINDERS = {
    AlertRuleKind.FLAGGED_CONTACT: _flagged_contact,
    AlertRuleKind.CONCERN_TO_VULNERABLE_FAMILY: _concern_to_vulnerable_family,
    AlertRuleKind.RELEASED_CONTACT: _released_contact,
}


@transaction.atomic
def _keep(rule: AlertRule, hits: list[Hit]) -> int:
    """Store the rule's hits; return how many alerts were raised or opened again."""
    existing = {(a.subject_id, a.other_id): a
                for a in Alert.objects.select_for_update().filter(rule=rule)}
    raised = 0
    for hit in hits:
        hit.events.sort(key=lambda e: (e[1], e[0]))
        ids = [e[0] for e in hit.events]
        alert = existing.get((hit.subject, hit.other))
        params = {**hit.params, "count": len(ids), "first": hit.events[0][1].isoformat(),
                  "last": hit.events[-1][1].isoformat()}
        if alert is None:
            Alert.objects.create(
                rule=rule, facility_id=hit.events[-1][2], compartment_id=hit.compartment_id,
                subject_id=hit.subject, other_id=hit.other, explanation=params,
                events=ids[-EVIDENCE_KEPT:], first_event_at=hit.events[0][1])
            raised += 1
            continue
        if alert.explanation.get("count") == len(ids):
            continue  # nothing new
        newer = alert.closed_at is not None and hit.events[-1][1] > alert.closed_at
        alert.explanation, alert.events = params, ids[-EVIDENCE_KEPT:]
        if newer:
            alert.closed_at, alert.closed_by = None, None
            raised += 1
        alert.save(update_fields=["explanation", "events", "closed_at", "closed_by"])
    return raised


def raise_alerts(*, rules=None, actor=None) -> int:
    """Run the active rules (or `rules`); return the number of alerts raised or reopened."""
    rules = list(rules if rules is not None else AlertRule.objects.filter(active=True))
    total = 0
    for rule in rules:
        raised = _keep(rule, FINDERS[rule.kind](rule))
        total += raised
        if raised:
            trail.record(actor, "intelligence.alerts_raised", rule, changes={"raised": raised})
    return total


def explanation_text(alert: Alert, names: dict[int, str]) -> str:
    """The alert's evidence as a sentence in the user's language."""
    from django.utils.translation import gettext as _

    params = alert.explanation
    subject, other = names.get(alert.subject_id, "?"), names.get(alert.other_id, "?")
    values = {"subject": subject, "other": other, "count": params.get("count", 0),
              "first": (params.get("first") or "")[:10], "last": (params.get("last") or "")[:10]}
    code = params.get("code")
    if code == "flagged_contact":
        return _("%(subject)s was in contact with %(other)s, who is flagged (“%(reason)s”): "
                 "%(count)d events from %(first)s to %(last)s.") % {
                     **values, "reason": params.get("flag_reason", "")}
    if code == "concern_to_vulnerable_family":
        return _("%(subject)s (influence %(influence)s, assessment %(a)s) was in contact with "
                 "%(other)s, family of a prisoner assessed as vulnerable (vulnerability "
                 "%(vulnerability)s, assessment %(b)s): %(count)d events from %(first)s to "
                 "%(last)s.") % {**values, "influence": params.get("influence"),
                                 "a": params.get("influence_assessment"),
                                 "vulnerability": params.get("vulnerability"),
                                 "b": params.get("vulnerability_assessment")}
    if code == "released_contact":
        return _("%(subject)s, released on %(released)s, was in contact with %(other)s, who is "
                 "in custody: %(count)d events from %(first)s to %(last)s.") % {
                     **values, "released": (params.get("released_at") or _("an unknown date"))[:10]}
    return _("%(count)d events from %(first)s to %(last)s.") % values

