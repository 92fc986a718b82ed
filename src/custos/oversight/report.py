"""The oversight report a monitor or a ministry can hand on: the dashboard's figures as a PDF
(A4, from a template, charts included, right-to-left in Arabic) or an Excel workbook (one
sheet a table, a header row, numbers as numbers and dates as dates). Every export is a
disclosure, recorded with its purpose and recipients.

The PDF is drawn without the network: the URL fetcher refuses everything that is not a file
of the application's own static folders, so a report can never call out (nor be made to).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from custos.access import policy
from custos.audit import trail
from custos.core.errors import InvalidInput

from . import charts, dashboard

EXPORT = "oversight.export"
PDF, XLSX = "pdf", "xlsx"
CONTENT_TYPES = {
    PDF: "application/pdf",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


def report_export(*, acting_user, facility_id: int | None, period: dashboard.Period,
                  fmt: str, purpose: str, recipients: str) -> Export:
    """Build the report for the user's scope and record the disclosure; nothing is recorded
    when the report is refused or cannot be drawn."""
    policy.require(acting_user, EXPORT, facility_id=facility_id)
    purpose, recipients = (purpose or "").strip(), (recipients or "").strip()
    if fmt not in CONTENT_TYPES:
        raise InvalidInput(_("Choose PDF or Excel."), field="format")
    if not purpose:
        raise InvalidInput(_("Say why the report is made."), field="purpose")
    if not recipients:
        raise InvalidInput(_("Say who will receive the report."), field="recipients")
    figures = dashboard.figures(user=acting_user, facility_id=facility_id, period=period)
    made_by = acting_user.get_username()
    if fmt == PDF:
        content = pdf(figures, made_by=made_by, purpose=purpose, recipients=recipients)
    else:
        content = workbook(figures, made_by=made_by, purpose=purpose, recipients=recipients)
    scope = (re.sub(r"[^A-Za-z0-9_-]", "", figures["facility"].code) or "facility") \
        if figures["facility"] else "all"
    with transaction.atomic():
        trail.record(acting_user, "oversight.report_exported", figures["facility"],
                     object_type="oversight.report" if figures["facility"] is None else "",
                     object_repr=str(figures["facility"] or _("All facilities you can see")),
                     reason=purpose, recipients=recipients,
                     changes={"format": fmt, "start": period.start, "end": period.end,
                              "facilities": [f["code"] for f in figures["facilities"]],
                              "bytes": len(content)})
    filename = f"oversight-{scope}-{period.start:%Y%m}-{period.end:%Y%m}.{fmt}"
    return Export(content, CONTENT_TYPES[fmt], filename)


# --- PDF -------------------------------------------------------------------------------------

def _static_roots() -> list[Path]:
    roots = [Path(app.path) / "static" for app in apps.get_app_configs()]
    roots += [Path(str(d[1] if isinstance(d, tuple) else d))
              for d in getattr(settings, "STATICFILES_DIRS", [])]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


def local_fetcher():
    """A WeasyPrint URL fetcher for local static files only; anything else is refused."""
    from weasyprint.urls import URLFetcher

    class LocalStaticFiles(URLFetcher):
        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"Refused: {url} is not a local static file.")
            path = Path(url2pathname(parsed.path)).resolve()
            if not any(path.is_relative_to(root) for root in _static_roots()):
                raise ValueError(f"Refused: {url} is not a local static file.")
            return super().fetch(url, headers)

    return LocalStaticFiles(allowed_protocols=["file"], allow_redirects=False)


def pdf_html(figures: dict, *, made_by: str, purpose: str, recipients: str) -> str:
    """The HTML the PDF is drawn from (kept apart so it can be read and checked)."""
    rtl = translation.get_language_bidi()
    return render_to_string("oversight/dashboard/report_pdf.html", {
        "f": figures, "rtl": rtl,
        "charts": charts.dashboard_charts(figures, rtl=rtl, numeric_months=True),
        "LANGUAGE_CODE": translation.get_language(), "made_by": made_by, "purpose": purpose,
        "recipients": recipients, "pdf": True})


def pdf(figures: dict, *, made_by: str, purpose: str, recipients: str) -> bytes:
    from weasyprint import HTML

    html = pdf_html(figures, made_by=made_by, purpose=purpose, recipients=recipients)
    return HTML(string=html, url_fetcher=local_fetcher()).write_pdf()


# --- Excel -----------------------------------------------------------------------------------

_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _text(value):
    """Free text as text: a leading =, +, - or @ would run as a formula in the workbook."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _excel(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) \
            else value
    return _text(value)


