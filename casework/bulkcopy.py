"""Rows straight into a table with PostgreSQL's COPY, for data sets of millions of rows.

`copy_rows(model, columns, rows)` streams tuples (values in the order of `columns`) in chunks
through psycopg2's copy_expert. Every other concrete column gets its field's default, formatted
once; `auto_now`/`auto_now_add` columns get `now`. No model is saved, so no signal, history row or
audit is written: callers use it only to seed synthetic data. On another database vendor the rows
go through bulk_create in batches instead, so the same seeding code runs on SQLite.
"""

import io
import json
from contextlib import contextmanager
from datetime import date, datetime

from django.db import connection

CHUNK = 100_000


class SeqIds:
    """Deterministic UUIDs as text, fast: a fixed 64-bit prefix (from the caller's seeded random) and
    a counter. Formatting a uuid.UUID costs more than writing its row, hence strings."""

    def __init__(self, rng):
        prefix = f"{rng.getrandbits(64):016x}"
        self.head = f"{prefix[:8]}-{prefix[8:12]}-{prefix[12:16]}-"
        self.counter = 0

    def __next__(self):
        self.counter += 1
        return f"{self.head}{self.counter >> 48:04x}-{self.counter & 0xFFFFFFFFFFFF:012x}"

    def __iter__(self):
        return self


@contextmanager
def bulk_load(models):
    """While loading many rows, the tables of `models` keep only their primary key: foreign keys,
    unique constraints and other indexes are dropped, then made again in one pass each (a sort per
    index and a join per foreign key cost far less than checking and indexing row by row).
    Use it inside a transaction: a failure then undoes the drops too. No-op except on PostgreSQL."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        # Checks still deferred from earlier writes in this transaction would forbid the ALTERs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')", [tables]
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [tables]
        )
        indexes = cursor.fetchall()
        for table, name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem TO '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in sorted(constraints, key=lambda c: "FOREIGN" in c[2]):
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django's deferrable foreign keys start


def _text(value):
    """One value in COPY's text format (our synthetic values hold no tab, newline or backslash)."""
    if type(value) is str:
        return value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _defaults(model, columns, now):
    """The fields COPY fills from defaults: (column, formatted value), in table order."""
    filled = []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.attname in columns:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append((field.column, _text(now)))
        elif field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
            continue  # the sequence numbers it
        else:
            filled.append((field.column, _text(field.get_default())))
    return filled


def copy_rows(model, columns, rows, *, now):
    """Insert `rows` (iterables of values for `columns`) into `model`'s table; returns the count."""
    if connection.vendor != "postgresql":
        return _bulk_create(model, columns, rows, now)
    fixed = _defaults(model, set(columns), now)
    names = [model._meta.get_field(c).column for c in columns]
    head = ", ".join(f'"{n}"' for n in [*names, *(c for c, _ in fixed)])
    tail = "".join("\t" + v for _, v in fixed) + "\n"
    sql = f'COPY "{model._meta.db_table}" ({head}) FROM STDIN'
    count, buffer, in_buffer = 0, io.StringIO(), 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for row in rows:
            buffer.write("\t".join(map(_text, row)) + tail)
            in_buffer += 1
            if in_buffer == CHUNK:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                count += in_buffer
                buffer, in_buffer = io.StringIO(), 0
        if in_buffer:
            buffer.seek(0)
            raw.copy_expert(sql, buffer)
            count += in_buffer
    return count


def _bulk_create(model, columns, rows, now, batch=2000):
    """Elsewhere (SQLite): the same rows as objects; auto_now_add fields take the time of insert."""
    objects, count = [], 0
    for row in rows:
        obj = model(**dict(zip(columns, row)))
        objects.append(obj)
        if len(objects) == batch:
            model.objects.bulk_create(objects)
            count += len(objects)
            objects = []
    if objects:
        model.objects.bulk_create(objects)
        count += len(objects)
    return count
