"""The MASH and child pages through Django's test client: who may open what, forms, triage, queries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import AgencyKind, Deadline, RecordAccess
from missing.models import MissingEpisode, NotificationKind, NotificationStatus, PoliceNotification
from missing.services import episode_create, episode_update, notification_triage
from missing.views import TRIAGE_PAGE_SIZE
from tests.factories import ChildFactory, EpisodeFactory, LocalAuthorityFactory, NotificationFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
# A Wednesday in British Summer Time, so local and UTC times differ by an hour.
NOW = datetime(2025, 6, 11, 15, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def browser_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def content(response):
    return response.content.decode()


def triage(client, notification, child, **extra):
    """Press a one-click button on the queue: `child` is a child's id, or "" for a new child."""
    return client.post(reverse("missing:triage_queue"), {"notification": str(notification.pk), "child": child}, **extra)


# Triage queue ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["triage_queue", "triage_queue_fragment", "notification_upload"])
def test_mash_pages_are_not_found_for_other_agencies(browser_for, police, health_worker, name):
    for user in (police, health_worker):
        assert browser_for(user).get(reverse(f"missing:{name}")).status_code == 404


def test_mash_pages_send_anonymous_people_to_sign_in(client):
    response = client.get(reverse("missing:triage_queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_queue_orders_by_risk_then_age_and_shows_working_age(browser_for, mash, authority, frozen):
    # Received on Friday 17:00: by Wednesday 15:00 the weekend does not count (N5).
    friday = datetime(2025, 6, 6, 17, 0, tzinfo=LONDON)
    old_low = NotificationFactory(authority=authority, risk_level="low", received_at=friday, occurred_at=friday)
    new_high = NotificationFactory(
        authority=authority, risk_level="high", received_at=NOW - timedelta(hours=1), occurred_at=NOW - timedelta(hours=2)
    )
    old_high = NotificationFactory(
        authority=authority, risk_level="high", received_at=NOW - timedelta(hours=5), occurred_at=NOW - timedelta(hours=6)
    )
    NotificationFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"), risk_level="high")

    page = content(browser_for(mash).get(reverse("missing:triage_queue")))

    positions = [page.index(f"notification-{n.pk}") for n in (old_high, new_high, old_low)]
    assert positions == sorted(positions)
    assert "3 notifications waiting for triage" in page
    assert "2 working days 22 hours" in page
    assert "High risk" in page and "Low risk" in page


def test_queue_shows_likely_children_and_why(browser_for, mash, authority, frozen):
    child = ChildFactory(authority=authority, given_name="Rowan", family_name="Testwood", police_person_id="PP-77")
    NotificationFactory(
        authority=authority, child_given_name="Ro", child_family_name="Testwood", police_person_id="PP-77",
        child_date_of_birth=child.date_of_birth,
    )

    page = content(browser_for(mash).get(reverse("missing:triage_queue")))

    assert "Link to Rowan Testwood" in page
    assert "Same police person id" in page
    assert "Same date of birth" in page
    assert "Create new child record" in page


def test_found_notification_offers_the_open_episode_it_closes(browser_for, mash, authority, frozen):
    child = ChildFactory(authority=authority, given_name="Sky", family_name="Testbrook")
    EpisodeFactory(child=child, started_at=NOW - timedelta(hours=30), police_ref="OPEN-1")
    found = NotificationFactory(
        authority=authority, kind=NotificationKind.FOUND, child_given_name="Sky", child_family_name="Testbrook",
        child_date_of_birth=date(2001, 1, 1), occurred_at=NOW - timedelta(hours=1),
    )

    page = content(browser_for(mash).get(reverse("missing:triage_queue")))

    card = page[page.index(f"notification-{found.pk}"):]
    assert "Open episode it closes" in card
    assert "(OPEN-1)" in card
    assert "Link to Sky Testbrook" in card
    assert "Create new child record" not in card


def test_the_queue_shows_what_agrees_and_what_does_not(browser_for, mash, authority, frozen):
    """N2: a candidate found by police person id alone waits, showing the disagreement to a person."""
    child = ChildFactory(authority=authority, given_name="Lee", family_name="Firstrecord", police_person_id="PP-7",
                         date_of_birth=date(2012, 1, 1))
    notification = NotificationFactory(authority=authority, police_person_id="PP-7", child_given_name="Lee",
                                       child_family_name="Firstrecord", child_date_of_birth=date(2012, 6, 6))
    page = content(browser_for(mash).get(reverse("missing:triage_queue")))
    card = page[page.index(f"notification-{notification.pk}"):]
    assert "What agrees" in card and "What does not" in card
    assert "Same police person id" in card and "Same name" in card
    assert "Different date of birth" in card
    assert f"Link to {child.full_name}" in card


def test_link_to_child_opens_an_episode_and_says_so(browser_for, mash, authority, frozen):
    child = ChildFactory(authority=authority, police_person_id="PP-1")
    notification = NotificationFactory(authority=authority, police_person_id="PP-1", child_date_of_birth=child.date_of_birth)
    client = browser_for(mash)

    response = triage(client, notification, str(child.pk))

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.LINKED and notification.child == child
    assert notification.episode.returned_at is None
    page = content(client.get(response["Location"]))
    assert f'href="{reverse("missing:child_detail", args=[child.pk])}"' in page
    assert f"Notification {notification.source_ref} is linked to" in page
    assert "A new missing episode is open" in page
    assert "Success" not in content(client.get(reverse("missing:triage_queue")))


def test_create_new_child_from_a_notification(browser_for, mash, authority, frozen):
    notification = NotificationFactory(authority=authority, child_given_name="Noa", child_family_name="Testfield")
    client = browser_for(mash)

    response = triage(client, notification, "", follow=True)

    notification.refresh_from_db()
    assert notification.child.full_name == "Noa Testfield"
    assert "A new child record was created." in content(response)


def test_second_coordinator_is_told_who_triaged_first(browser_for, mash, agencies, authority, frozen):
    other = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=["mash_coordinator"], first_name="Alex",
                        last_name="Quick")
    notification = NotificationFactory(authority=authority)
    notification_triage(actor=other, notification=notification, child=None)

    response = triage(browser_for(mash), notification, "")

    assert response.status_code == 409
    page = content(response)
    assert "There is a problem" in page
    assert "already triaged by Alex Quick" in page
    assert PoliceNotification.objects.get(pk=notification.pk).triaged_by == other


def test_found_with_no_open_episode_is_an_error_summary(browser_for, mash, authority, frozen):
    child = ChildFactory(authority=authority)
    found = NotificationFactory(authority=authority, kind=NotificationKind.FOUND, occurred_at=NOW - timedelta(hours=1))

    response = triage(browser_for(mash), found, str(child.pk))

    assert response.status_code == 400
    page = content(response)
    assert "There is a problem" in page
    assert "no open episode" in page
    assert f'href="#notification-{found.pk}"' in page
    found.refresh_from_db()
    assert found.status == NotificationStatus.PENDING


def test_triage_refuses_a_child_the_coordinator_cannot_see(browser_for, mash, authority, frozen):
    stranger = ChildFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"))
    notification = NotificationFactory(authority=authority)

    for value in (str(stranger.pk), "not-an-id"):
        response = triage(browser_for(mash), notification, value)
        assert response.status_code == 400
        assert "There is a problem" in content(response)
    assert PoliceNotification.objects.get(pk=notification.pk).status == NotificationStatus.PENDING


def test_triage_hides_other_authorities_and_needs_a_notification(browser_for, mash, police, authority, frozen):
    elsewhere = NotificationFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"))
    mine = NotificationFactory(authority=authority)
    client = browser_for(mash)

    assert triage(client, elsewhere, "").status_code == 404
    response = client.post(reverse("missing:triage_queue"), {"child": ""})
    assert response.status_code == 400 and "There is a problem" in content(response)
    assert triage(browser_for(police), mine, "").status_code == 404


def test_queue_polls_with_the_header_that_is_not_activity(browser_for, mash, authority, frozen):
    page = content(browser_for(mash).get(reverse("missing:triage_queue")))

    assert 'hx-trigger="every 10s"' in page
    assert "hx-headers='{\"X-Casework-Poll\": \"1\"}'" in page
    assert 'aria-live="polite"' in page


def test_fragment_answers_204_until_the_queue_changes(browser_for, mash, authority, frozen):
    NotificationFactory(authority=authority)
    client = browser_for(mash)
    url = reverse("missing:triage_queue_fragment")
    first = client.get(url, HTTP_HX_REQUEST="true", HTTP_X_CASEWORK_POLL="1")
    signature = first.context["signature"]

    assert client.get(url, {"shown": signature}, HTTP_X_CASEWORK_POLL="1").status_code == 204

    arrived = NotificationFactory(authority=authority, child_given_name="Newly", child_family_name="Arrived")
    response = client.get(url, {"shown": signature}, HTTP_X_CASEWORK_POLL="1")
    assert response.status_code == 200
    page = content(response)
    assert f"notification-{arrived.pk}" in page
    assert 'hx-swap-oob="innerHTML"' in page
    assert "2 notifications waiting for triage" in page


def _queue_with(authority, numbers):
    for number in numbers:
        child = ChildFactory(authority=authority, police_person_id=f"PP-{number}")
        EpisodeFactory(child=child, started_at=NOW - timedelta(days=1))
        NotificationFactory(
            authority=authority, police_person_id=child.police_person_id, child_date_of_birth=child.date_of_birth,
            kind=NotificationKind.FOUND if number % 2 else NotificationKind.MISSING,
        )


def test_queue_takes_the_same_number_of_queries_for_3_or_30(
    browser_for, mash, authority, frozen, django_assert_max_num_queries
):
    client = browser_for(mash)
    _queue_with(authority, range(3))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("missing:triage_queue")).status_code == 200
    _queue_with(authority, range(3, 30))

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("missing:triage_queue"))

    assert "30 notifications waiting for triage" in content(response)
    assert content(response).count("Link to ") == TRIAGE_PAGE_SIZE  # one likely child each, the first page


