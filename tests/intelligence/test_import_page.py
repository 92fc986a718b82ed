"""Importing communications from the browser: the same importer as the command, for the
analyst's own facilities, with what came in and every refused row."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.intelligence.models import CommunicationEvent, ImportBatch

from ..factories import PrisonerFactory, user_with_role

HEADER = "kind,occurred_at,from_ref,from_name,to_ref,to_name,duration_seconds,amount,facility\n"
ROWS = ("call,2025-03-01T10:00:00Z,A1001,,+33612345678,Amina Diallo,60,,BKO\n"
        "fax,2025-03-01T11:00:00Z,A1001,,+33612345678,Amina Diallo,60,,BKO\n")


@pytest.fixture
def analyst(facility):
    PrisonerFactory(prison_number="A1001", facility=facility)
    return user_with_role(Role.ANALYST, facility)


def upload(client, content: str, name: str = "calls.csv", mapping: str = ""):
    return client.post(reverse("intelligence:imports"), {
        "file": SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
        "mapping": mapping})


def test_an_analyst_imports_a_file_and_sees_each_refused_row(client, analyst):
    client.force_login(analyst)

    done = upload(client, HEADER + ROWS)
    batch = ImportBatch.objects.get()
    page = client.get(done["Location"])
    again = upload(client, HEADER + ROWS)

    assert done.status_code == 302 and done["Location"] == reverse(
        "intelligence:import", kwargs={"pk": batch.pk})
    assert (batch.file_name, batch.rows, batch.added, batch.imported_by) == (
        "calls.csv", 2, 1, analyst)
    html = page.content.decode()
    assert "2 rows read, 1 added, 0 duplicates skipped, 1 rejected." in html
    assert "unknown kind “fax”" in html
    assert again.status_code == 302 and CommunicationEvent.objects.count() == 1


def test_the_rejected_rows_download_is_audited(client, analyst):
    client.force_login(analyst)
    upload(client, HEADER + ROWS)
    batch = ImportBatch.objects.get()

    response = client.get(reverse("intelligence:import", kwargs={"pk": batch.pk}),
                          {"format": "csv"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1].startswith("3,\"unknown kind “fax”")
    assert AuditEntry.objects.filter(action="intelligence.import_rejections_export").count() == 1


def test_a_file_of_another_kind_or_unreadable_is_refused_and_imports_nothing(client, analyst):
    client.force_login(analyst)

    wrong_kind = upload(client, "not a spreadsheet", name="notes.pdf")
    unreadable = upload(client, "a,b\n1,2\n")

    assert wrong_kind.status_code == 400
    assert "Choose a CSV or Parquet file" in wrong_kind.content.decode()
    assert unreadable.status_code == 400
    assert not ImportBatch.objects.exists() and not CommunicationEvent.objects.exists()


def test_another_analyst_of_one_facility_sees_the_counts_but_not_the_rows(client, analyst,
                                                                          facility):
    client.force_login(analyst)
    upload(client, HEADER + ROWS)
    batch = ImportBatch.objects.get()
    colleague = user_with_role(Role.ANALYST, facility, username="analyst-two")
    client.force_login(colleague)

    page = client.get(reverse("intelligence:import", kwargs={"pk": batch.pk}))
    csv = client.get(reverse("intelligence:import", kwargs={"pk": batch.pk}), {"format": "csv"})

    assert "1 rejected" in page.content.decode()
    assert "unknown kind" not in page.content.decode()
    assert "unknown kind" not in csv.content.decode()


@pytest.mark.parametrize("role", [Role.MONITOR, Role.PARTNER, Role.DIRECTOR, Role.CASE_MANAGER])
def test_no_one_else_imports_or_reads_imports(client, facility, role):
    client.force_login(user_with_role(role, facility, username=f"imp-{role}"))

    assert client.get(reverse("intelligence:imports")).status_code == 403
    assert upload(client, HEADER + ROWS).status_code == 403
    assert not ImportBatch.objects.exists()
