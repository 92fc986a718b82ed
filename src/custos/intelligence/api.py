"""REST adapters over the intelligence selectors and services: thin, scoped, audited.

Every read of a report, a source or a person is audited; a record outside the user's
facilities or compartments answers 404, like one that does not exist.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.access import policy
from custos.audit import trail
from custos.core.api import valid
from custos.core.errors import InvalidInput
from custos.custody.models import Facility

from . import alerts, parties, resolution, selectors, serializers, services
from .models import IntelligenceReport, Party


def _facility(user, pk: int, permission: str) -> Facility:
    where = policy.facilities_for(user, permission)
    facility = Facility.objects.filter(pk=pk).first()
    if facility is None or (where is not policy.ALL and facility.pk not in where):
        raise InvalidInput("No such facility.", field="facility")
    return facility


class ReportFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="text, summary or reference")
    prisoner = django_filters.NumberFilter(field_name="prisoners")
    facility = django_filters.NumberFilter(field_name="facility")
    kind = django_filters.CharFilter(field_name="kind")
    status = django_filters.CharFilter(field_name="status")
    compartment = django_filters.NumberFilter(field_name="compartment")

    class Meta:
        model = IntelligenceReport
        fields = ["prisoner", "facility", "kind", "status", "compartment"]

    def search(self, queryset, name, value):
        return selectors.report_search(user=self.request.user, q=value).filter(
            pk__in=queryset.values("pk"))


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Intelligence reports: graded, maybe restricted to a compartment from their creation."""

    filterset_class = ReportFilter

    def get_queryset(self):
        return selectors.report_list_visible_to(user=self.request.user).distinct()

    def get_serializer_class(self):
        return serializers.ReportSerializer if self.action == "list" else \
            serializers.ReportDetailSerializer

    def _answer(self, report, code=status.HTTP_200_OK):
        return Response(serializers.ReportDetailSerializer(report).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        trail.record(request.user, "intelligence.report_view", report)
        return self._answer(report)

    @extend_schema(request=serializers.ReportCreateSerializer,
                   responses={201: serializers.ReportDetailSerializer})
    def create(self, request):
        data = valid(serializers.ReportCreateSerializer(data=request.data))
        data["facility"] = _facility(request.user, data["facility"], services.ANALYSE)
        report = services.report_create(acting_user=request.user, **data)
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.GradeSerializer,
                   responses=serializers.ReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def grade(self, request, pk=None):
        data = valid(serializers.GradeSerializer(data=request.data))
        version = data.pop("version")
        report = services.report_grade(acting_user=request.user, report=self.get_object(),
                                       version=version, grades=data)
        return self._answer(report)

    @extend_schema(request=serializers.DisseminateSerializer,
                   responses={201: serializers.DisseminationSerializer})
    @action(detail=True, methods=["post"])
    def disseminate(self, request, pk=None):
        data = valid(serializers.DisseminateSerializer(data=request.data))
        made = services.disseminate(acting_user=request.user, report=self.get_object(), **data)
        return Response(serializers.DisseminationSerializer(made).data,
                        status=status.HTTP_201_CREATED)


class ObservationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Wing observations: staff file them and see their own; analysts grade them as reports."""

    serializer_class = serializers.ReportSerializer

    def get_queryset(self):
        return selectors.observations_by(user=self.request.user).order_by("-created_at")

    @extend_schema(request=serializers.ObservationCreateSerializer,
                   responses={201: serializers.ReportSerializer})
    def create(self, request):
        data = valid(serializers.ObservationCreateSerializer(data=request.data))
        data["facility"] = _facility(request.user, data["facility"], services.OBSERVE)
        report = services.observation_create(acting_user=request.user, **data)
        return Response(serializers.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class DisseminationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Sanitised intelligence for directors and for police and prosecutors."""

    serializer_class = serializers.DisseminationSerializer

    def get_queryset(self):
        return selectors.dissemination_list_visible_to(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        made = self.get_object()
        trail.record(request.user, "intelligence.dissemination_view", made)
        return Response(self.get_serializer(made).data)

    @extend_schema(request=serializers.ReplySerializer,
                   responses={201: serializers.ReportSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        data = valid(serializers.ReplySerializer(data=request.data))
        report = services.dissemination_reply(acting_user=request.user,
                                              dissemination=self.get_object(), **data)
        return Response({"reference": report.reference}, status=status.HTTP_201_CREATED)


class SourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Human sources, for the source handler: the identity only on its own, audited call."""

    serializer_class = serializers.SourceSerializer

    def get_queryset(self):
        return selectors.source_list_visible_to(user=self.request.user)

    @extend_schema(request=serializers.SourceCreateSerializer,
                   responses={201: serializers.SourceSerializer})
    def create(self, request):
        data = valid(serializers.SourceCreateSerializer(data=request.data))
        data["facility"] = _facility(request.user, data["facility"], services.SOURCES)
        source = services.source_create(acting_user=request.user, **data)
        return Response(self.get_serializer(source).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ReasonGivenSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def identity(self, request, pk=None):
        """Who the source is. A POST with the reason for looking, which the audit keeps."""
        data = valid(serializers.ReasonGivenSerializer(data=request.data))
        identity = services.source_identity(acting_user=request.user, source=self.get_object(),
                                            reason=data["reason"])
        return Response({"reference": self.get_object().reference, "identity": identity})

    @extend_schema(request=serializers.ReasonGivenSerializer,
                   responses=serializers.SourceSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        data = valid(serializers.ReasonGivenSerializer(data=request.data))
        source = services.source_deactivate(acting_user=request.user, source=self.get_object(),
                                            reason=data["reason"])
        return Response(self.get_serializer(source).data)


class CompartmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The compartments the user belongs to (no other compartment is ever listed)."""

    serializer_class = serializers.CompartmentSerializer

    def get_queryset(self):
        return selectors.compartments_of(user=self.request.user)

    @extend_schema(request=serializers.CompartmentSerializer,
                   responses={201: serializers.CompartmentSerializer})
    def create(self, request):
        data = valid(serializers.CompartmentSerializer(data=request.data))
        made = services.compartment_create(acting_user=request.user, **data)
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MemberSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        data = valid(serializers.MemberSerializer(data=request.data))
        services.compartment_member_add(acting_user=request.user,
                                        compartment=selectors.compartment_get(
                                            user=request.user, pk=pk), user=data["user"])
        return Response(status=status.HTTP_201_CREATED)


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People who are not prisoners: visitors, family, former prisoners, associates."""

    serializer_class = serializers.PersonSerializer

    def get_queryset(self):
        people = selectors.people_visible_to(user=self.request.user).prefetch_related(
            "identifiers").order_by("name", "pk")
        name = self.request.query_params.get("name")
        return people.filter(name__icontains=name) if name else people

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        trail.record(request.user, "intelligence.person_view", person)
        return Response(self.get_serializer(person).data)

    @extend_schema(request=serializers.PersonCreateSerializer,
                   responses={201: serializers.PersonSerializer})
    def create(self, request):
        data = valid(serializers.PersonCreateSerializer(data=request.data))
        person = services.person_create(acting_user=request.user, **data)
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.FlagCreateSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def flag(self, request, pk=None):
        data = valid(serializers.FlagCreateSerializer(data=request.data))
        party = Party.objects.get_or_create(person=self.get_object())[0]
        services.flag_create(acting_user=request.user, party=party, **data)
        return Response(status=status.HTTP_201_CREATED)


class CommunicationFilter(django_filters.FilterSet):
    party = django_filters.NumberFilter(method="either_party", label="either party")
    facility = django_filters.NumberFilter(field_name="facility")
    kind = django_filters.CharFilter(field_name="kind")
    occurred_from = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_to = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")

    def either_party(self, queryset, name, value):
        return queryset.filter(from_party=value) | queryset.filter(to_party=value)


class CommunicationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Calls, letters, visits, video calls and money transfers, newest first."""

    serializer_class = serializers.CommunicationSerializer
    filterset_class = CommunicationFilter

    def get_queryset(self):
        return selectors.communications_visible_to(user=self.request.user).order_by(
            "-occurred_at", "-id")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        trail.record(request.user, "intelligence.communications_view", None,
                     object_type="communications", changes=dict(request.query_params.items()))
        return response


class AlertRuleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.AlertRuleSerializer

    def get_queryset(self):
        return selectors.alert_rules_visible_to(user=self.request.user).order_by("name", "pk")

    @extend_schema(request=serializers.AlertRuleSerializer,
                   responses={201: serializers.AlertRuleSerializer})
    def create(self, request):
        data = valid(serializers.AlertRuleSerializer(data=request.data))
        facility = data.pop("facility_id", None)
        data["compartment"] = data.pop("compartment_id", None)
        data["facility"] = (_facility(request.user, facility, services.ANALYSE)
                            if facility else None)
        rule = services.alert_rule_create(acting_user=request.user, **data)
        alerts.raise_alerts(rules=[rule], actor=request.user)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.AlertRuleSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        rule = services.alert_rule_deactivate(
            acting_user=request.user, rule=selectors.alert_rule_get(user=request.user, pk=pk))
        return Response(self.get_serializer(rule).data)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts with their evidence: the events and why they match the rule."""

    serializer_class = serializers.AlertSerializer

    def get_queryset(self):
        found = selectors.alerts_visible_to(user=self.request.user)
        if self.request.query_params.get("open") == "true":
            found = found.filter(closed_at__isnull=True)
        return found

    def get_serializer_context(self):
        context = super().get_serializer_context()
        page = getattr(self, "_page", None) or []
        context["names"] = parties.labels(
            [p for a in page for p in (a.subject_id, a.other_id)])
        return context

    def list(self, request, *args, **kwargs):
        self._page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self.get_serializer(self._page, many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        alert = self.get_object()
        self._page = [alert]
        trail.record(request.user, "intelligence.alert_view", alert)
        return Response(self.get_serializer(alert).data)

    @extend_schema(request=serializers.ReasonGivenSerializer, responses=serializers.AlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = valid(serializers.ReasonGivenSerializer(data=request.data))
        alert = services.alert_close(acting_user=request.user, alert=self.get_object(),
                                     reason=data["reason"])
        self._page = [alert]
        return Response(self.get_serializer(alert).data)


class MergeProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Outside-person records that may be one person: score, reasons, and the decision."""

    serializer_class = serializers.MergeProposalSerializer

    def get_queryset(self):
        found = selectors.merge_proposals_visible_to(user=self.request.user)
        status_wanted = self.request.query_params.get("status")
        return found.filter(status=status_wanted) if status_wanted else found

    @extend_schema(request=None, responses={201: dict})
    def create(self, request):
        """Look for new pairs now (a nightly run does the same)."""
        made = resolution.propose(acting_user=request.user)
        return Response({"proposed": len(made)}, status=status.HTTP_201_CREATED)

    def _decide(self, request, pk, decision):
        data = valid(serializers.ReasonGivenSerializer(data=request.data))
        proposal = decision(acting_user=request.user, proposal=self.get_object(),
                            reason=data["reason"])
        return Response(self.get_serializer(proposal).data)

    @extend_schema(request=serializers.ReasonGivenSerializer,
                   responses=serializers.MergeProposalSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._decide(request, pk, resolution.accept)

    @extend_schema(request=serializers.ReasonGivenSerializer,
                   responses=serializers.MergeProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, resolution.reject)

    @extend_schema(request=serializers.ReasonGivenSerializer,
                   responses=serializers.MergeProposalSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        return self._decide(request, pk, resolution.undo)
