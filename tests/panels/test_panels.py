"""Panels (issue 10): API §5, the rules P2-P16 and F3, visibility, the minutes PDF."""

import io
from datetime import UTC, datetime, time, timedelta

import pytest
from pypdf import PdfReader

from casework.clocks.services import deadlines_sweep
from casework.models import AgencyKind, AuditEvent, Deadline, Role
from missing.models import LegalStatus
from missing.services import episode_create
from panels import services
from panels.clocks import MEETING
from panels.hooks import _action_providers, register_child_actions
from panels.models import Meeting, MeetingChild, PanelListEntry, Rating
from panels.rules import meeting_dates, meeting_for_referral, quorate
from panels.services import nth_weekday, series_times
from casework.protocol import DEFAULT_PROTOCOL
from referrals.models import Referral

from ..factories import ChildFactory, LocalAuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def people(agencies):
    return {
        "chair": UserFactory(username="chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                             roles=[Role.PANEL_CHAIR]),
        "csc": UserFactory(username="csc", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_MEMBER]),
        "health": UserFactory(username="nurse", agency=agencies[AgencyKind.HEALTH], roles=[Role.PANEL_MEMBER]),
        "police": UserFactory(username="officer", agency=agencies[AgencyKind.POLICE], roles=[Role.PANEL_MEMBER]),
        "outsider": UserFactory(username="outsider", agency=agencies[AgencyKind.HOUSING], roles=[Role.PANEL_MEMBER]),
        "staff": UserFactory(username="plainstaff", agency=agencies[AgencyKind.HEALTH], roles=[Role.AGENCY_STAFF]),
    }


@pytest.fixture
def panel(api, people, agencies, frozen):
    body = {
        "name": "High Risk Missing Group",
        "frequency": "monthly",
        "member_agencies": [str(agencies[k].pk) for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH,
                                                            AgencyKind.POLICE)],
    }
    response = api(people["chair"]).post("/api/v1/panels/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["quorum_agency_kinds"] == ["childrens_social_care", "health", "police"]
    from panels.models import Panel

    return Panel.objects.get(pk=response.json()["id"])


def schedule(api, chair, panel, starts_at):
    response = api(chair).post(f"/api/v1/panels/{panel.pk}/meetings/", {"starts_at": starts_at.isoformat()},
                               format="json")
    assert response.status_code == 201, response.content
    return response.json()


# Rules, pure ---------------------------------------------------------------------------------------


def test_p2_p4_p5_dates_count_working_days_and_days():
    starts = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)  # a Wednesday after Easter (3 and 6 April are holidays)
    dates = meeting_dates(starts, DEFAULT_PROTOCOL)
    assert dates.referral_deadline.date().isoformat() == "2026-03-30"  # 10 working days, skipping Easter
    assert dates.updates_due.date().isoformat() == "2026-04-08"
    assert dates.papers_due.date().isoformat() == "2026-04-08"
    assert dates.list_published_by.date().isoformat() == "2026-04-01"


def test_a_referral_goes_to_the_earliest_meeting_still_open_and_is_late_if_it_missed_the_nearest():
    class M:
        def __init__(self, day):
            self.starts_at = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
    soon, later = M(10), M(31)
    assert meeting_for_referral([soon, later], now=NOW, protocol=DEFAULT_PROTOCOL) == (later, True)
    assert meeting_for_referral([later], now=NOW, protocol=DEFAULT_PROTOCOL) == (later, False)
    assert meeting_for_referral([soon], now=NOW, protocol=DEFAULT_PROTOCOL) == (None, True)


def test_quorum_needs_every_statutory_agency():
    assert quorate({"police", "health", "childrens_social_care", "housing"}, ["police", "health", "childrens_social_care"])
    assert not quorate({"police", "health"}, ["police", "health", "childrens_social_care"])


def test_a_series_on_the_third_wednesday():
    assert nth_weekday(2026, 4, 2, 3).isoformat() == "2026-04-15"
    times = series_times(frequency="monthly", weekday=2, at=time(10), count=3, start=NOW.date(), nth=3)
    assert [t.date().isoformat() for t in times] == ["2026-03-18", "2026-04-15", "2026-05-20"]


# API §5 --------------------------------------------------------------------------------------------


