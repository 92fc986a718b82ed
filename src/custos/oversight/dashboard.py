"""The oversight figures: for one facility or every facility the reader may see, over a period
counted by month — restrictive measures in force and their durations, flags raised and
resolved, discipline, custody cases and their overdue notifications, complaints and their
answers, monitoring recommendations by status, and occupancy.

Figures only: counts, durations and medians, never a name, so a monitor whose mandate does not
allow individual cases reads them as he reads the register's totals. Every query is an
aggregate narrowed by `scoping.visible` (a monitor to his body's mandate), on the facility
indexes of the oversight models; the only rows read one by one are the measures in force now
and the answers of the period, which a median needs.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.core.errors import InvalidInput
from custos.custody.models import CustodyStatus, Facility, Prisoner

from . import rules, scoping
from .models import (
    CaseKind,
    CaseStatus,
    ChargeStatus,
    Complaint,
    ComplaintStatus,
    CustodyCase,
    DailyRecord,
    DisciplinaryCharge,
    Flag,
    MeasureKind,
    Recommendation,
    RecommendationStatus,
    RestrictiveMeasure,
    Sanction,
    SanctionKind,
)
from .models.measures import DAILY_KINDS

VIEW = "oversight.view"
DEFAULT_MONTHS = 12
MAX_MONTHS = 60


def _month(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end` inclusive, counted by calendar month."""

    start: date
    end: date

    @classmethod
    def last_months(cls, today: date | None = None, months: int = DEFAULT_MONTHS) -> Period:
        today = today or timezone.localdate()
        return cls(_add_months(today, 1 - months), today)

    @classmethod
    def of(cls, start: date | None, end: date | None, today: date | None = None) -> Period:
        """The period asked for, the last twelve months where a bound is left out."""
        default = cls.last_months(today)
        end = end or default.end
        start = start or _add_months(end, 1 - DEFAULT_MONTHS)
        if end < start:
            raise InvalidInput(_("The period ends before it begins."), field="end")
        period = cls(start, end)
        if len(period.months) > MAX_MONTHS:
            raise InvalidInput(_("A period of at most %(months)d months, please.")
                               % {"months": MAX_MONTHS}, field="start")
        return period

    @property
    def months(self) -> list[date]:
        months, month = [], _month(self.start)
        while month <= self.end:
            months.append(month)
            month = _add_months(month, 1)
        return months

    def bounds(self) -> tuple[datetime, datetime]:
        """The first instant of the period and the first instant after it (local time)."""
        zone = timezone.get_current_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=zone),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone))


@dataclass
class Scope:
    """Whom the figures are for and about: the reader, the facilities, the period."""

    user: object
    facilities: list[Facility]
    period: Period
    facility: Facility | None = None  # one facility asked for, or all the reader's

    def rows(self, queryset: QuerySet, facility_field: str = "facility") -> QuerySet:
        queryset = scoping.visible(self.user, VIEW, queryset, facility_field=facility_field)
        if self.facility is not None:
            queryset = queryset.filter(**{facility_field: self.facility.pk})
        return queryset


def facilities_of(user) -> QuerySet[Facility]:
    """The facilities whose figures the user may read (a monitor: his body's mandate)."""
    return scoping.visible(user, VIEW, Facility.objects.order_by("code"), facility_field="pk")


def scope_for(user, *, facility_id: int | None = None, period: Period | None = None) -> Scope:
    """The reader's scope; a facility outside his reach is refused (403, and the attempt
    is audited as any denied access), one that does not exist is not found (404)."""
    facilities = list(facilities_of(user))
    chosen = None
    if facility_id is not None:
        chosen = next((f for f in facilities if f.pk == facility_id), None)
        if chosen is None:
            if not Facility.objects.filter(pk=facility_id).exists():
                raise Http404(_("No such facility."))
            raise policy.AccessDenied(_("This facility is outside your reach."),
                                      permission=VIEW, target=f"facility:{facility_id}")
        facilities = [chosen]
    return Scope(user, facilities, period or Period.last_months(), chosen)


