"""Reading custody cases: within the reader's oversight scope (a monitor's mandate), never by
the staff implicated in them; each case read is audited."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from custos.audit import trail

from . import cases, scoping
from .models import CaseStatus, CustodyCase, ImplicatedStaff

VIEW = "oversight.view"


def cases_visible(*, user) -> QuerySet[CustodyCase]:
    implicated = ImplicatedStaff.objects.filter(case=OuterRef("pk"), user_id=user.pk)
    found = scoping.visible(user, VIEW, CustodyCase.objects.all(), prisoner_field="prisoner")
    return found.filter(~Exists(implicated)).select_related("prisoner", "facility")


def case_get(*, user, pk: int) -> CustodyCase:
    """One case, its read audited; outside the reader's reach it does not exist."""
    case = cases_visible(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404
    trail.record(user, "oversight.case_read", case)
    return case


def overdue_condition(now: datetime) -> Q:
    hours = cases.deadline_hours()
    authority = Q(authority_reported_at__isnull=True,
                  learned_at__lt=now - timedelta(hours=hours["authority"]))
    kin = Q(kind__in=sorted(cases.NEXT_OF_KIN_KINDS), next_of_kin_notified_at__isnull=True,
            learned_at__lt=now - timedelta(hours=hours["next_of_kin"]))
    return (authority | kin) & ~Q(status=CaseStatus.CLOSED)


def case_register(*, user, now: datetime | None = None) -> QuerySet[CustodyCase]:
    """The register: cases with a notification overdue first, then the newest."""
    now = now or timezone.now()
    return cases_visible(user=user).annotate(
        overdue=Case(When(overdue_condition(now), then=Value(True)), default=Value(False),
                     output_field=BooleanField())
    ).order_by("-overdue", "-learned_at", "-pk")


def described(case: CustodyCase, *, user, now: datetime | None = None) -> CustodyCase:
    """The case with what a page shows of it: who it is about for this reader, its deadlines
    and how late each outstanding notification is."""
    now = now or timezone.now()
    case.subject = scoping.subject_label(user, case.prisoner, case.facility_id)
    case.names_shown = scoping.names_visible(user, case.facility_id)
    case.authority_due = cases.authority_due(case)
    case.next_of_kin_due = cases.next_of_kin_due(case)
    late = cases.lateness(case, now) if case.status != CaseStatus.CLOSED else {}
    # Whole hours late, and at least one: a notification a minute late is late.
    case.late_hours = {what: max(1, math.floor(by.total_seconds() / 3600))
                       for what, by in late.items()}
    return case
