"""The chain: any edit, deletion or insertion is found and named; anchors catch rewrites."""

import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from custos.audit import chain, trail
from custos.audit.models import AuditEntry

from .helpers import TABLE, forged, record, rehash_all, sql, trigger_disabled, write_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def kept(document: dict, key) -> chain.Anchor:
    """The anchor as the outside party keeps it: a JSON file, read back with the public key."""
    return chain.read_anchor(json.dumps(document), key.public_key(), source="monitor.json")


def test_an_empty_trail_verifies():
    report = chain.verify()

    assert report.ok
    assert report.count == 0
    assert report.last_hash == trail.GENESIS


def test_entries_written_by_the_trail_verify():
    entries = record(5)

    report = chain.verify(chunk=2)  # several chunks

    assert report.ok, report.lines()
    assert report.count == 5
    assert (report.last_id, report.last_hash) == (entries[-1].id, entries[-1].hash)


def test_ids_need_not_be_contiguous():
    record(2)
    write_chain([1, 7, 1, 250])  # as after rolled-back transactions on PostgreSQL

    assert chain.verify().ok


def test_each_entry_links_to_the_previous_one():
    first, second = record(2)

    assert second.prev_hash == first.hash
    assert trail.entry_hash(second) == second.hash


@pytest.mark.parametrize("column,value", [
    ("reason", "nothing to see here"),
    ("actor_name", "someone-else"),
    ("action", "prisoner.view"),
    ("recipients", "a newspaper"),
    ("changes", '{"cell": [1, 2]}'),
    ("at", "2020-01-01 00:00:00"),
])
def test_an_altered_entry_is_named(column, value):
    entries = record(4)
    target = entries[2]
    with trigger_disabled():
        sql(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, target.id])  # noqa: S608

    report = chain.verify()

    assert not report.ok
    assert report.problem.entry_id == target.id
    assert report.problem.kind == chain.ALTERED
    assert f"entry #{target.id} (" in str(report.problem)


def test_an_entry_altered_and_rehashed_breaks_the_next_link():
    entries = record(4)
    target = entries[1]
    target.reason = "rewritten"
    with trigger_disabled():
        sql(f"UPDATE {TABLE} SET reason = %s, hash = %s WHERE id = %s",  # noqa: S608
            [target.reason, trail.entry_hash(target), target.id])

    problem = chain.verify().problem

    assert problem.entry_id == entries[2].id
    assert problem.kind == chain.DELETED_BEFORE
    assert f"#{target.id}" in problem.detail  # "... or the entry before it was altered"


def test_a_deleted_entry_is_found_at_the_entry_after_it():
    entries = record(5)
    with trigger_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id = %s", [entries[2].id])  # noqa: S608

    problem = chain.verify().problem

    assert problem.entry_id == entries[3].id
    assert problem.action == "test.write"
    assert problem.kind == chain.DELETED_BEFORE


def test_deleting_the_first_entries_is_found():
    entries = record(4)
    with trigger_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id <= %s", [entries[1].id])  # noqa: S608

    problem = chain.verify().problem

    assert (problem.entry_id, problem.kind) == (entries[2].id, chain.DELETED_BEFORE)


def test_an_inserted_entry_that_links_correctly_is_named():
    a, b, c = write_chain([1, 10, 10])
    fake = forged(a.id + 5, prev_hash=a.hash)  # slips in between a and b, links to a

    problem = chain.verify().problem

    assert (problem.entry_id, problem.action, problem.kind) == (
        fake.id, "forged.entry", chain.INSERTED)


def test_an_inserted_entry_with_a_made_up_link_is_named():
    a, b, c = write_chain([1, 10, 10])
    fake = forged(b.id + 3, prev_hash="f" * 64)

    problem = chain.verify().problem

    assert (problem.entry_id, problem.kind) == (fake.id, chain.INSERTED)


def test_an_entry_inserted_before_the_first_is_named():
    a, b = write_chain([10, 1])
    if a.prev_hash != trail.GENESIS:
        pytest.skip("the trail was not empty")
    fake = forged(a.id - 5, prev_hash=trail.GENESIS)

    problem = chain.verify().problem

    assert (problem.entry_id, problem.kind) == (fake.id, chain.INSERTED)


def test_the_first_problem_is_the_one_named():
    entries = record(6)
    with trigger_disabled():
        sql(f"UPDATE {TABLE} SET reason = 'x' WHERE id IN (%s, %s)",  # noqa: S608
            [entries[1].id, entries[4].id])

    assert chain.verify().problem.entry_id == entries[1].id


# --- anchors ---------------------------------------------------------------------------------

