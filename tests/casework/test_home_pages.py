"""The home page and the navigation, role by role: what each sees and does not see, with exact
counts linking to the screens that act on them; a cost that does not grow with the data; the
live counts; and the record access log of the children the page names."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.home import home_panels_for, live_signature
from casework.models import AgencyKind, Deadline, Escalation, InboxItem, OutgoingEmail, RecordAccess, Role
from missing.clocks.kind import EPISODE
from missing.interviews.services import return_interview_accept
from missing.models import ReturnInterview
from missing.services import episode_create, episode_update
from tests.factories import (
    ChildFactory,
    EpisodeFactory,
    PASSWORD,
    LocalAuthorityFactory,
    NotificationFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
# A Wednesday afternoon in British Summer Time.
NOW = datetime(2025, 6, 11, 15, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db

PANEL_TITLES = {
    "triage": "Notifications waiting for triage",
    "missing_now": "Children missing now",
    "risk_meeting": "Daily risk meeting",
    "due": "Duties due today and overdue",
    "interviews": "My interviews",
    "next_meeting": "Your next panel meeting",
    "inbox": "Your notices",
    "timeliness": "Return home interviews: the last 90 days",
    "administration": "Administration",
}
SECTIONS = [
    "Home", "Triage queue", "Upload notifications", "Daily risk meeting", "Children", "Possible duplicates", "Placed in and out",
    "My interviews due",
    "Interview timeliness", "Missing education", "Panels", "Intelligence", "My actions", "Action tracker", "Missing now",
    "Returns", "Dashboard", "Quarterly reports", "Due and overdue", "Inbox", "Record access log", "Other councils", "Retention",
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def panels_of(response):
    return [panel.key for panel in response.context["panels"]]


def sections_of(response):
    return [item["text"] for item in response.context["nav_items"]]


def account_of(response):
    return [item["text"] for item in response.context["account_items"]]


def body(response, key):
    return next(str(panel.body) for panel in response.context["panels"] if panel.key == key)


def assert_sees(response, panels, sections):
    assert panels_of(response) == panels
    assert sections_of(response) == sections
    page = response.content.decode()
    for key, title in PANEL_TITLES.items():
        assert (f'-title">{title}</h2>' in page) == (key in panels), title
    for section in SECTIONS:
        assert (f">{section}<" in page) == (section in sections), section
    # The account links sit apart from the sections, in their own navigation.
    assert account_of(response) == ["Two-factor sign-in"]
    assert '<nav aria-label="Account"' in page and "Sign out</button>" in page


def duty(child, episode, rule, due_at, *, kind="duty", status="open"):
    return Deadline.objects.create(
        authority=child.authority, rule=rule, kind=kind, title=f"{rule} work", subject_type=EPISODE,
        subject_id=episode.pk, child_id=child.pk, counts_from=due_at - timedelta(days=3), due_at=due_at, status=status,
    )


def notices(user, child, episode, *, unread, read=0, to_acknowledge=0):
    deadline = duty(child, episode, f"N{user.username[:6]}", NOW - timedelta(days=1), kind="notice", status="done")
    for number in range(unread + read):
        escalation = Escalation.objects.create(deadline=deadline, rule=deadline.rule, step=f"s{number}", fired_at=NOW)
        InboxItem.objects.create(
            user=user, escalation=escalation, subject=f"Notice {number}", created_at=NOW,
            read_at=NOW if number >= unread else None, needs_acknowledgement=number < to_acknowledge,
        )


# The MASH coordinator --------------------------------------------------------------------------


@pytest.fixture
def mash_day(authority, mash):
    """Three notifications waiting (one at high risk, the oldest since Monday 09:00), two children
    missing now (one at high risk), one high-risk episode that ended this morning, one yesterday; two
    duties overdue, one due later today, others that do not count; and elsewhere, another council's."""
    for hours, risk in ((2, "medium"), (5, "high")):
        NotificationFactory(authority=authority, received_at=NOW - timedelta(hours=hours), risk_level=risk)
    NotificationFactory(authority=authority, received_at=datetime(2025, 6, 9, 9, 0, tzinfo=LONDON), risk_level="low")
    away = ChildFactory(authority=authority, given_name="Ash", family_name="Testhigh")
    open_high = EpisodeFactory(child=away, risk_level="high", started_at=NOW - timedelta(hours=7))
    medium = ChildFactory(authority=authority, given_name="Bo", family_name="Testmedium")
    EpisodeFactory(child=medium, risk_level="medium", started_at=NOW - timedelta(hours=3))
    back = ChildFactory(authority=authority, given_name="Cy", family_name="Testback")
    EpisodeFactory(child=back, risk_level="high", started_at=NOW - timedelta(hours=20),
                   returned_at=datetime(2025, 6, 11, 10, 30, tzinfo=LONDON))
    long_back = ChildFactory(authority=authority, given_name="Di", family_name="Testyesterday")
    EpisodeFactory(child=long_back, risk_level="high", started_at=NOW - timedelta(days=2),
                   returned_at=datetime(2025, 6, 10, 22, 0, tzinfo=LONDON))
    duty(away, open_high, "T12", NOW - timedelta(hours=2))
    duty(away, open_high, "T2", NOW - timedelta(days=1), status="overdue")
    duty(away, open_high, "T3", datetime(2025, 6, 11, 23, 59, 59, tzinfo=LONDON))
    duty(away, open_high, "T5", NOW + timedelta(days=1))
    duty(away, open_high, "T6", NOW + timedelta(hours=2), kind="notice")
    duty(away, open_high, "T10", NOW - timedelta(hours=1), status="done")
    notices(mash, away, open_high, unread=2, read=1, to_acknowledge=1)
    elsewhere = LocalAuthorityFactory(name="Elsewhere Council")
    NotificationFactory(authority=elsewhere)
    far = ChildFactory(authority=elsewhere)
    far_episode = EpisodeFactory(child=far, risk_level="high")
    duty(far, far_episode, "T12", NOW - timedelta(hours=2))
    return {"away": away, "back": back, "long_back": long_back}


