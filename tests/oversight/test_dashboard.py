"""The oversight figures, each computed on hand-made records: boundaries of the period and of
the Rules' limits, medians, overdue counts, and who reaches which facility."""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta

import pytest
from django.http import Http404
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from custos.access.policy import AccessDenied
from custos.core.errors import InvalidInput
from custos.oversight import dashboard
from custos.oversight.dashboard import Period
from custos.oversight.models import (
    Complaint,
    CustodyCase,
    DailyRecord,
    DisciplinaryCharge,
    Flag,
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
    RestrictiveMeasure,
    Sanction,
)
from tests.factories import FacilityFactory, PrisonerFactory, user_with_role

pytestmark = pytest.mark.django_db
Q1_2025 = Period(date(2025, 1, 1), date(2025, 3, 31))


def at(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def days_ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


# --- records, made directly (the figures only read them) -----------------------------------

def measure(prisoner, kind="solitary", started_at=None, ended_at=None, facility=None):
    return RestrictiveMeasure.objects.create(
        prisoner=prisoner, facility=facility or prisoner.facility, kind=kind,
        legal_basis="Prison Act s. 45", necessity="Assault on staff", proportionality="Brief",
        started_at=started_at or timezone.now(), ended_at=ended_at,
        planned_review_on=timezone.localdate() + timedelta(days=7))


def solitary_days(measure_, last_day: date, hours: list[float]):
    """One daily record a day, ending on `last_day`, with the hours given (oldest first)."""
    first = last_day - timedelta(days=len(hours) - 1)
    for offset, hour in enumerate(hours):
        DailyRecord.objects.create(prisoner=measure_.prisoner, measure=measure_,
                                   facility=measure_.facility,
                                   on=first + timedelta(days=offset), hours_without_contact=hour,
                                   exercise_minutes=60, health_visit=True)


def flag(facility, code, raised_on, resolved_at=None, n=[0]):  # noqa: B006 — a counter
    n[0] += 1
    return Flag.objects.create(key=f"{code}:{n[0]}", code=code, rule="Mandela Rule 44",
                               severity="warning", facility=facility, subject_type="measure",
                               subject_id=n[0], raised_on=raised_on, resolved_at=resolved_at)


def charge(prisoner, incident_at, sanctions=()):
    made = DisciplinaryCharge.objects.create(
        prisoner=prisoner, facility=prisoner.facility, offence="Fighting",
        rule_reference="PR 51(1)", particulars="On the yard", incident_at=incident_at)
    for kind, starts_on in sanctions:
        Sanction.objects.create(charge=made, kind=kind, starts_on=starts_on, days=3)
    return made


def case(prisoner, kind, learned_at, **kwargs):
    return CustodyCase.objects.create(prisoner=prisoner, facility=prisoner.facility, kind=kind,
                                      occurred_at=learned_at, learned_at=learned_at,
                                      account="Found injured", **kwargs)


def complaint(prisoner, received_at, due_on, status="open", answered_at=None):
    return Complaint.objects.create(prisoner=prisoner, facility=prisoner.facility,
                                    channel="staff", subject="Food", text="Cold food",
                                    received_at=received_at, answer_due_on=due_on,
                                    status=status, answered_at=answered_at)


def recommendation(facility, status="awaiting", due_on=None, deadline=None, body=None):
    body = body or MonitoringBody.objects.get_or_create(
        name="Ombudsman", defaults={"kind": "ombudsman", "mandate": "All prisons."})[0]
    visit = MonitoringVisit.objects.create(body=body, facility=facility,
                                           planned_on=date(2025, 1, 10), status="done")
    finding = MonitoringFinding.objects.create(visit=visit, area="conditions", text="Damp")
    return Recommendation.objects.create(
        finding=finding, body=body, facility=facility, text="Repair the roof",
        response_due_on=due_on or timezone.localdate() + timedelta(days=30), status=status,
        deadline=deadline)


def monitor_for(facilities, *, username="monitor-npm", individual_cases=False):
    """A monitor (role granted everywhere) acting for a body whose mandate is `facilities`."""
    user = user_with_role("monitor", None, username=username)
    body = MonitoringBody.objects.create(name=f"Body of {username}", kind="npm",
                                         mandate="Listed prisons.",
                                         individual_cases=individual_cases)
    body.facilities.set(facilities)
    MonitorMembership.objects.create(body=body, user=user, started_on=date(2020, 1, 1))
    return user


# --- the period ------------------------------------------------------------------------------

def test_the_default_period_is_the_last_twelve_months_by_month():
    period = Period.last_months(date(2026, 11, 23))

    assert (period.start, period.end) == (date(2025, 12, 1), date(2026, 11, 23))
    assert period.months[0] == date(2025, 12, 1) and period.months[-1] == date(2026, 11, 1)
    assert len(period.months) == 12


def test_a_period_that_ends_before_it_begins_is_refused_on_its_end():
    with pytest.raises(InvalidInput) as refused:
        Period.of(date(2025, 3, 1), date(2025, 2, 28))

    assert refused.value.field == "end"


def test_sixty_months_are_allowed_and_sixty_one_refused():
    assert len(Period.of(date(2021, 1, 1), date(2025, 12, 31)).months) == 60
    with pytest.raises(InvalidInput) as refused:
        Period.of(date(2020, 12, 31), date(2025, 12, 31))

    assert refused.value.field == "start"


def test_a_period_given_by_its_end_alone_runs_twelve_months_back():
    assert Period.of(None, date(2025, 6, 15)).start == date(2024, 7, 1)


# --- restrictive measures ------------------------------------------------------------------

def test_measures_in_force_by_kind_with_median_and_longest_days_so_far(director, facility):
    prisoners = PrisonerFactory.create_batch(4, facility=facility)
    for prisoner, days in zip(prisoners, (3, 10, 20), strict=False):
        measure(prisoner, started_at=days_ago(days))  # days so far: 4, 11, 21
    measure(prisoners[3], kind="restricted_visits", started_at=days_ago(1))
    measure(prisoners[3], started_at=days_ago(40), ended_at=days_ago(30))  # ended
    elsewhere = PrisonerFactory(facility=FacilityFactory())
    measure(elsewhere, started_at=days_ago(100))  # another facility

    figures = dashboard.figures(user=director)["measures"]

    by_kind = {row["key"]: row for row in figures["in_force"]}
    assert by_kind["solitary"]["count"] == 3
    assert by_kind["solitary"]["median_days"] == 11
    assert by_kind["solitary"]["longest_days"] == 21
    assert by_kind["restricted_visits"]["count"] == 1
    assert figures["in_force_total"] == 4


def test_solitary_in_force_past_fifteen_days_counts_day_sixteen_not_day_fifteen(director,
                                                                                facility):
    day_15, day_16 = PrisonerFactory.create_batch(2, facility=facility)
    measure(day_15, started_at=days_ago(14))
    measure(day_16, started_at=days_ago(15))
    measure(PrisonerFactory(facility=facility), kind="segregation", started_at=days_ago(30))

    figures = dashboard.figures(user=director)["measures"]

    assert figures["solitary_past_limit"] == 1
    assert {r["key"]: r["longest_days"] for r in figures["in_force"]}["solitary"] == 16


def test_prolonged_solitary_counts_runs_past_fifteen_days_of_twenty_two_hours(director,
                                                                              facility):
    today = timezone.localdate()
    sixteen, fifteen, broken, ended = PrisonerFactory.create_batch(4, facility=facility)
    solitary_days(measure(sixteen, started_at=days_ago(20)), today, [22] * 16)
    solitary_days(measure(fifteen, started_at=days_ago(20)), today, [23] * 15)
    solitary_days(measure(broken, started_at=days_ago(20)), today, [22] * 8 + [21] + [22] * 7)
    old = measure(ended, started_at=days_ago(40), ended_at=days_ago(2))
    solitary_days(old, today - timedelta(days=2), [24] * 20)

    assert dashboard.figures(user=director)["measures"]["prolonged_solitary"] == 1


def test_measures_started_are_counted_in_the_month_they_started(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    measure(prisoner, started_at=at(2025, 1, 31, 23, 30), ended_at=at(2025, 2, 3))
    measure(prisoner, started_at=at(2025, 3, 1, 0, 0))
    measure(prisoner, started_at=at(2024, 12, 31, 23, 59), ended_at=at(2025, 1, 2))
    measure(prisoner, started_at=at(2025, 4, 1, 0, 0))

    started = dashboard.figures(user=director, period=Q1_2025)["measures"]["started"]

    assert started == [{"month": date(2025, 1, 1), "count": 1},
                       {"month": date(2025, 2, 1), "count": 0},
                       {"month": date(2025, 3, 1), "count": 1}]


# --- flags -----------------------------------------------------------------------------------

def test_flags_raised_and_resolved_by_month_and_code_and_open_now(director, facility):
    flag(facility, "no_health_visit", date(2025, 1, 5), resolved_at=at(2025, 2, 1))
    flag(facility, "no_health_visit", date(2025, 1, 20))
    flag(facility, "solitary_nearing_limit", date(2025, 3, 31), resolved_at=at(2025, 4, 2))
    flag(facility, "no_open_air_hour", date(2024, 12, 31))  # before the period, still open
    flag(FacilityFactory(), "no_health_visit", date(2025, 1, 6))  # another facility

    figures = dashboard.figures(user=director, period=Q1_2025)["flags"]

    assert [(m["raised"], m["resolved"]) for m in figures["monthly"]] == [(2, 0), (0, 1),
                                                                           (1, 0)]
    codes = {row["code"]: row for row in figures["by_code"]}
    assert (codes["no_health_visit"]["raised"], codes["no_health_visit"]["resolved"],
            codes["no_health_visit"]["open"]) == (2, 1, 1)
    assert codes["no_health_visit"]["raised_monthly"] == [2, 0, 0]
    assert codes["solitary_nearing_limit"]["open"] == 0  # resolved after the period
    assert codes["no_open_air_hour"] == {"code": "no_open_air_hour", "raised": 0,
                                         "resolved": 0, "open": 1, "raised_monthly": [0, 0, 0],
                                         "resolved_monthly": [0, 0, 0]}
    assert figures["open_total"] == 2


# --- discipline ------------------------------------------------------------------------------

def test_charges_by_month_of_incident_and_sanctions_by_month_they_start(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    charge(prisoner, at(2025, 1, 15), sanctions=[("caution", date(2025, 2, 1)),
                                                 ("loss_of_privileges", date(2025, 2, 1))])
    charge(prisoner, at(2025, 3, 31, 23, 59), sanctions=[("caution", date(2025, 4, 1))])
    charge(PrisonerFactory(facility=FacilityFactory()), at(2025, 1, 15),
           sanctions=[("caution", date(2025, 1, 20))])

    figures = dashboard.figures(user=director, period=Q1_2025)["discipline"]

    assert [(m["charges"], m["sanctions"]) for m in figures["monthly"]] == [(1, 0), (0, 2),
                                                                             (1, 0)]
    assert {s["key"]: s["count"] for s in figures["sanctions_by_kind"]} == {
        "caution": 1, "loss_of_privileges": 1}
    assert (figures["charges_total"], figures["sanctions_total"]) == (2, 2)


# --- custody cases ---------------------------------------------------------------------------

def test_cases_by_kind_and_notifications_overdue_after_a_day(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    case(prisoner, "death", days_ago(25 / 24))  # a day and an hour: both overdue
    case(prisoner, "serious_injury", days_ago(23 / 24))  # within the day: not yet
    case(prisoner, "torture", days_ago(3))  # the authority is overdue; kin are not asked
    case(prisoner, "death", days_ago(3), authority_reported_at=days_ago(2.9),
         next_of_kin_notified_at=days_ago(2.95), status="closed")

    figures = dashboard.figures(user=director)["cases"]

    assert figures["overdue_authority"] == 2
    assert figures["overdue_next_of_kin"] == 1
    kinds = {row["key"]: row for row in figures["by_kind"]}
    assert (kinds["death"]["count"], kinds["death"]["open"]) == (2, 1)
    assert kinds["torture"]["count"] == 1 and kinds["disappearance"]["count"] == 0
    assert figures["open_total"] == 3


# --- complaints ------------------------------------------------------------------------------

def test_complaints_median_days_to_answer_of_those_answered_in_the_period(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    for received, answered in ((at(2025, 1, 1), at(2025, 1, 3)),  # 2 days
                               (at(2025, 1, 10), at(2025, 2, 13)),  # 34 days
                               (at(2024, 12, 20), at(2025, 1, 1))):  # 12 days, received before
        complaint(prisoner, received, date(2025, 1, 30), status="answered", answered_at=answered)
    complaint(prisoner, at(2025, 3, 20), date(2025, 4, 30), status="answered",
              answered_at=at(2025, 4, 5))  # answered after the period
    complaint(prisoner, at(2025, 2, 2), date(2025, 3, 1))  # never answered

    figures = dashboard.figures(user=director, period=Q1_2025)["complaints"]

    assert figures["median_days_to_answer"] == 12
    assert [(m["received"], m["answered"]) for m in figures["monthly"]] == [(2, 2), (1, 1),
                                                                             (1, 0)]
    assert (figures["received_total"], figures["answered_total"]) == (4, 3)


def test_complaints_overdue_now_are_those_waiting_past_their_day(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    today = timezone.localdate()
    complaint(prisoner, days_ago(20), today - timedelta(days=1))  # overdue
    complaint(prisoner, days_ago(20), today - timedelta(days=5), status="escalated")  # overdue
    complaint(prisoner, days_ago(20), today)  # due today: not yet
    complaint(prisoner, days_ago(20), today - timedelta(days=3), status="answered",
              answered_at=days_ago(1))

    figures = dashboard.figures(user=director)["complaints"]

    assert figures["overdue_now"] == 2
    assert figures["waiting_now"] == 3


# --- recommendations and occupancy -------------------------------------------------------

def test_recommendations_by_status_with_overdue_responses(director, facility):
    today = timezone.localdate()
    recommendation(facility, due_on=today - timedelta(days=1))
    recommendation(facility, due_on=today)
    recommendation(facility, status="in_progress", deadline=today - timedelta(days=1))
    recommendation(facility, status="implemented", deadline=today - timedelta(days=9))
    recommendation(FacilityFactory(), due_on=today - timedelta(days=1))

    figures = dashboard.figures(user=director)["recommendations"]

    counts = {row["key"]: row["count"] for row in figures["by_status"]}
    assert counts == {"awaiting": 2, "in_progress": 1, "implemented": 1,
                      "not_implemented": 0, "closed": 0}
    assert (figures["response_overdue"], figures["implementation_overdue"]) == (1, 1)
    assert figures["total"] == 4


def test_occupancy_counts_prisoners_in_custody_against_capacity(director, facility):
    PrisonerFactory.create_batch(5, facility=facility)
    PrisonerFactory(facility=facility, status="released", released_at=timezone.now())

    figures = dashboard.figures(user=director)["occupancy"]

    assert (figures["population"], figures["capacity"], figures["percent"]) == (5, 4, 125.0)
    assert figures["by_facility"][0]["facility"] == "BKO"


# --- who reaches what --------------------------------------------------------------------

def test_a_monitor_reads_the_figures_of_his_mandate_only(facility):
    outside = FacilityFactory(code="GAO", name="Gao")
    measure(PrisonerFactory(facility=facility), started_at=days_ago(2))
    measure(PrisonerFactory(facility=outside), started_at=days_ago(2))
    measure(PrisonerFactory(facility=outside), started_at=days_ago(2))
    monitor = monitor_for([facility])

    figures = dashboard.figures(user=monitor)

    assert [f["code"] for f in figures["facilities"]] == ["BKO"]
    assert figures["measures"]["in_force_total"] == 1
    assert figures["occupancy"]["population"] == 1
    with pytest.raises(AccessDenied):
        dashboard.figures(user=monitor, facility_id=outside.pk)


def test_a_monitor_acting_for_no_body_reads_nothing(facility):
    measure(PrisonerFactory(facility=facility), started_at=days_ago(2))
    monitor = user_with_role("monitor", facility, username="monitor-alone")

    figures = dashboard.figures(user=monitor)

    assert figures["facilities"] == []
    assert figures["measures"]["in_force_total"] == 0


def test_a_facility_outside_reach_is_refused_and_an_unknown_one_not_found(director, facility):
    other = FacilityFactory()
    measure(PrisonerFactory(facility=other), started_at=days_ago(2))

    with pytest.raises(AccessDenied):
        dashboard.figures(user=director, facility_id=other.pk)
    with pytest.raises(Http404):
        dashboard.figures(user=director, facility_id=other.pk + 1000)


def test_one_facility_of_several_narrows_every_figure(facility):
    other = FacilityFactory()
    everywhere = user_with_role("director", None, username="director-hq")
    measure(PrisonerFactory(facility=facility), started_at=days_ago(2))
    measure(PrisonerFactory(facility=other), started_at=days_ago(2))

    assert dashboard.figures(user=everywhere)["measures"]["in_force_total"] == 2
    one = dashboard.figures(user=everywhere, facility_id=other.pk)
    assert one["measures"]["in_force_total"] == 1
    assert one["occupancy"]["population"] == 1 and one["facility"] == other


@given(st.dictionaries(st.integers(0, 400), st.integers(1, 5), max_size=30))
def test_the_median_of_counted_days_is_the_median_of_the_days(counts):
    days = [value for value, n in counts.items() for _ in range(n)]

    expected = round(statistics.median(days), 1) if days else None
    assert dashboard._median_of_counts(counts) == expected