# Children --------------------------------------------------------------------------------------


def test_child_list_shows_status_and_respects_visibility(browser_for, mash, health_worker, agencies, authority, frozen):
    missing_now = ChildFactory(authority=authority, family_name="Testmissing")
    EpisodeFactory(child=missing_now, started_at=NOW - timedelta(hours=3))
    led_by_health = ChildFactory(authority=authority, family_name="Testhealth", lead_agency=agencies[AgencyKind.HEALTH])

    page = content(browser_for(mash).get(reverse("missing:child_list")))
    assert "Testmissing" in page and "Testhealth" in page
    assert "govuk-tag--red\">Missing" in page
    assert "Add a child" in page

    page = content(browser_for(health_worker).get(reverse("missing:child_list")))
    assert "Testhealth" in page and "Testmissing" not in page
    assert "Add a child" not in page
    searched = browser_for(health_worker).get(reverse("missing:child_list"), {"q": "testhealth"})
    assert led_by_health.family_name in content(searched)


def test_child_list_can_show_only_the_children_missing_now(browser_for, mash, authority, frozen):
    missing_now = ChildFactory(authority=authority, family_name="Testaway")
    EpisodeFactory(child=missing_now, started_at=NOW - timedelta(hours=3))
    back = ChildFactory(authority=authority, family_name="Testback")
    EpisodeFactory(child=back, started_at=NOW - timedelta(hours=9), returned_at=NOW - timedelta(hours=1))
    ChildFactory(authority=authority, family_name="Testnever")
    client = browser_for(mash)

    response = client.get(reverse("missing:child_list"), {"missing": "now"})
    assert [child.family_name for child in response.context["page"]] == ["Testaway"]
    assert "1 child missing now</caption>" in content(response)
    assert 'name="missing" type="checkbox" value="now" checked' in content(response)
    searched = client.get(reverse("missing:child_list"), {"missing": "now", "q": "testback"})
    assert list(searched.context["page"]) == []
    assert searched.context["query_string"] == "q=testback&missing=now"
    assert len(client.get(reverse("missing:child_list")).context["page"]) == 3


