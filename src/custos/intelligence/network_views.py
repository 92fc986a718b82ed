"""The network page: an analyst draws the ego network of a prisoner or an outside person.

The page is a shell: it checks the filters, resolves whose network to draw (a party id, or a
prison number or a name searched through the user's own scope), records the read, and hands
the page's script the addresses of the network API (`network_api`), which it calls with the
session for the graph, the timelines and the CSV export.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from custos.access import policy
from custos.audit import trail
from custos.custody.models import Facility
from custos.custody.selectors import prisoner_search

from . import network, selectors
from .models import CommunicationKind, Party, PersonKind

VIEW = selectors.VIEW
FOUND_LIMIT = 20


def _facilities(user):
    where = policy.facilities_for(user, VIEW)
    found = Facility.objects.order_by("code")
    return found if where is policy.ALL else found.filter(pk__in=sorted(where))


def _day(value: str, errors: list[str], problem: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(problem)
        return None


def _filters(params, facilities) -> tuple[dict, list[str]]:
    """The window, facilities and reach asked for, checked; and what was wrong with them."""
    errors: list[str] = []
    start = _day(params.get("from", ""), errors, _("Give the first day as YYYY-MM-DD."))
    end = _day(params.get("to", ""), errors, _("Give the last day as YYYY-MM-DD."))
    if start and end and start > end:
        errors.append(_("The window ends before it begins."))
    mine = {f.pk for f in facilities}
    chosen: list[int] = []
    for value in params.getlist("facility"):
        try:
            pk = int(value)
        except ValueError:
            pk = None
        if pk not in mine:
            errors.append(_("No such facility."))
            chosen = []
            break
        chosen.append(pk)
    hops = params.get("hops") or "1"
    if hops not in ("1", "2"):
        errors.append(_("An ego network reaches one or two steps."))
        hops = "1"
    return {"from": start.isoformat() if start else "", "to": end.isoformat() if end else "",
            "facility": sorted(set(chosen)), "hops": int(hops)}, errors


def _prisoner_party(user, number: str) -> int | None:
    """The party of the prisoner with this prison number, if the user may see him."""
    for prisoner in prisoner_search(user=user, query=number, include_released=True):
        if prisoner.prison_number.upper() == number.upper():
            return Party.objects.filter(prisoner=prisoner).values_list("pk", flat=True).first()
    return None


def _centre(user, value: str) -> tuple[int | None, str]:
    """A party id, or a prison number resolved within the user's scope."""
    value = value.strip()
    if not value:
        return None, ""
    if value.isdigit() and Party.objects.filter(pk=int(value)).exists():
        return int(value), ""
    found = _prisoner_party(user, value)
    if found is None:
        return None, _("Nobody with this party id or prison number in your facilities.")
    return found, ""


def _search(user, query: str) -> list[dict]:
    """Prisoners (within the user's scope) and outside people matching a name or number,
    those who have a place in the network."""
    query = query.strip()
    if not query:
        return []
    prisoners = prisoner_search(user=user, query=query, include_released=True,
                                limit=FOUND_LIMIT)
    parties = dict(Party.objects.filter(prisoner__in=prisoners).values_list("prisoner_id", "pk"))
    found = [{"party": parties[p.pk], "ref": p.prison_number, "name": p.display_name,
              "is_prisoner": True} for p in prisoners if p.pk in parties]
    people = (selectors.people_visible_to(user=user)
              .filter(Q(name__icontains=query) | Q(identifiers__value__icontains=query),
                      merged_into__isnull=True, party__isnull=False)
              .distinct().order_by("name", "pk").values_list("party__pk", "name")[:FOUND_LIMIT])
    described = network.describe_parties([pk for pk, _name in people])
    found += [{"party": pk, "ref": described.get(pk, {}).get("ref", ""), "name": name,
               "is_prisoner": False} for pk, name in people]
    return found


def _centre_described(party_id: int | None) -> dict | None:
    if party_id is None:
        return None
    return network.describe_parties([party_id]).get(party_id)


@require_GET
def network_page(request):
    user = request.user
    facilities = list(_facilities(user))
    filters, errors = _filters(request.GET, facilities)
    centre, problem = _centre(user, request.GET.get("party", ""))
    if problem:
        errors.append(problem)
    query = request.GET.get("q", "").strip()
    found = _search(user, query) if query else []
    trail.record(user, "intelligence.network_view", None, object_type="network",
                 object_repr="page", changes={
                     "party": str(centre or ""), "q": query, "from": filters["from"],
                     "to": filters["to"], "hops": str(filters["hops"]),
                     "facilities": ",".join(str(f) for f in filters["facility"])})
    config = {
        "centre": centre if not errors else None,
        "filters": filters,
        "api": {
            "ego": reverse("intelligence-network-ego"),
            "timeline": reverse("intelligence-network-timeline"),
            "figures": reverse("intelligence-network-list"),
        },
        "page": reverse("intelligence:network"),
        "kinds": {**dict(PersonKind.choices), "prisoner": _("Prisoner")},
        "events": dict(CommunicationKind.choices),
        "facilities": {str(f.pk): f.code for f in facilities},
    }
    return render(request, "intelligence/network.html", {
        "facilities": facilities, "filters": filters, "centre": centre,
        "described": _centre_described(centre), "errors": errors,
        "query": query, "found": found, "config": config,
        "export_url": reverse("intelligence-network-export"),
    }, status=400 if errors else 200)
