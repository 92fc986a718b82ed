"""API representations of instruments and assessments (the items and reasons are sensitive:
only the detail carries them, and reading it is audited)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from custos.custody.models import Prisoner

from .models import Assessment, Instrument


class InstrumentSerializer(serializers.ModelSerializer):
    display_title = serializers.SerializerMethodField()

    class Meta:
        model = Instrument
        fields = ["id", "code", "version", "kind", "title", "display_title", "definition",
                  "loaded_at"]

    def get_display_title(self, instrument) -> str:
        return instrument.display_title


class AssessmentSerializer(serializers.ModelSerializer):
    instrument_code = serializers.CharField(source="instrument.code", read_only=True)
    # A plain string: the custody app already names a "status" enum in the schema.
    status = serializers.CharField(read_only=True,
                                   help_text="draft, submitted, locked or superseded")

    class Meta:
        model = Assessment
        fields = ["id", "prisoner", "instrument", "instrument_code", "occasion", "status",
                  "assessor", "countersigned_by", "submitted_at", "locked_at", "supersedes",
                  "created_at", "version"]


class AssessmentDetailSerializer(AssessmentSerializer):
    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "ratings", "judgement", "reasons", "score",
                  "band", "indices", "countersigned_at", "correction_reason"]


class AssessmentCreateSerializer(serializers.Serializer):
    prisoner = serializers.PrimaryKeyRelatedField(queryset=Prisoner.objects.none())
    instrument = serializers.PrimaryKeyRelatedField(queryset=Instrument.objects.all())
    occasion = serializers.CharField(max_length=100, help_text=_(
        "Admission, periodic review, trigger event, request"))


class RatingSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True, required=False)
    rationale = serializers.CharField(allow_blank=True, required=False, default="")


class AssessmentSaveSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    ratings = serializers.DictField(child=RatingSerializer(), required=False,
                                    help_text=_("Item code → value and rationale."))
    judgement = serializers.IntegerField(allow_null=True, required=False)
    reasons = serializers.CharField(allow_blank=True, required=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class EstimateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()
    raters = serializers.IntegerField()
    method = serializers.CharField()
    band = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class ReliabilityReportSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    pairs = serializers.IntegerField(help_text=_("Prisoners rated independently by two "
                                                 "assessors within 30 days"))
    items = serializers.DictField(child=EstimateSerializer())
    overall = serializers.DictField(child=EstimateSerializer(),
                                    help_text=_("Scale → kappa over all its items"))
    judgement = EstimateSerializer()


class ReliabilitySerializer(serializers.Serializer):
    results = ReliabilityReportSerializer(many=True)