def test_a_meeting_answers_its_dates_from_its_deadline_rows(api, people, panel):
    body = schedule(api, people["chair"], panel, datetime(2026, 4, 15, 9, 0, tzinfo=UTC))
    assert (body["referral_deadline"], body["updates_due"], body["papers_due"]) == (
        "2026-03-30", "2026-04-08", "2026-04-08")
    rules = set(Deadline.objects.filter(subject_type=MEETING, subject_id=body["id"]).values_list("rule", flat=True))
    assert rules == {"P2", "P3", "P4", "P5"}
    # The list reads the same rows, for its whole page at once.
    listed = api(people["chair"]).get(f"/api/v1/panels/{panel.pk}/meetings/").json()["results"]
    assert [(m["referral_deadline"], m["updates_due"], m["papers_due"]) for m in listed if m["id"] == body["id"]] == [
        ("2026-03-30", "2026-04-08", "2026-04-08")]


def test_only_the_chair_schedules_and_bad_input_saves_nothing(api, people, panel, row_counts):
    before = row_counts()
    assert api(people["health"]).post(f"/api/v1/panels/{panel.pk}/meetings/",
                                      {"starts_at": "2026-04-15T09:00:00Z"}, format="json").status_code == 403
    bad = api(people["chair"]).post(f"/api/v1/panels/{panel.pk}/meetings/", {"starts_at": "2020-01-01T09:00:00Z"},
                                    format="json")
    assert bad.status_code == 400 and "starts_at" in bad.json()
    assert api(people["chair"]).post("/api/v1/panels/", {"name": "", "frequency": "daily", "member_agencies": []},
                                     format="json").status_code == 400
    assert row_counts() == before


def test_non_members_get_404_for_panels_meetings_and_agendas(api, people, panel):
    meeting = schedule(api, people["chair"], panel, NOW + timedelta(days=30))
    for who in ("outsider", "staff"):
        client = api(people[who])
        assert client.get(f"/api/v1/panels/{panel.pk}/").status_code == 404
        assert client.get(f"/api/v1/meetings/{meeting['id']}/agenda/").status_code == 404
        assert client.get(f"/api/v1/meetings/{meeting['id']}/minutes.pdf").status_code == 404
        assert client.get("/api/v1/deadlines/", {"meeting": meeting["id"]}).json()["count"] == 0
    assert api(people["health"]).get("/api/v1/deadlines/", {"meeting": meeting["id"]}).json()["count"] == 4


@pytest.mark.parametrize("few", [500, 0])
def test_the_deadline_count_sums_each_arm_of_the_rule(api, people, panel, mash, admin_user, authority, agencies,
                                                      few, monkeypatch):
    """A meeting's rows and a child's rows are two arms of the rule, counted apart and summed: each
    user's count is the rows their list holds, whether they see few children or many."""
    from casework.clocks.selectors import deadlines_visible_count, deadlines_visible_to
    from missing import permissions

    monkeypatch.setattr(permissions, "FEW_CHILDREN", few)
    schedule(api, people["chair"], panel, NOW + timedelta(days=30))
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH],
                         legal_status=LegalStatus.LOOKED_AFTER)
    episode_create(actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=5),
                   reported_at=NOW - timedelta(hours=4), risk_level="high", location_type="home")
    elsewhere = LocalAuthorityFactory(name="Far Council")
    ChildFactory(authority=elsewhere)
    for who in (*people.values(), mash, admin_user):
        for listing in (False, True):
            listed = deadlines_visible_to(who, listing=listing)
            assert deadlines_visible_count(who, listing=listing) == listed.count(), who.username
    nurse = deadlines_visible_to(people["health"], listing=True)
    assert nurse.filter(subject_type=MEETING).exists() and nurse.filter(child_id=child.pk).exists()
    assert deadlines_visible_count(people["outsider"], listing=True) == 0


