"""Intelligence pages: compartments hide a report everywhere, grading and dissemination go
through the services, the wing form and the disseminated list show nothing else, a source's
identity only after a reason, and the roles without intelligence see none of it."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.access.endpoints import ENDPOINTS
from custos.access.models import Allocation, Compartment
from custos.audit.models import AuditEntry
from custos.intelligence import services
from custos.intelligence.models import (
    Alert,
    CommunicationEvent,
    Dissemination,
    Flag,
    ImportBatch,
    IntelligenceReport,
    ReportKind,
    ReportStatus,
    Source,
)

from ..factories import user_with_role
from .conftest import GRADES

pytestmark = pytest.mark.django_db
_fingerprints = itertools.count(1)


def form_time(minutes_ago: int = 60) -> str:
    return (timezone.localtime() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def report_data(facility, prisoner, **changes) -> dict:
    data = {"facility": facility.pk, "occurred_at": form_time(), "place": "Yard B",
            "summary": "Recruiting on the yard", "text": "Seen talking to new arrivals.",
            "prisoners": prisoner.prison_number, "source": "",
            "source_description": "Wing officer", "compartment": "",
            "source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P",
            "handling_conditions": ""}
    data.update(changes)
    return data


def body(response) -> str:
    return response.content.decode()


def grade_data(report, **changes) -> dict:
    data = {"grade-version": report.version, "grade-source_evaluation": "2",
            "grade-intelligence_assessment": "C", "grade-handling_code": "P",
            "grade-handling_conditions": ""}
    data.update(changes)
    return data


# --- a report restricted to a compartment ---------------------------------------------------

def test_a_compartment_report_exists_for_its_members_only(client, analyst, other_analyst,
                                                          facility, prisoner):
    compartment = services.compartment_create(acting_user=analyst, name="Operation Sable")
    client.force_login(analyst)

    response = client.post(reverse("intelligence:report_new"), report_data(
        facility, prisoner, compartment=compartment.pk, summary="Sable: courier identified"))

    report = IntelligenceReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intelligence:report", args=[report.pk])
    assert report.compartment == compartment and report.created_by == analyst
    assert list(report.prisoners.all()) == [prisoner]
    assert "Sable: courier identified" in body(client.get(reverse("intelligence:home")))
    found = client.get(reverse("intelligence:home"), {"q": "courier"})
    assert "1 report" in body(found) and report.reference in body(found)
    page = client.get(reverse("intelligence:report", args=[report.pk]))
    assert page.status_code == 200 and "Operation Sable" in body(page)
    assert "1/A/P" in body(page) and "Known directly to the source" in body(page)
    file = client.get(reverse("custody:prisoner", args=[prisoner.pk]))
    assert "Sable: courier identified" in body(file)

    client.force_login(other_analyst)
    reads = AuditEntry.objects.filter(action="intelligence.report_view").count()

    desk = client.get(reverse("intelligence:home"))
    search = client.get(reverse("intelligence:home"), {"q": "courier"})
    file = client.get(reverse("custody:prisoner", args=[prisoner.pk]))
    direct = client.get(reverse("intelligence:report", args=[report.pk]))

    assert desk.status_code == 200 and "Sable" not in body(desk)
    assert "0 reports" in body(search) and report.reference not in body(search)
    assert file.status_code == 200 and ">Intelligence</h2>" in body(file)
    assert "No report names this prisoner." in body(file)
    assert "Sable" not in body(file) and report.reference not in body(file)
    assert direct.status_code == 404
    assert "Operation Sable" not in body(client.get(reverse("intelligence:compartments")))
    assert client.get(reverse("intelligence:compartment", args=[compartment.pk])
                      ).status_code == 404
    assert AuditEntry.objects.filter(action="intelligence.report_view").count() == reads


def test_an_unknown_prison_number_is_refused_on_the_form(client, analyst, facility, prisoner):
    client.force_login(analyst)

    response = client.post(reverse("intelligence:report_new"),
                           report_data(facility, prisoner, prisoners="NOPE-1"))

    assert response.status_code == 400
    assert "NOPE-1" in body(response)
    assert not IntelligenceReport.objects.exists()


def test_the_new_report_form_offers_the_scales_and_only_the_users_compartments(
        client, analyst, other_analyst):
    services.compartment_create(acting_user=analyst, name="Mine")
    services.compartment_create(acting_user=other_analyst, name="Theirs")
    client.force_login(analyst)

    page = body(client.get(reverse("intelligence:report_new")))

    assert "Mine" in page and "Theirs" not in page
    assert "only members will ever know it exists" in page
    assert "A — Known directly to the source" in page and 'type="datetime-local"' in page


# --- grading -------------------------------------------------------------------------------

def test_a_grade_off_the_scale_is_refused_and_nothing_changes(client, analyst, report_for):
    report = report_for(analyst)
    client.force_login(analyst)

    response = client.post(reverse("intelligence:report", args=[report.pk]),
                           grade_data(report, **{"grade-source_evaluation": "9"}))

    assert response.status_code == 400
    fresh = IntelligenceReport.objects.get(pk=report.pk)
    assert (fresh.source_evaluation, fresh.intelligence_assessment, fresh.version) == (
        "1", "B", report.version)
    assert not AuditEntry.objects.filter(action="intelligence.report_grade").exists()


def test_a_stale_version_is_a_conflict(client, analyst, other_analyst, report_for):
    report = report_for(analyst)
    services.report_grade(acting_user=other_analyst, report=report, version=report.version,
                          grades=dict(GRADES, intelligence_assessment="D"))
    client.force_login(analyst)

    response = client.post(reverse("intelligence:report", args=[report.pk]),
                           grade_data(report))

    assert response.status_code == 409
    assert "Someone changed this report after you opened it" in body(response)
    fresh = IntelligenceReport.objects.get(pk=report.pk)
    assert (fresh.intelligence_assessment, fresh.graded_by) == ("D", other_analyst)


def test_an_observation_is_graded_through_the_page(client, analyst, security, facility):
    observation = services.observation_create(
        acting_user=security, facility=facility, occurred_at=timezone.now(), summary="Notes",
        text="Passing notes.")
    client.force_login(analyst)
    assert observation.reference in body(client.get(reverse("intelligence:home")))

    response = client.post(reverse("intelligence:report", args=[observation.pk]),
                           grade_data(observation))

    assert response.status_code == 302
    observation.refresh_from_db()
    assert (observation.status, observation.graded_by) == (ReportStatus.GRADED, analyst)


# --- dissemination -------------------------------------------------------------------------

def test_a_handling_code_that_forbids_sharing_refuses_dissemination(
        client, analyst, report_for, settings):
    settings.CUSTOS_INTELLIGENCE_GRADING = "5x5x5"
    report = report_for(analyst, grades={"source_evaluation": "B",
                                         "intelligence_assessment": "2", "handling_code": "4"})
    client.force_login(analyst)

    page = client.get(reverse("intelligence:report", args=[report.pk]))
    response = client.post(reverse("intelligence:disseminate", args=[report.pk]), {
        "share-audience": "police", "share-recipients": "CT police",
        "share-text": "A prisoner recruits."})

    assert "Only within the originating agency" in body(page)
    assert 'name="share-text"' not in body(page)
    assert response.status_code == 400
    assert "does not allow dissemination" in body(response)
    assert not Dissemination.objects.exists()


def test_police_read_the_dissemination_not_the_report_and_reply(client, analyst, police,
                                                                report_for):
    report = report_for(analyst)
    client.force_login(analyst)
    shared = client.post(reverse("intelligence:disseminate", args=[report.pk]), {
        "share-audience": "police", "share-recipients": "CT police",
        "share-text": "A prisoner is recruiting new arrivals."})
    made = Dissemination.objects.get()
    assert shared.status_code == 302 and made.handling_code == "P"

    client.force_login(police)
    listed = client.get(reverse("intelligence:disseminated"))
    page = client.get(reverse("intelligence:dissemination", args=[made.pk]))
    refused = client.get(reverse("intelligence:report", args=[report.pk]))
    reply = client.post(reverse("intelligence:dissemination", args=[made.pk]), {
        "summary": "Known to us", "text": "The contact is under investigation."})

    assert listed.status_code == 200 and reverse(
        "intelligence:dissemination", args=[made.pk]) in body(listed)
    assert "A prisoner is recruiting new arrivals." in body(page)
    assert "Lawful sharing permitted" in body(page)
    for secret in ("Seen talking to new arrivals", report.reference):
        assert secret not in body(page) and secret not in body(listed)
    assert refused.status_code == 403  # the access table answers before the report is sought
    assert "Seen talking" not in body(refused)
    assert reply.status_code == 302
    received = IntelligenceReport.objects.get(kind=ReportKind.RECEIVED)
    assert (received.status, received.in_reply_to) == (ReportStatus.SUBMITTED, made)

    client.force_login(analyst)
    desk = body(client.get(reverse("intelligence:home")))
    assert received.reference in desk and "Known to us" in desk
    assert "a dissemination of an earlier report" in body(
        client.get(reverse("intelligence:report", args=[received.pk])))


# --- the wing form -------------------------------------------------------------------------

def test_the_wing_form_files_an_observation_and_shows_only_ones_own(client, security,
                                                                    director, facility,
                                                                    prisoner):
    services.observation_create(acting_user=director, facility=facility,
                                occurred_at=timezone.now(), summary="The director's note",
                                text="Something else.")
    client.force_login(security)

    form = client.get(reverse("intelligence:observe"))
    response = client.post(reverse("intelligence:observe"), {
        "facility": facility.pk, "occurred_at": form_time(5), "place": "Landing 2",
        "prisoners": prisoner.prison_number.lower(), "summary": "Notes passed",
        "text": "Two prisoners passed folded notes at lunch."}, follow=True)

    mine = IntelligenceReport.objects.get(created_by=security)
    page = body(response)
    assert form.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body(form)
    assert 'class="stack touch"' in body(form) and "<script" not in body(form).split(
        "</head>")[1]
    assert f'<option value="{facility.pk}" selected>' in body(form)
    assert response.status_code == 200 and mine.kind == ReportKind.OBSERVATION
    assert list(mine.prisoners.all()) == [prisoner]
    assert f"Your observation is filed as {mine.reference}" in page
    assert "Notes passed" in page
    assert "The director&#x27;s note" not in page and "director" not in page.split("<main>")[1]


def test_an_empty_observation_is_refused(client, security):
    client.force_login(security)

    response = client.post(reverse("intelligence:observe"), {})

    assert response.status_code == 400
    assert not IntelligenceReport.objects.exists()


# --- sources -------------------------------------------------------------------------------

def test_a_sources_identity_is_shown_only_after_a_reason(client, handler, facility):
    source = services.source_create(acting_user=handler, reference="s-7",
                                    identity="Ibrahim the cook", facility=facility)
    client.force_login(handler)

    page = client.get(reverse("intelligence:source", args=[source.pk]))
    no_reason = client.post(reverse("intelligence:source", args=[source.pk]),
                            {"action": "identity", "identity-reason": ""})
    shown = client.post(reverse("intelligence:source", args=[source.pk]),
                        {"action": "identity", "identity-reason": "Meeting tomorrow"})

    assert page.status_code == 200 and "S-7" in body(page)
    assert "Ibrahim" not in body(page) and "Ibrahim" not in body(no_reason)
    assert no_reason.status_code == 400
    assert shown.status_code == 200 and "Ibrahim the cook" in body(shown)
    assert "no-store" in shown["Cache-Control"]
    entry = AuditEntry.objects.get(action="intelligence.source_read")
    assert (entry.object_id, entry.reason) == (str(source.pk), "Meeting tomorrow")
    assert "Ibrahim" not in body(client.get(reverse("intelligence:source", args=[source.pk])))


def test_a_source_is_registered_and_deactivated_through_the_pages(client, handler, facility):
    client.force_login(handler)

    created = client.post(reverse("intelligence:sources"), {
        "reference": "S-9", "identity": "A baker", "facility": facility.pk})
    source = Source.objects.get(reference="S-9")
    deactivated = client.post(reverse("intelligence:source", args=[source.pk]),
                              {"action": "deactivate", "deactivate-reason": "Moved away"})

    assert created.status_code == 302 and deactivated.status_code == 302
    source.refresh_from_db()
    assert not source.active
    assert "A baker" not in body(client.get(reverse("intelligence:sources")))


# --- compartments, people, alerts ----------------------------------------------------------

def test_a_member_adds_an_analyst_to_a_compartment(client, analyst, other_analyst, security):
    client.force_login(analyst)
    client.post(reverse("intelligence:compartments"), {"name": "Op Kite", "purpose": "x"})
    compartment = Compartment.objects.get(name="Op Kite")

    refused = client.post(reverse("intelligence:compartment", args=[compartment.pk]),
                          {"username": security.username})
    added = client.post(reverse("intelligence:compartment", args=[compartment.pk]),
                        {"username": other_analyst.username})

    assert refused.status_code == 400
    assert "Only intelligence analysts and source handlers" in body(refused)
    assert added.status_code == 302
    client.force_login(other_analyst)
    assert client.get(reverse("intelligence:compartment", args=[compartment.pk])
                      ).status_code == 200


def test_a_person_is_found_flagged_and_linked_to_the_network(client, analyst, facility,
                                                            report_for):
    person = services.person_create(acting_user=analyst, name="Abu Kamal", kind="associate")
    report_for(analyst, people=[person], summary="Kamal visited")
    client.force_login(analyst)

    found = client.get(reverse("intelligence:people"), {"q": "kamal"})
    short = client.post(reverse("intelligence:person", args=[person.pk]), {"reason": "bad"})
    flags_after_short = Flag.objects.count()
    flagged = client.post(reverse("intelligence:person", args=[person.pk]),
                          {"reason": "Recruiter named in court papers"}, follow=True)

    assert reverse("intelligence:person", args=[person.pk]) in body(found)
    assert short.status_code == 400 and flags_after_short == 0
    assert Flag.objects.get().created_by == analyst
    page = body(flagged)
    assert "Recruiter named in court papers" in page and "Kamal visited" in page
    assert f"/intelligence/network/?party={person.party.pk}" in page
    assert AuditEntry.objects.filter(action="intelligence.person_view").exists()


def test_a_new_rule_raises_its_alerts_and_the_evidence_is_listed(client, analyst, facility,
                                                                 prisoner):
    person = services.person_create(acting_user=analyst, name="Abu X", kind="associate")
    services.flag_create(acting_user=analyst, party=person.party, reason="Named in court")
    me = services.party_of(prisoner=prisoner)
    CommunicationEvent.objects.create(
        kind="call", occurred_at=timezone.now() - timedelta(days=2), from_party=me,
        to_party=person.party, duration_seconds=95, facility=facility,
        fingerprint=next(_fingerprints))
    client.force_login(analyst)

    response = client.post(reverse("intelligence:alerts"), {
        "name": "Flagged contact", "kind": "flagged_contact", "facility": "",
        "compartment": "", "influence_at_least": 4, "vulnerability_at_least": 6}, follow=True)

    alert = Alert.objects.get()
    page = body(response)
    assert "1 alert raised" in page and "Abu X" in page and prisoner.display_name in page
    detail = client.get(reverse("intelligence:alert", args=[alert.pk]))
    assert "95 s" in body(detail) and "Named in court" in body(detail)
    closed = client.post(reverse("intelligence:alert", args=[alert.pk]),
                         {"reason": "Known contact"})
    again = client.post(reverse("intelligence:alert", args=[alert.pk]),
                        {"reason": "Known contact"})
    assert closed.status_code == 302 and again.status_code == 409
    alert.refresh_from_db()
    assert alert.closed_by == analyst


# --- who sees none of it -------------------------------------------------------------------

def _intelligence_urls(ids: dict) -> list[tuple[str, str]]:
    found = []
    for name, methods in ENDPOINTS.items():
        if name.startswith("intelligence:"):
            page = name.removeprefix("intelligence:")
            key = "report" if page == "disseminate" else page
            args = [ids[key]] if key in ids else []
            found += [(method, reverse(name, args=args)) for method in methods]
    return found


@pytest.mark.parametrize("role", ["partner", "monitor", "casemanager", "provider"])
def test_roles_without_intelligence_see_none_of_it(client, analyst, handler, facility,
                                                   prisoner, report_for, role):
    report = report_for(analyst)
    made = services.disseminate(acting_user=analyst, report=report, audience="police",
                                recipients="CT", text="Shared.")
    source = services.source_create(acting_user=handler, reference="S-1", identity="X",
                                    facility=facility)
    person = services.person_create(acting_user=analyst, name="Someone")
    compartment = services.compartment_create(acting_user=analyst, name="Op")
    rule = services.alert_rule_create(acting_user=analyst, name="R", kind="flagged_contact")
    alert = Alert.objects.create(rule=rule, facility=facility,
                                 subject=services.party_of(prisoner=prisoner),
                                 other=person.party, first_event_at=timezone.now())
    batch = ImportBatch.objects.create(file_name="calls.csv", file_sha256="0" * 64,
                                       mapping="canonical")
    ids = {"report": report.pk, "dissemination": made.pk, "source": source.pk,
           "person": person.pk, "compartment": compartment.pk, "alert": alert.pk,
           "import": batch.pk}
    user = user_with_role(role, facility, username=f"no-intel-{role}")
    Allocation.objects.create(user=user, prisoner=prisoner, allocated_by=analyst)
    client.force_login(user)
    before = (IntelligenceReport.objects.count(), Dissemination.objects.count(),
              Flag.objects.count())

    for method, url in _intelligence_urls(ids):
        response = getattr(client, method.lower())(url)
        assert response.status_code == 403, (method, url)
        assert "Recruiting" not in body(response)

    assert before == (IntelligenceReport.objects.count(), Dissemination.objects.count(),
                      Flag.objects.count())
    assert not AuditEntry.objects.filter(action__startswith="intelligence.",
                                         actor=user).exists()
    home = body(client.get(reverse("access:home")))
    assert "/intelligence/" not in home
    file = client.get(reverse("custody:prisoner", args=[prisoner.pk]))
    if role in ("casemanager", "provider"):  # they may open the file of their caseload
        assert file.status_code == 200
    assert "Intelligence" not in body(file) and report.reference not in body(file)


# --- languages -----------------------------------------------------------------------------

def test_the_pages_render_right_to_left_in_arabic(client, analyst, security, police, handler,
                                                  facility, report_for):
    report = report_for(analyst)
    made = services.disseminate(acting_user=analyst, report=report, audience="police",
                                recipients="CT", text="Shared.")
    source = services.source_create(acting_user=handler, reference="S-1", identity="X",
                                    facility=facility)
    pages = [(analyst, reverse("intelligence:home")),
             (analyst, reverse("intelligence:report_new")),
             (analyst, reverse("intelligence:report", args=[report.pk])),
             (analyst, reverse("intelligence:alerts")),
             (analyst, reverse("intelligence:people")),
             (analyst, reverse("intelligence:compartments")),
             (security, reverse("intelligence:observe")),
             (police, reverse("intelligence:disseminated")),
             (police, reverse("intelligence:dissemination", args=[made.pk])),
             (handler, reverse("intelligence:source", args=[source.pk]))]
    for user, url in pages:
        client.force_login(user)
        client.post(reverse("set_language"), {"language": "ar", "next": url})

        response = client.get(url)

        assert response.status_code == 200, url
        assert 'dir="rtl"' in body(response) and 'lang="ar"' in body(response), url


def test_the_desk_costs_the_same_for_many_reports(client, analyst, report_for,
                                                  django_assert_max_num_queries):
    compartment = services.compartment_create(acting_user=analyst, name="Op")
    for i in range(12):
        report_for(analyst, compartment=compartment if i % 2 else None, summary=f"Report {i}")
    client.force_login(analyst)

    with django_assert_max_num_queries(13):
        response = client.get(reverse("intelligence:home"))

    assert response.status_code == 200 and "Report 11" in body(response)
