"""The pages: My actions with its in-place update, an action's timeline, the tracker with its
filters, figures, stuck list and CSV, and recording a strategy meeting from the GOV.UK form."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from actions.models import Action, ChildMeeting
from actions.selectors import csv_safe
from casework.calendar import LONDON, local_date
from casework.clocks.services import deadlines_sweep
from casework.models import Deadline, RecordAccess
from missing.clocks.kind import EPISODE
from missing.services import episode_create

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.ACTION_EVIDENCE_ROOT = tmp_path / "evidence"


def test_my_actions_lists_mine_and_my_agencys_soonest_first_with_overdue_marked(
    signed_in, at_monday, make_action, people, agencies
):
    later = make_action(due_date=date(2026, 3, 20), description="Later one")
    sooner = make_action(owner=people["colleague"], due_date=date(2026, 3, 3), description="Sooner one")
    make_action(owner_agency=agencies["police"], owner=None, description="The police's one")
    at_monday.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)
    page = signed_in(people["worker"]).get("/actions/mine/").content.decode()
    assert page.index("Sooner one") < page.index("Later one")
    assert "The police&#x27;s one" not in page and "The police's one" not in page
    assert "Overdue by 2 days" in page
    assert "1 action overdue" in page
    assert RecordAccess.objects.filter(user=people["worker"], child_id=sooner.child_id).exists()
    assert later.pk


def test_an_update_with_evidence_completes_the_action_in_place(signed_in, action, people):
    client = signed_in(people["worker"])
    response = client.post(
        f"/actions/{action.pk}/update/",
        {"update": "Appointment booked.", "status": "done", "next": "mine",
         "evidence": SimpleUploadedFile("booking.pdf", PDF)},
    )
    assert response.status_code == 302 and response["Location"] == "/actions/mine/"
    action.refresh_from_db()
    assert action.status == "done"
    detail = client.get(f"/actions/{action.pk}/").content.decode()
    assert "Appointment booked." in detail and "booking.pdf" in detail
    evidence = action.evidence.get()
    assert client.get(f"/actions/{action.pk}/evidence/{evidence.pk}/").status_code == 200


def test_the_action_page_is_404_to_whoever_cannot_see_it_and_403_to_change(signed_in, action, people, mash):
    assert signed_in(people["outsider"]).get(f"/actions/{action.pk}/").status_code == 404
    client = signed_in(mash)
    assert client.get(f"/actions/{action.pk}/").status_code == 200
    assert client.post(f"/actions/{action.pk}/update/", {"update": "x", "status": "open"}).status_code == 403


def test_the_tracker_filters_counts_and_lists_the_stuck(signed_in, at_monday, make_action, people, agencies, mash):
    stuck = make_action(description="Stuck for weeks")
    done_on_time = make_action(owner=people["colleague"], due_date=date(2026, 3, 10), description="On time")
    police = make_action(owner_agency=agencies["police"], owner=None, due_date=date(2026, 4, 1), description="Police")
    from actions.services import action_update

    action_update(actor=people["colleague"], action=done_on_time, status="done", text="Done.")
    at_monday.move_to(datetime(2026, 3, 5, 9, 0, tzinfo=LONDON), tick=False)
    deadlines_sweep()
    at_monday.move_to(datetime(2026, 3, 12, 9, 0, tzinfo=LONDON), tick=False)
    deadlines_sweep()
    client = signed_in(people["chair"])
    page = client.get("/actions/tracker/").content.decode()
    stuck_part = page[page.index('id="stuck"'):page.index('id="actions"')]
    assert "Stuck for weeks" in stuck_part and "On time" not in stuck_part
    figures = page[page.index('id="figures"'):page.index('id="stuck"')]
    assert "Demo Health" in figures and "50%" in figures  # one done on time, one overdue
    filtered = client.get(f"/actions/tracker/?agency={agencies['police'].pk}").content.decode()
    listed = filtered[filtered.index('id="actions"'):]
    assert "Police" in listed and "Stuck for weeks" not in listed
    # The stuck list is of the actions the filters match: the health action is not police's.
    assert "No action is stuck." in filtered[filtered.index('id="stuck"'):filtered.index('id="actions"')]
    detail = client.get(f"/actions/{stuck.pk}/").content.decode()
    assert "Overdue by 8 days" in detail  # due 4 March: the action's own page says how late it is
    overdue = client.get("/actions/tracker/?overdue=yes").content.decode()
    listed = overdue[overdue.index('id="actions"'):]
    assert "Stuck for weeks" in listed and "On time" not in listed
    assert police.pk and stuck.pk
    assert signed_in(people["outsider"]).get("/actions/tracker/").status_code == 403
    assert signed_in(mash).get("/actions/tracker/").status_code == 200


def test_the_tracker_csv_neutralises_formulas(signed_in, at_monday, make_action, people):
    make_action(description="=HYPERLINK(\"http://evil.example\",\"click\")", success_measure="+1 attended")
    make_action(description="@SUM(A1)", success_measure="-2 missed sessions")
    response = signed_in(people["chair"]).get("/actions/tracker/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["description"] for r in rows} == {"'=HYPERLINK(\"http://evil.example\",\"click\")", "'@SUM(A1)"}
    assert {r["success_measure"] for r in rows} == {"'+1 attended", "'-2 missed sessions"}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))


def test_csv_safe_leaves_ordinary_text_alone():
    assert csv_safe("Call the school") == "Call the school"
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe("\t=1") == "'\t=1"
    assert csv_safe(None) == ""
    assert csv_safe(3) == "3"


def test_recording_a_strategy_meeting_on_the_page_completes_t2_and_opens_t13(signed_in, mash, child):
    started = timezone.now() - timedelta(hours=6)
    episode_create(actor=mash, child=child, category="missing", risk_level="high", location_type="home",
                   started_at=started, reported_at=started + timedelta(minutes=30), significant_harm=True)
    client = signed_in(mash)
    assert "Meetings and actions" in client.get(f"/missing/children/{child.pk}/").content.decode()
    form = client.get(f"/actions/children/{child.pk}/meetings/new/")
    assert "Section 47" in form.content.decode() and "push/ pull" not in form.content.decode()
    held = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/actions/children/{child.pk}/meetings/new/", {
        "kind": "strategy", "held_at": held,
        "attendees": "Sam Lee, missing persons officer, Police\nJo Park, social worker, CSC",
        "harm_level": "high", "exploitation_risks": ["sexual_exploitation", "person_posing_risk"],
        "risk_summary": "Seen with older men.", "decisions": "S47 enquiry starts.", "section_47": "yes",
        "review_date": (local_date(timezone.now()) + timedelta(days=28)).isoformat(),
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = ChildMeeting.objects.get()
    assert meeting.attendees[0] == {"name": "Sam Lee", "role": "missing persons officer", "agency": "Police"}
    assert meeting.section_47 is True
    t2 = Deadline.objects.get(subject_type=EPISODE, child_id=child.pk, rule="T2")
    assert t2.status == "done"
    assert Deadline.objects.filter(subject_type=EPISODE, child_id=child.pk, rule="T13", status="open").exists()
    page = client.get(response["Location"]).content.decode()
    assert "recorded done by this meeting" in page
    due = (local_date(timezone.now()) + timedelta(days=7)).isoformat()
    response = client.post(f"/actions/children/{child.pk}/new/?meeting={meeting.pk}", {
        "description": "Refer to the CSE service", "success_measure": "Referral accepted",
        "owner_agency": str(mash.agency_id), "owner": "", "due_date": due,
    })
    assert response.status_code == 302
    assert Action.objects.get().meeting == meeting
    pdf = client.get(f"/actions/meetings/{meeting.pk}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Refer to the CSE" in text and "Sam Lee" in text, text


def test_a_bad_meeting_form_shows_its_errors(signed_in, mash, child):
    response = signed_in(mash).post(f"/actions/children/{child.pk}/meetings/new/", {"kind": "strategy"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert not ChildMeeting.objects.exists()


def test_the_action_form_refuses_a_past_due_date(signed_in, mash, child):
    response = signed_in(mash).post(f"/actions/children/{child.pk}/new/", {
        "description": "Something", "success_measure": "Measured", "owner_agency": str(mash.agency_id),
        "due_date": "2020-01-01",
    })
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
