"""The REST API: real tokens, scoped rows, documented error shapes, nothing changed on refusal."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from custos.access.roles import Role
from custos.accounts.models import ApiToken
from custos.audit.models import AuditEntry
from custos.custody import services
from custos.custody.models import Placement, Prisoner

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, user_with_role

PRISONERS = "/api/v1/prisoners/"
CELLS = "/api/v1/cells/"
PLACEMENTS = "/api/v1/placements/"


def api_as(user, **token_options) -> APIClient:
    _token, key = ApiToken.issue(user=user, **token_options)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def placed(prisoner, cell, by):
    services.placement_create(acting_user=by, prisoner=prisoner, cell=cell, reason="arrival")
    prisoner.refresh_from_db()
    return prisoner


def trail_entries():
    """The audit trail less the hourly `token.use` entries, which these tests do not study."""
    return AuditEntry.objects.exclude(action="token.use")


def state() -> tuple:
    """Everything a write through the API could change."""
    return (
        list(Prisoner.objects.order_by("id").values_list("id", "current_cell_id", "version",
                                                         "status")),
        list(Placement.objects.order_by("id").values_list("id", "cell_id", "ended_at")),
        trail_entries().count(),
    )


# --- reading ---------------------------------------------------------------------------------


def test_prisoner_list_fields_and_pagination(director, facility, cell):
    # given a placed woman on a terrorism charge
    woman = PrisonerFactory(facility=facility, sex="F", legal_status="remand",
                            terrorism_related=True, names=["Aminata Traoré"])
    placed(woman, cell, director)
    # when the director lists prisoners
    response = api_as(director).get(PRISONERS)
    # then the page is paginated JSON with the documented fields
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["count"] == 1
    assert {"results", "count", "next", "previous"} <= set(body)
    row = body["results"][0]
    assert row["id"] == woman.pk
    assert row["prison_number"] == woman.prison_number
    assert row["display_name"] == "Aminata Traoré"
    assert row["sex"] == "F"
    assert row["date_of_birth"] == "1990-01-01"
    assert row["legal_status"] == "remand"
    assert row["terrorism_related"] is True
    assert row["current_cell"] == cell.pk
    assert row["facility"] == facility.pk
    assert row["status"] == "in_custody"
    assert row["version"] == woman.version
    assert "woman" in row["categories"]


def test_prisoner_list_pages(director, facility):
    for _ in range(3):
        PrisonerFactory(facility=facility)
    body = api_as(director).get(PRISONERS, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_prisoner_list_sex_is_m_for_men(director, facility):
    PrisonerFactory(facility=facility, sex="M")
    row = api_as(director).get(PRISONERS).json()["results"][0]
    assert row["sex"] == "M"
    assert row["current_cell"] is None


def test_prisoner_list_filters(facility):
    # given prisoners in two facilities, remand and convicted, and a national director
    national = user_with_role(Role.DIRECTOR, None)
    elsewhere = FacilityFactory()
    remand = PrisonerFactory(facility=facility, legal_status="remand", names=["Mohamed Traoré"])
    convicted = PrisonerFactory(facility=facility, legal_status="convicted",
                                names=["Aminata Coulibaly"])
    far = PrisonerFactory(facility=elsewhere, legal_status="remand", names=["Muhammad Ag Ali"])
    client = api_as(national)

    def ids(**params) -> set[int]:
        response = client.get(PRISONERS, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    # then each filter narrows the list
    assert ids() == {remand.pk, convicted.pk, far.pk}
    assert ids(facility=facility.pk) == {remand.pk, convicted.pk}
    assert ids(legal_status="remand") == {remand.pk, far.pk}
    assert ids(legal_status="remand", facility=elsewhere.pk) == {far.pk}
    # and the search finds names across scripts
    assert ids(q="محمد") == {remand.pk, far.pk}
    assert ids(q="Мухаммед Траоре") == {remand.pk}
    assert ids(q="coulibaly") == {convicted.pk}


def test_prisoner_detail_has_the_file(director, facility):
    prisoner = services.prisoner_admit(
        acting_user=director, facility=facility, prison_number="BKO-9",
        names=[{"full_name": "Mohamed Traoré"}, {"full_name": "محمد تراوري", "script": "arab"}],
        date_of_birth=timezone.localdate() - timedelta(days=365 * 30), sex="M",
        legal_status="remand",
        admission={"commitment_order": "X/1", "commitment_authority": "Court"},
        family=[{"name": "Awa", "relationship": "daughter", "is_child": True}],
        offences=[{"description": "Financing terrorism", "terrorism_related": True}])
    audit_before = trail_entries().count()
    response = api_as(director).get(f"{PRISONERS}{prisoner.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert [n["full_name"] for n in body["names"]] == ["Mohamed Traoré", "محمد تراوري"]
    assert body["admission"]["commitment_order"] == "X/1"
    assert body["family"][0]["is_child"] is True
    assert body["offences"][0]["terrorism_related"] is True
    assert body["terrorism_related"] is True
    # and reading a file is audited
    entry = trail_entries().order_by("id")[audit_before:].get()
    assert (entry.action, entry.object_id, entry.via) == ("prisoner.view", str(prisoner.pk),
                                                          "api")


def test_cell_list_fields(director, facility, cell):
    # given a cell with one prisoner and a released one who used to be there
    inside = placed(PrisonerFactory(facility=facility), cell, director)
    gone = placed(PrisonerFactory(facility=facility), cell, director)
    services.prisoner_release(acting_user=director, prisoner=gone, released_at=timezone.now(),
                              reason="bail", expected_version=None)
    # when the cells are listed
    response = api_as(director).get(CELLS)
    # then each cell shows its unit, beds and present occupants
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == cell.pk
    assert row["unit"] == cell.unit_id
    assert row["beds"] == 2
    assert row["occupants"] == [inside.pk]


def test_cell_list_filtered_by_facility(director, facility, cell):
    CellFactory()  # in another facility, out of scope anyway
    national = user_with_role(Role.DIRECTOR, None)
    rows = api_as(national).get(CELLS, {"facility": facility.pk}).json()["results"]
    assert [r["id"] for r in rows] == [cell.pk]


# --- placements ------------------------------------------------------------------------------


def test_post_placement_with_prisoner_and_cell_only(director, facility, cell):
    # given a prisoner not yet placed
    prisoner = PrisonerFactory(facility=facility)
    # when placed through the API with nothing but the prisoner and the cell
    response = api_as(director).post(PLACEMENTS, {"prisoner": prisoner.pk, "cell": cell.pk},
                                     format="json")
    # then the placement is created and the prisoner is in the cell
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["prisoner"] == prisoner.pk
    assert body["cell"] == cell.pk
    assert body["ended_at"] is None
    assert body["reason"]
    assert body["authorised_by"] == director.pk
    prisoner.refresh_from_db()
    assert prisoner.current_cell == cell
    entry = trail_entries().order_by("-id").first()
    assert (entry.action, entry.via) == ("placement.create", "api")


def test_refused_placement_is_422_naming_the_rule_and_people(director, facility, cell):
    # given a man in the cell
    man = placed(PrisonerFactory(facility=facility, sex="M"), cell, director)
    woman = PrisonerFactory(facility=facility, sex="F")
    before = state()
    # when a woman is placed there through the API
    response = api_as(director).post(PLACEMENTS, {"prisoner": woman.pk, "cell": cell.pk},
                                     format="json")
    # then it is refused by Mandela Rule 11, naming both, and nothing has changed
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "refused"
    assert body["rule"] == "Mandela Rule 11"
    assert "Mandela Rule 11" in body["detail"]
    assert any(woman.prison_number in p for p in body["people"])
    assert any(man.prison_number in p for p in body["people"])
    assert body["violations"][0]["rule"] == "Mandela Rule 11"
    assert state() == before


def test_capacity_refusal_says_it_may_be_overridden(director, facility, cell):
    for _ in range(cell.beds):
        placed(PrisonerFactory(facility=facility), cell, director)
    newcomer = PrisonerFactory(facility=facility)
    before = state()
    response = api_as(director).post(PLACEMENTS, {"prisoner": newcomer.pk, "cell": cell.pk},
                                     format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["rule"] == "capacity"
    assert body["violations"][0]["overridable"] is True
    assert state() == before
    # and a director's override with a reason goes through
    response = api_as(director).post(PLACEMENTS, {
        "prisoner": newcomer.pk, "cell": cell.pk, "overcrowding_override": True,
        "override_reason": "emergency after flooding"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["overcrowding_override"] is True


def test_placement_with_unknown_cell_is_400_naming_the_field(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    before = state()
    response = api_as(director).post(PLACEMENTS, {"prisoner": prisoner.pk, "cell": 999999},
                                     format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "cell"
    assert body["detail"]
    assert state() == before


def test_placement_into_a_cell_outside_scope_is_400_naming_the_field(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    foreign = CellFactory()
    before = state()
    response = api_as(director).post(PLACEMENTS, {"prisoner": prisoner.pk, "cell": foreign.pk},
                                     format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "cell"
    assert state() == before


def test_placement_with_stale_version_is_409(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    services.prisoner_update(acting_user=director, prisoner=prisoner, expected_version=1,
                             changes={"languages": "fr"})
    before = state()
    response = api_as(director).post(PLACEMENTS, {"prisoner": prisoner.pk, "cell": cell.pk,
                                                  "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert state() == before


# --- admission and changes -------------------------------------------------------------------


def admit_payload(facility, **overrides) -> dict:
    payload = {
        "facility": facility.pk,
        "prison_number": "BKO-2026-0001",
        "names": [{"full_name": "Mohamed Traoré"},
                  {"full_name": "محمد تراوري", "script": "arab"}],
        "date_of_birth": "1990-05-01",
        "sex": "M",
        "legal_status": "remand",
        "admission": {"commitment_order": "TGI/117", "commitment_authority": "Tribunal"},
        "offences": [{"description": "Terrorism", "terrorism_related": True}],
    }
    payload.update(overrides)
    return payload


def test_admit_through_the_api(director, facility, cell):
    response = api_as(director).post(PRISONERS, admit_payload(facility, cell=cell.pk),
                                     format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["prison_number"] == "BKO-2026-0001"
    assert body["terrorism_related"] is True
    assert body["current_cell"] == cell.pk
    assert len(body["names"]) == 2


def test_admit_with_duplicate_prison_number_is_400_on_that_field(director, facility):
    PrisonerFactory(facility=facility, prison_number="BKO-2026-0001")
    before = state()
    response = api_as(director).post(PRISONERS, admit_payload(facility), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "prison_number"
    assert body["code"] == "invalid"
    assert "BKO-2026-0001" in body["detail"]
    assert state() == before


def test_admit_without_commitment_order_is_400(director, facility):
    before = state()
    response = api_as(director).post(PRISONERS, admit_payload(
        facility, admission={"commitment_order": "", "commitment_authority": "Tribunal"}),
        format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "admission.commitment_order"
    assert "commitment_order" in response.json()["errors"]["admission"]
    assert state() == before


def test_patch_prisoner(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    response = api_as(director).patch(f"{PRISONERS}{prisoner.pk}/",
                                      {"version": 1, "legal_status": "remand"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["legal_status"] == "remand"
    assert response.json()["version"] == 2


def test_patch_with_stale_version_is_409_and_changes_nothing(director, security, facility):
    # given a file changed by someone else since version 1
    prisoner = PrisonerFactory(facility=facility)
    services.prisoner_update(acting_user=security, prisoner=prisoner, expected_version=1,
                             changes={"languages": "ar"})
    before = state()
    # when the director saves from version 1
    response = api_as(director).patch(f"{PRISONERS}{prisoner.pk}/",
                                      {"version": 1, "languages": "fr"}, format="json")
    # then it is a conflict and the other change stands
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current_version"] == 2
    assert state() == before
    prisoner.refresh_from_db()
    assert prisoner.languages == "ar"


# --- authentication and access ---------------------------------------------------------------


def test_no_token_is_401(facility):
    assert APIClient().get(PRISONERS).status_code == 401


def test_unknown_token_is_401(facility):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 48)
    assert client.get(PRISONERS).status_code == 401


def test_revoked_token_is_401(director):
    token, key = ApiToken.issue(user=director)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(PRISONERS).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert client.get(PRISONERS).status_code == 401


def test_expired_token_is_401(director):
    client = api_as(director, expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(PRISONERS).status_code == 401


def test_token_of_an_inactive_user_is_401(director):
    client = api_as(director)
    director.is_active = False
    director.save()
    assert client.get(PRISONERS).status_code == 401


def test_sensitive_fields_for_director_not_for_security(director, security, facility):
    prisoner = PrisonerFactory(facility=facility, religion="Islam", health_notes="asthma",
                               disability="wheelchair")
    for url in (PRISONERS, f"{PRISONERS}{prisoner.pk}/"):
        as_director = api_as(director).get(url).json()
        as_security = api_as(security).get(url).json()
        seen = as_director["results"][0] if "results" in as_director else as_director
        hidden = as_security["results"][0] if "results" in as_security else as_security
        assert (seen["religion"], seen["health_notes"], seen["disability"]) == (
            "Islam", "asthma", "wheelchair")
        assert not {"religion", "health_notes", "disability"} & set(hidden)
        assert hidden["prison_number"] == prisoner.prison_number
        assert "asthma" not in api_as(security).get(url).content.decode()


def test_partner_gets_403_and_the_denial_is_audited(persona, facility):
    # given a civil-society partner, and a prisoner
    partner = persona(Role.PARTNER)
    PrisonerFactory(facility=facility)
    audit_before = trail_entries().count()
    # when the partner lists prisoners
    response = api_as(partner).get(PRISONERS)
    # then access is denied and the denial is in the audit trail
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    entries = list(trail_entries().order_by("id")[audit_before:])
    assert [e.action for e in entries] == ["access.denied"]
    assert entries[0].actor == partner
    assert entries[0].changes == {"permission": "custody.view"}
    assert PRISONERS in entries[0].object_repr


def test_security_officer_may_not_override_capacity_through_the_api(director, security,
                                                                     facility, cell):
    for _ in range(cell.beds):
        placed(PrisonerFactory(facility=facility), cell, director)
    newcomer = PrisonerFactory(facility=facility)
    before = state()
    response = api_as(security).post(PLACEMENTS, {
        "prisoner": newcomer.pk, "cell": cell.pk, "overcrowding_override": True,
        "override_reason": "emergency"}, format="json")
    assert response.status_code == 403
    prisoners, placements, audit = state()
    assert (prisoners, placements) == before[:2]
    assert list(trail_entries().order_by("id")[before[2]:].values_list(
        "action", flat=True)) == ["access.denied"]


def test_user_of_another_facility_gets_404_on_a_prisoner(facility):
    # given a prisoner here, and a director of another facility
    prisoner = PrisonerFactory(facility=facility)
    outsider = user_with_role(Role.DIRECTOR, FacilityFactory())
    client = api_as(outsider)
    # then the prisoner does not exist for them
    assert client.get(f"{PRISONERS}{prisoner.pk}/").status_code == 404
    assert client.get(PRISONERS).json()["count"] == 0
    before = state()
    response = client.patch(f"{PRISONERS}{prisoner.pk}/", {"version": 1, "languages": "fr"},
                            format="json")
    assert response.status_code == 404
    assert state() == before


def test_unknown_prisoner_is_404(director):
    assert api_as(director).get(f"{PRISONERS}999999/").status_code == 404


# --- schema and docs -------------------------------------------------------------------------


def test_schema_is_an_openapi_document(director):
    response = api_as(director).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    assert schema["info"]["title"] == "Custos API"
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/prisoners/" in schema["paths"]
    assert "/api/v1/placements/" in schema["paths"]


def test_docs_use_only_local_assets(director):
    response = api_as(director).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert sources, html
    assert not [s for s in sources if re.match(r"(https?:)?//", s)], sources
    assets = [s for s in sources if s.endswith((".js", ".css"))]
    assert assets and all(s.startswith("/static/") for s in assets), assets
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("url", [PRISONERS, CELLS, PLACEMENTS, "/api/v1/facilities/",
                                 "/api/v1/units/", "/api/v1/keep-aparts/"])
def test_every_list_endpoint_answers_json(director, facility, url):
    response = api_as(director).get(url)
    assert response.status_code == 200
    assert "results" in response.json()


def test_nested_input_error_names_the_path(director, facility):
    before = state()
    response = api_as(director).post(PRISONERS, admit_payload(
        facility, names=[{"full_name": "Mohamed Traoré"}, {"script": "arab"}]), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "names[1].full_name"
    assert body["detail"]
    assert state() == before
