"""Who sees what of independent monitoring: a monitor his own body's records within its
mandate; the prison side what is addressed to its facility, without the body's notes and
without an unannounced visit before it happened; partners, providers and police nothing; and
a monitor never intelligence."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.oversight import monitoring
from custos.oversight import monitoring_selectors as selectors
from custos.oversight.models import MonitoringBody

from ..factories import FacilityFactory, user_with_role
from .monitoring_fixtures import done_visit, make_body, make_monitor, recommend


@pytest.fixture
def elsewhere(db):
    return FacilityFactory(code="KYS", name="Kayes")


@pytest.fixture
def body(facility, elsewhere):
    return make_body([facility, elsewhere])


@pytest.fixture
def monitor(body):
    return make_monitor(body)


@pytest.fixture
def rival(facility):
    return make_monitor(make_body([facility], name="Civil society"), username="rival")


def test_a_monitor_sees_only_his_own_bodys_visits_and_recommendations(monitor, rival,
                                                                      facility):
    mine = recommend(monitor, done_visit(monitor, facility))
    theirs = recommend(rival, done_visit(rival, facility))

    assert list(selectors.recommendation_list_visible_to(user=monitor)) == [mine]
    assert list(selectors.visit_list_visible_to(user=rival)) == [theirs.finding.visit]
    with pytest.raises(Http404):
        selectors.recommendation_get(user=monitor, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.visit_get(user=monitor, pk=theirs.finding.visit_id)


def test_a_facility_leaving_the_mandate_leaves_the_monitors_view(monitor, body, facility,
                                                                 elsewhere):
    made = recommend(monitor, done_visit(monitor, facility))
    body.facilities.set([elsewhere])
    monitor.__dict__.pop("_custos_body", None)

    assert not selectors.recommendation_list_visible_to(user=monitor).exists()
    assert not selectors.visit_list_visible_to(user=monitor).exists()
    with pytest.raises(Http404):
        selectors.recommendation_get(user=monitor, pk=made.pk)


def test_a_monitor_whose_role_is_for_one_facility_sees_only_it(facility, elsewhere):
    body = make_body([facility, elsewhere], name="Regional")
    local = make_monitor(body, facility=elsewhere, username="local")

    with pytest.raises(AccessDenied):
        monitoring.visit_plan(acting_user=local, facility=facility,
                              planned_on=timezone.localdate())
    visit = done_visit(local, elsewhere)

    assert list(selectors.visit_list_visible_to(user=local)) == [visit]


def test_the_director_sees_every_bodys_recommendations_for_his_facility(monitor, rival,
                                                                       facility, elsewhere,
                                                                       director):
    mine = recommend(monitor, done_visit(monitor, facility))
    theirs = recommend(rival, done_visit(rival, facility))
    recommend(monitor, done_visit(monitor, elsewhere), text="Kayes only")

    assert set(selectors.recommendation_list_visible_to(user=director)) == {mine, theirs}
    assert set(selectors.awaiting_response(user=director)) == {mine, theirs}


def test_the_prison_side_does_not_see_an_unannounced_visit_before_it_happens(
        monitor, facility, director, security):
    tomorrow = timezone.localdate() + timedelta(days=1)
    surprise = monitoring.visit_plan(acting_user=monitor, facility=facility,
                                     planned_on=tomorrow, announced=False)
    announced = monitoring.visit_plan(acting_user=monitor, facility=facility,
                                      planned_on=tomorrow)

    for reader in (director, security):
        assert list(selectors.visit_list_visible_to(user=reader)) == [announced]
        with pytest.raises(Http404):
            selectors.visit_get(user=reader, pk=surprise.pk)
    assert set(selectors.visit_list_visible_to(user=monitor)) == {surprise, announced}


def test_an_unannounced_visit_carried_out_is_seen_by_the_director(monitor, facility,
                                                                 director):
    today = timezone.localdate()
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today,
                                  announced=False)
    monitoring.visit_record(acting_user=monitor, visit=visit, version=1, visited_on=today,
                            team="Two")

    assert selectors.visit_get(user=director, pk=visit.pk) == visit


def test_the_bodys_notes_are_for_its_monitors_only(monitor, rival, facility, director):
    visit = done_visit(monitor, facility)

    assert selectors.may_read_notes(monitor, visit)
    assert not selectors.may_read_notes(director, visit)
    assert not selectors.may_read_notes(rival, visit)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PROVIDER, Role.POLICE, Role.ANALYST])
def test_other_roles_see_no_monitoring(monitor, facility, role):
    recommend(monitor, done_visit(monitor, facility))
    user = user_with_role(role, facility)

    assert not selectors.recommendation_list_visible_to(user=user).exists()
    assert not selectors.visit_list_visible_to(user=user).exists()


@pytest.mark.parametrize("role", [Role.PARTNER, Role.PROVIDER, Role.POLICE])
def test_other_roles_are_refused_the_pages_and_the_api(client, monitor, facility, role):
    made = recommend(monitor, done_visit(monitor, facility))
    client.force_login(user_with_role(role, facility))
    denials = AuditEntry.objects.filter(action="access.denied").count()

    urls = [reverse("oversight:monitoring"), reverse("oversight:recommendation", args=[made.pk]),
            reverse("oversight-recommendation-list"),
            reverse("oversight-visit-detail", args=[made.finding.visit_id])]
    assert [client.get(url).status_code for url in urls] == [403] * 4
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 4


def test_a_monitor_never_reaches_intelligence(client, monitor):
    client.force_login(monitor)

    assert client.get("/intelligence/").status_code == 403
    assert client.get("/api/v1/intelligence/reports/").status_code == 403
    assert client.get(reverse("oversight:monitoring")).status_code == 200


def test_only_the_administrator_reads_bodies(monitor, director, body):
    admin = user_with_role(Role.ADMIN, None, username="admin")

    assert list(selectors.body_list(user=admin)) == [body]
    assert not selectors.body_list(user=director).exists()
    assert not selectors.body_list(user=monitor).exists()
    assert MonitoringBody.objects.count() == 1
