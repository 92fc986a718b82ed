"""The custody pages: edits that never overwrite, names that search finds, clear refusals."""

from django.urls import reverse

from custos.access.models import Allocation
from custos.audit.models import AuditEntry
from custos.custody import selectors

from ..factories import PrisonerFactory, user_with_role


def edit_form(prisoner, **changes):
    data = {"version": prisoner.version, "date_of_birth": "1990-01-01", "sex": "M",
            "nationality": "ML", "languages": "fr", "legal_status": prisoner.legal_status}
    return data | changes


def test_second_officer_saving_the_same_version_gets_a_conflict_and_nothing_is_overwritten(
        client, director, facility):
    prisoner = PrisonerFactory(facility=facility, nationality="ML", languages="fr")
    client.force_login(director)
    first = edit_form(prisoner, languages="fr,bm")
    second = edit_form(prisoner, languages="fr,ar")  # from the same version

    client.post(reverse("custody:edit", args=[prisoner.pk]), first)
    response = client.post(reverse("custody:edit", args=[prisoner.pk]), second)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    prisoner.refresh_from_db()
    assert prisoner.languages == "fr,bm"
    assert prisoner.version == 2


def test_an_officer_without_the_need_to_know_cannot_see_or_erase_sensitive_fields(
        client, persona, facility):
    casemanager = persona("casemanager")
    prisoner = PrisonerFactory(facility=facility, religion="Islam", health_notes="Asthma",
                               nationality="ML", languages="fr")
    Allocation.objects.create(user=casemanager, prisoner=prisoner, allocated_by=casemanager)
    client.force_login(casemanager)
    page = client.get(reverse("custody:edit", args=[prisoner.pk])).content.decode()
    assert "Asthma" in page  # the case manager may see health notes

    officer = user_with_role("security", facility, username="officer-edit")

    client.force_login(officer)
    officer_page = client.get(reverse("custody:edit", args=[prisoner.pk])).content.decode()
    assert "Asthma" not in officer_page and "Islam" not in officer_page

    client.post(reverse("custody:edit", args=[prisoner.pk]),
                edit_form(prisoner, legal_status="remand"))

    prisoner.refresh_from_db()
    assert prisoner.legal_status == "remand"
    assert (prisoner.religion, prisoner.health_notes) == ("Islam", "Asthma")


def test_an_added_transliteration_is_found_by_search_and_audited(client, director, facility):
    prisoner = PrisonerFactory(facility=facility, names=["Youssef Haddad"])
    client.force_login(director)

    response = client.post(reverse("custody:name_add", args=[prisoner.pk]),
                           {"full_name": "Юсуф Хаддад", "script": "cyrl",
                            "kind": "transliteration"})

    assert response.status_code == 302
    found = selectors.prisoner_search(user=director, query="Юсуф Хаддад")
    assert [p.pk for p in found] == [prisoner.pk]
    assert AuditEntry.objects.filter(action="prisoner.name_add", object_id=str(prisoner.pk)
                                     ).exists()


def test_a_refused_placement_is_explained_on_the_page_and_changes_nothing(
        client, director, facility, cell):
    from custos.custody import services

    man = PrisonerFactory(facility=facility, sex="M")
    woman = PrisonerFactory(facility=facility, sex="F")
    services.placement_create(acting_user=director, prisoner=man, cell=cell, reason="arrival")
    client.force_login(director)

    response = client.post(reverse("custody:place", args=[woman.pk]),
                           {"cell": cell.pk, "reason": "arrival", "version": woman.version})

    assert response.status_code == 200
    assert "Mandela Rule 11" in response.content.decode()
    woman.refresh_from_db()
    assert woman.current_cell is None
