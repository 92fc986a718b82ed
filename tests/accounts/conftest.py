"""Fixtures for the sign-in tests: two-factor turned on, devices, and audit helpers."""

import time

import pytest
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.accounts import twofactor
from custos.audit.models import AuditEntry

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def restore_language():
    """The locale middleware leaves a request's language active: don't leak it."""
    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.fixture
def two_factor(settings):
    """Two-factor as in production (the test settings turn it off for `force_login`)."""
    settings.CUSTOS_REQUIRE_TWO_FACTOR = True
    return settings


@pytest.fixture
def device_of(db):
    def make(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    return make


def code(device: TOTPDevice) -> str:
    """What the user's authenticator app shows now."""
    return twofactor.current_code(device)


def wrong(device: TOTPDevice) -> str:
    """A code the device does not accept now (none of the steps its tolerance allows)."""
    now = time.time()
    right = {twofactor.current_code(device, at=now + step) for step in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def sign_in(client, user, password=PASSWORD, **extra):
    return client.post("/login/", {"username": user.username, "password": password}, **extra)


class Trail:
    """The audit entries written since the fixture was made."""

    def __init__(self):
        self.start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def entries(self, action=None):
        entries = AuditEntry.objects.filter(id__gt=self.start).order_by("id")
        return list(entries.filter(action=action) if action else entries)

    def actions(self):
        return [e.action for e in self.entries()]


@pytest.fixture
def trail(db):
    return Trail()
