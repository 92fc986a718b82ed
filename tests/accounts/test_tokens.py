"""API tokens: they act as their user, expire, are revoked, and their use is audited."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from custos.access.models import RoleAssignment
from custos.accounts.models import ApiToken

PRISONERS = "/api/v1/prisoners/"


@pytest.fixture(autouse=True)
def audit_token_use(settings):
    settings.CUSTOS_AUDIT_TOKEN_USE = True  # as in production (the test settings turn it off)


def client_with(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def create_token(username, *args) -> str:
    out = StringIO()
    call_command("create_token", username, *args, stdout=out)
    return out.getvalue().strip()


def test_create_token_prints_a_key_that_works_and_can_expire(director):
    key = create_token(director.username, "--days", "7")

    token = ApiToken.objects.get(prefix=key[:8])
    assert token.user == director
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert client_with(key).get(PRISONERS).status_code == 200


def test_use_is_audited_once_an_hour(director, trail):
    key = create_token(director.username)
    client = client_with(key)

    for _ in range(3):
        assert client.get(PRISONERS).status_code == 200

    used = trail.entries("token.use")
    token = ApiToken.objects.get(prefix=key[:8])
    assert [(e.actor, e.object_id, e.via) for e in used] == [(director, str(token.pk), "api")]
    # an hour later, the next use is audited again
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timedelta(hours=1, minutes=1))
    client.get(PRISONERS)
    assert len(trail.entries("token.use")) == 2


def test_a_revoked_token_is_refused_and_audited(director, trail):
    key = create_token(director.username)
    out = StringIO()

    call_command("revoke_token", key[:8], stdout=out)

    assert "revoked" in out.getvalue()
    token = ApiToken.objects.get(prefix=key[:8])
    assert token.revoked_at is not None
    revoked = trail.entries("token.revoke")[0]
    assert (revoked.actor, revoked.object_id, revoked.via) == (None, str(token.pk), "command")

    response = client_with(key).get(PRISONERS)

    assert response.status_code == 401
    rejected = trail.entries("token.rejected")
    assert [(e.actor, e.object_id, e.changes) for e in rejected] == [
        (None, str(token.pk), {"reason": "revoked"})]
    assert not trail.entries("token.use")


def test_revoking_by_username_revokes_every_token_of_the_user(director, security):
    keys = [create_token(director.username), create_token(director.username)]
    kept = create_token(security.username)

    call_command("revoke_token", director.username, stdout=StringIO())

    assert all(client_with(k).get(PRISONERS).status_code == 401 for k in keys)
    assert client_with(kept).get(PRISONERS).status_code == 200
    with pytest.raises(CommandError):
        call_command("revoke_token", director.username, stdout=StringIO())


def test_an_expired_token_is_refused_and_audited(director, trail):
    token, key = ApiToken.issue(user=director, expires_at=timezone.now() - timedelta(seconds=1))

    assert client_with(key).get(PRISONERS).status_code == 401

    entry = trail.entries("token.rejected")[0]
    assert (entry.actor, entry.object_id, entry.changes) == (None, str(token.pk),
                                                             {"reason": "expired"})


def test_an_unknown_token_is_refused_and_audited_without_the_key(db, trail):
    key = "f" * 48

    assert client_with(key).get(PRISONERS).status_code == 401

    entry = trail.entries("token.rejected")[0]
    assert (entry.actor, entry.object_id, entry.changes) == (None, "", {"reason": "unknown"})
    assert "ffff" not in str(entry.__dict__)


def test_a_token_of_a_deactivated_user_is_refused(director, trail):
    key = create_token(director.username)
    director.is_active = False
    director.save()

    assert client_with(key).get(PRISONERS).status_code == 401
    assert trail.entries("token.rejected")[0].changes == {"reason": "user_inactive"}


def test_a_token_carries_the_roles_the_user_holds_now(director):
    key = create_token(director.username)
    client = client_with(key)
    assert client.get(PRISONERS).status_code == 200

    RoleAssignment.objects.filter(user=director).delete()

    assert client.get(PRISONERS).status_code == 403