def test_child_detail_for_coordinator_shows_identity_flags_and_timeline(browser_for, mash, authority, frozen):
    child = ChildFactory(
        authority=authority, date_of_birth=date(2014, 1, 2), vulnerabilities=["cse"], school="Test Academy",
        placed_out_of_area=True,
    )
    EpisodeFactory(child=child, started_at=NOW - timedelta(days=20), police_ref="EP-OLD",
                   returned_at=NOW - timedelta(days=19), found_location="Test park")
    EpisodeFactory(child=child, started_at=NOW - timedelta(hours=50), police_ref="EP-NEW", significant_harm=True)

    response = browser_for(mash).get(reverse("missing:child_detail", args=[child.pk]))

    page = content(response)
    assert "Missing now" in page and "Record an episode" in page and "Edit details" in page
    assert "(aged 11)" in page and "Child sexual exploitation" in page and "Test Academy" in page
    for rule, text in [("S2", "judged at risk of significant harm"), ("S4", "aged 11 at the start"),
                       ("S5", "additional vulnerability: child sexual exploitation"), ("S6", "missing 48 hours or longer")]:
        assert f"{rule}</strong> {text}" in page
    assert page.index("EP-NEW") < page.index("EP-OLD")
    assert "Test park" in page and "1\xa0day" in page
    assert 'id="deadlines"' in page
    assert RecordAccess.objects.filter(user=mash, child_id=child.pk, channel="page").count() == 1


