"""The dashboard page and its REST twin: filters, charts with their tables, right-to-left
charts in Arabic, links to the registers, and refusals (bad filters 400, a facility outside
reach 403 and audited, an unknown one 404)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from custos.audit.models import AuditEntry
from custos.oversight import charts
from custos.oversight.dashboard import Period
from tests.factories import FacilityFactory, PrisonerFactory, user_with_role

from .test_dashboard import at, days_ago, flag, measure, monitor_for

pytestmark = pytest.mark.django_db
PAGE = reverse("oversight:dashboard")
API = reverse("oversight-dashboard-list")


def test_the_page_shows_each_section_with_a_chart_and_its_table(client, director, facility):
    measure(PrisonerFactory(facility=facility), started_at=days_ago(3))
    client.force_login(director)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Occupancy now", "Restrictive measures", "Flags", "Discipline",
                    "Deaths, serious injuries and allegations of torture",
                    "Requests and complaints", "Monitoring recommendations"):
        assert f">{heading}</h2>" in html
    # Occupancy, measures in force and started, flags, discipline and complaints by month;
    # the charts of empty categories (cases, sanctions, recommendations) are left out.
    assert html.count('<div class="chart ') == 6
    svgs = re.findall(r"<svg [^>]*>", html)
    assert svgs and all('aria-hidden="true"' in svg for svg in svgs)  # the tables are read
    assert "Solitary confinement</th><td class=\"num\">1</td>" in html
    assert "style=" not in html and "<script>" not in html  # the strict CSP
    default = Period.last_months()  # the filters show the period the figures are for
    assert f'name="start" value="{default.start:%Y-%m-%d}"' in html
    assert f'name="end" value="{default.end:%Y-%m-%d}"' in html


def test_the_filters_narrow_the_figures_to_a_facility_and_a_period(client, facility):
    other = FacilityFactory(code="GAO", name="Gao Central")
    everywhere = user_with_role("director", None, username="director-hq")
    prisoner = PrisonerFactory(facility=other)
    measure(prisoner, started_at=at(2025, 2, 10), ended_at=at(2025, 2, 12))
    measure(PrisonerFactory(facility=facility), started_at=at(2025, 2, 11),
            ended_at=at(2025, 2, 12))
    client.force_login(everywhere)

    response = client.get(PAGE, {"facility": other.pk, "start": "2025-01-01",
                                 "end": "2025-03-31"})

    assert response.status_code == 200
    assert response.context["f"]["facility"] == other
    assert [m["count"] for m in response.context["f"]["measures"]["started"]] == [0, 1, 0]
    assert "Gao Central" in response.content.decode()


def test_a_period_that_ends_before_it_begins_is_a_bad_request(client, director):
    client.force_login(director)

    response = client.get(PAGE, {"start": "2025-03-01", "end": "2025-01-01"})

    assert response.status_code == 400
    assert "The period ends before it begins." in response.content.decode()
    assert "f" not in response.context


def test_a_facility_outside_reach_is_forbidden_and_the_attempt_audited(client, director):
    other = FacilityFactory()
    client.force_login(director)
    denials = AuditEntry.objects.filter(action="access.denied").count()

    response = client.get(PAGE, {"facility": other.pk})

    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    assert client.get(PAGE, {"facility": other.pk + 1000}).status_code == 404


def test_a_monitor_sees_only_his_mandate_in_the_facility_choice(client, facility):
    FacilityFactory(code="GAO", name="Gao Central")
    client.force_login(monitor_for([facility]))

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Bamako Central" in html and "Gao Central" not in html
    assert "Export a report" in html  # monitors may export the report


def test_roles_without_oversight_are_refused_the_page(client, facility):
    for role in ("partner", "analyst", "casemanager"):
        client.force_login(user_with_role(role, facility))
        assert client.get(PAGE).status_code == 403, role


def test_security_officers_read_the_page_but_are_not_offered_the_export(client, security):
    client.force_login(security)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert reverse("oversight:report") not in response.content.decode()


def test_the_registers_are_linked_where_they_exist_and_the_reader_may_open_them(
        client, director):
    client.force_login(director)

    links = client.get(PAGE).context["links"]

    assert links.get("measures") == reverse("oversight:measures")
    assert links.get("complaints") == reverse("oversight:complaints")


def test_the_menu_offers_oversight_to_those_who_read_it(client, director, facility):
    client.force_login(director)
    assert f'href="{PAGE}"' in client.get(reverse("accounts:account")).content.decode()
    client.force_login(user_with_role("partner", facility))
    assert f'href="{PAGE}"' not in client.get(reverse("accounts:account")).content.decode()


# --- right to left ---------------------------------------------------------------------------

def _bars(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(w)) for x, w in
            re.findall(r'<rect class="bar count" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)]


def test_time_runs_right_to_left_in_an_arabic_chart():
    rows = [{"month": date(2025, m, 1), "count": m} for m in (1, 2, 3)]
    series = [charts.Series("count", "Started")]

    ltr = _bars(charts.month_bars(rows, series))
    rtl = _bars(charts.month_bars(rows, series, rtl=True))

    assert len(ltr) == len(rtl) == 3
    assert ltr[0][0] < ltr[1][0] < ltr[2][0]  # January on the left
    assert rtl[0][0] > rtl[1][0] > rtl[2][0]  # January on the right
    for (x_ltr, width), (x_rtl, _w) in zip(ltr, rtl, strict=True):  # a mirror image
        assert abs((x_rtl + width) - (charts.WIDTH - x_ltr)) < 0.2


def test_bars_grow_from_the_right_in_an_arabic_chart():
    ltr = charts.category_bars([("Solitary", 4)])
    rtl = charts.category_bars([("Solitary", 4)], rtl=True)

    x_ltr = float(re.search(r'<rect x="([\d.]+)"', ltr).group(1))
    rect = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', rtl)
    assert x_ltr == 2  # starts at the left edge
    assert float(rect.group(1)) + float(rect.group(2)) == charts.WIDTH - 2  # ends at the right
    assert 'direction="rtl"' in rtl and 'direction="ltr"' in ltr
    assert '<div class="bar-label">Solitary</div>' in rtl  # the words stay in HTML


def test_the_arabic_page_is_right_to_left_with_mirrored_charts(client, director, facility):
    measure(PrisonerFactory(facility=facility), started_at=days_ago(3))
    client.force_login(director)
    client.cookies["django_language"] = "ar"

    response = client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html and 'direction="rtl"' in html
    assert 'direction="ltr"' not in html


# --- the API ---------------------------------------------------------------------------------

def test_the_api_answers_the_figures_as_json(client, director, facility):
    flag(facility, "no_health_visit", date(2025, 2, 3))
    client.force_login(director)

    response = client.get(API, {"start": "2025-01-01", "end": "2025-03-31"})

    assert response.status_code == 200
    body = response.json()
    assert body["period"]["months"] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert [m["raised"] for m in body["flags"]["monthly"]] == [0, 1, 0]
    assert body["facilities"] == [{"id": facility.pk, "code": "BKO", "name": "Bamako Central"}]
    assert body["facility"] is None and body["occupancy"]["capacity"] == 4


def test_the_api_refuses_bad_dates_and_foreign_facilities(client, director):
    client.force_login(director)
    other = FacilityFactory()
    denials = AuditEntry.objects.filter(action="access.denied").count()

    assert client.get(API, {"start": "yesterday"}).json()["field"] == "start"
    backwards = client.get(API, {"start": "2025-03-01", "end": "2025-01-01"})
    assert (backwards.status_code, backwards.json()["field"]) == (400, "end")
    assert client.get(API, {"facility": other.pk}).status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").count() == denials + 1
    assert client.get(API, {"facility": other.pk + 1000}).status_code == 404


def test_the_api_gives_a_monitor_his_mandate_only(client, facility):
    outside = FacilityFactory()
    measure(PrisonerFactory(facility=outside), started_at=days_ago(2))
    client.force_login(monitor_for([facility]))

    body = client.get(API).json()

    assert [f["code"] for f in body["facilities"]] == ["BKO"]
    assert body["measures"]["in_force_total"] == 0
    assert client.get(API, {"facility": outside.pk}).status_code == 403


def test_labels_follow_the_reader_language(client, director, facility):
    measure(PrisonerFactory(facility=facility), started_at=days_ago(3))
    client.force_login(director)

    body = client.get(API, HTTP_ACCEPT_LANGUAGE="fr").json()

    assert body["measures"]["in_force"][0]["key"] == "solitary"
    with translation.override("fr"):
        from custos.oversight.models import MeasureKind

        assert body["measures"]["in_force"][0]["label"] == str(MeasureKind.SOLITARY.label)


def test_the_page_costs_the_same_few_queries_however_many_records(
        client, director, facility, django_assert_max_num_queries):
    prisoners = PrisonerFactory.create_batch(6, facility=facility)
    for i, prisoner in enumerate(prisoners):
        measure(prisoner, started_at=days_ago(2 + i))
        flag(facility, f"code_{i}", date(2025, 2, 1 + i))
    client.force_login(director)

    with django_assert_max_num_queries(30):  # one per figure, none per record
        response = client.get(PAGE, {"start": "2025-01-01", "end": "2025-12-31"})

    assert response.status_code == 200
    assert len(response.context["f"]["flags"]["by_code"]) == 6
