"""API §4: deadlines and escalations, with visibility, bad input and completion."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.clocks.services import deadlines_sweep
from casework.models import AgencyKind, Deadline, NoticeRecipient, NoticeRole, Role
from missing.models import LegalStatus
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 10, 9, 0, tzinfo=LONDON)


@pytest.fixture
def setting(time_machine, mash, authority, agencies):
    time_machine.move_to(START + timedelta(hours=30), tick=False)
    visible = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER,
                           lead_agency=agencies[AgencyKind.HEALTH])
    hidden = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episodes = {}
    for child in (visible, hidden):
        episodes[child] = episode_create(actor=mash, child=child, category="missing", started_at=START,
                                         reported_at=START + timedelta(minutes=10), risk_level="high",
                                         location_type="care")
    episode_update(actor=mash, episode=episodes[visible], returned_at=START + timedelta(hours=29))
    head = UserFactory(username="head", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE])
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.HEAD_OF_SERVICE, user=head)
    deadlines_sweep()
    return visible, hidden, episodes[visible]


def test_lists_deadlines_in_the_contract_shape(api, mash, setting):
    visible, _, episode = setting
    response = api(mash).get("/api/v1/deadlines/", {"child": str(visible.pk)})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    first = body["results"][0]
    assert {"id", "rule", "title", "due_at", "status", "child", "episode", "meeting", "completed_at"} <= set(first)
    by_rule = {(r["rule"], r["due_at"]): r for r in body["results"]}
    t6 = [r for r in body["results"] if r["rule"] == "T6"]
    assert len(t6) == 2  # the 24-hour notice (sent) and the 72-hour update (cancelled: back at hour 29)
    assert sorted(r["status"] for r in t6) == ["cancelled", "done"]
    t1 = next(r for r in body["results"] if r["rule"] == "T1")
    assert t1["status"] == "open" and t1["episode"] == str(episode.pk) and t1["meeting"] is None
    assert datetime.fromisoformat(t1["due_at"]) == START + timedelta(hours=29 + 72)
    assert len(by_rule) == body["count"]


def test_filters_by_status_episode_and_meeting(api, mash, setting):
    visible, _, episode = setting
    open_rows = api(mash).get("/api/v1/deadlines/", {"episode": str(episode.pk), "status": "open"}).json()
    assert open_rows["count"] == Deadline.objects.filter(subject_id=episode.pk, status="open").count() > 0
    assert {r["status"] for r in open_rows["results"]} == {"open"}
    none = api(mash).get("/api/v1/deadlines/", {"meeting": "00000000-0000-0000-0000-000000000001"}).json()
    assert none["count"] == 0


@pytest.mark.parametrize("query", [{"status": "late"}, {"child": "not-a-uuid"}, {"episode": "1"}])
def test_bad_filters_answer_400(api, mash, setting, query):
    response = api(mash).get("/api/v1/deadlines/", query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_only_deadlines_of_visible_children_are_listed(api, health_worker, setting):
    visible, hidden, _ = setting
    children = {r["child"] for r in api(health_worker).get("/api/v1/deadlines/").json()["results"]}
    assert children == {str(visible.pk)}
    escalations = api(health_worker).get("/api/v1/escalations/").json()["results"]
    assert {e["deadline"] for e in escalations} <= set(
        str(pk) for pk in Deadline.objects.filter(child_id=visible.pk).values_list("pk", flat=True)
    )
    assert escalations


def test_anonymous_callers_get_401(api, setting):
    assert api().get("/api/v1/deadlines/").status_code == 401
    assert api().get("/api/v1/escalations/").status_code == 401


def test_complete_records_who_when_and_note(api, mash, setting):
    visible, _, _ = setting
    t1 = Deadline.objects.get(child_id=visible.pk, rule="T1")
    response = api(mash).post(f"/api/v1/deadlines/{t1.pk}/complete/", {"note": "Interview held at school."},
                              format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    t1.refresh_from_db()
    assert (t1.completed_by, t1.note, t1.completed_at) == (mash, "Interview held at school.", START + timedelta(hours=30))
    again = api(mash).post(f"/api/v1/deadlines/{t1.pk}/complete/", {"note": "again"}, format="json")
    assert again.status_code == 409


def test_complete_with_a_given_time(api, mash, setting):
    visible, _, _ = setting
    t5 = Deadline.objects.get(child_id=visible.pk, rule="T5")
    when = (START + timedelta(hours=20)).isoformat()
    response = api(mash).post(f"/api/v1/deadlines/{t5.pk}/complete/", {"note": "Call held.", "completed_at": when},
                              format="json")
    assert response.status_code == 200
    assert datetime.fromisoformat(response.json()["completed_at"]) == START + timedelta(hours=20)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "note"),
        ({"note": ""}, "note"),
        ({"note": "x", "completed_at": "yesterday"}, "completed_at"),
        ({"note": "x", "completed_at": "2030-01-01T10:00:00+00:00"}, "completed_at"),
        ({"note": "x", "completed_at": "2026-06-01T10:00:00+01:00"}, "completed_at"),
    ],
)
def test_bad_completion_answers_400_and_saves_nothing(api, mash, setting, payload, field):
    visible, _, _ = setting
    t1 = Deadline.objects.get(child_id=visible.pk, rule="T1")
    response = api(mash).post(f"/api/v1/deadlines/{t1.pk}/complete/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    t1.refresh_from_db()
    assert t1.status == "open" and t1.completed_at is None


def test_completing_a_notice_answers_400(api, mash, setting):
    visible, _, _ = setting
    t7 = Deadline.objects.get(child_id=visible.pk, rule="T7")
    response = api(mash).post(f"/api/v1/deadlines/{t7.pk}/complete/", {"note": "Told"}, format="json")
    assert response.status_code == 400


def test_invisible_or_malformed_deadlines_answer_404(api, health_worker, setting):
    _, hidden, _ = setting
    t1 = Deadline.objects.filter(child_id=hidden.pk).first()
    for target in (str(t1.pk), "not-a-uuid"):
        response = api(health_worker).post(f"/api/v1/deadlines/{target}/complete/", {"note": "x"}, format="json")
        assert response.status_code == 404


def test_a_strategic_reader_who_sees_the_child_may_not_complete(api, agencies, setting):
    visible, _, _ = setting
    reader = UserFactory(agency=agencies[AgencyKind.HEALTH], roles=[Role.STRATEGIC_READER])
    t1 = Deadline.objects.get(child_id=visible.pk, rule="T1")
    response = api(reader).post(f"/api/v1/deadlines/{t1.pk}/complete/", {"note": "x"}, format="json")
    assert response.status_code == 403


def test_escalations_list_fires_once_however_often_the_clock_runs(api, mash, setting):
    visible, _, _ = setting
    first = api(mash).get("/api/v1/escalations/", {"child": str(visible.pk)}).json()
    deadlines_sweep()
    deadlines_sweep()
    second = api(mash).get("/api/v1/escalations/", {"child": str(visible.pk)}).json()
    assert first["count"] == second["count"] == 2  # T11 at once, T6 at 24 hours
    row = next(r for r in second["results"] if r["rule"] == "T6")
    assert set(row) >= {"id", "rule", "deadline", "fired_at", "recipients"}
    assert [r["username"] for r in row["recipients"]] == ["head"]
    assert api(mash).get("/api/v1/escalations/", {"child": "nope"}).status_code == 400
    # Each read of the child's escalations is in the child's access log.
    from casework.models import RecordAccess

    logged = RecordAccess.objects.filter(user=mash, child_id=visible.pk, path__startswith="/api/v1/escalations/")
    assert logged.count() == 2


# Who may record a duty done (issue 7, finding 6) ------------------------------------------------


def test_an_agency_that_does_not_do_the_work_may_not_record_a_duty_done(api, agencies, health_worker, setting):
    """The health lead agency sees the child but neither holds the return interview (T1) nor chairs
    the missing-from-care meeting (T5)."""
    visible, _, _ = setting
    for rule in ("T1", "T5"):
        deadline = Deadline.objects.get(child_id=visible.pk, rule=rule, status="open")
        response = api(health_worker).post(f"/api/v1/deadlines/{deadline.pk}/complete/", {"note": "x"}, format="json")
        assert response.status_code == 403, (rule, response.content)
        deadline.refresh_from_db()
        assert deadline.status == "open"


def test_the_agency_that_does_the_work_records_it(api, agencies, setting, authority):
    visible, _, _ = setting
    social_worker = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.AGENCY_STAFF])
    visible.lead_agency = agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]
    visible.save()
    t5 = Deadline.objects.get(child_id=visible.pk, rule="T5", status="open")
    response = api(social_worker).post(f"/api/v1/deadlines/{t5.pk}/complete/", {"note": "Held"}, format="json")
    assert response.status_code == 200, response.content
    # ...but T1 is the return interview's own: only the MASH or an administrator records it by hand.
    t1 = Deadline.objects.get(child_id=visible.pk, rule="T1")
    assert api(social_worker).post(f"/api/v1/deadlines/{t1.pk}/complete/", {"note": "x"}, format="json").status_code == 403


def test_the_allocated_worker_records_duties_but_not_the_interview(api, agencies, setting):
    visible, _, _ = setting
    worker = UserFactory(agency=agencies[AgencyKind.EARLY_HELP], roles=[Role.AGENCY_STAFF])
    visible.allocated_worker = worker
    visible.save()
    t5 = Deadline.objects.get(child_id=visible.pk, rule="T5", status="open")
    assert api(worker).post(f"/api/v1/deadlines/{t5.pk}/complete/", {"note": "Held"}, format="json").status_code == 200
    t1 = Deadline.objects.get(child_id=visible.pk, rule="T1")
    assert api(worker).post(f"/api/v1/deadlines/{t1.pk}/complete/", {"note": "x"}, format="json").status_code == 403


def test_a_duty_cannot_be_done_before_it_began(api, mash, setting):
    """T1 counts from the return (hour 29): done at hour 20 is before the duty existed."""
    visible, _, _ = setting
    t1 = Deadline.objects.get(child_id=visible.pk, rule="T1")
    body = {"note": "x", "completed_at": (START + timedelta(hours=20)).isoformat()}
    response = api(mash).post(f"/api/v1/deadlines/{t1.pk}/complete/", body, format="json")
    assert response.status_code == 400
    assert "before the duty began" in response.json()["completed_at"][0]


# Status true when read (issue 8, item 3) ---------------------------------------------------------


def test_a_duty_past_due_reads_overdue_at_once_before_any_sweep(api, mash, authority, time_machine):
    """An episode recorded late makes deadlines already past due: they read overdue now, and the
    sweep still fires the escalation exactly once."""
    time_machine.move_to(START + timedelta(days=6), tick=False)
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode = episode_create(actor=mash, child=child, category="missing", started_at=START,
                             reported_at=START + timedelta(minutes=10), risk_level="high", location_type="care")
    t5 = Deadline.objects.get(subject_id=episode.pk, rule="T5")
    assert t5.status == "open"  # stored: the sweep has not run
    body = api(mash).get("/api/v1/deadlines/", {"episode": str(episode.pk)}).json()
    assert {r["rule"]: r["status"] for r in body["results"]}["T5"] == "overdue"
    overdue = api(mash).get("/api/v1/deadlines/", {"episode": str(episode.pk), "status": "overdue"}).json()
    assert str(t5.pk) in {r["id"] for r in overdue["results"]}
    still_open = api(mash).get("/api/v1/deadlines/", {"episode": str(episode.pk), "status": "open"}).json()
    assert str(t5.pk) not in {r["id"] for r in still_open["results"]}
    assert deadlines_sweep().overdue >= 1
    assert deadlines_sweep().overdue == 0
    t5.refresh_from_db()
    assert t5.status == "overdue" and t5.escalations.count() == 1


@pytest.mark.parametrize("who", ["mash", "health_worker"])
def test_the_list_and_its_count_build_the_rule_once_per_request(api, setting, who, request, monkeypatch):
    """The visibility rule of each kind is built once per read request, for the list and its count
    alike, and afresh on the next request."""
    from casework.clocks import selectors

    built = []
    original = selectors._built_arms
    monkeypatch.setattr(selectors, "_built_arms", lambda *args: built.append(args) or original(*args))
    client = api(request.getfixturevalue(who))
    for n in (1, 2):
        body = client.get("/api/v1/deadlines/").json()
        assert body["count"] == len(body["results"]) and len(built) == n
