"""The dashboard's figures over REST: the query and the shape of the answer (for the schema)."""

from __future__ import annotations

from rest_framework import serializers


class FiguresQuery(serializers.Serializer):
    facility = serializers.IntegerField(required=False, min_value=1,
                                        help_text="a facility id (default: all of yours)")
    start = serializers.DateField(required=False, help_text="first day (default: the first "
                                                            "day of the month 11 months ago)")
    end = serializers.DateField(required=False, help_text="last day (default: today)")


class DashboardFacilityRef(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class DashboardPeriod(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    months = serializers.ListField(child=serializers.DateField())


class DashboardOccupancy(serializers.Serializer):
    facility = serializers.CharField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    population = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class DashboardOccupancySection(serializers.Serializer):
    population = serializers.IntegerField()
    capacity = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)
    by_facility = DashboardOccupancy(many=True)


class DashboardCount(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DashboardInForce(DashboardCount):
    median_days = serializers.FloatField(allow_null=True)
    longest_days = serializers.IntegerField(allow_null=True)


class DashboardStarted(serializers.Serializer):
    month = serializers.DateField()
    count = serializers.IntegerField()


class DashboardMeasures(serializers.Serializer):
    in_force = DashboardInForce(many=True)
    in_force_total = serializers.IntegerField()
    solitary_past_limit = serializers.IntegerField(
        help_text="solitary confinement measures in force for more than limit_days days")
    prolonged_solitary = serializers.IntegerField(
        help_text="prisoners whose recorded solitary days run past limit_days in a row")
    limit_days = serializers.IntegerField()
    started = DashboardStarted(many=True)


class DashboardFlagMonth(serializers.Serializer):
    month = serializers.DateField()
    raised = serializers.IntegerField()
    resolved = serializers.IntegerField()


class DashboardFlagCode(serializers.Serializer):
    code = serializers.CharField()
    raised = serializers.IntegerField()
    resolved = serializers.IntegerField()
    open = serializers.IntegerField()
    raised_monthly = serializers.ListField(child=serializers.IntegerField())
    resolved_monthly = serializers.ListField(child=serializers.IntegerField())


class DashboardFlags(serializers.Serializer):
    monthly = DashboardFlagMonth(many=True)
    by_code = DashboardFlagCode(many=True)
    open_total = serializers.IntegerField()
    raised_total = serializers.IntegerField()
    resolved_total = serializers.IntegerField()


class DashboardDisciplineMonth(serializers.Serializer):
    month = serializers.DateField()
    charges = serializers.IntegerField()
    sanctions = serializers.IntegerField()


class DashboardDiscipline(serializers.Serializer):
    monthly = DashboardDisciplineMonth(many=True)
    charges_total = serializers.IntegerField()
    sanctions_total = serializers.IntegerField()
    sanctions_by_kind = DashboardCount(many=True)
    charges_by_status = DashboardCount(many=True)


class DashboardCaseKind(DashboardCount):
    open = serializers.IntegerField()


class DashboardCases(serializers.Serializer):
    by_kind = DashboardCaseKind(many=True)
    total = serializers.IntegerField()
    open_total = serializers.IntegerField()
    overdue_authority = serializers.IntegerField()
    overdue_next_of_kin = serializers.IntegerField()
    notify_within_hours = serializers.IntegerField()


class DashboardComplaintMonth(serializers.Serializer):
    month = serializers.DateField()
    received = serializers.IntegerField()
    answered = serializers.IntegerField()


class DashboardComplaints(serializers.Serializer):
    monthly = DashboardComplaintMonth(many=True)
    received_total = serializers.IntegerField()
    answered_total = serializers.IntegerField()
    median_days_to_answer = serializers.FloatField(allow_null=True)
    overdue_now = serializers.IntegerField()
    waiting_now = serializers.IntegerField()


class DashboardRecommendations(serializers.Serializer):
    by_status = DashboardCount(many=True)
    total = serializers.IntegerField()
    response_overdue = serializers.IntegerField()
    implementation_overdue = serializers.IntegerField()


class DashboardFiguresSerializer(serializers.Serializer):
    facilities = DashboardFacilityRef(many=True)
    facility = serializers.SerializerMethodField()
    period = DashboardPeriod()
    generated_at = serializers.DateTimeField()
    occupancy = DashboardOccupancySection()
    measures = DashboardMeasures()
    flags = DashboardFlags()
    discipline = DashboardDiscipline()
    cases = DashboardCases()
    complaints = DashboardComplaints()
    recommendations = DashboardRecommendations()

    def get_facility(self, figures) -> int | None:
        """The facility asked for, or null for all of the reader's."""
        return figures["facility"].pk if figures["facility"] else None
