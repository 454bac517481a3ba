"""The clock services on the database: rows follow the episode, completion, the sweep, the inbox."""

from dataclasses import fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.clocks.services import (
    deadline_complete,
    deadline_process_due,
    deadlines_sweep,
    inbox_item_acknowledge,
)
from casework.errors import ApplicationError, ConflictError
from casework.models import (
    AgencyKind,
    AuditEvent,
    Deadline,
    Escalation,
    InboxItem,
    LocalProtocol,
    NoticeRecipient,
    NoticeRole,
    Role,
    User,
)
from casework.models.clocks import SubjectClock
from casework.outbox import outbox_send_due
from casework.protocol import DEFAULT_PROTOCOL, Protocol
from casework.protocol_store import protocol_for
from casework.tallies import tally_fold
from missing.clocks.kind import episode_deadlines_complete
from missing.models import LegalStatus
from missing.services import child_update, episode_create, episode_update
from tests.factories import ChildFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 10, 9, 0, tzinfo=LONDON)  # a Wednesday


@pytest.fixture
def clock(time_machine):
    def at(moment):
        time_machine.move_to(moment, tick=False)
        return moment

    at(START + timedelta(minutes=30))
    return at


@pytest.fixture
def recipients(authority, agencies):
    people = {}
    for role in NoticeRole.values:
        user = UserFactory(username=f"r-{role}", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.AGENCY_STAFF])
        NoticeRecipient.objects.create(authority=authority, role=role, user=user)
        people[role] = user
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.LEAD_MEMBER, email="members@example.test")
    return people


def start_episode(mash, child, start=START, **extra):
    return episode_create(actor=mash, child=child, category="missing", started_at=start,
                          reported_at=start + timedelta(minutes=20), risk_level="high", location_type="care", **extra)


def rows(episode):
    return {(d.rule, d.key): d for d in Deadline.objects.filter(subject_id=episode.pk)}


def test_a_looked_after_child_going_missing_opens_the_rules_that_apply(clock, mash, authority):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode = start_episode(mash, child)
    opened = rows(episode)
    assert set(opened) == {("T5", ""), ("T6", "24h"), ("T6", "72h"), ("T7", ""), ("T10", ""), ("T11", ""), ("T12", "")}
    assert all(d.status == "open" for d in opened.values())
    t6 = opened[("T6", "24h")]
    assert (t6.kind, t6.source, t6.params, t6.authority_id) == ("notice", "002 §10", {"hours": 24}, authority.pk)
    assert t6.due_at == START + timedelta(hours=24)


def test_a_corrected_return_time_moves_t1(clock, mash, authority):
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=10))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=8))
    t1 = rows(episode)[("T1", "")]
    assert t1.due_at == START + timedelta(hours=80)
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=6))
    moved = Deadline.objects.get(pk=t1.pk)
    assert moved.due_at == START + timedelta(hours=78)
    assert moved.counts_from == START + timedelta(hours=6)
    assert moved.history.count() == 2


def test_a_child_back_before_hour_24_cancels_t6(clock, mash, authority):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.CHILD_PROTECTION_PLAN)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=21))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=20))
    after = rows(episode)
    assert after[("T6", "24h")].status == after[("T6", "72h")].status == after[("T7", "")].status == "cancelled"
    assert after[("T12", "")].status == "cancelled"
    assert after[("T1", "")].status == "open"
    clock(START + timedelta(hours=30))
    deadlines_sweep()
    assert not Escalation.objects.filter(rule="T6").exists()


def test_a_return_time_corrected_later_reopens_a_cancelled_notice(clock, mash, authority):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.CHILD_PROTECTION_PLAN)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=40))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=20))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=30))
    assert rows(episode)[("T6", "24h")].status == "open"
    assert rows(episode)[("T6", "72h")].status == "cancelled"


def test_missing_again_before_the_return_interview_keeps_it_owed(clock, mash, authority):
    child = ChildFactory(authority=authority)
    first = start_episode(mash, child)
    clock(START + timedelta(hours=12))
    episode_update(actor=mash, episode=first, returned_at=START + timedelta(hours=11))
    clock(START + timedelta(hours=30))
    second = start_episode(mash, child, start=START + timedelta(hours=29))
    assert rows(first)[("T1", "")].status == "open"
    assert rows(second)[("T12", "")].status == "open"
    assert ("T1", "") not in rows(second)


