"""Who sees discipline: staff their prison's charges; a monitor those of his body's mandate,
named only where the mandate allows individual cases; partners none at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from custos.audit.models import AuditEntry
from custos.oversight import discipline_selectors as selectors
from custos.oversight.models import ChargeStatus, DisciplinaryCharge

from ..factories import FacilityFactory, user_with_role
from .test_discipline_support import a_prisoner, charged, monitor_of, proved

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return a_prisoner(facility, display_name="Moussa Keita")


@pytest.fixture
def charge(director, prisoner):
    return proved(director, prisoner)


def test_a_monitor_whose_mandate_allows_individual_cases_sees_the_name(client, facility,
                                                                      charge):
    monitor = monitor_of(facility, individual_cases=True, username="npm-named")
    client.force_login(monitor)

    listed = client.get(reverse("oversight:charges"))
    shown = client.get(reverse("oversight:charge", args=[charge.pk]))
    api = client.get(reverse("oversight-charge-detail", kwargs={"charge": charge.pk}))

    assert listed.status_code == shown.status_code == api.status_code == 200
    assert "Moussa Keita" in listed.content.decode()
    assert "Moussa Keita" in shown.content.decode()
    assert "Struck another prisoner" in shown.content.decode()
    assert api.json()["prisoner"] == charge.prisoner_id
    assert api.json()["particulars"].startswith("Struck")
    assert "notify_form" not in shown.context and "sanction_form" not in shown.context
    assert AuditEntry.objects.filter(action="oversight.charge_read", actor=monitor).count() == 2


def test_a_monitor_without_individual_cases_sees_figures_and_procedure_but_no_name(
        client, facility, charge):
    monitor = monitor_of(facility, individual_cases=False, username="ngo-anonymous")
    client.force_login(monitor)

    listed = client.get(reverse("oversight:charges"))
    shown = client.get(reverse("oversight:charge", args=[charge.pk]))
    api = client.get(reverse("oversight-charge-detail", kwargs={"charge": charge.pk}))
    api_list = client.get(reverse("oversight-charge-list"))

    for response in (listed, shown):
        text = response.content.decode()
        assert response.status_code == 200
        assert "Moussa Keita" not in text and charge.prisoner.prison_number not in text
        assert f"Prisoner (case {charge.prisoner_id})" in text
    assert listed.context["figures"]["total"] == 1
    assert "Struck another prisoner" not in shown.content.decode()
    assert "He struck me first" not in shown.content.decode()
    assert "Mandela Rule 41(2)" in shown.content.decode()  # the rights, met or not, stay
    detail = api.json()
    assert detail["prisoner"] is None and detail["particulars"] is None
    assert detail["hearing"]["prisoner_statement"] is None
    assert detail["subject"] == f"Prisoner (case {charge.prisoner_id})"
    assert api_list.json()["results"][0]["prisoner"] is None


def test_a_monitor_sees_nothing_outside_his_mandate(client, facility, charge):
    monitor = monitor_of(facility, individual_cases=True, username="npm-elsewhere",
                         covers=False)
    client.force_login(monitor)

    listed = client.get(reverse("oversight:charges"))

    assert listed.status_code == 200 and list(listed.context["rows"]) == []
    assert listed.context["figures"]["total"] == 0
    assert client.get(reverse("oversight:charge", args=[charge.pk])).status_code == 404
    assert client.get(reverse("oversight-charge-detail",
                              kwargs={"charge": charge.pk})).status_code == 404
    assert client.get(reverse("oversight-charge-list")).json()["count"] == 0
    assert client.get(reverse("oversight-charge-figures")).json()["total"] == 0


def test_a_monitor_without_a_body_sees_nothing(facility, charge):
    loose = user_with_role("monitor", facility, username="monitor-no-body")

    assert not selectors.charge_list_visible_to(user=loose).exists()


def test_a_monitor_cannot_take_a_step(client, facility, charge):
    monitor = monitor_of(facility, individual_cases=True, username="npm-hands-off")
    client.force_login(monitor)

    response = client.post(reverse("oversight-charge-appeal", kwargs={"charge": charge.pk}),
                           {"version": charge.version, "grounds": "x", "authority": "y"},
                           content_type="application/json")

    assert response.status_code == 403
    assert DisciplinaryCharge.objects.get().status == ChargeStatus.PROVED


@pytest.mark.parametrize("name,kwargs", [("oversight:charges", {}),
                                         ("oversight:charge", "charge"),
                                         ("oversight-charge-list", {}),
                                         ("oversight-charge-detail", "charge")])
def test_partners_see_no_discipline(client, facility, charge, name, kwargs):
    partner = user_with_role("partner", facility, username="partner-ngo")
    client.force_login(partner)
    before = AuditEntry.objects.count()

    response = client.get(reverse(name, kwargs={"charge": charge.pk} if kwargs else {}))

    assert response.status_code == 403
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("id").action == "access.denied"


def test_staff_see_only_their_prisons_charges(director, charge):
    other = FacilityFactory()
    far_director = user_with_role("director", other, username="dir-far")
    theirs = charged(far_director, a_prisoner(other))

    assert list(selectors.charge_list_visible_to(user=director)) == [charge]
    assert list(selectors.charge_list_visible_to(user=far_director)) == [theirs]
