"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API keeps an event loop running in the test thread, and Django refuses
synchronous database calls from such a thread; the fixtures below build their rows with the
ORM, so the guard is lifted for this process.
"""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from custos.access.roles import Role
from custos.custody import services

from ..factories import CellFactory, FacilityFactory, PrisonerFactory, UnitFactory, user_with_role

# Read by Django at each database call, so setting it here, as the conftest is imported and
# before any fixture runs, is early enough.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options) → a page in a fresh browser context (no cookies)."""
    contexts = []

    def make(**options):
        options.setdefault("base_url", live_server.url)
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


# --- data ----------------------------------------------------------------------------------


@pytest.fixture
def facility(transactional_db):
    return FacilityFactory(code="BKO", name="Bamako Central", official_capacity=4)


@pytest.fixture
def unit(facility):
    # Not mixed: women and men may not share it (Mandela Rule 11(a)).
    return UnitFactory(facility=facility, code="A", name="Wing A", regime="general")


@pytest.fixture
def cell(unit):
    return CellFactory(unit=unit, number="A-01", beds=2)


@pytest.fixture
def director(facility):
    return user_with_role(Role.DIRECTOR, facility)


@pytest.fixture
def mohamed(facility):
    return PrisonerFactory(prison_number="BKO-0001", facility=facility,
                           names=["Mohamed Traoré", "محمد تراوري"])


@pytest.fixture
def man_in_cell(facility, cell, director):
    man = PrisonerFactory(prison_number="BKO-0002", facility=facility, sex="M",
                          names=["Amadou Diallo"])
    services.placement_create(acting_user=director, prisoner=man, cell=cell, reason="arrival")
    return man


@pytest.fixture
def woman(facility):
    return PrisonerFactory(prison_number="BKO-0003", facility=facility, sex="F",
                           names=["Aminata Keïta"])
