"""What a prison officer does in the web UI, in a real browser: sign in, find, place, switch
language, on a phone-sized screen too, and nothing fetched from outside the server."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from custos.custody.models import Placement

from ..factories import CellFactory

PASSWORD = "correct horse battery staple"
transactional = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, user, path: str = "/") -> Page:
    """Open `path`, fill in the login form it sends us to, and come back to `path`."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()  # "Sign in", in any language
    expect(sign_out_button(page)).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    return page


def sign_out_button(page: Page):
    return page.locator("header form[action='/logout/'] button")


def field(page: Page, term: str):
    """The <dd> after the <dt> reading `term` on the prisoner file."""
    return page.locator(f"dt:text-is('{term}') + dd")


# --- 1. signing in -------------------------------------------------------------------------


@pytest.mark.browser
@transactional
def test_director_signs_in_and_lands_on_the_dashboard(page, live_server, director, facility,
                                                       mohamed, man_in_cell, woman):
    # Three prisoners in custody for four official places: 75 %.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.locator("#id_username").fill(director.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/facilities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Facilities")
    row = page.locator("table.data tbody tr", has_text="Bamako Central")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="BKO")).to_be_visible()
    expect(row.locator(".meter")).to_have_text("75.0 %")
    expect(page.locator("p.lead")).to_contain_text("3 people held for 4 official places.")
    expect(page.locator("p.lead")).to_contain_text("Occupancy 75.0 %")


@pytest.mark.browser
@transactional
def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page, live_server, director):
    page.goto("/login/")
    page.locator("#id_username").fill(director.username)
    page.locator("#id_password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator("#id_username")).to_have_value(director.username)
    expect(page.locator("#id_password")).to_have_value("")
    expect(sign_out_button(page)).to_have_count(0)


# --- 2. searching across scripts -----------------------------------------------------------


@pytest.mark.browser
@transactional
@pytest.mark.parametrize("typed", ["Muhammad", "محمد"])
def test_live_search_finds_a_name_in_another_script(page, live_server, director, mohamed,
                                                    woman, typed):
    sign_in(page, director, "/prisoners/")
    results = page.locator("#results")
    expect(results.locator("table")).to_have_count(0)

    page.locator("#q").fill(typed)

    row = results.locator("tbody tr", has_text=mohamed.prison_number)
    expect(row).to_contain_text("Mohamed Traoré")
    expect(row.get_by_role("link", name=mohamed.prison_number)).to_have_attribute(
        "href", f"/prisoners/{mohamed.pk}/")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).not_to_contain_text(woman.prison_number)
    # htmx swapped the results in: the page itself did not move.
    expect(page).to_have_url(f"{live_server.url}/prisoners/")


@pytest.mark.browser
@transactional
@pytest.mark.parametrize("typed", ["Muhammad", "محمد"])
def test_search_form_submits_with_enter(page, director, mohamed, typed):
    sign_in(page, director, "/prisoners/")
    page.locator("#q").fill(typed)
    page.locator("#q").press("Enter")

    expect(page).to_have_url(re.compile(r"/prisoners/\?q="))
    assert parse_qs(urlsplit(page.url).query)["q"] == [typed]
    expect(page.locator("#q")).to_have_value(typed)
    row = page.locator("#results tbody tr", has_text=mohamed.prison_number)
    expect(row).to_contain_text("Mohamed Traoré")


@pytest.mark.browser
@transactional
def test_live_search_says_when_nothing_matches(page, director, mohamed):
    sign_in(page, director, "/prisoners/")
    page.locator("#q").fill("Zacharias")
    expect(page.locator("#results")).to_contain_text("No prisoner matches “Zacharias”.")


# --- 3. and 4. placing in a cell -----------------------------------------------------------


