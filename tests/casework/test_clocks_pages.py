"""The clock pages: due and overdue (sorted, filtered), recording a duty done, the inbox."""

import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.clocks.selectors import deadlines_of_child
from casework.clocks.services import deadlines_sweep
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
)
from casework.protocol import DEFAULT_PROTOCOL, Protocol
from casework.protocol_store import protocol_for
from missing.clocks.kind import EPISODE
from missing.models import LegalStatus
from missing.services import episode_create
from tests.factories import ChildFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 10, 9, 0, tzinfo=LONDON)


@pytest.fixture
def missing_child(time_machine, mash, authority, agencies):
    time_machine.move_to(START + timedelta(hours=2), tick=False)
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, lead_agency=agencies[AgencyKind.HEALTH])
    episode_create(actor=mash, child=child, category="missing", started_at=START, reported_at=START + timedelta(minutes=5),
                   risk_level="high", location_type="care")
    return child


def test_due_list_is_sorted_by_due_time_and_filters_by_rule(client, mash, missing_child):
    client.force_login(mash)
    response = client.get(reverse("clocks:due_list"))
    assert response.status_code == 200
    shown = [d.rule for d in response.context["page"]]
    due = [d.due_at for d in response.context["page"]]
    assert due == sorted(due) and "T12" in shown and "T6" in shown
    assert "T12, 3 days from the start, Waltham Forest practice guidance §10" in response.content.decode()
    only = client.get(reverse("clocks:due_list"), {"rule": "T12"})
    assert [d.rule for d in only.context["page"]] == ["T12"]


