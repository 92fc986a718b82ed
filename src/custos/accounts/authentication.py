"""`Authorization: Token <key>` for API clients.

A token acts as its user: authorisation reads the user's role assignments at every request
(`custos.access.policy`), so a token carries the user's roles and facility scopes as they are
now — a role removed from the user is removed from the token at once — and a token of a
deactivated user is refused. Tokens can expire (`create_token --days`) and be revoked
(`revoke_token`). Tokens are a separate credential issued by an operator, not a session:
they do not pass the TOTP step.

Token use is audited like a session: "token.use" at most once per token per hour (the hour
is read from, and written to, `last_used_at`, which is therefore precise to the hour), and
"token.rejected", with no actor, for an unknown, expired or revoked token or one whose user
is deactivated.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from custos.audit import trail

from .models import ApiToken, hash_token

AUDIT_EVERY = timedelta(hours=1)


def _refusal(token: ApiToken | None, now) -> str:
    if token is None:
        return "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    if not token.user.is_active:
        return "user_inactive"
    return ""


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        now = timezone.now()
        token = ApiToken.objects.select_related("user").filter(digest=hash_token(key)).first()
        refusal = _refusal(token, now)
        if refusal:
            trail.record(None, "token.rejected", token, via="api",
                         object_type="" if token else "accounts.apitoken",
                         changes={"reason": refusal})
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if token.last_used_at is None or token.last_used_at <= now - AUDIT_EVERY:
            # One conditional UPDATE: of concurrent first requests in an hour, one audits.
            due = ApiToken.objects.filter(pk=token.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - AUDIT_EVERY))
            if due.update(last_used_at=now) and getattr(settings, "CUSTOS_AUDIT_TOKEN_USE",
                                                        True):
                trail.record(token.user, "token.use", token, via="api")
        return token.user, token
