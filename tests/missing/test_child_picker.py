"""The referral and education-open forms choose the child by id, never by listing every child: a
search box (at most 20 matches) or the child's page gives the id, and a POST is checked against the
children the user may see."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AgencyKind, RecordAccess, Role
from missing.child_picker import SEARCH_LIMIT
from missing.models import EducationCase
from panels import services as panel_services
from referrals.models import Referral

from ..factories import AgencyFactory, ChildFactory, LocalAuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REFER, EDUCATION = "/panels/referrals/new/", "/education/new/"


@pytest.fixture
def panel(time_machine, agencies, authority):
    time_machine.move_to(NOW, tick=False)
    chair = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_CHAIR])
    panel = panel_services.panel_create(actor=chair, authority=authority, name="Group", frequency="monthly",
                                        member_agencies=[agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]])
    panel_services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=35))
    return panel


@pytest.fixture
def stranger():
    """A child of another authority: the MASH of this one may not see it."""
    other = LocalAuthorityFactory(name="Other Borough Council")
    return ChildFactory(authority=other, lead_agency=AgencyFactory(authority=other, kind=AgencyKind.EDUCATION),
                        given_name="Aastranger", family_name="Pickable")


def _queries(browser, path):
    browser.get(path)  # the first request of a session may fill caches
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(path)
    assert response.status_code == 200
    return len(captured)


def _children(authority, count, start=0):
    return [ChildFactory(authority=authority, given_name=f"Kid{n}", family_name="Pickable")
            for n in range(start, start + count)]


@pytest.mark.parametrize("page", [REFER, EDUCATION])
def test_the_form_makes_as_many_queries_with_50_visible_children_as_with_5(page, signed_in, mash, panel, authority):
    browser = signed_in(mash)
    few = _children(authority, 5)
    paths = [page, f"{page}?q=Pickable", f"{page}?child={few[0].pk}"]
    small = [_queries(browser, path) for path in paths]
    _children(authority, 45, start=5)
    assert [_queries(browser, path) for path in paths] == small


@pytest.mark.parametrize("page", [REFER, EDUCATION])
def test_the_search_lists_at_most_20_visible_children_each_picked_by_a_link(page, signed_in, mash, panel, authority,
                                                                             stranger):
    browser = signed_in(mash)
    kids = _children(authority, 25)
    blank = browser.get(page).content.decode()
    assert 'name="q"' in blank and 'for="id_child"' in blank and "Kid0" not in blank
    found = browser.get(f"{page}?q=pickable").content.decode()
    assert found.count(f'href="{page}?child=') == SEARCH_LIMIT
    assert "Aastranger" not in found
    assert RecordAccess.objects.filter(user=mash, query="pickable").count() == SEARCH_LIMIT
    one = browser.get(f"{page}?q=Kid7").content.decode()
    assert f'href="{page}?child={kids[7].pk}"' in one and "Kid8" not in one
    chosen = browser.get(f"{page}?child={kids[7].pk}").content.decode()
    assert "Kid7 Pickable" in chosen and f'value="{kids[7].pk}"' in chosen and 'name="q"' not in chosen
    assert browser.get(f"{page}?child={stranger.pk}").status_code == 404
    assert browser.get(f"{page}?child=not-an-id").status_code == 404
    assert "No child you can see matches" in browser.get(f"{page}?q=Nobody").content.decode()


def test_a_referral_for_an_invisible_child_is_refused_and_nothing_saved(signed_in, mash, panel, stranger,
                                                                        row_counts):
    browser = signed_in(mash)
    before = row_counts()
    for child_id in (str(stranger.pk), "not-an-id", ""):
        refused = browser.post(REFER, {"child": child_id, "panel": str(panel.pk), "reason": "Missing three times",
                                       "cse_assessment": "requested"})
        page = refused.content.decode()
        assert refused.status_code == 400
        assert "There is a problem" in page and 'href="#id_child"' in page and 'id="id_child"' in page
        assert "Choose the child" in page and "Aastranger" not in page
    assert row_counts() == before and not Referral.objects.exists()


def test_an_education_case_for_an_invisible_child_is_refused_and_nothing_saved(signed_in, mash, stranger,
                                                                               row_counts, agencies):
    browser = signed_in(mash)
    before = row_counts()
    refused = browser.post(EDUCATION, {"child": str(stranger.pk), "kind": "cme", "school": "Demo School",
                                       "first_day": "2026-03-02", "agency": str(agencies[AgencyKind.EDUCATION].pk)})
    page = refused.content.decode()
    assert "There is a problem" in page and 'href="#id_child"' in page and "Choose the child" in page
    assert row_counts() == before and not EducationCase.objects.exists()


def test_the_childs_page_leads_to_both_forms_with_the_child_known(signed_in, agencies, authority):
    officer = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.EDUCATION], given_name="Linked")
    browser = signed_in(officer)
    page = browser.get(f"/missing/children/{child.pk}/").content.decode()
    assert f'href="{REFER}?child={child.pk}"' in page and f'href="{EDUCATION}?child={child.pk}"' in page
    form = browser.get(f"{EDUCATION}?child={child.pk}").content.decode()
    assert "Linked" in form and f'value="{child.pk}"' in form
