"""The custody-case pages and API: the register with overdue notifications first, a new case,
a case with its steps; implicated staff get 404; refusals shown and nothing saved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight import cases
from custos.oversight.models import CaseStatus, CustodyCase

from ..factories import PrisonerFactory, user_with_role
from .test_cases_support import monitor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return PrisonerFactory(facility=facility, prison_number="BKO-0007",
                           display_name="Moussa Traoré")


def open_case(user, prisoner, *, kind="death", hours_ago=1, **extra):
    learned = timezone.now() - timedelta(hours=hours_ago)
    return cases.case_open(acting_user=user, prisoner=prisoner, kind=kind,
                           occurred_at=learned - timedelta(minutes=10), learned_at=learned,
                           account="Found hanged in his cell.", **extra)


def form_time(hours_ago: float) -> str:
    return (timezone.localtime() - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def text(response) -> str:
    return response.content.decode()


# --- pages ----------------------------------------------------------------------------------

def test_the_register_lists_overdue_cases_first_with_how_late(client, security, prisoner):
    recent = open_case(security, prisoner, kind="torture", hours_ago=2)
    late = open_case(security, prisoner, kind="death", hours_ago=30)
    client.force_login(security)

    response = client.get(reverse("oversight:cases"))

    page = text(response)
    assert response.status_code == 200
    assert page.index(f"#{late.pk}<") < page.index(f"#{recent.pk}<")
    assert 'class="overdue"' in page and "6 hours late" in page
    assert "Moussa Traoré" in page


def test_a_monitor_without_individual_cases_sees_no_names_in_the_register(client, facility,
                                                                          security, prisoner):
    open_case(security, prisoner)
    monitor, _body = monitor_of(facility, username="mon-p1", individual_cases=False)
    client.force_login(monitor)

    page = text(client.get(reverse("oversight:cases")))

    assert "Moussa Traoré" not in page and "BKO-0007" not in page
    assert f"Prisoner (case {prisoner.pk})" in page


def test_a_new_case_is_opened_from_the_form(client, security, prisoner):
    other = user_with_role("security", prisoner.facility, username="officer-c")
    client.force_login(security)
    assert client.get(reverse("oversight:case_new")).status_code == 200

    response = client.post(reverse("oversight:case_new"), {
        "prison_number": "bko-0007", "kind": "serious_injury", "occurred_at": form_time(3),
        "learned_at": form_time(2), "account": "Broken arm after a search.",
        "implicated_users": "officer-c", "implicated_names": "Night-shift guard\n"})

    case = CustodyCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("oversight:case",
                                                                          args=[case.pk])
    assert case.prisoner == prisoner and case.kind == "serious_injury"
    assert list(case.implicated.order_by("name").values_list("user", "name")) == [
        (None, "Night-shift guard"), (other.pk, "officer-c")]


@pytest.mark.parametrize("changes,field_error", [
    ({"prison_number": "KYS-9"}, "No prisoner in your facilities has this number."),
    ({"implicated_users": "nobody-here"}, "No user is called nobody-here."),
    ({"learned_at": form_time(5)}, "The prison cannot have learned of it before it happened."),
])
def test_a_new_case_refused_shows_why_and_saves_nothing(client, security, prisoner, changes,
                                                        field_error):
    client.force_login(security)
    data = {"prison_number": "BKO-0007", "kind": "death", "occurred_at": form_time(3),
            "learned_at": form_time(2), "account": "Found dead.", **changes}

    response = client.post(reverse("oversight:case_new"), data)

    assert response.status_code == 400 and field_error in text(response)
    assert not CustodyCase.objects.exists()


def test_the_case_page_shows_the_steps_and_audits_the_read(client, security, prisoner):
    case = open_case(security, prisoner)
    client.force_login(security)

    response = client.get(reverse("oversight:case", args=[case.pk]))

    page = text(response)
    assert response.status_code == 200
    assert reverse("oversight:case_report", args=[case.pk]) in page
    assert reverse("oversight:case_next_of_kin", args=[case.pk]) in page
    assert reverse("oversight:case_close", args=[case.pk]) not in page  # a director's step
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the step forms share the page
    assert AuditEntry.objects.filter(action="oversight.case_read",
                                     object_id=str(case.pk)).count() == 1


def test_an_implicated_director_gets_404_on_every_page_of_the_case(client, security,
                                                                   director, prisoner):
    case = open_case(security, prisoner, implicated_users=[director])
    client.force_login(director)

    assert client.get(reverse("oversight:case", args=[case.pk])).status_code == 404
    for name in ("case_report", "case_evidence", "case_close"):
        assert client.post(reverse(f"oversight:{name}", args=[case.pk]),
                           {"version": 1, "authority": "Prosecutor", "independent": "on",
                            "evidence": "x", "reasons": "y"}).status_code == 404
    assert f"#{case.pk}<" not in text(client.get(reverse("oversight:cases")))
    case.refresh_from_db()
    assert case.version == 1 and case.authority == "" and case.evidence_preserved == ""


def test_the_report_step_records_the_report(client, security, prisoner):
    case = open_case(security, prisoner)
    client.force_login(security)

    response = client.post(reverse("oversight:case_report", args=[case.pk]), {
        "version": 1, "authority": "Public prosecutor", "independent": "on",
        "reference": "PP-9", "reported_at": ""})

    case.refresh_from_db()
    assert response.status_code == 302
    assert case.status == CaseStatus.REFERRED and case.authority_reference == "PP-9"


def test_a_report_to_an_authority_not_independent_is_refused_on_the_page(client, security,
                                                                         prisoner):
    case = open_case(security, prisoner)
    client.force_login(security)

    response = client.post(reverse("oversight:case_report", args=[case.pk]), {
        "version": 1, "authority": "The prison's own inspector"})

    assert response.status_code == 422 and "Mandela Rule 71(1)" in text(response)
    assert CustodyCase.objects.get(pk=case.pk).authority == ""


def test_closing_before_the_notifications_is_refused_on_the_page(client, security, director,
                                                                 prisoner):
    case = open_case(security, prisoner)
    client.force_login(director)

    response = client.post(reverse("oversight:case_close", args=[case.pk]),
                           {"version": 1, "reasons": "Natural causes."})

    assert response.status_code == 422 and "Mandela Rule 71(1)" in text(response)
    assert CustodyCase.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_a_stale_form_is_refused_as_a_conflict(client, security, prisoner):
    case = open_case(security, prisoner)
    cases.case_record_evidence(acting_user=security, case=case, evidence="Cell sealed.")
    client.force_login(security)

    response = client.post(reverse("oversight:case_evidence", args=[case.pk]),
                           {"version": 1, "evidence": "CCTV kept."})

    assert response.status_code == 409
    assert "CCTV" not in CustodyCase.objects.get(pk=case.pk).evidence_preserved


# --- API ------------------------------------------------------------------------------------

def test_the_api_opens_and_reports_a_case(client, security, prisoner):
    client.force_login(security)
    learned = timezone.now() - timedelta(hours=2)

    made = client.post(reverse("oversight-case-list"), {
        "prisoner": prisoner.pk, "kind": "death", "occurred_at": learned.isoformat(),
        "learned_at": learned.isoformat(), "account": "Found dead.",
        "implicated_names": ["Guard on duty"]}, content_type="application/json")
    pk = made.json()["id"]
    reported = client.post(reverse("oversight-case-report", kwargs={"case": pk}), {
        "authority": "Prosecutor", "independent": True, "version": 1},
        content_type="application/json")
    informed = client.post(reverse("oversight-case-notify-next-of-kin", kwargs={"case": pk}),
                           {"next_of_kin": "His mother"}, content_type="application/json")

    assert made.status_code == 201 and made.json()["implicated"] == ["Guard on duty"]
    assert reported.status_code == 200 and reported.json()["status"] == "referred"
    assert informed.status_code == 200 and informed.json()["next_of_kin"] == "His mother"
    listed = client.get(reverse("oversight-case-list")).json()["results"]
    assert [c["id"] for c in listed] == [pk] and listed[0]["hours_late"] == {}


def test_the_api_refuses_closing_before_the_report_with_the_rule(client, security, director,
                                                                 prisoner):
    case = open_case(security, prisoner)
    client.force_login(director)

    response = client.post(reverse("oversight-case-close", kwargs={"case": case.pk}),
                           {"reasons": "Done."}, content_type="application/json")

    assert response.status_code == 422 and response.json()["rule"] == "Mandela Rule 71(1)"
    assert CustodyCase.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_the_api_hides_a_case_from_the_staff_implicated(client, security, director, prisoner):
    case = open_case(security, prisoner, implicated_users=[director])
    client.force_login(director)

    assert client.get(reverse("oversight-case-detail", kwargs={"case": case.pk})) \
        .status_code == 404
    assert client.post(reverse("oversight-case-evidence", kwargs={"case": case.pk}),
                       {"evidence": "x"}, content_type="application/json").status_code == 404
    assert client.get(reverse("oversight-case-list")).json()["results"] == []


def test_the_api_shows_a_monitor_without_individual_cases_no_name(client, facility, security,
                                                                  prisoner):
    case = open_case(security, prisoner)
    monitor, _body = monitor_of(facility, username="mon-p2", individual_cases=False)
    client.force_login(monitor)

    shown = client.get(reverse("oversight-case-detail", kwargs={"case": case.pk})).json()

    assert shown["prisoner"] is None and "Moussa" not in shown["subject"]
    assert AuditEntry.objects.filter(action="oversight.case_read", actor=monitor).exists()


def test_the_api_refuses_a_prisoner_outside_the_officers_reach(client, security):
    from .test_cases_support import other_facility

    elsewhere = PrisonerFactory(facility=other_facility())
    client.force_login(security)
    now = timezone.now().isoformat()

    response = client.post(reverse("oversight-case-list"), {
        "prisoner": elsewhere.pk, "kind": "death", "occurred_at": now, "learned_at": now,
        "account": "x"}, content_type="application/json")

    assert response.status_code == 400 and response.json()["field"] == "prisoner"
    assert not CustodyCase.objects.exists()


def test_the_register_costs_the_same_queries_for_one_case_or_many(client, facility, security,
                                                                  prisoner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monitor, _body = monitor_of(facility, username="mon-p3")

    def queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("oversight:cases")).status_code == 200
        return len(captured)

    open_case(security, prisoner)
    one = (queries(security), queries(monitor))
    for _ in range(4):
        open_case(security, PrisonerFactory(facility=facility), hours_ago=30)

    assert (queries(security), queries(monitor)) == one


def test_the_api_list_filters_by_kind(client, security, prisoner):
    open_case(security, prisoner, kind="death")
    torture = open_case(security, prisoner, kind="torture")
    client.force_login(security)

    listed = client.get(reverse("oversight-case-list"), {"kind": "torture"}).json()

    assert [c["id"] for c in listed["results"]] == [torture.pk]
