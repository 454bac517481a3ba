"""The clock engine's migration keeps every existing row (issue 8, item 6): rows of every rule,
made on the schema before deadlines had subjects, come through with their episode as subject,
their child, status and history, and EpisodeClock rows become SubjectClock rows."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("casework", "0007_outbox"), ("missing", "0004_notification_sender_agency")]
RULES = [f"T{n}" for n in range(1, 14)]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def migrate(targets=None):
    """Migrate to `targets`, or forward to the latest migration of every app (leaving the schema
    as every later test expects it)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_afterwards():
    """Later tests need every migration applied, whichever migrations come after AFTER."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_rows_of_every_rule_survive_the_move_to_subjects():
    old = migrate(BEFORE)
    authority = old.get_model("casework", "LocalAuthority").objects.create(name="Migration Council")
    child = old.get_model("missing", "Child").objects.create(
        authority=authority, given_name="Mig", family_name="Ration", date_of_birth="2012-01-01"
    )
    episode = old.get_model("missing", "MissingEpisode").objects.create(
        child=child, category="missing", risk_level="high", location_type="home",
        started_at=START, reported_at=START + timedelta(minutes=5),
    )
    Deadline = old.get_model("casework", "Deadline")
    made = {}
    for number, rule in enumerate(RULES):
        made[rule] = Deadline.objects.create(
            authority=authority, child=child, episode=episode, rule=rule, key="", kind="duty",
            title=f"Rule {rule}", counts_from=START, due_at=START + timedelta(hours=number + 1),
            status="done" if number % 3 == 0 else "open",
        ).pk
    old.get_model("casework", "EpisodeClock").objects.create(episode=episode, next_check_at=START + timedelta(days=1))

    new = migrate()
    Deadline = new.get_model("casework", "Deadline")
    rows = {row.rule: row for row in Deadline.objects.filter(pk__in=made.values())}
    assert set(rows) == set(RULES)
    for number, rule in enumerate(RULES):
        row = rows[rule]
        assert (row.subject_type, row.subject_id, row.child_id) == ("missing.episode", episode.pk, child.pk)
        assert row.status == ("done" if number % 3 == 0 else "open")
        assert row.due_at == START + timedelta(hours=number + 1)
    clock = new.get_model("casework", "SubjectClock").objects.get(subject_id=episode.pk)
    assert (clock.subject_type, clock.next_check_at) == ("missing.episode", START + timedelta(days=1))
    assert isinstance(rows["T1"].subject_id, uuid.UUID)
