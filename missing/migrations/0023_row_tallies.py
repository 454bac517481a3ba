"""Counts kept by PostgreSQL of each authority's live children and police notifications by status
(casework.tallies, issue 13): the API's list counts read them instead of 100,000 and 200,000 rows at
national size. The triggers are installed, then the rows already there are counted. Elsewhere
(SQLite for `make demo`) nothing is made and the lists count their rows."""

from django.db import migrations

from casework.tallies import tally_rebuild, tally_triggers_sql
from missing.tallies import LIVE_CHILDREN, NOTIFICATIONS

TALLIES = (LIVE_CHILDREN, NOTIFICATIONS)  # those of this migration (0024 adds the interviews')


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for tally in TALLIES:
        schema_editor.execute(tally_triggers_sql(tally)[0])
        tally_rebuild(tally, using=schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for tally in TALLIES:
        schema_editor.execute(tally_triggers_sql(tally)[1])


class Migration(migrations.Migration):
    dependencies = [("missing", "0022_child_live_name_trgm"), ("casework", "0020_row_tally")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
