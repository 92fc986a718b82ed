"""The register of restrictive measures, their reviews, and the wing's record of each day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel
from custos.custody.models import Facility, Prisoner


class MeasureKind(models.TextChoices):
    SEGREGATION = "segregation", _("Segregation")
    SOLITARY = "solitary", _("Solitary confinement")
    RESTRAINTS = "restraints", _("Instruments of restraint")
    RESTRICTED_VISITS = "restricted_visits", _("Restricted visits")
    RESTRICTED_CORRESPONDENCE = "restricted_correspondence", _("Restricted correspondence")
    SEPARATION_UNIT = "separation_unit", _("Separation-unit placement")
    SPECIAL_SEARCH = "special_search", _("Special searches")


# Kinds whose days are recorded hour by hour: where solitary confinement (Rule 44) can happen.
DAILY_KINDS = frozenset({MeasureKind.SEGREGATION, MeasureKind.SOLITARY})


class RestrictiveMeasure(TrackedModel):
    """A measure that restricts a prisoner beyond the ordinary regime, with its reasons.

    Imposed by security staff or a director; a director authorises it (an emergency measure
    imposed without authorisation is flagged). `facility` is where it was imposed, kept on the
    row so registers and dashboards narrow without a join.
    """

    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT,
                                 related_name="restrictive_measures")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=MeasureKind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    necessity = models.TextField(_("why it is necessary"))
    proportionality = models.TextField(_("why it is proportionate"))
    alternatives_considered = models.TextField(_("less restrictive alternatives considered"),
                                               blank=True)
    started_at = models.DateTimeField(_("started at"))
    planned_review_on = models.DateField(_("review due on"))
    planned_end_on = models.DateField(_("planned end"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("authorised by"))
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["facility", "ended_at", "kind"]),
            models.Index(fields=["prisoner", "started_at"]),
            models.Index(fields=["ended_at", "planned_review_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F(
                    "started_at")), name="measure_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.prisoner.prison_number}"

    @property
    def in_force(self) -> bool:
        return self.ended_at is None


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    VARY = "vary", _("Vary (less restrictive)")
    END = "end", _("End")


class MeasureReview(TrackedModel):
    measure = models.ForeignKey(RestrictiveMeasure, on_delete=models.PROTECT,
                                related_name="reviews")
    reviewed_at = models.DateTimeField(_("reviewed at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=ReviewOutcome.choices)
    reasons = models.TextField(_("reasons"))
    next_review_on = models.DateField(_("next review due on"), null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at"]


class DailyRecord(TrackedModel):
    """One day of a prisoner under segregation or solitary confinement, as the wing saw it.

    One row per prisoner and day, whichever measure he was under: ending one measure and
    starting another must not reset the count of consecutive solitary days (Rule 44).
    """

    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="+")
    measure = models.ForeignKey(RestrictiveMeasure, on_delete=models.PROTECT,
                                related_name="days")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("day"))
    hours_without_contact = models.DecimalField(
        _("hours without meaningful human contact"), max_digits=4, decimal_places=1)
    exercise_minutes = models.PositiveSmallIntegerField(_("minutes in the open air"), default=0)
    health_visit = models.BooleanField(_("health-care visit"), default=False)
    contacts = models.TextField(_("meaningful contacts (who, how long)"), blank=True)

    class Meta:
        ordering = ["on"]
        constraints = [
            models.UniqueConstraint(fields=["prisoner", "on"], name="one_daily_record_a_day"),
            models.CheckConstraint(
                condition=models.Q(hours_without_contact__gte=0)
                & models.Q(hours_without_contact__lte=24), name="hours_in_a_day"),
        ]
        indexes = [models.Index(fields=["facility", "on"])]
