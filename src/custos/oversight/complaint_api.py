"""REST endpoints of requests and complaints (/api/v1/oversight/complaints/): list (what the
reader may see, and what he filed), file, read (audited), answer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.audit import trail
from custos.core.api import valid

from . import complaint_selectors as selectors
from . import complaint_serializers as serializers
from . import complaints


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Requests and complaints, confidential where the prisoner asks."""

    lookup_url_kwarg = "complaint"
    filterset_fields = ["status", "confidentiality", "is_request", "facility"]

    def get_queryset(self):
        return selectors.complaints_visible(user=self.request.user)

    def get_serializer_class(self):
        return serializers.ComplaintSerializer if self.action == "list" else \
            serializers.ComplaintDetailSerializer

    def _answer(self, complaint, code=status.HTTP_200_OK):
        return Response(serializers.ComplaintDetailSerializer(
            complaint, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        complaint = self.get_object()
        trail.record(request.user, "oversight.complaint_read", complaint)
        return self._answer(complaint)

    @extend_schema(request=serializers.ComplaintCreateSerializer,
                   responses={201: serializers.ComplaintDetailSerializer})
    def create(self, request):
        data = valid(serializers.ComplaintCreateSerializer(data=request.data))
        complaint = complaints.complaint_file(acting_user=request.user, **data)
        return self._answer(complaint, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ComplaintAnswerSerializer,
                   responses=serializers.ComplaintDetailSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, complaint=None):
        """The director answers; for a complaint confidential to a body, its monitor."""
        data = valid(serializers.ComplaintAnswerSerializer(data=request.data))
        saved = complaints.complaint_answer(acting_user=request.user,
                                            complaint=self.get_object(), **data)
        return self._answer(saved)


def register(router) -> None:
    router.register("oversight/complaints", ComplaintViewSet, basename="oversight-complaint")
