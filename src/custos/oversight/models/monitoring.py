"""Independent monitoring (seed 003, objective 2): bodies and their mandates, visits, findings,
recommendations, and the government's tracked response to each."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel
from custos.custody.models import Facility


class BodyKind(models.TextChoices):
    NPM = "npm", _("National preventive mechanism")
    OMBUDSMAN = "ombudsman", _("Ombudsman")
    NGO = "ngo", _("Civil-society organisation")
    INTERNATIONAL = "international", _("International body")
    JUDICIAL = "judicial", _("Judicial authority")


class MonitoringBody(TrackedModel):
    """A body with a mandate: which facilities, whether it may see individual cases."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices)
    mandate = models.TextField(_("mandate"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    facilities = models.ManyToManyField(Facility, related_name="+",
                                        verbose_name=_("facilities in the mandate"))
    individual_cases = models.BooleanField(_("may see individual cases"), default=False)
    unannounced_visits = models.BooleanField(_("may visit unannounced"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MonitorMembership(TrackedModel):
    """A monitor (a user with the monitor role) acts for one body at a time."""

    body = models.ForeignKey(MonitoringBody, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="monitor_memberships")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["user"], condition=models.Q(ended_on__isnull=True),
            name="one_current_body_per_monitor")]


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Carried out")
    CANCELLED = "cancelled", _("Cancelled")


class MonitoringVisit(TrackedModel):
    body = models.ForeignKey(MonitoringBody, on_delete=models.PROTECT, related_name="visits")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    planned_on = models.DateField(_("planned for"))
    announced = models.BooleanField(_("announced in advance"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices,
                              default=VisitStatus.PLANNED)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    team = models.TextField(_("team"), blank=True)
    # Rule 84(1)(d), OPCAT art. 14(d): private interviews. Only their number is recorded by
    # the prison side; what was said stays with the body.
    private_interviews = models.PositiveSmallIntegerField(_("prisoners interviewed in private"),
                                                          default=0)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["-planned_on"]
        indexes = [models.Index(fields=["facility", "planned_on"])]


class FindingArea(models.TextChoices):
    CONDITIONS = "conditions", _("Material conditions")
    TREATMENT = "treatment", _("Treatment")
    HEALTH = "health", _("Health care")
    MEASURES = "measures", _("Restrictive measures")
    DISCIPLINE = "discipline", _("Discipline")
    CONTACT = "contact", _("Contact with the outside world")
    COMPLAINTS = "complaints", _("Complaints")
    STAFF = "staff", _("Staff")
    OTHER = "other", _("Other")


class MonitoringFinding(TrackedModel):
    visit = models.ForeignKey(MonitoringVisit, on_delete=models.PROTECT,
                              related_name="findings")
    area = models.CharField(_("area"), max_length=20, choices=FindingArea.choices)
    text = models.TextField(_("finding"))


class RecommendationStatus(models.TextChoices):
    AWAITING_RESPONSE = "awaiting", _("Awaiting the government's response")
    IN_PROGRESS = "in_progress", _("Being implemented")
    IMPLEMENTED = "implemented", _("Implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    CLOSED = "closed", _("Closed")


class ResponseKind(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTLY = "partly", _("Partly accepted")
    REJECTED = "rejected", _("Rejected")


class Recommendation(TrackedModel):
    """A recommendation and where it stands; its history is `updates`, visible to both sides."""

    finding = models.ForeignKey(MonitoringFinding, on_delete=models.PROTECT,
                                related_name="recommendations")
    body = models.ForeignKey(MonitoringBody, on_delete=models.PROTECT,
                             related_name="recommendations")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("recommendation"))
    response_due_on = models.DateField(_("response due on"))
    status = models.CharField(_("status"), max_length=20, choices=RecommendationStatus.choices,
                              default=RecommendationStatus.AWAITING_RESPONSE)
    response = models.CharField(_("government response"), max_length=10,
                                choices=ResponseKind.choices, blank=True)
    response_reasons = models.TextField(_("reasons"), blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    deadline = models.DateField(_("implementation deadline"), null=True, blank=True)

    class Meta:
        ordering = ["response_due_on"]
        indexes = [models.Index(fields=["facility", "status"])]


class RecommendationUpdate(TrackedModel):
    """One step in a recommendation's history: a response, a status change, a comment."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.PROTECT,
                                       related_name="updates")
    status = models.CharField(_("status"), max_length=20, choices=RecommendationStatus.choices)
    response = models.CharField(_("government response"), max_length=10,
                                choices=ResponseKind.choices, blank=True)
    comment = models.TextField(_("comment"))
    by_body = models.BooleanField(_("from the monitoring body"), default=False)

    class Meta:
        ordering = ["created_at"]
