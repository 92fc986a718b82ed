"""The bulk path of a communications import on PostgreSQL: binary COPY, ids reserved at once,
keys dropped and put back, and the events' keys validated after commit."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.db import IntegrityError, connection

from custos.intelligence.importing import communications_import, loading, people, pgcopy
from custos.intelligence.models import CommunicationEvent, Identifier, OutsidePerson, Party

from ..factories import PrisonerFactory

DATA = Path(__file__).parent / "data"

pytestmark = [pytest.mark.skipif("connection.vendor != 'postgresql'",
                                 reason="the bulk path is PostgreSQL's"), pytest.mark.django_db]


@pytest.fixture
def prisoners(facility):
    return [PrisonerFactory(prison_number="A1001", facility=facility),
            PrisonerFactory(prison_number="A1002", facility=facility)]


def fetch(statement: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def test_binary_copy_gives_back_every_value_as_it_was_given():
    frame = pl.DataFrame(
        {"id": [1, 2, 3, 4], "kind": ["call", "été", None, ""],
         "at": [0, 1_700_000_000_123_456, -5, 946_684_800_000_000],
         "seconds": [None, 5, 2**31 - 1, 0], "cents": [None, 2550, -1, 999_999_999_999],
         "monitored": [True, False, None, True]},
        schema={"id": pl.Int64, "kind": pl.String, "at": pl.Int64, "seconds": pl.Int32,
                "cents": pl.Int64, "monitored": pl.Boolean})
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copied (id bigint, kind varchar(15), at timestamptz, "
                       "seconds integer, amount numeric(12, 2), monitored boolean)")
        pgcopy.send(cursor, "COPY copied FROM STDIN (FORMAT binary)", pgcopy.chunks(frame, [
            ("id", "int8"), ("kind", "text"), ("at", "timestamptz"), ("seconds", "int4"),
            ("cents", "numeric2"), ("monitored", "bool")]))

    rows = fetch("SELECT id, kind, at, seconds, amount, monitored FROM copied ORDER BY id")

    assert rows == [
        (1, "call", datetime(1970, 1, 1, tzinfo=UTC), None, None, True),
        (2, "été", datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC), 5, Decimal("25.50"),
         False),
        (3, None, datetime(1969, 12, 31, 23, 59, 59, 999995, tzinfo=UTC), 2**31 - 1,
         Decimal("-0.01"), None),
        (4, "", datetime(2000, 1, 1, tzinfo=UTC), 0, Decimal("9999999999.99"), True)]


def test_reserved_ids_are_the_ones_the_sequence_gave_even_when_they_are_not_consecutive():
    table = OutsidePerson._meta.db_table
    consecutive = people._reserve_ids(table, 5).to_list()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
        spread = people._reserve_ids(table, 4).to_list()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")

    assert consecutive == list(range(consecutive[0], consecutive[0] + 5))
    assert spread[1:] == [spread[0] + 3, spread[0] + 6, spread[0] + 9]
    assert spread[0] > consecutive[-1]


def test_a_bulk_load_puts_the_event_keys_back_and_validates_them_after(prisoners, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    monkeypatch.setattr(loading, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(people, "KEYS_DROPPED_FROM", 1)
    enqueued = []
    monkeypatch.setattr(loading, "_enqueue_validation", lambda: enqueued.append(True))
    table = CommunicationEvent._meta.db_table

    with django_capture_on_commit_callbacks(execute=True):
        result = communications_import(acting_user=None, path=DATA / "canonical.csv")
    pending = fetch("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' AND NOT convalidated", [table])
    validated = loading.validate_event_keys()

    assert result.added == 6 and enqueued == [True]
    assert len(pending) == 4  # batch, facility, both parties: vouched for, not yet validated
    assert sorted(validated) == sorted(name for (name,) in pending)
    assert not fetch("SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass "
                     "AND contype = 'f' AND NOT convalidated", [table])
    # The people's keys were dropped for the load and are back, checked.
    for model in (Identifier, Party):
        assert fetch("SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass "
                     "AND contype = 'f' AND convalidated AND confrelid = %s::regclass",
                     [model._meta.db_table, OutsidePerson._meta.db_table]) == [(1,)]
    assert Identifier.objects.count() == OutsidePerson.objects.count() == 4
    assert Party.objects.filter(person__isnull=False).count() == 4


def test_events_referring_to_a_missing_party_are_refused_before_anything_is_loaded(prisoners):
    party = Party.objects.create(prisoner=prisoners[0])
    events = pl.DataFrame({"from_party_id": [party.pk], "to_party_id": [party.pk + 1000],
                           "facility_id": [prisoners[0].facility_id]})

    with connection.cursor() as cursor, pytest.raises(IntegrityError, match="intelligence_party"):
        loading._vouch_for_keys(cursor, events)


def test_a_large_file_is_checked_against_the_rows_held_even_when_statistics_say_none(
        prisoners, monkeypatch):
    table = CommunicationEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")  # the table empty: its statistics say no rows
    communications_import(acting_user=None, path=DATA / "canonical.csv")  # a small file
    assert fetch("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table]) == [(0,)]
    monkeypatch.setattr(loading, "BULK_MIN_ROWS", 1)

    again = communications_import(acting_user=None, path=DATA / "canonical.csv")

    assert (again.added, again.duplicates) == (0, 6)
    assert CommunicationEvent.objects.count() == 6
