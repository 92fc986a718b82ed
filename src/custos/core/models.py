"""The shared kernel: every record knows who made it, who last changed it, and its version."""

from django.conf import settings
from django.db import models


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
