"""The complaint pages and API: a partner files by prison number and sees what he filed, the
list's figures count what is kept from the reader, the director answers on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight import complaints
from custos.oversight.models import Complaint, ComplaintStatus

from ..factories import PrisonerFactory, user_with_role
from .test_cases_support import monitor_of, other_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility, prison_number="BKO-0101",
                           display_name="Awa Diallo")


@pytest.fixture
def partner(facility):
    return user_with_role("partner", facility, username="partner-p")


def file(user, **extra):
    data = {"prison_number": "BKO-0101", "subject": "No mattress", "text": "Sleeps on the floor."}
    data.update(extra)
    return complaints.complaint_file(acting_user=user, **data)


def text(response) -> str:
    return response.content.decode()


def form(**changes) -> dict:
    data = {"prison_number": "BKO-0101", "is_request": "complaint", "subject": "No mattress",
            "text": "Sleeps on the floor.", "confidentiality": "none", "body": "",
            "received_at": ""}
    data.update(changes)
    return data


# --- filing ---------------------------------------------------------------------------------

def test_a_partner_files_from_the_form_and_sees_it_in_his_list(client, partner, prisoner):
    client.force_login(partner)
    assert client.get(reverse("oversight:complaint_new")).status_code == 200

    response = client.post(reverse("oversight:complaint_new"), form(is_request="request"))

    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("oversight:complaints")
    assert complaint.channel == "partner" and complaint.is_request
    listed = client.get(reverse("oversight:complaints"))
    assert listed.status_code == 200 and "No mattress" in text(listed)
    assert "Awa Diallo" not in text(listed)  # a partner has no access to files
    assert reverse("oversight:complaint", args=[complaint.pk]) not in text(listed)


def test_an_unknown_number_is_refused_without_saying_where_it_exists(client, partner,
                                                                    prisoner):
    PrisonerFactory(facility=other_facility(), prison_number="KYS-0001")
    client.force_login(partner)

    unknown = client.post(reverse("oversight:complaint_new"), form(prison_number="ZZZ"))
    elsewhere = client.post(reverse("oversight:complaint_new"), form(prison_number="KYS-0001"))

    assert unknown.status_code == elsewhere.status_code == 400
    message = "No prisoner in your facilities has this prison number."
    assert message in text(unknown) and message in text(elsewhere)
    assert not Complaint.objects.exists()


def test_a_partner_names_the_body_for_a_confidential_complaint(client, facility, partner,
                                                               prisoner):
    _monitor, body = monitor_of(facility, username="mon-q1")
    client.force_login(partner)

    missing = client.post(reverse("oversight:complaint_new"), form(confidentiality="body"))
    named = client.post(reverse("oversight:complaint_new"),
                        form(confidentiality="body", body=str(body.pk)))

    assert missing.status_code == 400
    assert named.status_code == 302 and Complaint.objects.get().body == body


# --- reading --------------------------------------------------------------------------------

def test_the_list_gives_figures_and_counts_what_is_kept_from_the_director(
        client, facility, director, partner, prisoner):
    _monitor, body = monitor_of(facility, username="mon-q2")
    file(partner, subject="Secret matter", confidentiality="body", body=body)
    answered = file(partner, subject="Cold food")
    complaints.complaint_answer(acting_user=director, complaint=answered, answer="Fixed.",
                                upheld=True)
    Complaint.objects.filter(pk=file(partner, subject="Late one").pk).update(
        answer_due_on=timezone.localdate() - timedelta(days=1))
    client.force_login(director)

    response = client.get(reverse("oversight:complaints"))

    page = text(response)
    assert response.status_code == 200
    assert "Secret matter" not in page and "Cold food" in page and "Late one" in page
    figures = response.context["figures"]
    assert figures["received"] == 3 and figures["answered"] == 1
    assert figures["overdue"] == 1 and figures["confidential"] == 1
    assert figures["median_days"] == 0.0


def test_the_complaint_page_is_404_for_a_director_when_confidential_to_a_body(
        client, facility, director, partner, prisoner):
    monitor, body = monitor_of(facility, username="mon-q3")
    complaint = file(partner, confidentiality="body", body=body)

    client.force_login(director)
    assert client.get(reverse("oversight:complaint", args=[complaint.pk])).status_code == 404

    client.force_login(monitor)
    shown = client.get(reverse("oversight:complaint", args=[complaint.pk]))
    assert shown.status_code == 200 and "Record the answer" in text(shown)
    assert AuditEntry.objects.filter(action="oversight.complaint_read", actor=monitor).exists()


def test_the_director_answers_on_the_page(client, director, partner, prisoner):
    complaint = file(partner)
    client.force_login(director)

    assert "Record the answer" in text(client.get(reverse("oversight:complaint",
                                                          args=[complaint.pk])))
    response = client.post(reverse("oversight:complaint", args=[complaint.pk]),
                           {"version": 1, "answer": "A mattress was issued.", "upheld": "yes"})

    complaint.refresh_from_db()
    assert response.status_code == 302
    assert complaint.status == ComplaintStatus.ANSWERED and complaint.upheld is True


def test_an_answer_without_text_is_refused_on_the_page(client, director, partner, prisoner):
    complaint = file(partner)
    client.force_login(director)

    response = client.post(reverse("oversight:complaint", args=[complaint.pk]),
                           {"version": 1, "answer": "", "upheld": "no"})

    assert response.status_code == 400
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN


def test_a_security_officer_reads_but_does_not_answer(client, security, partner, prisoner):
    complaint = file(partner)
    client.force_login(security)

    shown = client.get(reverse("oversight:complaint", args=[complaint.pk]))
    refused = client.post(reverse("oversight:complaint", args=[complaint.pk]),
                          {"version": 1, "answer": "No.", "upheld": "no"})

    assert shown.status_code == 200 and "Record the answer" not in text(shown)
    assert refused.status_code == 403
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN


# --- API ------------------------------------------------------------------------------------

def test_the_api_files_for_a_partner_and_lists_only_his_own(client, director, partner,
                                                            prisoner):
    file(director, subject="Staff filed")
    client.force_login(partner)

    made = client.post(reverse("oversight-complaint-list"), {
        "prison_number": "BKO-0101", "subject": "Water", "text": "No water since Monday."},
        content_type="application/json")
    listed = client.get(reverse("oversight-complaint-list")).json()["results"]

    assert made.status_code == 201 and made.json()["channel"] == "partner"
    assert [c["subject"] for c in listed] == ["Water"]
    assert listed[0]["subject_of"] == "BKO-0101"


def test_the_api_refuses_an_unknown_number_with_the_field(client, partner, prisoner):
    client.force_login(partner)

    response = client.post(reverse("oversight-complaint-list"), {
        "prison_number": "NOPE", "subject": "Water", "text": "None."},
        content_type="application/json")

    assert response.status_code == 400 and response.json()["field"] == "prison_number"
    assert not Complaint.objects.exists()


def test_the_api_answer_and_its_refusals(client, facility, director, partner, prisoner):
    _monitor, body = monitor_of(facility, username="mon-q4")
    confidential = file(partner, confidentiality="body", body=body)
    plain = file(partner)
    client.force_login(director)

    hidden = client.post(reverse("oversight-complaint-answer",
                                 kwargs={"complaint": confidential.pk}),
                         {"answer": "x", "upheld": True}, content_type="application/json")
    answered = client.post(reverse("oversight-complaint-answer", kwargs={"complaint": plain.pk}),
                           {"answer": "Done.", "upheld": False, "version": 1},
                           content_type="application/json")
    again = client.post(reverse("oversight-complaint-answer", kwargs={"complaint": plain.pk}),
                        {"answer": "Again.", "upheld": True}, content_type="application/json")

    assert hidden.status_code == 404
    assert answered.status_code == 200 and answered.json()["upheld"] is False
    assert again.status_code == 409
    assert Complaint.objects.get(pk=confidential.pk).status == ComplaintStatus.OPEN


def test_the_api_shows_monitors_their_mandate_only(client, facility, director, prisoner):
    complaint = file(director)
    inside, _a = monitor_of(facility, username="mon-q5", individual_cases=False)
    outside, _b = monitor_of(other_facility(), username="mon-q6")

    client.force_login(inside)
    shown = client.get(reverse("oversight-complaint-detail", kwargs={"complaint": complaint.pk}))
    client.force_login(outside)
    hidden = client.get(reverse("oversight-complaint-detail", kwargs={"complaint": complaint.pk}))

    assert shown.status_code == 200 and "Awa" not in shown.json()["subject_of"]
    assert hidden.status_code == 404


def test_the_list_costs_the_same_queries_for_one_complaint_or_many(client, facility, director,
                                                                   partner, prisoner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monitor, _body = monitor_of(facility, username="mon-q7")

    def queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("oversight:complaints")).status_code == 200
        return len(captured)

    file(partner)
    one = (queries(director), queries(monitor), queries(partner))
    for _ in range(4):
        file(partner, prison_number=PrisonerFactory(facility=facility).prison_number)

    assert (queries(director), queries(monitor), queries(partner)) == one


def test_the_pages_render_right_to_left_in_arabic(client, director, partner, prisoner):
    complaint = file(partner)
    client.force_login(director)

    for url in (reverse("oversight:complaints"), reverse("oversight:complaint_new"),
                reverse("oversight:complaint", args=[complaint.pk])):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code == 200 and 'dir="rtl"' in text(response)


def test_the_api_list_filters_by_status(client, director, partner, prisoner):
    answered = file(partner, subject="Answered one")
    complaints.complaint_answer(acting_user=director, complaint=answered, answer="Yes.",
                                upheld=True)
    file(partner, subject="Waiting one")
    client.force_login(director)

    listed = client.get(reverse("oversight-complaint-list"), {"status": "open"}).json()

    assert [c["subject"] for c in listed["results"]] == ["Waiting one"]
