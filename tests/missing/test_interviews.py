"""Return home interviews and safe-and-well checks: services, API and visibility (issue 4)."""

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from casework.calendar import LONDON
from casework.models import AgencyKind, AuditEvent, Deadline, DeadlineStatus, Role
from casework.navigation import navigation_for
from missing.interviews import services
from missing.interviews.forms import AcceptForm
from missing.interviews.selectors import interview_timeliness
from missing.models import InterviewState, ReturnInterview, SafeAndWellCheck
from missing.permissions import children_visible_to
from missing.services import episode_create, episode_update
from tests.factories import AgencyFactory, ChildFactory, UserFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rhi_worker(agencies):
    return UserFactory(username="rhi", agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])


@pytest.fixture
def rhi_colleague(agencies):
    return UserFactory(username="rhi2", agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])


@pytest.fixture
def social_worker(agencies):
    return UserFactory(username="sw", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE])


@pytest.fixture
def child(authority, social_worker):
    return ChildFactory(authority=authority, allocated_worker=social_worker, allocated_team="North team")


def went_missing(child, actor, *, hours_ago, back_hours_ago):
    now = timezone.now()
    episode = episode_create(
        actor=actor,
        child=child,
        category="missing",
        started_at=now - timedelta(hours=hours_ago),
        reported_at=now - timedelta(hours=hours_ago) + timedelta(minutes=10),
        risk_level="medium",
        location_type="home",
    )
    return episode_update(actor=actor, episode=episode, returned_at=now - timedelta(hours=back_hours_ago))


@pytest.fixture
def episode(child, mash):
    return went_missing(child, mash, hours_ago=30, back_hours_ago=10)


@pytest.fixture
def interview(episode):
    return ReturnInterview.objects.get(episodes=episode)


def accepted(interview, mash, rhi_worker):
    return services.return_interview_accept(
        actor=mash, interview=interview, interviewer=rhi_worker, interviewer_role="rhi_service"
    )


COMPLETE = {
    "held_at": "2026-03-10T11:00:00+00:00",
    "push_factors": ["conflict_at_home"],
    "pull_factors": ["friends", "older_associates"],
    "where_and_with_whom": "At a friend's flat with two older youths.",
    "voice_of_child": "I just needed to get away for a bit.",
    "police_intelligence": "A flat above the takeaway is used by older youths.",
}


# Offer on return -------------------------------------------------------------------------------


def test_a_return_offers_one_interview_with_the_allocated_worker_as_referrer(episode, social_worker):
    interview = ReturnInterview.objects.get(child=episode.child)
    assert interview.state == InterviewState.OFFERED
    assert list(interview.episodes.all()) == [episode]
    assert interview.referrer == social_worker
    assert AuditEvent.objects.filter(verb="return_interview.offered", object_id=str(interview.pk)).exists()


def test_going_missing_again_before_the_interview_adds_the_episode_to_the_owed_one(child, mash, episode, api):
    second = went_missing(child, mash, hours_ago=8, back_hours_ago=2)
    assert ReturnInterview.objects.filter(child=child).count() == 1
    interview = ReturnInterview.objects.get(child=child)
    assert set(interview.episodes.all()) == {episode, second}
    body = api(mash).get(f"/api/v1/return-interviews/{interview.pk}/").json()
    assert body["covers_several_episodes"] is True
    assert body["episodes"] == [str(episode.pk), str(second.pk)]
    # Due from the first return: 72 hours after it.
    assert datetime.fromisoformat(body["due_at"]) == episode.returned_at + timedelta(hours=72)


def test_a_new_return_after_a_completed_interview_gets_a_new_offer(child, mash, rhi_worker, interview):
    accepted(interview, mash, rhi_worker)
    services.return_interview_complete(
        actor=rhi_worker, interview=interview, held_at=NOW - timedelta(hours=1), voice_of_child="Fine."
    )
    went_missing(child, mash, hours_ago=0.8, back_hours_ago=0.5)
    assert ReturnInterview.objects.filter(child=child).count() == 2
    assert ReturnInterview.objects.filter(child=child, state=InterviewState.OFFERED).count() == 1


