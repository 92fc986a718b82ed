"""The exported oversight report: a PDF and an Excel workbook of the dashboard's figures, a
disclosure recorded with its purpose and recipients, refused without them, for directors and
monitors only, drawn without the network."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from custos.audit.models import AuditEntry
from custos.oversight import report
from custos.oversight.dashboard import Period
from tests.factories import FacilityFactory, PrisonerFactory, user_with_role

from .test_dashboard import at, complaint, days_ago, measure, monitor_for

pytestmark = pytest.mark.django_db
URL = reverse("oversight:report")
Q1_2025 = {"start": "2025-01-01", "end": "2025-03-31"}
DISCLOSURE = {"purpose": "Quarterly report to the ministry",
              "recipients": "Ministry of Justice, inspection unit"}


def exports() -> int:
    return AuditEntry.objects.filter(action="oversight.report_exported").count()


def _records(facility):
    prisoner = PrisonerFactory(facility=facility)
    measure(prisoner, started_at=days_ago(3))
    measure(prisoner, kind="restricted_visits", started_at=at(2025, 2, 10),
            ended_at=at(2025, 2, 20))
    complaint(prisoner, at(2025, 1, 1), date(2025, 1, 30), status="answered",
              answered_at=at(2025, 1, 5))
    return prisoner


def test_the_report_form_is_shown_to_a_director(client, director):
    client.force_login(director)

    response = client.get(URL)

    assert response.status_code == 200
    assert 'name="purpose"' in response.content.decode()


def test_a_director_downloads_the_pdf_and_the_export_is_recorded(client, director, facility):
    _records(facility)
    client.force_login(director)

    response = client.post(URL, {"format": "pdf", **Q1_2025, **DISCLOSURE})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="oversight-all-202501-202503.pdf"')
    assert response.content.startswith(b"%PDF-") and len(response.content) > 10_000
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="oversight.report_exported")
    assert entry.actor == director
    assert (entry.reason, entry.recipients) == (DISCLOSURE["purpose"],
                                               DISCLOSURE["recipients"])
    assert entry.changes["format"] == "pdf" and entry.changes["facilities"] == ["BKO"]
    assert (entry.changes["start"], entry.changes["end"]) == ("2025-01-01", "2025-03-31")


def test_the_pdf_is_drawn_from_html_naming_the_facility_period_author_and_purpose(director,
                                                                                facility):
    _records(facility)
    with translation.override("en"):
        from custos.oversight import dashboard

        figures = dashboard.figures(user=director, facility_id=facility.pk,
                                    period=Period(date(2025, 1, 1), date(2025, 3, 31)))
        html = report.pdf_html(figures, made_by="director-BKO", purpose="For the NPM",
                               recipients="NPM")

    assert "Bamako Central" in html and "director-BKO" in html and "For the NPM" in html
    assert "Jan. 1, 2025" in html and "March 31, 2025" in html
    assert "size: A4" in html and 'dir="ltr"' in html
    assert html.count('<div class="chart ') >= 6
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_arabic_pdf_runs_right_to_left(director, facility):
    _records(facility)
    with translation.override("ar"):
        from custos.oversight import dashboard

        figures = dashboard.figures(user=director)
        html = report.pdf_html(figures, made_by="director-BKO", purpose="x", recipients="y")
        made = report.pdf(figures, made_by="director-BKO", purpose="x", recipients="y")

    assert '<html lang="ar" dir="rtl">' in html
    assert 'direction="rtl"' in html and 'direction="ltr"' not in html
    assert made.startswith(b"%PDF-")


def test_the_workbook_holds_the_figures_as_numbers_and_dates(client, director, facility):
    _records(facility)
    client.force_login(director)

    response = client.post(URL, {"format": "xlsx", "facility": facility.pk, **Q1_2025,
                                 **DISCLOSURE})

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('oversight-BKO-202501-202503.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert {"Report", "Occupancy", "Measures in force", "Measures started", "Flags by month",
            "Complaints by month", "Recommendations"} <= set(book.sheetnames)
    started = list(book["Measures started"].iter_rows(values_only=True))
    assert started[0] == ("Month", "Measures started")
    assert all(isinstance(month, datetime) for month, _n in started[1:])  # dates, not text
    assert [(month.date(), n) for month, n in started[1:]] == [
        (date(2025, 1, 1), 0), (date(2025, 2, 1), 1), (date(2025, 3, 1), 0)]
    assert book["Measures started"]["A2"].number_format == "yyyy-mm"
    in_force = list(book["Measures in force"].iter_rows(values_only=True))
    assert in_force[1] == ("Solitary confinement", 1, 4, 4)
    occupancy = list(book["Occupancy"].iter_rows(values_only=True))
    assert occupancy[1] == ("BKO", "Bamako Central", 1, 4, 25.0)
    summary = dict(book["Report"].iter_rows(min_row=2, values_only=True))
    assert summary["Purpose"] == DISCLOSURE["purpose"]
    assert summary["From"].date() == date(2025, 1, 1)
    assert summary["Median days to answer"] == 4
    assert exports() == 1


def test_free_text_never_becomes_a_formula_in_the_workbook(director, facility):
    made = report.report_export(acting_user=director, facility_id=None,
                                period=Period.last_months(), fmt="xlsx",
                                purpose="=HYPERLINK(\"x\")", recipients="@ministry")

    summary = dict(load_workbook(io.BytesIO(made.content))["Report"].iter_rows(
        min_row=2, values_only=True))
    assert summary["Purpose"] == "'=HYPERLINK(\"x\")"
    assert summary["Recipients"] == "'@ministry"


def test_the_arabic_workbook_reads_right_to_left(director, facility):
    with translation.override("ar"):
        made = report.report_export(acting_user=director, facility_id=None,
                                    period=Period.last_months(), fmt="xlsx", purpose="x",
                                    recipients="y")

    assert all(ws.sheet_view.rightToLeft for ws in load_workbook(io.BytesIO(made.content)))


@pytest.mark.parametrize("missing", ["purpose", "recipients"])
def test_a_report_without_its_purpose_or_recipients_is_a_bad_request(client, director,
                                                                      missing):
    client.force_login(director)
    data = {"format": "pdf", **DISCLOSURE, missing: "  "}

    response = client.post(URL, data)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors[missing]
    assert exports() == 0


def test_a_period_that_ends_before_it_begins_is_refused_on_the_form(client, director):
    client.force_login(director)

    response = client.post(URL, {"format": "xlsx", "start": "2025-03-01",
                                 "end": "2025-01-01", **DISCLOSURE})

    assert response.status_code == 400
    assert response.context["form"].errors["end"] == ["The period ends before it begins."]
    assert exports() == 0


def test_an_unknown_format_is_refused(director):
    from custos.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        report.report_export(acting_user=director, facility_id=None,
                             period=Period.last_months(), fmt="docx", purpose="x",
                             recipients="y")

    assert refused.value.field == "format" and exports() == 0


def test_a_monitor_exports_his_mandate_and_is_refused_beyond_it(client, facility):
    outside = FacilityFactory(code="GAO", name="Gao Central")
    _records(facility)
    client.force_login(monitor_for([facility]))

    mine = client.post(URL, {"format": "xlsx", **DISCLOSURE})
    beyond = client.post(URL, {"format": "xlsx", "facility": outside.pk, **DISCLOSURE})

    assert mine.status_code == 200
    codes = [row[0] for row in load_workbook(io.BytesIO(mine.content))["Occupancy"]
             .iter_rows(min_row=2, values_only=True)]
    assert codes == ["BKO"]
    assert beyond.status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").count() == 1
    assert exports() == 1  # the one inside the mandate


@pytest.mark.parametrize("role", ["security", "partner", "analyst", "auditor"])
def test_other_roles_may_not_export_and_nothing_is_recorded_but_the_denial(client, facility,
                                                                           role):
    client.force_login(user_with_role(role, facility))

    response = client.post(URL, {"format": "pdf", **DISCLOSURE})

    assert response.status_code == 403
    assert exports() == 0
    assert AuditEntry.objects.filter(action="access.denied").count() == 1


# --- nothing is fetched ----------------------------------------------------------------------

def test_the_pdf_fetcher_refuses_the_network_and_files_outside_static():
    fetch = report.local_fetcher()
    static = next(root / "custos" / "custos.css" for root in report._static_roots()
                  if (root / "custos" / "custos.css").exists())

    for url in ("http://example.org/logo.png", "https://example.org/a.css",
                "ftp://example.org/x", "data:text/css,p{}", "file:///etc/passwd",
                f"file://{static.parent}/../../../../../../../etc/passwd"):
        with pytest.raises(ValueError, match="Refused"):
            fetch(url)
    found = fetch(f"file://{static}")
    assert b"--accent" in found.read()
    found.close()


def test_a_page_that_asks_for_a_remote_image_is_drawn_without_fetching_it(caplog):
    from weasyprint import HTML

    html = '<p>Report</p><img src="http://127.0.0.1:9/never.png">'
    made = HTML(string=html, url_fetcher=report.local_fetcher()).write_pdf()

    assert made.startswith(b"%PDF-")
    assert "Refused: http://127.0.0.1:9/never.png" in caplog.text