def test_the_third_episode_in_30_days_opens_t2_with_its_reason(clock, mash, authority):
    child = ChildFactory(authority=authority)
    for day in (0, 5):
        clock(START + timedelta(days=day, hours=2))
        episode = start_episode(mash, child, start=START + timedelta(days=day))
        episode_update(actor=mash, episode=episode, returned_at=START + timedelta(days=day, hours=1))
        assert ("T2", "") not in rows(episode)
    clock(START + timedelta(days=10, hours=1))
    third = start_episode(mash, child, start=START + timedelta(days=10))
    t2 = rows(third)[("T2", "")]
    assert t2.reason.startswith("S1: 3 episodes")
    assert t2.counts_from == third.reported_at


def test_the_sweep_opens_t2_once_the_child_has_been_missing_48_hours(clock, mash, authority):
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=47))
    deadlines_sweep()
    assert ("T2", "") not in rows(episode)
    clock(START + timedelta(hours=48, minutes=1))
    deadlines_sweep()
    t2 = rows(episode)[("T2", "")]
    assert t2.params["thresholds"] == ["S6"] and t2.counts_from == START + timedelta(hours=48)


def test_becoming_looked_after_opens_the_looked_after_clocks_of_an_open_episode(clock, mash, authority):
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    child_update(actor=mash, child=child, legal_status=LegalStatus.LOOKED_AFTER)
    assert ("T11", "") in rows(episode)
    child_update(actor=mash, child=child, legal_status=LegalStatus.NONE)
    assert rows(episode)[("T11", "")].status == "cancelled"


def test_notices_fire_once_to_their_recipients_with_inbox_and_email(clock, mash, authority, recipients):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=24, minutes=1))
    result = deadlines_sweep()
    assert (result.ran, result.notices) == (True, 2)  # T11 at once, T6 at 24 hours
    assert not mail.outbox  # queued in the outbox with the firing; sent by the clock's next step
    assert outbox_send_due() == (2, 0)
    t6 = rows(episode)[("T6", "24h")]
    assert t6.status == "done" and t6.completed_at == START + timedelta(hours=24, minutes=1)
    escalation = Escalation.objects.get(deadline=t6)
    assert [r["role"] for r in escalation.recipients] == ["head_of_service"]
    item = InboxItem.objects.get(escalation=escalation)
    assert item.user == recipients["head_of_service"] and item.read_at is None
    assert "T6, 24 hours from the start, Waltham Forest practice guidance §10" in item.body
    assert {m.to[0] for m in mail.outbox} == {recipients["head_of_service"].email, recipients["iro"].email}
    again = deadlines_sweep()
    assert again.notices == 0
    assert Escalation.objects.filter(deadline__subject_id=episode.pk).count() == 2


def test_the_iro_acknowledges_the_t11_notice(clock, mash, authority, recipients):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    start_episode(mash, child)
    deadlines_sweep()
    item = InboxItem.objects.get(user=recipients["iro"])
    assert item.needs_acknowledgement and item.acknowledged_at is None
    inbox_item_acknowledge(item=item, user=recipients["iro"])
    item.refresh_from_db()
    assert item.acknowledged_by == recipients["iro"] and item.read_at is not None
    assert AuditEvent.objects.filter(verb="notice.acknowledged").count() == 1
    item.needs_acknowledgement = False
    item.save()
    with pytest.raises(ApplicationError):
        inbox_item_acknowledge(item=item, user=recipients["iro"])


def test_a_duty_falls_overdue_once_and_escalates_to_the_rule_and_the_allocated_worker(
    clock, mash, authority, recipients
):
    worker = UserFactory(username="worker")
    child = ChildFactory(authority=authority, allocated_worker=worker)
    episode = start_episode(mash, child)
    clock(START + timedelta(days=3, minutes=1))
    deadlines_sweep()
    t12 = rows(episode)[("T12", "")]
    assert t12.status == "overdue"
    escalation = Escalation.objects.get(deadline=t12)
    assert escalation.step == "overdue"
    assert {r["role"] for r in escalation.recipients} == {"senior_manager", "allocated_worker"}
    assert set(InboxItem.objects.filter(escalation=escalation).values_list("user__username", flat=True)) == {
        "r-senior_manager",
        "worker",
    }
    clock(START + timedelta(days=4))
    deadlines_sweep()
    assert Escalation.objects.filter(deadline=t12).count() == 1


