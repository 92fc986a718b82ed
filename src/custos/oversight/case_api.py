"""REST endpoints of the custody cases (/api/v1/oversight/cases/): list, open, read (each
read audited), and the steps: report to the authority, next of kin, evidence, close.

A case outside the reader's reach, or one he is implicated in, answers 404.
"""

from __future__ import annotations

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

from . import case_selectors as selectors
from . import case_serializers as serializers
from . import cases


def _prisoner(user, pk: int) -> Prisoner:
    found = policy.scope(user, cases.OPEN, Prisoner.objects.all(), prisoner_field="pk")
    prisoner = found.filter(pk=pk).first()
    if prisoner is None:
        raise InvalidInput(_("No such prisoner."), field="prisoner")
    return prisoner


def _users(ids: list[int]) -> list[User]:
    found = list(User.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("No such user."), field="implicated_users")
    return found


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deaths, disappearances, serious injuries and allegations of torture or ill-treatment."""

    lookup_url_kwarg = "case"
    filterset_fields = ["status", "kind", "facility"]

    def get_queryset(self):
        return selectors.case_register(user=self.request.user)

    def get_serializer_class(self):
        return serializers.CaseSerializer if self.action == "list" else \
            serializers.CaseDetailSerializer

    def _answer(self, case, code=status.HTTP_200_OK):
        return Response(serializers.CaseDetailSerializer(
            case, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        trail.record(request.user, "oversight.case_read", case)
        return self._answer(case)

    @extend_schema(request=serializers.CaseCreateSerializer,
                   responses={201: serializers.CaseDetailSerializer})
    def create(self, request):
        data = valid(serializers.CaseCreateSerializer(data=request.data))
        data["prisoner"] = _prisoner(request.user, data["prisoner"])
        data["implicated_users"] = _users(data["implicated_users"])
        case = cases.case_open(acting_user=request.user, **data)
        return self._answer(case, status.HTTP_201_CREATED)

    def _step(self, request, serializer_class, service):
        data = valid(serializer_class(data=request.data))
        return self._answer(service(acting_user=request.user, case=self.get_object(), **data))

    @extend_schema(request=serializers.CaseReportSerializer,
                   responses=serializers.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, case=None):
        """Rule 71(1): reported to an authority independent of the prison administration."""
        return self._step(request, serializers.CaseReportSerializer,
                          cases.case_report_to_authority)

    @extend_schema(request=serializers.CaseNextOfKinSerializer,
                   responses=serializers.CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="notify-next-of-kin")
    def notify_next_of_kin(self, request, case=None):
        """Rule 69: the next of kin informed of a death, disappearance or serious injury."""
        return self._step(request, serializers.CaseNextOfKinSerializer,
                          cases.case_notify_next_of_kin)

    @extend_schema(request=serializers.CaseEvidenceSerializer,
                   responses=serializers.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def evidence(self, request, case=None):
        return self._step(request, serializers.CaseEvidenceSerializer, cases.case_record_evidence)

    @extend_schema(request=serializers.CaseCloseSerializer,
                   responses=serializers.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, case=None):
        """A director closes a case once the notifications are made."""
        return self._step(request, serializers.CaseCloseSerializer, cases.case_close)


def register(router) -> None:
    router.register("oversight/cases", CaseViewSet, basename="oversight-case")
