"""The government's response to a recommendation and what follows, with its history visible to
both sides; and the nightly flags at their boundaries (the day of vs the day after)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from custos.access.policy import AccessDenied
from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.core.errors import ConcurrentEdit, InvalidInput, InvalidTransition
from custos.oversight import monitoring, safeguards
from custos.oversight import monitoring_selectors as selectors
from custos.oversight.models import Flag, Recommendation, RecommendationUpdate

from ..factories import FacilityFactory, user_with_role
from .monitoring_fixtures import done_visit, make_body, make_monitor, recommend


@pytest.fixture
def body(facility):
    return make_body([facility])


@pytest.fixture
def monitor(body):
    return make_monitor(body)


@pytest.fixture
def made(monitor, facility):
    return recommend(monitor, done_visit(monitor, facility))


def later(days=30):
    return timezone.localdate() + timedelta(days=days)


def respond(director, made, **values):
    values = {"version": made.version, "response": "accepted", "owner": "Head of wing A",
              "deadline": later(), **values}
    return monitoring.recommendation_respond(acting_user=director, recommendation=made,
                                             **values)


def unchanged(made):
    fresh = Recommendation.objects.get(pk=made.pk)
    return (fresh.status, fresh.response, fresh.version, fresh.updates.count()) == (
        "awaiting", "", made.version, 0)


# --- the response --------------------------------------------------------------------------


def test_an_accepted_recommendation_is_being_implemented(director, made):
    answered = respond(director, made)

    assert (answered.status, answered.response, answered.owner) == (
        "in_progress", "accepted", "Head of wing A")
    assert answered.responded_by == director and answered.version == made.version + 1
    step = answered.updates.get()
    assert (step.by_body, step.response, step.status, step.created_by) == (
        False, "accepted", "in_progress", director)
    assert AuditEntry.objects.filter(action="oversight.recommendation_respond",
                                     object_id=str(made.pk)).count() == 1


def test_a_rejection_closes_it_with_its_reasons(director, made):
    answered = respond(director, made, response="rejected", reasons="No budget this year.",
                       owner="ignored", deadline=later())

    assert (answered.status, answered.owner, answered.deadline) == ("closed", "", None)
    assert answered.updates.get().comment == "No budget this year."


@pytest.mark.parametrize("response", ["partly", "rejected"])
def test_reasons_are_required_short_of_full_acceptance(director, made, response):
    with pytest.raises(InvalidInput) as refused:
        respond(director, made, response=response, reasons="  ")

    assert refused.value.field == "reasons"
    assert unchanged(made)


@pytest.mark.parametrize("response", ["accepted", "partly"])
@pytest.mark.parametrize("missing", ["owner", "deadline"])
def test_owner_and_deadline_are_required_for_what_is_accepted(director, made, response,
                                                              missing):
    with pytest.raises(InvalidInput) as refused:
        respond(director, made, response=response, reasons="Half of it",
                **{missing: "" if missing == "owner" else None})

    assert refused.value.field == missing
    assert unchanged(made)


def test_a_deadline_in_the_past_is_refused_and_today_is_accepted(director, made):
    with pytest.raises(InvalidInput) as refused:
        respond(director, made, deadline=later(-1))
    assert refused.value.field == "deadline" and unchanged(made)

    assert respond(director, made, deadline=later(0)).deadline == timezone.localdate()


def test_a_response_over_a_stale_version_is_refused(director, made):
    with pytest.raises(ConcurrentEdit) as refused:
        respond(director, made, version=made.version - 1)

    assert refused.value.status == 409
    assert unchanged(made)


def test_a_recommendation_is_answered_once(director, made):
    answered = respond(director, made)

    with pytest.raises(InvalidTransition):
        respond(director, answered, response="rejected", reasons="Changed our mind")

    assert Recommendation.objects.get(pk=made.pk).response == "accepted"


def test_only_the_director_of_the_facility_responds(made, facility, security, monitor):
    other_director = user_with_role(Role.DIRECTOR, FacilityFactory(code="KYS"),
                                    username="director-kys")
    for user in (security, monitor, other_director):
        with pytest.raises(AccessDenied):
            respond(user, made)

    assert unchanged(made)


# --- the follow-up, from both sides --------------------------------------------------------


def step(user, made, comment="Progress", status=""):
    made = Recommendation.objects.get(pk=made.pk)
    return monitoring.recommendation_update(acting_user=user, recommendation=made,
                                            version=made.version, comment=comment,
                                            status=status)


def test_the_history_is_kept_step_by_step_from_both_sides(director, monitor, made):
    respond(director, made, response="partly", reasons="Wing A only")
    step(director, made, "Twelve moved to wing C")
    step(monitor, made, "Seen on our second visit")
    step(director, made, "All moved", status="implemented")
    step(monitor, made, "Confirmed", status="closed")

    history = list(RecommendationUpdate.objects.filter(recommendation=made).order_by("pk"))
    assert [(s.by_body, s.status, s.comment) for s in history] == [
        (False, "in_progress", "Wing A only"),
        (False, "in_progress", "Twelve moved to wing C"),
        (True, "in_progress", "Seen on our second visit"),
        (False, "implemented", "All moved"),
        (True, "closed", "Confirmed"),
    ]
    # both sides read the same history
    for reader in (director, monitor):
        shown = selectors.recommendation_get(user=reader, pk=made.pk)
        assert list(selectors.history_of(shown)) == history


def test_the_body_reopens_what_it_finds_not_done(director, monitor, made):
    respond(director, made)
    step(director, made, "Done", status="implemented")

    reopened = step(monitor, made, "Still overcrowded on our visit", status="reopen")

    assert reopened.status == "in_progress"
    closed = step(monitor, made, "We stop following it", status="closed")
    assert step(monitor, closed, "Back again", status="reopen").status == "in_progress"


def test_a_rejected_recommendation_reopened_goes_back_to_the_government(director, monitor,
                                                                        made):
    respond(director, made, response="rejected", reasons="No")

    assert step(monitor, made, "Please reconsider", status="reopen").status == "awaiting"


@pytest.mark.parametrize("who,status", [("director", "closed"), ("monitor", "implemented"),
                                        ("director", "reopen")])
def test_each_side_takes_only_its_own_steps(director, monitor, made, who, status):
    respond(director, made)
    user = director if who == "director" else monitor

    with pytest.raises(InvalidTransition):
        step(user, made, status=status)

    assert Recommendation.objects.get(pk=made.pk).status == "in_progress"


def test_the_director_responds_before_reporting_progress(director, made):
    with pytest.raises(InvalidTransition) as refused:
        step(director, made)

    assert "Respond" in refused.value.message
    assert unchanged(made)


def test_a_step_needs_a_comment_and_a_current_version(director, made):
    respond(director, made)
    with pytest.raises(InvalidInput) as empty:
        step(director, made, comment=" ")
    fresh = Recommendation.objects.get(pk=made.pk)
    with pytest.raises(ConcurrentEdit):
        monitoring.recommendation_update(acting_user=director, recommendation=fresh,
                                         version=fresh.version - 1, comment="Late")

    assert empty.value.field == "comment"
    assert Recommendation.objects.get(pk=made.pk).updates.count() == 1


def test_security_officers_read_but_take_no_step(director, security, made):
    respond(director, made)

    with pytest.raises(AccessDenied):
        step(security, made)

    assert selectors.recommendation_get(user=security, pk=made.pk) == made
    assert Recommendation.objects.get(pk=made.pk).updates.count() == 1


# --- the nightly check ---------------------------------------------------------------------


def test_a_response_is_overdue_the_day_after_it_was_due(made):
    due = made.response_due_on

    assert monitoring.nightly(due) == 0
    assert monitoring.nightly(due + timedelta(days=1)) == 1

    flag = Flag.objects.get()
    assert (flag.code, flag.subject_type, flag.subject_id) == (
        "recommendation_response_overdue", "recommendation", made.pk)
    assert flag.for_whom == ["director", "independent_monitor"]
    assert flag.facility_id == made.facility_id and "85(2)" in flag.rule
    assert flag.evidence["due_on"] == due.isoformat()


def test_the_nightly_check_raises_a_flag_once(made):
    after = made.response_due_on + timedelta(days=1)

    assert monitoring.nightly(after) == 1
    assert monitoring.nightly(after) == 0
    assert monitoring.nightly(after + timedelta(days=1)) == 0
    assert Flag.objects.count() == 1


def test_an_answered_recommendation_is_not_overdue(director, made):
    respond(director, made, deadline=later(90))

    assert monitoring.nightly(made.response_due_on + timedelta(days=1)) == 0


def test_an_implementation_deadline_passes_the_day_after_it(director, made):
    answered = respond(director, made, response="partly", reasons="Half", deadline=later(0))
    deadline = answered.deadline

    assert monitoring.nightly(deadline) == 0
    assert monitoring.nightly(deadline + timedelta(days=1)) == 1
    flag = Flag.objects.get()
    assert (flag.code, flag.subject_id) == ("recommendation_deadline_passed", made.pk)


@pytest.mark.parametrize("status,flagged", [("implemented", 0), ("not_implemented", 1)])
def test_an_implemented_recommendation_is_not_flagged(director, made, status, flagged):
    answered = respond(director, made, deadline=later(0))
    step(director, answered, "Reported", status=status)

    assert monitoring.nightly(answered.deadline + timedelta(days=1)) == flagged


def test_a_rejected_recommendation_has_no_deadline_to_pass(director, made):
    respond(director, made, response="rejected", reasons="No")

    assert monitoring.nightly(later(400)) == 0


def test_the_safeguards_check_runs_the_monitoring_checks(made):
    on = made.response_due_on + timedelta(days=1)
    outcome = safeguards.check(on, areas=(("monitoring", monitoring.nightly),))

    assert outcome.counts == {"monitoring": 1} and not outcome.failures
    assert Flag.objects.get().code == "recommendation_response_overdue"
