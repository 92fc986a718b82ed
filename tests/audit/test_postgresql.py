"""On PostgreSQL the trail is append-only in the database, and concurrent writers keep the
chain whole. Skipped on SQLite (CI runs the suite on PostgreSQL too)."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from custos.audit import chain, trail
from custos.audit.models import AuditEntry

from .helpers import TABLE, on_postgresql, record, sql


@pytest.fixture(autouse=True)
def _postgresql_only(db):
    if not on_postgresql():
        pytest.skip("PostgreSQL only: the append-only trigger and advisory lock")


@pytest.mark.parametrize("statement", [
    f"UPDATE {TABLE} SET reason = 'covered up' WHERE id = %s",  # noqa: S608
    f"DELETE FROM {TABLE} WHERE id = %s",  # noqa: S608
])
def test_the_database_refuses_to_change_or_delete_an_entry(statement):
    entry = record(1)[0]

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement, [entry.id])

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.reason, stored.hash) == (entry.reason, entry.hash)
    assert chain.verify().ok


def test_the_orm_cannot_change_an_entry_either():
    entry = record(1)[0]

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="covered up")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.get(pk=entry.pk).reason == entry.reason


def test_a_rolled_back_transaction_leaves_a_gap_in_the_ids_not_in_the_chain():
    first = record(1)[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        record(2)
        raise RuntimeError("the change failed")
    after = record(1)[0]

    assert after.id > first.id + 1  # the sequence moved on…
    assert after.prev_hash == first.hash  # …the chain did not
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_append_in_order():
    threads, per_thread, errors = 6, 15, []
    before = AuditEntry.objects.count()
    start = threading.Barrier(threads)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    trail.record(None, "test.concurrent", object_type="test.thing",
                                 object_id=f"{n}-{i}")
                    if i % 3 == 0:  # some transactions append twice
                        trail.record(None, "test.concurrent.second", object_id=f"{n}-{i}")
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert errors == []
    report = chain.verify()
    assert report.ok, report.lines()
    assert report.count == before + threads * (per_thread + len(range(0, per_thread, 3)))
    assert AuditEntry.objects.filter(action="test.concurrent").count() == threads * per_thread
