"""Flags: what the safeguards noticed, with the rule, the evidence and whom it is for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.custody.models import Facility, Prisoner


class FlagSeverity(models.TextChoices):
    WARNING = "warning", _("Warning")
    BREACH = "breach", _("Breach")


class Flag(models.Model):
    """One finding of the safeguards (`custos check_safeguards`, or a service as it saves).

    `key` makes raising idempotent: the nightly check can run twice and a day's flag is
    raised once. `subject_type`/`subject_id` name the record it is about (a measure, a
    complaint, a custody case, a disciplinary charge, a recommendation).
    """

    key = models.CharField(max_length=200, unique=True)
    code = models.CharField(_("what"), max_length=50, db_index=True)
    rule = models.CharField(_("rule"), max_length=120)
    severity = models.CharField(_("severity"), max_length=10, choices=FlagSeverity.choices)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    prisoner = models.ForeignKey(Prisoner, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    subject_type = models.CharField(max_length=30)
    subject_id = models.BigIntegerField()
    evidence = models.JSONField(_("evidence"), default=dict)
    for_whom = models.JSONField(_("for"), default=list)
    raised_on = models.DateField(_("raised on"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-raised_on", "code"]
        indexes = [
            models.Index(fields=["facility", "resolved_at", "raised_on"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.rule})"
