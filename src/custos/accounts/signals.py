"""Every sign-in, failed sign-in, sign-out and lock-out goes into the audit trail.

Connected in `AccountsConfig.ready`. A failed sign-in has no actor: the username that was
tried is in `changes` (and the account it names, if any, is the entry's object).
"""

from custos.audit import trail

from .models import User


def logged_in(sender, request, user, **kwargs):
    trail.record(user, "auth.login", user)


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        trail.record(user, "auth.logout", user)


def _account(username):
    if not username:
        return None
    return User.objects.filter(username=username).first()


def login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")[:150]
    changes = {"username": username}
    if request is not None and getattr(request, "axes_locked_out", False):
        changes["locked_out"] = True
    trail.record(None, "auth.login_failed", _account(username), changes=changes)


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    username = str(username or "")[:150]
    trail.record(None, "auth.locked_out", _account(username),
                 changes={"username": username, "ip": ip_address or ""})
