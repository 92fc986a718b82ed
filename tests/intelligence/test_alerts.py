"""Alert rules over the communications: each alert explains its evidence, is raised once per
pair, comes back when contact resumes after it was closed, and keeps its compartment."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from custos.intelligence import alerts, selectors, services
from custos.intelligence.models import Alert, CommunicationEvent, PersonKind

from ..factories import PrisonerFactory
from ..housing.estate import locked_scores

pytestmark = pytest.mark.django_db
_fingerprints = itertools.count(1)


def talk(one, other, facility, *, days_ago=1, kind="call"):
    return CommunicationEvent.objects.create(
        kind=kind, occurred_at=timezone.now() - timedelta(days=days_ago), from_party=one,
        to_party=other, duration_seconds=60, facility=facility, fingerprint=next(_fingerprints))


@pytest.fixture
def flagged(analyst):
    person = services.person_create(acting_user=analyst, name="Abu X", kind="associate")
    services.flag_create(acting_user=analyst, party=person.party,
                         reason="Recruiter named in court papers")
    return person


def test_contact_with_a_flagged_person_raises_one_alert_with_its_evidence(
        analyst, facility, prisoner, flagged):
    rule = services.alert_rule_create(acting_user=analyst, name="Flagged",
                                      kind="flagged_contact")
    me = services.party_of(prisoner=prisoner)
    first, second = talk(me, flagged.party, facility, days_ago=3), talk(flagged.party, me,
                                                                        facility, days_ago=1)

    assert alerts.raise_alerts() == 1
    assert alerts.raise_alerts() == 0  # nothing new: nothing raised again
    alert = Alert.objects.get()
    assert (alert.rule, alert.subject, alert.other) == (rule, me, flagged.party)
    assert alert.events == [first.pk, second.pk]
    text = alerts.explanation_text(alert, {me.pk: "Moussa", flagged.party.pk: "Abu X"})
    assert "Moussa" in text and "Abu X" in text and "Recruiter named" in text and "2" in text


def test_a_closed_alert_opens_again_when_contact_resumes(analyst, facility, prisoner, flagged):
    services.alert_rule_create(acting_user=analyst, name="Flagged", kind="flagged_contact")
    me = services.party_of(prisoner=prisoner)
    talk(me, flagged.party, facility, days_ago=3)
    alerts.raise_alerts()
    alert = services.alert_close(acting_user=analyst, alert=Alert.objects.get(),
                                 reason="Known contact, assessed")
    talk(me, flagged.party, facility, days_ago=0)

    assert alerts.raise_alerts() == 1
    alert.refresh_from_db()
    assert alert.closed_at is None and alert.explanation["count"] == 2


def test_a_compartment_flag_raises_nothing_under_an_open_rule(analyst, other_analyst, facility,
                                                              prisoner):
    compartment = services.compartment_create(acting_user=analyst, name="Op Sand")
    person = services.person_create(acting_user=analyst, name="Secret contact")
    services.flag_create(acting_user=analyst, party=person.party, reason="Known to Op Sand only",
                         compartment=compartment.pk)
    talk(services.party_of(prisoner=prisoner), person.party, facility)
    services.alert_rule_create(acting_user=analyst, name="Open", kind="flagged_contact")
    assert alerts.raise_alerts() == 0

    services.alert_rule_create(acting_user=analyst, name="Sand", kind="flagged_contact",
                               compartment=compartment.pk)
    assert alerts.raise_alerts() == 1
    assert selectors.alerts_visible_to(user=analyst).count() == 1
    assert selectors.alerts_visible_to(user=other_analyst).count() == 0


def test_a_released_prisoner_in_contact_with_serving_ones(analyst, facility, prisoner):
    released = PrisonerFactory(facility=facility, status="released",
                               released_at=timezone.now() - timedelta(days=10))
    former = services.person_create(acting_user=analyst, name="Former inmate",
                                    kind=PersonKind.FORMER_PRISONER)
    inside = services.party_of(prisoner=prisoner)
    out = services.party_of(prisoner=released)
    talk(out, inside, facility, days_ago=20)  # both inside then: not an alert
    services.alert_rule_create(acting_user=analyst, name="Released", kind="released_contact")
    assert alerts.raise_alerts() == 0

    talk(inside, out, facility, days_ago=2)
    talk(former.party, inside, facility, days_ago=1)
    assert alerts.raise_alerts() == 2
    assert {(a.subject_id, a.other_id) for a in Alert.objects.all()} == {
        (out.pk, inside.pk), (former.party.pk, inside.pk)}


def test_a_prisoner_of_concern_calling_a_vulnerable_prisoner_s_family(analyst, facility,
                                                                      prisoner):
    assessor = analyst  # the scores' author does not matter to the rule
    vulnerable = PrisonerFactory(facility=facility)
    locked_scores(prisoner, assessor, influence=7)
    locked_scores(vulnerable, assessor, vulnerability=8)
    mother = services.person_create(acting_user=analyst, name="Mother of V",
                                    kind=PersonKind.FAMILY, related_prisoner=vulnerable)
    own_family = services.person_create(acting_user=analyst, name="Brother of M",
                                        kind=PersonKind.FAMILY, related_prisoner=prisoner)
    me = services.party_of(prisoner=prisoner)
    talk(me, mother.party, facility)
    talk(me, own_family.party, facility)
    services.alert_rule_create(acting_user=analyst, name="Concern", kind=(
        "concern_to_vulnerable_family"), influence_at_least=6, vulnerability_at_least=6)

    call_command("check_alerts")
    alert = Alert.objects.get()
    assert (alert.subject, alert.other) == (me, mother.party)
    assert alert.explanation["influence"] == 7 and alert.explanation["vulnerability"] == 8
    assert alert.explanation["vulnerable_prisoner"] == vulnerable.pk


def test_a_rule_for_one_facility_ignores_the_others(analyst, facility, prisoner, flagged):
    from ..factories import FacilityFactory

    elsewhere = FacilityFactory(code="MOP")
    services.alert_rule_create(acting_user=analyst, name="Here", kind="flagged_contact",
                               facility=facility)
    talk(services.party_of(prisoner=prisoner), flagged.party, elsewhere)
    assert alerts.raise_alerts() == 0


def test_closing_twice_is_refused(analyst, facility, prisoner, flagged):
    from custos.core.errors import InvalidTransition

    services.alert_rule_create(acting_user=analyst, name="F", kind="flagged_contact")
    talk(services.party_of(prisoner=prisoner), flagged.party, facility)
    alerts.raise_alerts()
    alert = services.alert_close(acting_user=analyst, alert=Alert.objects.get(),
                                 reason="Assessed, benign")
    with pytest.raises(InvalidTransition):
        services.alert_close(acting_user=analyst, alert=alert, reason="Again and again")
