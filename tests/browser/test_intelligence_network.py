"""An analyst draws a prisoner's network, reads the events of a contact, expands the network
through that contact, and downloads it as an image and as CSV."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from custos.intelligence import services
from custos.intelligence.models import CommunicationEvent

from ..factories import PrisonerFactory, user_with_role
from .test_journeys import assert_no_horizontal_overflow, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_fingerprints = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n"


def talk(one, other, facility, times: int, *, kind="call", days_ago=1):
    for i in range(times):
        CommunicationEvent.objects.create(
            kind=kind, occurred_at=timezone.now() - timedelta(days=days_ago, hours=i),
            from_party=one, to_party=other, duration_seconds=90 if kind == "call" else None,
            amount=25 if kind == "money_transfer" else None, facility=facility,
            fingerprint=next(_fingerprints))


@pytest.fixture
def analyst(facility):
    return user_with_role("analyst", facility, username="analyst-1")


@pytest.fixture
def web(analyst, facility):
    """Moussa talks with Awa (3 events), Binta (2) and Cheick (1); Awa also with Djeneba, whom
    Moussa never talks with."""
    moussa = services.party_of(prisoner=PrisonerFactory(
        facility=facility, prison_number="BKO-0101", names=["Moussa Traoré"],
        display_name="Moussa Traoré"))
    people = {name: services.person_create(acting_user=analyst, name=name, kind="family").party
              for name in ("Awa Diarra", "Binta Sow", "Cheick Keïta", "Djeneba Coulibaly")}
    talk(moussa, people["Awa Diarra"], facility, 2)
    talk(people["Awa Diarra"], moussa, facility, 1, kind="money_transfer", days_ago=3)
    talk(moussa, people["Binta Sow"], facility, 2, kind="letter")
    talk(people["Cheick Keïta"], moussa, facility, 1, kind="visit")
    talk(people["Awa Diarra"], people["Djeneba Coulibaly"], facility, 4)
    return {"moussa": moussa, **people}


def nodes(page) -> int:
    return page.evaluate("window.custosNetwork.cy.nodes().length")


def test_an_analyst_explores_and_exports_a_prisoner_s_network(page, live_server, analyst, web,
                                                              tmp_path):
    sign_in(page, analyst, f"/intelligence/network/?party={web['moussa'].pk}")

    # the graph and its text alternative show Moussa and his three contacts
    status = page.locator("#network-status")
    expect(status).to_contain_text("Showing 4 people and 3 ties.")
    people = page.locator("#network-people tr")
    expect(people).to_have_count(4)
    assert nodes(page) == 4
    expect(page.locator("#network-graph canvas").first).to_be_attached()
    expect(page.locator("#network-graph")).to_have_attribute("role", "img")

    # the centre is selected: his six events, newest first
    timeline = page.locator("table.network-timeline tbody tr")
    expect(page.locator("#network-timeline-title")).to_have_text("Events of Moussa Traoré")
    expect(timeline).to_have_count(6)

    # Awa, from the list: her seven events (three with Moussa, four with Djeneba, who is not
    # drawn yet), her details
    page.locator("#network-text summary").click()
    page.get_by_role("button", name="Awa Diarra").click()
    expect(page.locator("#network-timeline-title")).to_have_text("Events of Awa Diarra")
    expect(timeline).to_have_count(7)
    expect(page.locator("#network-timeline-count")).to_have_text(
        "7 events shown, newest first.")
    expect(page.locator("#network-details [data-field=events]")).to_have_text("3")
    expect(page.locator("#network-details [data-field=kind]")).to_have_text("Family member")
    expect(timeline.first).to_contain_text("Call")
    expect(timeline.last).to_contain_text("Money transfer")

    # the tie between Moussa and Binta: two letters
    page.locator("#network-ties tr", has_text="Binta Sow").get_by_role(
        "button", name="Show the events").click()
    expect(page.locator("#network-timeline-title")).to_have_text(
        "Events between Moussa Traoré and Binta Sow")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("Letter")

    # expanding Awa brings Djeneba in
    page.get_by_role("button", name="Awa Diarra").click()
    page.get_by_role("button", name="Expand", exact=True).click()
    expect(people).to_have_count(5)
    expect(page.locator("#network-people")).to_contain_text("Djeneba Coulibaly")
    expect(status).to_contain_text("Showing 5 people and 4 ties.")
    assert nodes(page) == 5
    expect(page.get_by_role("button", name="Expand", exact=True)).to_be_disabled()

    # the image
    with page.expect_download() as image:
        page.get_by_role("button", name="Download PNG").click()
    saved = tmp_path / "network.png"
    image.value.save_as(saved)
    assert saved.read_bytes().startswith(PNG)

    # the CSV, with a reason
    page.locator("#network-reason").fill("Case review of the yard")
    with page.expect_download() as table:
        page.locator("#network-export button[type=submit]").click()
    saved = tmp_path / "network.csv"
    table.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "from_ref,from_name,to_ref,to_name,first_seen,last_seen,events"
    assert len(lines) == 4


def test_filters_redraw_the_network_for_the_same_centre(page, live_server, analyst, web):
    sign_in(page, analyst, f"/intelligence/network/?party={web['moussa'].pk}&hops=2")
    expect(page.locator("#network-status")).to_contain_text("Showing 5 people and 4 ties.")

    # only the last two days: the money transfer three days ago drops out, not Awa's calls
    today = timezone.localdate()
    page.locator("#network-from").fill((today - timedelta(days=2)).isoformat())
    page.locator("#network-hops").select_option("1")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#network-status")).to_contain_text("Showing 4 people and 3 ties.")
    expect(page.locator("table.network-timeline tbody tr")).to_have_count(5)
    expect(page.locator("#network-export input[name=from]")).to_have_value(
        (today - timedelta(days=2)).isoformat())
    expect(page).to_have_url(
        f"{live_server.url}/intelligence/network/?from={today - timedelta(days=2)}"
        f"&party={web['moussa'].pk}&hops=1")


def test_the_page_reads_right_to_left_on_a_phone(new_page, live_server, analyst, web):
    page = new_page(viewport={"width": 390, "height": 844}, locale="ar")
    page.context.add_cookies([{"name": "django_language", "value": "ar",
                               "url": live_server.url}])
    complaints = []  # e.g. the content security policy refusing something
    page.on("console", lambda message: complaints.append(message.text)
            if message.type in ("error", "warning") else None)
    sign_in(page, analyst, f"/intelligence/network/?party={web['moussa'].pk}")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#network-people tr")).to_have_count(4)
    expect(page.locator("table.network-timeline tbody tr")).to_have_count(6)
    graph = page.locator("#network-graph").bounding_box()
    side = page.locator(".network-side").bounding_box()
    assert side["y"] >= graph["y"] + graph["height"]  # the timeline goes below the graph
    assert_no_horizontal_overflow(page)
    assert complaints == []


def test_a_long_timeline_comes_fifty_events_at_a_time(page, live_server, analyst, facility):
    moussa = services.party_of(prisoner=PrisonerFactory(facility=facility,
                                                        display_name="Moussa Traoré"))
    awa = services.person_create(acting_user=analyst, name="Awa Diarra").party
    talk(moussa, awa, facility, 53)
    sign_in(page, analyst, f"/intelligence/network/?party={moussa.pk}")

    timeline = page.locator("table.network-timeline tbody tr")
    expect(timeline).to_have_count(50)
    page.get_by_role("button", name="More").click()
    expect(timeline).to_have_count(53)
    expect(page.get_by_role("button", name="More")).to_be_hidden()
    expect(page.locator("#network-timeline-count")).to_have_text(
        "53 events shown, newest first.")
