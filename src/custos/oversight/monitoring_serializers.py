"""API representations of independent monitoring. A visit's summary (the body's own notes)
is shown to the body's monitors only; what prisoners said in private is never recorded."""

from __future__ import annotations

from rest_framework import serializers

from .models import (
    BodyKind,
    FindingArea,
    MonitoringBody,
    MonitoringFinding,
    MonitoringVisit,
    MonitorMembership,
    Recommendation,
    RecommendationUpdate,
    ResponseKind,
)

# --- bodies --------------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")
    user_id = serializers.IntegerField()

    class Meta:
        model = MonitorMembership
        fields = ["id", "user_id", "user", "started_on", "ended_on"]


class BodySerializer(serializers.ModelSerializer):
    facilities = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringBody
        fields = ["id", "name", "kind", "mandate", "legal_basis", "facilities",
                  "individual_cases", "unannounced_visits", "active", "members", "version"]

    def get_members(self, body) -> list[dict]:
        return MembershipSerializer(body.members.select_related("user").order_by("pk"),
                                    many=True).data


class BodyWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=BodyKind.choices)
    mandate = serializers.CharField()
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                        default="")
    facilities = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    individual_cases = serializers.BooleanField(default=False)
    unannounced_visits = serializers.BooleanField(default=True)
    active = serializers.BooleanField(default=True)


class BodyUpdateSerializer(BodyWriteSerializer):
    """A PATCH: the fields given replace the body's; `version` is the one read."""

    version = serializers.IntegerField()


class MemberAddSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    started_on = serializers.DateField(required=False, allow_null=True, default=None)


class MemberEndSerializer(serializers.Serializer):
    membership = serializers.IntegerField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)


# --- visits and findings -------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    recommendations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = MonitoringFinding
        fields = ["id", "visit", "area", "text", "recommendations", "created_at"]


class FindingCreateSerializer(serializers.Serializer):
    area = serializers.ChoiceField(choices=FindingArea.choices)
    text = serializers.CharField()


class VisitSerializer(serializers.ModelSerializer):
    body = serializers.CharField(source="body.name")
    body_id = serializers.IntegerField()
    facility = serializers.CharField(source="facility.code")
    facility_id = serializers.IntegerField()

    class Meta:
        model = MonitoringVisit
        fields = ["id", "body_id", "body", "facility_id", "facility", "planned_on", "announced",
                  "status", "visited_on", "team", "private_interviews", "version"]


class VisitDetailSerializer(VisitSerializer):
    """With the findings, and the summary for the body's own monitors (else null)."""

    summary = serializers.SerializerMethodField()
    findings = FindingSerializer(many=True)

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "summary", "findings"]

    def get_summary(self, visit) -> str | None:
        return visit.summary if self.context.get("own") else None


class VisitCreateSerializer(serializers.Serializer):
    facility = serializers.IntegerField()
    planned_on = serializers.DateField()
    announced = serializers.BooleanField(default=True)


class VisitRecordSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    visited_on = serializers.DateField()
    team = serializers.CharField()
    private_interviews = serializers.IntegerField(min_value=0, default=0)
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class VisitCancelSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField()


# --- recommendations -----------------------------------------------------------------------


class UpdateSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="created_by.username", default=None)
    side = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationUpdate
        fields = ["id", "created_at", "by", "side", "status", "response", "comment"]

    def get_side(self, step) -> str:
        return "body" if step.by_body else "government"


class RecommendationSerializer(serializers.ModelSerializer):
    body = serializers.CharField(source="body.name")
    body_id = serializers.IntegerField()
    facility = serializers.CharField(source="facility.code")
    facility_id = serializers.IntegerField()
    responded_by = serializers.CharField(source="responded_by.username", default=None)
    overdue = serializers.BooleanField(default=False)

    class Meta:
        model = Recommendation
        fields = ["id", "finding", "body_id", "body", "facility_id", "facility", "text",
                  "response_due_on", "status", "response", "response_reasons", "responded_at",
                  "responded_by", "owner", "deadline", "overdue", "version"]


class RecommendationDetailSerializer(RecommendationSerializer):
    history = UpdateSerializer(source="updates", many=True)

    class Meta(RecommendationSerializer.Meta):
        fields = [*RecommendationSerializer.Meta.fields, "history"]


class RecommendationCreateSerializer(serializers.Serializer):
    finding = serializers.IntegerField()
    text = serializers.CharField()
    response_due_on = serializers.DateField(required=False, allow_null=True, default=None)


class RespondSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    response = serializers.ChoiceField(choices=ResponseKind.choices)
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class RecommendationUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    comment = serializers.CharField()
    status = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="implemented or not_implemented (the director); "
                                             "closed or reopen (the body); empty: a comment")
