"""Retention: long-released prisoners' files are listed for review; their contacts erased."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.core.models import RetentionRule
from custos.custody import retention
from custos.custody.models import FamilyMember, Prisoner

from ..factories import PrisonerFactory


@pytest.fixture(autouse=True)
def rules(db):
    """The shipped defaults (a flush of transactional tests may have emptied the table)."""
    for category, days, action in (("prisoner", 3650, "review"), ("contact", 730, "erase")):
        RetentionRule.objects.update_or_create(category=category, defaults={
            "retention_days": days, "action": action})


def released_long_ago(facility, years: int) -> Prisoner:
    prisoner = PrisonerFactory(facility=facility)
    Prisoner.objects.filter(pk=prisoner.pk).update(
        status="released", released_at=timezone.now() - timedelta(days=365 * years))
    FamilyMember.objects.create(prisoner=prisoner, name="Awa", relationship="sister")
    return prisoner


def test_old_files_are_listed_for_review_and_old_contacts_erased_with_an_audit(
        facility, director):
    old = released_long_ago(facility, years=11)
    recent = released_long_ago(facility, years=1)

    due = {d.category: d for d in retention.report()}
    erased = retention.erase_due_contacts(acting_user=director)

    assert due["prisoner"].count == 1 and due["prisoner"].action == "review"
    assert erased == 1
    assert not FamilyMember.objects.filter(prisoner=old).exists()
    assert FamilyMember.objects.filter(prisoner=recent).exists()
    assert Prisoner.objects.filter(pk=old.pk).exists()  # a person decides about the file
    assert AuditEntry.objects.filter(action="retention.erase", object_id=str(old.pk)).exists()


def test_the_retention_command_reports_without_changing_anything(facility, capsys):
    released_long_ago(facility, years=3)

    call_command("retention")

    assert "contact" in capsys.readouterr().out
    assert FamilyMember.objects.count() == 1
