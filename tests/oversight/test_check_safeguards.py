"""`custos check_safeguards`: every area's nightly checks for a day, once each, audited; the
flags of a small hand-made world, and nothing new when the same day runs again."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight import safeguards
from custos.oversight.flags import FlagSpec, raise_flags
from custos.oversight.models import (
    CaseKind,
    Complaint,
    CustodyCase,
    DailyRecord,
    DisciplinaryCharge,
    Flag,
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    Recommendation,
    RestrictiveMeasure,
)
from tests.factories import PrisonerFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 31)


def command(*args) -> str:
    out = io.StringIO()
    call_command("check_safeguards", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def one_flag_a_day(facility):
    def nightly(on: date) -> int:
        return raise_flags([FlagSpec(code="test_check", rule="Mandela Rule 46(1)",
                                     facility_id=facility.pk, subject_type="facility",
                                     subject_id=facility.pk, raised_on=on)])
    return nightly


# --- the orchestrator --------------------------------------------------------------------

def test_run_counts_new_flags_per_area_and_a_second_run_raises_none(facility, monkeypatch):
    areas = (("first", one_flag_a_day(facility)),)

    assert safeguards.run(DAY, areas=areas) == {"first": 1}
    assert safeguards.run(DAY, areas=areas) == {"first": 0}
    assert safeguards.run(DAY + timedelta(days=1), areas=areas) == {"first": 1}
    assert Flag.objects.filter(code="test_check").count() == 2


def test_the_run_is_audited_once_with_its_counts(facility, monkeypatch):
    areas = (("first", one_flag_a_day(facility)),)

    safeguards.run(DAY, areas=areas)

    entry = AuditEntry.objects.get(action="oversight.safeguards_checked")
    assert entry.actor is None
    assert (entry.object_type, entry.object_repr) == ("safeguards", "2026-03-31")
    assert entry.changes == {"first": 1}


def test_a_failing_area_does_not_withhold_the_others_flags_and_the_run_fails(
        facility, monkeypatch):
    def fails(on):
        raise_flags([FlagSpec(code="half_done", rule="Mandela Rule 44", facility_id=facility.pk,
                              subject_type="facility", subject_id=facility.pk, raised_on=on)])
        raise ValueError("no such column")

    areas = (("broken", fails),
             ("first", one_flag_a_day(facility)))

    with pytest.raises(safeguards.SafeguardsFailed) as failed:
        safeguards.run(DAY, areas=areas)

    assert failed.value.counts == {"first": 1}
    assert failed.value.failures == {"broken": "ValueError: no such column"}
    assert Flag.objects.filter(code="test_check").exists()
    assert not Flag.objects.filter(code="half_done").exists()  # its transaction rolled back
    entry = AuditEntry.objects.get(action="oversight.safeguards_checked")
    assert entry.changes["failed"] == {"broken": "ValueError: no such column"}


def test_every_area_of_issue_7_is_checked_in_order():
    assert [area for area, _ in safeguards.AREAS] == [
        "measures", "discipline", "cases", "complaints", "monitoring"]


# --- the command --------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["2026-13-01", "31/03/2026", "yesterday", "20260331", ""])
def test_a_malformed_date_is_refused_with_a_clear_message(bad, db):
    with pytest.raises(CommandError, match="--date must be a day written YYYY-MM-DD"):
        command("--date", bad)

    assert not AuditEntry.objects.filter(action="oversight.safeguards_checked").exists()


def test_the_command_fails_when_an_area_fails_after_running_the_others(facility, monkeypatch):
    def fails(on):
        raise ValueError("no such column")

    monkeypatch.setattr(safeguards, "AREAS", (
        ("broken", fails),
        ("first", one_flag_a_day(facility))))

    with pytest.raises(CommandError, match="The checks of broken failed"):
        command("--date", "2026-03-31")

    assert Flag.objects.filter(code="test_check", raised_on=DAY).count() == 1


def test_the_command_prints_a_line_per_area_run_and_the_total(db):
    out = command("--date", "2026-03-31")

    lines = out.strip().splitlines()
    assert lines[-1] == "total: 0 new flags on 2026-03-31"
    for area, _ in safeguards.AREAS:
        assert any(line.startswith(f"{area}: ") for line in lines)
    assert AuditEntry.objects.get(action="oversight.safeguards_checked").object_repr == \
        "2026-03-31"


def test_without_a_date_the_command_checks_today(db):
    out = command()

    assert out.strip().splitlines()[-1].endswith(f"on {timezone.localdate().isoformat()}")


# --- a small hand-made world --------------------------------------------------------------

def hand_made_world(facility, director) -> dict:
    """One of each thing the nightly checks look for, as of today."""
    now = timezone.now()
    today = timezone.localdate()
    prisoner = PrisonerFactory(facility=facility)
    complaint = Complaint.objects.create(
        prisoner=prisoner, facility=facility, channel="staff", subject="Food",
        text="The food is cold.", received_at=now - timedelta(days=20),
        answer_due_on=today - timedelta(days=5))
    # Segregation imposed after the complaint, never authorised, review overdue, its days
    # recorded up to two days ago (yesterday is missing).
    measure = RestrictiveMeasure.objects.create(
        prisoner=prisoner, facility=facility, kind="segregation", legal_basis="Prison Act s. 40",
        necessity="Threats to staff", proportionality="Shortest time possible",
        started_at=now - timedelta(days=12), planned_review_on=today - timedelta(days=3))
    DailyRecord.objects.bulk_create(
        DailyRecord(prisoner=prisoner, measure=measure, facility=facility,
                    on=today - timedelta(days=back), hours_without_contact=23,
                    exercise_minutes=60, health_visit=True) for back in range(12, 1, -1))
    case = CustodyCase.objects.create(
        prisoner=prisoner, facility=facility, kind=CaseKind.SERIOUS_INJURY,
        occurred_at=now - timedelta(days=3), learned_at=now - timedelta(days=3),
        account="Broken arm after a search.")
    body = MonitoringBody.objects.create(name="NPM", kind="npm", mandate="All prisons",
                                         individual_cases=True)
    body.facilities.add(facility)
    visit = MonitoringVisit.objects.create(body=body, facility=facility,
                                           planned_on=today - timedelta(days=90),
                                           status="done", visited_on=today - timedelta(days=90))
    finding = MonitoringFinding.objects.create(visit=visit, area="conditions",
                                               text="Cells without light.")
    awaiting = Recommendation.objects.create(
        finding=finding, body=body, facility=facility, text="Repair the lights.",
        response_due_on=today - timedelta(days=1))
    late = Recommendation.objects.create(
        finding=finding, body=body, facility=facility, text="Open the windows.",
        response_due_on=today - timedelta(days=60), status="in_progress", response="accepted",
        responded_at=now - timedelta(days=61), responded_by=director, owner="Works office",
        deadline=today - timedelta(days=1))
    charged = DisciplinaryCharge.objects.create(
        prisoner=prisoner, facility=facility, offence="Fighting", rule_reference="r. 51(1)",
        particulars="On the landing.", incident_at=now - timedelta(days=3))
    notified = DisciplinaryCharge.objects.create(
        prisoner=prisoner, facility=facility, offence="Damage", rule_reference="r. 51(16)",
        particulars="Broke a window.", incident_at=now - timedelta(days=21), status="notified",
        notified_at=now - timedelta(days=20), notice_language="fr")
    DisciplinaryCharge.objects.filter(pk=charged.pk).update(created_at=now - timedelta(days=3))
    DisciplinaryCharge.objects.filter(pk=notified.pk).update(
        created_at=now - timedelta(days=21))
    return {"measure": measure, "complaint": complaint, "case": case,
            "awaiting": awaiting, "late": late, "charged": charged, "notified": notified}


# What each area's nightly check must raise on the hand-made world: (code, subject).
EXPECTED = {
    "measures": [("review_overdue", "measure"), ("unauthorised_measure", "measure"),
                 ("day_not_recorded", "measure")],
    "discipline": [("charge_not_notified", "charged"), ("charge_not_heard", "notified")],
    "cases": [("case_authority_overdue", "case"), ("case_next_of_kin_overdue", "case")],
    "complaints": [("complaint_overdue", "complaint"), ("possible_retaliation", None)],
    "monitoring": [("recommendation_response_overdue", "awaiting"),
                   ("recommendation_deadline_passed", "late")],
}


@pytest.mark.parametrize("area", sorted(EXPECTED))
def test_the_command_raises_the_expected_flags_of_each_area(area, facility, director):
    world = hand_made_world(facility, director)

    out = command()

    raised = Flag.objects.filter(facility=facility)
    for code, subject in EXPECTED[area]:
        found = raised.filter(code=code)
        assert found.exists(), f"{code} not raised"
        if subject:
            assert found.filter(subject_id=world[subject].pk).exists(), f"{code} not on {subject}"
        assert all(flag.rule for flag in found)
    assert f"{area}: " in out


def test_the_command_run_twice_on_the_same_day_raises_nothing_new(facility, director):
    hand_made_world(facility, director)
    command()
    flags = set(Flag.objects.values_list("key", flat=True))
    complaints = list(Complaint.objects.values_list("status", "escalation_level"))

    out = command()

    assert out.strip().splitlines()[-1].startswith("total: 0 new flags")
    assert set(Flag.objects.values_list("key", flat=True)) == flags
    assert list(Complaint.objects.values_list("status", "escalation_level")) == complaints
    assert AuditEntry.objects.filter(action="oversight.safeguards_checked").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_second_run_while_one_is_going_is_refused(facility, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("one run at a time is enforced with a PostgreSQL advisory lock")
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(host=settings["HOST"] or None, port=settings["PORT"] or None,
                            user=settings["USER"], password=settings["PASSWORD"] or None,
                            dbname=settings["NAME"], autocommit=True)
    areas = (("first", one_flag_a_day(facility)),)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [safeguards._LOCK_KEY])
        with pytest.raises(safeguards.AlreadyRunning):
            safeguards.run(DAY, areas=areas)
        with pytest.raises(CommandError, match="Another check of the safeguards is running"):
            command("--date", "2026-03-31")
        assert not Flag.objects.filter(code="test_check").exists()
        other.execute("SELECT pg_advisory_unlock(%s)", [safeguards._LOCK_KEY])
    finally:
        other.close()

    assert safeguards.run(DAY, areas=areas) == {"first": 1}  # once the other run is over
