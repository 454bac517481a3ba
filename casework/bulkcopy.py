"""Rows straight into a table with PostgreSQL's COPY, for data sets of millions of rows.

`copy_rows(model, columns, rows)` streams tuples (values in the order of `columns`) in chunks
through psycopg2's copy_expert. Every other concrete column gets its field's default, formatted
once; `auto_now`/`auto_now_add` columns get `now`. No model is saved, so no signal, history row or
audit is written: callers use it only to seed synthetic data. On another database vendor the rows
go through bulk_create in batches instead, so the same seeding code runs on SQLite.
"""

import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection

CHUNK = 100_000


class SeqIds:
    """Deterministic UUIDs as text, fast: a fixed 64-bit prefix (from the caller's seeded random) and
    a counter. Formatting a uuid.UUID costs more than writing its row, hence strings."""

    def __init__(self, rng, *, start=0, head=None):
        """`head` and `start` continue another SeqIds' series (its head) from the counter `start`:
        for ids made in chunks by several processes, each chunk from its own first number."""
        if head is None:
            prefix = f"{rng.getrandbits(64):016x}"
            head = f"{prefix[:8]}-{prefix[8:12]}-{prefix[12:16]}-"
        self.head = head
        self.counter = start

    def __next__(self):
        self.counter += 1
        return f"{self.head}{self.counter >> 48:04x}-{self.counter & 0xFFFFFFFFFFFF:012x}"

    def __iter__(self):
        return self


@dataclass(frozen=True)
class Dropped:
    """What drop_for_load took off some tables, as the statements that make it again: the indexes
    and unique constraints (`indexes`), and the foreign keys (`foreign_keys`, which read only
    primary keys). They may run on several connections at once: two indexes build side by side, and
    a foreign key waits for an index being built on either of its tables."""
    indexes: list
    foreign_keys: list

    def remake(self, statements=None):
        """Run `statements` (default: all, in order) on this thread's connection."""
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem TO '512MB'")
            for statement in statements if statements is not None else [*self.indexes, *self.foreign_keys]:
                cursor.execute(statement)


def drop_for_load(models):
    """Drop the foreign keys, unique constraints and other indexes of `models`' tables (their
    primary keys stay) before loading many rows; returns the Dropped statements that make them again
    (a sort per index and a join per foreign key cost far less than checking and indexing row by
    row). PostgreSQL only. Dropping a foreign key locks the table it points to as well, until the
    transaction ends."""
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
    adds = {kind: [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                   for table, name, definition in constraints if ("FOREIGN" in definition) == kind]
            for kind in (False, True)}
    return Dropped(indexes=[definition for _, definition in indexes] + adds[False], foreign_keys=adds[True])


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


class CopyTable:
    """How rows of `columns` become COPY's text for `model`'s table. It holds strings only, so a
    worker process can format rows with it and hand the text back (copy_text sends it)."""

    def __init__(self, model, columns, *, now):
        fixed = _defaults(model, set(columns), now)
        names = [model._meta.get_field(c).column for c in columns]
        head = ", ".join(f'"{n}"' for n in [*names, *(c for c, _ in fixed)])
        self.tail = "".join("\t" + v for _, v in fixed) + "\n"
        self.sql = f'COPY "{model._meta.db_table}" ({head}) FROM STDIN'

    def line(self, row):
        return "\t".join(map(_text, row)) + self.tail

    def text(self, rows):
        return "".join(map(self.line, rows))


def copy_text(table, text):
    """Send text made by `table` (a CopyTable) to its table, on this thread's connection."""
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(table.sql, io.StringIO(text))


def copy_rows(model, columns, rows, *, now):
    """Insert `rows` (iterables of values for `columns`) into `model`'s table; returns the count.

    Building a chunk's text is Python's work and taking it in is the database's, on another core:
    so a second thread sends each chunk while this one builds the next (psycopg2 lets other threads
    run while it waits on the server). One chunk at most is in flight; an error in the COPY is
    raised here. So the rows' iterator must not use the database connection itself."""
    if connection.vendor != "postgresql":
        return _bulk_create(model, columns, rows, now)
    table = CopyTable(model, columns, now=now)
    count, lines = 0, []
    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as sender:
        raw, in_flight = cursor.cursor, None

        def send(chunk):
            nonlocal in_flight
            if in_flight is not None:
                in_flight.result()
            in_flight = sender.submit(raw.copy_expert, table.sql, io.StringIO("".join(chunk)))

        for row in rows:
            lines.append(table.line(row))
            if len(lines) == CHUNK:
                send(lines)
                count, lines = count + CHUNK, []
        if lines:
            send(lines)
            count += len(lines)
        if in_flight is not None:
            in_flight.result()
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
