"""REST adapters over calibration exercises: open, rate, close, read the agreement.

Thin over `calibration` (services and selectors); reading an exercise or its agreement is
audited ("calibration.view"). While an exercise is open, its agreement is withheld from a
user who has not rated it yet (unless they may close it), so ratings stay independent.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from custos.access import policy
from custos.audit import trail

from . import calibration, selectors
from .models import CalibrationExercise, CalibrationRating, Instrument
from .serializers import EstimateSerializer


class ExerciseSerializer(serializers.ModelSerializer):
    instrument_code = serializers.CharField(source="instrument.code", read_only=True)
    instrument_version = serializers.CharField(source="instrument.version", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = CalibrationExercise
        fields = ["id", "instrument", "instrument_code", "instrument_version", "title",
                  "vignette", "created_by", "opened_at", "closed_at", "is_open"]


class ExerciseCreateSerializer(serializers.Serializer):
    instrument = serializers.PrimaryKeyRelatedField(queryset=Instrument.objects.none())
    title = serializers.CharField(max_length=200)
    vignette = serializers.CharField(help_text=gettext_lazy("The case every assessor rates."))


class CalibrationRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalibrationRating
        fields = ["id", "exercise", "assessor", "ratings", "judgement", "submitted_at"]


class RateSerializer(serializers.Serializer):
    ratings = serializers.DictField(child=serializers.IntegerField(allow_null=True),
                                    help_text=gettext_lazy("Item code → value on its scale."))
    judgement = serializers.IntegerField(allow_null=True, required=False, default=None)


class ItemAgreementSerializer(serializers.Serializer):
    code = serializers.CharField()
    kappa = EstimateSerializer(help_text=gettext_lazy(
        "Fleiss' kappa over the vignettes of this instrument version"))
    distribution = serializers.ListField(child=serializers.ListField(
        child=serializers.IntegerField()), help_text=gettext_lazy(
        "[value, count] of this vignette's ratings"))
    modal_share = serializers.FloatField(allow_null=True)


class ScaleAgreementSerializer(serializers.Serializer):
    scale = serializers.CharField()
    title = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    kappa = EstimateSerializer()


class AssessorAgreementSerializer(serializers.Serializer):
    assessor = serializers.IntegerField(source="assessor.pk")
    username = serializers.CharField(source="assessor.username")
    share = serializers.FloatField(help_text=gettext_lazy(
        "Share of items where the assessor gave the modal rating"))
    items = serializers.IntegerField()


class CalibrationReportSerializer(serializers.Serializer):
    vignettes = serializers.IntegerField()
    raters = serializers.IntegerField()
    left_out = serializers.IntegerField()
    ratings = serializers.IntegerField()
    items = ItemAgreementSerializer(many=True)
    judgement = EstimateSerializer()
    judgements = serializers.ListField(child=serializers.ListField(
        child=serializers.IntegerField()))
    within = ScaleAgreementSerializer(many=True, help_text=gettext_lazy(
        "Fleiss' kappa within this vignette: its items as subjects, per rating scale"))
    assessors = AssessorAgreementSerializer(many=True)


class CalibrationResultsSerializer(serializers.Serializer):
    exercise = serializers.IntegerField()
    ratings = serializers.IntegerField()
    report = CalibrationReportSerializer(allow_null=True, help_text=gettext_lazy(
        "Null until two assessors have rated the vignette"))


class CalibrationViewSet(viewsets.GenericViewSet):
    serializer_class = ExerciseSerializer
    queryset = CalibrationExercise.objects.none()  # for the schema; reads go via `calibration`

    def get_object(self):
        exercise = calibration.exercise_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, exercise)
        return exercise

    def list(self, request):
        rows = calibration.exercise_list(user=request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ExerciseSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        exercise = self.get_object()
        trail.record(request.user, "calibration.view", exercise)
        return Response(ExerciseSerializer(exercise).data)

    @extend_schema(request=ExerciseCreateSerializer, responses={201: ExerciseSerializer})
    def create(self, request):
        form = ExerciseCreateSerializer(data=request.data)
        form.fields["instrument"].queryset = selectors.instrument_list_visible_to(
            user=request.user)
        form.is_valid(raise_exception=True)
        exercise = calibration.exercise_create(acting_user=request.user, **form.validated_data)
        return Response(ExerciseSerializer(exercise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RateSerializer, responses={201: CalibrationRatingSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        exercise = self.get_object()
        form = RateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rating = calibration.rating_submit(acting_user=request.user, exercise=exercise,
                                           ratings=form.validated_data["ratings"],
                                           judgement=form.validated_data["judgement"])
        return Response(CalibrationRatingSerializer(rating).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ExerciseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        exercise = calibration.exercise_close(acting_user=request.user,
                                              exercise=self.get_object())
        return Response(ExerciseSerializer(exercise).data)

    @extend_schema(responses=CalibrationResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        exercise = self.get_object()
        if calibration.results_withheld(request.user, exercise):
            raise policy.AccessDenied(
                _("Rate this vignette first: the agreement is shown to those who have "
                  "rated it, and to whoever may close the exercise, until it is closed."),
                permission=calibration.PERMISSION, target=request.path)
        report = calibration.results(user=request.user, exercise=exercise)
        trail.record(request.user, "calibration.view", exercise)
        return Response(CalibrationResultsSerializer({
            "exercise": exercise.pk, "ratings": exercise.ratings.count(),
            "report": report}).data)