def test_child_detail_is_read_only_for_an_involved_agency_and_hidden_from_others(
    browser_for, health_worker, police, agencies, authority, frozen
):
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH])
    EpisodeFactory(child=child)

    page = content(browser_for(health_worker).get(reverse("missing:child_detail", args=[child.pk])))
    assert child.full_name in page
    assert "Edit details" not in page and "Record an episode" not in page and "Record return" not in page
    assert browser_for(health_worker).get(reverse("missing:child_edit", args=[child.pk])).status_code == 403
    assert browser_for(health_worker).get(reverse("missing:episode_create", args=[child.pk])).status_code == 403
    assert browser_for(health_worker).get(reverse("missing:child_create")).status_code == 404

    assert browser_for(police).get(reverse("missing:child_detail", args=[child.pk])).status_code == 404
    assert browser_for(police).get(reverse("missing:child_edit", args=[child.pk])).status_code == 404


def test_child_page_shows_deadline_chips_with_rule_numbers_and_source(browser_for, mash, authority, frozen):
    child = ChildFactory(authority=authority)
    page = content(browser_for(mash).get(reverse("missing:child_detail", args=[child.pk])))
    assert "No deadline is running." in page

    episode = episode_create(actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=30),
                             reported_at=NOW - timedelta(hours=29), risk_level="medium", location_type="home")
    episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(hours=2))
    page = content(browser_for(mash).get(reverse("missing:child_detail", args=[child.pk])))
    assert "due in 2 days 22 hours" in page
    assert "Return home interview offered and held due" in page
    assert "T1, 72 hours from the return, Waltham Forest practice guidance §9" in page
    t1 = Deadline.objects.get(child_id=child.pk, rule="T1")
    assert reverse("clocks:deadline_complete", args=[t1.pk]) in page


def test_add_child_form_shows_errors_and_saves_nothing(browser_for, mash, frozen):
    client = browser_for(mash)
    assert client.get(reverse("missing:child_create")).status_code == 200
    response = client.post(reverse("missing:child_create"), {})
    assert response.status_code == 400
    assert "Enter the child&#x27;s given name" in content(response) and "Enter the date of birth" in content(response)

    response = client.post(reverse("missing:child_create"), {"given_name": "", "family_name": "Testless",
                                                             "date_of_birth": "2030-01-01", "gender": "not_known",
                                                             "legal_status": "none"})
    assert response.status_code == 400
    page = content(response)
    assert "There is a problem" in page and 'href="#id_given_name"' in page

    response = client.post(reverse("missing:child_create"), {"given_name": "Old", "family_name": "Testless",
                                                             "date_of_birth": "2000-01-01", "gender": "not_known",
                                                             "legal_status": "none"})
    assert response.status_code == 400
    assert "outside the scope of the protocol" in content(response)
    assert 'id="id_date_of_birth-error"' in content(response)
    assert not mash.agency.authority.children.exists()


