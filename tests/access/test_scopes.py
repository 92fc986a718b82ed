"""Each scope narrows lists, files, search, API filters, counts and exports alike."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from custos.access import services as access_services
from custos.access.models import Allocation, BreakGlass
from custos.access.policy import AccessDenied
from custos.accounts.models import ApiToken
from custos.audit.models import AuditEntry
from custos.core.errors import InvalidInput
from custos.custody import selectors, services
from custos.custody.models import Prisoner

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, UnitFactory, user_with_role


@pytest.fixture
def other_facility(db):
    return FacilityFactory(code="GAO", name="Gao")


@pytest.fixture
def people(facility, other_facility):
    return {
        "here": PrisonerFactory(facility=facility, names=["Moussa Diallo"], religion="Islam",
                                health_notes="Diabetes", group_affiliation="Group 3"),
        "also_here": PrisonerFactory(facility=facility, names=["Moussa Keita"]),
        "there": PrisonerFactory(facility=other_facility, names=["Moussa Traoré"]),
    }


def api_as(user) -> APIClient:
    client = APIClient()
    _, key = ApiToken.issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def ids(rows) -> set[int]:
    return {row["id"] for row in rows}


# --- facility scope ---------------------------------------------------------------------------


def test_facility_scope_narrows_list_search_detail_filters_and_counts(people, facility,
                                                                       other_facility):
    officer = user_with_role("security", facility, username="officer")
    api = api_as(officer)

    listed = api.get("/api/v1/prisoners/").json()
    searched = api.get("/api/v1/prisoners/", {"q": "Moussa"}).json()
    filtered = api.get("/api/v1/prisoners/", {"facility": other_facility.pk}).json()

    assert ids(listed["results"]) == {people["here"].pk, people["also_here"].pk}
    assert listed["count"] == 2
    assert ids(searched["results"]) == {people["here"].pk, people["also_here"].pk}
    assert filtered["count"] == 0 and filtered["results"] == []
    assert api.get(f"/api/v1/prisoners/{people['there'].pk}/").status_code == 404
    assert {p.pk for p in selectors.prisoner_search(user=officer, query="Traoré")} == set()


def test_an_id_outside_the_scope_is_refused_exactly_like_an_id_that_does_not_exist(
        people, facility, cell):
    officer = user_with_role("security", facility, username="officer")
    api = api_as(officer)
    missing = Prisoner.objects.order_by("-pk").first().pk + 1000

    outside = api.post("/api/v1/placements/", {"prisoner": people["there"].pk, "cell": cell.pk})
    nowhere = api.post("/api/v1/placements/", {"prisoner": missing, "cell": cell.pk})

    assert outside.status_code == nowhere.status_code == 400
    assert (outside.json()["detail"].replace(str(people["there"].pk), "N")
            == nowhere.json()["detail"].replace(str(missing), "N"))


def test_cell_occupants_outside_a_caseload_are_not_listed(people, facility, director):
    cell = CellFactory(unit=UnitFactory(facility=facility), beds=4)
    for prisoner in (people["here"], people["also_here"]):
        services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                  reason="arrival")
    provider = user_with_role("provider", facility, username="provider")
    Allocation.objects.create(user=provider, prisoner=people["here"], allocated_by=director)

    occupants = api_as(provider).get(f"/api/v1/cells/{cell.pk}/").json()["occupants"]

    assert occupants == [people["here"].pk]


# --- caseload scope --------------------------------------------------------------------------


def test_a_case_manager_sees_only_their_caseload_everywhere(client, people, facility,
                                                            director):
    manager = user_with_role("casemanager", facility, username="manager")
    access_services.allocation_create(acting_user=director, prisoner=people["here"],
                                      staff=manager, reason="intake")
    api = api_as(manager)

    assert ids(api.get("/api/v1/prisoners/").json()["results"]) == {people["here"].pk}
    assert [p.pk for p in selectors.prisoner_search(user=manager, query="Moussa")] == [
        people["here"].pk]
    assert api.get(f"/api/v1/prisoners/{people['also_here'].pk}/").status_code == 404
    client.force_login(manager)
    assert client.get(reverse("custody:prisoner", args=[people["also_here"].pk])
                      ).status_code == 404
    assert client.get(reverse("custody:prisoner", args=[people["here"].pk])).status_code == 200


def test_ending_an_allocation_ends_the_access(people, facility, director):
    manager = user_with_role("casemanager", facility, username="manager")
    allocation = access_services.allocation_create(acting_user=director,
                                                   prisoner=people["here"], staff=manager)

    access_services.allocation_end(acting_user=director, allocation=allocation,
                                   reason="transferred to another manager")

    assert not selectors.prisoner_list_visible_to(user=manager).exists()
    assert AuditEntry.objects.filter(action="allocation.end").count() == 1


def test_a_case_manager_may_edit_their_caseload_only(people, facility, director):
    manager = user_with_role("casemanager", facility, username="manager")
    Allocation.objects.create(user=manager, prisoner=people["here"], allocated_by=director)
    other = people["also_here"]

    services.prisoner_update(acting_user=manager, prisoner=people["here"],
                             expected_version=people["here"].version, changes={"languages": "ar"})
    with pytest.raises(AccessDenied):
        services.prisoner_update(acting_user=manager, prisoner=other,
                                 expected_version=other.version, changes={"languages": "ar"})

    other.refresh_from_db()
    assert (other.languages, other.version) == ("", 1)


def test_only_caseload_roles_can_be_given_a_caseload(people, facility, director):
    officer = user_with_role("security", facility, username="officer")

    with pytest.raises(InvalidInput):
        access_services.allocation_create(acting_user=director, prisoner=people["here"],
                                          staff=officer)
    assert not Allocation.objects.exists()


# --- break-glass -------------------------------------------------------------------------------


def test_break_glass_opens_one_file_with_a_reason_audited_for_the_auditor(client, people,
                                                                         facility):
    officer = user_with_role("security", facility, username="officer")
    client.force_login(officer)
    target = people["there"]

    short = client.post(reverse("access:break_glass"),
                        {"prison_number": target.prison_number, "reason": "need"})
    assert short.status_code == 200 and not BreakGlass.objects.exists()
    opened = client.post(reverse("access:break_glass"), {
        "prison_number": target.prison_number,
        "reason": "Medical emergency on transfer; need his allergies now"})

    assert opened.status_code == 302
    page = client.get(reverse("custody:prisoner", args=[target.pk])).content.decode()
    assert "break-glass" in page
    entry = AuditEntry.objects.get(action="access.break_glass")
    assert entry.object_id == str(target.pk) and "allergies" in entry.reason
    # the opening is for this file only (read as a new request would: a fresh user object)
    officer = type(officer).objects.get(pk=officer.pk)
    assert {p.pk for p in selectors.prisoner_list_visible_to(user=officer)} == {
        people["here"].pk, people["also_here"].pk, target.pk}


def test_break_glass_expires(people, facility):
    officer = user_with_role("security", facility, username="officer")
    opening = access_services.break_glass_open(acting_user=officer, prisoner=people["there"],
                                               reason="Escort to hospital tonight")
    BreakGlass.objects.filter(pk=opening.pk).update(ended_at=timezone.now() - timedelta(minutes=1))

    assert people["there"].pk not in {
        p.pk for p in selectors.prisoner_list_visible_to(user=officer)}


def test_partners_and_monitors_cannot_break_glass(client, people, facility):
    for role in ("partner", "monitor"):
        client.force_login(user_with_role(role, facility, username=role))
        response = client.post(reverse("access:break_glass"), {
            "prison_number": people["here"].prison_number, "reason": "I would like to see it"})
        assert response.status_code == 403
    assert not BreakGlass.objects.exists()


# --- sealed juvenile files -------------------------------------------------------------------


def test_a_juveniles_file_is_sealed_on_release_and_opens_only_by_break_glass(
        client, facility, director):
    today = timezone.localdate()
    young = PrisonerFactory(facility=facility, date_of_birth=today.replace(year=today.year - 16))

    services.prisoner_release(acting_user=director, prisoner=young,
                              released_at=timezone.now(), reason="end of sentence",
                              expected_version=young.version)

    young.refresh_from_db()
    assert young.sealed_at is not None
    assert not selectors.prisoner_list_visible_to(user=director).filter(pk=young.pk).exists()
    client.force_login(director)
    assert client.get(reverse("custody:prisoner", args=[young.pk])).status_code == 404
    access_services.break_glass_open(acting_user=director, prisoner=young,
                                     reason="Court order 2026/55 to produce the file")
    assert client.get(reverse("custody:prisoner", args=[young.pk])).status_code == 200


def test_an_adults_file_is_not_sealed_on_release(facility, director):
    adult = PrisonerFactory(facility=facility)

    services.prisoner_release(acting_user=director, prisoner=adult, released_at=timezone.now(),
                              reason="bail", expected_version=adult.version)

    adult.refresh_from_db()
    assert adult.sealed_at is None


# --- redaction -----------------------------------------------------------------------------------


def test_sensitive_fields_follow_the_need_to_know_in_the_api(people, facility, director):
    manager = user_with_role("casemanager", facility, username="manager")
    Allocation.objects.create(user=manager, prisoner=people["here"], allocated_by=director)
    officer = user_with_role("security", facility, username="officer")
    url = f"/api/v1/prisoners/{people['here'].pk}/"

    as_officer = api_as(officer).get(url).json()
    as_manager = api_as(manager).get(url).json()

    assert "religion" not in as_officer and "health_notes" not in as_officer
    assert as_officer["group_affiliation"] == "Group 3"
    assert as_manager["religion"] == "Islam" and as_manager["health_notes"] == "Diabetes"
    assert "group_affiliation" not in as_manager


def test_the_family_home_is_shown_only_to_those_who_place_or_support_the_prisoner(
        people, facility, director):
    prisoner = people["here"]
    Prisoner.objects.filter(pk=prisoner.pk).update(
        family_home="Ségou", family_home_latitude=13.43, family_home_longitude=-6.26)
    provider = user_with_role("provider", facility, username="provider")
    Allocation.objects.create(user=provider, prisoner=prisoner, allocated_by=director)
    officer = user_with_role("security", facility, username="officer")
    url = f"/api/v1/prisoners/{prisoner.pk}/"

    as_provider = api_as(provider).get(url).json()
    as_officer = api_as(officer).get(url).json()

    assert as_provider["id"] == prisoner.pk
    assert not {"family_home", "family_home_latitude", "family_home_longitude"} & set(as_provider)
    assert as_officer["family_home"] == "Ségou" and as_officer["family_home_latitude"] == 13.43


def test_the_file_page_hides_what_the_role_may_not_see(client, people, facility):
    client.force_login(user_with_role("security", facility, username="officer"))

    page = client.get(reverse("custody:prisoner", args=[people["here"].pk])).content.decode()

    assert "Diabetes" not in page and "Islam" not in page and "Group 3" in page


# --- exports -----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_an_export_holds_only_what_the_user_may_see_and_logs_why_and_to_whom(
        client, people, facility):
    client.force_login(user_with_role("security", facility, username="officer"))

    response = client.post(reverse("custody:export"), {
        "reason": "Weekly roll for the regional directorate",
        "recipients": "Regional director, Mopti"})

    rows = read_csv(response)
    assert rows[0][0] == "prison_number" and "religion" not in rows[0]
    assert "health_notes" not in rows[0] and "group_affiliation" in rows[0]
    assert {r[0] for r in rows[1:]} == {people["here"].prison_number,
                                        people["also_here"].prison_number}
    entry = AuditEntry.objects.get(action="prisoner.export")
    assert entry.reason == "Weekly roll for the regional directorate"
    assert entry.recipients == "Regional director, Mopti"


def test_an_export_without_justification_is_refused_and_not_made(client, people, facility):
    client.force_login(user_with_role("director", facility, username="boss"))

    response = client.post(reverse("custody:export"), {"recipients": "someone"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action="prisoner.export").exists()
