"""A recommendation from a monitoring visit to the government's response: the monitor records a
finding and a recommendation, the director answers "partly accepted" with reasons, an owner
and a deadline, and the monitor reads the response and its history."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from custos.oversight import monitoring
from custos.oversight.models import Recommendation, RecommendationUpdate

from ..oversight.monitoring_fixtures import make_body, make_monitor
from .test_journeys import sign_in

transactional = pytest.mark.django_db(transaction=True)


@pytest.mark.browser
@transactional
def test_a_recommendation_reaches_a_government_response(new_page, live_server, facility,
                                                        director):
    # given a body whose mandate covers the facility, its monitor, and a visit carried out
    body = make_body([facility], name="Mécanisme national de prévention")
    monitor = make_monitor(body, username="monitor-mnp")
    today = timezone.localdate()
    visit = monitoring.visit_plan(acting_user=monitor, facility=facility, planned_on=today)
    monitoring.visit_record(acting_user=monitor, visit=visit, version=visit.version,
                            visited_on=today, team="Two members", private_interviews=5)

    # the monitor records a finding, then a recommendation from it
    as_monitor = sign_in(new_page(), monitor, f"/oversight/monitoring/visits/{visit.pk}/")
    as_monitor.locator("select[name='finding-area']").select_option(label="Health care")
    as_monitor.locator("textarea[name='finding-text']").fill("No doctor came for nine days.")
    as_monitor.get_by_role("button", name="Add the finding").click()
    expect(as_monitor.get_by_text("The finding has been recorded.")).to_be_visible()
    as_monitor.locator("select[name='recommendation-finding']").select_option(index=1)
    as_monitor.locator("textarea[name='recommendation-text']").fill(
        "A doctor visits the segregation unit every day.")
    as_monitor.get_by_role("button", name="Send the recommendation").click()
    expect(as_monitor.get_by_text("The recommendation has been sent to the facility.")
           ).to_be_visible()
    made = Recommendation.objects.get()
    expect(as_monitor).to_have_url(re.compile(
        rf"/oversight/monitoring/recommendations/{made.pk}/$"))
    expect(as_monitor.locator("h1 .status")).to_have_text("Awaiting the government's response")

    # the director sees it awaiting his response and answers "partly accepted"
    as_director = sign_in(new_page(), director, "/oversight/monitoring/")
    awaiting = as_director.locator("section[aria-labelledby='awaiting']")
    expect(awaiting).to_contain_text("A doctor visits the segregation unit every day.")
    awaiting.get_by_role("link", name=re.compile("A doctor visits")).click()
    as_director.get_by_label("Partly accepted").check()
    as_director.locator("textarea[name='respond-reasons']").fill(
        "A doctor three days a week; a nurse on the other days.")
    as_director.locator("input[name='respond-owner']").fill("Head of health care")
    deadline = today + timedelta(days=90)
    as_director.locator("input[name='respond-deadline']").fill(deadline.isoformat())
    as_director.get_by_role("button", name="Record the response").click()
    expect(as_director.get_by_text("The government's response has been recorded.")
           ).to_be_visible()
    expect(as_director.locator("h1 .status")).to_have_text("Being implemented")

    # the monitor sees the response and the history
    as_monitor.reload()
    expect(as_monitor.locator("h1 .status")).to_have_text("Being implemented")
    expect(as_monitor.locator("dd.response")).to_have_text("Partly accepted")
    expect(as_monitor.locator("dd.owner")).to_have_text("Head of health care")
    history = as_monitor.locator("table.history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Recommendation made")
    expect(history.nth(1)).to_contain_text("Government")
    expect(history.nth(1)).to_contain_text("A doctor three days a week")
    expect(history.nth(1)).to_contain_text(director.username)

    made.refresh_from_db()
    assert (made.status, made.response, made.owner, made.deadline) == (
        "in_progress", "partly", "Head of health care", deadline)
    assert RecommendationUpdate.objects.get().created_by == director
