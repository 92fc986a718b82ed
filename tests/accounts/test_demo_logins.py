"""The demo's privileged users have TOTP devices from a documented key; `demo_totp` (DEBUG
only) prints their current code."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.accounts import twofactor
from custos.accounts.models import User

from .conftest import sign_in


def seed(seed=5):
    call_command("seed_demo", prisoners=12, facilities=1, seed=seed,
                 password="demo-password-1", stdout=StringIO())


def test_privileged_demo_users_get_a_device_derived_from_the_seed(db, settings):
    seed()

    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list(
        "user__username", flat=True))
    assert with_device == set(settings.CUSTOS_TWO_FACTOR_ROLES)
    device = TOTPDevice.objects.get(user__username="director")
    assert device.key == twofactor.demo_key("director", 5)
    assert twofactor.demo_key("director", 5) != twofactor.demo_key("director", 6)
    assert twofactor.demo_key("director", 5) != twofactor.demo_key("security", 5)
    seed()  # again: nothing added
    assert TOTPDevice.objects.count() == len(settings.CUSTOS_TWO_FACTOR_ROLES)


def test_demo_totp_prints_the_code_that_signs_in(client, db, settings):
    seed()
    settings.DEBUG = True
    settings.CUSTOS_REQUIRE_TWO_FACTOR = True
    out = StringIO()

    call_command("demo_totp", "director", stdout=out)

    director = User.objects.get(username="director")
    sign_in(client, director, password="demo-password-1")
    response = client.post("/login/verify/", {"code": out.getvalue().strip()})
    assert response.status_code == 302
    assert client.get("/", follow=True).status_code == 200


def test_demo_totp_refuses_without_debug(db, settings):
    seed()
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "director", stdout=StringIO())
