"""A count kept by PostgreSQL of each authority's return interviews by state (casework.tallies, issue
13): a MASH coordinator's list of return interviews counts 120,000 rows at national size without
it. The triggers are installed, then the rows already there are counted. Elsewhere (SQLite for
`make demo`) nothing is made and the list counts its rows."""

from django.db import migrations

from casework.tallies import tally_rebuild, tally_triggers_sql
from missing.tallies import INTERVIEWS


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(tally_triggers_sql(INTERVIEWS)[0])
    tally_rebuild(INTERVIEWS, using=schema_editor.connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(tally_triggers_sql(INTERVIEWS)[1])


class Migration(migrations.Migration):
    dependencies = [("missing", "0023_row_tallies")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
