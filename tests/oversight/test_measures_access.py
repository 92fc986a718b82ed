"""Who reads the register: staff their facilities; a monitor only the facilities of his body's
mandate, with names only where the mandate allows individual cases; partners nothing (403).
A flag addressed to the independent monitor alone is not shown to prison staff."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from custos.oversight import measure_selectors as selectors
from custos.oversight.flags import MONITOR, FlagSpec, raise_flags
from custos.oversight.models import Flag

from ..factories import FacilityFactory, PrisonerFactory, user_with_role
from .measures_helpers import day, impose, monitor_for


@pytest.fixture
def other_facility(db):
    return FacilityFactory(code="GAO", name="Gao Prison")


@pytest.fixture
def here(director, facility):
    measure = impose(director, PrisonerFactory(facility=facility, display_name="Here Person"),
                     days_ago=2)
    day(director, measure, timezone.localdate(), health=False)
    return measure


@pytest.fixture
def there(other_facility):
    boss = user_with_role("director", other_facility, username="gao-director")
    return impose(boss, PrisonerFactory(facility=other_facility, display_name="There Person"),
                  days_ago=2)


def test_a_monitor_sees_the_register_of_his_mandate_only(here, there, facility):
    monitor = monitor_for([facility], individual_cases=True, username="npm")

    assert list(selectors.measure_register(user=monitor)) == [here]
    assert {f.facility_id for f in selectors.flag_list(user=monitor)} == {facility.pk}


def test_a_monitor_whose_mandate_allows_individual_cases_sees_names(client, here, facility):
    client.force_login(monitor_for([facility], individual_cases=True, username="npm"))

    page = client.get(reverse("oversight:measures"))
    api = client.get(reverse("oversight-measure-list")).json()

    assert "Here Person" in page.content.decode()
    assert api["results"][0]["prisoner"] == here.prisoner_id
    assert "Here Person" in api["results"][0]["subject"]


def test_a_monitor_without_individual_cases_sees_no_names(client, here, facility):
    client.force_login(monitor_for([facility], individual_cases=False, username="ngo"))

    pages = [client.get(reverse("oversight:measures")),
             client.get(reverse("oversight:measure", kwargs={"measure": here.pk})),
             client.get(reverse("oversight:flags"))]
    api = client.get(reverse("oversight-measure-list")).json()["results"][0]
    flag = client.get(reverse("oversight-flag-list")).json()["results"][0]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "Here Person" not in html and here.prisoner.prison_number not in html
        assert f"case {here.prisoner_id}" in html
    assert api["prisoner"] is None and "Here Person" not in api["subject"]
    assert flag["prisoner"] is None and "Here Person" not in flag["subject"]


def test_a_measure_outside_the_mandate_answers_404(client, there, facility):
    client.force_login(monitor_for([facility], individual_cases=True, username="npm"))

    assert client.get(reverse("oversight:measure",
                              kwargs={"measure": there.pk})).status_code == 404
    assert client.get(reverse("oversight-measure-detail",
                              kwargs={"measure": there.pk})).status_code == 404


def test_a_monitor_acting_for_no_body_sees_nothing(here, facility):
    monitor = user_with_role("monitor", facility, username="lapsed")

    assert list(selectors.measure_register(user=monitor)) == []
    assert list(selectors.flag_list(user=monitor)) == []


@pytest.mark.parametrize("name,kwargs", [
    ("oversight:measures", False), ("oversight:measure", True), ("oversight:flags", False),
    ("oversight-measure-list", False), ("oversight-measure-detail", True),
    ("oversight-flag-list", False)])
def test_partners_see_nothing(client, here, facility, name, kwargs):
    client.force_login(user_with_role("partner", facility))

    response = client.get(reverse(name, kwargs={"measure": here.pk} if kwargs else None))

    assert response.status_code == 403
    assert "Here Person" not in response.content.decode()


def test_staff_see_their_facility_only(here, there, security):
    assert list(selectors.measure_register(user=security)) == [here]


def test_a_flag_for_the_monitor_alone_is_not_shown_to_prison_staff(here, facility, director):
    raise_flags([FlagSpec(code="possible_retaliation", rule="Mandela Rule 57(2)",
                          facility_id=facility.pk, subject_type="complaint", subject_id=1,
                          raised_on=timezone.localdate(), for_whom=(MONITOR,))])
    monitor = monitor_for([facility], individual_cases=False, username="ngo")
    secret = Flag.objects.get(code="possible_retaliation")

    assert secret not in selectors.flag_list(user=director, state="")
    assert secret in selectors.flag_list(user=monitor, state="")
    assert "possible_retaliation" not in selectors.flag_codes(user=director)


def test_reading_a_measure_is_audited(client, here, director):
    from custos.audit.models import AuditEntry

    client.force_login(director)
    client.get(reverse("oversight:measure", kwargs={"measure": here.pk}))
    client.get(reverse("oversight-measure-detail", kwargs={"measure": here.pk}))

    assert AuditEntry.objects.filter(action="oversight.measure_read",
                                     object_id=str(here.pk)).count() == 2
