"""The discipline API: a charge taken through every step, refusals with their rule and status,
and the figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight.models import ChargeStatus, DisciplinaryCharge, Sanction

from ..factories import FacilityFactory
from .test_discipline_support import a_prisoner, charged, proved

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return a_prisoner(facility)


def post(client, name, data, charge=None):
    kwargs = {"charge": charge.pk} if charge else {}
    return client.post(reverse(name, kwargs=kwargs), data, content_type="application/json")


def version(charge) -> int:
    return DisciplinaryCharge.objects.get(pk=charge.pk).version


def test_a_charge_through_every_step(client, security, director, prisoner):
    client.force_login(security)
    incident = timezone.now() - timedelta(days=5)
    made = post(client, "oversight-charge-list", {
        "prisoner": prisoner.pk, "offence": "Fighting", "rule_reference": "PR 51(1)",
        "particulars": "A fight.", "incident_at": incident.isoformat()})
    assert made.status_code == 201, made.json()
    charge = DisciplinaryCharge.objects.get(pk=made.json()["id"])
    notice = incident + timedelta(hours=1)

    answer = post(client, "oversight-charge-notify", {
        "version": 1, "notified_at": notice.isoformat(), "language": "bm"}, charge)
    assert answer.status_code == 200 and answer.json()["status"] == "notified"

    answer = post(client, "oversight-charge-hearing", {
        "version": 2, "held_at": (notice + timedelta(days=2)).isoformat(),
        "adjudicator": director.pk, "language": "bm", "prisoner_heard": True,
        "finding": "proved"}, charge)
    assert answer.status_code == 201 and answer.json()["hearing"]["finding"] == "proved"

    client.force_login(director)
    answer = post(client, "oversight-charge-decide", {"version": 3, "reasons": "Seen."},
                  charge)
    assert answer.status_code == 200 and answer.json()["status"] == "proved"
    answer = post(client, "oversight-charge-sanction", {
        "kind": "loss_of_earnings", "days": 10,
        "starts_on": timezone.localdate().isoformat()}, charge)
    assert answer.status_code == 201
    sanction_id = answer.json()["sanctions"][0]["id"]
    answer = post(client, "oversight-charge-appeal", {
        "version": 4, "grounds": "Too harsh.", "authority": "Judge"}, charge)
    assert answer.status_code == 201 and answer.json()["appeal"]["outcome"] == "pending"
    answer = post(client, "oversight-charge-appeal-decision", {
        "version": 5, "outcome": "varied", "reasons": "Halved.",
        "variations": [{"sanction": sanction_id, "days": 5}]}, charge)

    assert answer.status_code == 200
    detail = answer.json()
    assert detail["status"] == "closed" and detail["appeal"]["outcome"] == "varied"
    assert detail["sanctions"][0]["days"] == 5 and detail["sanctions"][0]["void"] is False
    assert {r["state"] for r in detail["rights"]} <= {"met", "none", "not_needed"}
    actions = set(AuditEntry.objects.filter(object_id=str(charge.pk)).values_list(
        "action", flat=True))
    assert {"oversight.charge_create", "oversight.charge_notify", "oversight.hearing_record",
            "oversight.charge_decide", "oversight.appeal_lodge",
            "oversight.appeal_decide"} <= actions


@pytest.mark.parametrize("kind,rule", [("corporal", "Mandela Rule 43(1)(d)"),
                                       ("no_family_contact", "Mandela Rule 43(3)"),
                                       ("restraints", "Mandela Rule 43(2)")])
def test_a_prohibited_sanction_is_answered_422_with_its_rule(client, director, prisoner,
                                                             kind, rule):
    charge = proved(director, prisoner)
    client.force_login(director)

    answer = post(client, "oversight-charge-sanction", {
        "kind": kind, "days": 2, "starts_on": timezone.localdate().isoformat()}, charge)

    assert answer.status_code == 422
    assert answer.json()["rule"] == rule and answer.json()["code"] == "refused"
    assert not Sanction.objects.exists()


def test_refusals_keep_their_status(client, security, director, prisoner):
    charge = charged(security, prisoner)
    client.force_login(security)

    no_rule = post(client, "oversight-charge-list", {
        "prisoner": prisoner.pk, "offence": "Fighting", "rule_reference": "",
        "particulars": "x", "incident_at": timezone.now().isoformat()})
    assert no_rule.status_code == 422 and no_rule.json()["rule"] == "Mandela Rule 37"

    stranger = post(client, "oversight-charge-list", {
        "prisoner": a_prisoner(FacilityFactory()).pk, "offence": "Fighting",
        "rule_reference": "PR 1", "particulars": "x",
        "incident_at": timezone.now().isoformat()})
    assert stranger.status_code == 400 and stranger.json()["field"] == "prisoner"

    early = post(client, "oversight-charge-hearing", {
        "version": 1, "held_at": timezone.now().isoformat(), "adjudicator": director.pk,
        "language": "fr", "prisoner_heard": True, "finding": "proved"}, charge)
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"

    stale = post(client, "oversight-charge-notify", {
        "version": 7, "notified_at": timezone.now().isoformat(), "language": "fr"}, charge)
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"

    empty = post(client, "oversight-charge-notify", {}, charge)
    assert empty.status_code == 400
    assert DisciplinaryCharge.objects.count() == 1 and version(charge) == 1


def test_the_figures_count_by_offence_and_sanction(client, director, prisoner):
    charge = proved(director, prisoner)
    client.force_login(director)
    post(client, "oversight-charge-sanction", {
        "kind": "extra_work", "days": 4, "starts_on": timezone.localdate().isoformat()},
        charge)
    charged(director, prisoner, offence="Threats", rule_reference="PR 51(5)",
            incident_at=timezone.now() - timedelta(days=1))

    figures = client.get(reverse("oversight-charge-figures")).json()
    narrowed = client.get(reverse("oversight-charge-figures"), {"status": "charged"}).json()

    assert figures["total"] == 2
    assert {(row["offence"], row["n"]) for row in figures["by_offence"]} == {
        ("Fighting", 1), ("Threats", 1)}
    assert figures["by_sanction"] == [{"kind": "extra_work", "n": 1, "days": 4, "void": 0,
                                       "label": "Extra work"}]
    assert narrowed["total"] == 1 and narrowed["by_sanction"] == []
    listed = client.get(reverse("oversight-charge-list"), {"status": "proved"}).json()
    assert [c["id"] for c in listed["results"]] == [charge.pk]


def test_a_quashed_appeal_shows_the_sanctions_void(client, director, prisoner):
    charge = proved(director, prisoner)
    client.force_login(director)
    post(client, "oversight-charge-sanction", {
        "kind": "caution", "starts_on": timezone.localdate().isoformat()}, charge)
    post(client, "oversight-charge-appeal", {"version": version(charge), "grounds": "g",
                                             "authority": "Judge"}, charge)

    answer = post(client, "oversight-charge-appeal-decision", {
        "version": version(charge), "outcome": "quashed", "reasons": "Unfair."}, charge)

    assert answer.status_code == 200
    assert [s["void"] for s in answer.json()["sanctions"]] == [True]
    assert DisciplinaryCharge.objects.get().status == ChargeStatus.CLOSED
    figures = client.get(reverse("oversight-charge-figures")).json()
    assert figures["by_sanction"][0]["n"] == 0 and figures["by_sanction"][0]["void"] == 1


def test_an_unknown_sanction_or_adjudicator_is_bad_input(client, security, director,
                                                         prisoner):
    charge = proved(director, prisoner)
    client.force_login(director)

    unknown = post(client, "oversight-charge-sanction", {
        "kind": "flogging", "starts_on": timezone.localdate().isoformat()}, charge)
    assert unknown.status_code == 400 and unknown.json()["field"] == "kind"

    other = charged(security, prisoner, rule_reference="PR 9")
    client.force_login(security)
    post(client, "oversight-charge-notify", {
        "version": 1, "notified_at": (timezone.now() - timedelta(days=3)).isoformat(),
        "language": "fr"}, other)
    nobody = post(client, "oversight-charge-hearing", {
        "version": 2, "held_at": timezone.now().isoformat(), "adjudicator": 999999,
        "language": "fr", "prisoner_heard": True, "finding": "proved"}, other)
    assert nobody.status_code == 400 and nobody.json()["field"] == "adjudicator"
    assert not Sanction.objects.exists()
    assert DisciplinaryCharge.objects.get(pk=other.pk).status == ChargeStatus.NOTIFIED
