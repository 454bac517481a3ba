"""Name search (children_search: a word anywhere in the given or family name, any case) served by
trigram indexes on PostgreSQL (issue 13). Elsewhere (SQLite for `make demo`) nothing is made."""

from django.db import migrations

INDEXES = {
    "child_given_trgm": "given_name",
    "child_family_trgm": "family_name",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        # The expression Django's icontains compares: UPPER("column"::text) LIKE UPPER('%term%').
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON missing_child USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("missing", "0010_authority_contacts_current_placement")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
