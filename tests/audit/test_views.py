"""The auditor's pages: the trail with filters, its CSV export, the chain check."""

import csv
import io
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from custos.access.roles import Role
from custos.audit import chain, signing, trail
from custos.audit.models import AuditEntry

from ..factories import PrisonerFactory, user_with_role
from .helpers import TABLE, record, sql, trigger_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(persona):
    return persona(Role.AUDITOR)


@pytest.fixture
def as_auditor(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def trail_entries(director, security, facility):
    """A small trail: two users, two prisoners, a break-glass opening, an old entry."""
    one = PrisonerFactory(facility=facility, prison_number="BKO-0001")
    two = PrisonerFactory(facility=facility, prison_number="BKO-0002")
    trail.record(director, "prisoner.view", one)
    trail.record(director, "placement.create", object_type="custody.placement", object_id="7")
    trail.record(security, "prisoner.view", two)
    trail.record(security, "access.break_glass", one, reason="medical emergency at night")
    trail.record(director, "custody.export", reason="court order 12/2026",
                 recipients="Ministry of Justice")
    old = trail.record(security, "placement.override", two, reason="old")
    with trigger_disabled():
        sql(f"UPDATE {TABLE} SET at = %s, hash = %s WHERE id = %s",  # noqa: S608
            [timezone.now() - timedelta(days=40), "0" * 63 + "1", old.id])
    return {"one": one, "two": two, "old": old}


def actions(response) -> list[str]:
    return [entry.action for entry, _roles in response.context["rows"]]


def test_the_auditor_sees_the_trail_newest_first(as_auditor, trail_entries):
    response = as_auditor.get(reverse("audit:list"))

    assert response.status_code == 200
    shown = actions(response)
    assert shown[0] == "audit.view"  # this very reading, recorded before it was shown
    assert shown[1:4] == ["placement.override", "custody.export", "access.break_glass"]
    html = response.content.decode()
    assert "Ministry of Justice" in html
    assert "court order 12/2026" in html
    assert "Security officer" in html  # roles by name


def test_opening_the_trail_is_itself_recorded_once_per_request(as_auditor, auditor):
    before = AuditEntry.objects.count()

    as_auditor.get(reverse("audit:list"), {"action": "placement.", "page": "1"})

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.actor_id) == ("audit.view", auditor.pk)
    assert entry.changes["filters"] == {"action": "placement."}


@pytest.mark.parametrize("filters,expected", [
    ({"user": "director-BKO"}, {"prisoner.view", "placement.create", "custody.export"}),
    ({"action": "placement."}, {"placement.create", "placement.override"}),
    ({"action": "access.break_glass"}, {"access.break_glass"}),
])
def test_filters_narrow_the_trail(as_auditor, trail_entries, filters, expected):
    response = as_auditor.get(reverse("audit:list"), filters)

    assert set(actions(response)) - {"audit.view"} == expected


def test_filter_by_prisoner_number(as_auditor, trail_entries):
    response = as_auditor.get(reverse("audit:list"), {"prisoner": "BKO-0002"})

    rows = [e for e, _ in response.context["rows"]]
    assert {(e.action, e.object_id) for e in rows} == {
        ("prisoner.view", str(trail_entries["two"].pk)),
        ("placement.override", str(trail_entries["two"].pk))}


def test_filter_by_date(as_auditor, trail_entries):
    today = timezone.localdate()
    recent = as_auditor.get(reverse("audit:list"), {"date_from": str(today)})
    old = as_auditor.get(reverse("audit:list"),
                         {"date_to": str(today - timedelta(days=30))})

    assert "placement.override" not in actions(recent)
    assert actions(old) == ["placement.override"]


def test_an_unknown_prisoner_number_matches_nothing(as_auditor, trail_entries):
    response = as_auditor.get(reverse("audit:list"), {"prisoner": "NOPE-1"})

    assert actions(response) == []


def test_the_break_glass_quick_filter_is_offered(as_auditor):
    html = as_auditor.get(reverse("audit:list")).content.decode()

    assert "?action=access.break_glass" in html


def test_the_list_is_paginated_with_a_bounded_number_of_queries(as_auditor, director):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = as_auditor.get(reverse("audit:list"))
        assert response.status_code == 200
        return len(captured)

    record(3)
    few = queries()
    for i in range(120):
        trail.record(director, "prisoner.view", object_type="custody.prisoner",
                     object_id=str(i))
    many = queries()

    assert many == few
    response = as_auditor.get(reverse("audit:list"), {"page": 2})
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.num_pages == 3


