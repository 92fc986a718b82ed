"""The network of prisoners and outside people, over REST: figures, ego networks, paths,
changes over time, timelines and a CSV export — for analysts, over their facilities only.

Query parameters: `from` and `to` (ISO days, inclusive, either may be left out), `facility`
(an id, repeatable; default every facility of the user's). Every reading is audited with
its parameters; an export also with the reason given for it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput
from custos.core.exports import csv_response
from custos.custody.models import Facility

from . import network, selectors
from .models import Party

VIEW = "intelligence.view"
WINDOW = [OpenApiParameter("from", str, description="first day (YYYY-MM-DD)"),
          OpenApiParameter("to", str, description="last day (YYYY-MM-DD), inclusive"),
          OpenApiParameter("facility", int, many=True,
                           description="facility ids (default: all of yours)")]
PARTY = OpenApiParameter("party", int, required=True, description="a party id")


def _day(params, name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Give the day as YYYY-MM-DD."), field=name) from None


def window(request, prefix: str = "") -> tuple[date | None, date | None]:
    start, end = _day(request.query_params, f"{prefix}from"), _day(request.query_params,
                                                                   f"{prefix}to")
    if start and end and start > end:
        raise InvalidInput(_("The window ends before it begins."), field=f"{prefix}to")
    return start, end


def facilities(request) -> list[int]:
    """The facilities asked for, which must be the user's; by default all of them."""
    where = policy.facilities_for(request.user, VIEW)
    mine = (set(Facility.objects.values_list("pk", flat=True)) if where is policy.ALL
            else set(where))
    asked = request.query_params.getlist("facility")
    if not asked:
        return sorted(mine)
    try:
        wanted = {int(value) for value in asked}
    except ValueError:
        raise InvalidInput(_("No such facility."), field="facility") from None
    if not wanted <= mine:
        raise InvalidInput(_("No such facility."), field="facility")
    return sorted(wanted)


def party(request, name: str = "party") -> int:
    try:
        pk = int(request.query_params.get(name, ""))
    except ValueError:
        raise InvalidInput(_("Say whose network: a party id."), field=name) from None
    if not Party.objects.filter(pk=pk).exists():
        raise InvalidInput(_("No such party."), field=name)
    return pk


def _read(request, what: str, **params) -> None:
    trail.record(request.user, "intelligence.network_view", None, object_type="network",
                 object_repr=what, changes={k: str(v) for k, v in params.items()})


class NetworkViewSet(viewsets.ViewSet):
    """Link analysis over the communications of the user's facilities."""

    @extend_schema(parameters=WINDOW, responses=dict)
    def list(self, request):
        """Every party's degree, betweenness, centrality and community, with how they were
        computed (exact or estimated betweenness)."""
        start, end = window(request)
        where = facilities(request)
        _read(request, "metrics", start=start, end=end, facilities=where)
        return Response(network.metrics(network.ties(where, start, end)))

    @extend_schema(parameters=[*WINDOW, PARTY, OpenApiParameter("hops", int)],
                   responses=dict)
    @action(detail=False, methods=["get"])
    def ego(self, request):
        hops = request.query_params.get("hops", "1")
        if hops not in ("1", "2"):
            raise InvalidInput(_("An ego network reaches one or two steps."), field="hops")
        start, end = window(request)
        who = party(request)
        where = facilities(request)
        _read(request, "ego", party=who, hops=hops, start=start, end=end, facilities=where)
        return Response(network.ego(who, facility_ids=where, date_from=start, date_to=end,
                                    hops=int(hops)))

    @extend_schema(parameters=[*WINDOW, OpenApiParameter("a", int, required=True),
                               OpenApiParameter("b", int, required=True)], responses=dict)
    @action(detail=False, methods=["get"])
    def path(self, request):
        start, end = window(request)
        one, other = party(request, "a"), party(request, "b")
        where = facilities(request)
        _read(request, "path", a=one, b=other, start=start, end=end, facilities=where)
        found = network.path(one, other, facility_ids=where, date_from=start, date_to=end)
        ids = {p for route in found["paths"] for p in route["parties"]}
        return Response({**found, "described": network.describe_parties(ids)})

    @extend_schema(parameters=[
        OpenApiParameter("before_from", str), OpenApiParameter("before_to", str),
        OpenApiParameter("after_from", str), OpenApiParameter("after_to", str),
        OpenApiParameter("facility", int, many=True)], responses=dict)
    @action(detail=False, methods=["get"])
    def changes(self, request):
        """New ties to flagged people, and sudden rises in brokerage or degree, between two
        windows (default: the 90 days before the last 30, and the last 30)."""
        today = timezone.localdate()
        before = window(request, "before_")
        after = window(request, "after_")
        if before == (None, None):
            before = (today - timedelta(days=120), today - timedelta(days=31))
        if after == (None, None):
            after = (today - timedelta(days=30), today)
        where = facilities(request)
        flagged = selectors.flags_visible_to(user=request.user).filter(
            ended_at__isnull=True).values_list("party_id", flat=True)
        _read(request, "changes", before=before, after=after, facilities=where)
        return Response(network.changes(facility_ids=where, before=before, after=after,
                                        flagged_party_ids=list(flagged)))

    @extend_schema(parameters=[*WINDOW, PARTY, OpenApiParameter("other", int),
                               OpenApiParameter("page", int)], responses=dict)
    @action(detail=False, methods=["get"])
    def timeline(self, request):
        start, end = window(request)
        who = party(request)
        other = party(request, "other") if request.query_params.get("other") else None
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            raise InvalidInput(_("Give a page number."), field="page") from None
        where = facilities(request)
        _read(request, "timeline", party=who, other=other, start=start, end=end)
        return Response(network.timeline(who, facility_ids=where, date_from=start,
                                         date_to=end, other_party_id=other, page=page))

    @extend_schema(parameters=[*WINDOW, PARTY, OpenApiParameter("hops", int),
                               OpenApiParameter("reason", str, required=True),
                               OpenApiParameter("recipients", str)], responses=str)
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The ego network's ties as CSV. Every export records why and for whom."""
        reason = (request.query_params.get("reason") or "").strip()
        if len(reason) < 10:
            raise InvalidInput(_("Say why you export this, in at least 10 characters."),
                               field="reason")
        hops = 2 if request.query_params.get("hops") == "2" else 1
        start, end = window(request)
        who = party(request)
        where = facilities(request)
        found = network.ego(who, facility_ids=where, date_from=start, date_to=end, hops=hops)
        trail.record(request.user, "intelligence.network_export", None, object_type="network",
                     object_repr=f"ego {who}", reason=reason,
                     recipients=request.query_params.get("recipients", ""),
                     changes={"party": who, "hops": hops, "ties": len(found["ties"])})
        people = {p["party"]: p for p in found["parties"]}
        rows = ([people.get(t["a"], {}).get("ref"), people.get(t["a"], {}).get("name"),
                 people.get(t["b"], {}).get("ref"), people.get(t["b"], {}).get("name"),
                 t["first_seen"], t["last_seen"], t["events"]] for t in found["ties"])
        return csv_response(f"network-{who}.csv", ["from_ref", "from_name", "to_ref", "to_name",
                                                   "first_seen", "last_seen", "events"], rows)