def test_correcting_the_return_time_does_not_offer_a_second_interview(episode, mash):
    episode_update(actor=mash, episode=episode, returned_at=episode.returned_at - timedelta(hours=1))
    assert ReturnInterview.objects.filter(child=episode.child).count() == 1


def test_the_interview_is_due_when_the_t1_deadline_is_and_moves_with_a_correction(api, episode, mash, interview):
    corrected = episode.returned_at - timedelta(hours=5)
    episode_update(actor=mash, episode=episode, returned_at=corrected)
    body = api(mash).get(f"/api/v1/return-interviews/{interview.pk}/").json()
    t1 = Deadline.objects.get(subject_id=episode.pk, rule="T1")
    assert datetime.fromisoformat(body["due_at"]) == t1.due_at == corrected + timedelta(hours=72)


# The first return, kept on the interview ---------------------------------------------------------


def assert_first_returns_kept():
    """Every interview's kept first return is the earliest return of the episodes it covers now."""
    for interview in ReturnInterview.objects.prefetch_related("episodes"):
        returns = [e.returned_at for e in interview.episodes.all() if e.returned_at is not None]
        assert interview.first_returned_at == (min(returns) if returns else None), interview.state


def test_the_first_return_follows_returns_added_corrected_and_withdrawn(child, mash, episode, interview):
    assert interview.first_returned_at == episode.returned_at
    second = went_missing(child, mash, hours_ago=8, back_hours_ago=2)  # added to the owed interview
    interview.refresh_from_db()
    assert interview.first_returned_at == episode.returned_at
    corrected = episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(hours=9))
    interview.refresh_from_db()
    assert interview.first_returned_at == corrected.returned_at == NOW - timedelta(hours=9)
    episode_update(actor=mash, episode=episode, returned_at=None)  # the first return withdrawn
    interview.refresh_from_db()
    assert interview.first_returned_at == second.returned_at and interview.state == InterviewState.OFFERED
    assert_first_returns_kept()


def test_a_held_interview_takes_a_corrected_return_and_a_withdrawn_only_return_leaves_none(
    child, mash, rhi_worker, episode, interview
):
    accepted(interview, mash, rhi_worker)
    services.return_interview_complete(actor=rhi_worker, interview=interview, held_at=NOW - timedelta(hours=1),
                                       voice_of_child="Fine.")
    episode_update(actor=mash, episode=episode, returned_at=episode.returned_at - timedelta(hours=3))
    interview.refresh_from_db()
    assert interview.first_returned_at == NOW - timedelta(hours=13)
    other = went_missing(ChildFactory(authority=child.authority), mash, hours_ago=6, back_hours_ago=4)
    episode_update(actor=mash, episode=other, returned_at=None)  # its owed interview is left with no episode
    left = ReturnInterview.objects.get(child=other.child)
    assert left.state == InterviewState.NOT_POSSIBLE and left.first_returned_at is None
    assert_first_returns_kept()


def test_the_list_is_in_the_order_of_the_first_return(api, authority, mash):
    children = [ChildFactory(authority=authority) for _ in range(3)]
    for child, back in zip(children, (3, 9, 6)):
        went_missing(child, mash, hours_ago=20, back_hours_ago=back)
    body = api(mash).get("/api/v1/return-interviews/").json()
    assert [row["child"] for row in body["results"]] == [str(children[i].pk) for i in (1, 2, 0)]


# State changes through the API -----------------------------------------------------------------


