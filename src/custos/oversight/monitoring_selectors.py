"""Every read of independent monitoring, narrowed for the reader.

A monitor sees his own body's visits, findings and recommendations, and only for the
facilities in its mandate. The prison side (directors, and security officers read-only) sees
the recommendations and findings addressed to its facilities from every body, and the visits'
dates and status — not the body's own notes, and not an unannounced visit before it happened.
A record outside the reader's reach answers 404, like one that does not exist.
"""

from __future__ import annotations

from django.db.models import BooleanField, Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from custos.access import policy
from custos.access.roles import Role
from custos.accounts.models import User
from custos.core.selectors import get_visible

from . import scoping
from .models import (
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
    RecommendationStatus,
    VisitStatus,
)
from .monitoring import BODIES, RESPOND

VIEW = "oversight.view"
S = RecommendationStatus



def body_of_monitor(user) -> MonitoringBody | None:
    """The body a reader speaks for when he reads as a monitor (None for the prison side)."""
    return scoping.body_of(user) if scoping.monitor_only(user, VIEW) else None


def _for_reader(user, queryset: QuerySet, body_field: str = "body") -> QuerySet:
    queryset = scoping.visible(user, VIEW, queryset)
    if scoping.monitor_only(user, VIEW):
        body = scoping.body_of(user)
        return queryset.filter(**{body_field: body}) if body else queryset.none()
    return queryset


# --- bodies (the administrator) ------------------------------------------------------------


def body_list(*, user) -> QuerySet[MonitoringBody]:
    if not policy.can(user, BODIES):
        return MonitoringBody.objects.none()
    return MonitoringBody.objects.prefetch_related("facilities").annotate(
        current_members=Count("members", filter=Q(members__ended_on__isnull=True))
    ).order_by("name")


def body_get(*, user, pk) -> MonitoringBody:
    return get_visible(body_list(user=user), pk)


def members_of(body: MonitoringBody) -> QuerySet[MonitorMembership]:
    return body.members.select_related("user").order_by("ended_on", "-started_on")


def monitors_free() -> QuerySet[User]:
    """Users holding the monitor role who act for no body at present."""
    acting = MonitorMembership.objects.filter(ended_on__isnull=True).values("user_id")
    return User.objects.filter(role_assignments__role=Role.MONITOR, is_active=True).exclude(
        pk__in=acting).distinct().order_by("username")


# --- visits and findings -------------------------------------------------------------------


def visit_list_visible_to(*, user) -> QuerySet[MonitoringVisit]:
    visits = _for_reader(user, MonitoringVisit.objects.select_related("body", "facility"))
    if body_of_monitor(user) is None:
        visits = visits.filter(Q(announced=True) | Q(status=VisitStatus.DONE))
    return visits


def visit_get(*, user, pk) -> MonitoringVisit:
    """A visit with its findings and their recommendations."""
    findings = MonitoringFinding.objects.order_by("created_at", "pk").prefetch_related(
        "recommendations")
    return get_visible(visit_list_visible_to(user=user).prefetch_related(
        Prefetch("findings", queryset=findings)), pk)


def may_read_notes(user, visit: MonitoringVisit) -> bool:
    """The team's summary is the body's own: only its monitors read it."""
    body = body_of_monitor(user)
    return body is not None and body.pk == visit.body_id


def findings_of(visit: MonitoringVisit) -> QuerySet[MonitoringFinding]:
    """The findings of a visit the reader already reaches (read with it by `visit_get`)."""
    return visit.findings.all()


def finding_get(*, user, pk) -> MonitoringFinding:
    return get_visible(MonitoringFinding.objects.filter(
        visit__in=visit_list_visible_to(user=user)).select_related("visit"), pk)


# --- recommendations -----------------------------------------------------------------------


def _overdue(today) -> Case:
    return Case(When(Q(status=S.AWAITING_RESPONSE, response_due_on__lt=today)
                     | Q(status__in=[S.IN_PROGRESS, S.NOT_IMPLEMENTED], deadline__lt=today),
                     then=Value(True)), default=Value(False), output_field=BooleanField())


def recommendation_list_visible_to(*, user) -> QuerySet[Recommendation]:
    """Overdue ones first (a response or an implementation deadline passed), then by the
    date the response is due."""
    return _for_reader(user, Recommendation.objects.select_related(
        "body", "facility", "finding", "finding__visit")).annotate(
        overdue=_overdue(timezone.localdate())).order_by("-overdue", "response_due_on", "pk")


def recommendation_get(*, user, pk) -> Recommendation:
    return get_visible(recommendation_list_visible_to(user=user).select_related("responded_by"), pk)


def history_of(recommendation: Recommendation):
    return recommendation.updates.select_related("created_by").order_by("created_at", "pk")


def awaiting_response(*, user) -> QuerySet[Recommendation]:
    """What the director is to answer: recommendations addressed to his facilities."""
    where = policy.facilities_for(user, RESPOND)
    waiting = recommendation_list_visible_to(user=user).filter(status=S.AWAITING_RESPONSE)
    return waiting if where is policy.ALL else waiting.filter(facility__in=sorted(where))


def status_counts(recommendations: QuerySet[Recommendation]) -> list[tuple[str, str, int]]:
    """(status, label, how many) for every status, in the order of the work."""
    counts = dict(recommendations.order_by().values_list("status").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in S.choices]
