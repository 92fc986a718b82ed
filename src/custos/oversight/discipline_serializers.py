"""Discipline in and out of the API. The prisoner and the free text of a case are shown only
to readers who may see who it is about (`scoping.names_visible`); others get the label."""

from __future__ import annotations

from rest_framework import serializers

from . import discipline, scoping
from . import discipline_selectors as selectors
from .models import (
    ChargeStatus,
    DisciplinaryCharge,
    Hearing,
    HearingFinding,
    Sanction,
    SanctionKind,
)


def _values(choices) -> str:
    return ", ".join(choices.values)


class ChargeSerializer(serializers.ModelSerializer):
    """A charge in a list; `context["user"]` decides whether the prisoner is named."""

    prisoner = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text=_values(ChargeStatus))

    class Meta:
        model = DisciplinaryCharge
        fields = ["id", "prisoner", "subject", "facility", "offence", "rule_reference",
                  "incident_at", "status", "notified_at", "notice_language",
                  "notice_interpreter", "decided_at", "version"]

    def _names(self, charge) -> bool:
        return scoping.names_visible(self.context["user"], charge.facility_id)

    def get_prisoner(self, charge) -> int | None:
        return charge.prisoner_id if self._names(charge) else None

    def get_subject(self, charge) -> str:
        return scoping.subject_label(self.context["user"], charge.prisoner, charge.facility_id)


class ChargeHearingSerializer(serializers.ModelSerializer):
    finding = serializers.CharField(read_only=True, help_text=_values(HearingFinding))

    class Meta:
        model = Hearing
        fields = ["held_at", "adjudicator", "language", "interpreter", "prisoner_heard",
                  "prisoner_statement", "legal_assistance", "witnesses", "finding"]


class ChargeSanctionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_values(SanctionKind))
    void = serializers.SerializerMethodField(help_text="Quashed on appeal.")

    class Meta:
        model = Sanction
        fields = ["id", "kind", "days", "starts_on", "details", "void"]

    def get_void(self, sanction) -> bool:
        return discipline.sanction_void(sanction)


class ChargeAppealSerializer(serializers.Serializer):
    lodged_at = serializers.DateTimeField()
    authority = serializers.CharField()
    grounds = serializers.CharField()
    outcome = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    reasons = serializers.CharField()


class ChargeRightSerializer(serializers.Serializer):
    rule = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    evidence = serializers.CharField()


class ChargeDetailSerializer(ChargeSerializer):
    """The whole procedure: hearing, decision, sanctions, appeal and each right's state."""

    particulars = serializers.SerializerMethodField()
    decision_reasons = serializers.SerializerMethodField()
    hearing = serializers.SerializerMethodField()
    sanctions = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()
    rights = serializers.SerializerMethodField()

    class Meta(ChargeSerializer.Meta):
        fields = [*ChargeSerializer.Meta.fields, "particulars", "decision_reasons", "hearing",
                  "sanctions", "appeal", "rights"]

    def _text(self, charge, value: str) -> str | None:
        return value if self._names(charge) else None

    def get_particulars(self, charge) -> str | None:
        return self._text(charge, charge.particulars)

    def get_decision_reasons(self, charge) -> str | None:
        return self._text(charge, charge.decision_reasons)

    def get_hearing(self, charge) -> dict | None:
        hearing = getattr(charge, "hearing", None)
        if hearing is None:
            return None
        data = ChargeHearingSerializer(hearing).data
        if not self._names(charge):
            data["prisoner_statement"] = data["witnesses"] = None
        return data

    def get_sanctions(self, charge) -> list[dict]:
        data = ChargeSanctionSerializer(selectors.sanctions_of(charge=charge), many=True).data
        if not self._names(charge):
            for row in data:
                row["details"] = None
        return data

    def get_appeal(self, charge) -> dict | None:
        appeal = getattr(charge, "appeal", None)
        if appeal is None:
            return None
        data = ChargeAppealSerializer(appeal).data
        if not self._names(charge):
            data["grounds"] = data["reasons"] = None
        return data

    def get_rights(self, charge) -> list[dict]:
        return ChargeRightSerializer(selectors.rights(charge), many=True).data


class ChargeCreateSerializer(serializers.Serializer):
    prisoner = serializers.IntegerField()
    offence = serializers.CharField(max_length=300)
    rule_reference = serializers.CharField(max_length=100, allow_blank=True)
    particulars = serializers.CharField()
    incident_at = serializers.DateTimeField()


class ChargeVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version of the charge you read.")


class ChargeNotifySerializer(ChargeVersionSerializer):
    notified_at = serializers.DateTimeField()
    language = serializers.CharField(max_length=10)
    interpreter = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        default="")


class ChargeHearingRecordSerializer(ChargeVersionSerializer):
    held_at = serializers.DateTimeField()
    adjudicator = serializers.IntegerField(help_text="A director of the charge's prison.")
    language = serializers.CharField(max_length=10)
    interpreter = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        default="")
    prisoner_heard = serializers.BooleanField()
    prisoner_statement = serializers.CharField(required=False, allow_blank=True, default="")
    legal_assistance = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                             default="")
    witnesses = serializers.CharField(required=False, allow_blank=True, default="")
    finding = serializers.CharField(help_text=_values(HearingFinding))


class ChargeDecideSerializer(ChargeVersionSerializer):
    reasons = serializers.CharField()


class ChargeSanctionImposeSerializer(serializers.Serializer):
    # Every kind is accepted here so that a prohibited one is refused with its rule cited.
    kind = serializers.CharField(help_text=_values(SanctionKind))
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                    max_value=32767, default=None)
    starts_on = serializers.DateField()
    details = serializers.CharField(required=False, allow_blank=True, default="")


class ChargeAppealLodgeSerializer(ChargeVersionSerializer):
    grounds = serializers.CharField()
    authority = serializers.CharField(max_length=200)
    lodged_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ChargeVariationSerializer(serializers.Serializer):
    sanction = serializers.IntegerField()
    days = serializers.IntegerField(min_value=1, max_value=32767)


class ChargeAppealDecisionSerializer(ChargeVersionSerializer):
    outcome = serializers.CharField(help_text="upheld, varied or quashed")
    reasons = serializers.CharField()
    variations = ChargeVariationSerializer(many=True, required=False, default=list)


class ChargeFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.ListField(child=serializers.DictField())
    by_offence = serializers.ListField(child=serializers.DictField())
    by_sanction = serializers.ListField(child=serializers.DictField())
