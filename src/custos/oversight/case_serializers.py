"""API representations of custody cases. Who a case is about is shown as this reader may see
it: a monitor whose mandate does not allow individual cases gets a case number, no name."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import cases, scoping
from .models import CaseKind, CaseStatus, CustodyCase


class CaseSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")
    prisoner = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    authority_due = serializers.SerializerMethodField()
    next_of_kin_due = serializers.SerializerMethodField()
    hours_late = serializers.SerializerMethodField()

    class Meta:
        model = CustodyCase
        fields = ["id", "kind", "status", "facility", "prisoner", "subject", "occurred_at",
                  "learned_at", "authority_due", "authority_reported_at", "next_of_kin_due",
                  "next_of_kin_notified_at", "hours_late", "version"]

    def _user(self):
        return self.context["request"].user

    def get_prisoner(self, case) -> dict | None:
        if not scoping.names_visible(self._user(), case.facility_id):
            return None
        return {"id": case.prisoner_id, "prison_number": case.prisoner.prison_number,
                "name": case.prisoner.display_name}

    def get_subject(self, case) -> str:
        return scoping.subject_label(self._user(), case.prisoner, case.facility_id)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_authority_due(self, case):
        return serializers.DateTimeField().to_representation(cases.authority_due(case))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_of_kin_due(self, case):
        due = cases.next_of_kin_due(case)
        return serializers.DateTimeField().to_representation(due) if due else None

    def get_hours_late(self, case) -> dict:
        if case.status == CaseStatus.CLOSED:
            return {}
        return {what: round(by.total_seconds() / 3600, 1)
                for what, by in cases.lateness(case, timezone.now()).items()}


class CaseDetailSerializer(CaseSerializer):
    implicated = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "account", "authority", "authority_reference",
                  "next_of_kin", "evidence_preserved", "closed_at", "closing_reasons",
                  "implicated"]

    def get_implicated(self, case) -> list[str]:
        return [person.name for person in case.implicated.all()]


class CaseCreateSerializer(serializers.Serializer):
    prisoner = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    occurred_at = serializers.DateTimeField()
    learned_at = serializers.DateTimeField()
    account = serializers.CharField()
    implicated_users = serializers.ListField(child=serializers.IntegerField(), required=False,
                                             default=list, help_text="user ids")
    implicated_names = serializers.ListField(child=serializers.CharField(), required=False,
                                             default=list)


class CaseVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="the version read; refused (409) if changed")


class CaseReportSerializer(CaseVersionSerializer):
    authority = serializers.CharField(max_length=200)
    independent = serializers.BooleanField(
        help_text="the authority is independent of the prison administration (Rule 71(1))")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                      default="")
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaseNextOfKinSerializer(CaseVersionSerializer):
    next_of_kin = serializers.CharField(max_length=200)
    notified_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaseEvidenceSerializer(CaseVersionSerializer):
    evidence = serializers.CharField()


class CaseCloseSerializer(CaseVersionSerializer):
    reasons = serializers.CharField()
