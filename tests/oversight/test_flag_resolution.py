"""Who resolves a flag: a director of the facility; a flag addressed to the independent monitor
alone (a complaint confidential to his body) is resolved by that body's monitor, and the
prison's staff cannot even see it. Staff implicated in a custody case do not see its flags."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.audit.models import AuditEntry
from custos.oversight.flags import MONITOR, FlagSpec, raise_flags
from custos.oversight.models import (
    CustodyCase,
    Flag,
    ImplicatedStaff,
    MonitoringBody,
    MonitorMembership,
)

from ..factories import PrisonerFactory, user_with_role


@pytest.fixture
def monitor(facility):
    body = MonitoringBody.objects.create(name="NPM", kind="npm", mandate="All prisons.")
    body.facilities.add(facility)
    user = user_with_role("monitor", facility, username="npm-monitor")
    MonitorMembership.objects.create(body=body, user=user, started_on=timezone.localdate())
    return user


def _flag(facility, *, for_whom, subject_type="placement", subject_id=1, prisoner=None) -> Flag:
    raise_flags([FlagSpec(code="possible_retaliation", rule="Mandela Rule 57(2)",
                          facility_id=facility.pk, subject_type=subject_type,
                          subject_id=subject_id, raised_on=timezone.localdate(),
                          prisoner_id=prisoner.pk if prisoner else None,
                          for_whom=for_whom)])
    return Flag.objects.get(subject_type=subject_type, subject_id=subject_id)


def test_the_monitor_resolves_a_flag_addressed_to_him_alone(client, facility, monitor,
                                                            director):
    flag = _flag(facility, for_whom=(MONITOR,))
    client.force_login(director)
    assert client.get(reverse("oversight:flag", kwargs={"flag": flag.pk})).status_code == 404

    client.force_login(monitor)
    page = client.get(reverse("oversight:flag", kwargs={"flag": flag.pk}))
    done = client.post(reverse("oversight:flag", kwargs={"flag": flag.pk}),
                       {"resolution": "Spoke with the complainant; the move was asked for."})

    assert b'name="resolution"' in page.content
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.resolved_by == monitor and flag.resolution.startswith("Spoke")


def test_a_security_officer_cannot_resolve_and_the_attempt_is_recorded(client, facility,
                                                                        security):
    flag = _flag(facility, for_whom=("director", MONITOR))
    client.force_login(security)
    denials = AuditEntry.objects.filter(action="access.denied").count()

    response = client.post(reverse("oversight-flag-resolve", kwargs={"flag": flag.pk}),
                           {"resolution": "Nothing to see."}, content_type="application/json")

    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    flag.refresh_from_db()
    assert flag.resolved_at is None


def test_a_monitor_cannot_resolve_a_flag_meant_for_the_director(client, facility, monitor):
    flag = _flag(facility, for_whom=("director", MONITOR))
    client.force_login(monitor)

    response = client.post(reverse("oversight-flag-resolve", kwargs={"flag": flag.pk}),
                           {"resolution": "Closed by us."}, content_type="application/json")

    assert response.status_code == 403
    assert Flag.objects.get(pk=flag.pk).resolved_at is None


def test_staff_implicated_in_a_case_do_not_see_its_flags(client, facility, director):
    prisoner = PrisonerFactory(facility=facility)
    now = timezone.now()
    case = CustodyCase.objects.create(prisoner=prisoner, facility=facility, kind="torture",
                                      occurred_at=now, learned_at=now, account="Alleged.")
    ImplicatedStaff.objects.create(case=case, user=director, name="The director")
    other = user_with_role("director", facility, username="deputy-director")
    flag = _flag(facility, for_whom=("director", MONITOR), subject_type="case",
                 subject_id=case.pk, prisoner=prisoner)

    client.force_login(director)
    hidden = client.get(reverse("oversight-flag-list")).json()
    client.force_login(other)
    shown = client.get(reverse("oversight-flag-list")).json()

    assert flag.pk not in [f["id"] for f in hidden["results"]]
    assert flag.pk in [f["id"] for f in shown["results"]]


def test_every_areas_flag_reads_as_words_with_dates_in_the_readers_format(client, facility,
                                                                         director):
    raise_flags([FlagSpec(code="possible_retaliation", rule="Mandela Rule 57(2)",
                          facility_id=facility.pk, subject_type="placement", subject_id=7,
                          raised_on=timezone.localdate(), for_whom=("director", MONITOR),
                          evidence={"action": "placement", "action_at": "2026-11-21T16:00:00+00:00",
                                    "reason": "Asked for by the prisoner.",
                                    "complaint": {"id": 3, "received_on": "2026-11-03"}})])
    client.force_login(director)

    page = client.get(reverse("oversight:flags"), HTTP_ACCEPT_LANGUAGE="fr")

    html = page.content.decode()
    assert "Représailles possibles" in html and "Règle Nelson Mandela 57(2)" in html
    assert "03/11/2026" in html and "2026-11-03" not in html
    assert "Asked for by the prisoner." in html and "prisoner.." not in html
