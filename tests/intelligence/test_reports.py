"""Reports: grading on the configured scales, compartments that hide a report's existence,
sources only their handler may name, sanitised dissemination and what comes back."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition
from custos.intelligence import selectors, services
from custos.intelligence.models import IntelligenceReport, ReportStatus, Source

from ..factories import FacilityFactory, PrisonerFactory, user_with_role
from .conftest import GRADES

pytestmark = pytest.mark.django_db


def test_a_report_is_numbered_graded_and_audited(analyst, report_for):
    report = report_for(analyst)

    assert report.reference == f"IR-{report.occurred_at:%Y}-{report.pk:06d}"
    assert (report.status, report.scheme, report.handling_code) == (ReportStatus.GRADED,
                                                                    "3x5x2", "P")
    assert report.graded_by == analyst
    entry = AuditEntry.objects.get(action="intelligence.report_create")
    assert entry.object_id == str(report.pk)


@pytest.mark.parametrize("field,value", [("source_evaluation", "9"),
                                         ("intelligence_assessment", "Z"),
                                         ("handling_code", "X")])
def test_a_grade_off_the_scale_is_refused_and_nothing_is_saved(analyst, report_for, field,
                                                               value):
    with pytest.raises(InvalidInput) as refused:
        report_for(analyst, grades={**GRADES, field: value})

    assert refused.value.field == field
    assert IntelligenceReport.objects.count() == 0


def test_a_conditional_handling_code_needs_its_conditions(analyst, report_for):
    with pytest.raises(InvalidInput) as refused:
        report_for(analyst, grades={**GRADES, "handling_code": "C"})
    assert refused.value.field == "handling_conditions"

    report = report_for(analyst, grades={**GRADES, "handling_code": "C",
                                         "handling_conditions": "Police CT only"})
    assert report.handling_conditions == "Police CT only"


def test_the_scheme_in_force_is_configuration(analyst, report_for, settings):
    settings.CUSTOS_INTELLIGENCE_GRADING = "5x5x5"
    with pytest.raises(InvalidInput):
        report_for(analyst)  # 1/B/P is not a 5x5x5 grading

    report = report_for(analyst, grades={"source_evaluation": "B",
                                         "intelligence_assessment": "2", "handling_code": "1"})
    assert report.scheme == "5x5x5"


def test_regrading_needs_the_version_read(analyst, report_for):
    report = report_for(analyst)
    services.report_grade(acting_user=analyst, report=report, version=report.version,
                          grades={**GRADES, "intelligence_assessment": "A"})

    with pytest.raises(ConcurrentEdit):
        services.report_grade(acting_user=analyst, report=report, version=report.version,
                              grades={**GRADES, "intelligence_assessment": "C"})
    report.refresh_from_db()
    assert report.intelligence_assessment == "A"


# --------------------------------------------------------------------------- compartments

@pytest.fixture
def restricted(analyst, report_for):
    compartment = services.compartment_create(acting_user=analyst, name="Operation Dune")
    return report_for(analyst, compartment=compartment.pk, summary="Dune: courier named")


def test_a_compartment_report_is_restricted_from_its_first_instant(restricted):
    # the row was inserted restricted: its creation entry already names the compartment
    entry = AuditEntry.objects.get(action="intelligence.report_create")
    assert entry.changes["compartment"] == restricted.compartment_id


def test_outside_the_compartment_the_report_does_not_exist(client, restricted, analyst,
                                                           other_analyst, prisoner):
    assert selectors.report_get(user=analyst, pk=restricted.pk) == restricted
    assert not selectors.report_list_visible_to(user=other_analyst).exists()
    assert not selectors.report_search(user=other_analyst, q="Dune").exists()
    assert not selectors.reports_about(user=other_analyst, prisoner=prisoner).exists()

    client.force_login(other_analyst)
    listed = client.get(reverse("intelligence-report-list"), {"prisoner": prisoner.pk})
    assert listed.json()["count"] == 0
    assert client.get(reverse("intelligence-report-detail", args=[restricted.pk])
                      ).status_code == 404
    assert client.get(reverse("intelligence-report-list"), {"q": "Dune"}).json()["count"] == 0
    assert client.get(reverse("intelligence-compartment-list")).json()["count"] == 0


def test_a_member_added_sees_it_and_a_stranger_cannot_add_himself(restricted, analyst,
                                                                  other_analyst):
    with pytest.raises(InvalidInput) as refused:
        services.compartment_member_add(acting_user=other_analyst,
                                        compartment=restricted.compartment_id,
                                        user=other_analyst)
    assert refused.value.message == "No such compartment."

    services.compartment_member_add(acting_user=analyst, compartment=restricted.compartment_id,
                                    user=other_analyst)
    assert selectors.report_get(user=other_analyst, pk=restricted.pk) == restricted


def test_an_unknown_and_a_foreign_compartment_get_the_same_answer(analyst, other_analyst,
                                                                  report_for):
    theirs = services.compartment_create(acting_user=other_analyst, name="Theirs")
    answers = []
    for compartment in (theirs.pk, theirs.pk + 1000):
        with pytest.raises(InvalidInput) as refused:
            report_for(analyst, compartment=compartment)
        answers.append((refused.value.field, refused.value.message))
    assert answers[0] == answers[1]
    assert IntelligenceReport.objects.count() == 0


def test_only_intelligence_staff_join_and_the_last_member_stays(analyst, facility):
    compartment = services.compartment_create(acting_user=analyst, name="Op")
    director = user_with_role("director", facility, username="dir-c")
    with pytest.raises(InvalidInput):
        services.compartment_member_add(acting_user=analyst, compartment=compartment,
                                        user=director)
    with pytest.raises(InvalidInput):
        services.compartment_member_remove(acting_user=analyst, compartment=compartment,
                                           user=analyst)


def test_another_facility_s_analyst_sees_no_report(report_for, analyst):
    report_for(analyst)
    elsewhere = user_with_role("analyst", FacilityFactory(code="GAO"), username="an-gao")
    assert not selectors.report_list_visible_to(user=elsewhere).exists()


# --------------------------------------------------------------------------- sources

def test_a_source_identity_is_encrypted_and_read_only_by_its_handler(client, handler, analyst,
                                                                     facility, report_for):
    source = services.source_create(acting_user=handler, reference="hs-07",
                                    identity="Ibrahim K., cleaner, wing B", facility=facility)
    raw = bytes(Source.objects.get(pk=source.pk).identity_encrypted)
    assert b"Ibrahim" not in raw and source.reference == "HS-07"

    report = report_for(analyst, source=source.pk)
    client.force_login(analyst)
    body = client.get(reverse("intelligence-report-detail", args=[report.pk])).content
    assert b"HS-07" in body and b"Ibrahim" not in body
    assert client.post(reverse("intelligence-source-identity", args=[source.pk]),
                       {"reason": "x"}).status_code == 403

    client.force_login(handler)
    answer = client.post(reverse("intelligence-source-identity", args=[source.pk]),
                         {"reason": "Meeting planned"}, content_type="application/json")
    assert answer.json()["identity"] == "Ibrahim K., cleaner, wing B"
    read = AuditEntry.objects.get(action="intelligence.source_read")
    assert read.reason == "Meeting planned" and "Ibrahim" not in str(read.changes)
    assert "Ibrahim" not in "".join(str(e.changes) for e in AuditEntry.objects.all())


def test_an_inactive_source_cannot_be_cited(handler, analyst, facility, report_for):
    source = services.source_create(acting_user=handler, reference="S-2", identity="X",
                                    facility=facility)
    services.source_deactivate(acting_user=handler, source=source, reason="Moved away")
    with pytest.raises(InvalidInput) as refused:
        report_for(analyst, source=source.pk)
    assert refused.value.field == "source"


# --------------------------------------------------------------------------- dissemination

def test_dissemination_needs_a_grade_that_allows_it(analyst, facility, prisoner, settings,
                                                    report_for):
    observer = user_with_role("security", facility, username="officer-1")
    seen = services.observation_create(acting_user=observer, facility=facility,
                                       occurred_at=timezone.now(), summary="Notes",
                                       text="Passed a note", prisoners=[prisoner])
    with pytest.raises(InvalidTransition):
        services.disseminate(acting_user=analyst, report=seen, audience="police",
                             recipients="CT police", text="A note was passed.")

    settings.CUSTOS_INTELLIGENCE_GRADING = "5x5x5"
    closed = report_for(analyst, grades={"source_evaluation": "B",
                                         "intelligence_assessment": "2", "handling_code": "4"})
    with pytest.raises(InvalidInput) as refused:
        services.disseminate(acting_user=analyst, report=closed, audience="police",
                             recipients="CT police", text="Something.")
    assert refused.value.field == "handling_code"
    assert not closed.disseminations.exists()


def test_the_sanitised_text_may_not_name_the_source(analyst, handler, facility, report_for):
    source = services.source_create(acting_user=handler, reference="HS-9", identity="Y",
                                    facility=facility)
    report = report_for(analyst, source=source.pk)
    with pytest.raises(InvalidInput) as refused:
        services.disseminate(acting_user=analyst, report=report, audience="police",
                             recipients="CT police", text="HS-9 says a courier comes Friday.")
    assert refused.value.field == "text"


def test_police_see_the_sanitised_version_and_reply_into_the_compartment(
        client, restricted, analyst, other_analyst, police, facility):
    made = services.disseminate(acting_user=analyst, report=restricted, audience="police",
                                recipients="CT police, Bamako", text="A courier comes Friday.")
    director_only = services.disseminate(acting_user=analyst, report=restricted,
                                         audience="director", recipients="Director",
                                         text="For the director.")
    entry = AuditEntry.objects.filter(action="intelligence.disseminate").first()
    assert entry.recipients

    client.force_login(police)
    listed = client.get(reverse("intelligence-dissemination-list")).json()
    assert [d["id"] for d in listed["results"]] == [made.pk]
    assert "Dune" not in str(listed) and restricted.reference not in str(listed)
    assert client.get(reverse("intelligence-dissemination-detail", args=[director_only.pk])
                      ).status_code == 404
    assert client.get(reverse("intelligence-report-list")).status_code == 403
    reply = client.post(reverse("intelligence-dissemination-reply", args=[made.pk]),
                        {"text": "Courier arrested Friday."}, content_type="application/json")
    assert reply.status_code == 201

    back = IntelligenceReport.objects.get(reference=reply.json()["reference"])
    assert (back.kind, back.status, back.compartment_id) == ("received", "submitted",
                                                             restricted.compartment_id)
    assert selectors.report_get(user=analyst, pk=back.pk) == back
    assert not selectors.report_list_visible_to(user=other_analyst).filter(pk=back.pk).exists()

    director = user_with_role("director", facility, username="dir-d")
    assert selectors.dissemination_list_visible_to(user=director).count() == 2


# --------------------------------------------------------------------------- observations

def test_wing_staff_file_observations_and_see_only_their_own(client, facility, prisoner,
                                                             analyst):
    officer = user_with_role("security", facility, username="officer-2")
    colleague = user_with_role("security", facility, username="officer-3")
    client.force_login(officer)
    answer = client.post(reverse("intelligence-observation-list"), {
        "facility": facility.pk, "occurred_at": timezone.now().isoformat(),
        "summary": "Prayer group", "text": "New group at the back of the yard",
        "prisoners": [prisoner.pk]}, content_type="application/json")
    assert answer.status_code == 201
    services.observation_create(acting_user=colleague, facility=facility,
                                occurred_at=timezone.now(), summary="Other", text="Other")

    mine = client.get(reverse("intelligence-observation-list")).json()
    assert [o["summary"] for o in mine["results"]] == ["Prayer group"]
    assert client.get(reverse("intelligence-report-list")).status_code == 403
    to_grade = selectors.report_search(user=analyst, status="submitted")
    assert {r.summary for r in to_grade} == {"Prayer group", "Other"}


def test_an_observation_in_the_future_or_about_a_stranger_is_refused(facility):
    officer = user_with_role("security", facility, username="officer-4")
    stranger = PrisonerFactory(facility=FacilityFactory(code="KYS"))
    with pytest.raises(InvalidInput) as refused:
        services.observation_create(acting_user=officer, facility=facility,
                                    occurred_at=timezone.now() + timezone.timedelta(days=1),
                                    summary="x", text="y")
    assert refused.value.field == "occurred_at"
    with pytest.raises(InvalidInput) as refused:
        services.observation_create(acting_user=officer, facility=facility,
                                    occurred_at=timezone.now(), summary="x", text="y",
                                    prisoners=[stranger.pk])
    assert refused.value.field == "prisoners"
    assert IntelligenceReport.objects.count() == 0


@pytest.mark.parametrize("role", ["partner", "monitor", "provider", "casemanager", "assessor",
                                  "probation", "evaluator", "training"])
def test_roles_without_need_to_know_see_no_intelligence(client, facility, analyst, report_for,
                                                        role):
    report_for(analyst)
    client.force_login(user_with_role(role, facility, username=f"nk-{role}"))
    for name in ("intelligence-report-list", "intelligence-communication-list",
                 "intelligence-person-list", "intelligence-alert-list",
                 "intelligence-dissemination-list", "intelligence-source-list"):
        assert client.get(reverse(name)).status_code == 403, name