def test_the_csv_export_has_the_filtered_rows_and_is_itself_audited(as_auditor, auditor,
                                                                    trail_entries):
    response = as_auditor.get(reverse("audit:export"), {"action": "placement."})

    # recorded before a single row is streamed
    export = AuditEntry.objects.order_by("-id").first()
    assert (export.action, export.actor_id) == ("audit.export", auditor.pk)
    assert export.changes == {"filters": {"action": "placement."}, "format": "csv"}
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["action"] for r in rows] == ["placement.create", "placement.override"]
    assert all(len(r["hash"]) == 64 for r in rows)


def test_the_csv_export_defuses_spreadsheet_formulas(as_auditor, director):
    trail.record(director, "prisoner.update", reason="=HYPERLINK(\"http://evil\")")

    body = b"".join(as_auditor.get(reverse("audit:export"),
                                   {"action": "prisoner.update"}).streaming_content)

    assert "'=HYPERLINK" in body.decode("utf-8-sig")


def test_exporting_everything_records_no_filters(as_auditor):
    response = as_auditor.get(reverse("audit:export"))
    b"".join(response.streaming_content)

    assert AuditEntry.objects.order_by("-id").first().changes["filters"] == {}


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.AUDITOR])
def test_no_other_role_reads_the_trail(client, facility, role):
    client.force_login(user_with_role(role, facility, username=f"not-auditor-{role}"))

    for name in ("audit:list", "audit:export", "audit:verify"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("audit:verify")).status_code == 403
    assert not AuditEntry.objects.filter(action__in=["audit.view", "audit.export",
                                                     "audit.verify"]).exists()


def test_only_the_auditor_has_the_link(client, as_auditor, director):
    assert reverse("audit:list") in as_auditor.get(reverse("audit:verify")).content.decode()
    client.force_login(director)
    assert reverse("audit:list") not in client.get(reverse("custody:dashboard")).content.decode()


def test_the_auditor_checks_the_chain(as_auditor, auditor):
    record(3)

    page = as_auditor.get(reverse("audit:verify"))
    response = as_auditor.post(reverse("audit:verify"))

    assert "No check has been run" in page.content.decode()
    assert response.status_code == 200
    assert response.context["report"].ok
    assert "The chain is intact" in response.content.decode()
    run = AuditEntry.objects.order_by("-id").first()
    assert (run.action, run.actor_id, run.changes["ok"]) == ("audit.verify", auditor.pk, True)
    assert "intact" in as_auditor.get(reverse("audit:verify")).content.decode()


def test_the_check_names_the_first_bad_entry(as_auditor):
    entries = record(3)
    with trigger_disabled():
        sql(f"UPDATE {TABLE} SET reason = 'edited' WHERE id = %s", [entries[1].id])  # noqa: S608

    response = as_auditor.post(reverse("audit:verify"))

    html = response.content.decode()
    assert f"#{entries[1].id}" in html
    assert "altered" in html
    run = AuditEntry.objects.order_by("-id").first()
    assert run.changes["problem"] == {"entry_id": entries[1].id, "action": "test.write",
                                      "kind": "altered"}


def test_the_check_takes_anchor_files(as_auditor, monkeypatch):
    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv(signing.ENV_KEY, signing.private_key_pem(key).decode())
    record(2)
    document = chain.anchor(key)
    forged = {**document, "head": {**document["head"], "count": 9}}

    good = as_auditor.post(reverse("audit:verify"), {"anchors": [
        SimpleUploadedFile("monitor.json", json.dumps(document).encode(), "application/json")]})
    bad = as_auditor.post(reverse("audit:verify"), {"anchors": [
        SimpleUploadedFile("forged.json", json.dumps(forged).encode(), "application/json")]})

    assert good.context["report"].ok
    assert "monitor.json" in good.content.decode()
    assert bad.context["report"] is None
    assert "forged.json" in bad.content.decode()


def test_the_trail_page_in_arabic_is_right_to_left(as_auditor):
    as_auditor.post("/i18n/setlang/", {"language": "ar", "next": "/audit/"})
    html = as_auditor.get(reverse("audit:list")).content.decode()
    as_auditor.post("/i18n/setlang/", {"language": "en", "next": "/audit/"})

    assert 'dir="rtl"' in html