def test_mash_coordinator_sees_the_front_door_and_the_days_duties(signed_in, mash, mash_day):
    client = signed_in(mash)
    response = home(client)

    assert_sees(
        response,
        ["triage", "missing_now", "risk_meeting", "due", "inbox"],
        ["Home", "Triage queue", "Upload notifications", "Daily risk meeting", "Children", "Possible duplicates", "Placed in and out",
    "My interviews due",
         "Interview timeliness", "Missing education", "Panels", "Action tracker", "Missing now", "Returns",
         "Dashboard", "Due and overdue", "Inbox (2 unread)"],
    )
    triage = body(response, "triage")
    assert f'href="{reverse("missing:triage_queue")}"' in triage
    assert ">3</span> notifications waiting</a>" in triage
    assert "1 at high risk" in triage
    assert "The oldest has waited 2 working days 6 hours." in triage

    missing_now = body(response, "missing_now")
    assert f'href="{reverse("missing:child_list")}?missing=now"' in missing_now
    assert ">2</span> children missing now</a>" in missing_now
    assert "1 at high risk" in missing_now

    meeting = body(response, "risk_meeting")
    assert f'href="{reverse("daily:meeting")}">Open the daily risk meeting</a>' in meeting
    assert "2 high-risk episodes today" in meeting
    assert meeting.index("Ash Testhigh") < meeting.index("Cy Testback")
    assert f'href="{reverse("missing:child_detail", args=[mash_day["away"].pk])}"' in meeting
    assert "Missing since Wed 11 Jun 08:00</span>" in meeting
    assert "Missing since Tue 10 Jun 19:00, returned today at 10:30" in meeting
    assert "Testyesterday" not in meeting and "Testmedium" not in meeting

    due = body(response, "due")
    assert "Every duty you can see" in due
    assert f'href="{reverse("clocks:due_list")}?when=overdue"><span class="casework-home-count">2</span> duties overdue' in due
    assert f'href="{reverse("clocks:due_list")}?when=today"><span class="casework-home-count">1</span> duty due later today' in due

    inbox = body(response, "inbox")
    assert ">2</span> unread notices</a>" in inbox and ">1</span> notice to acknowledge</a>" in inbox

    # The page names the high-risk children, and says so in the record access log.
    logged = set(RecordAccess.objects.filter(user=mash, path="/").values_list("child_id", flat=True))
    assert logged == {mash_day["away"].pk, mash_day["back"].pk}


