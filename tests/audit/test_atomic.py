"""A write and its audit entry commit together or not at all, bulk operations included."""

import pytest
from django.db import transaction

from custos.audit import chain, trail
from custos.audit.models import AuditEntry
from custos.custody import services
from custos.custody.models import Placement

from ..factories import PrisonerFactory

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_failure_after_recording_leaves_no_entry():
    before = AuditEntry.objects.count()

    with pytest.raises(Boom), transaction.atomic():
        trail.record(None, "test.write", reason="will roll back")
        raise Boom

    assert AuditEntry.objects.count() == before
    assert chain.verify().ok


def test_a_bulk_operation_that_fails_leaves_no_entry():
    before = AuditEntry.objects.count()
    anchor_object = trail.record(None, "test.first")

    with pytest.raises(Boom), transaction.atomic():
        trail.record_many(None, "test.bulk", [anchor_object] * 50)
        raise Boom

    assert AuditEntry.objects.count() == before + 1
    assert chain.verify().ok


def test_a_service_that_fails_after_auditing_leaves_neither_the_change_nor_the_entry(
        monkeypatch, director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    before = AuditEntry.objects.count()
    real_record = trail.record

    def record_then_fail(*args, **kwargs):
        real_record(*args, **kwargs)
        raise Boom("the service failed after writing its audit entry")

    monkeypatch.setattr(trail, "record", record_then_fail)

    with pytest.raises(Boom):
        services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                  reason="first placement")

    assert not Placement.objects.filter(prisoner=prisoner).exists()
    assert AuditEntry.objects.count() == before


def test_a_service_whose_audit_entry_cannot_be_written_changes_nothing(
        monkeypatch, director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)
    before = AuditEntry.objects.count()

    def broken_hash(entry):
        raise Boom("the audit trail is unavailable")

    monkeypatch.setattr(trail, "entry_hash", broken_hash)

    with pytest.raises(Boom):
        services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                  reason="first placement")

    assert not Placement.objects.filter(prisoner=prisoner).exists()
    assert AuditEntry.objects.count() == before


def test_a_successful_service_commits_its_change_and_its_entry(director, facility, cell):
    prisoner = PrisonerFactory(facility=facility)

    placement = services.placement_create(acting_user=director, prisoner=prisoner, cell=cell,
                                          reason="first placement")

    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_id) == ("placement.create", str(placement.pk))
    assert chain.verify().ok
