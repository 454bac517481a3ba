"""Name search within an authority from one index (issue 13). The trigram indexes of 0011 covered every
authority's children: a three-letter search matched up to 100,000 names across the country, and
PostgreSQL then intersected that with the authority's 100,000 children before reading a row. One GIN
index on (authority, given name, family name) of the live children (btree_gin lets a GIN index hold
the authority) answers a search of one authority's children directly; a search across authorities
(an administrator's) uses its name columns alone. Elsewhere (SQLite for `make demo`) nothing is made."""

from django.db import migrations

OLD = {"child_given_trgm": "given_name", "child_family_trgm": "family_name"}
NEW = "child_live_name_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    # The expressions Django's icontains compares: UPPER("column"::text) LIKE UPPER('%term%').
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NEW} ON missing_child USING gin "
        '(authority_id, UPPER("given_name"::text) gin_trgm_ops, UPPER("family_name"::text) gin_trgm_ops) '
        "WHERE merged_into_id IS NULL"
    )
    for name in OLD:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("ANALYZE missing_child")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in OLD.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON missing_child USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )
    schema_editor.execute(f"DROP INDEX IF EXISTS {NEW}")


class Migration(migrations.Migration):
    dependencies = [("missing", "0021_child_placed_across")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
