"""Reads for user management: the administrator alone."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.models import TOTPDevice

from custos.access import policy
from custos.access.models import RoleAssignment
from custos.custody.models import Facility

from .models import User

PERMISSION = "accounts.manage"


def _assignments():
    return RoleAssignment.objects.select_related("facility").order_by("role", "facility__code")


def user_list(*, user):
    policy.require(user, PERMISSION)
    return User.objects.order_by("username").prefetch_related(
        Prefetch("role_assignments", queryset=_assignments()))


def user_get(*, user, pk: int) -> User:
    policy.require(user, PERMISSION, target=str(pk))
    return get_object_or_404(User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=_assignments())), pk=pk)


def users_with_two_factor(*, user) -> set[int]:
    policy.require(user, PERMISSION)
    return set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))


def facilities_for_assignment(*, user):
    """Every facility: roles are assigned anywhere, though the administrator sees no file."""
    policy.require(user, PERMISSION)
    return Facility.objects.order_by("code")