def test_each_count_leads_to_a_screen_that_shows_exactly_those(signed_in, mash, mash_day):
    client = signed_in(mash)
    overdue = client.get(reverse("clocks:due_list"), {"when": "overdue"}).context["page"]
    assert sorted(d.rule for d in overdue) == ["T12", "T2"]
    today = client.get(reverse("clocks:due_list"), {"when": "today"}).context["page"]
    assert [d.rule for d in today] == ["T3"]
    missing = client.get(reverse("missing:child_list"), {"missing": "now"})
    assert sorted(child.family_name for child in missing.context["page"]) == ["Testhigh", "Testmedium"]
    assert "2 children missing now" in missing.content.decode()
    assert client.get(reverse("missing:triage_queue")).context["count"] == 3


def test_home_costs_the_same_number_of_queries_for_a_little_or_a_lot(signed_in, mash, authority, mash_day):
    client = signed_in(mash)
    home(client)  # the first request after signing in records the session's activity (a write)
    with CaptureQueriesContext(connection) as few:
        home(client)
    for number in range(12):
        child = ChildFactory(authority=authority)
        episode = EpisodeFactory(child=child, risk_level="high", started_at=NOW - timedelta(hours=number + 1))
        duty(child, episode, "T12", NOW - timedelta(minutes=number + 1))
        NotificationFactory(authority=authority, risk_level="high")
    notices(mash, child, episode, unread=5)
    with CaptureQueriesContext(connection) as many:
        response = home(client)
    assert ">15</span> notifications waiting</a>" in body(response, "triage")
    assert "14 high-risk episodes today" in body(response, "risk_meeting")
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]


def test_live_counts_answer_204_until_something_changes(signed_in, mash, authority, mash_day, frozen):
    client = signed_in(mash)
    page = home(client)
    shown = page.context["signature"]
    assert f'hx-get="{reverse("home_live")}"' in page.content.decode()
    polled = RecordAccess.objects.filter(user=mash, path__startswith=reverse("home_live"))

    assert client.get(reverse("home_live"), {"shown": shown}, HTTP_X_CASEWORK_POLL="1").status_code == 204
    # Minutes passing change nothing the panels say: waits are told to the hour, times as times.
    frozen.shift(timedelta(minutes=20))
    assert client.get(reverse("home_live"), {"shown": shown}, HTTP_X_CASEWORK_POLL="1").status_code == 204
    assert not polled.exists()

    NotificationFactory(authority=authority, received_at=NOW - timedelta(minutes=5))
    changed = client.get(reverse("home_live"), {"shown": shown}, HTTP_X_CASEWORK_POLL="1")
    assert changed.status_code == 200
    swapped = changed.content.decode()
    assert 'id="home-panel-triage-body" hx-swap-oob="innerHTML"' in swapped
    assert ">4</span> notifications waiting</a>" in swapped
    assert 'id="home-shown" name="shown" value="' in swapped and shown not in swapped
    assert polled.count() == 2  # the risk meeting's children, shown again


# Agency workers --------------------------------------------------------------------------------

INTERVIEWERS = {
    AgencyKind.HEALTH: "health",
    AgencyKind.RETURN_INTERVIEW_SERVICE: "rhi_service",
    AgencyKind.EDUCATION: "teacher",
}


def returned_child(authority, mash, name, hours_back, now=NOW):
    """A child back from an episode `hours_back` before `now`: a return interview is offered."""
    child = ChildFactory(authority=authority, given_name=name, family_name="Testreturn")
    episode = episode_create(
        actor=mash, child=child, category="missing", started_at=now - timedelta(hours=hours_back + 10),
        reported_at=now - timedelta(hours=hours_back + 9), risk_level="medium", location_type="home",
    )
    episode_update(actor=mash, episode=episode, returned_at=now - timedelta(hours=hours_back))
    return child, episode


