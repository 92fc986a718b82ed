"""TOTP for the privileged roles: asked after the password, refused when wrong, audited."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.access.roles import Role
from custos.accounts import twofactor

from ..factories import user_with_role
from .conftest import PASSWORD, code, sign_in, wrong

VERIFY = reverse("accounts:verify")
ENROL = reverse("accounts:enrol")
pytestmark = pytest.mark.usefixtures("two_factor")


def test_after_the_password_a_director_is_sent_to_the_code_step(client, director, device_of):
    device_of(director)

    response = sign_in(client, director)

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2F"
    # every other page sends them back to the code step, the API refuses
    for path in ("/", "/prisoners/", reverse("accounts:account")):
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith(f"{VERIFY}?next="), path
    api = client.get("/api/v1/prisoners/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    # the code step itself, signing out and the language switch stay open
    assert client.get(VERIFY).status_code == 200
    assert client.post(reverse("set_language"), {"language": "fr"}).status_code == 302


def test_a_wrong_code_is_refused_and_audited(client, director, device_of, trail):
    device = device_of(director)
    sign_in(client, director)

    response = client.post(VERIFY, {"code": wrong(device), "next": "/"})

    assert response.status_code == 400
    assert "This code is not right" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)
    failed = trail.entries("auth.otp_failed")
    assert len(failed) == 1
    assert failed[0].actor == director
    assert failed[0].changes["device"] == device.persistent_id


def test_the_right_code_lets_the_director_in(client, director, device_of, trail):
    device = device_of(director)
    sign_in(client, director)

    response = client.post(VERIFY, {"code": code(device), "next": "/prisoners/"})

    assert response.status_code == 302
    assert response["Location"] == "/prisoners/"
    assert client.get(reverse("custody:dashboard")).status_code == 200
    assert client.get("/api/v1/prisoners/").status_code == 200
    assert trail.actions() == ["auth.login", "auth.otp_verified"]
    assert trail.entries("auth.otp_verified")[0].actor == director


def test_a_code_is_accepted_once_only(client, director, device_of):
    device = device_of(director)
    used = code(device)
    sign_in(client, director)
    assert client.post(VERIFY, {"code": used}).status_code == 302
    client.post(reverse("logout"))

    sign_in(client, director)

    assert client.post(VERIFY, {"code": used}).status_code in (400, 429)
    assert client.get("/")["Location"].startswith(VERIFY)


def test_repeated_wrong_codes_slow_down_the_next_try(client, director, device_of):
    device = device_of(director)
    sign_in(client, director)
    client.post(VERIFY, {"code": wrong(device)})

    response = client.post(VERIFY, {"code": code(device)})

    assert response.status_code == 429
    assert "wait" in response.content.decode()


def test_an_off_site_next_is_ignored(client, director, device_of):
    device = device_of(director)
    sign_in(client, director)

    response = client.post(VERIFY, {"code": code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_case_manager_is_not_asked_for_a_code(client, persona):
    casemanager = persona(Role.CASE_MANAGER)

    response = sign_in(client, casemanager)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(reverse("custody:dashboard")).status_code == 200


@pytest.mark.parametrize("role", ["director", "security", "analyst", "auditor", "admin"])
def test_every_privileged_role_must_enrol_first(client, facility, role):
    user = user_with_role(role, facility)

    response = sign_in(client, user)

    assert response["Location"] == f"{ENROL}?next=%2F"
    assert client.get(reverse("accounts:account"))["Location"].startswith(f"{ENROL}?next=")


def test_enrolment_shows_a_local_qr_code_and_confirms_the_device(client, director, trail,
                                                                 settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off between the two tries below
    sign_in(client, director)

    page = client.get(f"{ENROL}?next=/prisoners/")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="qr"' in html  # drawn here, inline: nothing fetched
    device = TOTPDevice.objects.get(user=director)
    assert not device.confirmed
    assert twofactor.secret_b32(device) in html

    wrong_answer = client.post(ENROL, {"code": wrong(device), "next": "/prisoners/"})
    assert wrong_answer.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(ENROL, {"code": code(device), "next": "/prisoners/"})

    assert response.status_code == 302
    assert response["Location"] == "/prisoners/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/prisoners/").status_code == 200
    assert trail.actions() == ["auth.login", "auth.otp_failed", "auth.otp_enrolled"]


def test_a_password_alone_cannot_enrol_over_an_existing_device(client, director, device_of):
    device = device_of(director)
    sign_in(client, director)

    page = client.get(ENROL)
    posted = client.post(ENROL, {"code": "123456"})

    assert page.status_code == 302 and page["Location"].startswith(VERIFY)
    assert posted.status_code == 302 and posted["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=director)) == [device]


def test_a_reset_device_no_longer_verifies_the_session(client, director, device_of, persona):
    from custos.accounts import services

    device = device_of(director)
    sign_in(client, director)
    client.post(VERIFY, {"code": code(device)})
    assert client.get(reverse("custody:dashboard")).status_code == 200

    admin = persona(Role.ADMIN)
    services.two_factor_reset(acting_user=admin, user=director, reason="phone lost")

    assert client.get("/")["Location"].startswith(ENROL)


def test_sign_in_sign_out_and_failures_are_audited(client, director, device_of, trail):
    device_of(director)

    sign_in(client, director, password="not the password")
    sign_in(client, director, password=PASSWORD)
    client.post(reverse("logout"))

    failed, login, logout = trail.entries()
    assert (failed.action, failed.actor, failed.changes["username"]) == (
        "auth.login_failed", None, director.username)
    assert failed.object_id == str(director.pk)
    assert (login.action, login.actor) == ("auth.login", director)
    assert (logout.action, logout.actor) == ("auth.logout", director)


def test_a_failed_sign_in_for_an_unknown_username_is_audited(client, db, trail):
    client.post("/login/", {"username": "nobody", "password": "whatever it is"})

    entry = trail.entries("auth.login_failed")[0]
    assert entry.actor is None
    assert entry.changes == {"username": "nobody"}
    assert entry.object_id == ""


def test_two_factor_off_only_by_the_explicit_setting(client, director, settings):
    settings.CUSTOS_REQUIRE_TWO_FACTOR = False

    response = sign_in(client, director)

    assert response["Location"] == "/"


def test_anyone_who_set_up_an_app_is_asked_for_its_code(client, persona, device_of):
    casemanager = persona(Role.CASE_MANAGER)
    device = device_of(casemanager)

    response = sign_in(client, casemanager)

    assert response["Location"] == f"{VERIFY}?next=%2F"
    assert client.get("/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code(device)})
    assert client.get(reverse("custody:dashboard")).status_code == 200
