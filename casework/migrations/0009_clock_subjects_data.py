"""Deadlines belong to a subject (kind + id) and, where there is one, a child id: no foreign key
from the core to a domain app. Every existing row keeps its episode as its subject."""

from django.db import migrations, models
from django.db.models import F

EPISODE = "missing.episode"
MEETING = "panels.meeting"


def to_subjects(apps, schema_editor):
    for name in ("Deadline", "HistoricalDeadline"):
        model = apps.get_model("casework", name)
        model.objects.filter(episode_id__isnull=False).update(
            subject_type=EPISODE, subject_id=F("episode_id"), child_ref=F("child_id")
        )
        model.objects.filter(episode_id__isnull=True, meeting_id__isnull=False).update(
            subject_type=MEETING, subject_id=F("meeting_id"), child_ref=F("child_id")
        )
    EpisodeClock = apps.get_model("casework", "EpisodeClock")
    SubjectClock = apps.get_model("casework", "SubjectClock")
    SubjectClock.objects.bulk_create(
        SubjectClock(subject_type=EPISODE, subject_id=clock.episode_id, next_check_at=clock.next_check_at)
        for clock in EpisodeClock.objects.all()
    )


def to_episodes(apps, schema_editor):
    for name in ("Deadline", "HistoricalDeadline"):
        model = apps.get_model("casework", name)
        model.objects.filter(subject_type=EPISODE).update(episode_id=F("subject_id"), child_id=F("child_ref"))
    EpisodeClock = apps.get_model("casework", "EpisodeClock")
    SubjectClock = apps.get_model("casework", "SubjectClock")
    EpisodeClock.objects.bulk_create(
        EpisodeClock(episode_id=clock.subject_id, next_check_at=clock.next_check_at)
        for clock in SubjectClock.objects.filter(subject_type=EPISODE)
    )


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0008_clock_subjects"),
    ]

    operations = [
        migrations.RunPython(to_subjects, to_episodes),
        migrations.RemoveConstraint(model_name="deadline", name="deadline_once_per_episode"),
        migrations.RemoveIndex(model_name="deadline", name="deadline_child_status"),
        migrations.RemoveField(model_name="deadline", name="child"),
        migrations.RemoveField(model_name="deadline", name="episode"),
        migrations.RemoveField(model_name="deadline", name="meeting_id"),
        migrations.RemoveField(model_name="historicaldeadline", name="child"),
        migrations.RemoveField(model_name="historicaldeadline", name="episode"),
        migrations.RemoveField(model_name="historicaldeadline", name="meeting_id"),
        migrations.RenameField(model_name="deadline", old_name="child_ref", new_name="child_id"),
        migrations.RenameField(model_name="historicaldeadline", old_name="child_ref", new_name="child_id"),
        migrations.AlterField(model_name="deadline", name="child_id", field=models.UUIDField(blank=True, null=True)),
        migrations.AlterField(
            model_name="historicaldeadline", name="child_id", field=models.UUIDField(blank=True, null=True)
        ),
        migrations.AlterField(model_name="deadline", name="subject_type", field=models.CharField(max_length=40)),
        migrations.AlterField(
            model_name="historicaldeadline", name="subject_type", field=models.CharField(max_length=40)
        ),
        migrations.AlterField(model_name="deadline", name="subject_id", field=models.UUIDField()),
        migrations.AlterField(model_name="historicaldeadline", name="subject_id", field=models.UUIDField()),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(fields=["child_id", "status"], name="deadline_child_status"),
        ),
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
        ),
        migrations.AddConstraint(
            model_name="deadline",
            constraint=models.UniqueConstraint(
                fields=["subject_type", "subject_id", "rule", "key"], name="deadline_once_per_subject"
            ),
        ),
        migrations.DeleteModel(name="EpisodeClock"),
    ]
