"""The referral form (P17's question, P18's warning), the coordinator's queue and the suggested list."""

from datetime import UTC, datetime, timedelta

import pytest

from casework.models import AgencyKind, Role
from missing.services import episode_create
from panels import services
from panels.models import MeetingChild
from referrals.models import Referral

from ..factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def setting(time_machine, agencies, authority):
    time_machine.move_to(NOW, tick=False)
    chair = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_CHAIR])
    panel = services.panel_create(actor=chair, authority=authority, name="Group", frequency="monthly",
                                  member_agencies=[agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]])
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=35))
    return chair, panel, meeting


def test_the_form_asks_p17_and_warns_p18_and_refuses_without_the_cse_answer(signed_in, mash, setting, authority,
                                                                              row_counts):
    _, panel, meeting = setting
    child = ChildFactory(authority=authority)
    browser = signed_in(mash)
    page = browser.get(f"/panels/referrals/new/?child={child.pk}").content.decode()
    assert "child sexual exploitation risk assessment been considered? (P17)" in page
    assert "is not held for the panel (P18)" in page
    before = row_counts()
    refused = browser.post("/panels/referrals/new/", {"child": str(child.pk), "panel": str(panel.pk),
                                                      "reason": "Missing three times"})
    assert refused.status_code == 400 and row_counts() == before
    sent = browser.post("/panels/referrals/new/", {"child": str(child.pk), "panel": str(panel.pk),
                                                   "reason": "Missing three times", "cse_assessment": "requested"})
    assert sent.status_code == 302
    referral = Referral.objects.get()
    assert (referral.meeting, referral.cse_assessment, referral.late) == (meeting, "requested", False)


def test_the_queue_accepts_defers_and_declines(signed_in, mash, setting, authority):
    chair, panel, meeting = setting
    later = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=63))
    children = [ChildFactory(authority=authority, given_name=f"Queued{n}") for n in range(3)]
    from referrals.services import referral_create

    referrals = [referral_create(actor=mash, child=c, panel=panel, reason="Risk") for c in children]
    browser = signed_in(mash)
    assert "Queued0" in browser.get("/panels/referrals/").content.decode()
    browser.post(f"/panels/referrals/{referrals[0].pk}/decide/", {"decision": "accept"})
    browser.post(f"/panels/referrals/{referrals[1].pk}/decide/", {"decision": "defer", "reason": "Next month"})
    browser.post(f"/panels/referrals/{referrals[2].pk}/decide/", {"decision": "decline", "reason": "Not criteria"})
    statuses = {r.child.given_name: (r.status, r.meeting_id) for r in Referral.objects.select_related("child")}
    assert statuses == {"Queued0": ("accepted", meeting.pk), "Queued1": ("pending", later.pk),
                        "Queued2": ("declined", meeting.pk)}
    assert MeetingChild.objects.filter(meeting=meeting, child=children[0]).exists()
    outsider = UserFactory(agency=mash.agency, roles=[Role.AGENCY_STAFF])
    assert signed_in(outsider).post(f"/panels/referrals/{referrals[1].pk}/decide/",
                                    {"decision": "accept"}).status_code == 404


def test_the_suggested_list_offers_children_meeting_the_criteria_and_lists_them_in_one_click(
    signed_in, mash, setting, authority
):
    _, panel, meeting = setting
    frequent = ChildFactory(authority=authority, given_name="Frequent")
    quiet = ChildFactory(authority=authority, given_name="Quiet")
    for days in (20, 12, 5):
        episode = episode_create(actor=mash, child=frequent, category="missing", risk_level="medium",
                                 location_type="home", started_at=NOW - timedelta(days=days),
                                 reported_at=NOW - timedelta(days=days) + timedelta(minutes=5))
        from missing.services import episode_update

        episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(days=days) + timedelta(hours=3))
    episode = episode_create(actor=mash, child=quiet, category="absent", risk_level="low", location_type="home",
                             started_at=NOW - timedelta(days=3), reported_at=NOW - timedelta(days=3))
    from missing.services import episode_update

    episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(days=3) + timedelta(hours=1))
    browser = signed_in(mash)
    assert f'href="/panels/{panel.pk}/suggested/"' in browser.get(f"/panels/{panel.pk}/").content.decode()
    page = browser.get(f"/panels/{panel.pk}/suggested/").content.decode()
    assert "Frequent" in page and "F1: frequently missing" in page and "1 child suggested" in page
    assert "Quiet" not in page
    response = browser.post(f"/panels/{panel.pk}/suggested/{frequent.pk}/list/")
    assert response.status_code == 302 and response["Location"] == f"/panels/{panel.pk}/suggested/"
    assert MeetingChild.objects.filter(meeting=meeting, child=frequent).exists()
    after = browser.get(f"/panels/{panel.pk}/suggested/").content.decode()
    assert "0 children suggested" in after and "No child meets the criteria without being listed." in after
    # Only the panel's coordinators see the list; a stranger to the panel gets 404.
    outsider = UserFactory(agency=mash.agency, roles=[Role.AGENCY_STAFF])
    assert signed_in(outsider).get(f"/panels/{panel.pk}/suggested/").status_code == 404
