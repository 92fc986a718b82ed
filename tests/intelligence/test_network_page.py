"""The network page: analysts only, every opening audited, the script loaded from the static
files (nothing inline), prisoners found by number only within the analyst's scope."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from custos.audit.models import AuditEntry
from custos.intelligence import services

from ..factories import FacilityFactory, PrisonerFactory, user_with_role

pytestmark = pytest.mark.django_db
URL = "/intelligence/network/"


@pytest.fixture
def centre(prisoner):
    return services.party_of(prisoner=prisoner)


def config(answer) -> dict:
    found = re.search(r'<script id="network-config" type="application/json">(.*?)</script>',
                      answer.content.decode(), re.S)
    assert found, "no configuration block"
    return json.loads(found.group(1))


def test_the_page_is_mounted_where_the_other_pages_link_to_it():
    assert reverse("intelligence:network") == URL


def test_an_analyst_opens_the_network_of_a_prisoner_and_the_opening_is_audited(
        client, analyst, centre, facility):
    client.force_login(analyst)
    answer = client.get(URL, {"party": centre.pk, "hops": "2", "from": "2026-01-01",
                              "facility": facility.pk})

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Moussa Traoré" in page
    found = config(answer)
    assert found["centre"] == centre.pk
    assert found["filters"] == {"from": "2026-01-01", "to": "", "facility": [facility.pk],
                                "hops": 2}
    assert found["api"]["ego"] == reverse("intelligence-network-ego")
    entry = AuditEntry.objects.get(action="intelligence.network_view")
    assert entry.actor == analyst and entry.object_repr == "page"
    assert entry.changes["party"] == str(centre.pk) and entry.changes["hops"] == "2"


def test_the_scripts_come_from_the_static_files_and_nothing_runs_inline(client, analyst,
                                                                        centre):
    client.force_login(analyst)
    page = client.get(URL, {"party": centre.pk}).content.decode()

    scripts = re.findall(r"<script([^>]*)>", page)
    assert any("custos/network.js" in s for s in scripts)
    assert any("custos/vendor/cytoscape.min.js" in s for s in scripts)
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page


@pytest.mark.parametrize("role", ["director", "security", "assessor", "police"])
def test_other_roles_are_refused(client, facility, centre, role):
    client.force_login(user_with_role(role, facility))
    assert client.get(URL, {"party": centre.pk}).status_code == 403


def test_a_prison_number_is_resolved_only_within_the_analyst_s_facilities(client, analyst,
                                                                           facility):
    mine = PrisonerFactory(facility=facility, prison_number="BKO-0042")
    theirs = PrisonerFactory(facility=FacilityFactory(code="TMB"), prison_number="TMB-0042")
    party = services.party_of(prisoner=mine)
    services.party_of(prisoner=theirs)
    client.force_login(analyst)

    assert config(client.get(URL, {"party": "BKO-0042"}))["centre"] == party.pk
    refused = client.get(URL, {"party": "TMB-0042"})
    assert refused.status_code == 400 and "network-config" not in refused.content.decode()


def test_the_search_finds_prisoners_and_outside_people(client, analyst, centre):
    person = services.person_create(acting_user=analyst, name="Awa Moussa")
    client.force_login(analyst)
    page = client.get(URL, {"q": "Moussa"}).content.decode()

    assert f"?party={centre.pk}&amp;" in page
    assert f"?party={person.party.pk}&amp;" in page


def test_bad_filters_are_said_and_draw_nothing(client, analyst, centre):
    client.force_login(analyst)
    answer = client.get(URL, {"party": centre.pk, "from": "2026-05-02", "to": "2026-05-01",
                              "hops": "3"})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "The window ends before it begins." in page
    assert "network-config" not in page
