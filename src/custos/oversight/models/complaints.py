"""Requests and complaints (Rules 56–57), confidential where the prisoner asks, with a
deadline for an answer and escalation when it passes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel
from custos.custody.models import Facility, Prisoner

from .monitoring import MonitoringBody


class ComplaintChannel(models.TextChoices):
    STAFF = "staff", _("Through staff")
    MONITOR = "monitor", _("Through an independent monitor")
    PARTNER = "partner", _("Through a civil-society partner")


class Confidentiality(models.TextChoices):
    NONE = "none", _("Not confidential")
    DIRECTOR = "director", _("Confidential to the director")
    BODY = "body", _("Confidential to an independent body")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Awaiting an answer")
    ESCALATED = "escalated", _("Escalated")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Complaint(TrackedModel):
    prisoner = models.ForeignKey(Prisoner, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    is_request = models.BooleanField(_("a request rather than a complaint"), default=False)
    channel = models.CharField(_("filed"), max_length=10, choices=ComplaintChannel.choices)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("the complaint"))
    confidentiality = models.CharField(_("confidentiality"), max_length=10,
                                       choices=Confidentiality.choices,
                                       default=Confidentiality.NONE)
    body = models.ForeignKey(MonitoringBody, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="complaints", verbose_name=_("independent body"))
    received_at = models.DateTimeField(_("received at"))
    answer_due_on = models.DateField(_("answer due on"))
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.OPEN)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["facility", "received_at"]),
                   models.Index(fields=["status", "answer_due_on"]),
                   models.Index(fields=["prisoner", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(confidentiality="body") | models.Q(body__isnull=False),
                name="confidential_to_a_named_body"),
        ]

    def __str__(self) -> str:
        # A confidential complaint's subject stays out of every list and log that names it.
        if self.confidentiality != Confidentiality.NONE:
            return f"#{self.pk}"
        return self.subject
