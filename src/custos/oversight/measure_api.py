"""REST endpoints of restrictive measures, their days and flags (/api/v1/oversight/…).

Thin adapters over `measures` and `measure_selectors`; a measure or flag outside the reader's
reach answers 404, refusals of the Mandela Rules 422 with the rule named.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.access import policy
from custos.audit import trail
from custos.core.api import valid
from custos.core.errors import InvalidInput
from custos.custody.models import Prisoner

from . import flags, measures
from . import measure_selectors as selectors
from . import measure_serializers as serializers


def _number(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("Give a number."), field=field) from None


def _yes(value) -> bool | None:
    return {"true": True, "1": True, "yes": True, "false": False, "0": False,
            "no": False}.get(str(value).lower()) if value not in (None, "") else None


def _prisoner(user, pk: int) -> Prisoner:
    found = policy.scope(user, measures.MEASURES, Prisoner.objects.filter(pk=pk),
                         prisoner_field="pk").first()
    if found is None:
        raise InvalidInput(_("No prisoner known to you has this id."), field="prisoner")
    return found


MEASURE_FILTERS = [
    OpenApiParameter("facility", OpenApiTypes.INT), OpenApiParameter("kind", OpenApiTypes.STR),
    OpenApiParameter("prisoner", OpenApiTypes.INT),
    OpenApiParameter("in_force", OpenApiTypes.BOOL),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="review overdue")]
FLAG_FILTERS = [
    OpenApiParameter("facility", OpenApiTypes.INT),
    OpenApiParameter("state", OpenApiTypes.STR, enum=["open", "resolved", ""]),
    OpenApiParameter("code", OpenApiTypes.STR)]


class MeasureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The register of restrictive measures; authorise, review, end, and the recorded days."""

    serializer_class = serializers.MeasureSerializer
    lookup_url_kwarg = "measure"

    def get_queryset(self):
        if self.action != "list":
            return selectors.measure_register(user=self.request.user)
        query = self.request.query_params
        return selectors.measure_register(
            user=self.request.user, facility=_number(query.get("facility"), "facility"),
            kind=query.get("kind", ""), prisoner=_number(query.get("prisoner"), "prisoner"),
            in_force=_yes(query.get("in_force")), overdue=bool(_yes(query.get("overdue"))))

    def _measure(self):
        return selectors.measure_get(user=self.request.user, pk=self.kwargs["measure"])

    def _answer(self, measure, code=status.HTTP_200_OK):
        measure = selectors.measure_get(user=self.request.user, pk=measure.pk)
        return Response(self.get_serializer(measure).data, status=code)

    @extend_schema(parameters=MEASURE_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        measure = self._measure()
        trail.record(request.user, "oversight.measure_read", measure)
        return Response(self.get_serializer(measure).data)

    @extend_schema(request=serializers.MeasureCreateSerializer,
                   responses={201: serializers.MeasureSerializer})
    def create(self, request):
        data = valid(serializers.MeasureCreateSerializer(data=request.data))
        data["prisoner"] = _prisoner(request.user, data["prisoner"])
        measure = measures.measure_impose(acting_user=request.user, **data)
        return self._answer(measure, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MeasureVersionSerializer,
                   responses=serializers.MeasureSerializer)
    @action(detail=True, methods=["post"])
    def authorise(self, request, measure=None):
        data = valid(serializers.MeasureVersionSerializer(data=request.data))
        found = measures.measure_authorise(acting_user=request.user, measure=self._measure(),
                                           **data)
        return self._answer(found)

    @extend_schema(request=serializers.MeasureReviewInSerializer,
                   responses={201: serializers.MeasureReviewSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, measure=None):
        data = valid(serializers.MeasureReviewInSerializer(data=request.data))
        made = measures.measure_review(acting_user=request.user, measure=self._measure(),
                                       **data)
        return Response(serializers.MeasureReviewSerializer(made).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MeasureEndSerializer,
                   responses=serializers.MeasureSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, measure=None):
        data = valid(serializers.MeasureEndSerializer(data=request.data))
        found = measures.measure_end(acting_user=request.user, measure=self._measure(), **data)
        return self._answer(found)

    @extend_schema(methods=["GET"], request=None,
                   responses=serializers.MeasureDaySerializer(many=True))
    @extend_schema(methods=["POST"], request=serializers.MeasureDayInSerializer,
                   responses={201: serializers.MeasureDaySerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def days(self, request, measure=None):
        found = self._measure()
        if request.method == "GET":
            days = []
            for record, run in selectors.measure_days(measure=found):
                record.consecutive_solitary_days = run
                days.append(record)
            return Response(serializers.MeasureDaySerializer(days, many=True).data)
        data = valid(serializers.MeasureDayInSerializer(data=request.data))
        record = measures.daily_record(acting_user=request.user, measure=found, **data)
        return Response(serializers.MeasureDaySerializer(record).data,
                        status=status.HTTP_201_CREATED)


class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What the safeguards noticed: the rule, the evidence, whom it is for; a director
    resolves a flag by saying what was done about it."""

    serializer_class = serializers.FlagSerializer
    lookup_url_kwarg = "flag"

    def get_queryset(self):
        if self.action != "list":
            return selectors.flags_visible_to(user=self.request.user)
        query = self.request.query_params
        return selectors.flag_list(user=self.request.user,
                                   facility=_number(query.get("facility"), "facility"),
                                   state=query.get("state", ""), code=query.get("code", ""))

    @extend_schema(parameters=FLAG_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(
            selectors.flag_get(user=request.user, pk=self.kwargs["flag"])).data)

    @extend_schema(request=serializers.FlagResolveSerializer, responses=serializers.FlagSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, flag=None):
        data = valid(serializers.FlagResolveSerializer(data=request.data))
        found = flags.flag_resolve(acting_user=request.user,
                                   flag=selectors.flag_get(user=request.user, pk=flag), **data)
        return Response(self.get_serializer(
            selectors.flag_get(user=request.user, pk=found.pk)).data)


def register(router) -> None:
    router.register("oversight/measures", MeasureViewSet, basename="oversight-measure")
    router.register("oversight/flags", FlagViewSet, basename="oversight-flag")