@pytest.mark.parametrize("kind", [*INTERVIEWERS, AgencyKind.POLICE])
def test_agency_worker_sees_their_own_work_only(signed_in, kind, agencies, authority, mash):
    worker = UserFactory(username=f"worker-{kind}", agency=agencies[kind], roles=[Role.AGENCY_STAFF])
    interviews = []
    if kind in INTERVIEWERS:
        for name, hours_back in (("Eli", 80), ("Fay", 10)):
            child, _ = returned_child(authority, mash, name, hours_back)
            interview = ReturnInterview.objects.get(child=child)
            return_interview_accept(actor=mash, interview=interview, interviewer=worker, interviewer_role=INTERVIEWERS[kind])
            interviews.append(interview)
        returned_child(authority, mash, "Gus", 5)  # an interview someone else holds
    mine = ChildFactory(authority=authority, allocated_worker=worker)
    episode = EpisodeFactory(child=mine)
    duty(mine, episode, "T12", NOW - timedelta(hours=1))
    notices(worker, mine, episode, unread=1)

    response = home(signed_in(worker))

    interviewing = kind in INTERVIEWERS
    expected_sections = ["Home", "Children"]
    expected_sections += ["My interviews due"] if interviewing else []
    expected_sections += ["Missing education"] if kind == AgencyKind.EDUCATION else []
    expected_sections += ["My actions", "Due and overdue", "Inbox (1 unread)"]
    assert_sees(response, ["due", *(["interviews"] if interviewing else []), "inbox"], expected_sections)
    due = body(response, "due")
    assert "Duties of the children and work that are yours." in due
    assert f'href="{reverse("clocks:due_list")}?scope=mine&amp;when=overdue"><span class="casework-home-count">1</span> duty overdue' in due
    assert ">1</span> unread notice</a>" in body(response, "inbox")
    if interviewing:
        panel = body(response, "interviews")
        assert ">2</span> interviews to hold</a>" in panel
        assert ">1</span> past its 72 hours</a>" in panel
        assert panel.index("Eli Testreturn") < panel.index("Fay Testreturn")
        assert 'Due Wed 11 Jun 07:00 <strong class="govuk-tag govuk-tag--red">Overdue</strong>' in panel
        assert "Due Sat 14 Jun 05:00</span>" in panel
        assert f'href="{reverse("interviews:detail", args=[interviews[0].pk])}"' in panel
        assert "Gus Testreturn" not in panel
        logged = set(RecordAccess.objects.filter(user=worker, path="/").values_list("child_id", flat=True))
        assert logged == {interview.child_id for interview in interviews}
    else:
        assert not RecordAccess.objects.filter(user=worker, path="/").exists()


def test_an_interviewers_home_costs_the_same_for_one_interview_or_many(signed_in, agencies, authority, mash):
    worker = UserFactory(username="rhi", agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])

    def assign(name, hours_back):
        child, _ = returned_child(authority, mash, name, hours_back)
        interview = ReturnInterview.objects.get(child=child)
        return_interview_accept(actor=mash, interview=interview, interviewer=worker, interviewer_role="rhi_service")

    assign("Jo", 10)
    client = signed_in(worker)
    home(client)  # the first request after signing in records the session's activity (a write)
    with CaptureQueriesContext(connection) as few:
        home(client)
    for number in range(7):
        assign(f"Kai{number}", 20 + number)
    with CaptureQueriesContext(connection) as many:
        response = home(client)
    assert ">8</span> interviews to hold</a>" in body(response, "interviews")
    assert body(response, "interviews").count("Testreturn</a>") == 5
    assert "All your interviews due</a>" in body(response, "interviews")
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]


# The panel chair, the strategic reader, the administrator ---------------------------------------


