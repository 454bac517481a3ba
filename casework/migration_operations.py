"""Migration operations that keep a large table writable while they run (issue 13)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexWhileWriting(AddIndexConcurrently):
    """An index built with CREATE INDEX CONCURRENTLY on PostgreSQL: at national size a table of two
    million deadlines takes seconds to index, and a plain CREATE INDEX holds back every write to it
    meanwhile (a notification's deadlines, the sweep). Elsewhere (SQLite, the demo) a plain
    AddIndex. Its migration says `atomic = False`."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
