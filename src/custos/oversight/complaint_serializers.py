"""API representations of complaints, shown as the reader may see them."""

from __future__ import annotations

from rest_framework import serializers

from custos.access import policy

from . import scoping
from .models import Complaint, Confidentiality

VIEW = "oversight.view"


class ComplaintSerializer(serializers.ModelSerializer):
    facility = serializers.CharField(source="facility.code")
    body = serializers.CharField(source="body.name", default=None)
    subject_of = serializers.SerializerMethodField(
        help_text="the prisoner as the reader may see him")

    class Meta:
        model = Complaint
        fields = ["id", "is_request", "channel", "subject", "subject_of", "confidentiality",
                  "body", "facility", "received_at", "answer_due_on", "status",
                  "escalation_level", "escalated_at", "answered_at", "upheld", "version"]

    def get_subject_of(self, complaint) -> str:
        user = self.context["request"].user
        if not policy.can(user, VIEW):  # the filer without oversight: the number he gave
            return complaint.prisoner.prison_number
        return scoping.subject_label(user, complaint.prisoner, complaint.facility_id)


class ComplaintDetailSerializer(ComplaintSerializer):
    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "text", "answer"]


class ComplaintCreateSerializer(serializers.Serializer):
    prison_number = serializers.CharField(max_length=30)
    is_request = serializers.BooleanField(required=False, default=False)
    subject = serializers.CharField(max_length=200)
    text = serializers.CharField()
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices,
                                              default=Confidentiality.NONE)
    body = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="the independent body, for a complaint "
                                              "confidential to one (a monitor: his own)")
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ComplaintAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()
    upheld = serializers.BooleanField()
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
