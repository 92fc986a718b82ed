"""API representations. Sensitive fields are dropped for roles without the need to know."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from custos.access import redaction

from .models import (
    AdmissionRecord,
    Cell,
    Facility,
    FamilyMember,
    KeepApart,
    KeepApartLevel,
    KeepApartReason,
    LegalStatus,
    Offence,
    Placement,
    Prisoner,
    PrisonerName,
    Sex,
    Unit,
)


class FacilitySerializer(serializers.ModelSerializer):
    population = serializers.IntegerField(read_only=True)
    occupancy_percent = serializers.SerializerMethodField()

    class Meta:
        model = Facility
        fields = ["id", "code", "name", "country", "security_level", "official_capacity",
                  "population_served", "latitude", "longitude", "population",
                  "occupancy_percent", "version"]

    def get_occupancy_percent(self, facility) -> float | None:
        if not facility.official_capacity:
            return None
        return round(100 * facility.population / facility.official_capacity, 1)


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "facility", "code", "name", "regime", "security_level", "mixed_sex",
                  "mixed_age", "mixed_legal_status", "version"]


class CellSerializer(serializers.ModelSerializer):
    occupants = serializers.SerializerMethodField()

    class Meta:
        model = Cell
        fields = ["id", "unit", "number", "landing", "beds", "single_occupancy", "accessible",
                  "occupants", "version"]

    def get_occupants(self, cell) -> list[int]:
        return [p.pk for p in cell.occupants.all()]


class NameSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrisonerName
        fields = ["full_name", "script", "kind"]
        extra_kwargs = {"kind": {"required": False}, "script": {"required": False}}


class OffenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Offence
        fields = ["description", "legal_reference", "terrorism_related", "committed_on"]


class FamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = FamilyMember
        fields = ["name", "relationship", "is_child", "date_of_birth", "whereabouts", "carer",
                  "contact"]


class AdmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdmissionRecord
        fields = ["commitment_order", "commitment_authority", "arrested_on", "arrest_place",
                  "visible_injuries", "ill_treatment_complaints", "property_inventory",
                  "next_of_kin_name", "next_of_kin_relationship", "next_of_kin_contact",
                  "emergency_contact"]


class RedactingSerializer(serializers.ModelSerializer):
    """Drops the fields `access.redaction` hides from this user for this prisoner."""

    def to_representation(self, instance):
        hidden = redaction.hidden_fields(self.context["request"].user, "custody.prisoner",
                                         facility_id=instance.facility_id,
                                         prisoner_id=instance.pk)
        return redaction.redact(super().to_representation(instance), hidden)


PRISONER_FIELDS = [
    "id", "prison_number", "display_name", "sex", "date_of_birth", "nationality", "languages",
    "interpreter_needed", "legal_status", "terrorism_related", "returned_foreign_fighter",
    "categories", "sentence_start", "expected_release", "status", "facility", "current_cell",
    "admitted_at", "released_at", "release_reason", "religion", "health_notes", "disability",
    "mental_health_condition", "pregnant_or_nursing", "group_affiliation", "needs_single_cell",
    "needs_accessible_cell", "family_home",
    "family_home_latitude", "family_home_longitude", "version",
]


class PrisonerSerializer(RedactingSerializer):
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Prisoner
        fields = PRISONER_FIELDS
        read_only_fields = PRISONER_FIELDS

    def get_categories(self, prisoner) -> list[str]:
        tags = []
        if prisoner.sex == "F":
            tags.append("woman")
        if prisoner.is_juvenile():
            tags.append("juvenile")
        if prisoner.returned_foreign_fighter:
            tags.append("returned_foreign_fighter")
        return tags


class PrisonerDetailSerializer(PrisonerSerializer):
    names = NameSerializer(many=True, read_only=True)
    offences = OffenceSerializer(many=True, read_only=True)
    family = FamilySerializer(many=True, read_only=True)
    admission = AdmissionSerializer(read_only=True)

    class Meta(PrisonerSerializer.Meta):
        fields = [*PRISONER_FIELDS, "names", "offences", "family", "admission"]
        read_only_fields = fields


class PrisonerFactsSerializer(serializers.Serializer):
    """The optional facts admission and later edits share."""

    terrorism_related = serializers.BooleanField(required=False)
    returned_foreign_fighter = serializers.BooleanField(required=False)
    sentence_start = serializers.DateField(required=False, allow_null=True)
    expected_release = serializers.DateField(required=False, allow_null=True)
    religion = serializers.CharField(max_length=100, required=False, allow_blank=True)
    health_notes = serializers.CharField(required=False, allow_blank=True)
    disability = serializers.CharField(max_length=200, required=False, allow_blank=True)
    mental_health_condition = serializers.BooleanField(required=False)
    pregnant_or_nursing = serializers.BooleanField(required=False)
    group_affiliation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    needs_single_cell = serializers.BooleanField(required=False)
    needs_accessible_cell = serializers.BooleanField(required=False)
    family_home = serializers.CharField(max_length=200, required=False, allow_blank=True)
    family_home_latitude = serializers.FloatField(required=False, allow_null=True,
                                                  min_value=-90, max_value=90)
    family_home_longitude = serializers.FloatField(required=False, allow_null=True,
                                                   min_value=-180, max_value=180)


class PrisonerAdmitSerializer(PrisonerFactsSerializer):
    facility = serializers.PrimaryKeyRelatedField(queryset=Facility.objects.all())
    prison_number = serializers.CharField(max_length=30)
    names = NameSerializer(many=True)
    date_of_birth = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices)
    nationality = serializers.CharField(max_length=2, required=False, allow_blank=True)
    languages = serializers.CharField(max_length=100, required=False, allow_blank=True)
    interpreter_needed = serializers.BooleanField(required=False)
    admitted_at = serializers.DateTimeField(required=False)
    admission = AdmissionSerializer()
    family = FamilySerializer(many=True, required=False)
    offences = OffenceSerializer(many=True, required=False)
    cell = serializers.PrimaryKeyRelatedField(queryset=Cell.objects.all(), required=False,
                                              allow_null=True)
    placement_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PrisonerUpdateSerializer(PrisonerFactsSerializer):
    version = serializers.IntegerField(min_value=1)
    date_of_birth = serializers.DateField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    nationality = serializers.CharField(max_length=2, required=False, allow_blank=True)
    languages = serializers.CharField(max_length=100, required=False, allow_blank=True)
    interpreter_needed = serializers.BooleanField(required=False)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices, required=False)
    cell = serializers.PrimaryKeyRelatedField(
        queryset=Cell.objects.none(), required=False, allow_null=True,
        help_text=_("With a change of legal status only: the cell the prisoner moves to, in "
                    "the same change, when the present cell or unit would otherwise hold "
                    "remand and convicted prisoners together (Mandela Rule 11(b))."))


class ReleaseSerializer(serializers.Serializer):
    released_at = serializers.DateTimeField(required=False)
    reason = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1, required=False)


class PlacementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Placement
        fields = ["id", "prisoner", "cell", "started_at", "ended_at", "reason", "authorised_by",
                  "overcrowding_override", "override_reason"]
        read_only_fields = fields


class PlacementCreateSerializer(serializers.Serializer):
    prisoner = serializers.PrimaryKeyRelatedField(queryset=Prisoner.objects.none())
    cell = serializers.PrimaryKeyRelatedField(queryset=Cell.objects.none())
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text=_("The prisoner's version you last saw."))
    overcrowding_override = serializers.BooleanField(required=False, default=False)
    override_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class KeepApartSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = KeepApart
        fields = ["id", "prisoner_a", "prisoner_b", "reason", "details", "level", "expires_on",
                  "active", "closed_at", "close_reason", "created_at", "version"]
        read_only_fields = fields

    def get_active(self, order) -> bool:
        from django.utils import timezone

        return order.is_active(timezone.localdate())


class KeepApartCreateSerializer(serializers.Serializer):
    prisoner_a = serializers.PrimaryKeyRelatedField(queryset=Prisoner.objects.none())
    prisoner_b = serializers.PrimaryKeyRelatedField(queryset=Prisoner.objects.none())
    reason = serializers.ChoiceField(choices=KeepApartReason.choices)
    level = serializers.ChoiceField(choices=KeepApartLevel.choices, default=KeepApartLevel.UNIT)
    details = serializers.CharField(required=False, allow_blank=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField()
    version = serializers.IntegerField(min_value=1, required=False)