def figures(*, user, facility_id: int | None = None, period: Period | None = None) -> dict:
    """Every section of the dashboard for the user's scope, as plain data."""
    scope = scope_for(user, facility_id=facility_id, period=period)
    now = timezone.now()
    return {
        "facilities": [{"id": f.pk, "code": f.code, "name": f.name} for f in scope.facilities],
        "facility": scope.facility,
        "period": {"start": scope.period.start, "end": scope.period.end,
                   "months": scope.period.months},
        "generated_at": now,
        "occupancy": occupancy(scope),
        "measures": measures(scope, now),
        "flags": flags(scope),
        "discipline": discipline(scope),
        "cases": cases(scope, now),
        "complaints": complaints(scope, now),
        "recommendations": recommendations(scope, now),
    }


# --- helpers ---------------------------------------------------------------------------------

def _in_period(scope: Scope, field: str, *, dates: bool = False) -> Q:
    if dates:
        return Q(**{f"{field}__gte": scope.period.start, f"{field}__lte": scope.period.end})
    start, after = scope.period.bounds()
    return Q(**{f"{field}__gte": start, f"{field}__lt": after})


def _as_month(value) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return _month(value)


def _per_month(queryset: QuerySet, field: str, *, by: str | None = None) -> dict:
    """{month: count}, or {(month, by): count}, in one grouped query."""
    keys = ["month", by] if by else ["month"]
    grouped = (queryset.annotate(month=TruncMonth(field)).order_by().values(*keys)
               .annotate(n=Count("pk")))
    if by:
        return {(_as_month(row["month"]), row[by]): row["n"] for row in grouped}
    return {_as_month(row["month"]): row["n"] for row in grouped}


def _monthly(scope: Scope, **series: dict) -> list[dict]:
    """One row a month of the period, with each series' count (0 where nothing happened)."""
    return [{"month": month, **{name: counts.get(month, 0) for name, counts in series.items()}}
            for month in scope.period.months]


def _counts(queryset: QuerySet, field: str) -> dict:
    return dict(queryset.order_by().values_list(field).annotate(n=Count("pk")))


def _labelled(choices, counts: dict, *, keep_zero: bool = False) -> list[dict]:
    """Counts in the order of a TextChoices, with its translated labels."""
    return [{"key": value, "label": str(label), "count": counts.get(value, 0)}
            for value, label in choices.choices if keep_zero or counts.get(value)]


# --- sections ----------------------------------------------------------------------------------

def occupancy(scope: Scope) -> dict:
    """Prisoners in custody now against the official capacity of each facility."""
    population = _counts(scope.rows(Prisoner.objects.filter(status=CustodyStatus.IN_CUSTODY)),
                         "facility")
    rows = [{"facility": f.code, "name": f.name, "capacity": f.official_capacity,
             "population": population.get(f.pk, 0),
             "percent": _percent(population.get(f.pk, 0), f.official_capacity)}
            for f in scope.facilities]
    capacity = sum(r["capacity"] for r in rows)
    total = sum(r["population"] for r in rows)
    return {"population": total, "capacity": capacity, "percent": _percent(total, capacity),
            "by_facility": rows}


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def measures(scope: Scope, now: datetime) -> dict:
    """Measures in force now by kind with their days so far (the first day counts as day 1),
    solitary confinement past the 15 days of Rule 44, and measures started each month."""
    today = timezone.localdate(now)
    rows = scope.rows(RestrictiveMeasure.objects.all())
    in_force = rows.filter(ended_at__isnull=True, started_at__lte=now)
    days = defaultdict(list)
    for kind, started_at in in_force.order_by().values_list("kind", "started_at"):
        days[kind].append((today - timezone.localdate(started_at)).days + 1)
    limit = rules.Thresholds().prolonged_days
    by_kind = [{"key": value, "label": str(label), "count": len(days[value]),
                "median_days": _median(days[value]),
                "longest_days": max(days[value]) if days[value] else None}
               for value, label in MeasureKind.choices if days.get(value)]
    return {
        "in_force": by_kind,
        "in_force_total": sum(len(d) for d in days.values()),
        "solitary_past_limit": sum(1 for d in days.get(MeasureKind.SOLITARY, []) if d > limit),
        "prolonged_solitary": _prolonged_solitary(scope, in_force, today),
        "limit_days": limit,
        "started": _monthly(scope, count=_per_month(
            rows.filter(_in_period(scope, "started_at")), "started_at")),
    }


