"""API representations of intelligence. A report shows its source's reference, never who the
source is; a dissemination shows its sanitised text, never the report it came from."""

from __future__ import annotations

from rest_framework import serializers

from . import grading
from .models import (
    Alert,
    AlertRule,
    CommunicationEvent,
    Dissemination,
    Identifier,
    IntelligenceReport,
    MergeProposal,
    OutsidePerson,
    Source,
)


class PrisonerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prison_number = serializers.CharField()
    name = serializers.CharField(source="display_name")


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GradesSerializer(serializers.Serializer):
    source_evaluation = serializers.CharField()
    intelligence_assessment = serializers.CharField()
    handling_code = serializers.CharField()
    handling_conditions = serializers.CharField(required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")
    compartment = serializers.CharField(source="compartment.name", default=None)
    source = serializers.CharField(source="source.reference", default=None)
    grading = serializers.SerializerMethodField()

    class Meta:
        model = IntelligenceReport
        fields = ["id", "reference", "kind", "status", "facility", "compartment", "occurred_at",
                  "place", "summary", "source", "source_description", "grading", "version"]

    def get_grading(self, report) -> dict | None:
        if not report.scheme:
            return None
        scheme = grading.scheme_of(report.scheme)
        return {"scheme": scheme.code,
                "source_evaluation": report.source_evaluation,
                "source_evaluation_label": scheme.source_evaluation.get(report.source_evaluation),
                "intelligence_assessment": report.intelligence_assessment,
                "intelligence_assessment_label": scheme.intelligence_assessment.get(
                    report.intelligence_assessment),
                "handling_code": report.handling_code,
                "handling_label": scheme.handling_labels().get(report.handling_code),
                "handling_conditions": report.handling_conditions,
                "graded_by": report.graded_by.get_username() if report.graded_by else None,
                "graded_at": report.graded_at}


class ReportDetailSerializer(ReportSerializer):
    prisoners = PrisonerRefSerializer(many=True)
    people = PersonRefSerializer(many=True)
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "text", "prisoners", "people", "created_by",
                  "created_at"]


class ReportCreateSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    kind = serializers.CharField(default="report", help_text="report or received")
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=200)
    text = serializers.CharField()
    prisoners = serializers.ListField(child=serializers.IntegerField(), default=list)
    people = serializers.ListField(child=serializers.IntegerField(), default=list)
    source = serializers.IntegerField(required=False, allow_null=True, default=None)
    source_description = serializers.CharField(required=False, allow_blank=True, default="")
    compartment = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="restricts the report from its creation to the members of the compartment")
    grades = GradesSerializer()


class ObservationCreateSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(max_length=200)
    text = serializers.CharField()
    prisoners = serializers.ListField(child=serializers.IntegerField(), default=list)


class GradeSerializer(GradesSerializer):
    version = serializers.IntegerField()


class DisseminateSerializer(serializers.Serializer):
    audience = serializers.CharField(help_text="police or director")
    recipients = serializers.CharField(max_length=300)
    text = serializers.CharField()
    handling_conditions = serializers.CharField(required=False, allow_blank=True, default="")


class DisseminationSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")
    reference = serializers.SerializerMethodField()

    class Meta:
        model = Dissemination
        fields = ["id", "reference", "facility", "audience", "recipients", "text",
                  "handling_code", "handling_conditions", "created_at"]

    def get_reference(self, dissemination) -> str:
        return f"D-{dissemination.created_at:%Y}-{dissemination.pk:06d}"


class ReplySerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    text = serializers.CharField()


class SourceSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")
    handler = serializers.CharField(source="handler.username")

    class Meta:
        model = Source
        fields = ["id", "reference", "facility", "handler", "active", "created_at"]


class SourceCreateSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=30)
    identity = serializers.CharField()
    facility = serializers.IntegerField()


class ReasonGivenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class CompartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    purpose = serializers.CharField(required=False, allow_blank=True, default="")


class MemberSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="username")


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Identifier
        fields = ["kind", "value"]


class PersonSerializer(serializers.ModelSerializer):
    identifiers = IdentifierSerializer(many=True, read_only=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True)
    related_prisoner = serializers.IntegerField(source="related_prisoner_id", read_only=True)

    class Meta:
        model = OutsidePerson
        fields = ["id", "name", "kind", "date_of_birth", "related_prisoner", "merged_into",
                  "identifiers"]


class PersonCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    kind = serializers.CharField(default="unknown")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.CharField()
    compartment = serializers.IntegerField(required=False, allow_null=True, default=None)


class CommunicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommunicationEvent
        fields = ["id", "kind", "occurred_at", "from_party", "to_party", "duration_seconds",
                  "amount", "facility", "monitored"]


class MergeProposalSerializer(serializers.ModelSerializer):
    kept = PersonRefSerializer()
    absorbed = PersonRefSerializer()

    class Meta:
        model = MergeProposal
        fields = ["id", "kept", "absorbed", "score", "reasons", "status", "decided_at",
                  "decision_reason"]


class AlertRuleSerializer(serializers.ModelSerializer):
    facility = serializers.IntegerField(source="facility_id", required=False, allow_null=True,
                                        default=None)
    compartment = serializers.IntegerField(source="compartment_id", required=False,
                                           allow_null=True, default=None)

    class Meta:
        model = AlertRule
        fields = ["id", "name", "kind", "facility", "compartment", "influence_at_least",
                  "vulnerability_at_least", "active"]
        read_only_fields = ["active"]


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.name")
    facility = serializers.CharField(source="facility.code")
    explanation_text = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = ["id", "rule", "facility", "raised_at", "subject", "other", "explanation",
                  "explanation_text", "events", "first_event_at", "closed_at"]

    def get_explanation_text(self, alert) -> str:
        from .alerts import explanation_text

        return explanation_text(alert, self.context.get("names", {}))
