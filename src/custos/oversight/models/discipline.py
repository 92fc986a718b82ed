"""Discipline: a charge, notice to the prisoner, a hearing with its rights, a decision, a
sanction (never a prohibited one, Rule 43) and an appeal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel
from custos.custody.models import Facility, Prisoner


class ChargeStatus(models.TextChoices):
    CHARGED = "charged", _("Charged")
    NOTIFIED = "notified", _("Prisoner notified")
    HEARD = "heard", _("Heard")
    PROVED = "proved", _("Proved")
    NOT_PROVED = "not_proved", _("Not proved")
    APPEALED = "appealed", _("Under appeal")
    CLOSED = "closed", _("Closed")


class DisciplinaryCharge(TrackedModel):
    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT,
                                 related_name="disciplinary_charges")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    offence = models.CharField(_("offence against discipline"), max_length=300)
    rule_reference = models.CharField(_("prison rule"), max_length=100)
    particulars = models.TextField(_("what happened"))
    incident_at = models.DateTimeField(_("incident at"))
    status = models.CharField(_("status"), max_length=12, choices=ChargeStatus.choices,
                              default=ChargeStatus.CHARGED)
    # Rule 41(2): informed without delay, in a language he understands, of the charge.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notice_language = models.CharField(_("language of the notice"), max_length=10, blank=True)
    # Who put the notice into his language, when it was not given in one he understands.
    notice_interpreter = models.CharField(_("interpreter of the notice"), max_length=200,
                                          blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)

    class Meta:
        ordering = ["-incident_at"]
        indexes = [models.Index(fields=["facility", "incident_at"]),
                   models.Index(fields=["prisoner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.offence} — {self.prisoner.prison_number}"


class HearingFinding(models.TextChoices):
    PROVED = "proved", _("Proved")
    NOT_PROVED = "not_proved", _("Not proved")


class Hearing(TrackedModel):
    """The hearing, with what Rule 41 requires recorded as facts the services check."""

    charge = models.OneToOneField(DisciplinaryCharge, on_delete=models.PROTECT,
                                  related_name="hearing")
    held_at = models.DateTimeField(_("held at"))
    adjudicator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("adjudicator"))
    language = models.CharField(_("language of the hearing"), max_length=10)
    interpreter = models.CharField(_("interpreter"), max_length=200, blank=True)
    prisoner_heard = models.BooleanField(_("the prisoner was heard"))
    prisoner_statement = models.TextField(_("the prisoner's statement"), blank=True)
    legal_assistance = models.CharField(_("legal assistance"), max_length=200, blank=True)
    witnesses = models.TextField(_("witnesses"), blank=True)
    finding = models.CharField(_("finding"), max_length=12, choices=HearingFinding.choices)


class SanctionKind(models.TextChoices):
    """Lawful sanctions first; the prohibited ones (Rule 43) are listed so a request for one is
    refused with the rule cited rather than read as an unknown word."""

    CAUTION = "caution", _("Caution")
    LOSS_OF_PRIVILEGES = "loss_of_privileges", _("Loss of privileges")
    LOSS_OF_EARNINGS = "loss_of_earnings", _("Stoppage of earnings")
    EXTRA_WORK = "extra_work", _("Extra work")
    CONFINEMENT_TO_CELL = "confinement_to_cell", _("Confinement to cell")
    COLLECTIVE = "collective", _("Collective punishment")
    CORPORAL = "corporal", _("Corporal punishment")
    REDUCED_DIET = "reduced_diet", _("Reduction of diet or drinking water")
    DARK_CELL = "dark_cell", _("Placement in a dark cell")
    LIT_CELL = "lit_cell", _("Placement in a constantly lit cell")
    RESTRAINTS = "restraints", _("Instruments of restraint as a sanction")
    NO_FAMILY_CONTACT = "no_family_contact", _("Prohibition of family contact")
    INDEFINITE_SOLITARY = "indefinite_solitary", _("Indefinite solitary confinement")
    PROLONGED_SOLITARY = "prolonged_solitary", _("Prolonged solitary confinement")


class Sanction(TrackedModel):
    charge = models.ForeignKey(DisciplinaryCharge, on_delete=models.PROTECT,
                               related_name="sanctions")
    kind = models.CharField(_("sanction"), max_length=30, choices=SanctionKind.choices)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    details = models.TextField(_("details"), blank=True)
    starts_on = models.DateField(_("starts on"))


class AppealOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Decision upheld")
    VARIED = "varied", _("Sanction varied")
    QUASHED = "quashed", _("Decision quashed")


class Appeal(TrackedModel):
    """Rule 41(4): a review of the decision by a competent independent authority."""

    charge = models.OneToOneField(DisciplinaryCharge, on_delete=models.PROTECT,
                                  related_name="appeal")
    lodged_at = models.DateTimeField(_("lodged at"))
    grounds = models.TextField(_("grounds"))
    authority = models.CharField(_("reviewing authority"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AppealOutcome.choices,
                               default=AppealOutcome.PENDING)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