def _median(values: list) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _days(wait) -> int:
    return wait.days if isinstance(wait, timedelta) else int(wait)


def _median_of_counts(counts: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}."""
    total = sum(counts.values())
    if not total:
        return None
    middle, seen, below = (total - 1) // 2, 0, None
    for value in sorted(counts):
        if below is not None:  # an even count whose lower middle ended the previous value
            return round((below + value) / 2, 1)
        seen += counts[value]
        if seen > middle + (total % 2 == 0):
            return float(value)
        if seen == middle + 1:  # the lower middle is the last of this value
            below = value
    return float(below)


def _prolonged_solitary(scope: Scope, in_force: QuerySet, today: date) -> int:
    """Prisoners under segregation or solitary now whose recorded days of 22 hours or more
    without meaningful contact run past 15 in a row (Rules 43(1)(b), 44). Only the last weeks
    are read: a run that began earlier is past the limit all the same."""
    limits = rules.Thresholds()
    prisoners = in_force.filter(kind__in=DAILY_KINDS).values("prisoner_id")
    records = scope.rows(DailyRecord.objects.filter(
        on__gte=today - timedelta(days=2 * limits.prolonged_days + 1), on__lte=today,
        prisoner_id__in=prisoners)).order_by().values_list(
        "prisoner_id", "on", "hours_without_contact")
    history = defaultdict(list)
    for prisoner_id, on, hours in records:
        history[prisoner_id].append(rules.Day(on=on, hours_without_contact=float(hours)))
    return sum(1 for days in history.values()
               if rules.consecutive_solitary(days, limits) > limits.prolonged_days)


def flags(scope: Scope) -> dict:
    """Flags raised and resolved each month, by code, and those open now."""
    rows = scope.rows(Flag.objects.all())
    raised = _per_month(rows.filter(_in_period(scope, "raised_on", dates=True)), "raised_on",
                        by="code")
    resolved = _per_month(rows.filter(_in_period(scope, "resolved_at")), "resolved_at",
                          by="code")
    open_now = _counts(rows.filter(resolved_at__isnull=True), "code")
    codes = sorted({code for _m, code in raised} | {code for _m, code in resolved}
                   | set(open_now))
    months = scope.period.months

    def total(counts: dict, month: date) -> int:
        return sum(n for (m, _code), n in counts.items() if m == month)

    return {
        "monthly": [{"month": m, "raised": total(raised, m), "resolved": total(resolved, m)}
                    for m in months],
        "by_code": [{"code": code,
                     "raised": sum(raised.get((m, code), 0) for m in months),
                     "resolved": sum(resolved.get((m, code), 0) for m in months),
                     "open": open_now.get(code, 0),
                     "raised_monthly": [raised.get((m, code), 0) for m in months],
                     "resolved_monthly": [resolved.get((m, code), 0) for m in months]}
                    for code in codes],
        "open_total": sum(open_now.values()),
        "raised_total": sum(raised.values()),
        "resolved_total": sum(resolved.values()),
    }


def discipline(scope: Scope) -> dict:
    """Charges by the month of the incident, sanctions by the month they start, and the
    sanctions of the period by kind."""
    charges = scope.rows(DisciplinaryCharge.objects.filter(_in_period(scope, "incident_at")))
    sanctions = scope.rows(Sanction.objects.filter(_in_period(scope, "starts_on", dates=True)),
                           facility_field="charge__facility")
    charged = _per_month(charges, "incident_at")
    sanctioned = _per_month(sanctions, "starts_on")
    return {
        "monthly": _monthly(scope, charges=charged, sanctions=sanctioned),
        "charges_total": sum(charged.values()),
        "sanctions_total": sum(sanctioned.values()),
        "sanctions_by_kind": _labelled(SanctionKind, _counts(sanctions, "kind")),
        "charges_by_status": _labelled(ChargeStatus, _counts(charges, "status")),
    }


def cases(scope: Scope, now: datetime) -> dict:
    """Cases opened in the period by kind, those open now, and notifications overdue now:
    to the independent authority (Rule 71) and to next of kin (Rules 69–70)."""
    from . import cases as custody_cases  # the deadlines the case register applies

    hours = custody_cases.deadline_hours()
    rows = scope.rows(CustodyCase.objects.all())
    learned = _counts(rows.filter(_in_period(scope, "learned_at")), "kind")
    open_now = _counts(rows.exclude(status=CaseStatus.CLOSED), "kind")
    overdue = rows.aggregate(
        authority=Count("pk", filter=Q(
            authority_reported_at__isnull=True,
            learned_at__lt=now - timedelta(hours=hours["authority"]))),
        next_of_kin=Count("pk", filter=Q(
            next_of_kin_notified_at__isnull=True,
            kind__in=sorted(custody_cases.NEXT_OF_KIN_KINDS),
            learned_at__lt=now - timedelta(hours=hours["next_of_kin"]))))
    return {
        "by_kind": [{"key": value, "label": str(label), "count": learned.get(value, 0),
                     "open": open_now.get(value, 0)} for value, label in CaseKind.choices],
        "total": sum(learned.values()),
        "open_total": sum(open_now.values()),
        "overdue_authority": overdue["authority"],
        "overdue_next_of_kin": overdue["next_of_kin"],
        "notify_within_hours": hours["authority"],
    }


def complaints(scope: Scope, now: datetime) -> dict:
    """Complaints received and answered each month, the median days from receipt to answer
    of those answered in the period, and those past their deadline now."""
    rows = scope.rows(Complaint.objects.all())
    answered_rows = rows.filter(_in_period(scope, "answered_at"), answered_at__isnull=False)
    received = _per_month(rows.filter(_in_period(scope, "received_at")), "received_at")
    answered = _per_month(answered_rows, "answered_at")
    # Days to answer are calendar days, counted in the database a number of days at a time:
    # a handful of rows to read however many complaints were answered.
    waits = (answered_rows.annotate(wait=ExpressionWrapper(
        TruncDate("answered_at") - TruncDate("received_at"), output_field=DurationField()))
        .order_by().values_list("wait").annotate(n=Count("pk")))
    waiting = (ComplaintStatus.OPEN, ComplaintStatus.ESCALATED)
    return {
        "monthly": _monthly(scope, received=received, answered=answered),
        "received_total": sum(received.values()),
        "answered_total": sum(answered.values()),
        "median_days_to_answer": _median_of_counts(
            {_days(wait): n for wait, n in waits}),
        "overdue_now": rows.filter(status__in=waiting,
                                   answer_due_on__lt=timezone.localdate(now)).count(),
        "waiting_now": rows.filter(status__in=waiting).count(),
    }


def recommendations(scope: Scope, now: datetime) -> dict:
    """Every recommendation by where it stands now, and the government's responses and
    implementations past their dates."""
    rows = scope.rows(Recommendation.objects.all())
    today = timezone.localdate(now)
    late = rows.aggregate(
        response=Count("pk", filter=Q(status=RecommendationStatus.AWAITING_RESPONSE,
                                      response_due_on__lt=today)),
        implementation=Count("pk", filter=Q(status=RecommendationStatus.IN_PROGRESS,
                                            deadline__lt=today)))
    by_status = _labelled(RecommendationStatus, _counts(rows, "status"), keep_zero=True)
    return {
        "by_status": by_status,
        "total": sum(s["count"] for s in by_status),
        "response_overdue": late["response"],
        "implementation_overdue": late["implementation"],
    }
