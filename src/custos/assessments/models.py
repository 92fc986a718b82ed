"""Assessment instruments, loaded from files an agency writes (see instruments/README.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custos.core.models import TrackedModel

from .instruments import translated


class InstrumentKind(models.TextChoices):
    SCREENING = "screening", _("Screening")
    RISK_NEEDS = "risk_needs", _("Risk and needs")
    CELL_SHARING = "cell_sharing", _("Cell-sharing risk")


class Instrument(models.Model):
    """One version of an instrument. Never changed once loaded: a change is a new version,
    loaded beside this one, so assessments made with this version keep it."""

    code = models.CharField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=InstrumentKind.choices)
    title = models.JSONField(_("title"), help_text=_("Translations: language → text."))
    definition = models.JSONField(_("definition"))
    source_sha256 = models.CharField(_("SHA-256 of the file loaded"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now, editable=False)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("loaded by"))

    class Meta:
        verbose_name = _("assessment instrument")
        verbose_name_plural = _("assessment instruments")
        ordering = ["code", "loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An instrument is never changed in place; load a new version.")
        super().save(*args, **kwargs)

    @property
    def display_title(self) -> str:
        return translated(self.title)


class AssessorCertification(models.Model):
    """Who may assess with an instrument (any of its versions), and until when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="assessor_certifications", verbose_name=_("assessor"))
    instrument_code = models.CharField(_("instrument"), max_length=40)
    certified_on = models.DateField(_("certified on"))
    expires_on = models.DateField(_("expires on"))
    certified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("certified by"))

    class Meta:
        indexes = [models.Index(fields=["user", "instrument_code", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.instrument_code} · {self.expires_on}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, awaiting countersignature")
    LOCKED = "locked", _("Locked")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class Assessment(TrackedModel):
    """One assessment of one prisoner with one instrument version.

    Draft → submitted → (countersigned →) locked. A locked assessment is never changed: a
    correction is a new assessment that supersedes it, with its reason.
    """

    prisoner = models.ForeignKey("custody.Prisoner", on_delete=models.PROTECT,
                                 related_name="assessments", verbose_name=_("prisoner"))
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT,
                                   related_name="assessments", verbose_name=_("instrument"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("assessor"))
    status = models.CharField(_("status"), max_length=12, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    occasion = models.CharField(_("occasion"), max_length=100,
                                help_text=_("Admission, periodic review, trigger event, request"))
    ratings = models.JSONField(_("ratings"), default=dict)
    judgement = models.IntegerField(_("overall judgement"), null=True, blank=True)
    reasons = models.TextField(_("reasons for the judgement"), blank=True)
    score = models.IntegerField(_("score"), null=True, blank=True)
    band = models.CharField(_("band"), max_length=100, blank=True)
    indices = models.JSONField(_("indices"), default=dict)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    countersigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("countersigned by"))
    countersigned_at = models.DateTimeField(_("countersigned at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by",
                                      verbose_name=_("corrects"))
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["prisoner", "status", "locked_at"])]

    def __str__(self) -> str:
        return f"{self.instrument} · {self.prisoner_id} · {self.get_status_display()}"


class ClassificationRules(models.Model):
    """One version of the classification rules file. Never changed once loaded."""

    code = models.CharField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    definition = models.JSONField(_("definition"))
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rules_code_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"


class ClassificationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting the director")
    APPROVED = "approved", _("Approved")
    REPLACED = "replaced", _("Replaced by a later classification")


class Classification(TrackedModel):
    """A security category and regime: proposed by the rules, decided by a director."""

    prisoner = models.ForeignKey("custody.Prisoner", on_delete=models.PROTECT,
                                 related_name="classifications", verbose_name=_("prisoner"))
    rules = models.ForeignKey(ClassificationRules, on_delete=models.PROTECT,
                              verbose_name=_("rules"))
    facts = models.JSONField(_("facts the rules were given"))
    fired = models.JSONField(_("rules that fired"))
    proposed_category = models.CharField(_("proposed category"), max_length=20)
    category = models.CharField(_("category"), max_length=20, blank=True)
    regime = models.CharField(_("regime"), max_length=20, blank=True)
    justification = models.TextField(_("justification for another category"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ClassificationStatus.choices,
                              default=ClassificationStatus.PROPOSED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    review_on = models.DateField(_("review on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prisoner_id} · {self.category or self.proposed_category}"


class ClassificationReview(models.Model):
    """A prisoner's request for review of their classification, and its outcome."""

    classification = models.ForeignKey(Classification, on_delete=models.PROTECT,
                                       related_name="reviews")
    grounds = models.TextField(_("grounds given by the prisoner"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    outcome = models.TextField(_("outcome"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.classification_id} · {self.requested_at:%Y-%m-%d}"


class AssessmentRequest(models.Model):
    """A request for a (re)assessment: after an incident, before a decision, on request.

    It is due until an assessment of that kind is locked after it.
    """

    prisoner = models.ForeignKey("custody.Prisoner", on_delete=models.PROTECT,
                                 related_name="assessment_requests", verbose_name=_("prisoner"))
    kind = models.CharField(_("kind of assessment"), max_length=20,
                            choices=InstrumentKind.choices)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.prisoner_id} · {self.kind} · {self.requested_at:%Y-%m-%d}"


class CalibrationExercise(models.Model):
    """A case vignette that many certified assessors rate independently with one instrument,
    so the assessment lead can see how far they agree."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT,
                                   related_name="calibration_exercises",
                                   verbose_name=_("instrument"))
    title = models.CharField(_("title"), max_length=200)
    vignette = models.TextField(_("case vignette"),
                                help_text=_("The case description every assessor rates."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calibration exercise")
        verbose_name_plural = _("calibration exercises")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CalibrationRating(models.Model):
    """One assessor's independent rating of a calibration vignette: once, never changed."""

    exercise = models.ForeignKey(CalibrationExercise, on_delete=models.PROTECT,
                                 related_name="ratings", verbose_name=_("exercise"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("assessor"))
    ratings = models.JSONField(_("ratings"), help_text=_("Item code → value."))
    judgement = models.IntegerField(_("overall judgement"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "assessor"],
                                    name="calibration_rating_once"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} · {self.assessor}"
