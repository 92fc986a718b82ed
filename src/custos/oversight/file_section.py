"""The oversight section of the prisoner's file: his restrictive measures, disciplinary
charges and open flags, for those who may see them by name (`custody.file_sections`)."""

from __future__ import annotations

from django.db.models import F

from custos.access import policy

from . import discipline_selectors, measure_selectors, scoping

SHOWN = 10


def file_section(request, prisoner) -> dict | None:
    user = request.user
    where = prisoner.facility_id
    if not policy.can(user, "oversight.view", facility_id=where) or (
            where is not None and not scoping.names_visible(user, where)):
        return None
    measures = (measure_selectors.measures_visible_to(user=user).filter(prisoner=prisoner)
                .order_by(F("ended_at").desc(nulls_first=True), "-started_at"))
    charges = (discipline_selectors.charge_list_visible_to(user=user)
               .filter(prisoner=prisoner).order_by("-incident_at"))
    return {
        "measures": [(m, measure_selectors.days_so_far(m)) for m in measures[:SHOWN]],
        "charges": charges[:SHOWN],
        "open_flags": measure_selectors.flags_visible_to(user=user).filter(
            prisoner=prisoner, resolved_at__isnull=True).count(),
        "prisoner": prisoner,
    }
