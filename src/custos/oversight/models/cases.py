"""Deaths, disappearances, serious injuries and allegations of torture or ill-treatment in
custody: cases reported without delay to an independent authority (Rule 71), with next of kin
notified (Rules 69–70), and the staff implicated kept off them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel
from custos.custody.models import Facility, Prisoner


class CaseKind(models.TextChoices):
    DEATH = "death", _("Death in custody")
    DISAPPEARANCE = "disappearance", _("Disappearance")
    SERIOUS_INJURY = "serious_injury", _("Serious injury")
    TORTURE = "torture", _("Allegation of torture")
    ILL_TREATMENT = "ill_treatment", _("Allegation of cruel, inhuman or degrading treatment")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REFERRED = "referred", _("Referred to the independent authority")
    CLOSED = "closed", _("Closed")


class CustodyCase(TrackedModel):
    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    occurred_at = models.DateTimeField(_("occurred or alleged at"))
    learned_at = models.DateTimeField(_("known to the prison at"))
    account = models.TextField(_("what is known"))
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices,
                              default=CaseStatus.OPEN)
    # Rule 71(1): reported without delay to a judicial or other competent authority
    # independent of the prison administration.
    authority = models.CharField(_("independent authority"), max_length=200, blank=True)
    authority_reported_at = models.DateTimeField(_("reported to the authority at"), null=True,
                                                 blank=True)
    authority_reference = models.CharField(_("authority's reference"), max_length=100,
                                           blank=True)
    # Rules 69–70: next of kin informed at once.
    next_of_kin = models.CharField(_("next of kin informed"), max_length=200, blank=True)
    next_of_kin_notified_at = models.DateTimeField(_("next of kin informed at"), null=True,
                                                   blank=True)
    # Rule 71(3): evidence preserved.
    evidence_preserved = models.TextField(_("evidence preserved"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_reasons = models.TextField(_("reasons for closing"), blank=True)

    class Meta:
        ordering = ["-learned_at"]
        indexes = [models.Index(fields=["facility", "learned_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.prisoner.prison_number}"


class ImplicatedStaff(TrackedModel):
    """A member of staff implicated: recorded, and kept off the case (no reading, no
    writing), closed or not: what the case holds stays out of his reach."""

    case = models.ForeignKey(CustodyCase, on_delete=models.PROTECT, related_name="implicated")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    role_in_events = models.CharField(_("role in the events"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"],
                                               name="implicated_once")]