def test_an_anchor_signs_the_head_and_is_recorded_in_the_trail(key):
    entries = record(3)

    document = chain.anchor(key)

    assert document["head"]["count"] == AuditEntry.objects.count() - 1
    assert document["head"]["last_id"] == entries[-1].id
    assert document["head"]["last_hash"] == entries[-1].hash
    recorded = AuditEntry.objects.order_by("-id").first()
    assert recorded.action == "audit.anchor"
    assert recorded.changes["last_hash"] == entries[-1].hash
    assert recorded.changes["digest"] == document["digest"]
    assert chain.verify([kept(document, key)]).ok


def test_the_chain_keeps_verifying_against_old_anchors_as_it_grows(key):
    record(2)
    first = chain.anchor(key)
    record(3)
    second = chain.anchor(key)
    record(1)

    report = chain.verify([kept(first, key), kept(second, key)])

    assert report.ok, report.lines()
    assert all(check.ok for check in report.anchors)


def test_a_chain_rewritten_consistently_passes_alone_but_fails_against_an_anchor(key):
    record(3)
    document = chain.anchor(key)
    record(2)
    with trigger_disabled():
        rehash_all("nothing happened")

    assert chain.verify().ok  # the superuser's rewrite is consistent…
    report = chain.verify([kept(document, key)])  # …but not with what the monitor kept

    assert not report.ok
    assert report.problem is None
    assert "rewritten" in report.anchors[0].detail


def test_a_truncated_chain_fails_against_an_anchor(key):
    record(3)
    document = chain.anchor(key)
    with trigger_disabled():
        sql(f"DELETE FROM {TABLE} WHERE id >= %s", [document["head"]["last_id"]])  # noqa: S608

    report = chain.verify([kept(document, key)])

    assert chain.verify().ok  # the tail alone leaves no trace in the chain…
    assert not report.ok  # …but the anchor names what is missing
    assert f"#{document['head']['last_id']}" in report.anchors[0].detail


def test_an_anchor_of_the_empty_chain_holds(key):
    if AuditEntry.objects.exists():
        pytest.skip("the trail was not empty")
    document = chain.anchor(key)

    assert document["head"] == {**document["head"], "count": 0, "last_id": None}
    assert chain.verify([kept(document, key)]).ok


def test_a_tampered_anchor_is_rejected(key):
    record(2)
    document = chain.anchor(key)
    document["head"]["count"] += 1

    with pytest.raises(chain.AnchorError, match="digest"):
        kept(document, key)
    document["digest"] = chain.Head(**document["head"]).digest()
    with pytest.raises(chain.AnchorError, match="signature"):
        kept(document, key)


def test_an_anchor_signed_by_another_key_is_rejected(key):
    document = chain.anchor(key)

    with pytest.raises(chain.AnchorError, match="signature"):
        kept(document, Ed25519PrivateKey.generate())


@pytest.mark.parametrize("text", ["", "[]", "{}", '{"type": "custos-audit-anchor"}',
                                  '{"type": "custos-audit-anchor", "version": 1, "head": {}}'])
def test_a_malformed_anchor_is_rejected(key, text):
    with pytest.raises(chain.AnchorError):
        chain.read_anchor(text, key.public_key())


# --- the hashed content ----------------------------------------------------------------------

def test_recipients_are_hashed_and_an_empty_field_hashes_as_before_it_existed():
    entry = trail.record(None, "custody.export", reason="court order 12/2026",
                         recipients="Ministry of Justice")
    values = trail.values_of(entry)

    assert b"Ministry of Justice" in trail.canonical(values)
    assert trail.hash_values({**values, "recipients": "someone else"}) != entry.hash
    without = {k: v for k, v in values.items() if k != "recipients"}
    assert trail.hash_values({**values, "recipients": ""}) == trail.hash_values(without)


def test_record_many_chains_one_entry_per_object():
    record(1)
    assert trail.record_many(None, "bulk.none", []) == []
    objects = list(AuditEntry.objects.all()[:1]) * 3

    entries = trail.record_many(None, "bulk.touch", objects, reason="bulk")

    assert [e.action for e in entries] == ["bulk.touch"] * 3
    assert entries[1].prev_hash == entries[0].hash
    assert chain.verify().ok


def test_awkward_values_survive_the_round_trip_through_the_database():
    # jsonb keeps numbers as decimals: 1e+20 comes back as an integer, -0.0 as 0.0
    changes = {"float": 0.1, "one": 1.0, "big": 1e20, "tiny": 1e-7, "int": 2**53 + 1,
               "minus_zero": -0.0, "nan": float("nan"), "huge": 1.5e300,
               "nested": {"b": 1, "a": [1, "é", None, True]}, "empty": {},
               "date": date(2026, 1, 2)}
    trail.record(None, "test.awkward", reason="line one\nline two « ça » محمد 🙂",
                 changes=changes, object_repr="Мухаммед / Muhammad",
                 recipients="Ministère; وزارة العدل")

    report = chain.verify()

    assert report.ok, report.lines()
