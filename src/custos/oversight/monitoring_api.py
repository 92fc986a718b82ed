"""REST endpoints of independent monitoring, under /api/v1/oversight/: bodies (the
administrator), visits with their findings, and recommendations with the government's
response and their history. Thin adapters over `monitoring` and `monitoring_selectors`."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.accounts.models import User
from custos.core.api import valid
from custos.core.errors import InvalidInput
from custos.custody.models import Facility

from . import monitoring
from . import monitoring_selectors as selectors
from . import monitoring_serializers as serializers


class BodyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitoring bodies and their mandates, and who acts for them: the administrator."""

    serializer_class = serializers.BodySerializer
    lookup_url_kwarg = "body"

    def get_queryset(self):
        return selectors.body_list(user=self.request.user)

    def _answer(self, body, code=status.HTTP_200_OK):
        body = selectors.body_get(user=self.request.user, pk=body.pk)
        return Response(serializers.BodySerializer(body).data, status=code)

    @extend_schema(request=serializers.BodyWriteSerializer,
                   responses={201: serializers.BodySerializer})
    def create(self, request):
        data = valid(serializers.BodyWriteSerializer(data=request.data))
        body = monitoring.body_create(acting_user=request.user, **data)
        return self._answer(body, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.BodyUpdateSerializer,
                   responses=serializers.BodySerializer)
    def partial_update(self, request, **kwargs):
        body = self.get_object()
        given = valid(serializers.BodyUpdateSerializer(data=request.data, partial=True))
        if "version" not in given:
            raise InvalidInput(_("Give the version you read."), field="version")
        data = {"name": body.name, "kind": body.kind, "mandate": body.mandate,
                "legal_basis": body.legal_basis,
                "facilities": [f.pk for f in body.facilities.all()],
                "individual_cases": body.individual_cases,
                "unannounced_visits": body.unannounced_visits, "active": body.active, **given}
        return self._answer(monitoring.body_update(acting_user=request.user, body=body, **data))

    @extend_schema(request=serializers.MemberAddSerializer,
                   responses={201: serializers.MembershipSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, **kwargs):
        body = self.get_object()
        data = valid(serializers.MemberAddSerializer(data=request.data))
        user = User.objects.filter(pk=data.pop("user")).first()
        if user is None:
            raise InvalidInput(_("No such user."), field="user")
        made = monitoring.membership_add(acting_user=request.user, body=body, user=user, **data)
        return Response(serializers.MembershipSerializer(made).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MemberEndSerializer,
                   responses=serializers.MembershipSerializer)
    @action(detail=True, methods=["post"], url_path="end-membership",
            url_name="end-membership")
    def end_membership(self, request, **kwargs):
        body = self.get_object()
        data = valid(serializers.MemberEndSerializer(data=request.data))
        membership = body.members.filter(pk=data.pop("membership")).first()
        if membership is None:
            raise InvalidInput(_("No such membership of this body."), field="membership")
        ended = monitoring.membership_end(acting_user=request.user, membership=membership,
                                          **data)
        return Response(serializers.MembershipSerializer(ended).data)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits: a monitor's own body's; for the prison side their dates and status."""

    serializer_class = serializers.VisitSerializer
    lookup_url_kwarg = "visit"
    filterset_fields = ["status", "facility", "body"]

    def get_queryset(self):
        return selectors.visit_list_visible_to(user=self.request.user)

    def _answer(self, visit, code=status.HTTP_200_OK):
        visit = selectors.visit_get(user=self.request.user, pk=visit.pk)
        own = selectors.may_read_notes(self.request.user, visit)
        return Response(serializers.VisitDetailSerializer(visit, context={"own": own}).data,
                        status=code)

    @extend_schema(responses=serializers.VisitDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(request=serializers.VisitCreateSerializer,
                   responses={201: serializers.VisitDetailSerializer})
    def create(self, request):
        data = valid(serializers.VisitCreateSerializer(data=request.data))
        data["facility"] = Facility.objects.filter(pk=data["facility"]).first()
        visit = monitoring.visit_plan(acting_user=request.user, **data)
        return self._answer(visit, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.VisitRecordSerializer,
                   responses=serializers.VisitDetailSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, **kwargs):
        data = valid(serializers.VisitRecordSerializer(data=request.data))
        return self._answer(monitoring.visit_record(acting_user=request.user,
                                                    visit=self.get_object(), **data))

    @extend_schema(request=serializers.VisitCancelSerializer,
                   responses=serializers.VisitDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, **kwargs):
        data = valid(serializers.VisitCancelSerializer(data=request.data))
        return self._answer(monitoring.visit_cancel(acting_user=request.user,
                                                    visit=self.get_object(), **data))

    @extend_schema(request=serializers.FindingCreateSerializer,
                   responses={201: serializers.FindingSerializer})
    @action(detail=True, methods=["post"])
    def findings(self, request, **kwargs):
        data = valid(serializers.FindingCreateSerializer(data=request.data))
        finding = monitoring.finding_add(acting_user=request.user, visit=self.get_object(),
                                         **data)
        return Response(serializers.FindingSerializer(finding).data,
                        status=status.HTTP_201_CREATED)


class RecommendationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    """Recommendations, overdue ones first; the detail carries the whole history."""

    serializer_class = serializers.RecommendationSerializer
    lookup_url_kwarg = "recommendation"
    filterset_fields = ["status", "facility", "body"]

    def get_queryset(self):
        return selectors.recommendation_list_visible_to(user=self.request.user)

    def _answer(self, made, code=status.HTTP_200_OK):
        made = selectors.recommendation_get(user=self.request.user, pk=made.pk)
        return Response(serializers.RecommendationDetailSerializer(made).data, status=code)

    @extend_schema(responses=serializers.RecommendationDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(request=serializers.RecommendationCreateSerializer,
                   responses={201: serializers.RecommendationDetailSerializer})
    def create(self, request):
        data = valid(serializers.RecommendationCreateSerializer(data=request.data))
        try:
            data["finding"] = selectors.finding_get(user=request.user, pk=data["finding"])
        except Http404:
            raise InvalidInput(_("No such finding."), field="finding") from None
        made = monitoring.recommendation_add(acting_user=request.user, **data)
        return self._answer(made, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.RespondSerializer,
                   responses=serializers.RecommendationDetailSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, **kwargs):
        data = valid(serializers.RespondSerializer(data=request.data))
        return self._answer(monitoring.recommendation_respond(
            acting_user=request.user, recommendation=self.get_object(), **data))

    @extend_schema(request=serializers.RecommendationUpdateSerializer,
                   responses=serializers.RecommendationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_step(self, request, **kwargs):
        data = valid(serializers.RecommendationUpdateSerializer(data=request.data))
        return self._answer(monitoring.recommendation_update(
            acting_user=request.user, recommendation=self.get_object(), **data))


def register(router) -> None:
    router.register("oversight/bodies", BodyViewSet, basename="oversight-body")
    router.register("oversight/visits", VisitViewSet, basename="oversight-visit")
    router.register("oversight/recommendations", RecommendationViewSet,
                    basename="oversight-recommendation")
