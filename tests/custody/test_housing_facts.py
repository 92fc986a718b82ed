"""The facts the housing optimiser needs: single and accessible cells, the family's home."""

import pytest
from django.test import Client

from custos.core.errors import InvalidInput
from custos.custody import services
from custos.custody.models import Prisoner

from ..factories import PrisonerFactory


def test_the_api_records_housing_needs_and_the_family_home(director, facility):
    prisoner = PrisonerFactory(facility=facility)
    client = Client()
    client.force_login(director)

    response = client.patch(f"/api/v1/prisoners/{prisoner.pk}/", {
        "version": 1, "needs_single_cell": True, "family_home": "Kayes",
        "family_home_latitude": 14.45, "family_home_longitude": -11.44},
        content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json()["needs_single_cell"] is True
    saved = Prisoner.objects.get(pk=prisoner.pk)
    assert (saved.family_home, saved.family_home_latitude) == ("Kayes", 14.45)


@pytest.mark.parametrize("field,value", [("family_home_latitude", 91),
                                         ("family_home_longitude", -180.5)])
def test_coordinates_out_of_range_are_refused_naming_the_field(director, facility, field,
                                                               value):
    prisoner = PrisonerFactory(facility=facility)
    client = Client()
    client.force_login(director)

    response = client.patch(f"/api/v1/prisoners/{prisoner.pk}/", {"version": 1, field: value},
                            content_type="application/json")

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert getattr(Prisoner.objects.get(pk=prisoner.pk), field) is None
    with pytest.raises(InvalidInput) as refused:
        services.prisoner_update(acting_user=director, prisoner=prisoner, expected_version=1,
                                 changes={field: value})
    assert refused.value.field == field
