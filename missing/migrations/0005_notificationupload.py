"""Uploads are processed by a Celery task: status, progress and the rows still to store.

Uploads made before this ran were processed in the request. Each gets its authority (its uploader's,
else its notifications', else the installation's), and counts that add up: every notification that
points at it was created by it. One whose counts cover every row is done; one whose request died
part-way (the reason for this change) is marked stopped, with what it is known to have stored.
"""

import django.db.models.deletion
import django.db.models.expressions
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def existing_uploads_settle(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign keys are deferred: check them now, so the ALTER TABLE below can run.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    NotificationUpload = apps.get_model("missing", "NotificationUpload")
    PoliceNotification = apps.get_model("missing", "PoliceNotification")
    LocalAuthority = apps.get_model("casework", "LocalAuthority")
    for upload in NotificationUpload.objects.select_related("uploaded_by__agency").iterator():
        agency = upload.uploaded_by.agency
        stored = PoliceNotification.objects.filter(upload_id=upload.pk)
        upload.sender_agency_id = agency.pk if agency else None
        upload.authority_id = (
            agency.authority_id
            if agency
            else stored.values_list("authority_id", flat=True).first()
            or (
                LocalAuthority.objects.order_by("name").first()
                or LocalAuthority.objects.get_or_create(name=settings.CASEWORK_AUTHORITY_NAME)[0]
            ).pk
        )
        upload.rows_created = max(upload.rows_created, stored.count())
        upload.rows_rejected = len(upload.row_errors)
        upload.rows_processed = upload.rows_created + upload.rows_duplicate + upload.rows_rejected
        upload.rows_total = max(upload.rows_total, upload.rows_processed)
        upload.status = "done" if upload.rows_processed == upload.rows_total else "failed"
        upload.progress_at = upload.finished_at = upload.uploaded_at
        upload.save()


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0005_episodeclock'),
        ('missing', '0004_notification_sender_agency'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notificationupload',
            name='authority',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.localauthority'),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='columns',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='next_row',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='progress_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='rows',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='rows_processed',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='rows_rejected',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='runs_without_progress',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='sender_agency',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.agency'),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notificationupload',
            name='status',
            field=models.CharField(choices=[('queued', 'Waiting to start'), ('processing', 'Processing'), ('done', 'Finished'), ('failed', 'Stopped')], default='queued', max_length=10),
        ),
        migrations.RunPython(existing_uploads_settle, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='notificationupload',
            name='authority',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.localauthority'),
        ),
        migrations.AddIndex(
            model_name='notificationupload',
            index=models.Index(fields=['status', 'progress_at'], name='upload_status_progress'),
        ),
        migrations.AddConstraint(
            model_name='notificationupload',
            constraint=models.CheckConstraint(condition=models.Q(('rows_processed', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('rows_created'), '+', models.F('rows_duplicate')), '+', models.F('rows_rejected')))), name='upload_processed_rows_are_counted_once'),
        ),
        migrations.AddConstraint(
            model_name='notificationupload',
            constraint=models.CheckConstraint(condition=models.Q(('rows_processed__lte', models.F('rows_total'))), name='upload_processed_within_total'),
        ),
        migrations.AddConstraint(
            model_name='notificationupload',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), _negated=True), ('rows_processed', models.F('rows_total')), _connector='OR'), name='upload_done_has_every_row'),
        ),
    ]
