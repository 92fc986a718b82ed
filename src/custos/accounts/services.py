"""User management: the administrator's use cases, each one transaction, checked and audited.

Every function requires "accounts.manage" (the administrator alone) and appends to the audit
trail with what was before and after. Two rules keep duties apart and the door open: an
administrator changes neither their own roles nor their own active state — another
administrator does.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.access import policy
from custos.access.models import RoleAssignment
from custos.access.roles import Role
from custos.audit import trail
from custos.core.errors import InvalidInput, RuleViolation

from .models import ApiToken, User

PERMISSION = "accounts.manage"


def _roles(user: User) -> list[str]:
    """The user's roles as "role@FACILITY" (or "role@national"), sorted: for before/after."""
    return sorted(
        f"{role}@{code or 'national'}"
        for role, code in user.role_assignments.values_list("role", "facility__code")
    )


def _require(acting_user, target: str = "") -> None:
    policy.require(acting_user, PERMISSION, target=target)


@transaction.atomic
def user_create(*, acting_user, username: str, display_name: str, password: str,
                email: str = "") -> User:
    """A new user, with no role yet. The password must pass AUTH_PASSWORD_VALIDATORS."""
    _require(acting_user)
    username = username.strip()
    if not username:
        raise InvalidInput(_("A username is required."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("A user with this username already exists."), field="username")
    user = User(username=username, display_name=display_name.strip(), email=email.strip())
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise InvalidInput(_("A user with this username already exists."),
                           field="username") from None
    trail.record(acting_user, "user.create", user, changes={
        "username": [None, user.username], "display_name": [None, user.display_name],
        "email": [None, user.email], "is_active": [None, True]})
    return user


@transaction.atomic
def role_assign(*, acting_user, user: User, role: str, facility=None,
                reason: str = "") -> RoleAssignment:
    """Give `user` a role in one facility, or national when `facility` is None."""
    _require(acting_user, target=str(user.pk))
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    if user.pk == acting_user.pk:
        raise RuleViolation(_("Administrators do not change their own roles."),
                            rule="separation of duties", field="role")
    before = _roles(user)
    if RoleAssignment.objects.filter(user=user, role=role, facility=facility).exists():
        raise InvalidInput(_("The user already holds this role there."), field="role")
    assignment = RoleAssignment.objects.create(user=user, role=role, facility=facility)
    trail.record(acting_user, "user.role_add", user, reason=reason,
                 changes={"roles": [before, _roles(user)]})
    return assignment


@transaction.atomic
def role_remove(*, acting_user, assignment: RoleAssignment, reason: str = "") -> None:
    user = assignment.user
    _require(acting_user, target=str(user.pk))
    if user.pk == acting_user.pk:
        raise RuleViolation(_("Administrators do not change their own roles."),
                            rule="separation of duties", field="assignment")
    before = _roles(user)
    RoleAssignment.objects.filter(pk=assignment.pk).delete()
    trail.record(acting_user, "user.role_remove", user, reason=reason,
                 changes={"roles": [before, _roles(user)]})


@transaction.atomic
def user_set_active(*, acting_user, user: User, active: bool, reason: str) -> User:
    """Deactivate (sessions and API tokens stop working at once) or reactivate a user."""
    _require(acting_user, target=str(user.pk))
    if user.pk == acting_user.pk:
        raise RuleViolation(_("Administrators do not deactivate themselves."),
                            rule="separation of duties", field="active")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.is_active
    if before == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    trail.record(acting_user, "user.activate" if active else "user.deactivate", user,
                 reason=reason, changes={"is_active": [before, active]})
    return user


@transaction.atomic
def two_factor_reset(*, acting_user, user: User, reason: str) -> int:
    """Remove the user's TOTP devices: they enrol a new one at their next sign-in."""
    _require(acting_user, target=str(user.pk))
    devices = TOTPDevice.objects.filter(user=user)
    before = sorted(d.persistent_id for d in devices if d.confirmed)
    removed, _detail = devices.delete()
    trail.record(acting_user, "user.two_factor_reset", user, reason=reason,
                 changes={"devices": [before, []]})
    return removed


@transaction.atomic
def sign_in_unlock(*, acting_user, user: User, reason: str) -> int:
    """Lift a lock-out after failed sign-ins before it ends by itself."""
    _require(acting_user, target=str(user.pk))
    cleared = axes_reset(username=user.username)
    trail.record(acting_user, "user.unlock", user, reason=reason,
                 changes={"failed_attempts_cleared": cleared})
    return cleared


@transaction.atomic
def token_revoke(*, token: ApiToken, acting_user=None, via: str = "") -> ApiToken:
    """Revoke an API token. `acting_user` None: an operator at the command line."""
    if acting_user is not None:
        _require(acting_user, target=str(token.user_id))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    trail.record(acting_user, "token.revoke", token, via=via,
                 changes={"revoked_at": [None, token.revoked_at]})
    return token
