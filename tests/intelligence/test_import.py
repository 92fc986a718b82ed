"""`custos import_communications`: canonical and supplier files, rejected rows, re-imports."""

import csv
import io
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command

from custos.access.roles import Role
from custos.audit.models import AuditEntry
from custos.intelligence.importing import communications_import
from custos.intelligence.models import (
    CommunicationEvent,
    Identifier,
    ImportBatch,
    OutsidePerson,
    Party,
)

from ..factories import FacilityFactory, PrisonerFactory, user_with_role

DATA = Path(__file__).parent / "data"


@pytest.fixture
def prisoners(facility):
    return [PrisonerFactory(prison_number="A1001", facility=facility),
            PrisonerFactory(prison_number="A1002", facility=facility)]


@pytest.fixture
def analyst(facility):
    return user_with_role(Role.ANALYST, facility)


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_communications", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_canonical_file_creates_events_parties_and_people(prisoners, analyst):
    result = communications_import(acting_user=analyst, path=DATA / "canonical.csv")

    assert (result.rows, result.added, result.duplicates, result.rejected_count) == (6, 6, 0, 0)
    assert CommunicationEvent.objects.count() == 6
    # Two spellings of one number are one person, found by one identifier.
    phone = Identifier.objects.get(kind="phone", key="+33612345678")
    assert phone.person.name == "Amina Diallo"
    assert phone.value == "+33 6 12 34 56 78"
    assert Identifier.objects.get(kind="document", key="AB123456").person.name == "Moussa Traoré"
    assert OutsidePerson.objects.count() == 4
    assert Party.objects.filter(prisoner__isnull=False).count() == 2
    assert Party.objects.filter(person__isnull=False).count() == 4
    calls = CommunicationEvent.objects.filter(kind="call").order_by("occurred_at")
    assert [c.occurred_at for c in calls] == [datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
                                            datetime(2025, 3, 1, 10, 15, tzinfo=UTC)]
    assert {c.to_party.person_id for c in calls} == {phone.person_id}
    transfer = CommunicationEvent.objects.get(kind="money_transfer")
    assert transfer.amount == Decimal("25.50")
    assert transfer.duration_seconds is None
    assert transfer.to_party.prisoner == prisoners[0]
    assert transfer.batch == result.batch


def test_known_people_and_parties_are_reused(prisoners, analyst):
    known = OutsidePerson.objects.create(name="Amina (known)")
    Identifier.objects.create(person=known, kind="phone", value="+33612345678",
                              key="+33612345678")

    communications_import(acting_user=analyst, path=DATA / "canonical.csv")

    assert Party.objects.get(person=known).pk  # made for the known person
    assert CommunicationEvent.objects.filter(to_party__person=known).count() == 2
    assert OutsidePerson.objects.count() == 4  # the known one and three new


def test_events_keep_pointing_at_a_merged_person(prisoners, analyst):
    kept = OutsidePerson.objects.create(name="Amina Diallo")
    merged = OutsidePerson.objects.create(name="Amina D.", merged_into=kept)
    Identifier.objects.create(person=merged, kind="phone", value="0033612345678",
                              key="+33612345678")

    communications_import(acting_user=analyst, path=DATA / "canonical.csv")

    assert CommunicationEvent.objects.filter(to_party__person=merged).count() == 2
    assert not CommunicationEvent.objects.filter(to_party__person=kept).exists()


def test_reimporting_the_same_file_adds_nothing(prisoners, analyst):
    run(DATA / "canonical.csv", "--as", analyst.username)

    out = run(DATA / "canonical.csv", "--as", analyst.username)

    assert "6 rows read, 0 added, 6 duplicates skipped, 0 rejected" in out
    assert CommunicationEvent.objects.count() == 6
    assert OutsidePerson.objects.count() == 4
    assert ImportBatch.objects.count() == 2
    assert ImportBatch.objects.latest("pk").duplicates == 6


def test_every_bad_row_is_refused_with_its_row_number_and_reason(prisoners, analyst, tmp_path):
    report = tmp_path / "rejected.csv"

    out = run(DATA / "rejections.csv", "--as", analyst.username, "--report", report)

    assert "15 rows read, 2 added, 0 duplicates skipped, 13 rejected" in out
    assert CommunicationEvent.objects.count() == 2
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    reasons = {int(r["row"]): r["reason"] for r in rows}
    assert sorted(reasons) == list(range(3, 16))
    assert "unknown kind “fax”" in reasons[3]
    assert "“01/03/2025 10:15” is not a date and time" in reasons[4]
    assert "duration “-5” is negative" in reasons[5]
    assert "duration “long” is not a number" in reasons[6]
    assert reasons[7] == "a money transfer without an amount"
    assert "amount “-20” is negative" in reasons[8]
    assert "amount “12.345” is not a sum of money" in reasons[9]
    assert "first party (from_ref) is missing" in reasons[10]
    assert "unknown facility code “XXX”" in reasons[11]
    assert "both parties are the same" in reasons[12]
    assert "neither party is a prisoner" in reasons[13]
    assert "is in the future" in reasons[14]
    assert "the row has 10 fields where the header has 9" in reasons[15]
    assert rows[0]["raw"] == "fax,2025-03-01T10:15:00Z,A1001,,+33612345678,,60,,BKO"
    batch = ImportBatch.objects.get()
    assert (batch.rows, batch.added, batch.duplicates) == (15, 2, 0)
    assert [r["row"] for r in batch.rejected] == list(range(3, 16))
    assert nothing_made_for_rejected_rows()