def test_t2_warns_at_24_hours_and_escalates_at_48(clock, mash, authority, recipients):
    child = ChildFactory(authority=authority, vulnerabilities=["cse"])
    episode = start_episode(mash, child)
    t2 = rows(episode)[("T2", "")]
    clock(t2.counts_from + timedelta(hours=25))
    assert deadlines_sweep().warnings == 1
    assert deadlines_sweep().warnings == 0
    clock(t2.counts_from + timedelta(hours=49))
    deadlines_sweep()
    assert sorted(Escalation.objects.filter(deadline=t2).values_list("step", flat=True)) == ["overdue", "warning"]


def test_catch_up_after_the_worker_was_down_for_a_day(clock, mash, authority, recipients):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode = start_episode(mash, child)
    clock(START + timedelta(days=3, hours=2))  # nothing ran for three days
    result = deadlines_sweep()
    assert (result.notices, result.overdue, result.warnings) == (3, 2, 1)
    fired = Escalation.objects.filter(deadline__subject_id=episode.pk).values_list("rule", "deadline__key", "step")
    assert sorted(fired) == [
        ("T11", "", "notice"),
        ("T12", "", "overdue"),
        ("T2", "", "warning"),  # S6 held at 48 hours; its preferred 24 hours have passed
        ("T5", "", "overdue"),
        ("T6", "24h", "notice"),
        ("T6", "72h", "notice"),
    ]
    assert deadlines_sweep().notices == 0


def test_strategy_meeting_done_starts_monthly_plan_reviews(clock, mash, authority):
    child = ChildFactory(authority=authority, vulnerabilities=["cce"])
    episode = start_episode(mash, child)
    t2 = rows(episode)[("T2", "")]
    clock(START + timedelta(days=1))
    deadline_complete(deadline=t2, actor=mash, note="Strategy meeting held with police and school.")
    review = rows(episode)[("T13", "1")]
    assert review.due_at == START + timedelta(days=31)
    clock(START + timedelta(days=31, hours=1))
    deadlines_sweep()
    after = rows(episode)
    assert after[("T13", "1")].status == "overdue"
    assert after[("T13", "2")].due_at == START + timedelta(days=61)


def test_completion_records_who_when_and_a_note_and_refuses_bad_input(clock, mash, authority):
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    t12 = rows(episode)[("T12", "")]
    for bad in (
        {"note": "  "},
        {"note": "done", "completed_at": START + timedelta(days=2)},
        {"note": "done", "completed_at": START - timedelta(hours=1)},
    ):
        with pytest.raises(ValidationError):
            deadline_complete(deadline=t12, actor=mash, **bad)
    t12.refresh_from_db()
    assert t12.status == "open" and t12.note == ""
    done = deadline_complete(deadline=t12, actor=mash, note="Passed to the assessment team.",
                             completed_at=START + timedelta(minutes=10))
    assert (done.status, done.completed_by, done.completed_at) == ("done", mash, START + timedelta(minutes=10))
    assert AuditEvent.objects.filter(verb="deadline.completed", object_id=str(t12.pk)).exists()
    with pytest.raises(ConflictError):
        deadline_complete(deadline=t12, actor=mash, note="again")
    t10 = rows(episode)[("T10", "")]
    assert t10.kind == "duty"


def test_a_notice_cannot_be_recorded_done_by_hand(clock, mash, authority):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode = start_episode(mash, child)
    with pytest.raises(ApplicationError):
        deadline_complete(deadline=rows(episode)[("T6", "24h")], actor=mash, note="Phoned")


def test_deadlines_complete_for_episode_is_idempotent(clock, mash, authority):
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=6))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=5))
    clock(START + timedelta(hours=30))
    marked = episode_deadlines_complete(episode=episode, rule="T1", actor=mash, note="Interview held.")
    assert [(d.rule, d.status, d.completed_by) for d in marked] == [("T1", "done", mash)]
    assert episode_deadlines_complete(episode=episode, rule="T1", actor=mash, note="Interview held.") == []


def test_deadline_process_due_twice_fires_once(clock, mash, authority, recipients):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode = start_episode(mash, child)
    t11 = rows(episode)[("T11", "")]
    now = START + timedelta(hours=1)
    assert deadline_process_due(deadline_id=t11.pk, now=now) is not None
    assert deadline_process_due(deadline_id=t11.pk, now=now) is None
    assert Escalation.objects.filter(deadline=t11).count() == 1


def test_without_named_recipients_administrators_are_told(clock, mash, authority, admin_user):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    start_episode(mash, child)
    deadlines_sweep()
    escalation = Escalation.objects.get(rule="T11")
    assert [r["username"] for r in escalation.recipients] == ["admin"]
    assert InboxItem.objects.filter(user=admin_user).count() == 1