@pytest.mark.browser
@transactional
def test_place_a_prisoner_in_a_cell(page, live_server, director, mohamed, unit, cell):
    CellFactory(unit=unit, number="A-02", beds=1)
    sign_in(page, director, f"/prisoners/{mohamed.pk}/")
    expect(field(page, "Cell")).to_have_text("—")

    page.get_by_role("link", name="Place in a cell").click()
    expect(page).to_have_url(f"{live_server.url}/prisoners/{mohamed.pk}/place/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Place Mohamed Traoré in a cell")
    page.locator("#id_cell").select_option(label="BKO/A/A-01 — 0 of 2 beds taken")
    page.locator("#id_reason").fill("Arrival from the court of Bamako")
    page.get_by_role("button", name="Place", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/prisoners/{mohamed.pk}/")
    expect(page.get_by_role("status")).to_have_text(
        "BKO-0001 Mohamed Traoré is now in cell BKO/A/A-01.")
    expect(field(page, "Cell")).to_have_text("BKO/A/A-01")
    history = page.locator("section", has=page.get_by_role("heading", name="Placement history"))
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr")).to_contain_text("BKO/A/A-01")
    expect(history.locator("tbody tr")).to_contain_text("Arrival from the court of Bamako")
    expect(page.get_by_role("link", name="Move to another cell")).to_be_visible()

    mohamed.refresh_from_db()
    assert mohamed.current_cell_id == cell.pk


@pytest.mark.browser
@transactional
def test_refused_placement_shows_why_and_places_nobody(page, live_server, director, woman,
                                                       man_in_cell, cell):
    sign_in(page, director, f"/prisoners/{woman.pk}/")
    page.get_by_role("link", name="Place in a cell").click()
    page.locator("#id_cell").select_option(label="BKO/A/A-01 — 1 of 2 beds taken")
    page.locator("#id_reason").fill("Arrival")
    page.get_by_role("button", name="Place", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("Mandela Rule 11")
    expect(page).to_have_url(f"{live_server.url}/prisoners/{woman.pk}/place/")
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.locator("#id_reason")).to_have_value("Arrival")

    woman.refresh_from_db()
    assert woman.current_cell_id is None
    assert not Placement.objects.filter(prisoner=woman).exists()
    assert list(cell.occupants.values_list("pk", flat=True)) == [man_in_cell.pk]

    page.get_by_role("link", name=str(woman)).click()
    expect(field(page, "Cell")).to_have_text("—")
    expect(page.get_by_role("link", name="Place in a cell")).to_be_visible()


# --- 5. language -----------------------------------------------------------------------------


@pytest.mark.browser
@transactional
def test_language_switcher_turns_the_page_right_to_left_and_back(page, live_server, director,
                                                                 facility):
    sign_in(page, director, "/")
    html = page.locator("html")
    switcher = page.locator("header form.lang")
    expect(html).to_have_attribute("dir", "ltr")
    expect(html).to_have_attribute("lang", "en")

    switcher.locator("button[name='language'][value='ar']").click()
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page).to_have_url(f"{live_server.url}/facilities/")
    expect(switcher.locator("button[value='ar']")).to_have_attribute("aria-current", "true")

    switcher.locator("button[name='language'][value='en']").click()
    expect(html).to_have_attribute("lang", "en")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page).to_have_url(f"{live_server.url}/facilities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Facilities")


# --- 6. small screens ----------------------------------------------------------------------


def assert_no_horizontal_overflow(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, (
        f"the page is {scroll_width}px wide on a {inner_width}px screen")


@pytest.mark.browser
@transactional
@pytest.mark.parametrize("locale", ["en-US", "ar"])
def test_search_page_fits_a_small_screen(new_page, director, mohamed, cell, man_in_cell, locale):
    page = new_page(viewport={"width": 375, "height": 740}, locale=locale)
    sign_in(page, director, "/prisoners/")
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    expect(page.locator("#q")).to_be_visible()
    assert_no_horizontal_overflow(page)

    # With a result on screen, the widest state of the page.
    page.locator("#q").fill("Amadou")
    expect(page.locator("#results tbody tr", has_text=man_in_cell.prison_number)).to_be_visible()
    assert_no_horizontal_overflow(page)


# --- no assets from the internet -----------------------------------------------------------


@pytest.mark.browser
@transactional
def test_pages_load_nothing_from_outside_the_server(page, live_server, director, mohamed):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    sign_in(page, director, "/")
    expect(page.locator("table.data")).to_contain_text("Bamako Central")
    page.goto("/prisoners/")
    page.locator("#q").fill("Muhammad")
    expect(page.locator("#results")).to_contain_text(mohamed.prison_number)

    assert any(url.endswith("/static/custos/custos.css") for url in requested)
    assert any(url.endswith("/static/custos/htmx.min.js") for url in requested)
    assert any("/prisoners/?q=Muhammad" in url for url in requested)  # the htmx request
    outside = [url for url in requested if not url.startswith(live_server.url + "/")]
    assert outside == [], outside
