"""API representations of housing plans. The assignments (names and reasons) are read apart,
page by page, and every read of a plan's detail or assignments is audited."""

from __future__ import annotations

from rest_framework import serializers

from custos.custody.models import Facility

from .models import HousingPlan


def _text(function_name: str, item: dict) -> str:
    """A reason or conflict in the reader's language (nothing if `explain` cannot say it)."""
    try:
        from . import explain

        return getattr(explain, function_name)(item)
    except Exception:  # noqa: BLE001 - an unknown code must not break the reading of a plan
        return ""


class PlanCreateSerializer(serializers.Serializer):
    # Plain strings: the service names the valid values in its 400 answer.
    kind = serializers.CharField(help_text="admissions, facility or national")
    # Narrowed to the user's facilities by the API: another facility's id looks unknown.
    facility = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.none(), allow_null=True, default=None,
        help_text="required for admissions and facility plans; empty for a national plan, "
                  "which covers every facility")
    regime = serializers.CharField(
        default="none", help_text="none, concentration, dispersal, separation or hybrid")
    dispersal_limit = serializers.IntegerField(default=2)
    hybrid_influence = serializers.IntegerField(default=4)
    designated_units = serializers.ListField(child=serializers.IntegerField(), default=list)
    overcrowding_percent = serializers.IntegerField(
        default=0, help_text="0 to 300; above 0 only a director may set it")
    weights = serializers.DictField(child=serializers.IntegerField(), required=False,
                                    help_text="cell_exposure, unit_exposure, move, distance")
    time_limit = serializers.IntegerField(default=60, help_text="seconds, 5 to 600")
    compare_regimes = serializers.BooleanField(default=True)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSerializer(serializers.ModelSerializer):
    facility_code = serializers.CharField(source="facility.code", read_only=True,
                                          default=None)
    # Plain strings: other apps already name "status" and "kind" enums in the schema.
    kind = serializers.CharField(read_only=True, help_text="admissions, facility or national")
    regime = serializers.CharField(read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="queued, running, ready, failed, cancelled, approved, "
                                  "rejected or stale")

    class Meta:
        model = HousingPlan
        fields = ["id", "kind", "facility", "facility_code", "regime", "status", "stage",
                  "progress", "best_objective", "lower_bound", "created_at", "created_by",
                  "started_at", "finished_at", "decided_by", "decided_at", "version"]
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    metrics = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField()
    alternatives = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "dispersal_limit", "hybrid_influence",
                  "designated_units", "overcrowding_percent", "weights", "time_limit",
                  "compare_regimes", "cancel_requested", "error", "decision_reason",
                  "metrics", "baseline", "current", "conflicts", "alternatives"]
        read_only_fields = fields

    def get_metrics(self, plan) -> dict:
        return plan.result.get("metrics", {})

    def get_baseline(self, plan) -> dict:
        return plan.result.get("baseline", {})

    def get_current(self, plan) -> dict:
        return plan.result.get("current", {})

    def get_conflicts(self, plan) -> list[dict]:
        return [{**c, "text": _text("conflict_text", c)} for c in plan.result.get("conflicts", [])]

    def get_alternatives(self, plan) -> list[dict]:
        return [{**a, "conflicts": [{**c, "text": _text("conflict_text", c)}
                                    for c in a.get("conflicts", [])]}
                for a in plan.result.get("alternatives", [])]


class ProgressSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = HousingPlan
        fields = ["id", "status", "stage", "progress", "best_objective", "lower_bound",
                  "cancel_requested"]
        read_only_fields = fields


class AssignmentSerializer(serializers.Serializer):
    prisoner = serializers.IntegerField()
    prison_number = serializers.CharField()
    name = serializers.CharField()
    from_cell = serializers.IntegerField(allow_null=True)
    from_label = serializers.CharField()
    cell = serializers.IntegerField(allow_null=True, help_text="null in a national plan, "
                                                              "which chooses units")
    cell_label = serializers.CharField(allow_null=True)
    unit = serializers.IntegerField(allow_null=True)
    unit_label = serializers.CharField()
    facility = serializers.IntegerField(allow_null=True, required=False)
    facility_code = serializers.CharField(required=False)
    moved = serializers.BooleanField()
    reasons = serializers.SerializerMethodField()

    def get_reasons(self, row) -> list[dict]:
        return [{**r, "text": _text("reason_text", r)} for r in row.get("reasons", [])]


class AssignmentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AssignmentSerializer(many=True)
