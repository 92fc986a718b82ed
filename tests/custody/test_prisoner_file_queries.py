"""The prisoner file costs the same number of queries however long the prisoner's history."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custos.custody import services
from custos.custody.models import FamilyMember, Offence, Placement

from ..factories import CellFactory, PrisonerFactory

# A generous ceiling: the page, the session, the user's roles and the audit entry it writes.
MAX_QUERIES = 25


def with_history(*, facility, unit, by, moves: int, extras: int = 1):
    """A prisoner moved `moves` times between two cells of their own, with `extras` offences,
    relatives and keep-apart orders."""
    cells = [CellFactory(unit=unit, beds=1), CellFactory(unit=unit, beds=1)]
    prisoner = PrisonerFactory(facility=facility, names=["Mohamed Traoré", "Abu Qaqa"])
    start = prisoner.admitted_at
    for i in range(moves):
        services.placement_create(acting_user=by, prisoner=prisoner, cell=cells[i % len(cells)],
                                  reason=f"move {i}", at=start + timedelta(hours=i + 1))
    for i in range(extras):
        Offence.objects.create(prisoner=prisoner, description=f"offence {i}",
                               terrorism_related=i == 0)
        FamilyMember.objects.create(prisoner=prisoner, name=f"child {i}", relationship="son",
                                    is_child=True, date_of_birth=date(2015, 1, 1))
        other = PrisonerFactory(facility=facility)
        order = services.keep_apart_create(acting_user=by, prisoner_a=prisoner, prisoner_b=other,
                                           reason="co_defendants", level="cell")
        if i % 2:
            services.keep_apart_close(acting_user=by, order=order, reason="resolved",
                                      expected_version=order.version)
    return prisoner


def queries_for(client, prisoner) -> tuple[int, str]:
    url = reverse("custody:prisoner", args=[prisoner.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_file_with_one_placement_renders_within_the_bound(client, director, facility, unit,
                                                          django_assert_max_num_queries):
    prisoner = with_history(facility=facility, unit=unit, by=director, moves=1)
    client.force_login(director)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("custody:prisoner", args=[prisoner.pk]))
    assert response.status_code == 200
    assert "move 0" in response.content.decode()


def test_file_with_thirty_placements_renders_within_the_bound(client, director, facility,
                                                              unit,
                                                              django_assert_max_num_queries):
    prisoner = with_history(facility=facility, unit=unit, by=director, moves=30)
    assert Placement.objects.filter(prisoner=prisoner).count() == 30
    client.force_login(director)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("custody:prisoner", args=[prisoner.pk]))
    assert response.status_code == 200
    assert "move 29" in response.content.decode()
    assert "move 0" in response.content.decode()


def test_query_count_does_not_grow_with_the_history(client, director, facility, unit):
    # given one prisoner with a single placement and another with thirty, and more of
    # everything else on the file
    short = with_history(facility=facility, unit=unit, by=director, moves=1, extras=1)
    long = with_history(facility=facility, unit=unit, by=director, moves=30, extras=6)
    client.force_login(director)
    queries_for(client, short)  # first request of the session: warm every cache alike
    # when each file is opened
    short_count, short_page = queries_for(client, short)
    long_count, long_page = queries_for(client, long)
    # then both cost the same, and the long history is all there
    assert short_count == long_count
    assert short_count <= MAX_QUERIES
    assert short_page.count("move ") == 1
    assert long_page.count("move ") == 30
    assert long_page.count("child ") == 6


def test_file_of_a_released_prisoner_renders_within_the_bound(client, director, facility, unit):
    released = with_history(facility=facility, unit=unit, by=director, moves=30)
    services.prisoner_release(acting_user=director, prisoner=released,
                              released_at=timezone.now(), reason="end of sentence",
                              expected_version=None)
    client.force_login(director)
    queries_for(client, released)
    count, page = queries_for(client, released)
    assert count <= MAX_QUERIES
    assert page.count("move ") == 30
    assert "end of sentence" in page