def workbook(figures: dict, *, made_by: str, purpose: str, recipients: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rtl = translation.get_language_bidi()
    book = Workbook()
    book.remove(book.active)

    def sheet(title: str, header: list[str], rows: list[list], months: bool = False) -> None:
        """One table; `months`: its first column holds months (shown as 2026-01)."""
        ws = book.create_sheet(_SHEET_NAME.sub("-", title)[:31])
        ws.sheet_view.rightToLeft = rtl
        ws.append([str(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_excel(v) for v in row])
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm" if months and cell.column == 1 \
                        else "yyyy-mm-dd"
        for cell in ws[1]:
            ws.column_dimensions[cell.column_letter].width = min(
                max(len(str(cell.value or "")), 10) + 2, 60)
        ws.freeze_panes = "A2"

    f = figures
    m, fl, d, c = f["measures"], f["flags"], f["discipline"], f["cases"]
    cp, r, o = f["complaints"], f["recommendations"], f["occupancy"]
    sheet(_("Report"), [_("Item"), _("Value")], [
        [_("Oversight report"), ""],
        [_("Facility"), str(f["facility"] or _("All facilities you can see"))],
        [_("Facilities"), ", ".join(x["code"] for x in f["facilities"])],
        [_("From"), f["period"]["start"]],
        [_("To"), f["period"]["end"]],
        [_("Generated at"), f["generated_at"]],
        [_("Generated by"), made_by],
        [_("Purpose"), purpose],
        [_("Recipients"), recipients],
        [_("Prisoners in custody"), o["population"]],
        [_("Official capacity"), o["capacity"]],
        [_("Measures in force"), m["in_force_total"]],
        [_("Solitary confinement in force for more than %(days)d days")
         % {"days": m["limit_days"]}, m["solitary_past_limit"]],
        [_("Prisoners past %(days)d consecutive days of solitary confinement")
         % {"days": m["limit_days"]}, m["prolonged_solitary"]],
        [_("Flags open now"), fl["open_total"]],
        [_("Reports to the independent authority overdue"), c["overdue_authority"]],
        [_("Next of kin not yet informed (overdue)"), c["overdue_next_of_kin"]],
        [_("Complaints received"), cp["received_total"]],
        [_("Complaints answered"), cp["answered_total"]],
        [_("Median days to answer"), cp["median_days_to_answer"]],
        [_("Complaints past their deadline now"), cp["overdue_now"]],
        [_("Government responses overdue"), r["response_overdue"]],
        [_("Implementation past its deadline"), r["implementation_overdue"]],
    ])
    sheet(_("Occupancy"), [_("Code"), _("Facility"), _("In custody"), _("Official capacity"),
                           _("Occupancy (%)")],
          [[x["facility"], x["name"], x["population"], x["capacity"], x["percent"]]
           for x in o["by_facility"]])
    sheet(_("Measures in force"), [_("Kind"), _("In force"), _("Median days"),
                                   _("Longest (days)")],
          [[x["label"], x["count"], x["median_days"], x["longest_days"]]
           for x in m["in_force"]])
    sheet(_("Measures started"), [_("Month"), _("Measures started")],
          [[x["month"], x["count"]] for x in m["started"]], months=True)
    sheet(_("Flags by month"), [_("Month"), _("Raised"), _("Resolved")],
          [[x["month"], x["raised"], x["resolved"]] for x in fl["monthly"]], months=True)
    sheet(_("Flags by code"), [_("Code"), _("Raised"), _("Resolved"), _("Open now"),
                               *[_("Raised %(month)s") % {"month": f"{month:%Y-%m}"}
                                 for month in f["period"]["months"]]],
          [[x["code"], x["raised"], x["resolved"], x["open"], *x["raised_monthly"]]
           for x in fl["by_code"]])
    sheet(_("Discipline by month"), [_("Month"), _("Charges"), _("Sanctions")],
          [[x["month"], x["charges"], x["sanctions"]] for x in d["monthly"]], months=True)
    sheet(_("Sanctions by kind"), [_("Sanction"), _("Count")],
          [[x["label"], x["count"]] for x in d["sanctions_by_kind"]])
    sheet(_("Custody cases"), [_("Kind"), _("Opened in the period"), _("Open now")],
          [[x["label"], x["count"], x["open"]] for x in c["by_kind"]])
    sheet(_("Complaints by month"), [_("Month"), _("Received"), _("Answered")],
          [[x["month"], x["received"], x["answered"]] for x in cp["monthly"]], months=True)
    sheet(_("Recommendations"), [_("Status"), _("Count")],
          [[x["label"], x["count"]] for x in r["by_status"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
