"""Custody cases (Mandela Rules 69–72): opened by staff, reported to an independent authority
and the next of kin informed within their deadlines, closed only after both; the staff
implicated kept off the case; monitors by mandate; every read audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition, RuleViolation
from custos.oversight import case_selectors as selectors
from custos.oversight import cases
from custos.oversight.models import CaseStatus, CustodyCase, Flag, ImplicatedStaff

from ..factories import PrisonerFactory, user_with_role
from .test_cases_support import end_of, monitor_of, other_facility

pytestmark = pytest.mark.django_db


def open_case(user, prisoner, *, kind="death", learned_ago=timedelta(hours=1), learned=None,
              **extra):
    learned = learned or timezone.now() - learned_ago
    return cases.case_open(acting_user=user, prisoner=prisoner, kind=kind,
                           occurred_at=learned - timedelta(minutes=30), learned_at=learned,
                           account="Found unresponsive in his cell.", **extra)


def report(user, case, **extra):
    return cases.case_report_to_authority(
        acting_user=user, case=case, authority="Public prosecutor of Bamako",
        independent=True, reference="PP-2026-17", **extra)


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility)


# --- opening ---------------------------------------------------------------------------------

def test_security_opens_a_case_with_the_staff_implicated_recorded(security, director,
                                                                  prisoner):
    officer = user_with_role("security", prisoner.facility, username="officer-b")

    case = open_case(security, prisoner, implicated_users=[officer],
                     implicated_names=["A. Guard from the night shift", " "])

    assert case.status == CaseStatus.OPEN and case.facility_id == prisoner.facility_id
    assert sorted(ImplicatedStaff.objects.filter(case=case).values_list("name", flat=True)) \
        == ["A. Guard from the night shift", "officer-b"]
    assert AuditEntry.objects.filter(action="oversight.case_opened",
                                     object_id=str(case.pk)).exists()


@pytest.mark.parametrize("role", ["casemanager", "monitor", "partner", "analyst"])
def test_only_security_and_directors_open_cases(facility, prisoner, role):
    user = user_with_role(role, facility)

    with pytest.raises(AccessDenied):
        open_case(user, prisoner)

    assert not CustodyCase.objects.exists()


def test_a_case_outside_the_officers_facility_is_refused(security):
    elsewhere = PrisonerFactory(facility=other_facility())

    with pytest.raises(AccessDenied):
        open_case(security, elsewhere)

    assert not CustodyCase.objects.exists()


def test_learned_before_it_happened_is_refused(security, prisoner):
    now = timezone.now()
    with pytest.raises(InvalidInput) as refused:
        cases.case_open(acting_user=security, prisoner=prisoner, kind="torture",
                        occurred_at=now - timedelta(hours=1),
                        learned_at=now - timedelta(hours=2), account="Beaten.")

    assert refused.value.field == "learned_at"
    assert not CustodyCase.objects.exists()


def test_an_unknown_kind_and_an_empty_account_are_refused(security, prisoner):
    with pytest.raises(InvalidInput) as kind:
        open_case(security, prisoner, kind="accident")
    now = timezone.now()
    with pytest.raises(InvalidInput) as account:
        cases.case_open(acting_user=security, prisoner=prisoner, kind="death", occurred_at=now,
                        learned_at=now, account="  ")

    assert (kind.value.field, account.value.field) == ("kind", "account")
    assert not CustodyCase.objects.exists()


# --- implicated staff are kept off -----------------------------------------------------------

def test_an_implicated_director_cannot_read_the_case(security, director, prisoner):
    case = open_case(security, prisoner, implicated_users=[director])

    assert not selectors.cases_visible(user=director).filter(pk=case.pk).exists()
    with pytest.raises(Http404):
        selectors.case_get(user=director, pk=case.pk)
    assert selectors.cases_visible(user=security).filter(pk=case.pk).exists()


@pytest.mark.parametrize("step", ["report", "kin", "evidence", "close"])
def test_an_implicated_director_cannot_write_to_the_case(security, director, prisoner, step):
    case = open_case(security, prisoner, implicated_users=[director])
    calls = {
        "report": lambda: report(director, case),
        "kin": lambda: cases.case_notify_next_of_kin(acting_user=director, case=case,
                                                     next_of_kin="His brother"),
        "evidence": lambda: cases.case_record_evidence(acting_user=director, case=case,
                                                       evidence="CCTV kept"),
        "close": lambda: cases.case_close(acting_user=director, case=case, reasons="Done"),
    }

    with pytest.raises(AccessDenied):
        calls[step]()

    case.refresh_from_db()
    assert case.version == 1 and case.authority_reported_at is None
    assert case.next_of_kin == "" and case.evidence_preserved == ""


# --- notifications and closing ---------------------------------------------------------------

def test_the_report_to_the_authority_refers_the_case(security, prisoner):
    case = open_case(security, prisoner)

    case = report(security, case, version=1)

    assert case.status == CaseStatus.REFERRED and case.version == 2
    assert case.authority_reference == "PP-2026-17" and case.authority_reported_at is not None
    with pytest.raises(InvalidTransition):
        report(security, case)


def test_an_authority_not_independent_of_the_prison_is_refused(security, prisoner):
    case = open_case(security, prisoner)

    with pytest.raises(RuleViolation) as refused:
        cases.case_report_to_authority(acting_user=security, case=case,
                                       authority="The prison's own inspector",
                                       independent=False)

    assert refused.value.details["rule"] == "Mandela Rule 71(1)"
    case.refresh_from_db()
    assert case.authority == "" and case.status == CaseStatus.OPEN and case.version == 1


def test_a_stale_version_is_refused(security, prisoner):
    case = open_case(security, prisoner)
    cases.case_record_evidence(acting_user=security, case=case, evidence="Cell sealed.")

    with pytest.raises(ConcurrentEdit):
        report(security, case, version=1)

    assert CustodyCase.objects.get(pk=case.pk).authority_reported_at is None


def test_a_death_is_closed_only_after_the_report_and_the_next_of_kin(security, director,
                                                                     prisoner):
    case = open_case(security, prisoner, kind="death")

    with pytest.raises(RuleViolation) as unreported:
        cases.case_close(acting_user=director, case=case, reasons="Natural causes.")
    report(security, case)
    with pytest.raises(RuleViolation) as uninformed:
        cases.case_close(acting_user=director, case=case, reasons="Natural causes.")
    assert CustodyCase.objects.get(pk=case.pk).status == CaseStatus.REFERRED

    cases.case_notify_next_of_kin(acting_user=security, case=case, next_of_kin="His mother")
    closed = cases.case_close(acting_user=director, case=case, reasons="Natural causes.")

    assert unreported.value.details["rule"] == "Mandela Rule 71(1)"
    assert uninformed.value.details["rule"] == "Mandela Rule 69"
    assert closed.status == CaseStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(InvalidTransition):
        cases.case_record_evidence(acting_user=security, case=closed, evidence="Late.")


def test_an_allegation_needs_no_next_of_kin_and_refuses_informing_them(security, director,
                                                                      prisoner):
    case = open_case(security, prisoner, kind="torture")

    with pytest.raises(RuleViolation):
        cases.case_notify_next_of_kin(acting_user=security, case=case, next_of_kin="His wife")
    report(security, case)
    closed = cases.case_close(acting_user=director, case=case, reasons="Referred; closed here.")

    assert closed.status == CaseStatus.CLOSED and closed.next_of_kin == ""


def test_a_security_officer_does_not_close_a_case(security, prisoner):
    case = open_case(security, prisoner, kind="torture")
    report(security, case)

    with pytest.raises(AccessDenied):
        cases.case_close(acting_user=security, case=case, reasons="Done")

    assert CustodyCase.objects.get(pk=case.pk).status == CaseStatus.REFERRED


def test_evidence_is_added_to_what_is_on_record(security, prisoner):
    case = open_case(security, prisoner)

    cases.case_record_evidence(acting_user=security, case=case, evidence="Cell sealed.")
    case = cases.case_record_evidence(acting_user=security, case=case, evidence="CCTV kept.")

    assert "Cell sealed." in case.evidence_preserved and "CCTV kept." in case.evidence_preserved


# --- deadlines -------------------------------------------------------------------------------

def test_the_deadlines_run_from_when_the_prison_learned_of_it(security, prisoner):
    case = open_case(security, prisoner, kind="serious_injury")

    assert cases.authority_due(case) == case.learned_at + timedelta(hours=24)
    assert cases.next_of_kin_due(case) == case.learned_at + timedelta(hours=24)
    assert cases.next_of_kin_due(open_case(security, prisoner, kind="ill_treatment")) is None


@override_settings(CUSTOS_CASE_DEADLINE_HOURS={"authority": 6})
def test_the_deadlines_are_configuration(security, prisoner):
    case = open_case(security, prisoner)

    assert cases.authority_due(case) == case.learned_at + timedelta(hours=6)
    assert cases.next_of_kin_due(case) == case.learned_at + timedelta(hours=24)


def test_the_register_shows_overdue_notifications_first_with_how_late(security, prisoner):
    now = timezone.now()
    on_time = open_case(security, prisoner, learned=now - timedelta(hours=1))
    at_the_limit = open_case(security, prisoner, learned=now - timedelta(hours=24))
    late = open_case(security, prisoner, learned=now - timedelta(hours=30))

    register = list(selectors.case_register(user=security, now=now))
    described = {c.pk: selectors.described(c, user=security, now=now) for c in register}

    assert register[0].pk == late.pk and register[0].overdue
    assert described[late.pk].late_hours == {"authority": 6, "next_of_kin": 6}
    assert described[at_the_limit.pk].late_hours == {}
    assert described[on_time.pk].late_hours == {}


def test_a_case_one_second_past_its_deadline_is_overdue(security, prisoner):
    case = open_case(security, prisoner, kind="torture")
    due = cases.authority_due(case)

    assert cases.lateness(case, due) == {}
    assert cases.lateness(case, due + timedelta(seconds=1)) == {
        "authority": timedelta(seconds=1)}


def test_nightly_flags_at_the_boundary_and_only_once(security, prisoner):
    day = timezone.localdate() - timedelta(days=3)
    end = end_of(day)
    exactly = open_case(security, prisoner, kind="death", learned=end - timedelta(hours=24))
    past = open_case(security, prisoner, kind="death",
                     learned=end - timedelta(hours=24, seconds=1))

    assert cases.nightly(day) == 2
    assert cases.nightly(day) == 0
    assert cases.nightly(day + timedelta(days=1)) == 2  # `exactly` is overdue the next day

    flags = Flag.objects.filter(subject_type="case", subject_id=past.pk)
    assert sorted(flags.values_list("code", flat=True)) == ["case_authority_overdue",
                                                           "case_next_of_kin_overdue"]
    flag = flags.get(code="case_authority_overdue")
    assert flag.for_whom == ["director", "independent_monitor"] and flag.severity == "breach"
    assert flag.rule == "Mandela Rule 71(1)" and flag.evidence["case"] == past.pk
    assert Flag.objects.filter(subject_id=exactly.pk, raised_on=day).count() == 0


def test_nightly_leaves_notified_and_closed_cases_alone(security, director, prisoner):
    day = timezone.localdate()
    reported = open_case(security, prisoner, kind="torture", learned_ago=timedelta(days=3))
    report(security, reported)
    informed = open_case(security, prisoner, kind="disappearance",
                         learned_ago=timedelta(days=3))
    report(security, informed)
    cases.case_notify_next_of_kin(acting_user=security, case=informed, next_of_kin="Sister")

    assert cases.nightly(day) == 0
    assert not Flag.objects.exists()


# --- who reads ------------------------------------------------------------------------------

def test_monitors_read_cases_in_their_mandate_only(security, facility, prisoner):
    case = open_case(security, prisoner)
    inside, _body = monitor_of(facility, username="mon-in")
    outside, _other = monitor_of(other_facility(), username="mon-out")

    assert list(selectors.cases_visible(user=inside)) == [case]
    assert not selectors.cases_visible(user=outside).exists()
    with pytest.raises(Http404):
        selectors.case_get(user=outside, pk=case.pk)


def test_a_monitor_without_individual_cases_sees_no_name(security, facility, prisoner):
    case = open_case(security, prisoner)
    monitor, _body = monitor_of(facility, username="mon-anon", individual_cases=False)

    shown = selectors.described(selectors.case_get(user=monitor, pk=case.pk), user=monitor)

    assert prisoner.display_name not in shown.subject
    assert str(prisoner.pk) in shown.subject and not shown.names_shown


@pytest.mark.parametrize("role", ["casemanager", "partner", "analyst", "auditor"])
def test_roles_without_oversight_see_no_case(security, facility, prisoner, role):
    open_case(security, prisoner)

    assert not selectors.cases_visible(user=user_with_role(role, facility)).exists()


def test_each_read_of_a_case_is_audited(security, prisoner):
    case = open_case(security, prisoner)

    selectors.case_get(user=security, pk=case.pk)

    assert AuditEntry.objects.filter(action="oversight.case_read", object_id=str(case.pk),
                                     actor=security).count() == 1


def test_the_flags_read_as_sentences(security, prisoner):
    case = open_case(security, prisoner, learned_ago=timedelta(days=3))
    cases.nightly(timezone.localdate())

    words = {f.code: cases.evidence_in_words(f) for f in Flag.objects.all()}

    assert f"Case #{case.pk} was to be reported" in words["case_authority_overdue"]
    assert f"case #{case.pk} were to be informed" in words["case_next_of_kin_overdue"]


def test_the_staff_implicated_stay_off_a_closed_case(security, director, prisoner):
    deputy = user_with_role("director", prisoner.facility, username="deputy-director")
    case = open_case(security, prisoner, kind="ill_treatment", implicated_users=[director])
    report(security, case)
    cases.case_close(acting_user=deputy, case=case, reasons="Prosecutor has the file.")

    assert not selectors.cases_visible(user=director).exists()
    assert selectors.cases_visible(user=deputy).get().status == CaseStatus.CLOSED