def test_due_list_filters_by_agency_and_by_mine(client, mash, missing_child, agencies):
    client.force_login(mash)
    police = client.get(reverse("clocks:due_list"), {"agency": str(agencies[AgencyKind.POLICE].pk)})
    assert list(police.context["page"]) == []
    health = client.get(reverse("clocks:due_list"), {"agency": str(agencies[AgencyKind.HEALTH].pk)})
    assert len(health.context["page"]) > 0
    mine = client.get(reverse("clocks:due_list"), {"scope": "mine"})
    assert list(mine.context["page"]) == []
    bad = client.get(reverse("clocks:due_list"), {"rule": "T99", "agency": "nonsense"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_due_list_shows_the_duties_overdue_or_due_later_today(client, mash, missing_child, time_machine):
    time_machine.move_to(START + timedelta(hours=30), tick=False)  # Thursday 15:00: some late, some due tonight
    now = timezone.now()
    late = Deadline.objects.create(
        authority=missing_child.authority, rule="T9", kind="duty", title="Late", subject_type=EPISODE,
        subject_id=uuid.uuid4(), child_id=missing_child.pk, counts_from=START, due_at=now - timedelta(minutes=1),
    )
    tonight = Deadline.objects.create(
        authority=missing_child.authority, rule="T9", kind="duty", title="Tonight", subject_type=EPISODE,
        subject_id=uuid.uuid4(), child_id=missing_child.pk, counts_from=START, due_at=now + timedelta(hours=8, minutes=59),
    )
    Deadline.objects.create(
        authority=missing_child.authority, rule="T9", kind="notice", title="A notice", subject_type=EPISODE,
        subject_id=uuid.uuid4(), child_id=missing_child.pk, counts_from=START, due_at=now + timedelta(hours=1),
    )
    live = Deadline.objects.filter(child_id=missing_child.pk, kind="duty", status__in=["open", "overdue"])
    client.force_login(mash)

    overdue = client.get(reverse("clocks:due_list"), {"when": "overdue"})
    assert {d.pk for d in overdue.context["page"]} == {d.pk for d in live if d.status_at(now) == "overdue"}
    assert late.pk in {d.pk for d in overdue.context["page"]}
    today = client.get(reverse("clocks:due_list"), {"when": "today"})
    tonight_ends = datetime(2026, 6, 11, 23, 59, 59, tzinfo=LONDON)
    assert {d.pk for d in today.context["page"]} == {
        d.pk for d in live if d.status_at(now) == "open" and d.due_at <= tonight_ends
    }
    assert tonight.pk in {d.pk for d in today.context["page"]}
    assert "Duties due later today" in today.content.decode()
    assert client.get(reverse("clocks:due_list"), {"when": "soon"}).context["form"].errors


def test_due_list_shows_only_visible_children(client, police, missing_child):
    client.force_login(police)
    assert list(client.get(reverse("clocks:due_list")).context["page"]) == []


def test_recording_a_duty_done_takes_it_off_the_due_list(client, mash, missing_child):
    client.force_login(mash)
    t12 = Deadline.objects.get(child_id=missing_child.pk, rule="T12")
    url = reverse("clocks:deadline_complete", args=[t12.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"note": ""})
    assert empty.status_code == 200 and "note" in empty.context["form"].errors
    future = client.post(url, {"note": "Passed on", "completed_at": "2030-01-01T10:00"})
    assert "completed_at" in future.context["form"].errors
    done = client.post(url, {"note": "Passed to the assessment team."})
    assert done.status_code == 302
    t12.refresh_from_db()
    assert (t12.status, t12.completed_by) == ("done", mash)
    assert "T12" not in [d.rule for d in client.get(reverse("clocks:due_list")).context["page"]]


def test_a_notice_or_invisible_deadline_cannot_be_completed_by_page(client, mash, police, missing_child):
    client.force_login(mash)
    t6 = Deadline.objects.get(child_id=missing_child.pk, rule="T6", key="24h")
    assert client.post(reverse("clocks:deadline_complete", args=[t6.pk]), {"note": "x"}).status_code == 403
    client.force_login(police)
    assert client.get(reverse("clocks:deadline_complete", args=[t6.pk])).status_code == 404


def test_inbox_unread_count_read_and_acknowledge(client, authority, agencies, missing_child):
    iro = UserFactory(username="iro", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE])
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.IRO, user=iro)
    deadlines_sweep()
    client.force_login(iro)
    page = client.get(reverse("clocks:inbox"))
    assert "Inbox (1 unread)" in page.content.decode()
    item = InboxItem.objects.get(user=iro)
    assert item.needs_acknowledgement
    client.post(reverse("clocks:inbox_acknowledge", args=[item.pk]))
    item.refresh_from_db()
    assert item.acknowledged_by == iro and item.read_at is not None
    assert "Inbox (1 unread)" not in client.get(reverse("clocks:inbox")).content.decode()
    other = UserFactory(username="other")
    client.force_login(other)
    assert client.post(reverse("clocks:inbox_read", args=[item.pk])).status_code == 404


def test_deadlines_of_a_visible_child_describe_each_chip(client, police, missing_child):
    chips = deadlines_of_child(missing_child.pk)
    t12 = next(d for d in chips if d.rule == "T12")
    assert t12.countdown == "due in 2 days 22 hours"
    assert t12.explanation == "T12, 3 days from the start, Waltham Forest practice guidance §10"
    t11 = next(d for d in chips if d.rule == "T11")
    assert t11.is_late and t11.countdown.startswith("overdue by 1 hour")
    client.force_login(police)
    assert client.get(reverse("missing:child_detail", args=[missing_child.pk])).status_code == 404