def test_referral_placement_late_and_the_coordinators_decision(api, people, panel, mash, authority):
    soon = schedule(api, people["chair"], panel, NOW + timedelta(days=7))
    later = schedule(api, people["chair"], panel, NOW + timedelta(days=35))
    child = ChildFactory(authority=authority, lead_agency=people["staff"].agency)
    response = api(people["staff"]).post("/api/v1/referrals/", {"child": str(child.pk), "panel": str(panel.pk),
                                                                "reason": "Missing four times"}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["meeting"], response.json()["late"]) == (later["id"], True)
    assert soon["id"] != later["id"]
    referral_id = response.json()["id"]
    assert api(people["staff"]).post(f"/api/v1/referrals/{referral_id}/decision/", {"decision": "accept"},
                                     format="json").status_code == 404
    no_reason = api(mash).post(f"/api/v1/referrals/{referral_id}/decision/", {"decision": "decline"}, format="json")
    assert no_reason.status_code == 400
    accepted = api(mash).post(f"/api/v1/referrals/{referral_id}/decision/", {"decision": "accept"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert MeetingChild.objects.filter(meeting_id=later["id"], child=child).exists()
    assert PanelListEntry.objects.filter(panel=panel, child=child, removed_at__isnull=True).exists()
    assert AuditEvent.objects.filter(verb="referral.accept").exists()


def test_a_referral_someone_cannot_see_the_child_of_is_refused(api, people, panel, authority):
    schedule(api, people["chair"], panel, NOW + timedelta(days=35))
    hidden = ChildFactory(authority=authority)
    response = api(people["staff"]).post("/api/v1/referrals/", {"child": str(hidden.pk), "panel": str(panel.pk),
                                                                "reason": "x"}, format="json")
    assert response.status_code == 400 and "child" in response.json()
    assert not Referral.objects.exists()


@pytest.fixture
def listed(api, people, panel, authority, mash):
    meeting = schedule(api, people["chair"], panel, NOW + timedelta(days=35))
    meeting = Meeting.objects.get(pk=meeting["id"])
    children = [ChildFactory(authority=authority, given_name=f"Listed{n}", legal_status=LegalStatus.LOOKED_AFTER)
                for n in range(3)]
    for child in children:
        services.meeting_list_child(actor=people["chair"], meeting=meeting, child=child)
    return meeting, children


def test_part_2_needs_the_confidentiality_agreement_at_this_meeting(api, people, listed):
    meeting, children = listed
    agenda_url = f"/api/v1/meetings/{meeting.pk}/agenda/"
    assert api(people["health"]).get(agenda_url).status_code == 403
    agree = {"user": str(people["health"].pk), "confidentiality_agreed": True}
    by_chair = api(people["chair"]).post(f"/api/v1/meetings/{meeting.pk}/attendance/", agree, format="json")
    assert by_chair.status_code == 403  # only the attendee agrees, for themselves
    assert api(people["health"]).post(f"/api/v1/meetings/{meeting.pk}/attendance/", agree,
                                      format="json").status_code == 201
    body = api(people["health"]).get(agenda_url).json()
    assert {row["child"] for row in body["part2"]} == {str(c.pk) for c in children}
    assert body["quorate"] is False
    from casework.models import RecordAccess

    # Part 2 names each listed child: the read is in their access logs, as the agenda page's is.
    logged = RecordAccess.objects.filter(user=people["health"], path=agenda_url, channel="api")
    assert sorted(row.child_id for row in logged) == sorted(c.pk for c in children)


def test_quorum_is_live_and_an_apology_brings_an_update(api, people, listed):
    meeting, _ = listed
    url = f"/api/v1/meetings/{meeting.pk}/attendance/"
    chair = api(people["chair"])
    no_update = chair.post(url, {"user": str(people["police"].pk), "present": False}, format="json")
    assert no_update.status_code == 400 and "apology_update" in no_update.json()
    assert chair.post(url, {"user": str(people["outsider"].pk)}, format="json").status_code == 400
    for who in ("csc", "health", "police"):
        assert chair.post(url, {"user": str(people[who].pk)}, format="json").status_code == 201
    api(people["chair"]).post(url, {"user": str(people["chair"].pk), "confidentiality_agreed": True}, format="json")
    assert chair.get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()["quorate"] is True


def test_ratings_are_the_chairs_and_keep_their_history(api, people, listed, time_machine):
    meeting, children = listed
    url = f"/api/v1/meetings/{meeting.pk}/ratings/"
    body = {"child": str(children[0].pk), "rating": "red", "rationale": "Missing weekly"}
    assert api(people["health"]).post(url, body, format="json").status_code == 403
    assert api(people["chair"]).post(url, {**body, "rating": "purple"}, format="json").status_code == 400
    assert api(people["chair"]).post(url, body, format="json").status_code == 201
    time_machine.move_to(NOW + timedelta(minutes=20), tick=False)
    assert api(people["chair"]).post(url, {**body, "rating": "amber", "rationale": "Better"}, format="json").status_code == 201
    history = api(people["health"]).get(f"/api/v1/children/{children[0].pk}/ratings/").json()
    assert [r["rating"] for r in history["results"]] == ["amber", "red"]
    assert api(people["outsider"]).get(f"/api/v1/children/{children[0].pk}/ratings/").status_code == 404


def test_ending_the_meeting_starts_p12_to_p14_and_the_minutes_exist(api, people, listed, time_machine):
    meeting, children = listed
    chair = api(people["chair"])
    chair.post(f"/api/v1/meetings/{meeting.pk}/attendance/", {"user": str(people["chair"].pk),
                                                                "confidentiality_agreed": True}, format="json")
    chair.post(f"/api/v1/meetings/{meeting.pk}/attendance/", {"user": str(people["police"].pk), "present": False,
                                                                "apology_update": "No new intelligence"}, format="json")
    chair.post(f"/api/v1/meetings/{meeting.pk}/ratings/", {"child": str(children[1].pk), "rating": "green",
                                                             "rationale": "Settled in placement"}, format="json")
    time_machine.move_to(meeting.starts_at + timedelta(hours=2), tick=False)
    chair = api(people["chair"])  # a fresh token: the first expired in the weeks before the meeting
    assert chair.post(f"/api/v1/meetings/{meeting.pk}/end/").status_code == 200
    rules = sorted(Deadline.objects.filter(subject_type=MEETING, subject_id=meeting.pk, status="open")
                   .values_list("rule", flat=True))
    assert rules.count("P12") == 1 and rules.count("P13") == 3 and rules.count("P14") == 3
    pdf = chair.get(f"/api/v1/meetings/{meeting.pk}/minutes.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Settled in placement" in text and "Listed1" in text
    assert "No new intelligence" in text and "CONFIDENTIAL" in text
    from casework.models import RecordAccess

    logged = RecordAccess.objects.filter(user=people["chair"], path=f"/api/v1/meetings/{meeting.pk}/minutes.pdf")
    assert {row.child_id for row in logged} == {c.pk for c in children}
    assert chair.post(f"/api/v1/meetings/{meeting.pk}/ratings/", {"child": str(children[1].pk), "rating": "red",
                                                                    "rationale": "late"}, format="json").status_code == 409
    services.minutes_approve(actor=people["chair"], meeting=meeting)
    assert Deadline.objects.get(subject_id=meeting.pk, rule="P12").status == "done"


def test_f3_a_child_leaves_the_list_only_when_actions_are_done_and_no_episode_since(people, listed, mash, panel):
    meeting, children = listed
    stays, goes, _ = children
    PanelListEntry.objects.filter(child=stays).update(added_at=NOW - timedelta(days=10))
    episode_create(actor=mash, child=stays, category="missing", started_at=NOW - timedelta(days=2),
                   reported_at=NOW - timedelta(days=2), risk_level="low", location_type="care")
    with pytest.raises(Exception, match="stays on the list"):
        services.list_remove(actor=people["chair"], panel=panel, child=stays, reason="Doing well")
    register_child_actions(lambda ids, p: {goes.pk: [{"description": "Visit", "due_date": "2026-04-01"}]})
    try:
        with pytest.raises(Exception, match="1 open action"):
            services.list_remove(actor=people["chair"], panel=panel, child=goes, reason="Doing well")
    finally:
        _action_providers.pop()
    services.list_remove(actor=people["chair"], panel=panel, child=goes, reason="Doing well")
    assert PanelListEntry.objects.get(child=goes).removal_reason == "Doing well"


def test_the_referral_deadline_notice_fires_once_through_the_engine(api, people, panel, time_machine):
    meeting = schedule(api, people["chair"], panel, datetime(2026, 4, 15, 9, 0, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 4, 1, 9, 0, tzinfo=UTC), tick=False)
    first = deadlines_sweep()
    assert first.notices >= 1
    assert deadlines_sweep().notices == 0
    assert Deadline.objects.get(subject_id=meeting["id"], rule="P2").status == "done"


def test_panels_of_another_authority_are_invisible(api, people, panel):
    elsewhere = UserFactory(agency__authority=LocalAuthorityFactory(name="Far Away"), roles=[Role.ADMINISTRATOR])
    assert api(elsewhere).get(f"/api/v1/panels/{panel.pk}/").status_code == 404
    assert Rating.objects.count() == 0


# Pages ---------------------------------------------------------------------------------------------


def test_the_papers_pack_and_the_agenda_page_for_members(client, people, listed, signed_in):
    meeting, children = listed
    browser = signed_in(people["health"])
    page = browser.get(f"/panels/meetings/{meeting.pk}/")
    assert page.status_code == 200
    assert "I agree to the confidentiality statement" in page.content.decode()
    assert "Listed0" not in page.content.decode()  # part 2 waits for the agreement
    browser.post(f"/panels/meetings/{meeting.pk}/agree/")
    assert "Listed0" in browser.get(f"/panels/meetings/{meeting.pk}/").content.decode()
    pdf = browser.get(f"/panels/meetings/{meeting.pk}/papers.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Papers for High Risk Missing Group" in text and "Listed2" in text
    assert signed_in(people["outsider"]).get(f"/panels/meetings/{meeting.pk}/").status_code == 404


def test_the_agenda_page_costs_the_same_queries_for_few_or_many_children(client, people, panel, authority,
                                                                          django_assert_max_num_queries, signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meeting = services.meeting_create(actor=people["chair"], panel=panel, starts_at=NOW + timedelta(days=35))
    services.attendance_record(actor=people["chair"], meeting=meeting, user=people["chair"], confidentiality_agreed=True)
    browser = signed_in(people["chair"])
    counts = []
    for batch in (2, 12):
        for _ in range(batch):
            services.meeting_list_child(actor=people["chair"], meeting=meeting, child=ChildFactory(authority=authority))
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(f"/panels/meetings/{meeting.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_chair_records_each_childs_action_plan_and_feedback_after_the_meeting(people, listed, signed_in,
                                                                                    time_machine):
    meeting, children = listed
    time_machine.move_to(meeting.starts_at + timedelta(hours=1), tick=False)
    services.meeting_end(actor=people["chair"], meeting=meeting)
    browser = signed_in(people["chair"])
    page = browser.get(f"/panels/meetings/{meeting.pk}/minutes/").content.decode()
    assert "Action plan to the lead professional (P13)" in page
    response = browser.post(f"/panels/meetings/{meeting.pk}/children/{children[0].pk}/sent/", {"rule": "P13"})
    assert response.status_code == 302
    done = Deadline.objects.get(subject_id=meeting.pk, rule="P13", key=str(children[0].pk))
    assert done.status == "done"
    assert Deadline.objects.filter(subject_id=meeting.pk, rule="P13", status="open").count() == 2
    assert signed_in(people["health"]).post(
        f"/panels/meetings/{meeting.pk}/children/{children[1].pk}/sent/", {"rule": "P14"}).status_code == 302
    assert Deadline.objects.get(subject_id=meeting.pk, rule="P14", key=str(children[1].pk)).status == "open"


def test_the_chairs_home_shows_the_next_meeting_with_exact_counts(people, listed, signed_in, api, authority, mash):
    meeting, children = listed
    referred = ChildFactory(authority=authority)
    from referrals.services import referral_create

    referral_create(actor=mash, child=referred, panel=meeting.panel, reason="Missing again")
    page = signed_in(people["chair"]).get("/").content.decode()
    assert "Your next panel meeting" in page
    assert ">3</span> children listed" in page and ">1</span> referral waiting" in page
    assert "Your next panel meeting" not in signed_in(people["health"]).get("/").content.decode()


def test_an_action_agreed_at_the_meeting_is_an_action_of_the_actions_app(people, listed, signed_in, api, agencies):
    """Recorded in place from the agenda (P10), shown as outstanding (P11), holding the child on the
    list (F3) until done, and visible to the owner agency."""
    meeting, children = listed
    chair = signed_in(people["chair"])
    chair.post(f"/panels/meetings/{meeting.pk}/agree/")
    response = chair.post(
        f"/panels/meetings/{meeting.pk}/children/{children[0].pk}/actions/",
        {"description": "Safety plan with carers", "success_measure": "Plan signed",
         "owner_agency": str(agencies[AgencyKind.HEALTH].pk), "due_date": "2026-04-30"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Safety plan with carers" in response.content.decode()
    from actions.models import Action

    action = Action.objects.get(child=children[0])
    assert action.panel_meeting_id == meeting.pk
    api(people["chair"]).post(f"/api/v1/meetings/{meeting.pk}/attendance/",
                              {"user": str(people["chair"].pk), "confidentiality_agreed": True}, format="json")
    agenda_body = api(people["chair"]).get(f"/api/v1/meetings/{meeting.pk}/agenda/").json()
    assert [a["description"] for a in agenda_body["previous_actions"]] == ["Safety plan with carers"]
    with pytest.raises(Exception, match="1 open action"):
        services.list_remove(actor=people["chair"], panel=meeting.panel, child=children[0], reason="Better")
    bad = chair.post(f"/panels/meetings/{meeting.pk}/children/{children[1].pk}/actions/",
                     {"description": "", "success_measure": "", "owner_agency": "", "due_date": "2020-01-01"},
                     HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and Action.objects.filter(child=children[1]).count() == 0