def test_panel_chair_sees_their_duties_and_notices(signed_in, agencies):
    chair = UserFactory(username="chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR, Role.PANEL_MEMBER])
    response = home(signed_in(chair))
    assert_sees(response, ["due", "next_meeting", "inbox"], ["Home", "Children", "Panels", "Intelligence", "My actions", "Action tracker", "Missing now",
                "Dashboard", "Quarterly reports", "Due and overdue", "Inbox"])
    assert "No meeting is scheduled for the panels you chair" in body(response, "next_meeting")
    assert ">0</span> duties overdue" in body(response, "due")
    assert ">0</span> unread notices" in body(response, "inbox")


def test_strategic_reader_sees_the_headline_figures_and_no_childs_record(signed_in, agencies, authority, mash, frozen):
    reader = UserFactory(username="board", agency=agencies[AgencyKind.OTHER], roles=[Role.STRATEGIC_READER])
    earlier = NOW - timedelta(hours=100)
    frozen.move_to(earlier)
    returned_child(authority, mash, "Hal", 0, now=earlier)  # offered at once, never held: late
    frozen.move_to(NOW)
    returned_child(authority, mash, "Ivy", 5)  # still inside its 72 hours: not counted yet

    response = home(signed_in(reader))

    assert_sees(response, ["inbox", "timeliness"], ["Home", "Interview timeliness", "Dashboard", "Quarterly reports", "Inbox"])
    panel = body(response, "timeliness")
    assert "Returns from 13 Mar 2025 to 11 Jun 2025: 1 interview counted." in panel
    assert "Offered within 72 hours</dt>\n    <dd class=\"govuk-summary-list__value\">100.0%" in panel
    assert "Held within 72 hours</dt>\n    <dd class=\"govuk-summary-list__value\">0.0%" in panel
    assert f'href="{reverse("interview_reports:timeliness")}?start=2025-03-13&amp;end=2025-06-11"' in panel
    assert "Hal" not in response.content.decode()
    assert not RecordAccess.objects.filter(user=reader).exists()


def test_administrator_sees_administration_and_not_the_mash_work(signed_in, admin_user, authority, mash_day):
    OutgoingEmail.objects.create(subject="Sent", body="-", to=["a@example.test"], status="sent", next_attempt_at=NOW)
    OutgoingEmail.objects.create(subject="Waiting", body="-", to=["a@example.test"], next_attempt_at=NOW)
    OutgoingEmail.objects.create(subject="Failing", body="-", to=["a@example.test"], next_attempt_at=NOW, attempts=3)
    client = signed_in(admin_user)

    response = home(client)

    assert_sees(response, ["inbox", "administration"],
                ["Home", "Children", "Returns", "Due and overdue", "Inbox", "Record access log", "Other councils", "Retention"])
    panel = body(response, "administration")
    assert ">1</span> email failing to send</a>" in panel and ">2</span> emails waiting to be sent</a>" in panel
    failing = client.get(reverse("admin:casework_outgoingemail_changelist"), {"status__exact": "pending", "attempts__gt": "0"})
    assert failing.status_code == 200
    assert [email.subject for email in failing.context["cl"].result_list] == ["Failing"]
    # Administrators may still open the MASH pages; their navigation and home are for their own work.
    assert client.get(reverse("missing:triage_queue")).status_code == 200


def test_a_user_with_no_role_sees_home_and_their_notices(signed_in, agencies):
    nobody = UserFactory(username="norole", agency=agencies[AgencyKind.HOUSING], roles=[])
    response = home(signed_in(nobody))
    assert_sees(response, ["inbox"], ["Home", "Inbox"])


# Navigation: the current section ---------------------------------------------------------------


def current_of(response):
    return [(item["text"], item["current"]) for item in response.context["nav_items"] if item["active"]]


def test_the_current_section_is_marked_on_its_pages_and_those_within_it(signed_in, mash, authority):
    child = ChildFactory(authority=authority)
    episode = EpisodeFactory(child=child)
    row = duty(child, episode, "T12", NOW + timedelta(hours=1))
    client = signed_in(mash)
    assert current_of(home(client)) == [("Home", True)]
    assert 'aria-current="page"><strong class="govuk-service-navigation__active-fallback">Home</strong>' in home(client).content.decode()
    assert current_of(client.get(reverse("missing:child_list"))) == [("Children", True)]
    detail = client.get(reverse("missing:child_detail", args=[child.pk]))
    assert current_of(detail) == [("Children", False)]
    assert 'aria-current="true"><strong class="govuk-service-navigation__active-fallback">Children</strong>' in detail.content.decode()
    assert current_of(client.get(reverse("missing:episode_edit", args=[episode.pk]))) == [("Children", False)]
    assert current_of(client.get(reverse("clocks:deadline_complete", args=[row.pk]))) == [("Due and overdue", False)]
    assert current_of(client.get(reverse("missing:triage_queue"))) == [("Triage queue", True)]
    two_factor = client.get(reverse("two_factor_setup"))
    assert current_of(two_factor) == []
    assert [(item["text"], item["current"]) for item in two_factor.context["account_items"]] == [("Two-factor sign-in", True)]


def test_signing_in_lands_on_home(client, mash):
    response = client.post(reverse("login"), {"username": "mash", "password": PASSWORD})
    assert response["Location"] == reverse("home")


def test_a_poll_builds_only_the_live_panels_and_the_signature_covers_only_them(agencies):
    reader = UserFactory(agency=agencies[AgencyKind.OTHER], roles=[Role.STRATEGIC_READER])
    assert [panel.key for panel in home_panels_for(reader, NOW)] == ["inbox", "timeliness"]
    assert [panel.key for panel in home_panels_for(reader, NOW, live_only=True)] == ["inbox"]
    assert live_signature(home_panels_for(reader, NOW)) == live_signature(home_panels_for(reader, NOW, live_only=True))
