"""The oversight figures over REST: GET /api/v1/oversight/dashboard/ with `facility`, `start`
and `end`, as on the page. A facility outside the reader's reach answers 403 (audited), one
that does not exist 404."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from . import dashboard
from .dashboard_serializers import DashboardFiguresSerializer, FiguresQuery


class _OneObject(AutoSchema):
    """`list` answers one object of figures, not a list of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class DashboardViewSet(viewsets.ViewSet):
    """Oversight figures for one facility or all of the reader's, by month."""

    schema = _OneObject()

    @extend_schema(parameters=[
        OpenApiParameter("facility", int, description="a facility id (default: all of yours)"),
        OpenApiParameter("start", str, description="first day, YYYY-MM-DD"),
        OpenApiParameter("end", str, description="last day, YYYY-MM-DD (default: today)")],
        responses=DashboardFiguresSerializer)
    def list(self, request):
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        figures = dashboard.figures(
            user=request.user, facility_id=data.get("facility"),
            period=dashboard.Period.of(data.get("start"), data.get("end")))
        return Response(DashboardFiguresSerializer(figures).data)


def register(router) -> None:
    router.register("oversight/dashboard", DashboardViewSet, basename="oversight-dashboard")
