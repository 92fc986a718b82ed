"""The auditor's pages: the trail with filters, its CSV export, and a chain check.

Only the auditor holds "audit.view" and "audit.export" (`access.policy.PERMISSIONS`); the
endpoint table refuses everyone else before these views run. Reading the trail is itself
recorded ("audit.view", "audit.export", "audit.verify"), before anything is shown.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from custos.access.roles import Role
from custos.core.exports import csv_response
from custos.custody.models import Prisoner

from . import chain, signing, trail
from .models import AuditEntry

PAGE_SIZE = 50
BREAK_GLASS = "access.break_glass"
EXPORT_CHUNK = 2000
ANCHOR_MAX_BYTES = 64 * 1024
ROLE_LABELS = dict(Role.choices)


class DateInput(forms.DateInput):
    input_type = "date"


class TrailFilter(forms.Form):
    user = forms.CharField(label=gettext_lazy("User"), required=False, max_length=150)
    prisoner = forms.CharField(label=gettext_lazy("Prison number"), required=False,
                               max_length=30)
    action = forms.CharField(label=gettext_lazy("Action"), required=False, max_length=80,
                             help_text=gettext_lazy("Starts with, e.g. “placement.”"))
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def used(self) -> dict:
        """The filters in use, as strings (for the trail's own record of the read)."""
        if not self.is_valid():
            return {}
        return {k: str(v).strip() for k, v in self.cleaned_data.items() if v not in ("", None)}


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered(form: TrailFilter) -> QuerySet[AuditEntry]:
    """The entries the filters select; none when the filters are invalid."""
    entries = AuditEntry.objects.all()
    if not form.is_valid():
        return entries.none()
    data = form.cleaned_data
    if data["user"].strip():
        entries = entries.filter(actor_name=data["user"].strip())
    if data["prisoner"].strip():
        ids = [str(pk) for pk in Prisoner.objects.filter(
            prison_number=data["prisoner"].strip()).values_list("pk", flat=True)]
        entries = entries.filter(object_type="custody.prisoner", object_id__in=ids)
    if data["action"].strip():
        entries = entries.filter(action__startswith=data["action"].strip())
    if data["date_from"]:
        entries = entries.filter(at__gte=_start_of(data["date_from"]))
    if data["date_to"]:
        entries = entries.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
    return entries


def trail_list(request):
    form = TrailFilter(request.GET)
    entries = filtered(form).order_by("-id")
    page_number = request.GET.get("page") or 1
    trail.record(request.user, "audit.view", object_type="audit.auditentry",
                 object_repr="audit trail",
                 changes={"filters": form.used(), "page": str(page_number)[:10]})
    page = Paginator(entries, PAGE_SIZE).get_page(page_number)
    rows = [(entry, [ROLE_LABELS.get(r, r) for r in entry.roles.split(",") if r])
            for entry in page.object_list]
    return render(request, "audit/list.html", {
        "form": form, "page": page, "rows": rows, "break_glass": BREAK_GLASS,
        "break_glass_on": request.GET.get("action") == BREAK_GLASS,
    })


# --- CSV export ------------------------------------------------------------------------------

CSV_COLUMNS = ("id", "at", "actor_id", "actor_name", "roles", "action", "object_type",
               "object_id", "object_repr", "changes", "reason", "recipients", "ip",
               "request_id", "via", "prev_hash", "hash")


def _export_rows(entries: QuerySet[AuditEntry]):
    """The selected entries, oldest first, read in keyset chunks (no long-held cursor)."""
    rows = entries.order_by("id").values_list(*CSV_COLUMNS)
    batch = list(rows[:EXPORT_CHUNK])
    while batch:
        yield from batch
        batch = list(rows.filter(id__gt=batch[-1][0])[:EXPORT_CHUNK])


def trail_export(request):
    """The filtered trail as CSV, streamed; the export itself is recorded first."""
    form = TrailFilter(request.GET)
    entries = filtered(form)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    trail.record(request.user, "audit.export", object_type="audit.auditentry",
                 object_repr="audit trail",
                 changes={"filters": form.used(), "format": "csv"})
    return csv_response(f"audit-trail-{stamp}.csv", CSV_COLUMNS, _export_rows(entries))


# --- chain check -----------------------------------------------------------------------------

def _outcome(report: chain.Report) -> dict:
    """A verify run as recorded in the trail: structured, in no particular language."""
    problem = report.problem
    return {
        "ok": report.ok, "entries": report.count, "last_id": report.last_id,
        "last_hash": report.last_hash,
        "problem": ({"entry_id": problem.entry_id, "action": problem.action,
                     "kind": problem.kind} if problem else None),
        "anchors": [{"source": c.anchor.source[:100], "last_id": c.anchor.head.last_id,
                     "count": c.anchor.head.count, "ok": c.ok} for c in report.anchors],
    }


@require_http_methods(["GET", "POST"])
def trail_verify(request):
    """GET: the last checks (from the trail itself). POST: check now, with any anchors."""
    report, errors = None, []
    if request.method == "POST":
        anchors = []
        files = request.FILES.getlist("anchors")
        if files:
            try:
                key = signing.verifying_key(notify=lambda _message: None, generate=False)
            except signing.SigningKeyError as error:
                key = None
                errors.append(str(error))
            for upload in files if key else ():
                if upload.size > ANCHOR_MAX_BYTES:
                    errors.append(_("%(name)s: too large for an anchor") % {"name": upload.name})
                    continue
                try:
                    anchors.append(chain.read_anchor(upload.read(), key, source=upload.name))
                except chain.AnchorError as error:
                    errors.append(str(error))
        if not errors:
            report = chain.verify(anchors)
            trail.record(request.user, "audit.verify", object_type="audit.auditentry",
                         object_id=str(report.last_id or ""), object_repr="audit trail",
                         changes=_outcome(report))
    previous = list(AuditEntry.objects.filter(action="audit.verify").order_by("-id")
                    .values("id", "at", "actor_name", "changes")[:10])
    return render(request, "audit/verify.html",
                  {"report": report, "errors": errors, "previous": previous})
