"""The shapes of restrictive measures, their days and flags on the API. Output serializers take
the reader in their context: a monitor whose mandate does not allow individual cases gets an
anonymous label and no prisoner id."""

from __future__ import annotations

from rest_framework import serializers

from . import measure_selectors as selectors
from . import scoping
from .models import DailyRecord, Flag, MeasureKind, RestrictiveMeasure, ReviewOutcome


class _ForReader(serializers.ModelSerializer):
    prisoner = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()

    def _names(self, obj) -> bool:
        return scoping.names_visible(self.context["request"].user, obj.facility_id)

    def get_prisoner(self, obj) -> int | None:
        return obj.prisoner_id if obj.prisoner_id and self._names(obj) else None

    def get_subject(self, obj) -> str:
        if not obj.prisoner_id:
            return ""
        return scoping.subject_label(self.context["request"].user, obj.prisoner,
                                     obj.facility_id)


class MeasureSerializer(_ForReader):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    facility_code = serializers.CharField(source="facility.code", read_only=True)
    imposed_by = serializers.SlugRelatedField(source="created_by", slug_field="username",
                                              read_only=True)
    authorised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    in_force = serializers.BooleanField(read_only=True)
    days_so_far = serializers.SerializerMethodField()
    open_flags = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = RestrictiveMeasure
        fields = ["id", "prisoner", "subject", "facility", "facility_code", "kind",
                  "kind_display", "legal_basis", "necessity", "proportionality",
                  "alternatives_considered", "started_at", "planned_review_on",
                  "planned_end_on", "ended_at", "end_reason", "imposed_by", "authorised_by",
                  "authorised_at", "in_force", "days_so_far", "open_flags", "version"]

    def get_days_so_far(self, obj) -> int:
        return selectors.days_so_far(obj)


class MeasureCreateSerializer(serializers.Serializer):
    prisoner = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    legal_basis = serializers.CharField(max_length=300)
    necessity = serializers.CharField()
    proportionality = serializers.CharField()
    alternatives_considered = serializers.CharField()
    started_at = serializers.DateTimeField(required=False)
    planned_review_on = serializers.DateField()
    planned_end_on = serializers.DateField(required=False, allow_null=True)


class MeasureVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()


class MeasureReviewInSerializer(MeasureVersionSerializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    reasons = serializers.CharField()
    next_review_on = serializers.DateField(required=False, allow_null=True)


class MeasureEndSerializer(MeasureVersionSerializer):
    reason = serializers.CharField()
    ended_at = serializers.DateTimeField(required=False)


class MeasureReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.CharField()
    reasons = serializers.CharField()
    reviewed_at = serializers.DateTimeField()
    next_review_on = serializers.DateField(allow_null=True)


class MeasureDayInSerializer(serializers.Serializer):
    on = serializers.DateField()
    hours_without_contact = serializers.DecimalField(max_digits=4, decimal_places=1,
                                                     min_value=0, max_value=24)
    exercise_minutes = serializers.IntegerField(min_value=0, max_value=1440, default=0)
    health_visit = serializers.BooleanField(default=False)
    contacts = serializers.CharField(required=False, allow_blank=True, default="")


class MeasureDaySerializer(serializers.ModelSerializer):
    consecutive_solitary_days = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = DailyRecord
        fields = ["id", "measure", "on", "hours_without_contact", "exercise_minutes",
                  "health_visit", "contacts", "consecutive_solitary_days", "version"]


class FlagSerializer(_ForReader):
    words = serializers.SerializerMethodField()
    facility_code = serializers.CharField(source="facility.code", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "code", "rule", "severity", "facility", "facility_code", "prisoner",
                  "subject", "subject_type", "subject_id", "evidence", "words", "for_whom",
                  "raised_on", "raised_at", "resolved_at", "resolved_by", "resolution"]

    def get_words(self, obj) -> str:
        return selectors.evidence_in_words(obj)


class FlagResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()