def test_add_and_edit_a_child(browser_for, mash, agencies, authority, frozen):
    client = browser_for(mash)
    response = client.post(reverse("missing:child_create"), {
        "given_name": "Jo", "family_name": "Testadded", "date_of_birth": "2012-03-04", "gender": "female",
        "legal_status": "looked_after", "vulnerabilities": ["cce", "gangs"],
        "lead_agency": str(agencies[AgencyKind.HEALTH].pk),
        "placed_by_other_authority": "on", "responsible_authority": "Another Test Council",
    })
    child = authority.children.get(family_name="Testadded")
    assert response["Location"] == reverse("missing:child_detail", args=[child.pk])
    assert child.vulnerabilities == ["cce", "gangs"] and child.placed_by_other_authority

    form = client.get(reverse("missing:child_edit", args=[child.pk]))
    assert 'value="Testadded"' in content(form)
    data = {**form.context["form"].initial, "school": "Test High", "lead_agency": str(child.lead_agency_id),
            "date_of_birth": "2012-03-04", "allocated_worker": "", "placed_by_other_authority": "on"}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    response = client.post(reverse("missing:child_edit", args=[child.pk]), data)
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.school == "Test High" and child.family_name == "Testadded"
    assert child.history.count() == 2


def test_record_an_episode_in_uk_time_and_its_errors(browser_for, mash, authority, frozen):
    child = ChildFactory(authority=authority)
    client = browser_for(mash)
    url = reverse("missing:episode_create", args=[child.pk])
    base = {"category": "missing", "risk_level": "high", "location_type": "home",
            "started_at": "2025-06-10T22:30", "reported_at": "2025-06-10T23:00"}

    response = client.post(url, {**base, "returned_at": "2025-06-10T21:00"})
    assert response.status_code == 400
    assert "The return time cannot be before the start of the episode." in content(response)
    assert 'href="#id_returned_at"' in content(response)
    response = client.post(url, {**base, "category": "wandering", "started_at": "yesterday"})
    assert response.status_code == 400
    assert 'href="#id_category_0"' in content(response) and 'href="#id_started_at"' in content(response)
    assert not MissingEpisode.objects.exists()

    assert client.post(url, base).status_code == 302
    episode = MissingEpisode.objects.get(child=child)
    assert episode.started_at == datetime(2025, 6, 10, 21, 30, tzinfo=UTC)

    response = client.post(url, base)
    assert response.status_code == 400
    assert "already has an open episode" in content(response)


def test_record_a_return_on_an_episode(browser_for, mash, health_worker, agencies, authority, frozen):
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH])
    episode = EpisodeFactory(child=child, started_at=datetime(2025, 6, 10, 8, 15, 42, tzinfo=LONDON),
                             reported_at=datetime(2025, 6, 10, 9, 0, tzinfo=LONDON))
    client = browser_for(mash)
    url = reverse("missing:episode_edit", args=[episode.pk])
    form = client.get(url)
    assert 'value="2025-06-10T08:15"' in content(form)

    data = {k: v for k, v in form.context["form"].initial.items() if v not in (None, False, "")}
    data.update({"started_at": "2025-06-10T08:15", "reported_at": "2025-06-10T09:00", "returned_at": "2025-06-12T09:00"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "The return time cannot be in the future." in content(response)

    data.update({"returned_at": "2025-06-11T10:00", "found_location": "Test station"})
    assert client.post(url, data).status_code == 302
    episode.refresh_from_db()
    assert episode.returned_at == datetime(2025, 6, 11, 9, 0, tzinfo=UTC)
    assert episode.started_at.second == 42
    assert episode.found_location == "Test station"

    assert browser_for(health_worker).post(url, data).status_code == 403
    assert client.get(reverse("missing:episode_edit", args=[MissingEpisode().pk])).status_code == 404


def test_polling_does_not_keep_an_idle_session_alive(browser_for, mash, authority, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    client = browser_for(mash)
    with time_machine.travel(NOW, tick=False) as traveller:
        assert client.get(reverse("missing:triage_queue")).status_code == 200
        for _ in range(4):
            traveller.shift(timedelta(minutes=10))
            client.get(reverse("missing:triage_queue_fragment"), HTTP_X_CASEWORK_POLL="1", HTTP_HX_REQUEST="true")

        response = client.get(reverse("missing:triage_queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_child_search_page_ignores_nul_characters(browser_for, mash, authority, frozen):
    ChildFactory(authority=authority, given_name="Nulsafe", family_name="Searchcase")
    response = browser_for(mash).get(reverse("missing:child_list"), {"q": "Nulsafe\x00"})
    assert response.status_code == 200
    assert "Searchcase" in content(response)
