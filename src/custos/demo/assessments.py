"""The demo's assessment set-up: the shipped instruments and rules, certified assessors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from custos.access.models import RoleAssignment
from custos.access.roles import Role
from custos.accounts.models import User
from custos.assessments import classifying, services
from custos.assessments.models import AssessorCertification

SHIPPED = Path(__file__).resolve().parents[3] / "instruments"
INSTRUMENTS = ("intake-screening.yaml", "ve-risk-needs.yaml", "cell-sharing.yaml")


def set_up(*, director: User, assessor: User, password_hash: str) -> list[str]:
    """Load what ships in instruments/ and certify two assessors (one countersigns)."""
    if not SHIPPED.is_dir():
        return []
    loaded = [services.instrument_load(acting_user=None, text=(SHIPPED / name).read_text(),
                                       source_name=name) for name in INSTRUMENTS]
    classifying.rules_load(text=(SHIPPED / "classification.yaml").read_text())
    second, created = User.objects.get_or_create(
        username="assessor2", defaults={"display_name": "Second assessor"})
    if created:
        second.password = password_hash
        second.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=second, role=Role.ASSESSOR, facility=None)
    today = timezone.localdate()
    for user in (assessor, second):
        for instrument in loaded:
            AssessorCertification.objects.get_or_create(
                user=user, instrument_code=instrument.code,
                defaults={"certified_on": today - timedelta(days=30),
                          "expires_on": today + timedelta(days=365), "certified_by": director})
    return [str(i) for i in loaded]
