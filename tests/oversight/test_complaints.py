"""Requests and complaints (Mandela Rules 54, 56, 57): the channel follows the filer, a partner
names the prisoner by number, confidentiality decides who reads (the prison sees counts only
of what is kept from it), the director or the body answers, and the nightly escalation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition
from custos.oversight import complaint_selectors as selectors
from custos.oversight import complaints
from custos.oversight.models import Complaint, ComplaintStatus, Flag

from ..factories import PrisonerFactory, user_with_role
from .test_cases_support import monitor_of, other_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility, prison_number="BKO-0042")


@pytest.fixture
def partner(facility):
    return user_with_role("partner", facility, username="partner-ngo")


def file(user, number="BKO-0042", **extra):
    data = {"subject": "Visits refused", "text": "My family was turned away twice."}
    data.update(extra)
    return complaints.complaint_file(acting_user=user, prison_number=number, **data)


def visible_to(user) -> set[int]:
    return set(selectors.complaints_visible(user=user).values_list("pk", flat=True))


# --- filing ---------------------------------------------------------------------------------

def test_the_channel_follows_the_filers_role(facility, director, prisoner, partner):
    monitor, _body = monitor_of(facility, username="mon-a")
    case_manager = user_with_role("casemanager", facility, username="cm-a")
    from custos.access.models import Allocation

    Allocation.objects.create(user=case_manager, prisoner=prisoner, allocated_by=director)

    filed = {role: file(user).channel for role, user in
             [("director", director), ("casemanager", case_manager), ("monitor", monitor),
              ("partner", partner)]}

    assert filed == {"director": "staff", "casemanager": "staff", "monitor": "monitor",
                     "partner": "partner"}


def test_a_partner_files_by_prison_number_and_the_answer_is_due_in_15_days(partner, prisoner):
    complaint = file(partner, number="bko-0042")

    assert complaint.prisoner == prisoner and complaint.created_by == partner
    assert complaint.answer_due_on == timezone.localdate() + timedelta(days=15)
    assert AuditEntry.objects.filter(action="oversight.complaint_filed",
                                     object_id=str(complaint.pk)).exists()


def test_a_request_is_answered_within_7_days(partner, prisoner):
    complaint = file(partner, is_request=True)

    assert complaint.is_request and \
        complaint.answer_due_on == timezone.localdate() + timedelta(days=7)


@override_settings(CUSTOS_COMPLAINT_ANSWER_DAYS={"complaint": 10})
def test_the_days_to_answer_are_configuration(partner, prisoner):
    assert file(partner).answer_due_on == timezone.localdate() + timedelta(days=10)
    assert file(partner, is_request=True).answer_due_on == \
        timezone.localdate() + timedelta(days=7)


def test_an_unknown_number_and_one_in_another_facility_get_the_same_answer(partner, prisoner):
    PrisonerFactory(facility=other_facility(), prison_number="KYS-0001")

    with pytest.raises(InvalidInput) as unknown:
        file(partner, number="NOPE-1")
    with pytest.raises(InvalidInput) as elsewhere:
        file(partner, number="KYS-0001")

    assert unknown.value.field == elsewhere.value.field == "prison_number"
    assert unknown.value.message == elsewhere.value.message
    assert not Complaint.objects.exists()


def test_a_case_manager_files_only_for_his_caseload(facility, prisoner):
    case_manager = user_with_role("casemanager", facility, username="cm-b")

    with pytest.raises(InvalidInput):
        file(case_manager)

    assert not Complaint.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "provider", "auditor", "police"])
def test_roles_without_the_permission_cannot_file(facility, prisoner, role):
    with pytest.raises(AccessDenied):
        file(user_with_role(role, facility))

    assert not Complaint.objects.exists()


def test_an_empty_subject_or_text_is_refused(partner, prisoner):
    with pytest.raises(InvalidInput) as subject:
        file(partner, subject=" ")
    with pytest.raises(InvalidInput) as text:
        file(partner, text="")

    assert (subject.value.field, text.value.field) == ("subject", "text")
    assert not Complaint.objects.exists()


def test_a_monitor_files_to_his_own_body(facility, prisoner):
    monitor, body = monitor_of(facility, username="mon-b")
    monitor_of(facility, username="mon-c", name="Another body")

    complaint = file(monitor, confidentiality="body")

    assert complaint.body == body and complaint.channel == "monitor"


def test_a_partner_names_an_active_body_whose_mandate_covers_the_facility(facility, partner,
                                                                         prisoner):
    _monitor, body = monitor_of(facility, username="mon-d")
    _idle, inactive = monitor_of(facility, username="mon-e", active=False)
    _far, elsewhere = monitor_of(other_facility(), username="mon-f")

    for refused in (None, inactive, elsewhere.pk):
        with pytest.raises(InvalidInput) as error:
            file(partner, confidentiality="body", body=refused)
        assert error.value.field == "body"
    assert not Complaint.objects.exists()

    assert file(partner, confidentiality="body", body=body.pk).body == body


def test_a_body_is_dropped_when_the_complaint_is_not_confidential_to_one(partner, facility,
                                                                         prisoner):
    _monitor, body = monitor_of(facility, username="mon-g")

    assert file(partner, confidentiality="director", body=body).body is None


# --- who reads -------------------------------------------------------------------------------

@pytest.fixture
def audiences(facility, director, security, partner):
    monitor, body = monitor_of(facility, username="mon-h")
    other_monitor, _other = monitor_of(facility, username="mon-i", name="Ombudsman")
    director_elsewhere = user_with_role("director", other_facility(), username="dir-kys")
    return {"director": director, "security": security, "partner": partner,
            "monitor": monitor, "other_monitor": other_monitor, "body": body,
            "director_elsewhere": director_elsewhere}


def test_a_complaint_not_confidential_is_read_by_oversight_in_scope(audiences, prisoner):
    complaint = file(audiences["director"])

    readers = {name for name, user in audiences.items() if name != "body"
               and complaint.pk in visible_to(user)}

    assert readers == {"director", "security", "monitor", "other_monitor"}


def test_confidential_to_the_director_is_read_by_directors_of_the_facility_and_the_filer(
        audiences, prisoner):
    complaint = file(audiences["partner"], confidentiality="director")

    readers = {name for name, user in audiences.items() if name != "body"
               and complaint.pk in visible_to(user)}

    assert readers == {"director", "partner"}


def test_confidential_to_a_body_is_read_by_its_monitors_and_the_filer_only(audiences,
                                                                          prisoner):
    complaint = file(audiences["partner"], confidentiality="body", body=audiences["body"])

    readers = {name for name, user in audiences.items() if name != "body"
               and complaint.pk in visible_to(user)}

    assert readers == {"monitor", "partner"}
    with pytest.raises(Http404):
        selectors.complaint_get(user=audiences["director"], pk=complaint.pk)


def test_the_prison_sees_only_counts_of_what_is_kept_from_it(audiences, prisoner):
    file(audiences["partner"], confidentiality="body", body=audiences["body"])
    file(audiences["partner"], confidentiality="director")
    file(audiences["security"])

    director, security = (selectors.figures(user=audiences[who]) for who in
                          ("director", "security"))

    assert director["received"] == security["received"] == 3
    assert director["confidential"] == 1 and security["confidential"] == 2


def test_monitors_see_complaints_by_mandate_and_names_only_with_individual_cases(
        facility, director, prisoner):
    complaint = file(director)
    named, _a = monitor_of(facility, username="mon-j")
    anonymous, _b = monitor_of(facility, username="mon-k", individual_cases=False)
    outside, _c = monitor_of(other_facility(), username="mon-l")

    shown = {who: selectors.described(selectors.complaint_get(user=who, pk=complaint.pk),
                                      user=who).subject_label for who in (named, anonymous)}

    assert prisoner.display_name in shown[named]
    assert prisoner.display_name not in shown[anonymous]
    assert complaint.pk not in visible_to(outside)


def test_each_read_of_a_complaint_is_audited(director, prisoner):
    complaint = file(director)

    selectors.complaint_get(user=director, pk=complaint.pk)

    assert AuditEntry.objects.filter(action="oversight.complaint_read",
                                     object_id=str(complaint.pk)).count() == 1


def test_a_confidential_complaint_keeps_its_subject_out_of_the_audit_trail(partner, facility,
                                                                          prisoner):
    _monitor, body = monitor_of(facility, username="mon-m")

    complaint = file(partner, subject="Beaten by officer X", confidentiality="body", body=body)

    entry = AuditEntry.objects.get(action="oversight.complaint_filed")
    assert "officer X" not in entry.object_repr and entry.object_id == str(complaint.pk)


# --- answering -------------------------------------------------------------------------------

def test_the_director_answers(director, partner, prisoner):
    complaint = file(partner)

    answered = complaints.complaint_answer(acting_user=director, complaint=complaint,
                                           answer="Visits restored.", upheld=True, version=1)

    assert answered.status == ComplaintStatus.ANSWERED and answered.upheld is True
    assert answered.answered_by == director and answered.version == 2
    with pytest.raises(InvalidTransition):
        complaints.complaint_answer(acting_user=director, complaint=answered, answer="Again",
                                    upheld=False)


@pytest.mark.parametrize("field,changes", [("answer", {"answer": " "}),
                                           ("upheld", {"upheld": None})])
def test_an_answer_needs_text_and_a_finding(director, partner, prisoner, field, changes):
    complaint = file(partner)
    data = {"answer": "No.", "upheld": False, **changes}

    with pytest.raises(InvalidInput) as refused:
        complaints.complaint_answer(acting_user=director, complaint=complaint, **data)

    assert refused.value.field == field
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN


def test_a_stale_answer_is_refused(director, partner, prisoner):
    complaint = file(partner)

    with pytest.raises(ConcurrentEdit):
        complaints.complaint_answer(acting_user=director, complaint=complaint, answer="No.",
                                    upheld=False, version=7)

    assert Complaint.objects.get(pk=complaint.pk).answer == ""


def test_a_body_confidential_complaint_is_answered_by_the_bodys_monitor_not_the_director(
        facility, director, partner, prisoner):
    monitor, body = monitor_of(facility, username="mon-n")
    other, _other = monitor_of(facility, username="mon-o", name="Ombudsman")
    complaint = file(partner, confidentiality="body", body=body)

    for refused in (director, other):
        with pytest.raises(AccessDenied):
            complaints.complaint_answer(acting_user=refused, complaint=complaint,
                                        answer="Seen.", upheld=True)
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN

    answered = complaints.complaint_answer(acting_user=monitor, complaint=complaint,
                                           answer="Referred to the prosecutor.", upheld=True)
    assert answered.answered_by == monitor


def test_security_officers_do_not_answer(security, partner, prisoner):
    complaint = file(partner)

    with pytest.raises(AccessDenied):
        complaints.complaint_answer(acting_user=security, complaint=complaint, answer="No.",
                                    upheld=False)

    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN


# --- escalation -----------------------------------------------------------------------------

def received(complaint, day: date, is_request=False) -> Complaint:
    """Move a complaint back in time, as if received on `day`."""
    moment = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())
                                 ) + timedelta(hours=10)
    days = complaints.answer_days(is_request)
    Complaint.objects.filter(pk=complaint.pk).update(
        received_at=moment, answer_due_on=day + timedelta(days=days), is_request=is_request)
    return Complaint.objects.get(pk=complaint.pk)


def test_escalation_levels_per_period():
    due = date(2026, 3, 1)

    assert [complaints.escalation_level(due, due + timedelta(days=d), 15)
            for d in (0, 1, 15, 16, 30, 31)] == [0, 1, 1, 2, 2, 3]


def test_a_complaint_is_escalated_the_day_after_it_was_due_and_once(director, partner,
                                                                   prisoner):
    complaint = received(file(partner), date(2026, 3, 1))  # due 16 March
    due = complaint.answer_due_on

    complaints.nightly(due)
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN

    complaints.nightly(due + timedelta(days=1))
    complaints.nightly(due + timedelta(days=1))
    complaints.nightly(due + timedelta(days=2))
    escalated = Complaint.objects.get(pk=complaint.pk)
    assert escalated.status == ComplaintStatus.ESCALATED and escalated.escalation_level == 1
    assert escalated.escalated_at is not None
    flag = Flag.objects.get(code="complaint_overdue", subject_id=complaint.pk)
    assert flag.for_whom == ["director", "independent_monitor"]
    assert flag.rule == "Mandela Rule 57(1)" and flag.evidence["complaint"] == complaint.pk
    assert AuditEntry.objects.filter(action="oversight.complaint_escalated").count() == 1


def test_a_complaint_is_escalated_again_each_further_period(partner, prisoner):
    complaint = received(file(partner), date(2026, 3, 1), is_request=True)  # due 8 March
    due = complaint.answer_due_on

    complaints.nightly(due + timedelta(days=7))
    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 1
    complaints.nightly(due + timedelta(days=8))
    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 2
    assert Flag.objects.filter(code="complaint_overdue", subject_id=complaint.pk).count() == 2


def test_a_late_first_run_escalates_straight_to_the_level_due(partner, prisoner):
    complaint = received(file(partner), date(2026, 1, 1))

    complaints.nightly(complaint.answer_due_on + timedelta(days=40))

    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 3


def test_answered_complaints_are_not_escalated(director, partner, prisoner):
    complaint = received(file(partner), date(2026, 3, 1))
    complaints.complaint_answer(acting_user=director, complaint=complaint, answer="Done.",
                                upheld=False)

    complaints.nightly(date(2026, 4, 30))

    assert Complaint.objects.get(pk=complaint.pk).escalation_level == 0
    assert not Flag.objects.filter(code="complaint_overdue").exists()


def test_an_overdue_body_confidential_complaint_is_flagged_for_the_monitor_only(
        facility, partner, prisoner):
    _monitor, body = monitor_of(facility, username="mon-p")
    complaint = received(file(partner, confidentiality="body", body=body), date(2026, 3, 1))

    complaints.nightly(complaint.answer_due_on + timedelta(days=1))

    flag = Flag.objects.get(code="complaint_overdue")
    assert flag.for_whom == ["independent_monitor"]
    assert "complaint" not in flag.evidence and flag.prisoner_id is None


def test_an_overdue_flag_reads_as_a_sentence(partner, prisoner):
    complaint = received(file(partner), date(2026, 3, 1))
    complaints.nightly(complaint.answer_due_on + timedelta(days=1))
    complaints.nightly(complaint.answer_due_on + timedelta(days=16))

    words = sorted(complaints.evidence_in_words(f) for f in Flag.objects.all())

    assert words == ["The answer was due on 2026-03-16; escalated 1 time.",
                     "The answer was due on 2026-03-16; escalated 2 times."]
