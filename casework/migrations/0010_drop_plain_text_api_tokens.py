"""API tokens moved from rest_framework.authtoken (keys stored as they are) to django-rest-knox
(SHA-512 digests). The old table would still hold working-looking keys in plain text: drop it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("casework", "0009_clock_subjects_data")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
