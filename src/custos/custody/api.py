"""REST adapters over the custody selectors and services: thin, scoped, audited."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.audit import trail

from . import selectors, serializers, services
from .models import CustodyStatus, Prisoner


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


class FacilityViewSet(ReadOnly):
    serializer_class = serializers.FacilitySerializer
    filterset_fields = ["country", "security_level", "population_served"]
    ordering_fields = ["code", "name", "official_capacity"]

    def get_queryset(self):
        return selectors.facility_list_visible_to(user=self.request.user).annotate(
            population=Count("prisoners", filter=Q(prisoners__status=CustodyStatus.IN_CUSTODY))
        ).order_by("code")


class UnitViewSet(ReadOnly):
    serializer_class = serializers.UnitSerializer
    filterset_fields = ["facility", "regime", "security_level"]

    def get_queryset(self):
        return selectors.unit_list_visible_to(user=self.request.user).order_by("id")


class CellFilter(django_filters.FilterSet):
    facility = django_filters.NumberFilter(field_name="unit__facility")

    class Meta:
        from .models import Cell

        model = Cell
        fields = ["unit", "facility", "single_occupancy", "accessible", "landing"]


class CellViewSet(ReadOnly):
    serializer_class = serializers.CellSerializer
    filterset_class = CellFilter

    def get_queryset(self):
        cells = selectors.cell_list_visible_to(user=self.request.user).order_by("id")
        visible = selectors.prisoner_list_visible_to(user=self.request.user)
        return cells.prefetch_related(
            Prefetch("occupants", visible.filter(status=CustodyStatus.IN_CUSTODY)
                     .only("id", "current_cell_id")))


API_SEARCH_LIMIT = 500


class PrisonerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search",
                                  label=gettext_lazy("name or prison number, any script"))
    unit = django_filters.NumberFilter(field_name="current_cell__unit")

    class Meta:
        model = Prisoner
        fields = ["facility", "status", "legal_status", "sex", "terrorism_related",
                  "returned_foreign_fighter", "current_cell", "unit", "prison_number"]

    def search(self, queryset, name, value):
        """The best `API_SEARCH_LIMIT` matches, narrowed further by the other filters."""
        found = selectors.prisoner_search(user=self.request.user, query=value,
                                          include_released=True, limit=API_SEARCH_LIMIT)
        return queryset.filter(pk__in=[p.pk for p in found])


class PrisonerViewSet(ReadOnly):
    filterset_class = PrisonerFilter
    ordering_fields = ["prison_number", "display_name", "admitted_at", "date_of_birth"]

    def get_queryset(self):
        prisoners = selectors.prisoner_list_visible_to(user=self.request.user)
        if self.action == "retrieve":
            return prisoners.select_related("admission").prefetch_related(
                "names", "offences", "family")
        return prisoners.order_by("id")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PrisonerDetailSerializer
        return serializers.PrisonerSerializer

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        trail.record(request.user, "prisoner.view", object_type="custody.prisoner",
                     object_id=str(kwargs["pk"]), object_repr=response.data["prison_number"])
        return response

    @extend_schema(request=serializers.PrisonerAdmitSerializer,
                   responses={201: serializers.PrisonerDetailSerializer})
    def create(self, request):
        data = _valid(serializers.PrisonerAdmitSerializer, request)
        prisoner = services.prisoner_admit(acting_user=request.user, **data)
        prisoner = self.get_queryset().get(pk=prisoner.pk)
        return Response(serializers.PrisonerDetailSerializer(
            prisoner, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.PrisonerUpdateSerializer,
                   responses=serializers.PrisonerSerializer)
    def partial_update(self, request, pk=None):
        prisoner = self.get_object()
        form = serializers.PrisonerUpdateSerializer(data=request.data,
                                                    context={"request": request})
        form.fields["cell"].queryset = selectors.cell_list_visible_to(user=request.user)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version, cell = data.pop("version"), data.pop("cell", None)
        prisoner = services.prisoner_update(acting_user=request.user, prisoner=prisoner,
                                            expected_version=version, changes=data, cell=cell)
        return Response(self.get_serializer(prisoner).data)

    @extend_schema(request=serializers.ReleaseSerializer, responses=serializers.PrisonerSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        prisoner = self.get_object()
        data = _valid(serializers.ReleaseSerializer, request)
        prisoner = services.prisoner_release(
            acting_user=request.user, prisoner=prisoner,
            released_at=data.get("released_at") or timezone.now(), reason=data["reason"],
            expected_version=data.get("version"))
        return Response(self.get_serializer(prisoner).data)


def _valid(serializer_class, request, **context) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PlacementViewSet(ReadOnly):
    serializer_class = serializers.PlacementSerializer
    filterset_fields = {"prisoner": ["exact"], "cell": ["exact"], "ended_at": ["isnull"]}

    def get_queryset(self):
        return selectors.placement_list_visible_to(user=self.request.user).order_by("id")

    @extend_schema(request=serializers.PlacementCreateSerializer,
                   responses={201: serializers.PlacementSerializer})
    def create(self, request):
        form = serializers.PlacementCreateSerializer(data=request.data,
                                                     context={"request": request})
        form.fields["prisoner"].queryset = selectors.prisoner_list_visible_to(user=request.user)
        form.fields["cell"].queryset = selectors.cell_list_visible_to(user=request.user)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        placement = services.placement_create(
            acting_user=request.user, prisoner=data["prisoner"], cell=data["cell"],
            reason=data.get("reason") or _("Placed through the API"),
            expected_version=data.get("version"),
            overcrowding_override=data["overcrowding_override"],
            override_reason=data.get("override_reason", ""))
        return Response(self.get_serializer(placement).data, status=status.HTTP_201_CREATED)


class KeepApartViewSet(ReadOnly):
    serializer_class = serializers.KeepApartSerializer
    filterset_fields = {"prisoner_a": ["exact"], "prisoner_b": ["exact"], "level": ["exact"],
                        "closed_at": ["isnull"]}

    def get_queryset(self):
        return selectors.keep_apart_list_visible_to(user=self.request.user).order_by("id")

    @extend_schema(request=serializers.KeepApartCreateSerializer,
                   responses={201: serializers.KeepApartSerializer})
    def create(self, request):
        form = serializers.KeepApartCreateSerializer(data=request.data)
        visible = selectors.prisoner_list_visible_to(user=request.user)
        form.fields["prisoner_a"].queryset = visible
        form.fields["prisoner_b"].queryset = visible
        form.is_valid(raise_exception=True)
        order = services.keep_apart_create(acting_user=request.user, **form.validated_data)
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.CloseSerializer, responses=serializers.KeepApartSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        order = self.get_object()
        data = _valid(serializers.CloseSerializer, request)
        order = services.keep_apart_close(acting_user=request.user, order=order,
                                          reason=data["reason"],
                                          expected_version=data.get("version"))
        return Response(self.get_serializer(order).data)