def test_accept_records_the_childs_choice_and_mash_arrangement(api, mash, rhi_worker, interview):
    response = api(mash).post(
        f"/api/v1/return-interviews/{interview.pk}/accept/",
        {"interviewer": str(rhi_worker.pk), "interviewer_role": "rhi_service"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "accepted"
    assert body["interviewer"] == str(rhi_worker.pk)
    assert body["interviewer_agency"] == str(rhi_worker.agency_id)
    assert body["arranged_by_mash_coordinator"] is True


def test_accept_refuses_an_interviewer_whose_agency_does_not_fit_the_role(api, mash, rhi_worker, interview, row_counts):
    before = row_counts()
    response = api(mash).post(
        f"/api/v1/return-interviews/{interview.pk}/accept/",
        {"interviewer": str(rhi_worker.pk), "interviewer_role": "teacher"},
        format="json",
    )
    assert response.status_code == 400
    assert "interviewer_role" in response.json()
    assert row_counts() == before


def test_complete_closes_t1_for_every_covered_episode(api, child, mash, rhi_worker, episode):
    second = went_missing(child, mash, hours_ago=8, back_hours_ago=2)
    interview = ReturnInterview.objects.get(child=child)
    accepted(interview, mash, rhi_worker)
    t1 = Deadline.objects.filter(rule="T1", subject_id__in=[episode.pk, second.pk])
    assert t1.count() == 2 and all(d.status == DeadlineStatus.OPEN for d in t1)
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "completed"
    assert body["pull_factors"] == ["friends", "older_associates"]
    assert {d.status for d in t1.all()} == {DeadlineStatus.DONE}
    assert body["intelligence_shared_at"] is None


def test_complete_with_bad_input_saves_nothing(api, mash, rhi_worker, interview, row_counts):
    accepted(interview, mash, rhi_worker)
    before = row_counts()
    bad = {**COMPLETE, "push_factors": ["not_a_factor"], "voice_of_child": ""}
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/complete/", bad, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"push_factors", "voice_of_child"}
    before_return = {**COMPLETE, "held_at": "2026-03-09T20:00:00+00:00"}
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/complete/", before_return, format="json")
    assert response.status_code == 400
    assert "held_at" in response.json()
    assert row_counts() == before
    interview.refresh_from_db()
    assert interview.state == InterviewState.ACCEPTED


def test_illegal_transition_is_a_400(api, mash, rhi_worker, interview):
    # Not accepted yet: cannot be completed.
    response = api(mash).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert response.status_code == 400
    assert "state" in response.json()
    accepted(interview, mash, rhi_worker)
    services.return_interview_complete(actor=rhi_worker, interview=interview, held_at=NOW, voice_of_child="ok")
    for path, data in [("decline/", {"declined_by": "child", "refusal_learnt": "x"}), ("reoffer/", {})]:
        response = api(mash).post(f"/api/v1/return-interviews/{interview.pk}/{path}", data, format="json")
        assert response.status_code == 400, path
    interview.refresh_from_db()
    assert interview.state == InterviewState.COMPLETED


def test_decline_records_the_refusal_and_feeds_back_to_the_referrer(api, mash, social_worker, interview):
    response = api(mash).post(
        f"/api/v1/return-interviews/{interview.pk}/decline/",
        {"declined_by": "child", "refusal_learnt": "Said they stayed with a cousin; seemed tired."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "declined"
    assert body["routed_to"] == str(social_worker.pk)
    assert body["routed_at"] is not None
    assert AuditEvent.objects.filter(verb="return_interview.refusal_fed_back", object_id=str(interview.pk)).exists()
    # A refusal discharges the duty to offer: T1 is done, and says who refused and who was told.
    t1 = Deadline.objects.get(rule="T1", subject_id__in=interview.episodes.values("pk"))
    assert t1.status == DeadlineStatus.DONE
    assert t1.note == f"Declined: The young person — fed back to {social_worker.get_full_name() or social_worker.username}"
    assert t1.completed_by == mash


def test_decline_without_what_was_learnt_is_refused(api, mash, interview, row_counts):
    before = row_counts()
    response = api(mash).post(
        f"/api/v1/return-interviews/{interview.pk}/decline/",
        {"declined_by": "child", "refusal_learnt": "   "},
        format="json",
    )
    assert response.status_code == 400
    assert "refusal_learnt" in response.json()
    assert row_counts() == before


def test_declined_interview_can_be_offered_again_and_not_possible_needs_a_reason(api, mash, social_worker, interview):
    services.return_interview_decline(actor=mash, interview=interview, declined_by="parent", refusal_learnt="Busy.")
    response = api(social_worker).post(f"/api/v1/return-interviews/{interview.pk}/reoffer/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "offered"
    response = api(social_worker).post(f"/api/v1/return-interviews/{interview.pk}/not-possible/", {}, format="json")
    assert response.status_code == 400
    response = api(social_worker).post(
        f"/api/v1/return-interviews/{interview.pk}/not-possible/", {"reason": "Moved abroad."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "not_possible"


def test_sharing_intelligence_is_a_deliberate_logged_act(api, mash, rhi_worker, interview):
    accepted(interview, mash, rhi_worker)
    api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert not AuditEvent.objects.filter(verb="return_interview.intelligence_shared").exists()
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/share-intelligence/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["intelligence_shared_at"] is not None
    event = AuditEvent.objects.get(verb="return_interview.intelligence_shared")
    assert event.actor == rhi_worker
    assert event.data["intelligence"] == COMPLETE["police_intelligence"]


def test_sharing_nothing_or_before_the_interview_is_refused(mash, rhi_worker, interview):
    with pytest.raises(ValidationError) as error:
        services.return_interview_share_intelligence(actor=mash, interview=interview)
    assert "state" in error.value.message_dict
    accepted(interview, mash, rhi_worker)
    services.return_interview_complete(actor=rhi_worker, interview=interview, held_at=NOW, voice_of_child="ok")
    with pytest.raises(ValidationError) as error:
        services.return_interview_share_intelligence(actor=rhi_worker, interview=interview)
    assert "police_intelligence" in error.value.message_dict


# The follow-up letter --------------------------------------------------------------------------


def test_follow_up_letter_after_a_refusal_arranged_by_mash(api, mash, interview):
    services.return_interview_decline(actor=mash, interview=interview, declined_by="child", refusal_learnt="No.")
    response = api(mash).get(f"/api/v1/return-interviews/{interview.pk}/letter.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"To {interview.child.full_name} and family" in text
    assert "the offer is still open" in text
    assert AuditEvent.objects.filter(verb="return_interview.letter_produced").count() == 1


def test_no_letter_where_mash_did_not_arrange_it(api, social_worker, interview):
    services.return_interview_decline(
        actor=social_worker, interview=interview, declined_by="child", refusal_learnt="No."
    )
    response = api(social_worker).get(f"/api/v1/return-interviews/{interview.pk}/letter.pdf")
    assert response.status_code == 400
    assert "letter" in response.json()


# Visibility ------------------------------------------------------------------------------------


def test_rhi_worker_sees_only_children_assigned_to_them(api, mash, rhi_worker, rhi_colleague, interview):
    assert not children_visible_to(rhi_worker).filter(pk=interview.child_id).exists()
    assert api(rhi_worker).get(f"/api/v1/return-interviews/{interview.pk}/").status_code == 404
    accepted(interview, mash, rhi_worker)
    assert children_visible_to(rhi_worker).filter(pk=interview.child_id).exists()
    assert api(rhi_worker).get(f"/api/v1/return-interviews/{interview.pk}/").status_code == 200
    assert api(rhi_worker).get("/api/v1/return-interviews/?mine=true").json()["count"] == 1
    # A colleague in the same service does not.
    assert not children_visible_to(rhi_colleague).filter(pk=interview.child_id).exists()
    assert api(rhi_colleague).get(f"/api/v1/return-interviews/{interview.pk}/").status_code == 404
    assert api(rhi_colleague).get(f"/api/v1/children/{interview.child_id}/").status_code == 404
    assert api(rhi_colleague).get("/api/v1/return-interviews/").json()["count"] == 0
    response = api(rhi_colleague).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("few", [500, 0])
def test_a_workers_list_counts_the_same_whether_their_children_are_few_or_many(api, mash, rhi_worker, social_worker,
                                                                              authority, interview, few, monkeypatch):
    """Few children: the page counts itself; many: the list is counted apart. The same answer."""
    from missing import permissions

    monkeypatch.setattr(permissions, "FEW_CHILDREN", few)
    accepted(interview, mash, rhi_worker)
    went_missing(ChildFactory(authority=authority), mash, hours_ago=20, back_hours_ago=5)  # not theirs
    for user, count in ((rhi_worker, 1), (social_worker, 1)):
        body = api(user).get("/api/v1/return-interviews/").json()
        assert body["count"] == count and [row["id"] for row in body["results"]] == [str(interview.pk)]
    assert api(social_worker).get("/api/v1/return-interviews/", {"page": 2}).status_code == 404
    assert api(mash).get("/api/v1/return-interviews/").json()["count"] == 2


def test_visible_but_not_allowed_is_403(api, agencies, mash, rhi_worker, interview):
    accepted(interview, mash, rhi_worker)
    # The RHI worker sees the child but does not arrange interviews.
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/reoffer/", {}, format="json")
    assert response.status_code == 403
    # A lead-agency health worker sees the child but may not record the interview.
    health = UserFactory(agency=agencies[AgencyKind.HEALTH])
    interview.child.lead_agency = agencies[AgencyKind.HEALTH]
    interview.child.save()
    assert api(health).get(f"/api/v1/return-interviews/{interview.pk}/").status_code == 200
    response = api(health).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert response.status_code == 403


def test_anonymous_is_401_and_malformed_ids_are_404(api, mash):
    assert api().get("/api/v1/return-interviews/").status_code == 401
    assert api(mash).get("/api/v1/return-interviews/not-a-uuid/").status_code == 404
    assert api(mash).get("/api/v1/return-interviews/?child=nope").status_code == 400
    assert api(mash).get("/api/v1/return-interviews/?state=nope").status_code == 400


def test_other_authority_is_invisible(api, interview):
    other = AgencyFactory(authority__name="Elsewhere Council", kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    outsider = UserFactory(agency=other, roles=[Role.MASH_COORDINATOR])
    assert api(outsider).get(f"/api/v1/return-interviews/{interview.pk}/").status_code == 404


# Safe-and-well checks --------------------------------------------------------------------------

CHECK = {
    "officer": "PC Example 1234",
    "checked_at": "2026-03-10T08:00:00+00:00",
    "where_found": "Bus station",
    "with_whom": "Alone",
    "disclosures": "None",
    "harm_indicators": ["substances"],
}


def test_police_debrief_recorded_and_shared_with_the_allocated_worker(api, mash, social_worker, episode):
    response = api(mash).post("/api/v1/safe-and-well-checks/", {**CHECK, "episode": str(episode.pk)}, format="json")
    assert response.status_code == 201, response.json()
    check_id = response.json()["id"]
    seen = api(social_worker).get(f"/api/v1/safe-and-well-checks/?child={episode.child_id}").json()
    assert [c["id"] for c in seen["results"]] == [check_id]
    assert api(social_worker).get(f"/api/v1/safe-and-well-checks/{check_id}/").json()["harm_indicators"] == [
        "substances"
    ]


def test_check_bad_input_duplicates_and_permissions(api, mash, social_worker, rhi_colleague, episode, row_counts):
    before = row_counts()
    response = api(mash).post(
        "/api/v1/safe-and-well-checks/",
        {**CHECK, "episode": str(episode.pk), "checked_at": "2026-03-12T08:00:00+00:00", "where_found": ""},
        format="json",
    )
    assert response.status_code == 400
    assert row_counts() == before
    # The social worker sees the episode but the police or MASH record the check.
    response = api(social_worker).post("/api/v1/safe-and-well-checks/", {**CHECK, "episode": str(episode.pk)}, format="json")
    assert response.status_code == 403
    # An invisible episode is named as unknown.
    response = api(rhi_colleague).post("/api/v1/safe-and-well-checks/", {**CHECK, "episode": str(episode.pk)}, format="json")
    assert response.status_code == 400
    assert "episode" in response.json()
    assert api(mash).post("/api/v1/safe-and-well-checks/", {**CHECK, "episode": str(episode.pk)}, format="json").status_code == 201
    again = api(mash).post("/api/v1/safe-and-well-checks/", {**CHECK, "episode": str(episode.pk)}, format="json")
    assert again.status_code == 400
    assert SafeAndWellCheck.objects.count() == 1


# Timeliness ------------------------------------------------------------------------------------


def test_timeliness_by_provider_team_and_placed_by_other_councils(authority, agencies, mash, rhi_worker, frozen):
    start = NOW - timedelta(days=10)
    on_time = ChildFactory(authority=authority, allocated_team="North team")
    late = ChildFactory(authority=authority, allocated_team="South team", placed_by_other_authority=True)
    pending = ChildFactory(authority=authority, allocated_team="North team")
    frozen.move_to(NOW - timedelta(days=5))
    for child in (on_time, late):
        went_missing(child, mash, hours_ago=20, back_hours_ago=10)
    frozen.move_to(NOW)
    went_missing(pending, mash, hours_ago=5, back_hours_ago=1)
    for child, held_after in ((on_time, 24), (late, 100)):
        interview = ReturnInterview.objects.get(child=child)
        accepted(interview, mash, rhi_worker)
        first_return = interview.episodes.get().returned_at
        services.return_interview_complete(
            actor=rhi_worker, interview=interview, held_at=first_return + timedelta(hours=held_after), voice_of_child="ok"
        )
    report = interview_timeliness(authority, start, NOW + timedelta(days=1))
    assert (report["overall"].interviews, report["overall"].completed_within) == (2, 1)
    assert report["overall"].completed_share == 50.0
    assert report["overall"].offered_share == 100.0
    providers = {row.label: row for row in report["by_provider"]}
    assert providers[agencies[AgencyKind.RETURN_INTERVIEW_SERVICE].name].interviews == 2
    teams = {row.label: (row.interviews, row.completed_within) for row in report["by_team"]}
    assert teams == {"North team": (1, 1), "South team": (1, 0)}
    placed = report["placed_by_other_authority"]
    assert (placed.interviews, placed.completed_within, placed.completed_share) == (1, 0, 0.0)


def test_timeliness_judges_each_interview_by_its_t1_row_not_by_todays_protocol(authority, mash, rhi_worker, frozen):
    """One rule, one place: the report reads the due time the clock set (T1's row), so a later
    change of the authority's T1 hours does not make a late interview look on time."""
    from casework.models import LocalProtocol

    child = ChildFactory(authority=authority)
    frozen.move_to(NOW - timedelta(days=5))
    went_missing(child, mash, hours_ago=20, back_hours_ago=10)
    frozen.move_to(NOW)
    interview = ReturnInterview.objects.get(child=child)
    accepted(interview, mash, rhi_worker)
    first_return = interview.episodes.get().returned_at
    services.return_interview_complete(
        actor=rhi_worker, interview=interview, held_at=first_return + timedelta(hours=80), voice_of_child="ok"
    )
    t1 = Deadline.objects.get(rule="T1", subject_id=interview.episodes.get().pk)
    assert t1.due_at == first_return + timedelta(hours=72)
    LocalProtocol.objects.create(authority=authority, t1_return_interview_hours=96)  # agreed afterwards
    report = interview_timeliness(authority, NOW - timedelta(days=10), NOW + timedelta(days=1))
    assert (report["overall"].interviews, report["overall"].completed_within) == (1, 0)


def test_timeliness_api_is_for_mash_and_strategic_readers(api, mash, rhi_worker, agencies):
    assert api(rhi_worker).get("/api/v1/return-interviews/timeliness/").status_code == 403
    reader = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.STRATEGIC_READER])
    response = api(reader).get("/api/v1/return-interviews/timeliness/?start=2026-01-01&end=2026-03-10")
    assert response.status_code == 200
    assert response.json()["overall"]["interviews"] == 0
    assert response.json()["overall"]["completed_share"] is None
    bad = api(mash).get("/api/v1/return-interviews/timeliness/?start=2026-03-10&end=2026-01-01")
    assert bad.status_code == 400 and "end" in bad.json()


def test_schema_lists_the_interview_endpoints(api, mash):
    response = api(mash).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/return-interviews/{interview_id}/complete/",
        "/api/v1/safe-and-well-checks/",
        "/api/v1/return-interviews/timeliness/",
        "/api/v1/education-cases/{case_id}/remove-from-roll/",
    ):
        assert path in text


# A return withdrawn, a refusal, and T1 -----------------------------------------------------------


def test_clearing_the_only_return_leaves_the_offer_not_possible_and_completing_is_a_400(
    api, mash, rhi_worker, episode, interview, row_counts
):
    accepted(interview, mash, rhi_worker)
    response = api(mash).patch(f"/api/v1/episodes/{episode.pk}/", {"returned_at": None}, format="json")
    assert response.status_code == 200, response.content
    interview.refresh_from_db()
    assert interview.state == InterviewState.NOT_POSSIBLE
    assert interview.not_possible_reason == "The return was withdrawn"
    assert list(interview.episodes.all()) == []
    assert AuditEvent.objects.filter(verb="return_interview.episode_removed", object_id=str(interview.pk)).exists()
    before = row_counts()
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert response.status_code == 400, response.content
    assert "state" in response.json()
    response = api(mash).post(f"/api/v1/return-interviews/{interview.pk}/reoffer/", {}, format="json")
    assert response.status_code == 400, response.content
    assert "state" in response.json()
    assert row_counts() == before


def test_a_return_recorded_again_after_it_was_withdrawn_is_offered_afresh(mash, episode, interview):
    returned_at = episode.returned_at
    episode_update(actor=mash, episode=episode, returned_at=None)
    episode_update(actor=mash, episode=episode, returned_at=returned_at)
    fresh = ReturnInterview.objects.get(child=episode.child, state=InterviewState.OFFERED)
    assert fresh.pk != interview.pk
    assert list(fresh.episodes.all()) == [episode]


def test_clearing_one_of_two_returns_keeps_the_interview_owed_for_the_other(api, child, mash, rhi_worker, episode):
    second = went_missing(child, mash, hours_ago=8, back_hours_ago=2)
    interview = ReturnInterview.objects.get(child=child)
    accepted(interview, mash, rhi_worker)
    episode_update(actor=mash, episode=second, returned_at=None)
    interview.refresh_from_db()
    assert interview.state == InterviewState.ACCEPTED
    assert list(interview.episodes.all()) == [episode]
    response = api(rhi_worker).post(f"/api/v1/return-interviews/{interview.pk}/complete/", COMPLETE, format="json")
    assert response.status_code == 200, response.content
    assert Deadline.objects.get(rule="T1", subject_id=episode.pk).status == DeadlineStatus.DONE


def test_a_refused_interview_whose_return_was_cleared_is_not_offered_again_until_it_is_back(
    api, mash, episode, interview
):
    services.return_interview_decline(actor=mash, interview=interview, declined_by="child", refusal_learnt="No.")
    returned_at = episode.returned_at
    episode_update(actor=mash, episode=episode, returned_at=None)
    interview.refresh_from_db()
    assert interview.state == InterviewState.DECLINED  # no longer owed: its record stays as it was
    response = api(mash).post(f"/api/v1/return-interviews/{interview.pk}/reoffer/", {}, format="json")
    assert response.status_code == 400, response.content
    assert "state" in response.json()
    episode_update(actor=mash, episode=episode, returned_at=returned_at)
    response = api(mash).post(f"/api/v1/return-interviews/{interview.pk}/reoffer/", {}, format="json")
    assert response.status_code == 200, response.content
    assert ReturnInterview.objects.filter(child=episode.child).count() == 1


def test_not_possible_completes_t1_and_a_reoffer_leaves_it_done(api, mash, social_worker, interview, frozen):
    response = api(social_worker).post(
        f"/api/v1/return-interviews/{interview.pk}/not-possible/", {"reason": "Moved abroad."}, format="json"
    )
    assert response.status_code == 200, response.content
    t1 = Deadline.objects.get(rule="T1", subject_id__in=interview.episodes.values("pk"))
    assert t1.status == DeadlineStatus.DONE
    assert t1.note == "Not possible: Moved abroad."
    assert t1.completed_by == social_worker
    services.return_interview_reoffer(actor=mash, interview=interview)
    frozen.shift(timedelta(days=5))
    t1.refresh_from_db()
    assert t1.status == DeadlineStatus.DONE


def test_a_refusal_fed_back_to_no_one_says_the_mash(mash, authority):
    child = ChildFactory(authority=authority)
    went_missing(child, mash, hours_ago=30, back_hours_ago=10)
    interview = ReturnInterview.objects.get(child=child)
    ReturnInterview.objects.filter(pk=interview.pk).update(referrer=None)
    services.return_interview_decline(actor=mash, interview=interview, declined_by="parent", refusal_learnt="Busy.")
    t1 = Deadline.objects.get(rule="T1", child_id=child.pk)
    assert (t1.status, t1.note) == (DeadlineStatus.DONE, "Declined: A parent or carer — fed back to the MASH")


def test_a_cancelled_t1_row_does_not_set_when_the_interview_is_due(api, child, mash, episode):
    second = went_missing(child, mash, hours_ago=8, back_hours_ago=2)
    interview = ReturnInterview.objects.get(child=child)
    Deadline.objects.filter(rule="T1", subject_id=episode.pk).update(status=DeadlineStatus.CANCELLED)
    body = api(mash).get(f"/api/v1/return-interviews/{interview.pk}/").json()
    assert datetime.fromisoformat(body["due_at"]) == Deadline.objects.get(rule="T1", subject_id=second.pk).due_at
    listed = api(mash).get(f"/api/v1/return-interviews/?child={child.pk}").json()["results"]
    assert [datetime.fromisoformat(row["due_at"]) for row in listed] == [second.returned_at + timedelta(hours=72)]


@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2026-01-01&end=9999-12-31", "end"),
        ("start=0001-01-01&end=2026-01-01", "start"),
        ("start=1999-12-31&end=2026-01-01", "start"),
        ("start=2026-01-01&end=2101-01-01", "end"),
    ],
)
def test_timeliness_dates_out_of_range_are_a_400(api, mash, query, field):
    response = api(mash).get(f"/api/v1/return-interviews/timeliness/?{query}")
    assert response.status_code == 400, response.content
    assert "2000 to 2100" in response.json()[field][0]


def test_the_interviewer_agencies_are_those_of_the_roles_in_the_form_and_the_navigation(agencies, authority):
    for kind in AgencyKind.values:
        UserFactory(agency=agencies[kind])
    offered = {user.agency.kind for user in AcceptForm(authority=authority).fields["interviewer"].queryset}
    assert offered == {kind for kinds in services.ROLE_AGENCY_KINDS.values() for kind in kinds}
    assert AgencyKind.POLICE not in offered
    police = UserFactory(agency=agencies[AgencyKind.POLICE])
    teacher = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    assert "My interviews due" not in [item["text"] for item in navigation_for(police, "/")]
    assert "My interviews due" in [item["text"] for item in navigation_for(teacher, "/")]
