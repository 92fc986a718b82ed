"""Every read of prison intelligence, narrowed by the access policy.

Analysts see reports of their facilities that are open or restricted to a compartment they
belong to; a report outside that does not exist for them — not in lists, counts, search,
prisoner files or alerts. Directors and police liaison see only disseminations addressed to
them. Wing staff see the observations they filed. The source handler sees sources.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from custos.access import policy
from custos.access.models import Compartment
from custos.core.selectors import get_visible

from .models import (
    Alert,
    AlertRule,
    Audience,
    CommunicationEvent,
    Dissemination,
    Flag,
    ImportBatch,
    IntelligenceReport,
    MergeProposal,
    OutsidePerson,
    ReportKind,
    Source,
)
from .services import ANALYSE, DISSEMINATED, OBSERVE, SOURCES

VIEW = "intelligence.view"



def report_list_visible_to(*, user) -> QuerySet[IntelligenceReport]:
    reports = policy.scope(user, VIEW, IntelligenceReport.objects.select_related(
        "facility", "compartment", "source", "graded_by", "created_by"))
    return reports.filter(policy.compartment_rows(user))


def report_search(*, user, q: str = "", prisoner=None, facility=None, kind: str = "",
                  status: str = "", compartment=None) -> QuerySet[IntelligenceReport]:
    reports = report_list_visible_to(user=user)
    if q:
        reports = reports.filter(Q(summary__icontains=q) | Q(text__icontains=q)
                                 | Q(reference__iexact=q) | Q(place__icontains=q))
    if prisoner:
        reports = reports.filter(prisoners=prisoner)
    if facility:
        reports = reports.filter(facility=facility)
    if kind:
        reports = reports.filter(kind=kind)
    if status:
        reports = reports.filter(status=status)
    if compartment:
        reports = reports.filter(compartment=compartment)
    return reports.distinct()


def report_get(*, user, pk) -> IntelligenceReport:
    return get_visible(report_list_visible_to(user=user), pk)


def reports_about(*, user, prisoner) -> QuerySet[IntelligenceReport]:
    """Reports naming a prisoner, for the intelligence section of the prisoner's file."""
    if not policy.can(user, VIEW):
        return IntelligenceReport.objects.none()
    return report_list_visible_to(user=user).filter(prisoners=prisoner)


def observations_by(*, user) -> QuerySet[IntelligenceReport]:
    """What the user filed from the wing (his own, never anyone else's)."""
    if not policy.can(user, OBSERVE):
        return IntelligenceReport.objects.none()
    return IntelligenceReport.objects.filter(kind=ReportKind.OBSERVATION,
                                             created_by=user).select_related("facility")


def dissemination_list_visible_to(*, user) -> QuerySet[Dissemination]:
    """Disseminations from the user's facilities: police liaison sees those for police and
    prosecutors; a director sees everything disseminated from his prison, to whomever."""
    from custos.access.roles import Role

    scoped = policy.scope(user, DISSEMINATED, Dissemination.objects.select_related("facility"))
    roles = policy.roles_of(user)
    if Role.DIRECTOR in roles:
        return scoped
    if Role.POLICE in roles:
        return scoped.filter(audience=Audience.POLICE)
    return scoped.none()


def dissemination_get(*, user, pk) -> Dissemination:
    return get_visible(dissemination_list_visible_to(user=user), pk)


def disseminations_of(*, user, report) -> QuerySet[Dissemination]:
    """The disseminations made of a report the analyst can see."""
    return Dissemination.objects.filter(report=report).select_related("created_by")


def source_list_visible_to(*, user) -> QuerySet[Source]:
    return policy.scope(user, SOURCES, Source.objects.select_related(
        "facility", "handler").order_by("reference"))


def source_get(*, user, pk) -> Source:
    return get_visible(source_list_visible_to(user=user), pk)


def sources_for_reports(*, user) -> QuerySet[Source]:
    """Sources an analyst may cite on a report: by reference only."""
    if not policy.can(user, ANALYSE):
        return Source.objects.none()
    return policy.scope(user, ANALYSE, Source.objects.filter(active=True)).only(
        "id", "reference")


def compartments_of(*, user) -> QuerySet[Compartment]:
    return Compartment.objects.filter(pk__in=sorted(policy.compartments(user))).order_by("name")


def compartment_get(*, user, pk) -> Compartment:
    return get_visible(compartments_of(user=user), pk)


def communications_visible_to(*, user) -> QuerySet[CommunicationEvent]:
    return policy.scope(user, VIEW, CommunicationEvent.objects.all())


def people_visible_to(*, user) -> QuerySet[OutsidePerson]:
    """Outside people are not tied to one facility: every analyst may look them up."""
    if not policy.can(user, VIEW):
        return OutsidePerson.objects.none()
    return OutsidePerson.objects.select_related("merged_into", "related_prisoner")


def person_get(*, user, pk) -> OutsidePerson:
    return get_visible(people_visible_to(user=user), pk)


def flags_visible_to(*, user) -> QuerySet[Flag]:
    if not policy.can(user, VIEW):
        return Flag.objects.none()
    return Flag.objects.filter(policy.compartment_rows(user)).select_related("party")


def merge_proposals_visible_to(*, user) -> QuerySet[MergeProposal]:
    if not policy.can(user, VIEW):
        return MergeProposal.objects.none()
    return MergeProposal.objects.select_related("kept", "absorbed", "decided_by")


def merge_proposal_get(*, user, pk) -> MergeProposal:
    return get_visible(merge_proposals_visible_to(user=user), pk)


def alert_rules_visible_to(*, user) -> QuerySet[AlertRule]:
    if not policy.can(user, VIEW):
        return AlertRule.objects.none()
    rules = AlertRule.objects.filter(policy.compartment_rows(user)).select_related("facility")
    where = policy.facilities_for(user, VIEW)
    if where is not policy.ALL:
        rules = rules.filter(Q(facility__isnull=True) | Q(facility__in=sorted(where)))
    return rules


def alert_rule_get(*, user, pk) -> AlertRule:
    return get_visible(alert_rules_visible_to(user=user), pk)


def alerts_visible_to(*, user) -> QuerySet[Alert]:
    alerts = policy.scope(user, VIEW, Alert.objects.select_related("rule", "facility"))
    return alerts.filter(policy.compartment_rows(user))


def alert_get(*, user, pk) -> Alert:
    return get_visible(alerts_visible_to(user=user), pk)


def import_batches(*, user) -> QuerySet[ImportBatch]:
    """Imports of communications files: their counts are for every analyst."""
    if not policy.can(user, VIEW):
        return ImportBatch.objects.none()
    return ImportBatch.objects.select_related("imported_by").order_by("-started_at", "-pk")


def import_batch_get(*, user, pk) -> ImportBatch:
    return get_visible(import_batches(user=user), pk)


def may_read_rejections(*, user, batch: ImportBatch) -> bool:
    """A file's refused rows quote its contents, which may concern any facility: they are for
    the analyst who imported it and for analysts of every facility."""
    return batch.imported_by_id == user.pk or policy.facilities_for(user, VIEW) is policy.ALL
