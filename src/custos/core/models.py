"""The shared kernel: every record knows who made it, who last changed it, and its version."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """Authorship and an optimistic-locking version, carried by every Custos record."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def stamp(self, user) -> None:
        """Record the author of a new record or of a change, before saving it."""
        if self.pk is None:
            self.created_by = user
        self.updated_by = user


class PersonCategory(models.TextChoices):
    """Distinct categories of people (EU Law Enforcement Directive art. 6)."""

    PRISONER = "prisoner", _("Prisoner")
    SUSPECT = "suspect", _("Suspect")
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")
    INFORMANT = "informant", _("Informant")
    CONTACT = "contact", _("Contact or family member")


class RetentionAction(models.TextChoices):
    REVIEW = "review", _("Review: a person decides to keep or erase")
    ERASE = "erase", _("Erase")


class RetentionRule(models.Model):
    """How long records of one category of people are kept after their case closes.

    Configuration per country: the shipped defaults are a starting point for the service's
    own data-protection officer, not legal advice.
    """

    category = models.CharField(_("category"), max_length=20, choices=PersonCategory.choices,
                                unique=True)
    retention_days = models.PositiveIntegerField(_("kept for (days)"))
    action = models.CharField(_("then"), max_length=10, choices=RetentionAction.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.retention_days} d → {self.action}"
