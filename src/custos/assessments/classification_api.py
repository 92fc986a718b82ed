"""REST adapters over classification: propose, decide, requests for review; reads scoped
and audited.

Reads are narrowed to prisoners visible to the user and to holders of
`classification.propose` or `assessments.view`; outside that a classification does not
exist (404). Every read of a detail is audited ("classification.view").
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.audit import trail
from custos.custody.models import Prisoner
from custos.custody.selectors import prisoner_list_visible_to

from . import classifying
from .classification_views import classification_list_visible_to
from .models import Classification, ClassificationReview


class ClassificationSerializer(serializers.ModelSerializer):
    # A plain string: the custody app already names a "status" enum in the schema.
    status = serializers.CharField(read_only=True, help_text="proposed, approved or replaced")

    class Meta:
        model = Classification
        fields = ["id", "prisoner", "rules", "proposed_category", "category", "regime",
                  "status", "decided_by", "decided_at", "review_on", "created_at"]


class ClassificationReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassificationReview
        fields = ["id", "classification", "grounds", "requested_at", "recorded_by", "outcome",
                  "decided_by", "decided_at"]


class ClassificationDetailSerializer(ClassificationSerializer):
    reviews = ClassificationReviewSerializer(many=True, read_only=True, help_text=_(
        "The prisoner's requests for review of this classification, with their outcome"))

    class Meta(ClassificationSerializer.Meta):
        fields = [*ClassificationSerializer.Meta.fields, "facts", "fired", "justification",
                  "reviews"]


class ReviewRequestSerializer(serializers.Serializer):
    grounds = serializers.CharField(help_text=_("The grounds the prisoner gives."))


class ReviewDecideSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text=_("The outcome given to the prisoner."))


class ClassificationProposeSerializer(serializers.Serializer):
    prisoner = serializers.PrimaryKeyRelatedField(queryset=Prisoner.objects.none())


class ClassificationDecideSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=20)
    justification = serializers.CharField(allow_blank=True, required=False, default="",
                                          help_text=_("Required when the category differs "
                                                      "from the proposal."))
    review_on = serializers.DateField(allow_null=True, required=False, default=None)


class ClassificationFilter(django_filters.FilterSet):
    # Plain numbers, not choices: an unknown and an out-of-scope prisoner look the same.
    prisoner = django_filters.NumberFilter(field_name="prisoner")
    status = django_filters.CharFilter(field_name="status",
                                       label="proposed, approved or replaced")

    class Meta:
        model = Classification
        fields = ["prisoner", "status"]


class ClassificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            viewsets.GenericViewSet):
    filterset_class = ClassificationFilter

    def get_queryset(self):
        rows = (classification_list_visible_to(user=self.request.user)
                .select_related("prisoner", "rules").order_by("-created_at", "-id"))
        return rows if self.action == "list" else rows.prefetch_related("reviews")

    def get_serializer_class(self):
        if self.action == "list":
            return ClassificationSerializer
        return ClassificationDetailSerializer

    def _answer(self, row, code=status.HTTP_200_OK):
        return Response(ClassificationDetailSerializer(row).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        row = self.get_object()
        trail.record(request.user, "classification.view", row)
        return self._answer(row)

    @extend_schema(request=ClassificationProposeSerializer,
                   responses={201: ClassificationDetailSerializer})
    def create(self, request):
        form = ClassificationProposeSerializer(data=request.data)
        form.fields["prisoner"].queryset = prisoner_list_visible_to(user=request.user)
        form.is_valid(raise_exception=True)
        row = classifying.classification_propose(acting_user=request.user,
                                                 prisoner=form.validated_data["prisoner"])
        return self._answer(row, status.HTTP_201_CREATED)

    @extend_schema(request=ClassificationDecideSerializer,
                   responses=ClassificationDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        row = self.get_object()
        form = ClassificationDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        row = classifying.classification_decide(
            acting_user=request.user, classification_row=row, category=data["category"],
            justification=data["justification"], review_on=data["review_on"])
        return self._answer(row)

    @extend_schema(request=ReviewRequestSerializer,
                   responses={201: ClassificationReviewSerializer})
    @action(detail=True, methods=["post"], url_path="review-requests",
            url_name="review-requests")
    def review_requests(self, request, pk=None):
        row = self.get_object()
        form = ReviewRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        review = classifying.classification_review_request(
            acting_user=request.user, classification_row=row,
            grounds=form.validated_data["grounds"])
        return Response(ClassificationReviewSerializer(review).data,
                        status=status.HTTP_201_CREATED)


class ClassificationReviewViewSet(viewsets.GenericViewSet):
    """A prisoner's request for review; its outcome is recorded once, by a director."""

    serializer_class = ClassificationReviewSerializer

    def get_queryset(self):
        return (ClassificationReview.objects.filter(
            classification__in=classification_list_visible_to(user=self.request.user))
            .select_related("classification__prisoner"))

    @extend_schema(request=ReviewDecideSerializer, responses=ClassificationReviewSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self.get_object()
        form = ReviewDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        review = classifying.classification_review_decide(
            acting_user=request.user, review=review, outcome=form.validated_data["outcome"])
        return Response(ClassificationReviewSerializer(review).data)
