"""The retaliation check (Mandela Rule 57(2)): a move, a new restrictive measure or a new
disciplinary charge on a complainant within N days after his complaint is flagged, with the
evidence; a breach without a recorded reason, a warning with one; for a complaint confidential
to a body, for the monitor alone and without naming the complaint."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from custos.custody.models import Placement
from custos.oversight import complaints, retaliation
from custos.oversight.flags import flag_resolve
from custos.oversight.models import DisciplinaryCharge, Flag, RestrictiveMeasure

from ..factories import PrisonerFactory, user_with_role
from .test_cases_support import monitor_of

pytestmark = pytest.mark.django_db
ON = timezone.localdate() - timedelta(days=1)
RECEIVED = timezone.make_aware(datetime.combine(ON - timedelta(days=10), time(9)))


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


@pytest.fixture
def partner(facility):
    return user_with_role("partner", facility, username="partner-r")


def complain(user, prisoner, at=RECEIVED, **extra):
    data = {"subject": "Searches", "text": "Searched every day.", **extra}
    return complaints.complaint_file(acting_user=user, prison_number=prisoner.prison_number,
                                     received_at=at, **data)


def move(prisoner, cell, director, at, reason="Cell repairs", ended=False):
    return Placement.objects.create(prisoner=prisoner, cell=cell, started_at=at,
                                    ended_at=at + timedelta(hours=1) if ended else None,
                                    reason=reason, authorised_by=director)


def measure(prisoner, at, necessity="Threats to staff."):
    return RestrictiveMeasure.objects.create(
        prisoner=prisoner, facility=prisoner.facility, kind="solitary",
        legal_basis="Prison Act s.40", necessity=necessity, proportionality="Short.",
        started_at=at, planned_review_on=at.date() + timedelta(days=7))


def charge(prisoner, at, particulars="A fight on the landing."):
    made = DisciplinaryCharge.objects.create(
        prisoner=prisoner, facility=prisoner.facility, offence="Fighting",
        rule_reference="Rule 51(1)", particulars=particulars, incident_at=at)
    DisciplinaryCharge.objects.filter(pk=made.pk).update(created_at=at)
    return made


def test_a_move_after_a_complaint_is_flagged_with_its_evidence(partner, prisoner, cell,
                                                               director):
    complaint = complain(partner, prisoner)
    moved = move(prisoner, cell, director, RECEIVED + timedelta(days=2))

    assert retaliation.check(ON) == 1

    flag = Flag.objects.get(code="possible_retaliation")
    assert (flag.subject_type, flag.subject_id) == ("placement", moved.pk)
    assert flag.rule == "Mandela Rule 57(2)" and flag.severity == "warning"
    assert flag.for_whom == ["director", "independent_monitor"]
    assert flag.prisoner_id == prisoner.pk and flag.facility_id == prisoner.facility_id
    assert flag.evidence["complaint"] == {"id": complaint.pk,
                                          "received_on": RECEIVED.date().isoformat()}
    assert flag.evidence["action"] == "placement" and flag.evidence["reason"] == "Cell repairs"
    assert flag.evidence["action_at"] == moved.started_at.isoformat()


def test_an_action_without_a_recorded_reason_is_a_breach(partner, prisoner):
    complain(partner, prisoner)
    measure(prisoner, RECEIVED + timedelta(days=1), necessity="  ")
    charge(prisoner, RECEIVED + timedelta(days=3), particulars="A fight.")

    retaliation.check(ON)

    severities = dict(Flag.objects.values_list("subject_type", "severity"))
    assert severities == {"measure": "breach", "charge": "warning"}


def test_a_move_before_the_complaint_is_not_flagged(partner, prisoner, cell, director):
    move(prisoner, cell, director, RECEIVED - timedelta(hours=1))
    complain(partner, prisoner)

    assert retaliation.check(ON) == 0
    assert not Flag.objects.exists()


def test_another_prisoners_move_is_not_flagged(partner, prisoner, cell, director, facility):
    complain(partner, prisoner)
    move(PrisonerFactory(facility=facility), cell, director, RECEIVED + timedelta(days=1))

    assert retaliation.check(ON) == 0


@override_settings(CUSTOS_RETALIATION_DAYS=5)
def test_flagged_within_n_days_and_not_after(partner, prisoner, cell, director):
    complain(partner, prisoner)
    within = move(prisoner, cell, director, RECEIVED + timedelta(days=5), ended=True)
    after = move(prisoner, cell, director, RECEIVED + timedelta(days=5, seconds=1))

    retaliation.check(RECEIVED.date() + timedelta(days=5))

    assert list(Flag.objects.values_list("subject_id", flat=True)) == [within.pk]
    assert not Flag.objects.filter(subject_id=after.pk).exists()


def test_a_complaint_older_than_n_days_is_no_longer_checked(partner, prisoner, cell,
                                                            director):
    complain(partner, prisoner, at=RECEIVED - timedelta(days=31))
    move(prisoner, cell, director, RECEIVED - timedelta(days=30))

    assert retaliation.check(ON) == 0


def test_the_check_raises_each_flag_once(partner, prisoner):
    complain(partner, prisoner)
    charge(prisoner, RECEIVED + timedelta(days=1))

    assert retaliation.check(ON) == 1
    assert retaliation.check(ON) == 0
    assert retaliation.check(ON + timedelta(days=1)) == 0
    assert Flag.objects.count() == 1


def test_two_complaints_before_one_action_give_one_flag_the_director_sees(
        partner, prisoner, facility):
    _monitor, body = monitor_of(facility, username="mon-r1")
    complain(partner, prisoner, confidentiality="body", body=body)
    open_one = complain(partner, prisoner, at=RECEIVED - timedelta(days=1))
    charge(prisoner, RECEIVED + timedelta(days=1))

    retaliation.check(ON)

    flag = Flag.objects.get()
    assert flag.for_whom == ["director", "independent_monitor"]
    assert flag.evidence["complaint"]["id"] == open_one.pk


def test_a_body_confidential_complaint_is_not_identifiable_in_its_flag(partner, prisoner,
                                                                       facility):
    _monitor, body = monitor_of(facility, username="mon-r2")
    complain(partner, prisoner, subject="Beaten by officer X", confidentiality="body",
             body=body)
    laid = charge(prisoner, RECEIVED + timedelta(days=1))

    retaliation.check(ON)

    flag = Flag.objects.get()
    assert flag.for_whom == ["independent_monitor"]
    assert flag.evidence["complaint"] == {"received_on": RECEIVED.date().isoformat()}
    assert "officer X" not in str(flag.evidence)
    assert flag.key == f"possible_retaliation:charge:{laid.pk}:"


def test_nightly_runs_the_check(partner, prisoner):
    complain(partner, prisoner)
    charge(prisoner, RECEIVED + timedelta(days=1))

    assert complaints.nightly(ON) == 1
    assert Flag.objects.filter(code="possible_retaliation").count() == 1


def test_a_director_resolves_the_flag_saying_why(partner, prisoner, director):
    complain(partner, prisoner)
    charge(prisoner, RECEIVED + timedelta(days=1))
    retaliation.check(ON)

    resolved = flag_resolve(acting_user=director, flag=Flag.objects.get(),
                            resolution="Charge laid for a fight seen on CCTV; unrelated.")

    assert resolved.resolved_by == director and resolved.resolution.startswith("Charge laid")


def test_the_check_is_set_based(partner, facility, cell, director):
    def run_with(count: int) -> int:
        Flag.objects.all().delete()
        for _ in range(count):
            prisoner = PrisonerFactory(facility=facility)
            complain(partner, prisoner)
            charge(prisoner, RECEIVED + timedelta(days=1))
            measure(prisoner, RECEIVED + timedelta(days=2))
        with CaptureQueriesContext(connection) as queries:
            retaliation.check(ON)
        return len(queries)

    few, many = run_with(2), run_with(20)

    assert few == many
    assert Flag.objects.count() == 44  # the 2 earlier complainants are checked again too


def test_an_action_on_the_day_checked_counts(partner, prisoner):
    day = timezone.localdate() - timedelta(days=2)
    at = timezone.make_aware(datetime.combine(day, time(23, 59)))
    complain(partner, prisoner, at=at - timedelta(days=1))
    charge(prisoner, at)

    assert retaliation.check(day) == 1


def test_the_flags_read_as_sentences_without_naming_a_confidential_complaint(
        partner, prisoner, facility):
    _monitor, body = monitor_of(facility, username="mon-r3")
    open_one = complain(partner, prisoner)
    charge(prisoner, RECEIVED + timedelta(days=1), particulars="")
    other = PrisonerFactory(facility=facility)
    complain(partner, other, confidentiality="body", body=body)
    measure(other, RECEIVED + timedelta(days=2))
    retaliation.check(ON)

    named = complaints.evidence_in_words(Flag.objects.get(subject_type="charge"))
    unnamed = complaints.evidence_in_words(Flag.objects.get(subject_type="measure"))

    assert f"complaint #{open_one.pk}" in named and "no reason recorded" in named
    assert "#" not in unnamed and "Threats to staff." in unnamed


def test_an_action_not_yet_begun_is_not_flagged(partner, prisoner, cell, director):
    complain(partner, prisoner, at=timezone.now() - timedelta(days=1))
    move(prisoner, cell, director, timezone.now() + timedelta(minutes=30))

    assert retaliation.check(timezone.localdate()) == 0
