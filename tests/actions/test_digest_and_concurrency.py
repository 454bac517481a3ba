"""The weekly digest, a row of the clock engine that fires each Monday morning and tells each
person their own due and overdue actions; and P15 firing once under concurrent sweeps."""

from datetime import date, datetime

import pytest

from actions.clocks import DIGEST
from casework.calendar import LONDON
from casework.clocks.services import deadlines_sweep
from casework.models import Deadline, Escalation, InboxItem, OutgoingEmail
from tests.casework.test_clocks_concurrency import run_together

NEXT_MONDAY = datetime(2026, 3, 9, 8, 5, tzinfo=LONDON)


def digest_rows():
    return {d.key: d for d in Deadline.objects.filter(subject_type=DIGEST)}


@pytest.mark.django_db
def test_the_digest_is_a_clock_row_for_monday_morning(action):
    rows = digest_rows()
    assert list(rows) == ["2026-03-09"]
    assert rows["2026-03-09"].due_at == datetime(2026, 3, 9, 8, 0, tzinfo=LONDON)
    assert rows["2026-03-09"].rule == "DIGEST" and rows["2026-03-09"].kind == "notice"


@pytest.mark.django_db
def test_each_person_is_emailed_their_own_due_and_overdue_actions_once(at_monday, make_action, people):
    make_action()  # the worker's, overdue by next Monday
    make_action(owner=people["colleague"], due_date=date(2026, 3, 12), description="Share the school's plan")
    make_action(owner=people["colleague"], due_date=date(2026, 4, 30), description="Not this week")
    at_monday.move_to(NEXT_MONDAY, tick=False)
    result = deadlines_sweep()
    assert result.notices == 1
    assert deadlines_sweep().notices == 0
    worker_mail = OutgoingEmail.objects.get(to=["worker@example.test"])
    assert worker_mail.subject.startswith("Your actions this week: 1 overdue, 0 due")
    assert "Arrange a sexual health appointment" in worker_mail.body and "OVERDUE by 5 days" in worker_mail.body
    colleague_mail = OutgoingEmail.objects.get(to=["colleague@example.test"])
    assert "0 overdue, 1 due" in colleague_mail.subject
    assert "Share the school's plan" in colleague_mail.body and "Not this week" not in colleague_mail.body
    digest = Escalation.objects.get(deadline__subject_type=DIGEST)
    assert {r["username"] for r in digest.recipients} == {"worker", "colleague"}
    assert InboxItem.objects.filter(escalation=digest, user=people["colleague"]).count() == 1
    assert digest_rows()["2026-03-09"].status == "done"
    assert digest_rows()["2026-03-16"].status == "open"


@pytest.mark.django_db
def test_a_digest_that_finds_nobody_sends_nothing(at_monday, make_action, people):
    make_action(due_date=date(2026, 6, 1))
    at_monday.move_to(NEXT_MONDAY, tick=False)
    assert deadlines_sweep().notices == 1
    assert not OutgoingEmail.objects.filter(subject__startswith="Your actions").exists()


@pytest.mark.django_db(transaction=True)
def test_p15_fires_each_step_once_under_concurrent_sweeps(action, at_monday):
    at_monday.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)
    results = run_together(deadlines_sweep, count=3)
    assert sum(r.overdue for r in results) == 1
    at_monday.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
    results = run_together(deadlines_sweep, count=3)
    assert sum(r.overdue for r in results) == 1
    p15 = Escalation.objects.filter(deadline__subject_id=action.pk, rule="P15")
    assert sorted(p15.values_list("deadline__key", flat=True)) == ["1", "2"]
