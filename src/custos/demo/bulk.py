"""Fast inserts for the synthetic data set.

The ORM's `bulk_create` prepares every value through its field (≈ 90 µs an object here), too
slow for 100,000 prisoners and their records in under a minute. The demo data is generated
already valid, so it is written with `executemany` on values adapted once by the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model

CHUNK = 5000


def db_value(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def insert(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """INSERT `rows` (tuples in the order of `fields`) into `model`'s table."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = quote(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from models)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(
                sql, [tuple(db_value(v) for v in row) for row in rows[start:start + CHUNK]])


def next_id(model: type[Model]) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(*models: type[Model]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
