"""API §5's action endpoints, §1's line_manager, §2's child meetings and §4's escalations by action."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from actions.models import Action
from casework.calendar import local_date
from casework.clocks.services import deadlines_sweep
from casework.models import Deadline
from missing.clocks.kind import EPISODE
from missing.services import episode_create

from .conftest import THURSDAY_9AM

pytestmark = pytest.mark.django_db


def body(for_child, people, **change):
    data = {
        "child": str(for_child.pk),
        "owner_agency": str(people["health"].pk),
        "owner": str(people["worker"].pk),
        "description": "Arrange a sexual health appointment",
        "success_measure": "The appointment is booked",
        "due_date": (local_date(timezone.now()) + timedelta(days=7)).isoformat(),
    }
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def test_the_chair_agrees_an_action_and_the_owner_sees_it(api, child, people):
    response = api(people["chair"]).post("/api/v1/actions/", body(child, people), format="json")
    assert response.status_code == 201, response.json()
    action = response.json()
    assert action["status"] == "open" and action["updates"] == [] and action["meeting"] is None
    assert action["owner_agency"] == str(people["health"].pk) and action["owner"] == str(people["worker"].pk)
    assert api(people["worker"]).get(f"/api/v1/actions/{action['id']}/").status_code == 200
    assert api(people["worker"]).get(f"/api/v1/children/{child.pk}/").status_code == 200


@pytest.mark.parametrize(
    "change, field",
    [
        ({"description": None}, "description"),
        ({"description": ""}, "description"),
        ({"success_measure": None}, "success_measure"),
        ({"due_date": None}, "due_date"),
        ({"due_date": "2020-01-01"}, "due_date"),
        ({"due_date": "soon"}, "due_date"),
        ({"owner_agency": None}, "owner_agency"),
        ({"owner_agency": "not-an-id"}, "owner_agency"),
        ({"owner": "5d0c1b1e-0000-4000-8000-000000000000"}, "owner"),
        ({"meeting": "5d0c1b1e-0000-4000-8000-000000000000"}, "meeting"),
        ({"child": "5d0c1b1e-0000-4000-8000-000000000000"}, "child"),
    ],
)
def test_a_bad_action_is_400_on_its_field_and_saves_nothing(api, child, people, change, field):
    response = api(people["chair"]).post("/api/v1/actions/", body(child, people, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Action.objects.exists()


def test_an_agency_worker_who_cannot_see_the_child_may_not_agree_an_action(api, child, people):
    response = api(people["outsider"]).post("/api/v1/actions/", body(child, people), format="json")
    assert response.status_code == 400 and "child" in response.json()


def test_who_may_change_an_action(api, action, people, mash, at_monday):
    url = f"/api/v1/actions/{action.pk}/"
    assert api(people["outsider"]).patch(url, {"update": "Hello"}, format="json").status_code == 404
    assert api(people["outsider"]).get(url).status_code == 404
    assert api(mash).get(url).status_code == 200
    assert api(mash).patch(url, {"update": "MASH note"}, format="json").status_code == 403
    assert api().patch(url, {"update": "Hello"}, format="json").status_code == 401
    response = api(people["colleague"]).patch(url, {"update": "Called the clinic."}, format="json")
    assert response.status_code == 200
    response = api(people["chair"]).patch(url, {"status": "done", "update": "Confirmed at panel."}, format="json")
    assert response.status_code == 200
    updates = response.json()["updates"]
    assert [(u["status"], u["text"]) for u in updates] == [("open", "Called the clinic."), ("done", "Confirmed at panel.")]
    assert updates[0]["by"] == str(people["colleague"].pk) and updates[0]["at"]
    assert set(updates[0]) >= {"at", "by", "status", "text"}
    assert response.json()["status"] == "done"


@pytest.mark.parametrize("change", [{"status": "finished"}, {}, {"update": ""}, {"update": ["a list"]}])
def test_a_bad_change_is_400(api, action, people, change, at_monday):
    response = api(people["worker"]).patch(f"/api/v1/actions/{action.pk}/", change, format="json")
    assert response.status_code == 400
    assert action.updates.count() == 0


def test_mine_lists_the_callers_agencys_actions(api, make_action, people, at_monday, agencies):
    ours = make_action()
    theirs = make_action(owner_agency=agencies["police"], owner=None)
    listed = api(people["colleague"]).get("/api/v1/actions/?mine=true").json()
    assert [a["id"] for a in listed["results"]] == [str(ours.pk)]
    everything = api(people["chair"]).get("/api/v1/actions/").json()
    assert {a["id"] for a in everything["results"]} == {str(ours.pk), str(theirs.pk)}
    assert api(people["chair"]).get("/api/v1/actions/?overdue=maybe").status_code == 400


def test_escalations_of_an_action_list_both_p15_steps(api, action, people, at_monday):
    at_monday.move_to(THURSDAY_9AM, tick=False)
    deadlines_sweep()
    at_monday.move_to(THURSDAY_9AM + timedelta(days=7), tick=False)
    deadlines_sweep()
    deadlines_sweep()
    listed = api(people["chair"]).get(f"/api/v1/escalations/?action={action.pk}").json()
    assert listed["count"] == 2
    assert {e["rule"] for e in listed["results"]} == {"P15"}
    recipients = [{r["username"] for r in e["recipients"]} for e in sorted(listed["results"], key=lambda e: e["fired_at"])]
    assert "manager" in recipients[0] and "director" in recipients[1]
    assert set(listed["results"][0]) == {"id", "rule", "deadline", "step", "fired_at", "recipients"}
    deadlines = api(people["chair"]).get(f"/api/v1/deadlines/?action={action.pk}").json()["results"]
    assert {d["rule"] for d in deadlines} == {"P15"} and {d["action"] for d in deadlines} == {str(action.pk)}
    assert api(people["outsider"]).get(f"/api/v1/escalations/?action={action.pk}").json()["count"] == 0


# Line managers (API §1) -----------------------------------------------------------------------------


def test_users_carry_a_line_manager(api, admin_user, people, agencies):
    response = api(admin_user).post(
        "/api/v1/users/",
        {"username": "newbie", "password": "a-long-enough-password-1", "agency": str(people["health"].pk),
         "roles": ["agency_staff"], "line_manager": str(people["manager"].pk)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["line_manager"] == str(people["manager"].pk)
    user_id = response.json()["id"]
    response = api(admin_user).patch(f"/api/v1/users/{user_id}/", {"line_manager": str(people["director"].pk)},
                                     format="json")
    assert response.status_code == 200 and response.json()["line_manager"] == str(people["director"].pk)
    me = api(people["worker"]).get("/api/v1/users/me/").json()
    assert me["line_manager"] == str(people["manager"].pk)
    assert set(me) >= {"id", "username", "agency", "roles", "line_manager"}
    response = api(admin_user).patch(f"/api/v1/users/{user_id}/", {"line_manager": None}, format="json")
    assert response.status_code == 200 and response.json()["line_manager"] is None


def test_a_line_manager_chain_cannot_loop(api, admin_user, people):
    url = f"/api/v1/users/{people['director'].pk}/"
    response = api(admin_user).patch(url, {"line_manager": str(people["worker"].pk)}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["line_manager"]
    response = api(admin_user).patch(url, {"line_manager": str(people["director"].pk)}, format="json")
    assert response.status_code == 400
    people["director"].refresh_from_db()
    assert people["director"].line_manager is None


# Child meetings (API §2) ------------------------------------------------------------------------------


@pytest.fixture
def strategy_due(mash, child):
    """A child judged at risk of significant harm (S2): a strategy meeting is due (T2)."""
    started = timezone.now() - timedelta(hours=5)
    episode_create(actor=mash, child=child, category="missing", risk_level="high", location_type="home",
                   started_at=started, reported_at=started + timedelta(minutes=30), significant_harm=True)
    return Deadline.objects.get(subject_type=EPISODE, child_id=child.pk, rule="T2")


def meeting_body(**change):
    data = {
        "kind": "strategy",
        "held_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "attendees": ["Sam Lee (police)", {"name": "Jo Park", "role": "social worker", "agency": "CSC"}],
        "risk_assessment": {"level_of_harm": "high", "exploitation_risks": ["sexual_exploitation"],
                            "summary": "Seen with older men at the station."},
        "decisions": "Section 47 enquiry to start; CSE referral.",
        "section_47": True,
        "review_date": (local_date(timezone.now()) + timedelta(days=28)).isoformat(),
    }
    data.update(change)
    return data


def test_recording_a_strategy_meeting_completes_t2_and_opens_t13(api, mash, child, strategy_due):
    response = api(mash).post(f"/api/v1/children/{child.pk}/meetings/", meeting_body(), format="json")
    assert response.status_code == 201, response.json()
    meeting = response.json()
    assert meeting["rule"] == "T2" and meeting["completed_deadlines"] == [str(strategy_due.pk)]
    assert meeting["attendees"][0]["name"] == "Sam Lee (police)"
    assert meeting["risk_assessment"]["exploitation_risks"] == ["sexual_exploitation"]
    strategy_due.refresh_from_db()
    assert strategy_due.status == "done"
    t13 = Deadline.objects.filter(subject_type=EPISODE, child_id=child.pk, rule="T13")
    assert t13.count() == 1 and t13.get().status == "open"
    listed = api(mash).get(f"/api/v1/children/{child.pk}/meetings/").json()
    assert [m["id"] for m in listed["results"]] == [meeting["id"]]
    pdf = api(mash).get(f"/api/v1/child-meetings/{meeting['id']}/record.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    response = api(mash).post("/api/v1/actions/", {
        "child": str(child.pk), "meeting": meeting["id"], "owner_agency": str(mash.agency_id),
        "description": "Refer to the CSE service", "success_measure": "Referral accepted",
        "due_date": (local_date(timezone.now()) + timedelta(days=3)).isoformat()}, format="json")
    assert response.status_code == 201 and response.json()["meeting"] == meeting["id"]


def test_a_risk_assessment_may_be_words_alone(api, mash, child):
    response = api(mash).post(f"/api/v1/children/{child.pk}/meetings/",
                              meeting_body(kind="multi_agency", risk_assessment="Medium risk; bullying at school."),
                              format="json")
    assert response.status_code == 201
    assert response.json()["risk_assessment"]["summary"] == "Medium risk; bullying at school."
    assert response.json()["completed_deadlines"] == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "tea_party"}, "kind"),
        ({"attendees": []}, "attendees"),
        ({"attendees": [{"role": "nobody"}]}, "attendees"),
        ({"decisions": ""}, "decisions"),
        ({"held_at": "2999-01-01T10:00:00+00:00"}, "held_at"),
        ({"risk_assessment": {"exploitation_risks": ["dragons"]}}, "risk_assessment"),
        ({"risk_assessment": 7}, "risk_assessment"),
        ({"review_date": "2001-01-01"}, "review_date"),
    ],
)
def test_a_bad_meeting_is_400_and_completes_nothing(api, mash, child, strategy_due, change, field):
    response = api(mash).post(f"/api/v1/children/{child.pk}/meetings/", meeting_body(**change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    strategy_due.refresh_from_db()
    assert strategy_due.status == "open"


def test_only_those_who_hold_the_meeting_record_it(api, child, people, make_action, strategy_due):
    make_action(due_date=date.today() + timedelta(days=5))  # health becomes involved: it sees the child
    response = api(people["worker"]).post(f"/api/v1/children/{child.pk}/meetings/", meeting_body(), format="json")
    assert response.status_code == 403
    response = api(people["outsider"]).post(f"/api/v1/children/{child.pk}/meetings/", meeting_body(), format="json")
    assert response.status_code == 404