def test_protocol_for_reads_the_stored_numbers_else_the_defaults(clock, mash, authority):
    assert protocol_for(authority) == DEFAULT_PROTOCOL
    stored = LocalProtocol.objects.create(authority=authority, t1_return_interview_hours=48)
    assert protocol_for(authority).t1_return_interview_hours == 48
    assert protocol_for(authority.pk) == protocol_for(authority)
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    clock(START + timedelta(hours=3))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=2))
    t1 = rows(episode)[("T1", "")]
    assert (t1.due_at, t1.params) == (START + timedelta(hours=50), {"hours": 48})
    stored.t1_return_interview_hours = 60
    stored.save()
    assert [h.t1_return_interview_hours for h in stored.history.order_by("history_date")] == [48, 60]


def test_the_stored_protocol_has_one_field_per_protocol_number():
    stored = {f.name for f in LocalProtocol._meta.get_fields()} & set(Protocol.field_names())
    assert stored == {f.name for f in fields(Protocol)}
    assert LocalProtocol().as_protocol() == DEFAULT_PROTOCOL


def test_due_times_are_stored_in_utc(clock, mash, authority):
    child = ChildFactory(authority=authority)
    episode = start_episode(mash, child)
    stored = Deadline.objects.get(subject_id=episode.pk, rule="T12")
    with connection.cursor() as cursor:
        cursor.execute("SELECT due_at FROM casework_deadline WHERE id = %s", [stored.pk])
        (raw,) = cursor.fetchone()
    assert raw.utcoffset() == timedelta(0)
    assert raw.replace(tzinfo=None) == datetime(2026, 6, 13, 8, 0)  # 09:00 in London, summer time


def test_the_next_check_is_when_time_alone_next_changes_the_rules(clock, mash, authority):
    LocalProtocol.objects.create(authority=authority, s6_missing_hours=30, s3_not_traced_days=4)
    episode = start_episode(mash, ChildFactory(authority=authority, legal_status=LegalStatus.CHILD_PROTECTION_PLAN))
    assert SubjectClock.objects.get(subject_id=episode.pk).next_check_at == START + timedelta(hours=30)  # S6
    clock(START + timedelta(hours=30, minutes=1))
    deadlines_sweep()
    assert rows(episode)[("T2", "")].params["thresholds"] == ["S6"]
    assert SubjectClock.objects.get(subject_id=episode.pk).next_check_at == START + timedelta(hours=48)  # T4
    clock(START + timedelta(hours=48))
    assert deadlines_sweep().reconciled == 1
    assert ("T4", "") in rows(episode)
    assert SubjectClock.objects.get(subject_id=episode.pk).next_check_at == START + timedelta(days=4)  # S3
    clock(START + timedelta(hours=60))
    episode_update(actor=mash, episode=episode, returned_at=START + timedelta(hours=59))
    assert SubjectClock.objects.get(subject_id=episode.pk).next_check_at is None


def test_a_sweep_over_waiting_episodes_costs_the_same_however_many_there_are(clock, mash, authority):
    def sweep_queries():
        tally_fold()  # the new children's counts, folded first: that work follows the rows written since
        with CaptureQueriesContext(connection) as queries:
            result = deadlines_sweep()
        assert result.reconciled == 0
        return len(queries)

    start_episode(mash, ChildFactory(authority=authority))
    few = sweep_queries()
    for _ in range(8):
        start_episode(mash, ChildFactory(authority=authority))
    assert SubjectClock.objects.filter(next_check_at__gt=timezone.now()).count() == 9
    assert sweep_queries() == few


def test_without_named_recipients_only_administrators_are_loaded(clock, mash, authority, agencies, admin_user):
    office = agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]
    for number in range(20):
        UserFactory(username=f"staff-{number}", agency=office, roles=[Role.AGENCY_STAFF, Role.STRATEGIC_READER])
    by_role = UserFactory(username="by-role", agency=office, roles=[Role.AGENCY_STAFF, Role.ADMINISTRATOR])
    UserFactory(username="gone", agency=office, roles=[Role.ADMINISTRATOR], is_active=False)
    start_episode(mash, ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER))
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance.username)

    post_init.connect(count, sender=User)
    try:
        deadlines_sweep()
    finally:
        post_init.disconnect(count, sender=User)
    escalation = Escalation.objects.get(rule="T11")
    assert sorted(r["username"] for r in escalation.recipients) == sorted([admin_user.username, by_role.username])
    assert sorted(loaded) == sorted([admin_user.username, by_role.username])
