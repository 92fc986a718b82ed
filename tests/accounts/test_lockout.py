"""Five failed sign-ins lock a username out for 30 minutes, from any address; audited."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from custos.access.roles import Role
from custos.accounts import services

from .conftest import PASSWORD, sign_in


def fail(client, user, times, **extra):
    for _ in range(times):
        response = sign_in(client, user, password="not the password at all", **extra)
    return response


def test_settings_lock_after_five_failures_by_username_for_thirty_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
    assert settings.AXES_ENABLED


def test_four_failures_do_not_lock(client, security):
    fail(client, security, 4)

    response = sign_in(client, security)

    assert response.status_code == 302
    assert client.get(reverse("custody:dashboard")).status_code == 200


def test_after_five_failures_even_the_right_password_is_refused(client, security, trail):
    fifth = fail(client, security, 5)
    assert fifth.status_code == 429
    assert "locked" in fifth.content.decode()

    response = sign_in(client, security, password=PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts: this account is locked for 30 minutes" in page
    assert 'id="id_username"' in page  # our login page, with the reason
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    # audited: five failures, the lock-out, the refused right password
    failed = trail.entries("auth.login_failed")
    assert len(failed) == 6
    assert all(e.actor is None and e.changes["username"] == security.username for e in failed)
    assert failed[-1].changes.get("locked_out") is True
    locked = trail.entries("auth.locked_out")
    assert len(locked) == 2  # at the fifth failure, and at the attempt made while locked
    assert locked[0].changes["username"] == security.username
    assert locked[0].object_id == str(security.pk)
    assert "auth.login" not in trail.actions()


def test_failures_from_different_addresses_add_up(client, security):
    for n in range(5):
        sign_in(client, security, password="wrong", REMOTE_ADDR=f"10.0.0.{n + 1}")

    response = sign_in(client, security, REMOTE_ADDR="10.9.9.9")

    assert response.status_code == 429


def test_another_user_on_the_same_address_is_not_locked(client, security, director):
    fail(client, security, 5)

    assert sign_in(client, director).status_code == 302


def test_the_lock_ends_after_thirty_minutes(client, security):
    fail(client, security, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    assert sign_in(client, security).status_code == 302


def test_the_administrator_can_unlock_and_it_is_audited(client, security, persona, trail):
    fail(client, security, 5)
    admin = persona(Role.ADMIN)

    services.sign_in_unlock(acting_user=admin, user=security, reason="called the help desk")

    assert sign_in(client, security).status_code == 302
    entry = trail.entries("user.unlock")[0]
    assert (entry.actor, entry.object_id, entry.reason) == (
        admin, str(security.pk), "called the help desk")


@pytest.mark.usefixtures("two_factor")
def test_a_locked_privileged_user_gets_no_code_step(client, director, device_of):
    device_of(director)
    fail(client, director, 5)

    response = sign_in(client, director)

    assert response.status_code == 429
    assert client.get(reverse("accounts:verify")).status_code == 302  # to the login page
