"""Housing plans: a proposal of who lives where, how it was reached, and its fate."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel
from custos.custody.models import Facility


class PlanKind(models.TextChoices):
    ADMISSIONS = "admissions", _("New admissions into a facility")
    FACILITY = "facility", _("Full re-plan of a facility")
    NATIONAL = "national", _("National plan across facilities")


class PlanRegime(models.TextChoices):
    NONE = "none", _("No regime for terrorism-related prisoners beyond their classification")
    CONCENTRATION = "concentration", _("Concentration in designated units")
    DISPERSAL = "dispersal", _("Dispersal: at most k per unit")
    SEPARATION = "separation", _("Separation: units of their own")
    HYBRID = "hybrid", _("Hybrid: the most influential concentrated, the others dispersed")


class PlanStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready for a decision")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    APPROVED = "approved", _("Approved and applied")
    REJECTED = "rejected", _("Rejected")
    STALE = "stale", _("Refused: the facility changed since the plan was made")


class HousingPlan(TrackedModel):
    """One run of the optimiser over a population, with its settings and its result.

    `snapshot` fingerprints the placements, keep-aparts and classifications the plan was made
    from: approval is refused when the facility has changed since. `result` holds the
    assignments with their reasons, the metrics beside the current placements and first fit,
    the conflicts when no plan keeps every hard rule, and the alternative regimes compared.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=PlanKind.choices)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="housing_plans")
    regime = models.CharField(_("regime for terrorism-related prisoners"), max_length=20,
                              choices=PlanRegime.choices, default=PlanRegime.NONE)
    dispersal_limit = models.PositiveSmallIntegerField(_("at most this many per unit"), default=2)
    hybrid_influence = models.PositiveSmallIntegerField(
        _("influence from which a prisoner is concentrated (hybrid)"), default=4)
    designated_units = models.JSONField(_("designated units"), default=list, blank=True)
    overcrowding_percent = models.PositiveSmallIntegerField(
        _("overcrowding limit (% above beds)"), default=0)
    weights = models.JSONField(_("objective weights"), default=dict)
    time_limit = models.PositiveIntegerField(_("time limit (seconds)"), default=60)
    compare_regimes = models.BooleanField(_("compare the other regimes"), default=True)

    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices,
                              default=PlanStatus.QUEUED)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    progress = models.FloatField(_("progress"), default=0.0)
    best_objective = models.BigIntegerField(_("best objective so far"), null=True, blank=True)
    lower_bound = models.BigIntegerField(_("proven lower bound"), null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    snapshot = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)

    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["facility", "status"])]

    def __str__(self) -> str:
        where = self.facility.code if self.facility_id else _("all facilities")
        return f"#{self.pk} {self.get_kind_display()} — {where}"
