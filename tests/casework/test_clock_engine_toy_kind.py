"""A toy clock kind whose subject is not an episode (issue 8, "Done when"): the engine creates,
moves, cancels, warns, fires once under concurrent sweeps and escalates to the owner and the
owner's manager, with no change to the engine. The subject is an agency ("review who has access,
every so often"), its wanted state held in a dict the test changes."""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from casework.clocks.registry import (
    DUTY,
    NOTICE,
    ClockKind,
    ClockRule,
    RowFacts,
    SubjectClocks,
    WantedDeadline,
    register_clock_kind,
    unregister_clock_kind,
)
from casework.clocks.services import clock_reconcile, deadlines_sweep
from casework.models import Agency, Deadline, Escalation, InboxItem, OutgoingEmail
from casework.models.clocks import SubjectClock
from casework.permissions import is_administrator

from ..factories import AgencyFactory, UserFactory
from .test_clocks_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)

TOY = "toy.access_review"
STATE = {}


def _evaluate(agency, rows, now, protocols):
    state = STATE[agency.pk]
    if not state["active"]:
        return SubjectClocks(authority_id=agency.authority_id, child_id=None, deadlines=[])
    due = state["due"]
    return SubjectClocks(
        authority_id=agency.authority_id,
        child_id=None,
        deadlines=[
            WantedDeadline("X1", "", DUTY, "Access reviewed", due - timedelta(days=10), due, "10 days", "toy",
                           warn_at=due - timedelta(days=2)),
            WantedDeadline("X2", "", NOTICE, "Review is coming", due - timedelta(days=10), due - timedelta(days=5),
                           "5 days before", "toy"),
        ],
        recheck_at=None,
    )


def _facts(rows):
    agencies = Agency.objects.in_bulk({r.subject_id for r in rows})
    return {
        r.pk: RowFacts(
            label=agencies[r.subject_id].name,
            owner=STATE[r.subject_id]["owner"],
            owner_role="reviewer",
            owner_manager=STATE[r.subject_id]["manager"],
        )
        for r in rows
    }


@pytest.fixture
def toy_kind():
    kind = register_clock_kind(
        ClockKind(
            name=TOY,
            api_field="agency",
            rules={
                "X1": ClockRule("X1", DUTY, tell_owner=True, tell_owner_manager=True),
                "X2": ClockRule("X2", NOTICE, tell_owner=False),
            },
            lock=lambda pk: Agency.objects.select_for_update().filter(pk=pk).first(),
            evaluate=_evaluate,
            visible=lambda user: Q() if is_administrator(user) else None,
            facts=_facts,
        )
    )
    yield kind
    unregister_clock_kind(TOY)
    STATE.clear()


@pytest.fixture
def subject(authority, toy_kind):
    agency = AgencyFactory(authority=authority, name="Toy Agency")
    manager = UserFactory(email="manager@example.org")
    owner = UserFactory(email="owner@example.org", line_manager=manager)
    STATE[agency.pk] = {"active": True, "due": timezone.now() + timedelta(days=10), "owner": owner,
                        "manager": manager}
    return agency


def rows(agency):
    return {d.rule: d for d in Deadline.objects.filter(subject_type=TOY, subject_id=agency.pk)}


def test_the_engine_creates_moves_and_cancels_a_toy_kinds_deadlines(subject):
    clock_reconcile(subject_type=TOY, subject_id=subject.pk)
    made = rows(subject)
    assert set(made) == {"X1", "X2"} and made["X1"].child_id is None
    assert SubjectClock.objects.filter(subject_type=TOY, subject_id=subject.pk).exists()
    later = STATE[subject.pk]["due"] + timedelta(days=3)
    STATE[subject.pk]["due"] = later
    clock_reconcile(subject_type=TOY, subject_id=subject.pk)
    assert rows(subject)["X1"].due_at == later
    STATE[subject.pk]["active"] = False
    clock_reconcile(subject_type=TOY, subject_id=subject.pk)
    assert {d.status for d in rows(subject).values()} == {"cancelled"}


def test_the_engine_warns_notifies_and_escalates_once_under_concurrent_sweeps(subject, time_machine):
    start = timezone.now()
    clock_reconcile(subject_type=TOY, subject_id=subject.pk, now=start)
    time_machine.move_to(start + timedelta(days=9), tick=False)  # past the notice and the warning
    results = run_together(deadlines_sweep)
    assert sum(r.notices for r in results) == 1 and sum(r.warnings for r in results) == 1
    time_machine.move_to(start + timedelta(days=11), tick=False)  # past due
    results = run_together(deadlines_sweep)
    assert sum(r.overdue for r in results) == 1
    assert deadlines_sweep().overdue == 0
    x1 = rows(subject)["X1"]
    assert x1.status == "overdue"
    overdue = Escalation.objects.get(deadline=x1, step="overdue")
    assert {r["role"] for r in overdue.recipients} == {"reviewer", "owner_manager"}
    assert InboxItem.objects.filter(escalation=overdue).count() == 2
    assert "Overdue: Access reviewed for Toy Agency" in InboxItem.objects.filter(escalation=overdue).first().subject
    assert Escalation.objects.filter(deadline__subject_type=TOY).count() == 3  # notice, warning, overdue
    assert OutgoingEmail.objects.filter(subject__startswith="Overdue: Access reviewed").count() == 1


def test_a_toy_kinds_rows_are_seen_as_its_kind_decides(subject, api, admin_user, health_worker):
    clock_reconcile(subject_type=TOY, subject_id=subject.pk)
    assert api(admin_user).get("/api/v1/deadlines/").json()["count"] == 2
    assert api(health_worker).get("/api/v1/deadlines/").json()["count"] == 0
