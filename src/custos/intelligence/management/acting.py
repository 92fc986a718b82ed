"""Who a command acts as: an active analyst named with --as, or the system (None)."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from custos.access import policy
from custos.accounts.models import User


def analyst_named(username: str | None, doing: str):
    """The active user `username`, who must hold the permission to analyse intelligence;
    None (the system, for scheduled runs) when no name is given. `doing` completes "may not
    …" in the refusal."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user named “%(name)s”.") % {"name": username})
    if not policy.can(user, "intelligence.analyse"):
        raise CommandError(_("%(name)s may not %(doing)s: that needs the permission to analyse "
                             "intelligence.") % {"name": username, "doing": doing})
    return user
