"""REST endpoints of discipline, under /api/v1/oversight/charges/: the charges a reader may
see, a new charge, and one action per step of the procedure. A charge outside the reader's
reach answers 404; every read of one charge is audited."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.access import policy
from custos.accounts.models import User
from custos.audit import trail
from custos.core.api import valid
from custos.core.errors import InvalidInput
from custos.custody.models import Prisoner

from . import discipline
from . import discipline_selectors as selectors
from . import discipline_serializers as serializers
from .models import DisciplinaryCharge


class ChargeFilter(django_filters.FilterSet):
    facility = django_filters.NumberFilter(field_name="facility")
    status = django_filters.CharFilter(field_name="status")
    date_from = django_filters.DateFilter(field_name="incident_at__date", lookup_expr="gte",
                                          label="incidents from (date)")
    date_to = django_filters.DateFilter(field_name="incident_at__date", lookup_expr="lte",
                                        label="incidents to (date)")

    class Meta:
        model = DisciplinaryCharge
        fields = ["facility", "status"]


class ChargeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disciplinary charges: notice, hearing, decision, sanction and appeal (Mandela Rules
    37–43). Prohibited sanctions are refused with the rule cited (422)."""

    filterset_class = ChargeFilter
    lookup_url_kwarg = "charge"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.charge_list_visible_to(user=self.request.user).order_by(
            "-incident_at", "-pk")

    def get_serializer_class(self):
        return serializers.ChargeSerializer if self.action == "list" else \
            serializers.ChargeDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user": self.request.user}

    def _answer(self, charge, code=status.HTTP_200_OK):
        charge = selectors.charge_get(user=self.request.user, pk=charge.pk)
        return Response(serializers.ChargeDetailSerializer(
            charge, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        charge = self.get_object()
        trail.record(request.user, "oversight.charge_read", charge)
        return self._answer(charge)

    @extend_schema(request=serializers.ChargeCreateSerializer,
                   responses={201: serializers.ChargeDetailSerializer})
    def create(self, request):
        data = valid(serializers.ChargeCreateSerializer(data=request.data))
        prisoner = policy.scope(request.user, discipline.DISCIPLINE, Prisoner.objects.filter(
            pk=data.pop("prisoner")), prisoner_field="pk").first()
        if prisoner is None:
            raise InvalidInput(_("No prisoner known to you has this number."), field="prisoner")
        charge = discipline.charge_create(acting_user=request.user, prisoner=prisoner, **data)
        return self._answer(charge, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ChargeNotifySerializer,
                   responses=serializers.ChargeDetailSerializer)
    @action(detail=True, methods=["post"])
    def notify(self, request, charge=None):
        data = valid(serializers.ChargeNotifySerializer(data=request.data))
        return self._answer(discipline.charge_notify(acting_user=request.user,
                                                     charge=self.get_object(), **data))

    @extend_schema(request=serializers.ChargeHearingRecordSerializer,
                   responses={201: serializers.ChargeDetailSerializer})
    @action(detail=True, methods=["post"])
    def hearing(self, request, charge=None):
        data = valid(serializers.ChargeHearingRecordSerializer(data=request.data))
        data["adjudicator"] = User.objects.filter(pk=data["adjudicator"], is_active=True).first()
        hearing = discipline.hearing_record(acting_user=request.user, charge=self.get_object(),
                                            **data)
        return self._answer(hearing.charge, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ChargeDecideSerializer,
                   responses=serializers.ChargeDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, charge=None):
        data = valid(serializers.ChargeDecideSerializer(data=request.data))
        return self._answer(discipline.charge_decide(acting_user=request.user,
                                                     charge=self.get_object(), **data))

    @extend_schema(request=serializers.ChargeSanctionImposeSerializer,
                   responses={201: serializers.ChargeDetailSerializer})
    @action(detail=True, methods=["post"])
    def sanction(self, request, charge=None):
        data = valid(serializers.ChargeSanctionImposeSerializer(data=request.data))
        made = discipline.sanction_impose(acting_user=request.user, charge=self.get_object(),
                                          **data)
        return self._answer(made.charge, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ChargeAppealLodgeSerializer,
                   responses={201: serializers.ChargeDetailSerializer})
    @action(detail=True, methods=["post"])
    def appeal(self, request, charge=None):
        data = valid(serializers.ChargeAppealLodgeSerializer(data=request.data))
        appeal = discipline.appeal_lodge(acting_user=request.user, charge=self.get_object(),
                                         **data)
        return self._answer(appeal.charge, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ChargeAppealDecisionSerializer,
                   responses=serializers.ChargeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="appeal-decision",
            url_name="appeal-decision")
    def appeal_decision(self, request, charge=None):
        data = valid(serializers.ChargeAppealDecisionSerializer(data=request.data))
        variations = {row["sanction"]: row["days"] for row in data.pop("variations")}
        appeal = discipline.appeal_decide(acting_user=request.user, charge=self.get_object(),
                                          variations=variations, **data)
        return self._answer(appeal.charge)

    @extend_schema(responses=serializers.ChargeFiguresSerializer)
    @action(detail=False, methods=["get"])
    def figures(self, request):
        """How many charges by status and by offence, and sanctions by kind, over the charges
        the filters select (facility, status, date_from, date_to)."""
        found = selectors.figures(charges=self.filter_queryset(self.get_queryset()))
        found["by_status"] = [{"status": s, "label": str(label), "n": n}
                              for s, label, n in found["by_status"]]
        found["by_sanction"] = [{**row, "label": str(row["label"])}
                                for row in found["by_sanction"]]
        return Response(found)


def register(router) -> None:
    router.register("oversight/charges", ChargeViewSet, basename="oversight-charge")
