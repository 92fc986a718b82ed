"""Who holds which role, and where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class RoleAssignment(models.Model):
    """A role held by a user, limited to one facility, or national when `facility` is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    facility = models.ForeignKey(
        "custody.Facility", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "facility"], name="unique_role_per_facility"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(facility__isnull=True),
                name="unique_national_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.facility.code if self.facility_id else _("all facilities")
        return f"{self.user} · {self.get_role_display()} · {where}"
