"""Keep-apart (non-association) orders."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.concurrency import save_versioned
from custos.core.errors import InvalidInput, check_choice

from ..models import (
    KeepApart,
    KeepApartLevel,
    KeepApartReason,
    Prisoner,
)
from .placements import active_keep_aparts

# --- keep-apart orders ---------------------------------------------------------------------


@transaction.atomic
def keep_apart_create(*, acting_user, prisoner_a: Prisoner, prisoner_b: Prisoner, reason: str,
                      level: str = KeepApartLevel.UNIT, details: str = "",
                      expires_on: date | None = None) -> KeepApart:
    """Record that two prisoners must not share a cell, a landing or a unit."""
    for prisoner in (prisoner_a, prisoner_b):
        policy.require(acting_user, "custody.keep_apart", facility_id=prisoner.facility_id,
                       prisoner_id=prisoner.pk, target=str(prisoner.pk))
    if prisoner_a.pk == prisoner_b.pk:
        raise InvalidInput(_("A keep-apart order needs two different prisoners."),
                           field="prisoner_b")
    check_choice(reason, KeepApartReason, "reason")
    check_choice(level, KeepApartLevel, "level")
    if expires_on and expires_on < timezone.localdate():
        raise InvalidInput(_("The expiry date is in the past."), field="expires_on")
    today = timezone.localdate()
    if active_keep_aparts(prisoner_a, today).filter(
            Q(prisoner_a=prisoner_b) | Q(prisoner_b=prisoner_b)).exists():
        raise InvalidInput(_("These two prisoners already have a keep-apart order in force; "
                             "close it before recording a new one."), field="prisoner_b")
    order = KeepApart(prisoner_a=prisoner_a, prisoner_b=prisoner_b, reason=reason, level=level,
                      details=details.strip(), expires_on=expires_on)
    order.stamp(acting_user)
    order.full_clean()
    order.save()
    trail.record(acting_user, "keep_apart.create", order,
                 changes={"level": level, "reason": reason, "expires_on": expires_on})
    return order


def keep_apart_breaches(order: KeepApart) -> bool:
    """Whether the two prisoners now share what the order forbids (so one must move)."""
    a = Prisoner.objects.select_related("current_cell").get(pk=order.prisoner_a_id)
    b = Prisoner.objects.select_related("current_cell").get(pk=order.prisoner_b_id)
    if not (a.current_cell_id and b.current_cell_id):
        return False
    same = {
        KeepApartLevel.CELL: a.current_cell_id == b.current_cell_id,
        KeepApartLevel.LANDING: a.current_cell.unit_id == b.current_cell.unit_id
        and a.current_cell.landing == b.current_cell.landing,
        KeepApartLevel.UNIT: a.current_cell.unit_id == b.current_cell.unit_id,
    }
    return same[order.level]


@transaction.atomic
def keep_apart_close(*, acting_user, order: KeepApart, reason: str,
                     expected_version: int | None) -> KeepApart:
    policy.require(acting_user, "custody.keep_apart", facility_id=order.prisoner_a.facility_id,
                   target=str(order.pk))
    if order.closed_at:
        raise InvalidInput(_("This keep-apart order is already closed."), field="order")
    if not reason.strip():
        raise InvalidInput(_("A keep-apart order is closed only with a recorded reason."),
                           field="reason")
    order.closed_at = timezone.now()
    order.closed_by = acting_user
    order.close_reason = reason.strip()
    save_versioned(order, acting_user=acting_user, expected_version=expected_version,
                   fields=["closed_at", "closed_by", "close_reason"])
    trail.record(acting_user, "keep_apart.close", order, reason=order.close_reason)
    return order
