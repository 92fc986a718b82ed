"""Discipline flags: the nightly check of charges left waiting, and confinement of a
prisoner whom it may harm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custos.core.errors import RuleViolation
from custos.oversight import discipline, safeguards
from custos.oversight.models import DisciplinaryCharge, Flag, Sanction

from .test_discipline_support import a_prisoner, charged, notified, proved

pytestmark = pytest.mark.django_db


def recorded(charge, hours_ago: float) -> DisciplinaryCharge:
    """The charge as if it had been recorded `hours_ago` (created_at is set on saving)."""
    DisciplinaryCharge.objects.filter(pk=charge.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago))
    return DisciplinaryCharge.objects.get(pk=charge.pk)


def test_a_charge_not_notified_within_a_day_is_flagged_once(security, facility):
    prisoner = a_prisoner(facility)
    late = recorded(charged(security, prisoner), hours_ago=49)
    recent = charged(security, prisoner, rule_reference="PR 2")  # recorded just now
    today = timezone.localdate()

    assert discipline.nightly(today - timedelta(days=1)) == 1
    flag = Flag.objects.get()
    assert (flag.code, flag.rule, flag.subject_type, flag.subject_id) == (
        "charge_not_notified", "Mandela Rule 41(2)", "charge", late.pk)
    assert flag.prisoner_id == prisoner.pk and "independent_monitor" in flag.for_whom
    assert discipline.nightly(today) == 0  # the same charge, the next day: still one flag
    assert not Flag.objects.filter(subject_id=recent.pk).exists()


def test_a_notified_charge_is_not_flagged_for_notice(security, facility):
    notified(security, recorded(charged(security, a_prisoner(facility)), hours_ago=72))

    assert discipline.nightly(timezone.localdate()) == 0


def test_a_charge_left_unheard_is_flagged_after_the_configured_days(settings, security,
                                                                   facility):
    settings.CUSTOS_DISCIPLINE_HEARING_DAYS = 10
    charge = notified(security, charged(security, a_prisoner(facility)))  # 9 days ago
    today = timezone.localdate()

    assert discipline.nightly(today) == 0
    assert discipline.nightly(today + timedelta(days=1)) == 1
    flag = Flag.objects.get()
    assert (flag.code, flag.rule, flag.subject_id) == ("charge_not_heard",
                                                       "Mandela Rule 41(1)", charge.pk)


def test_the_safeguards_run_includes_discipline(security, facility):
    recorded(charged(security, a_prisoner(facility)), hours_ago=49)

    counts = safeguards.run(timezone.localdate())

    assert counts["discipline"] == 1


def test_confinement_of_a_prisoner_with_a_mental_health_condition_is_flagged(director,
                                                                             facility):
    charge = proved(director, a_prisoner(facility, mental_health_condition=True))

    sanction = discipline.sanction_impose(acting_user=director, charge=charge,
                                          kind="confinement_to_cell", days=3,
                                          starts_on=timezone.localdate())

    flag = Flag.objects.get()
    assert (flag.code, flag.rule) == ("confinement_vulnerable", "Mandela Rule 45(2)")
    assert "health_care" in flag.for_whom and flag.evidence["sanction"] == sanction.pk
    discipline.sanction_impose(acting_user=director, charge=charge, kind="loss_of_privileges",
                               days=3, starts_on=timezone.localdate())
    assert Flag.objects.count() == 1


def test_confinement_of_others_raises_no_flag(director, facility):
    charge = proved(director, a_prisoner(facility))

    discipline.sanction_impose(acting_user=director, charge=charge, kind="confinement_to_cell",
                               days=3, starts_on=timezone.localdate())

    assert not Flag.objects.exists()


def test_a_pregnant_woman_is_never_confined(director, facility):
    charge = proved(director, a_prisoner(facility, sex="F", pregnant_or_nursing=True))

    with pytest.raises(RuleViolation) as refused:
        discipline.sanction_impose(acting_user=director, charge=charge,
                                   kind="confinement_to_cell", days=2,
                                   starts_on=timezone.localdate())

    assert refused.value.details["rule"] == "Bangkok Rule 22"
    assert not Sanction.objects.exists() and not Flag.objects.exists()
