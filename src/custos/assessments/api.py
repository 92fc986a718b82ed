"""REST adapters over the assessment selectors and workflow: thin, scoped, audited."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.audit import trail
from custos.custody.selectors import prisoner_list_visible_to

from . import selectors, serializers, workflow
from .models import Assessment


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


class InstrumentViewSet(ReadOnly):
    serializer_class = serializers.InstrumentSerializer
    filterset_fields = ["code", "kind"]

    def get_queryset(self):
        return selectors.instrument_list_visible_to(user=self.request.user).order_by("code",
                                                                                     "loaded_at")


class AssessmentFilter(django_filters.FilterSet):
    # Plain numbers, not choices: an unknown and an out-of-scope prisoner look the same.
    prisoner = django_filters.NumberFilter(field_name="prisoner")
    instrument = django_filters.CharFilter(method="by_instrument",
                                           label="instrument id or code")
    status = django_filters.CharFilter(field_name="status",
                                       label="draft, submitted, locked or superseded")

    class Meta:
        model = Assessment
        fields = ["prisoner", "instrument", "status"]

    def by_instrument(self, queryset, name, value):
        if value.isdigit():
            return queryset.filter(instrument_id=int(value))
        return queryset.filter(instrument__code=value)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class AssessmentViewSet(ReadOnly):
    filterset_class = AssessmentFilter
    ordering_fields = ["created_at", "submitted_at", "locked_at"]

    def get_queryset(self):
        return (selectors.assessment_list_visible_to(user=self.request.user)
                .select_related("instrument", "prisoner").order_by("-created_at", "-id"))

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.AssessmentSerializer
        return serializers.AssessmentDetailSerializer

    def _answer(self, assessment, code=status.HTTP_200_OK):
        return Response(serializers.AssessmentDetailSerializer(assessment).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        assessment = self.get_object()
        trail.record(request.user, "assessment.view", assessment)
        return self._answer(assessment)

    @extend_schema(request=serializers.AssessmentCreateSerializer,
                   responses={201: serializers.AssessmentDetailSerializer})
    def create(self, request):
        form = serializers.AssessmentCreateSerializer(data=request.data)
        form.fields["prisoner"].queryset = prisoner_list_visible_to(user=request.user)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        assessment = workflow.assessment_start(
            acting_user=request.user, prisoner=data["prisoner"], instrument=data["instrument"],
            occasion=data["occasion"])
        return self._answer(assessment, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.AssessmentSaveSerializer,
                   responses=serializers.AssessmentDetailSerializer)
    def partial_update(self, request, pk=None):
        assessment = self.get_object()
        data = _valid(serializers.AssessmentSaveSerializer, request)
        ratings = data.get("ratings", assessment.ratings)
        assessment = workflow.assessment_save(
            acting_user=request.user, assessment=assessment, expected_version=data["version"],
            ratings={code: dict(r) for code, r in ratings.items()},
            judgement=data.get("judgement", assessment.judgement),
            reasons=data.get("reasons", assessment.reasons))
        return self._answer(assessment)

    @extend_schema(request=serializers.VersionSerializer,
                   responses=serializers.AssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assessment = self.get_object()
        data = _valid(serializers.VersionSerializer, request)
        assessment = workflow.assessment_submit(acting_user=request.user, assessment=assessment,
                                                expected_version=data["version"])
        return self._answer(assessment)

    @extend_schema(request=serializers.VersionSerializer,
                   responses=serializers.AssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def countersign(self, request, pk=None):
        assessment = self.get_object()
        data = _valid(serializers.VersionSerializer, request)
        assessment = workflow.assessment_countersign(
            acting_user=request.user, assessment=assessment, expected_version=data["version"])
        return self._answer(assessment)

    @extend_schema(request=serializers.ReasonSerializer,
                   responses={201: serializers.AssessmentDetailSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        assessment = self.get_object()
        data = _valid(serializers.ReasonSerializer, request)
        correction = workflow.assessment_correct(acting_user=request.user,
                                                 assessment=assessment, reason=data["reason"])
        return self._answer(correction, status.HTTP_201_CREATED)


class ReliabilityViewSet(viewsets.ViewSet):
    """Inter-rater agreement (quadratic weighted kappa) of double-rated prisoners."""

    @extend_schema(parameters=[OpenApiParameter(
        "instrument", str, description="Instrument code; every instrument when absent")],
        responses=serializers.ReliabilitySerializer)
    def list(self, request):
        code = request.query_params.get("instrument")
        codes = [code] if code else selectors.reliability_codes(user=request.user)
        return Response({"results": [selectors.reliability_report(user=request.user, code=c)
                                     for c in codes]})
