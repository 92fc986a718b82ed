"""How far an oversight reader reaches: the access policy's facility scope, and for an
independent monitor the facilities of his body's mandate, with names only where the mandate
allows individual cases.

The mandate is a scope like the others; it lives here because monitoring bodies are oversight
records (apps depend inward: `access` knows nothing of them).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from custos.access import policy
from custos.access.roles import Role

from .models import MonitoringBody


def body_of(user) -> MonitoringBody | None:
    """The monitoring body the user acts for today, if any (read once per user object)."""
    if "_custos_body" not in user.__dict__:
        today = timezone.localdate()
        user.__dict__["_custos_body"] = MonitoringBody.objects.filter(
            active=True, members__user_id=user.pk, members__started_on__lte=today,
            members__ended_on__isnull=True).prefetch_related("facilities").first()
    return user.__dict__["_custos_body"]


def monitor_only(user, permission: str) -> bool:
    """Whether every grant that gives the user `permission` is a monitor's."""
    roles = {g.role for g in policy.grants(user) if g.role in policy.PERMISSIONS[permission]}
    return roles == {Role.MONITOR}


def mandate_facilities(user) -> frozenset[int]:
    body = body_of(user)
    return frozenset(f.pk for f in body.facilities.all()) if body else frozenset()


def visible(user, permission: str, queryset: QuerySet, *, facility_field: str = "facility",
            prisoner_field: str | None = None) -> QuerySet:
    """`queryset` narrowed by the policy, and for a monitor to his body's mandate."""
    queryset = policy.scope(user, permission, queryset, facility_field=facility_field,
                            prisoner_field=prisoner_field)
    if monitor_only(user, permission):
        queryset = queryset.filter(**{f"{facility_field}__in": sorted(mandate_facilities(user))})
    return queryset


def facilities(user, permission: str = "oversight.view") -> frozenset[int] | None:
    """Facilities the user may read oversight figures for: `policy.ALL` (None) or a set."""
    reach = policy.facilities_for(user, permission)
    if monitor_only(user, permission):
        mandate = mandate_facilities(user)
        return mandate if reach is policy.ALL else frozenset(reach & mandate)
    return reach


def names_visible(user, facility_id: int, permission: str = "oversight.view") -> bool:
    """Whether the user may see who a record is about: staff yes; a monitor only where his
    body's mandate allows individual cases. Otherwise records show a case number, no name."""
    if not policy.can(user, permission, facility_id=facility_id):
        return False
    if not monitor_only(user, permission):
        return True
    body = body_of(user)
    return bool(body and body.individual_cases and facility_id in mandate_facilities(user))


def subject_label(user, prisoner, facility_id: int) -> str:
    """The prisoner as this reader may see him: number and name, or an anonymous label."""
    if names_visible(user, facility_id):
        return str(prisoner)
    return _("Prisoner (case %(number)s)") % {"number": prisoner.pk}
