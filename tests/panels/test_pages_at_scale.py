"""Issue 13 for the chair's pages: the suggested list ranked in the database gives what the rules in
missing.rules give, child by child; the agenda's signature worked out from its rows equals the one
the open screens poll; and the panel, agenda and minutes read as many queries for many children as
for few."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AgencyKind, Role
from missing.models import LegalStatus, Vulnerability
from panels import selectors, services
from panels.models import Frequency, PanelListEntry

from ..factories import ChildFactory, EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def panel(agencies, authority, time_machine):
    time_machine.move_to(NOW, tick=False)
    chair = UserFactory(username="chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR, Role.MASH_COORDINATOR])
    return services.panel_create(
        actor=chair, authority=authority, name="Exploitation group", frequency=Frequency.MONTHLY, chair=chair,
        member_agencies=[agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE)],
    )


def _episode(child, days_ago, *, hours=3, **fields):
    started = NOW - timedelta(days=days_ago)
    returned = None if hours is None else started + timedelta(hours=hours)
    return EpisodeFactory(child=child, started_at=started, reported_at=started + timedelta(minutes=10),
                          returned_at=returned, **fields)


def _in_python(panel, limit=50):
    """The same list worked out the old way: every episode of the window read and judged in Python."""
    with mock.patch.object(connection, "vendor", "sqlite"):
        return selectors.suggested_children(panel, limit=limit)


def _shown(items):
    return [(item["child"].given_name, item["reasons"]) for item in items]


def _children_for_every_reason(authority, n=0):
    old = date(NOW.year - 15, 1, 1)
    # Frequent and Threetimes both have two reasons (F1, and high risk or S1): ties are ranked by
    # family name, so theirs are fixed here rather than left to the factory's sequence.
    frequent = ChildFactory(authority=authority, given_name=f"Frequent{n}", family_name=f"Abbott{n}", date_of_birth=old)
    for days in (80, 50, 20):  # F1 (3 in 90 days), never 3 within 30 days (S1)
        _episode(frequent, days)
    high = ChildFactory(authority=authority, given_name=f"High{n}", date_of_birth=old)
    _episode(high, 10, risk_level="high")
    away = ChildFactory(authority=authority, given_name=f"Away{n}", date_of_birth=old)
    _episode(away, 4, hours=None)  # open for 4 days: over S6's 48 hours, and S3 not yet
    young = ChildFactory(authority=authority, given_name=f"Young{n}", date_of_birth=date(NOW.year - 10, 6, 1))
    _episode(young, 8)
    exploited = ChildFactory(authority=authority, given_name=f"Exploited{n}", date_of_birth=old,
                             vulnerabilities=[Vulnerability.CCE])
    _episode(exploited, 8)
    helped = ChildFactory(authority=authority, given_name=f"Helped{n}", date_of_birth=old,
                          legal_status=LegalStatus.CHILD_IN_NEED)
    _episode(helped, 8)
    harmed = ChildFactory(authority=authority, given_name=f"Harmed{n}", date_of_birth=old)
    _episode(harmed, 8, significant_harm=True)
    # S1: three episodes missing or absent within 30 days of the latest
    s1 = ChildFactory(authority=authority, given_name=f"Threetimes{n}", family_name=f"Yates{n}", date_of_birth=old)
    for days in (70, 60, 50):
        _episode(s1, days, category="absent")
    long_ago = ChildFactory(authority=authority, given_name=f"Longago{n}", date_of_birth=old)
    _episode(long_ago, 200, risk_level="high")  # outside the window
    quiet = ChildFactory(authority=authority, given_name=f"Quiet{n}", date_of_birth=old)
    _episode(quiet, 6)  # no reason at all
    return frequent


def test_the_suggested_list_ranked_in_the_database_is_the_list_the_rules_give(panel, authority):
    frequent = _children_for_every_reason(authority)
    listed = ChildFactory(authority=authority, given_name="Listed", date_of_birth=date(2011, 1, 1))
    _episode(listed, 3, risk_level="high")
    PanelListEntry.objects.create(panel=panel, child=listed, added_at=NOW - timedelta(days=1))
    _episode(frequent, 2, risk_level="high")  # two reasons: first in the list

    found = selectors.suggested_children(panel)

    assert _shown(found) == _shown(_in_python(panel))
    by_name = dict(_shown(found))
    assert list(by_name)[0] == "Frequent0"
    assert by_name["Frequent0"] == ["F1: frequently missing", "high police risk"]
    assert by_name["High0"] == ["high police risk"]
    assert by_name["Away0"] == ["missing over 48 hours", "strategy thresholds: S6"]
    assert by_name["Young0"] == ["strategy thresholds: S4"]
    assert by_name["Exploited0"] == ["strategy thresholds: S5"]
    assert by_name["Helped0"] == ["strategy thresholds: S5"]
    assert by_name["Harmed0"] == ["strategy thresholds: S2"]
    # Three within 30 days are also three within F1's 90 days.
    assert by_name["Threetimes0"] == ["F1: frequently missing", "strategy thresholds: S1"]
    assert not {"Longago0", "Quiet0", "Listed"} & set(by_name)


def test_the_suggested_list_keeps_its_order_and_limit_and_reads_the_same_queries_for_more_children(panel, authority):
    _children_for_every_reason(authority, 0)
    with CaptureQueriesContext(connection) as few:
        selectors.suggested_children(panel, limit=5)
    for n in range(1, 4):
        _children_for_every_reason(authority, n)
    with CaptureQueriesContext(connection) as many:
        found = selectors.suggested_children(panel, limit=5)

    assert len(found) == 5
    assert _shown(found) == _shown(_in_python(panel, limit=5))
    assert len(many) == len(few)


def test_the_agenda_signature_from_its_rows_is_the_one_the_screens_poll(panel, authority):
    chair = panel.chair
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=9))
    for n in range(3):
        child = ChildFactory(authority=authority, given_name=f"Listed{n}")
        _episode(child, 5)
        services.meeting_list_child(actor=chair, meeting=meeting, child=child)
    services.attendance_record(actor=chair, meeting=meeting, user=chair, present=True, confidentiality_agreed=True)
    assert selectors.agenda(meeting)["signature"] == selectors.agenda_signature(meeting)
    child = ChildFactory(authority=authority, given_name="Later")
    services.meeting_list_child(actor=chair, meeting=meeting, child=child)
    data = selectors.agenda(meeting)
    assert data["signature"] == selectors.agenda_signature(meeting)


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_panel_agenda_and_minutes_read_the_same_queries_for_more_children(panel, authority, signed_in):
    chair = panel.chair
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=9))
    services.attendance_record(actor=chair, meeting=meeting, user=chair, present=True, confidentiality_agreed=True)
    browser = signed_in(chair)
    urls = [f"/panels/{panel.pk}/", f"/panels/{panel.pk}/suggested/", f"/panels/meetings/{meeting.pk}/",
            f"/panels/meetings/{meeting.pk}/part2/"]

    def grow(n):
        for i in range(n):
            child = ChildFactory(authority=authority)
            _episode(child, 3 + i, risk_level="high")
            services.meeting_list_child(actor=chair, meeting=meeting, child=child)

    grow(2)
    few = [_queries(browser, url) for url in urls]
    grow(6)
    many = [_queries(browser, url) for url in urls]
    assert many == few
    page = browser.get(f"/panels/meetings/{meeting.pk}/").content.decode()
    child = meeting.listed.select_related("child").first().child
    assert f'action="/panels/meetings/{meeting.pk}/children/{child.pk}/rate/"' in page
    assert f'<option value="{panel.member_agencies.order_by("name").first().pk}">' in page


def test_each_listed_child_has_its_own_forms_with_its_name_escaped(panel, authority, signed_in):
    """The chair's forms are rendered once and stamped per child (casework.fragments)."""
    chair = panel.chair
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=9))
    services.attendance_record(actor=chair, meeting=meeting, user=chair, present=True, confidentiality_agreed=True)
    plain = ChildFactory(authority=authority, given_name="Plain", family_name="Child")
    odd = ChildFactory(authority=authority, given_name="<b>Bold</b>", family_name="O'Hara")
    for child in (plain, odd):
        services.meeting_list_child(actor=chair, meeting=meeting, child=child)
    services.decisions_record(actor=chair, meeting=meeting, child=odd, decisions="Refer to <CSE> team")
    page = signed_in(chair).get(f"/panels/meetings/{meeting.pk}/").content.decode()
    for child in (plain, odd):
        assert f'action="/panels/meetings/{meeting.pk}/children/{child.pk}/decisions/"' in page
        assert f'id="rating-{child.pk}-red"' in page and f'id="decisions-{child.pk}"' in page
    assert "Rating for Plain Child (P9)" in page
    assert "Rating for &lt;b&gt;Bold&lt;/b&gt; O&#x27;Hara (P9)" in page and "<b>Bold</b>" not in page
    assert f'id="decisions-{odd.pk}" name="decisions" rows="2">Refer to &lt;CSE&gt; team</textarea>' in page
    assert "\x00" not in page


def test_the_suggested_page_shows_twenty_a_page_in_the_ranked_order(panel, authority, signed_in):
    for n in range(3):
        _children_for_every_reason(authority, n)  # 8 suggested each: 24 in all
    ranked = [item["child"].full_name for item in _in_python(panel, limit=100)]
    assert len(ranked) == 24
    browser = signed_in(panel.chair)

    def names(page):
        html = browser.get(f"/panels/{panel.pk}/suggested/?page={page}").content.decode()
        return html, [name for name in ranked if f'<td class="govuk-table__cell">{name}</td>' in html]

    first, on_first = names(1)
    second, on_second = names(2)
    assert "24 children suggested" in first and "Page 1 of 2" in first
    assert len(on_first) == 20 and len(on_second) == 4 and set(on_first).isdisjoint(on_second)
    assert set(on_first) | set(on_second) == set(ranked)
    # Most reasons first: everyone with two reasons is on the first page.
    two = {item["child"].full_name for item in _in_python(panel, limit=100) if len(item["reasons"]) == 2}
    assert two <= set(on_first)
    assert names(99)[1] == on_second and names("x")[1] == on_first  # past the end: the last page; nonsense: the first
    assert names(10**19)[1] == on_second  # a number past any offset the database takes is the last page too
