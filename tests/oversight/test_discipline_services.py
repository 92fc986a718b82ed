"""Discipline services: each Mandela Rule at its boundary, each refusal changing nothing, the
order of the steps, and the appeal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition, RuleViolation
from custos.oversight import discipline
from custos.oversight.models import (
    Appeal,
    AppealOutcome,
    ChargeStatus,
    DisciplinaryCharge,
    Hearing,
    Sanction,
    SanctionKind,
)

from ..factories import FacilityFactory, user_with_role
from .test_discipline_support import (
    a_prisoner,
    appealed,
    charged,
    decided,
    heard,
    hearing_data,
    notified,
    proved,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return a_prisoner(facility)


def unchanged(charge: DisciplinaryCharge) -> None:
    """A refusal left the charge as it was."""
    now = DisciplinaryCharge.objects.get(pk=charge.pk)
    assert (now.status, now.version, now.notified_at) == (charge.status, charge.version,
                                                          charge.notified_at)


# --- the charge (Rules 37, 39(1)) --------------------------------------------------------------

def test_a_charge_names_the_prison_rule_and_is_audited(security, prisoner):
    charge = charged(security, prisoner)

    assert charge.status == ChargeStatus.CHARGED
    assert charge.facility_id == prisoner.facility_id and charge.created_by == security
    entry = AuditEntry.objects.get(action="oversight.charge_create")
    assert entry.object_id == str(charge.pk)
    assert entry.changes["rule_reference"] == "Prison Rule 51(1)"


def test_a_charge_without_a_prison_rule_is_refused_under_rule_37(security, prisoner):
    with pytest.raises(RuleViolation) as refused:
        charged(security, prisoner, rule_reference="  ")

    assert refused.value.details["rule"] == "Mandela Rule 37"
    assert refused.value.field == "rule_reference"
    assert not DisciplinaryCharge.objects.exists()
    assert not AuditEntry.objects.filter(action="oversight.charge_create").exists()


def test_an_incident_in_the_future_is_refused(security, prisoner):
    with pytest.raises(InvalidInput) as refused:
        charged(security, prisoner, incident_at=timezone.now() + timedelta(hours=1))

    assert refused.value.field == "incident_at"
    assert not DisciplinaryCharge.objects.exists()


def test_the_same_act_is_not_charged_twice_under_rule_39(security, prisoner):
    first = charged(security, prisoner)

    with pytest.raises(RuleViolation) as refused:
        charged(security, prisoner, incident_at=first.incident_at,
                rule_reference="prison rule 51(1)")

    assert refused.value.details["rule"] == "Mandela Rule 39(1)"
    assert DisciplinaryCharge.objects.count() == 1
    charged(security, prisoner, incident_at=first.incident_at, rule_reference="Rule 51(4)")
    assert DisciplinaryCharge.objects.count() == 2


def test_staff_of_another_prison_cannot_charge(prisoner):
    elsewhere = user_with_role("security", FacilityFactory(), username="sec-elsewhere")

    with pytest.raises(AccessDenied):
        charged(elsewhere, prisoner)

    assert not DisciplinaryCharge.objects.exists()


# --- the notice (Rule 41(2)) -------------------------------------------------------------------

def test_a_notice_in_one_of_his_languages_is_recorded(security, prisoner):
    charge = notified(security, charged(security, prisoner), language="BM")

    assert charge.status == ChargeStatus.NOTIFIED and charge.version == 2
    assert charge.notice_language == "bm" and charge.notice_interpreter == ""
    assert AuditEntry.objects.filter(action="oversight.charge_notify",
                                     object_id=str(charge.pk)).exists()


def test_a_notice_in_a_language_he_does_not_understand_needs_an_interpreter(security,
                                                                           prisoner):
    charge = charged(security, prisoner)

    with pytest.raises(RuleViolation) as refused:
        notified(security, charge, language="en")

    assert refused.value.details["rule"] == "Mandela Rule 41(2)"
    assert refused.value.field == "interpreter"
    assert "fr, bm" in refused.value.message
    unchanged(charge)
    done = notified(security, charge, language="en", interpreter="A. Coulibaly")
    assert done.notice_interpreter == "A. Coulibaly" and done.status == ChargeStatus.NOTIFIED


def test_without_recorded_languages_the_notice_needs_an_interpreter(security, facility):
    charge = charged(security, a_prisoner(facility, languages=""))

    with pytest.raises(RuleViolation):
        notified(security, charge, language="fr")

    unchanged(charge)


def test_a_notice_before_the_incident_is_refused(security, prisoner):
    charge = charged(security, prisoner)

    with pytest.raises(InvalidInput) as refused:
        notified(security, charge, notified_at=charge.incident_at - timedelta(minutes=1))

    assert refused.value.field == "notified_at"
    unchanged(charge)


# --- the hearing (Rules 41(2), 41(3)) ----------------------------------------------------------

def test_a_hearing_after_the_preparation_time_is_recorded_with_its_rights(security,
                                                                         director, prisoner):
    charge = notified(security, charged(security, prisoner))

    hearing = discipline.hearing_record(
        acting_user=security, charge=charge,
        **hearing_data(charge, director, held_at=charge.notified_at + timedelta(hours=24),
                       legal_assistance="Me Diallo"))

    assert hearing.adjudicator == director and hearing.prisoner_heard
    assert hearing.legal_assistance == "Me Diallo" and hearing.finding == "proved"
    assert DisciplinaryCharge.objects.get(pk=charge.pk).status == ChargeStatus.HEARD
    assert AuditEntry.objects.get(action="oversight.hearing_record").changes["finding"] == \
        "proved"


def test_a_hearing_a_minute_short_of_the_preparation_time_is_refused(security, director,
                                                                    prisoner):
    charge = notified(security, charged(security, prisoner))
    early = charge.notified_at + timedelta(hours=24) - timedelta(minutes=1)

    with pytest.raises(RuleViolation) as refused:
        heard(security, charge, director, held_at=early)

    assert refused.value.details["rule"] == "Mandela Rule 41(2)"
    assert refused.value.field == "held_at"
    assert not Hearing.objects.exists()
    unchanged(charge)


def test_the_preparation_time_is_a_setting(settings, security, director, prisoner):
    settings.CUSTOS_DISCIPLINE_PREPARATION_HOURS = 48
    charge = notified(security, charged(security, prisoner))

    with pytest.raises(RuleViolation) as refused:
        heard(security, charge, director, held_at=charge.notified_at + timedelta(hours=47))

    assert "48 hours" in refused.value.message
    heard(security, charge, director, held_at=charge.notified_at + timedelta(hours=48))
    assert Hearing.objects.count() == 1


def test_a_prisoner_who_needs_an_interpreter_gets_one_at_the_hearing(security, director,
                                                                    facility):
    charge = notified(security, charged(security, a_prisoner(facility,
                                                              interpreter_needed=True)))

    with pytest.raises(RuleViolation) as refused:
        heard(security, charge, director, language="fr")

    assert refused.value.details["rule"] == "Mandela Rule 41(3)"
    assert refused.value.field == "interpreter"
    assert not Hearing.objects.exists()
    heard(security, charge, director, language="fr", interpreter="A. Coulibaly")
    assert Hearing.objects.get().interpreter == "A. Coulibaly"


def test_a_hearing_in_a_language_he_does_not_speak_needs_an_interpreter(security, director,
                                                                       prisoner):
    charge = notified(security, charged(security, prisoner))

    with pytest.raises(RuleViolation) as refused:
        heard(security, charge, director, language="ar")

    assert refused.value.details["rule"] == "Mandela Rule 41(3)"
    unchanged(charge)


def test_a_hearing_where_the_prisoner_was_not_heard_is_refused(security, director, prisoner):
    charge = notified(security, charged(security, prisoner))

    with pytest.raises(RuleViolation) as refused:
        heard(security, charge, director, prisoner_heard=False)

    assert "41(3)" in refused.value.details["rule"]
    assert refused.value.field == "prisoner_heard"
    assert not Hearing.objects.exists()
    unchanged(charge)
    assert not AuditEntry.objects.filter(action="oversight.hearing_record").exists()


@pytest.mark.parametrize("who", ["security", "director of another prison"])
def test_the_adjudicator_is_a_director_of_the_prison(security, prisoner, who):
    adjudicator = security if who == "security" else user_with_role(
        "director", FacilityFactory(), username="dir-elsewhere")
    charge = notified(security, charged(security, prisoner))

    with pytest.raises(InvalidInput) as refused:
        heard(security, charge, adjudicator)

    assert refused.value.field == "adjudicator"
    unchanged(charge)


# --- the decision, and the order of the steps --------------------------------------------------

def test_a_decision_follows_the_finding_with_reasons(security, director, prisoner):
    charge = heard(security, notified(security, charged(security, prisoner)), director)

    with pytest.raises(InvalidInput) as refused:
        decided(director, charge, reasons=" ")
    assert refused.value.field == "reasons"
    unchanged(charge)

    done = decided(director, charge)
    assert done.status == ChargeStatus.PROVED and done.decided_by == director
    assert AuditEntry.objects.get(action="oversight.charge_decide").reason.startswith(
        "The officer")


def test_not_proved_ends_the_charge(security, director, prisoner):
    charge = heard(security, notified(security, charged(security, prisoner)), director,
                   finding="not_proved")

    charge = decided(director, charge)

    assert charge.status == ChargeStatus.NOT_PROVED
    with pytest.raises(InvalidTransition):
        discipline.sanction_impose(acting_user=director, charge=charge, kind="caution",
                                   days=None, starts_on=timezone.localdate())
    with pytest.raises(InvalidTransition):
        appealed(director, charge)
    assert not Sanction.objects.exists() and not Appeal.objects.exists()


def test_a_security_officer_does_not_decide(security, director, prisoner):
    charge = heard(security, notified(security, charged(security, prisoner)), director)

    with pytest.raises(AccessDenied):
        decided(security, charge)

    unchanged(charge)


def test_the_steps_go_only_forward_and_in_order(security, director, prisoner):
    charge = charged(security, prisoner)

    with pytest.raises(InvalidTransition):  # a hearing before the notice
        discipline.hearing_record(acting_user=security, charge=charge,
                                  **hearing_data(charge, director,
                                                 held_at=timezone.now() - timedelta(hours=1)))
    with pytest.raises(InvalidTransition):  # a decision before the hearing
        decided(director, charge)
    with pytest.raises(InvalidTransition):  # a sanction before the decision
        discipline.sanction_impose(acting_user=director, charge=charge, kind="caution",
                                   days=None, starts_on=timezone.localdate())
    unchanged(charge)
    charge = notified(security, charge)
    with pytest.raises(InvalidTransition):  # told twice
        notified(security, charge)
    with pytest.raises(InvalidTransition):  # an appeal before the decision
        appealed(director, charge)
    with pytest.raises(InvalidTransition):  # no appeal to decide
        discipline.appeal_decide(acting_user=director, charge=charge, version=charge.version,
                                 outcome="upheld", reasons="Nothing to review.")
    unchanged(charge)


def test_a_step_from_a_stale_version_is_refused(security, director, prisoner):
    charge = notified(security, charged(security, prisoner))

    with pytest.raises(ConcurrentEdit):
        discipline.hearing_record(acting_user=security, charge=charge,
                                  **hearing_data(charge, director, version=1))

    unchanged(charge)


# --- sanctions (Rules 39(2), 43, 44, 45) -------------------------------------------------------

PROHIBITED = [
    ("collective", "Mandela Rule 43(1)(e)"),
    ("corporal", "Mandela Rule 43(1)(d)"),
    ("reduced_diet", "Mandela Rule 43(1)(d)"),
    ("dark_cell", "Mandela Rule 43(1)(c)"),
    ("lit_cell", "Mandela Rule 43(1)(c)"),
    ("restraints", "Mandela Rule 43(2)"),
    ("no_family_contact", "Mandela Rule 43(3)"),
    ("indefinite_solitary", "Mandela Rule 43(1)(a)"),
    ("prolonged_solitary", "Mandela Rule 43(1)(b)"),
]


def impose(director, charge, kind="loss_of_privileges", days=7, starts_on=None, **more):
    return discipline.sanction_impose(acting_user=director, charge=charge, kind=kind,
                                      days=days, starts_on=starts_on or timezone.localdate(),
                                      **more)


@pytest.mark.parametrize("kind,rule", PROHIBITED)
def test_each_prohibited_sanction_is_refused_with_its_rule(director, prisoner, kind, rule):
    charge = proved(director, prisoner)

    with pytest.raises(RuleViolation) as refused:
        impose(director, charge, kind=kind, days=3)

    assert refused.value.details["rule"] == rule
    assert refused.value.message.startswith(rule)
    assert not Sanction.objects.exists()
    assert not AuditEntry.objects.filter(action="oversight.sanction_impose").exists()


def test_every_prohibited_kind_has_its_rule():
    lawful = {"caution", "loss_of_privileges", "loss_of_earnings", "extra_work",
              "confinement_to_cell"}
    assert set(discipline.PROHIBITED) == set(SanctionKind.values) - lawful


def test_confinement_to_cell_for_15_days_is_imposed(director, prisoner):
    sanction = impose(director, proved(director, prisoner), kind="confinement_to_cell",
                      days=15, details="Cell A-01")

    assert (sanction.kind, sanction.days, sanction.details) == ("confinement_to_cell", 15,
                                                                "Cell A-01")
    assert AuditEntry.objects.get(action="oversight.sanction_impose").changes["days"] == 15


def test_confinement_to_cell_for_16_days_is_prolonged_solitary(director, prisoner):
    with pytest.raises(RuleViolation) as refused:
        impose(director, proved(director, prisoner), kind="confinement_to_cell", days=16)

    assert refused.value.details["rule"] == "Mandela Rules 43(1)(b), 44"
    assert refused.value.field == "days"
    assert not Sanction.objects.exists()


def test_confinements_back_to_back_count_as_one(director, prisoner):
    first = proved(director, prisoner)
    second = proved(director, prisoner, incident_at=timezone.now() - timedelta(days=10,
                                                                               hours=1))
    today = timezone.localdate()
    impose(director, first, kind="confinement_to_cell", days=10, starts_on=today)

    with pytest.raises(RuleViolation) as refused:  # days 11 to 16 in a row
        impose(director, second, kind="confinement_to_cell", days=6,
               starts_on=today + timedelta(days=10))
    assert "16" in refused.value.message
    assert Sanction.objects.count() == 1

    impose(director, second, kind="confinement_to_cell", days=5,
           starts_on=today + timedelta(days=10))  # day 15: still lawful
    assert Sanction.objects.count() == 2


def test_the_setting_cannot_lift_confinement_past_15_days(settings, director, prisoner):
    settings.CUSTOS_SANCTION_MAX_DAYS = {"confinement_to_cell": 30}

    with pytest.raises(RuleViolation) as refused:
        impose(director, proved(director, prisoner), kind="confinement_to_cell", days=16)

    assert refused.value.details["rule"] == "Mandela Rules 43(1)(b), 44"


def test_a_child_is_never_confined(director, facility):
    today = timezone.localdate()
    child = a_prisoner(facility, date_of_birth=today.replace(year=today.year - 16))
    charge = proved(director, child)

    with pytest.raises(RuleViolation) as refused:
        impose(director, charge, kind="confinement_to_cell", days=1)

    assert refused.value.details["rule"] == "Mandela Rule 45(2), Havana Rule 67"
    assert not Sanction.objects.exists()
    impose(director, charge, kind="loss_of_privileges", days=3)
    assert Sanction.objects.count() == 1


def test_a_sanction_longer_than_its_maximum_is_disproportionate(director, prisoner):
    charge = proved(director, prisoner)

    with pytest.raises(RuleViolation) as refused:
        impose(director, charge, kind="loss_of_privileges", days=43)
    assert refused.value.details["rule"] == "Mandela Rule 39(2)"
    assert not Sanction.objects.exists()

    impose(director, charge, kind="loss_of_privileges", days=42)
    assert Sanction.objects.get().days == 42


def test_the_maximum_days_are_a_setting(settings, director, prisoner):
    settings.CUSTOS_SANCTION_MAX_DAYS = {"extra_work": 3}
    charge = proved(director, prisoner)

    with pytest.raises(RuleViolation):
        impose(director, charge, kind="extra_work", days=4)
    impose(director, charge, kind="extra_work", days=3)

    assert Sanction.objects.get().days == 3


def test_a_caution_has_no_days_and_a_sanction_with_days_needs_them(director, prisoner):
    charge = proved(director, prisoner)

    with pytest.raises(InvalidInput) as refused:
        impose(director, charge, kind="loss_of_earnings", days=None)
    assert refused.value.field == "days"

    assert impose(director, charge, kind="caution", days=5).days is None


def test_a_sanction_does_not_start_before_the_decision(director, prisoner):
    charge = proved(director, prisoner)

    with pytest.raises(InvalidInput) as refused:
        impose(director, charge, starts_on=timezone.localdate() - timedelta(days=1))

    assert refused.value.field == "starts_on"
    assert not Sanction.objects.exists()


def test_a_security_officer_does_not_sanction(security, director, prisoner):
    with pytest.raises(AccessDenied):
        impose(security, proved(director, prisoner))

    assert not Sanction.objects.exists()


# --- the appeal (Rule 41(4)) -------------------------------------------------------------------

def test_an_appeal_is_lodged_with_grounds_and_an_authority(security, director, prisoner):
    charge = proved(director, prisoner)

    with pytest.raises(InvalidInput) as refused:
        discipline.appeal_lodge(acting_user=security, charge=charge, version=charge.version,
                                grounds="", authority="Judge")
    assert refused.value.field == "grounds"
    unchanged(charge)

    appeal = discipline.appeal_lodge(acting_user=security, charge=charge,
                                     version=charge.version, grounds="Self-defence.",
                                     authority="Sentence enforcement judge")
    assert appeal.outcome == AppealOutcome.PENDING
    assert DisciplinaryCharge.objects.get(pk=charge.pk).status == ChargeStatus.APPEALED
    with pytest.raises(InvalidTransition):
        impose(director, DisciplinaryCharge.objects.get(pk=charge.pk))


def test_a_quashed_decision_voids_every_sanction(director, prisoner):
    charge = proved(director, prisoner)
    kept = impose(director, charge, kind="loss_of_privileges", days=7)
    charge = appealed(director, charge)

    appeal = discipline.appeal_decide(acting_user=director, charge=charge,
                                      version=charge.version, outcome="quashed",
                                      reasons="He was not heard on the video evidence.")

    assert appeal.outcome == AppealOutcome.QUASHED and appeal.decided_at is not None
    assert DisciplinaryCharge.objects.get(pk=charge.pk).status == ChargeStatus.CLOSED
    sanction = Sanction.objects.get(pk=kept.pk)
    assert discipline.sanction_void(sanction) and sanction.days == 7
    entry = AuditEntry.objects.get(action="oversight.appeal_decide")
    assert entry.changes["void"] == [kept.pk]


def test_an_upheld_decision_leaves_the_sanctions_in_force(director, prisoner):
    charge = proved(director, prisoner)
    kept = impose(director, charge)
    charge = appealed(director, charge)

    discipline.appeal_decide(acting_user=director, charge=charge, version=charge.version,
                             outcome="upheld", reasons="Proportionate.")

    assert not discipline.sanction_void(Sanction.objects.get(pk=kept.pk))


def test_a_varied_decision_shortens_the_sanction_named(director, prisoner):
    charge = proved(director, prisoner)
    sanction = impose(director, charge, kind="loss_of_privileges", days=14)
    charge = appealed(director, charge)

    for variations, field in (({}, "sanction"), ({sanction.pk: 14}, "days"),
                              ({sanction.pk + 99: 3}, "sanction")):
        with pytest.raises(InvalidInput) as refused:
            discipline.appeal_decide(acting_user=director, charge=charge,
                                     version=charge.version, outcome="varied",
                                     reasons="Too long.", variations=variations)
        assert refused.value.field == field
    unchanged(charge)
    assert Sanction.objects.get(pk=sanction.pk).days == 14

    discipline.appeal_decide(acting_user=director, charge=charge, version=charge.version,
                             outcome="varied", reasons="Too long.",
                             variations={sanction.pk: 7})

    assert Sanction.objects.get(pk=sanction.pk).days == 7
    entry = AuditEntry.objects.get(action="oversight.appeal_decide")
    assert entry.changes["varied"] == {str(sanction.pk): [14, 7]}
    assert Appeal.objects.get().outcome == AppealOutcome.VARIED
