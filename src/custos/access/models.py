"""Who holds which role, and where."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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


class CurrentQuerySet(models.QuerySet):
    def current(self):
        now = timezone.now()
        return self.filter(models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=now))


class Allocation(models.Model):
    """A prisoner on a case manager's or intervention provider's caseload."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="allocations", verbose_name=_("staff member"))
    prisoner = models.ForeignKey("custody.Prisoner", on_delete=models.PROTECT,
                                 related_name="allocations", verbose_name=_("prisoner"))
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    allocated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("allocated by"))

    objects = CurrentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "prisoner"],
                                    condition=models.Q(ended_at__isnull=True),
                                    name="one_open_allocation"),
        ]
        indexes = [models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.prisoner_id} → {self.user}"


class BreakGlass(models.Model):
    """One file opened outside the user's scope, with the reason they typed, for a while."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="break_glass", verbose_name=_("user"))
    prisoner = models.ForeignKey("custody.Prisoner", on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("prisoner"))
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    ended_at = models.DateTimeField(_("expires at"))

    objects = CurrentQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"])]
        verbose_name_plural = _("break-glass openings")

    def __str__(self) -> str:
        return f"{self.user} · {self.prisoner_id} · {self.opened_at:%Y-%m-%d %H:%M}"


class Compartment(models.Model):
    """A need-to-know group of intelligence: what is restricted to it is seen by its members
    alone, and outside it nothing (search, counts, links, alerts) shows that it exists."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name


class CompartmentMember(models.Model):
    compartment = models.ForeignKey(Compartment, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["compartment", "user"], condition=Q(ended_at__isnull=True),
            name="access_one_open_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.compartment}"
