"""Discipline pages: the list with its figures and filters, a new charge, and a charge's
procedure step by step, each refusal shown and nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight import discipline
from custos.oversight.models import ChargeStatus, DisciplinaryCharge, Hearing, Sanction

from ..factories import FacilityFactory, user_with_role
from .test_discipline_support import (
    a_prisoner,
    appealed,
    charged,
    heard,
    notified,
    proved,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def prisoner(facility):
    return a_prisoner(facility)


def body(response) -> str:
    return response.content.decode()


def minutes_ago(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def page(charge) -> str:
    return reverse("oversight:charge", args=[charge.pk])


# --- the list and the figures ------------------------------------------------------------------

def test_the_list_shows_charges_and_the_discipline_figures(client, director, prisoner):
    first = proved(director, prisoner)
    discipline.sanction_impose(acting_user=director, charge=first, kind="confinement_to_cell",
                               days=5, starts_on=timezone.localdate())
    charged(director, prisoner, offence="Possession of a phone", rule_reference="PR 51(12)",
            incident_at=timezone.now() - timedelta(days=2))
    client.force_login(director)

    response = client.get(reverse("oversight:charges"))

    text = body(response)
    assert response.status_code == 200
    assert "2 charges" in text
    assert "Possession of a phone" in text and "PR 51(12)" in text
    assert "Confinement to cell" in text
    assert response.context["figures"]["by_sanction"][0]["days"] == 5
    assert [(s, n) for s, _l, n in response.context["figures"]["by_status"]] == [
        ("charged", 1), ("proved", 1)]
    assert prisoner.display_name in text


def test_the_list_filters_by_status_facility_and_period(client, director, prisoner):
    charged(director, prisoner, incident_at=timezone.now() - timedelta(days=25))
    recent = charged(director, prisoner, offence="Threats", rule_reference="PR 51(5)",
                     incident_at=timezone.now() - timedelta(days=2))
    client.force_login(director)
    since = (timezone.localdate() - timedelta(days=7)).isoformat()

    response = client.get(reverse("oversight:charges"), {"date_from": since})
    assert [c.pk for c, _s in response.context["rows"]] == [recent.pk]
    assert response.context["figures"]["total"] == 1

    response = client.get(reverse("oversight:charges"), {"status": "notified"})
    assert response.context["rows"] == [] and response.context["figures"]["total"] == 0

    other = FacilityFactory()
    response = client.get(reverse("oversight:charges"), {"facility": other.pk})
    assert response.status_code == 200 and "facility" in response.context["form"].errors


def test_a_period_that_ends_before_it_starts_is_refused(client, director, prisoner):
    charged(director, prisoner)
    client.force_login(director)

    response = client.get(reverse("oversight:charges"), {"date_from": "2026-05-01",
                                                          "date_to": "2026-04-01"})

    assert response.context["rows"] == []
    assert "date_to" in response.context["form"].errors


# --- a new charge -------------------------------------------------------------------------------

def charge_form(prisoner, **changes) -> dict:
    data = {"prisoner": prisoner.prison_number.lower(), "offence": "Fighting",
            "rule_reference": "Prison Rule 51(1)", "particulars": "A fight on the landing.",
            "incident_at": minutes_ago(timezone.now() - timedelta(hours=3))}
    data.update(changes)
    return data


def test_an_officer_charges_a_prisoner_from_the_page(client, security, prisoner):
    client.force_login(security)
    assert client.get(reverse("oversight:charge_new")).status_code == 200

    response = client.post(reverse("oversight:charge_new"), charge_form(prisoner))

    charge = DisciplinaryCharge.objects.get()
    assert response.status_code == 302 and response["Location"] == page(charge)
    assert charge.prisoner == prisoner and charge.created_by == security


def test_a_charge_for_the_future_or_an_unknown_prisoner_is_refused_on_its_field(client,
                                                                               security,
                                                                               prisoner):
    client.force_login(security)
    future = minutes_ago(timezone.now() + timedelta(hours=3))

    response = client.post(reverse("oversight:charge_new"),
                           charge_form(prisoner, incident_at=future))
    assert response.status_code == 400
    assert "in the future" in str(response.context["form"].errors["incident_at"])

    stranger = a_prisoner(FacilityFactory())
    response = client.post(reverse("oversight:charge_new"), charge_form(stranger))
    assert response.status_code == 400 and "prisoner" in response.context["form"].errors

    response = client.post(reverse("oversight:charge_new"),
                           charge_form(prisoner, rule_reference=""))
    assert response.status_code == 400 and "rule_reference" in response.context["form"].errors
    assert not DisciplinaryCharge.objects.exists()


# --- the charge's page and its steps ------------------------------------------------------------

def test_the_charge_page_shows_each_right_and_the_next_step(client, security, prisoner):
    charge = charged(security, prisoner)
    client.force_login(security)

    response = client.get(page(charge))

    text = body(response)
    assert response.status_code == 200
    assert "Mandela Rule 37" in text and "Mandela Rule 41(4)" in text
    assert "speaks fr, bm" in text
    states = {r.name: r.state for r in response.context["rights"]}
    assert states["The offence is one a prison rule defines"] == "met"
    assert states["Heard in his defence"] == "pending"
    assert "notify_form" in response.context and "decide_form" not in response.context
    assert AuditEntry.objects.filter(action="oversight.charge_read",
                                     object_id=str(charge.pk), actor=security).exists()


def notice_form(charge, **changes) -> dict:
    data = {"notify-version": charge.version, "notify-language": "fr",
            "notify-interpreter": "",
            "notify-notified_at": minutes_ago(timezone.now() - timedelta(hours=1))}
    data.update(changes)
    return data


def test_the_notice_is_recorded_from_the_page(client, security, prisoner):
    charge = charged(security, prisoner)
    client.force_login(security)

    response = client.post(reverse("oversight:charge_notify", args=[charge.pk]),
                           notice_form(charge))

    assert response.status_code == 302 and response["Location"] == page(charge)
    assert DisciplinaryCharge.objects.get().status == ChargeStatus.NOTIFIED
    assert "hearing_form" in client.get(page(charge)).context


def test_a_notice_he_cannot_understand_is_refused_on_the_page(client, security, prisoner):
    charge = charged(security, prisoner)
    client.force_login(security)

    response = client.post(reverse("oversight:charge_notify", args=[charge.pk]),
                           notice_form(charge, **{"notify-language": "en"}))

    assert response.status_code == 422
    assert "Mandela Rule 41(2)" in str(response.context["notify_form"].errors["interpreter"])
    assert DisciplinaryCharge.objects.get().status == ChargeStatus.CHARGED


def test_a_stale_notice_is_answered_409(client, security, prisoner):
    charge = charged(security, prisoner)
    client.force_login(security)

    response = client.post(reverse("oversight:charge_notify", args=[charge.pk]),
                           notice_form(charge, **{"notify-version": charge.version + 1}))

    assert response.status_code == 409
    assert "reload" in body(response)
    assert DisciplinaryCharge.objects.get().status == ChargeStatus.CHARGED


def hearing_form(charge, adjudicator, **changes) -> dict:
    data = {"hearing-version": charge.version,
            "hearing-held_at": minutes_ago(charge.notified_at + timedelta(hours=30)),
            "hearing-adjudicator": adjudicator.pk, "hearing-language": "fr",
            "hearing-interpreter": "", "hearing-prisoner_heard": "on",
            "hearing-prisoner_statement": "I was provoked.", "hearing-legal_assistance": "",
            "hearing-witnesses": "", "hearing-finding": "proved"}
    data.update(changes)
    return data


def test_the_hearing_is_recorded_from_the_page_and_not_without_hearing_him(client, security,
                                                                          director, prisoner):
    charge = notified(security, charged(security, prisoner))
    client.force_login(security)
    url = reverse("oversight:charge_hearing", args=[charge.pk])
    refused = hearing_form(charge, director)
    del refused["hearing-prisoner_heard"]

    response = client.post(url, refused)
    assert response.status_code == 422
    assert "prisoner_heard" in response.context["hearing_form"].errors
    assert not Hearing.objects.exists()

    response = client.post(url, hearing_form(charge, director))
    assert response.status_code == 302
    assert Hearing.objects.get().adjudicator == director


def test_the_director_decides_sanctions_and_a_prohibited_sanction_is_not_offered(
        client, security, director, prisoner):
    charge = heard(security, notified(security, charged(security, prisoner)), director)
    client.force_login(director)
    response = client.post(reverse("oversight:charge_decide", args=[charge.pk]),
                           {"decide-version": charge.version, "decide-reasons": "Admitted."})
    assert response.status_code == 302
    url = reverse("oversight:charge_sanction", args=[charge.pk])
    today = timezone.localdate().isoformat()

    response = client.post(url, {"sanction-kind": "corporal", "sanction-starts_on": today})
    assert response.status_code == 400 and "kind" in response.context["sanction_form"].errors

    response = client.post(url, {"sanction-kind": "confinement_to_cell", "sanction-days": 16,
                                 "sanction-starts_on": today})
    assert response.status_code == 422
    assert "43(1)(b)" in str(response.context["sanction_form"].errors["days"])
    assert not Sanction.objects.exists()

    response = client.post(url, {"sanction-kind": "confinement_to_cell", "sanction-days": 15,
                                 "sanction-starts_on": today})
    assert response.status_code == 302 and Sanction.objects.get().days == 15


def test_an_appeal_quashed_from_the_page_shows_the_sanction_void(client, director, prisoner):
    charge = proved(director, prisoner)
    discipline.sanction_impose(acting_user=director, charge=charge, kind="extra_work", days=3,
                               starts_on=timezone.localdate())
    client.force_login(director)
    response = client.post(reverse("oversight:charge_appeal", args=[charge.pk]), {
        "appeal-version": charge.version, "appeal-grounds": "Self-defence.",
        "appeal-authority": "Judge", "appeal-lodged_at": minutes_ago(timezone.now())})
    assert response.status_code == 302
    charge.refresh_from_db()

    response = client.post(reverse("oversight:charge_appeal_decision", args=[charge.pk]), {
        "appeal_decision-version": charge.version, "appeal_decision-outcome": "quashed",
        "appeal_decision-reasons": "Not heard on the evidence.",
        "appeal_decision-sanction": "", "appeal_decision-days": ""})

    assert response.status_code == 302
    text = body(client.get(page(charge)))
    assert "Void: quashed on appeal" in text and "Decision quashed" in text


def test_a_varied_appeal_from_the_page_shortens_the_sanction(client, director, prisoner):
    charge = proved(director, prisoner)
    sanction = discipline.sanction_impose(acting_user=director, charge=charge,
                                          kind="loss_of_privileges", days=20,
                                          starts_on=timezone.localdate())
    charge = appealed(director, charge)
    client.force_login(director)
    url = reverse("oversight:charge_appeal_decision", args=[charge.pk])
    data = {"appeal_decision-version": charge.version, "appeal_decision-outcome": "varied",
            "appeal_decision-reasons": "Too long.", "appeal_decision-sanction": sanction.pk,
            "appeal_decision-days": 25}

    response = client.post(url, data)
    assert response.status_code == 400
    assert "days" in response.context["appeal_decision_form"].errors
    assert Sanction.objects.get().days == 20

    response = client.post(url, {**data, "appeal_decision-days": 10})
    assert response.status_code == 302 and Sanction.objects.get().days == 10


def test_a_step_on_a_charge_of_another_prison_answers_404(client, prisoner, director):
    charge = charged(director, prisoner)
    elsewhere = user_with_role("security", FacilityFactory(), username="sec-far")
    client.force_login(elsewhere)

    assert client.get(page(charge)).status_code == 404
    response = client.post(reverse("oversight:charge_notify", args=[charge.pk]),
                           notice_form(charge))
    assert response.status_code == 404
    assert DisciplinaryCharge.objects.get().status == ChargeStatus.CHARGED


def test_the_list_costs_the_same_queries_for_more_charges(client, director, facility):
    client.force_login(director)
    counts = []
    for more in (2, 8):
        for hours in range(more):
            charged(director, a_prisoner(facility),
                    incident_at=timezone.now() - timedelta(hours=hours + 1))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("oversight:charges")).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_forms_start_from_what_is_known(client, director, prisoner):
    client.force_login(director)

    new = client.get(reverse("oversight:charge_new"), {"prisoner": prisoner.prison_number})
    assert new.context["form"].initial["prisoner"] == prisoner.prison_number

    charge = notified(director, charged(director, prisoner), language="bm")
    form = client.get(page(charge)).context["hearing_form"]
    assert form.initial["adjudicator"] == director.pk and form.initial["language"] == "bm"
    assert list(form.fields["adjudicator"].queryset) == [director]


def test_a_late_notice_shows_as_a_right_not_met(client, security, prisoner):
    charge = charged(security, prisoner)
    DisciplinaryCharge.objects.filter(pk=charge.pk).update(
        created_at=timezone.now() - timedelta(hours=30))
    charge = notified(security, DisciplinaryCharge.objects.get(pk=charge.pk),
                      notified_at=timezone.now(), language="en", interpreter="A. Coulibaly")
    client.force_login(security)

    rights = {r.name: r for r in client.get(page(charge)).context["rights"]}

    late = rights["Told of the charge without delay"]
    assert late.state == "not_met" and late.evidence.startswith("30 hours")
    understood = rights["In a language he understands"]
    assert understood.state == "met" and understood.evidence == "en through A. Coulibaly"
