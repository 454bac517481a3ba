"""Exact counts of an authority's rows without reading them (issue 13).

A list's `count` of an authority's rows (100,000 children, 200,000 notifications at national size)
read every one of their index entries on each request. A domain app names what it counts with a
`Tally` (a table, which of its rows count, what groups them) and installs `tally_triggers_sql` in a
migration: PostgreSQL statement triggers that add each statement's net change as a row of RowTally.
Every path that writes the table is counted alike (the services, batch ingest's ON CONFLICT DO
NOTHING, merges, erasure, the seed's COPY), and no transaction waits on another for a shared
counter. The sweep folds each group's change rows into one (`tally_fold`), so a count reads a row
or two per group. Elsewhere than PostgreSQL (SQLite for `make demo`) nothing is kept:
`tally_kept()` is False and callers count the rows themselves.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Sum

from .models import RowTally


@dataclass(frozen=True)
class Tally:
    table: str  # the table whose rows are counted
    counted: str = "TRUE"  # SQL on a row: whether it counts ("merged_into_id IS NULL")
    key: str = "''"  # SQL on a row: the group it counts in ("status"), text
    authority: str = "authority_id"  # the row's authority column

    @property
    def function(self):
        return f"{self.table}_tally"


def tally_kept():
    return connection.vendor == "postgresql"


def _changes_sql(tally, rows, sign):
    return (
        f"SELECT {tally.authority} AS authority_id, ({tally.key})::text AS key, {sign} AS n "
        f"FROM {rows} WHERE {tally.counted}"
    )


def _add_changes_sql(tally, changes, having=""):
    """The INSERT adding the rows of change (`changes`: SELECTs of authority_id, key, n) summed per
    group, as the tally's rows for `tally.table`."""
    return (
        f"INSERT INTO {RowTally._meta.db_table} (table_name, authority_id, key, n) "
        f"SELECT '{tally.table}', authority_id, key, SUM(n) FROM ({changes}) c GROUP BY authority_id, key"
        + (f" {having}" if having else "")
    )


def _drop_triggers_sql(tally):
    return "".join(
        f"DROP TRIGGER IF EXISTS {tally.function}_{event} ON {tally.table};\n"
        for event in ("insert", "update", "delete", "truncate")
    )


def tally_triggers_sql(tally):
    """(install, remove): the SQL of the table's statement triggers and their functions. An update
    writes a change row only where it moved rows between groups or in or out of the count; emptying
    the table (TRUNCATE, which fires no row trigger) empties its tally."""
    table_sql = RowTally._meta.db_table
    added, removed = _changes_sql(tally, "tally_new", 1), _changes_sql(tally, "tally_old", -1)
    install = f"""
CREATE OR REPLACE FUNCTION {tally.function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_add_changes_sql(tally, added)};
    ELSIF TG_OP = 'DELETE' THEN
        {_add_changes_sql(tally, removed)};
    ELSE
        {_add_changes_sql(tally, f"{added} UNION ALL {removed}", "HAVING SUM(n) <> 0")};
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION {tally.function}_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {table_sql} WHERE table_name = '{tally.table}';
    RETURN NULL;
END
$$;
{_drop_triggers_sql(tally)}CREATE TRIGGER {tally.function}_insert AFTER INSERT ON {tally.table}
    REFERENCING NEW TABLE AS tally_new FOR EACH STATEMENT EXECUTE FUNCTION {tally.function}();
CREATE TRIGGER {tally.function}_update AFTER UPDATE ON {tally.table}
    REFERENCING OLD TABLE AS tally_old NEW TABLE AS tally_new FOR EACH STATEMENT EXECUTE FUNCTION {tally.function}();
CREATE TRIGGER {tally.function}_delete AFTER DELETE ON {tally.table}
    REFERENCING OLD TABLE AS tally_old FOR EACH STATEMENT EXECUTE FUNCTION {tally.function}();
CREATE TRIGGER {tally.function}_truncate AFTER TRUNCATE ON {tally.table}
    FOR EACH STATEMENT EXECUTE FUNCTION {tally.function}_emptied();
"""
    remove = f"""
{_drop_triggers_sql(tally)}DROP FUNCTION IF EXISTS {tally.function}();
DROP FUNCTION IF EXISTS {tally.function}_emptied();
DELETE FROM {table_sql} WHERE table_name = '{tally.table}';
"""
    return install, remove


def tally_rebuild(tally, using=None):
    """Count the table's rows again into the tally, in one statement: when the triggers are first
    installed, and after rows were written with the triggers off. The table is locked against
    writes and the tally against every other writer (its triggers, a fold, another rebuild) until
    the new count is committed, so no change is counted twice or lost. For a migration or a seed,
    not beside traffic: a writer waiting on one lock while holding the other is a deadlock, which
    PostgreSQL ends by refusing one of the two. Answers the groups stored."""
    connection_ = using or connection
    if connection_.vendor != "postgresql":
        return 0
    table_sql = RowTally._meta.db_table
    with transaction.atomic(using=connection_.alias), connection_.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tally.table} IN SHARE MODE")
        cursor.execute(f"LOCK TABLE {table_sql} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table_sql} WHERE table_name = %s", [tally.table])
        cursor.execute(_add_changes_sql(tally, _changes_sql(tally, tally.table, 1)))
        return cursor.rowcount


def tally_rows(tally, authority_id, keys=None):
    """The tally's rows for the authority (in the groups `keys`, when given): their `n` sum to its count."""
    rows = RowTally.objects.filter(table_name=tally.table, authority_id=authority_id)
    return rows if keys is None else rows.filter(key__in=list(keys))


def tally_count(tally, authority_id, keys=None):
    """How many of the authority's rows the tally counts (in the groups `keys`, when given)."""
    return tally_rows(tally, authority_id, keys).aggregate(total=Sum("n"))["total"] or 0


def fold_change_rows(model, group):
    """Fold each group's change rows (+n/-n, a model with fields `group` and `n`) into one row of
    their sum. One query when there is nothing to fold. Answers the rows folded."""
    others = model.objects.filter(**{name: OuterRef(name) for name in group}).exclude(pk=OuterRef("pk"))
    return fold_rows_read(model, group, list(model.objects.filter(Exists(others)).values_list("pk", "n", *group)))


def fold_rows_read(model, group, rows):
    """Replace the change rows read (pk, n, *group) by their sums. Exactly those rows are deleted: a
    change committed meanwhile stays a row of its own and is folded next time; if any of them is
    gone (a rebuild counted the table again meanwhile), nothing is changed."""
    if not rows:
        return 0
    totals = {}
    for _pk, n, *key in rows:
        totals[tuple(key)] = totals.get(tuple(key), 0) + n
    with transaction.atomic():
        deleted, _ = model.objects.filter(pk__in=[row[0] for row in rows]).delete()
        if deleted != len(rows):  # their sum is in the rebuild's count already
            transaction.set_rollback(True)
            return 0
        model.objects.bulk_create(model(n=n, **dict(zip(group, key))) for key, n in totals.items())
    return len(rows)


def tally_fold():
    """Fold each group's change rows into one, so a count reads a row per group. The sweep calls it."""
    if not tally_kept():
        return 0
    return fold_change_rows(RowTally, ("table_name", "authority_id", "key"))