def nothing_made_for_rejected_rows() -> bool:
    """Only the good rows' outside party (+33612345678) exists: refused rows make nobody."""
    return list(Identifier.objects.values_list("key", flat=True)) == ["+33612345678"]


def test_a_row_with_several_faults_lists_them_all(prisoners, analyst, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,occurred_at,from_ref,from_name,to_ref,to_name,duration_seconds,"
                   "amount,facility\nfax,yesterday,A1001,,+33612345678,,-1,,NOPE\n")

    result = communications_import(acting_user=analyst, path=bad)

    reason = result.rejected["reason"][0]
    assert "unknown kind “fax”" in reason
    assert "“yesterday” is not a date and time" in reason
    assert "duration “-1” is negative" in reason
    assert "unknown facility code “NOPE”" in reason


def test_callsys_export_is_recognised_by_its_header(prisoners, analyst):
    out = run(DATA / "callsys.csv", "--as", analyst.username)

    assert "3 rows read, 2 added, 0 duplicates skipped, 1 rejected" in out
    assert "row 4: the duration “abc” is not a number" in out
    first = CommunicationEvent.objects.order_by("occurred_at").first()
    assert first.kind == "call"
    assert first.occurred_at == datetime(2025, 3, 1, 10, 15, tzinfo=UTC)  # day first
    assert first.monitored is True
    assert first.from_party.prisoner == prisoners[0]
    assert first.to_party.person.name == "Amina Diallo"
    local = Identifier.objects.get(key="76000001")
    assert local.kind == "phone" and local.person.name == "76 00 00 01"  # no name: the ref
    assert ImportBatch.objects.get().mapping == "callsys"


def test_visitlog_mapping_maps_kinds_and_minutes(prisoners, analyst):
    run(DATA / "visitlog.csv", "--mapping", "visitlog", "--as", analyst.username)

    visit, video = CommunicationEvent.objects.order_by("occurred_at")
    assert (visit.kind, visit.duration_seconds, visit.monitored) == ("visit", 3600, True)
    assert (video.kind, video.duration_seconds, video.monitored) == ("video_call", 1800, False)
    assert visit.from_party.person.name == "Amina Diallo"
    assert video.to_party.prisoner == prisoners[1]
    assert Identifier.objects.get(key="XY987654").kind == "document"


def test_a_mapping_whose_columns_are_missing_imports_nothing(prisoners, analyst):
    with pytest.raises(CommandError, match="lacks the columns"):
        run(DATA / "canonical.csv", "--mapping", "callsys", "--as", analyst.username)

    assert not ImportBatch.objects.exists()


def test_parquet_file(prisoners, analyst, tmp_path):
    frame = pl.read_csv(DATA / "canonical.csv", infer_schema=False)
    frame = frame.with_columns(pl.col("duration_seconds").cast(pl.Int64))
    path = tmp_path / "events.parquet"
    frame.write_parquet(path)

    result = communications_import(acting_user=analyst, path=path)

    assert (result.rows, result.added, result.rejected_count) == (6, 6, 0)
    assert CommunicationEvent.objects.get(kind="visit").duration_seconds == 3600
    again = communications_import(acting_user=analyst, path=DATA / "canonical.csv")
    assert (again.added, again.duplicates) == (0, 6)  # the same facts, whatever the format


def test_parquet_row_numbers_count_records_from_one(prisoners, analyst, tmp_path):
    frame = pl.read_csv(DATA / "rejections.csv", infer_schema=False, n_rows=3,
                        truncate_ragged_lines=True)
    path = tmp_path / "bad.parquet"
    frame.write_parquet(path)

    result = communications_import(acting_user=analyst, path=path)

    assert result.rejected["row"].to_list() == [2, 3]


def test_unknown_header_fails_clearly_and_imports_nothing(prisoners, analyst):
    with pytest.raises(CommandError, match="matches no known export"):
        run(DATA / "unknown_header.csv", "--as", analyst.username)

    assert not ImportBatch.objects.exists()
    assert not AuditEntry.objects.filter(action="intelligence.import").exists()


def test_unreadable_file_fails_clearly(prisoners, analyst, tmp_path):
    broken = tmp_path / "broken.parquet"
    shutil.copy(DATA / "canonical.csv", broken)
    broken.write_bytes(b"PAR1 not really parquet")

    with pytest.raises(CommandError, match="cannot be read"):
        run(broken, "--as", analyst.username)
    with pytest.raises(CommandError, match="cannot be read"):
        run(tmp_path / "missing.csv", "--as", analyst.username)

    assert not ImportBatch.objects.exists()


