"""Building a housing problem from the records: scores, regimes, orders, who may move."""

from datetime import timedelta

from django.utils import timezone

from custos.custody import services as custody
from custos.custody.models import KeepApart
from custos.housing.inputs import problem_for, snapshot_for
from custos.housing.models import HousingPlan

from ..factories import PrisonerFactory
from .estate import approved_classification, estate_fixture, locked_scores  # noqa: F401


def plan(estate, kind="facility", **kw):
    return HousingPlan(kind=kind, facility=estate["facility"], **kw)


def test_scores_come_from_the_latest_locked_assessment_with_their_source(estate):
    leader = estate["people"]["leader"]
    newer = locked_scores(leader, estate["director"], influence=3, vulnerability=2, days_ago=0,
                          code="screen")
    draft = locked_scores(leader, estate["director"], influence=9, vulnerability=9, days_ago=-1)
    draft.status = "draft"
    draft.save()

    problem, _ = problem_for(plan=plan(estate))

    fact = problem.prisoner_by_id[leader.pk]
    assert (fact.influence, fact.vulnerability) == (3, 2)
    assert "screen" in fact.score_source and f"#{newer.pk}" in fact.score_source


def test_regime_and_category_come_from_the_latest_approved_classification(estate):
    young = estate["people"]["young"]
    approved_classification(young, estate["director"], regime="high_security", category="B")

    problem, _ = problem_for(plan=plan(estate))

    fact = problem.prisoner_by_id[young.pk]
    assert (fact.regime, fact.category) == ("high_security", "B")
    assert problem.prisoner_by_id[estate["people"]["leader"].pk].regime == "general"


def test_only_keep_aparts_in_force_between_the_plans_prisoners_count(estate):
    people, director = estate["people"], estate["director"]
    kept = custody.keep_apart_create(acting_user=director, prisoner_a=people["leader"],
                                     prisoner_b=people["recruiter"], reason="rivals",
                                     level="cell")
    expired = custody.keep_apart_create(acting_user=director, prisoner_a=people["leader"],
                                        prisoner_b=people["young"], reason="rivals")
    KeepApart.objects.filter(pk=expired.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1))
    elsewhere = PrisonerFactory()  # in another facility
    KeepApart.objects.create(prisoner_a=people["follower"], prisoner_b=elsewhere,
                             reason="rivals")

    problem, _ = problem_for(plan=plan(estate))

    assert [(k.a, k.b, k.level) for k in problem.keep_aparts] == [
        (kept.prisoner_a_id, kept.prisoner_b_id, "cell")]


def test_an_admissions_plan_moves_only_those_without_a_cell(estate):
    problem, _ = problem_for(plan=plan(estate, kind="admissions"))

    movable = {p.id for p in problem.prisoners if p.movable}
    assert movable == {estate["people"]["newcomer"].pk}
    assert len(problem.prisoners) == 5
    whole, _ = problem_for(plan=plan(estate))
    assert all(p.movable for p in whole.prisoners)


def test_the_estate_and_needs_reach_the_problem(estate):
    leader = estate["people"]["leader"]
    leader.needs_single_cell = True
    leader.family_home_latitude, leader.family_home_longitude = 12.6, -8.0
    leader.save()

    problem, _ = problem_for(plan=plan(estate))

    fact = problem.prisoner_by_id[leader.pk]
    assert fact.needs_single_cell and fact.home == (12.6, -8.0)
    assert fact.current_cell == estate["cells"]["A1"].pk
    assert {u.population_served for u in problem.units} == {"men"}
    assert sorted(c.label for c in problem.cells) == ["HSG/A/A-1", "HSG/A/A-2", "HSG/B/B-1",
                                                     "HSG/B/B-2"]


def test_the_snapshot_changes_when_someone_moves_and_only_then(estate):
    before = snapshot_for(plan=plan(estate))
    assert snapshot_for(plan=plan(estate)) == before

    custody.placement_create(acting_user=estate["director"],
                             prisoner=estate["people"]["newcomer"],
                             cell=estate["cells"]["A2"], reason="arrived")

    assert snapshot_for(plan=plan(estate)) != before


def test_the_query_count_does_not_grow_with_the_population(estate,
                                                           django_assert_max_num_queries):
    for _ in range(30):
        someone = PrisonerFactory(facility=estate["facility"])
        locked_scores(someone, estate["director"], influence=1)
        approved_classification(someone, estate["director"])

    with django_assert_max_num_queries(8):
        problem, _ = problem_for(plan=plan(estate))

    assert len(problem.prisoners) == 35
