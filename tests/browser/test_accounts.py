"""Signing in with a TOTP code, and being locked out, in a real browser."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from custos.accounts import twofactor

PASSWORD = "correct horse battery staple"
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_factor(settings):
    settings.CUSTOS_REQUIRE_TWO_FACTOR = True


@pytest.mark.browser
@transactional
def test_director_signs_in_with_a_code_and_sees_the_dashboard(page, live_server, director,
                                                             facility, two_factor):
    device = TOTPDevice.objects.create(user=director, name="phone", confirmed=True)
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))

    page.goto("/")
    page.locator("#id_username").fill(director.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/login/verify/?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Authentication code")
    page.locator("#id_code").fill(twofactor.current_code(device))
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(f"{live_server.url}/facilities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Facilities")
    expect(page.locator("table.data")).to_contain_text("Bamako Central")
    assert not [m for m in messages if "Content Security Policy" in m], messages


@pytest.mark.browser
@transactional
def test_director_enrols_an_authenticator_app(page, live_server, director, facility,
                                             two_factor):
    page.goto("/login/")
    page.locator("#id_username").fill(director.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/account/two-factor/enrol/?next=%2F")
    expect(page.locator("svg.qr")).to_be_visible()
    secret = page.locator("#secret").inner_text()
    device = TOTPDevice.objects.get(user=director, confirmed=False)
    assert secret == twofactor.secret_b32(device)
    page.locator("#id_code").fill(twofactor.current_code(device))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(f"{live_server.url}/facilities/")
    expect(page.get_by_role("status")).to_have_text("Two-factor authentication is set up.")


@pytest.mark.browser
@transactional
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(page, live_server,
                                                                      director):
    page.goto("/login/")
    for _ in range(5):
        page.locator("#id_username").fill(director.username)
        page.locator("#id_password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_be_visible()

    page.locator("#id_username").fill(director.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Too many failed sign-in attempts: this account is locked for 30 minutes")
    expect(page).to_have_url(f"{live_server.url}/login/")
    expect(page.locator("header form[action='/logout/'] button")).to_have_count(0)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
