"""The network over REST: only the analyst's facilities, windows checked, every read and
export audited, flagged parties of a compartment left out for non-members."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.intelligence import services
from custos.intelligence.models import CommunicationEvent

from ..factories import FacilityFactory, PrisonerFactory, user_with_role

pytestmark = pytest.mark.django_db
_fingerprints = itertools.count(1)


def talk(one, other, facility, *, days_ago=1):
    return CommunicationEvent.objects.create(
        kind="call", occurred_at=timezone.now() - timedelta(days=days_ago), from_party=one,
        to_party=other, duration_seconds=60, facility=facility, fingerprint=next(_fingerprints))


@pytest.fixture
def web(analyst, facility, prisoner):
    """A broker between two pairs, and a tie in another facility the analyst cannot see."""
    people = [services.person_create(acting_user=analyst, name=f"Contact {i}") for i in range(4)]
    broker = services.party_of(prisoner=prisoner)
    for person in people:
        talk(broker, person.party, facility)
    talk(people[0].party, people[1].party, facility)
    elsewhere = FacilityFactory(code="TMB")
    hidden = services.party_of(prisoner=PrisonerFactory(facility=elsewhere,
                                                        display_name="Hidden Man"))
    talk(hidden, people[2].party, elsewhere)
    return {"broker": broker, "people": people, "hidden": hidden, "elsewhere": elsewhere}


def test_the_figures_cover_only_the_analyst_s_facilities(client, analyst, web):
    client.force_login(analyst)
    found = client.get(reverse("intelligence-network-list")).json()

    assert found["nodes"] == 5 and found["ties"] == 5
    assert "Hidden Man" not in str(found)
    top = max(found["parties"], key=lambda p: p["betweenness"])
    assert top["party"] == web["broker"].pk and top["is_prisoner"] is True
    assert AuditEntry.objects.filter(action="intelligence.network_view").count() == 1


def test_another_facility_asked_for_is_refused(client, analyst, web):
    client.force_login(analyst)
    answer = client.get(reverse("intelligence-network-list"),
                        {"facility": web["elsewhere"].pk})
    assert answer.status_code == 400 and answer.json()["field"] == "facility"


@pytest.mark.parametrize("params,field", [({"from": "2026-13-01"}, "from"),
                                          ({"from": "2026-05-02", "to": "2026-05-01"}, "to")])
def test_a_bad_window_is_refused(client, analyst, web, params, field):
    client.force_login(analyst)
    answer = client.get(reverse("intelligence-network-list"), params)
    assert answer.status_code == 400 and answer.json()["field"] == field


def test_the_ego_network_path_and_timeline(client, analyst, web):
    client.force_login(analyst)
    first, second = web["people"][0].party.pk, web["people"][3].party.pk
    ego = client.get(reverse("intelligence-network-ego"), {"party": first}).json()
    assert {p["party"] for p in ego["parties"]} == {first, web["broker"].pk,
                                                    web["people"][1].party.pk}
    path = client.get(reverse("intelligence-network-path"), {"a": first, "b": second}).json()
    assert path["length"] == 2 and path["paths"][0]["parties"][1] == web["broker"].pk
    events = client.get(reverse("intelligence-network-timeline"), {"party": first}).json()
    assert len(events["events"]) == 2
    assert client.get(reverse("intelligence-network-ego"), {"party": first, "hops": 3}
                      ).status_code == 400
    assert client.get(reverse("intelligence-network-ego"), {"party": 999999}
                      ).status_code == 400


def test_an_export_needs_a_reason_and_is_audited(client, analyst, web):
    client.force_login(analyst)
    party = web["broker"].pk
    assert client.get(reverse("intelligence-network-export"), {"party": party}
                      ).status_code == 400
    answer = client.get(reverse("intelligence-network-export"),
                        {"party": party, "reason": "Case file for the prosecutor",
                         "recipients": "Prosecutor's office"})
    body = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "from_ref,from_name,to_ref,to_name,first_seen,last_seen,events"
    assert len(body.splitlines()) == 1 + 5
    entry = AuditEntry.objects.get(action="intelligence.network_export")
    assert entry.reason == "Case file for the prosecutor" and entry.recipients


def test_changes_use_only_the_flags_the_analyst_may_see(client, analyst, other_analyst,
                                                        facility, web):
    compartment = services.compartment_create(acting_user=analyst, name="Op Reed")
    watched = web["people"][3].party
    services.flag_create(acting_user=analyst, party=watched, reason="Known courier for Reed",
                         compartment=compartment.pk)
    talk(watched, web["people"][2].party, facility, days_ago=2)

    params = {"before_from": (timezone.localdate() - timedelta(days=60)).isoformat(),
              "before_to": (timezone.localdate() - timedelta(days=10)).isoformat()}
    client.force_login(analyst)
    assert client.get(reverse("intelligence-network-changes"), params).json()["new_ties"]
    client.force_login(other_analyst)
    assert client.get(reverse("intelligence-network-changes"), params).json()["new_ties"] == []


def test_only_analysts_reach_the_network(client, facility, web):
    for role in ("director", "police", "partner", "monitor", "security", "sourcehandler"):
        client.force_login(user_with_role(role, facility, username=f"net-{role}"))
        assert client.get(reverse("intelligence-network-list")).status_code == 403, role


def test_a_sealed_juvenile_file_shows_in_the_network_without_its_name(client, analyst,
                                                                      facility, web):
    from custos.custody.models import Prisoner

    Prisoner.objects.filter(pk=web["broker"].prisoner_id).update(sealed_at=timezone.now())
    client.force_login(analyst)
    found = client.get(reverse("intelligence-network-list")).json()
    broker = next(p for p in found["parties"] if p["party"] == web["broker"].pk)
    assert broker["name"] == "Sealed file" and "Moussa" not in str(found)