def test_a_partner_may_not_import_and_nothing_changes(prisoners, facility):
    partner = user_with_role(Role.PARTNER, facility)

    with pytest.raises(CommandError, match="may not import communications"):
        run(DATA / "canonical.csv", "--as", partner.username)

    assert not CommunicationEvent.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not OutsidePerson.objects.exists()
    assert not AuditEntry.objects.filter(action="intelligence.import").exists()


def test_import_is_audited_with_its_counts(prisoners, analyst):
    run(DATA / "rejections.csv", "--as", analyst.username)

    entry = AuditEntry.objects.get(action="intelligence.import")
    batch = ImportBatch.objects.get()
    assert entry.actor == analyst
    assert entry.object_id == str(batch.pk)
    assert entry.changes["added"] == 2
    assert entry.changes["rejected"] == 13
    assert batch.imported_by == analyst
    assert len(batch.file_sha256) == 64


def test_a_scheduled_import_runs_as_the_system(prisoners):
    run(DATA / "canonical.csv")

    entry = AuditEntry.objects.get(action="intelligence.import")
    assert entry.actor is None
    assert ImportBatch.objects.get().imported_by is None
    assert OutsidePerson.objects.filter(created_by__isnull=True).count() == 4


def structures() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, CommunicationEvent._meta.db_table)
    return {name: (c["columns"], c["unique"], c["foreign_key"], c["index"])
            for name, c in found.items()}


def test_a_large_file_loads_the_same_and_keeps_every_index_and_key(prisoners, analyst,
                                                                   monkeypatch):
    from custos.intelligence import importing

    before = structures()
    # PostgreSQL: rebuild the indexes and keys around the load
    monkeypatch.setattr(importing.loading, "BULK_MIN_ROWS", 1)

    first = communications_import(acting_user=analyst, path=DATA / "canonical.csv")
    loaded = sorted(CommunicationEvent.objects.values_list(
        "kind", "occurred_at", "duration_seconds", "amount", "batch_id", "fingerprint"))
    again = communications_import(acting_user=analyst, path=DATA / "canonical.csv")

    assert (first.added, again.added, again.duplicates) == (6, 0, 6)
    assert structures() == before
    assert CommunicationEvent.objects.get(kind="money_transfer").amount == Decimal("25.50")
    # Copied straight into the empty table: times to the microsecond, in UTC, as the file says.
    assert loaded[0][:4] == ("call", datetime(2025, 3, 1, 10, 0, tzinfo=UTC), 45, None)
    assert {row[4] for row in loaded} == {first.batch.pk}


def test_a_file_whose_rows_are_all_refused_imports_nothing_else(prisoners, analyst, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,occurred_at,from_ref,from_name,to_ref,to_name,duration_seconds,"
                   "amount,facility\nfax,2025-03-01T10:00:00Z,A1001,,+33612345678,,,,BKO\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("kind,occurred_at,from_ref,from_name,to_ref,to_name,duration_seconds,"
                     "amount,facility\n")

    refused = communications_import(acting_user=analyst, path=bad)
    nothing = communications_import(acting_user=analyst, path=empty)

    assert (refused.rows, refused.added, refused.rejected_count) == (1, 0, 1)
    assert (nothing.rows, nothing.added, nothing.rejected_count) == (0, 0, 0)
    assert not CommunicationEvent.objects.exists()
    assert not OutsidePerson.objects.exists()


def test_references_are_read_column_wide_as_identifiers_reads_them_one_by_one(prisoners):
    from custos.intelligence.identifiers import classify
    from custos.intelligence.importing.people import _refs

    outside = ["+33 6 12 34 56 78", "0033 (6) 12.34.56.78", "06-12-34-56-78", "12345",
               "+33\u00a0612345678", "AB 123456", "amina@example.org", "12 Rue de la Paix",
               "\u0661\u0662\u0663\u0664\u0665\u0666\u0667"]
    frame = pl.DataFrame({"from_ref": ["A1001", "a1002", *outside[2:]],
                          "to_ref": [*outside[:2], *outside[2:]]})

    found = {r["ref"]: (r["ref_kind"], r["ref_key"], r["prisoner_id"])
             for r in _refs(frame).iter_rows(named=True)}

    assert found["A1001"] == ("prisoner", "A1001", prisoners[0].pk)
    assert found["a1002"] == ("prisoner", "A1002", prisoners[1].pk)
    for ref in outside:
        assert found[ref][:2] == tuple(classify(ref)), ref


def test_an_analyst_of_one_facility_loads_only_that_facilitys_events(prisoners, analyst,
                                                                    tmp_path):
    FacilityFactory(code="RBT", name="Rabat")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("kind,occurred_at,from_ref,from_name,to_ref,to_name,duration_seconds,"
                     "amount,facility\n"
                     "call,2025-03-01T10:00:00Z,A1001,,+33612345678,Amina,60,,BKO\n"
                     "call,2025-03-01T11:00:00Z,A1001,,+33612345678,Amina,60,,RBT\n")

    result = communications_import(acting_user=analyst, path=mixed)

    assert (result.added, result.rejected_count) == (1, 1)
    assert result.rejected.row(0, named=True)["reason"] == "the facility “RBT” is not one of yours"
    assert CommunicationEvent.objects.get().facility.code == "BKO"
