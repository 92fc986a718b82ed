"""Importing communications from the browser: the importer of `custos import_communications`,
for a file an analyst uploads; what came in and every refused row, for each import."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from custos.audit import trail
from custos.core import pages
from custos.core.exports import csv_response

from . import forms, importing, selectors

RECENT = 50


@require_http_methods(["GET", "POST"])
def imports(request):
    user = request.user
    form = forms.ImportForm(request.POST or None, request.FILES or None,
                            mappings=sorted(importing.mappings()))
    return pages.submit(
        request, form, "intelligence/imports.html",
        lambda data: _import(user, data["file"], data["mapping"] or None),
        done=lambda batch: (reverse("intelligence:import", kwargs={"pk": batch.pk}),
                            _summary(batch)),
        context=lambda: {"batches": selectors.import_batches(user=user)[:RECENT]})


def _import(user, upload, mapping: str | None):
    """The upload, written to a private folder under its own name, imported, removed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return importing.communications_import(acting_user=user, path=path,
                                               mapping=mapping).batch


def _rejected(batch) -> int:
    return batch.rows - batch.added - batch.duplicates


def _summary(batch) -> str:
    return _("%(file)s: %(rows)d rows read, %(added)d added, %(duplicates)d duplicates "
             "skipped, %(rejected)d rejected.") % {
        "file": batch.file_name, "rows": batch.rows, "added": batch.added,
        "duplicates": batch.duplicates, "rejected": _rejected(batch)}


@require_GET
def import_detail(request, pk):
    user = request.user
    batch = selectors.import_batch_get(user=user, pk=pk)
    readable = selectors.may_read_rejections(user=user, batch=batch)
    if readable and request.GET.get("format") == "csv":
        trail.record(user, "intelligence.import_rejections_export", batch,
                     changes={"rows": len(batch.rejected)})
        return csv_response(f"rejected-{batch.pk}.csv", ["row", "reason"],
                            ((r["row"], r["reason"]) for r in batch.rejected))
    return render(request, "intelligence/import.html", {
        "batch": batch, "summary": _summary(batch), "rejected_count": _rejected(batch),
        "rejected": batch.rejected if readable else None,
        "kept": importing.REJECTED_KEPT})
