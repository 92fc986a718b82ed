"""Admission (Mandela Rule 7), changes to the file, release, and keep-apart orders."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, RuleViolation
from custos.custody import services
from custos.custody.models import (
    AdmissionRecord,
    FamilyMember,
    KeepApart,
    NameKey,
    Offence,
    Placement,
    Prisoner,
    PrisonerName,
)

from ..factories import FacilityFactory, PrisonerFactory

MODELS = (Prisoner, PrisonerName, NameKey, AdmissionRecord, FamilyMember, Offence, Placement,
          KeepApart, AuditEntry)


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def admission_of(facility, **overrides) -> dict:
    """Everything an admission records, for a woman with a child, on a terrorism charge."""
    now = timezone.now()
    values = {
        "facility": facility,
        "prison_number": "BKO-2026-0001",
        "names": [
            {"full_name": "Aminata Traoré", "script": "latn", "kind": "primary"},
            {"full_name": "أميناتا تراوري", "script": "arab", "kind": "transliteration"},
        ],
        "date_of_birth": date(1994, 3, 8),
        "sex": "F",
        "legal_status": "remand",
        "admitted_at": now - timedelta(hours=2),
        "admission": {
            "commitment_order": "TGI-BKO/2026/117",
            "commitment_authority": "Pôle judiciaire spécialisé, Bamako",
            "arrested_on": (now - timedelta(days=3)).date(),
            "arrest_place": "Sévaré",
            "visible_injuries": "none",
            "next_of_kin_name": "Oumar Traoré",
            "next_of_kin_relationship": "brother",
        },
        "family": [
            {"name": "Fatoumata", "relationship": "daughter", "is_child": True,
             "date_of_birth": date(2021, 9, 1), "whereabouts": "Mopti", "carer": "grandmother"},
            {"name": "Oumar Traoré", "relationship": "brother"},
        ],
        "offences": [
            {"description": "Association de malfaiteurs en relation avec une entreprise "
                            "terroriste", "legal_reference": "Loi 2008-025 art. 2",
             "terrorism_related": True},
            {"description": "Détention illégale d'arme", "terrorism_related": False},
        ],
        "nationality": "ML",
        "languages": "bm,fr",
        "religion": "Islam",
    }
    values.update(overrides)
    return values


# --- admission --------------------------------------------------------------------------------


def test_admission_records_the_whole_file(director, facility):
    audit_before = AuditEntry.objects.count()
    # when the director admits a prisoner with two names, family and offences
    prisoner = services.prisoner_admit(acting_user=director, **admission_of(facility))
    # then the file holds all of it
    prisoner = Prisoner.objects.get(pk=prisoner.pk)
    assert prisoner.prison_number == "BKO-2026-0001"
    assert prisoner.display_name == "Aminata Traoré"
    assert prisoner.facility == facility
    assert prisoner.status == "in_custody"
    assert prisoner.current_cell is None
    assert prisoner.created_by == director
    assert prisoner.religion == "Islam"
    assert [(n.full_name, n.script, n.kind) for n in prisoner.names.all()] == [
        ("Aminata Traoré", "latn", "primary"),
        ("أميناتا تراوري", "arab", "transliteration"),
    ]
    assert prisoner.admission.commitment_order == "TGI-BKO/2026/117"
    assert prisoner.admission.arrest_place == "Sévaré"
    children = prisoner.family.filter(is_child=True)
    assert [(c.name, c.carer, c.whereabouts) for c in children] == [
        ("Fatoumata", "grandmother", "Mopti")]
    assert prisoner.family.count() == 2
    assert prisoner.offences.count() == 2
    # and a terrorism-related offence marks the prisoner as terrorism-related
    assert prisoner.terrorism_related is True
    # and the names are searchable
    assert NameKey.objects.filter(prisoner=prisoner).exists()
    # and the admission is audited
    actions = list(AuditEntry.objects.order_by("id")[audit_before:].values_list("action",
                                                                                 flat=True))
    assert actions == ["prisoner.admit"]


def test_admission_without_terrorism_offence_is_not_flagged(director, facility):
    offences = [{"description": "Vol qualifié", "terrorism_related": False}]
    prisoner = services.prisoner_admit(acting_user=director,
                                       **admission_of(facility, offences=offences))
    assert prisoner.terrorism_related is False


def test_admission_with_a_cell_places_the_prisoner(director, facility, cell):
    # when admitted with a cell
    prisoner = services.prisoner_admit(acting_user=director,
                                       **admission_of(facility, cell=cell,
                                                      placement_reason="reception"))
    # then they are in the cell from the admission time
    assert prisoner.current_cell == cell
    placement = Placement.objects.get(prisoner=prisoner)
    assert placement.started_at == prisoner.admitted_at
    assert placement.reason == "reception"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"prisoner.admit", "placement.create"} <= actions


def test_admission_into_a_refused_cell_creates_nothing(director, facility, cell):
    # given a man in the cell
    man = PrisonerFactory(facility=facility, sex="M")
    services.placement_create(acting_user=director, prisoner=man, cell=cell, reason="arrival")
    before = counts()
    # when a woman is admitted straight into that cell
    with pytest.raises(RuleViolation):
        services.prisoner_admit(acting_user=director, **admission_of(facility, cell=cell))
    # then the whole admission is undone
    assert counts() == before


def past(**delta) -> date:
    return timezone.localdate() - timedelta(**delta)


@pytest.mark.parametrize(("overrides", "field"), [
    pytest.param({"date_of_birth": timezone.localdate() + timedelta(days=1)}, "date_of_birth",
                 id="born-in-the-future"),
    pytest.param({"date_of_birth": date(2000, 1, 2),
                  "admitted_at": timezone.now().replace(year=2000, month=1, day=1)},
                 "admitted_at", id="admitted-before-birth"),
    pytest.param({"admission": {"commitment_order": "X/1", "commitment_authority": "Court",
                                "arrested_on": timezone.localdate() + timedelta(days=1)}},
                 "arrested_on", id="arrested-after-admission"),
    pytest.param({"admission": {"commitment_order": "  ", "commitment_authority": "Court"}},
                 "commitment_order", id="no-commitment-order"),
    pytest.param({"admission": {"commitment_authority": "Court"}},
                 "commitment_order", id="commitment-order-missing"),
    pytest.param({"admission": {"commitment_order": "X/1"}},
                 "commitment_authority", id="no-committing-authority"),
    pytest.param({"sentence_start": date(2026, 1, 1), "expected_release": date(2025, 12, 31)},
                 "expected_release", id="release-before-sentence-start"),
    pytest.param({"names": []}, "names", id="no-names"),
    pytest.param({"names": [{"full_name": "   "}]}, "names", id="blank-name"),
    pytest.param({"prison_number": "  "}, "prison_number", id="no-prison-number"),
    pytest.param({"sex": "X"}, "sex", id="unknown-sex"),
    pytest.param({"legal_status": "detained"}, "legal_status", id="unknown-legal-status"),
    pytest.param({"admitted_at": timezone.now() + timedelta(days=1)}, "admitted_at",
                 id="admitted-in-the-future"),
])
def test_bad_admission_is_refused_and_creates_nothing(director, facility, overrides, field):
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_admit(acting_user=director, **admission_of(facility, **overrides))
    assert refused.value.field == field
    assert counts() == before


def test_arrest_on_the_day_of_admission_is_accepted(director, facility):
    now = timezone.now()
    prisoner = services.prisoner_admit(acting_user=director, **admission_of(
        facility, admitted_at=now,
        admission={"commitment_order": "X/1", "commitment_authority": "Court",
                   "arrested_on": timezone.localdate()}))
    assert prisoner.admission.arrested_on == timezone.localdate()


def test_duplicate_prison_number_is_refused_and_creates_nothing(director, facility):
    # given a prisoner already holding the number
    PrisonerFactory(facility=facility, prison_number="BKO-2026-0001")
    before = counts()
    # when another admission uses it
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_admit(acting_user=director,
                                **admission_of(facility, prison_number=" BKO-2026-0001 "))
    # then it is refused on the prison number and nothing is created
    assert refused.value.field == "prison_number"
    assert "BKO-2026-0001" in refused.value.message
    assert counts() == before


def test_security_officer_may_admit_but_not_elsewhere(security, facility):
    services.prisoner_admit(acting_user=security, **admission_of(facility, religion=""))
    before = counts()
    with pytest.raises(AccessDenied):
        services.prisoner_admit(acting_user=security, **admission_of(
            FacilityFactory(), prison_number="OTHER-1"))
    assert counts() == before


def test_security_officer_may_not_record_what_they_may_not_see(security, facility):
    before = counts()

    with pytest.raises(AccessDenied):
        services.prisoner_admit(acting_user=security, **admission_of(facility))

    assert counts() == before


# --- release ---------------------------------------------------------------------------------


def placed(director, facility, cell) -> Prisoner:
    prisoner = PrisonerFactory(facility=facility)
    services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                              reason="arrival", at=timezone.now() - timedelta(days=10))
    prisoner.refresh_from_db()
    return prisoner


def release_state(prisoner: Prisoner) -> tuple:
    row = Prisoner.objects.values_list("status", "released_at", "current_cell_id",
                                       "version").get(pk=prisoner.pk)
    return row, counts(), list(Placement.objects.values_list("id", "ended_at").order_by("id"))


def test_release_ends_the_open_placement(director, facility, cell):
    # given a prisoner in a cell
    prisoner = placed(director, facility, cell)
    when = timezone.now() - timedelta(hours=1)
    # when released
    released = services.prisoner_release(acting_user=director, prisoner=prisoner,
                                         released_at=when, reason=" end of sentence ",
                                         expected_version=prisoner.version)
    # then the placement ends at the release time and the prisoner is out of the cell
    released.refresh_from_db()
    assert released.status == "released"
    assert released.released_at == when
    assert released.release_reason == "end of sentence"
    assert released.current_cell is None
    placement = Placement.objects.get(prisoner=prisoner)
    assert placement.ended_at == when
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id) == ("prisoner.release", str(prisoner.pk))


def test_release_before_admission_is_refused(director, facility, cell):
    prisoner = placed(director, facility, cell)
    before = release_state(prisoner)
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_release(acting_user=director, prisoner=prisoner,
                                  released_at=prisoner.admitted_at - timedelta(minutes=1),
                                  reason="bail", expected_version=prisoner.version)
    assert refused.value.field == "released_at"
    assert release_state(prisoner) == before


def test_release_before_the_current_placement_began_is_refused(director, facility, cell):
    prisoner = placed(director, facility, cell)
    started = Placement.objects.get(prisoner=prisoner).started_at
    before = release_state(prisoner)
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_release(acting_user=director, prisoner=prisoner,
                                  released_at=started - timedelta(minutes=1), reason="bail",
                                  expected_version=prisoner.version)
    assert refused.value.field == "released_at"
    assert release_state(prisoner) == before


def test_release_without_a_reason_is_refused(director, facility, cell):
    prisoner = placed(director, facility, cell)
    before = release_state(prisoner)
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_release(acting_user=director, prisoner=prisoner,
                                  released_at=timezone.now(), reason=" ",
                                  expected_version=prisoner.version)
    assert refused.value.field == "reason"
    assert release_state(prisoner) == before


def test_second_release_is_refused(director, facility, cell):
    # given a released prisoner
    prisoner = placed(director, facility, cell)
    services.prisoner_release(acting_user=director, prisoner=prisoner, released_at=timezone.now(),
                              reason="acquittal", expected_version=None)
    before = release_state(prisoner)
    # when released again
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_release(acting_user=director, prisoner=prisoner,
                                  released_at=timezone.now(), reason="acquittal",
                                  expected_version=None)
    # then it is refused and nothing changes
    assert refused.value.field == "prisoner"
    assert release_state(prisoner) == before


def test_release_from_a_stale_version_is_refused(director, facility, cell):
    # given a prisoner read at one version and changed since
    prisoner = placed(director, facility, cell)
    seen = prisoner.version
    services.prisoner_update(acting_user=director, prisoner=Prisoner.objects.get(pk=prisoner.pk),
                             expected_version=seen, changes={"nationality": "NE"})
    before = release_state(prisoner)
    # when released from the version read
    with pytest.raises(ConcurrentEdit):
        services.prisoner_release(acting_user=director, prisoner=prisoner,
                                  released_at=timezone.now(), reason="bail",
                                  expected_version=seen)
    # then nothing changes: the placement is still open
    assert release_state(prisoner) == before
    assert Placement.objects.get(prisoner=prisoner).ended_at is None


# --- changes to the file ---------------------------------------------------------------------


def test_update_changes_the_file_and_audits_the_difference(director, facility):
    prisoner = PrisonerFactory(facility=facility, legal_status="remand")
    services.prisoner_update(acting_user=director, prisoner=prisoner,
                             expected_version=prisoner.version,
                             changes={"legal_status": "convicted"})
    prisoner.refresh_from_db()
    assert prisoner.legal_status == "convicted"
    assert prisoner.version == 2
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "prisoner.update"
    assert entry.changes == {"legal_status": ["remand", "convicted"]}


def test_update_from_a_stale_version_is_refused(director, security, facility):
    # given two officers who read the same version
    prisoner = PrisonerFactory(facility=facility)
    seen = prisoner.version
    mine = Prisoner.objects.get(pk=prisoner.pk)
    theirs = Prisoner.objects.get(pk=prisoner.pk)
    services.prisoner_update(acting_user=security, prisoner=theirs, expected_version=seen,
                             changes={"languages": "ar"})
    audit_before = AuditEntry.objects.count()
    # when the second saves from the same version
    with pytest.raises(ConcurrentEdit) as conflict:
        services.prisoner_update(acting_user=director, prisoner=mine, expected_version=seen,
                                 changes={"languages": "fr"})
    # then it is refused and the first change stands
    assert conflict.value.details["current_version"] == seen + 1
    prisoner.refresh_from_db()
    assert prisoner.languages == "ar"
    assert prisoner.version == seen + 1
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("field", ["religion", "health_notes", "disability"])
def test_security_officer_may_not_edit_sensitive_fields(security, facility, field):
    prisoner = PrisonerFactory(facility=facility)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(AccessDenied):
        services.prisoner_update(acting_user=security, prisoner=prisoner,
                                 expected_version=prisoner.version, changes={field: "changed"})
    prisoner.refresh_from_db()
    assert getattr(prisoner, field) == ""
    assert prisoner.version == 1
    assert AuditEntry.objects.count() == audit_before


def test_director_may_edit_sensitive_fields(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    services.prisoner_update(acting_user=director, prisoner=prisoner,
                             expected_version=prisoner.version, changes={"religion": "Islam"})
    prisoner.refresh_from_db()
    assert prisoner.religion == "Islam"


def test_fields_outside_the_editable_set_are_refused(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_update(acting_user=director, prisoner=prisoner,
                                 expected_version=prisoner.version,
                                 changes={"prison_number": "NEW"})
    assert refused.value.field == "prison_number"
    prisoner.refresh_from_db()
    assert prisoner.version == 1


# --- keep-apart orders -----------------------------------------------------------------------


def test_keep_apart_is_recorded_and_audited(director, facility):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="co_defendants", level="landing",
                                       details="  same cell in Koulikoro  ")
    order.refresh_from_db()
    assert (order.prisoner_a, order.prisoner_b, order.level) == (a, b, "landing")
    assert order.details == "same cell in Koulikoro"
    assert order.is_active(timezone.localdate())
    assert AuditEntry.objects.order_by("-id").first().action == "keep_apart.create"


def test_keep_apart_with_oneself_is_refused(director, facility):
    a = PrisonerFactory(facility=facility)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=a,
                                   reason="rivals")
    assert refused.value.field == "prisoner_b"
    assert counts() == before


@pytest.mark.parametrize("reverse", [False, True], ids=["same-order", "reversed"])
def test_duplicate_active_keep_apart_is_refused(director, facility, reverse):
    # given an order in force between two prisoners
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                               reason="co_defendants")
    before = counts()
    # when another is recorded for the same pair, either way round
    first, second = (b, a) if reverse else (a, b)
    with pytest.raises(InvalidInput) as refused:
        services.keep_apart_create(acting_user=director, prisoner_a=first, prisoner_b=second,
                                   reason="intelligence", level="cell")
    # then it is refused and nothing is created
    assert refused.value.field == "prisoner_b"
    assert counts() == before


def test_keep_apart_may_be_recorded_again_after_closing(director, facility):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="co_defendants")
    services.keep_apart_close(acting_user=director, order=order, reason="acquitted",
                              expected_version=order.version)
    services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                               reason="intelligence")
    assert KeepApart.objects.count() == 2


def test_keep_apart_expiring_in_the_past_is_refused(director, facility):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                   reason="rivals", expires_on=past(days=1))
    assert refused.value.field == "expires_on"
    assert counts() == before


@pytest.mark.parametrize(("field", "value"), [("reason", "grudge"), ("level", "wing")])
def test_keep_apart_with_unknown_choice_is_refused(director, facility, field, value):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    before = counts()
    arguments = {"reason": "rivals", "level": "unit", field: value}
    with pytest.raises(InvalidInput) as refused:
        services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b, **arguments)
    assert refused.value.field == field
    assert counts() == before


def test_closing_a_keep_apart_without_a_reason_is_refused(director, facility):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="rivals")
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        services.keep_apart_close(acting_user=director, order=order, reason="  ",
                                  expected_version=order.version)
    assert refused.value.field == "reason"
    order.refresh_from_db()
    assert order.closed_at is None
    assert order.version == 1
    assert counts() == before


def test_closing_a_keep_apart_records_who_why_and_audits(director, security, facility):
    # given an order in force
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="rivals")
    # when a security officer closes it with a reason
    services.keep_apart_close(acting_user=security, order=order,
                              reason=" feud resolved by mediation ",
                              expected_version=order.version)
    # then it is closed, by them, for that reason, and audited
    order.refresh_from_db()
    assert order.closed_at is not None
    assert order.closed_by == security
    assert order.close_reason == "feud resolved by mediation"
    assert not order.is_active(timezone.localdate())
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id) == ("keep_apart.close", str(order.pk))
    assert entry.reason == "feud resolved by mediation"
    assert entry.actor == security


def test_closing_a_closed_keep_apart_is_refused(director, facility):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="rivals")
    services.keep_apart_close(acting_user=director, order=order, reason="resolved",
                              expected_version=order.version)
    before = counts()
    with pytest.raises(InvalidInput):
        services.keep_apart_close(acting_user=director, order=order, reason="again",
                                  expected_version=None)
    assert counts() == before


def test_closing_a_keep_apart_from_a_stale_version_is_refused(director, facility):
    a, b = PrisonerFactory(facility=facility), PrisonerFactory(facility=facility)
    order = services.keep_apart_create(acting_user=director, prisoner_a=a, prisoner_b=b,
                                       reason="rivals")
    before = counts()
    with pytest.raises(ConcurrentEdit):
        services.keep_apart_close(acting_user=director, order=order, reason="resolved",
                                  expected_version=order.version + 1)
    order.refresh_from_db()
    assert order.closed_at is None
    assert counts() == before
