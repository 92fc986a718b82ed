"""Assessment instruments, loaded from files an agency writes (see instruments/README.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
