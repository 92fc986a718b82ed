"""The prisoner's file shows his restrictive measures, charges and open flags to those who may
see them by name, and nothing of them to anyone else."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from custos.access.models import Allocation
from custos.oversight import discipline

from ..factories import PrisonerFactory, user_with_role
from .measures_helpers import impose


def test_the_file_lists_measures_charges_and_open_flags(client, director, facility):
    prisoner = PrisonerFactory(facility=facility, display_name="Filed Man")
    measure = impose(director, prisoner, days_ago=3)
    charge = discipline.charge_create(
        acting_user=director, prisoner=prisoner, offence="Fighting",
        rule_reference="Prison Rules r. 51(1)", particulars="On the yard.",
        incident_at=timezone.now() - timezone.timedelta(hours=2))
    client.force_login(director)

    html = client.get(reverse("custody:prisoner", args=[prisoner.pk])).content.decode()

    assert 'id="file-oversight"' in html
    assert reverse("oversight:measure", kwargs={"measure": measure.pk}) in html
    assert reverse("oversight:charge", kwargs={"charge": charge.pk}) in html
    assert "Fighting" in html


def test_a_case_manager_sees_no_oversight_section(client, director, facility):
    prisoner = PrisonerFactory(facility=facility)
    impose(director, prisoner, days_ago=3)
    manager = user_with_role("casemanager", facility, username="cm-file")
    Allocation.objects.create(user=manager, prisoner=prisoner, allocated_by=director)
    client.force_login(manager)

    response = client.get(reverse("custody:prisoner", args=[prisoner.pk]))

    assert response.status_code == 200
    assert 'id="file-oversight"' not in response.content.decode()
