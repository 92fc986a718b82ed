"""REST adapters over the housing selectors and services: thin, scoped, audited."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.access import policy
from custos.audit import trail
from custos.custody.models import Facility

from . import selectors, serializers, services
from .models import HousingPlan


class PlanFilter(django_filters.FilterSet):
    facility = django_filters.NumberFilter(field_name="facility")
    status = django_filters.CharFilter(field_name="status", label="status")

    class Meta:
        model = HousingPlan
        fields = ["facility", "status"]


def _valid(serializer, request) -> dict:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class HousingPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Plans of who lives where: ask for one, follow it, read it, decide on it."""

    filterset_class = PlanFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.plan_list_visible_to(user=self.request.user).order_by("-created_at",
                                                                               "-id")

    def get_serializer_class(self):
        return serializers.PlanSerializer if self.action == "list" else \
            serializers.PlanDetailSerializer

    def _answer(self, plan, code=status.HTTP_200_OK):
        return Response(serializers.PlanDetailSerializer(plan).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        plan = self.get_object()
        trail.record(request.user, "housing_plan.view", plan)
        return self._answer(plan)

    @extend_schema(request=serializers.PlanCreateSerializer,
                   responses={201: serializers.PlanDetailSerializer})
    def create(self, request):
        form = serializers.PlanCreateSerializer(data=request.data)
        where = policy.facilities_for(request.user, "housing.plan")
        form.fields["facility"].queryset = (Facility.objects.all() if where is policy.ALL
                                            else Facility.objects.filter(pk__in=where))
        plan = services.plan_create(acting_user=request.user, **_valid(form, request))
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        return Response(serializers.ProgressSerializer(self.get_object()).data)

    @extend_schema(responses=serializers.AssignmentPageSerializer, parameters=[
        OpenApiParameter("unit", int, description="Only the prisoners planned for this unit"),
        OpenApiParameter("moved", bool, description="Only those the plan moves (true) or "
                                                    "leaves where they are (false)"),
        OpenApiParameter("page", int), OpenApiParameter("page_size", int)])
    @action(detail=True, methods=["get"], filter_backends=[])
    def assignments(self, request, pk=None):
        plan = self.get_object()
        rows = plan.result.get("assignments", [])
        unit, moved = request.query_params.get("unit"), request.query_params.get("moved")
        if unit:
            rows = [r for r in rows if str(r["unit"]) == unit]
        if moved in ("true", "false"):
            rows = [r for r in rows if r["moved"] == (moved == "true")]
        page = self.paginate_queryset(rows)
        trail.record(request.user, "housing_plan.view_assignments", plan,
                     changes={"count": len(page)})
        return self.get_paginated_response(serializers.AssignmentSerializer(page, many=True).data)

    @extend_schema(request=None, responses=serializers.PlanDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        plan = services.plan_cancel(acting_user=request.user, plan=self.get_object())
        return self._answer(plan)

    @extend_schema(request=serializers.DecisionSerializer,
                   responses=serializers.PlanDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = _valid(serializers.DecisionSerializer(data=request.data), request)
        plan = services.plan_approve(acting_user=request.user, plan=self.get_object(),
                                     reason=data["reason"])
        return self._answer(plan)

    @extend_schema(request=serializers.DecisionSerializer,
                   responses=serializers.PlanDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = _valid(serializers.DecisionSerializer(data=request.data), request)
        plan = services.plan_reject(acting_user=request.user, plan=self.get_object(),
                                    reason=data["reason"])
        return self._answer(plan)