def missing_children(mash, authority, agencies, count):
    """`count` looked-after children, each missing since START with several live deadlines."""
    for _ in range(count):
        child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER,
                             lead_agency=agencies[AgencyKind.HEALTH])
        episode_create(actor=mash, child=child, category="missing", started_at=START,
                       reported_at=START + timedelta(minutes=5), risk_level="high", location_type="care")


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_the_due_list_keeps_a_constant_number_of_queries_as_deadlines_grow(
    client, mash, authority, agencies, missing_child
):
    staff = UserFactory(username="health", agency=agencies[AgencyKind.HEALTH], roles=[Role.AGENCY_STAFF])
    reader = UserFactory(username="reader", agency=agencies[AgencyKind.HEALTH], roles=[Role.STRATEGIC_READER])
    counts = {}
    for user in (mash, staff, reader):
        client.force_login(user)
        few, counts[user, "few"] = queries_of(client, reverse("clocks:due_list"))
        assert len(few.context["page"]) >= 3
    missing_children(mash, authority, agencies, 3)
    for user in (mash, staff, reader):
        client.force_login(user)
        many, counts[user, "many"] = queries_of(client, reverse("clocks:due_list"))
        assert len(many.context["page"]) >= 12
        # Health staff see the children (lead agency) but do none of these duties' work (RULE_COMPLETED_BY).
        assert {d.can_complete for d in many.context["page"]} == {user == mash}
        assert counts[user, "many"] == counts[user, "few"]


def test_the_child_page_reads_the_child_once_whatever_its_deadlines(client, mash, authority, agencies):
    few = ChildFactory(authority=authority, legal_status=LegalStatus.NONE)
    many = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    for child in (few, many):
        episode_create(actor=mash, child=child, category="missing", started_at=START,
                       reported_at=START + timedelta(minutes=5), risk_level="high", location_type="care")
    assert Deadline.objects.filter(child_id=few.pk, status="open").count() < Deadline.objects.filter(
        child_id=many.pk, status="open").count()
    client.force_login(mash)
    client.get("/")  # the first request after signing in records the session's activity (a write)
    counts = {}
    for child in (few, many):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("missing:child_detail", args=[child.pk]))
        assert page.status_code == 200 and all(d.can_complete for d in page.context["deadlines"])
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and 'FROM "missing_child"' in q["sql"]
                 and 'NOT ("missing_child"."id" =' not in q["sql"]]  # the other query: its likely duplicates
        assert len(reads) == 1, reads
        counts[child] = len(queries)
    assert counts[few] == counts[many]


def test_a_service_error_without_a_field_is_shown_at_the_top_of_the_form(client, mash, missing_child, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("The episode was closed while you were typing.")

    monkeypatch.setattr("casework.clocks.views.deadline_complete", refuse)
    client.force_login(mash)
    t12 = Deadline.objects.get(child_id=missing_child.pk, rule="T12")
    response = client.post(reverse("clocks:deadline_complete", args=[t12.pk]), {"note": "Passed on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The episode was closed while you were typing."]


def test_check_deadlines_command_runs_one_pass(missing_child):
    out = io.StringIO()
    call_command("check_deadlines", stdout=out)
    assert "sent 1 notices" in out.getvalue()  # T11, due at once
    assert Escalation.objects.filter(rule="T11").count() == 1


def test_an_administrator_changes_the_protocol_in_the_admin_with_history_and_audit(client, admin_user, authority):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    client.force_login(admin_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    form = {name: getattr(DEFAULT_PROTOCOL, name) for name in Protocol.field_names()}
    response = client.post("/admin/casework/localprotocol/add/",
                           {**form, "authority": str(authority.pk), "t1_return_interview_hours": 48})
    assert response.status_code == 302
    stored = LocalProtocol.objects.get(authority=authority)
    assert protocol_for(authority).t1_return_interview_hours == 48
    change = f"/admin/casework/localprotocol/{stored.pk}/change/"
    client.post(change, {**form, "authority": str(authority.pk), "t1_return_interview_hours": 60})
    history = stored.history.order_by("history_date")
    assert [(h.t1_return_interview_hours, h.history_user) for h in history] == [(48, admin_user), (60, admin_user)]
    verbs = list(AuditEvent.objects.filter(object_id=str(stored.pk)).order_by("at").values_list("verb", "data"))
    assert [verb for verb, _ in verbs] == ["protocol.created", "protocol.changed"]
    assert {"authority", "t1_return_interview_hours"} <= set(verbs[0][1]["fields"])
    assert verbs[1][1] == {"fields": ["t1_return_interview_hours"]}
