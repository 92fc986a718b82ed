"""Prison intelligence: graded reports, compartments, sources, outside people, communications.

Prisoners and outside people (visitors, family, former associates) meet in one table of
*parties*, so a communication event and a network tie are two integers whatever the people
are. Outside people found to be one person are merged by pointing one at the other
(`OutsidePerson.merged_into`); nothing is rewritten, so a merge can be undone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from custos.access.models import Compartment
from custos.core.models import TrackedModel
from custos.custody.models import Facility, Prisoner


class Source(TrackedModel):
    """A human source. The identity is encrypted at rest (`crypto.py`) and shown to the
    source handler alone; reports carry the reference."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    identity_encrypted = models.BinaryField(_("identity (encrypted)"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("handler"))
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("active"), default=True)

    def __str__(self) -> str:
        return self.reference


class PersonKind(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    FAMILY = "family", _("Family member")
    FORMER_PRISONER = "former_prisoner", _("Former prisoner")
    ASSOCIATE = "associate", _("Outside associate")
    UNKNOWN = "unknown", _("Not yet known")


class OutsidePerson(TrackedModel):
    """Somebody who is not a prisoner of the service and appears in its intelligence."""

    name = models.CharField(_("name"), max_length=300, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PersonKind.choices,
                            default=PersonKind.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    related_prisoner = models.ForeignKey(
        Prisoner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("relative or visitor of"))
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="absorbed", verbose_name=_("merged into"))

    def __str__(self) -> str:
        return self.name


class IdentifierKind(models.TextChoices):
    PHONE = "phone", _("Phone number")
    ADDRESS = "address", _("Address")
    DOCUMENT = "document", _("Identity document")
    EMAIL = "email", _("E-mail")
    ACCOUNT = "account", _("Bank or money-transfer account")
    OTHER = "other", _("Other reference")


class Identifier(models.Model):
    """A phone number, address or document by which an outside person is known, as found
    in the source data (`value`) and normalised for matching (`key`)."""

    person = models.ForeignKey(OutsidePerson, on_delete=models.CASCADE,
                               related_name="identifiers")
    kind = models.CharField(_("kind"), max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(_("value"), max_length=300)
    key = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"],
                                               name="intelligence_identifier_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class Party(models.Model):
    """One node of the communications network: a prisoner or an outside person."""

    prisoner = models.OneToOneField(Prisoner, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    person = models.OneToOneField(OutsidePerson, null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="party")

    class Meta:
        constraints = [models.CheckConstraint(
            condition=Q(prisoner__isnull=True, person__isnull=False)
            | Q(prisoner__isnull=False, person__isnull=True),
            name="intelligence_party_is_one_thing")]

    def __str__(self) -> str:
        return str(self.prisoner or self.person)


class Flag(TrackedModel):
    """A party of concern to the analysts (alerts watch contact with them)."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(_("reason"), max_length=300)
    compartment = models.ForeignKey(Compartment, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)


class ReportKind(models.TextChoices):
    REPORT = "report", _("Intelligence report")
    OBSERVATION = "observation", _("Wing observation")
    RECEIVED = "received", _("Received from a partner agency")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, to be graded")
    GRADED = "graded", _("Graded")


class IntelligenceReport(TrackedModel):
    """What was observed or learned, about whom, when and where, and how far to trust it.

    Grading follows the scheme in force (`grading.py`): source evaluation, intelligence
    assessment, and a handling code that governs dissemination. An observation from the wing
    or information received back from police arrives ungraded, and an analyst grades it.
    """

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("facility"))
    compartment = models.ForeignKey(Compartment, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reports", verbose_name=_("compartment"))
    occurred_at = models.DateTimeField(_("when it happened"))
    place = models.CharField(_("where"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=200)
    text = models.TextField(_("what was observed or learned"))
    prisoners = models.ManyToManyField(Prisoner, blank=True, related_name="+",
                                       verbose_name=_("prisoners"))
    people = models.ManyToManyField(OutsidePerson, blank=True, related_name="reports",
                                    verbose_name=_("other people"))
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="reports", verbose_name=_("source"))
    source_description = models.CharField(
        _("source (when not a registered source)"), max_length=200, blank=True,
        help_text=_("For example: wing officer, monitored call, police."))
    scheme = models.CharField(_("grading scheme"), max_length=20, blank=True)
    source_evaluation = models.CharField(_("source evaluation"), max_length=2, blank=True)
    intelligence_assessment = models.CharField(_("intelligence assessment"), max_length=2,
                                               blank=True)
    handling_code = models.CharField(_("handling code"), max_length=2, blank=True)
    handling_conditions = models.CharField(_("handling conditions"), max_length=300,
                                           blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)
    in_reply_to = models.ForeignKey("Dissemination", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replies")

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["facility", "occurred_at"])]

    def __str__(self) -> str:
        return self.reference


class Audience(models.TextChoices):
    POLICE = "police", _("Police and prosecutors")
    DIRECTOR = "director", _("Prison director")


class Dissemination(TrackedModel):
    """A sanitised version of a report, written for police, prosecutors or the director:
    what its recipients see, never the report itself or its source."""

    report = models.ForeignKey(IntelligenceReport, on_delete=models.PROTECT,
                               related_name="disseminations")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("for"), max_length=10, choices=Audience.choices)
    recipients = models.CharField(_("recipients"), max_length=300)
    text = models.TextField(_("sanitised text"))
    handling_code = models.CharField(_("handling code"), max_length=2)
    handling_conditions = models.CharField(_("handling conditions"), max_length=300,
                                           blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class CommunicationKind(models.TextChoices):
    CALL = "call", _("Call")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    VIDEO_CALL = "video_call", _("Video call")
    MONEY_TRANSFER = "money_transfer", _("Money transfer")


class ImportBatch(models.Model):
    """One run of `custos import_communications`: what came in, and every row refused."""

    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    mapping = models.CharField(max_length=40)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list)  # [{"row": n, "reason": "..."}]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class CommunicationEvent(models.Model):
    """A call, letter, visit, video call or money transfer between two parties.

    `fingerprint` is a hash of the event's facts: importing the same file again adds nothing.
    """

    kind = models.CharField(max_length=15, choices=CommunicationKind.choices)
    occurred_at = models.DateTimeField()
    from_party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    to_party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    monitored = models.BooleanField(default=False)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    fingerprint = models.BigIntegerField(unique=True)

    class Meta:
        indexes = [
            models.Index(fields=["facility", "occurred_at"], name="comm_facility_time"),
            models.Index(fields=["from_party", "occurred_at"], name="comm_from_time"),
            models.Index(fields=["to_party", "occurred_at"], name="comm_to_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class MergeStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("merge status", "Proposed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    UNDONE = "undone", _("Undone")


class MergeProposal(TrackedModel):
    """Two outside-person records that may be one person: a score, the reasons, a decision.

    Accepting points `absorbed` at `kept`; undoing clears it again."""

    kept = models.ForeignKey(OutsidePerson, on_delete=models.CASCADE, related_name="+")
    absorbed = models.ForeignKey(OutsidePerson, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=MergeStatus.choices,
                              default=MergeStatus.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [models.UniqueConstraint(fields=["kept", "absorbed"],
                                               name="intelligence_one_proposal_per_pair")]


class AlertRuleKind(models.TextChoices):
    FLAGGED_CONTACT = "flagged_contact", _("Contact with a flagged person")
    CONCERN_TO_VULNERABLE_FAMILY = "concern_to_vulnerable_family", _(
        "A prisoner of concern contacts a vulnerable prisoner's family")
    RELEASED_CONTACT = "released_contact", _(
        "A released prisoner in contact with serving prisoners")


class AlertRule(TrackedModel):
    """A rule an analyst sets; `custos check_alerts` and every import raise its alerts."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=40, choices=AlertRuleKind.choices)
    facility = models.ForeignKey(Facility, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("facility"))
    compartment = models.ForeignKey(Compartment, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("compartment"))
    influence_at_least = models.PositiveSmallIntegerField(
        _("influence score from"), default=4,
        help_text=_("Prisoners of concern: influence score at least this."))
    vulnerability_at_least = models.PositiveSmallIntegerField(
        _("vulnerability score from"), default=6,
        help_text=_("Vulnerable prisoners: vulnerability score at least this."))
    active = models.BooleanField(_("active"), default=True)


class Alert(models.Model):
    """Evidence that a rule's condition happened: the events, and why they match."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    compartment = models.ForeignKey(Compartment, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    subject = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    explanation = models.JSONField(default=dict)  # code + params, rendered in the language
    events = models.JSONField(default=list)  # ids of the communication events
    first_event_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject", "other"],
                                               name="intelligence_one_alert_per_pair")]

    def __str__(self) -> str:
        return f"{self.rule.name} · {self.raised_at:%Y-%m-%d}"
