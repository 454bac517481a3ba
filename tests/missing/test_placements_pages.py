"""The placement pages: providers, a child's placements, placed in and out (constant queries),
contacts for administrators and the letter of concern as a PDF."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from casework.models import AuditEvent, RecordAccess
from missing.models import AuthorityContact, Child, LegalStatus, Placement, PlacementProvider
from missing.placements.services import placement_end, placement_record, provider_create
from missing.services import episode_create
from tests.factories import ChildFactory

LONDON = ZoneInfo("Europe/London")
ELSEWHERE = "Farshire County Council"


@pytest.fixture
def home(authority, mash):
    return provider_create(actor=mash, authority=authority, name="Oak Lodge", kind="childrens_home")


def _placed_in(authority, mash, home, n, *, with_episode=True):
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=date(2011, 3, 1),
                         given_name=f"Robin{n}")
    placement_record(actor=mash, child=child, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 1, 1), responsible_authority=ELSEWHERE)
    if with_episode:
        start = datetime(2026, 3, 2, 10, tzinfo=LONDON) + timedelta(days=n)
        episode_create(actor=mash, child=child, category="missing", risk_level="high", location_type="care",
                       started_at=start, reported_at=start + timedelta(hours=1), returned_at=start + timedelta(hours=9))
    return child


def test_providers_pages_for_the_mash(signed_in, mash, health_worker, home, authority):
    _placed_in(authority, mash, home, 1)
    page = signed_in(mash).get("/placements/providers/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Oak Lodge" in text and 'class="govuk-table__cell govuk-table__cell--numeric">1</td>' in text
    bad = signed_in(mash).post("/placements/providers/new/", {"name": "", "kind": ""})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.content.decode()
    assert PlacementProvider.objects.count() == 1
    made = signed_in(mash).post("/placements/providers/new/", {"name": "Birch House", "kind": "secure"})
    assert made.status_code == 302 and PlacementProvider.objects.filter(name="Birch House").exists()
    edited = signed_in(mash).post(f"/placements/providers/{home.pk}/edit/",
                                  {"name": "Oak Lodge", "kind": "childrens_home", "ofsted_urn": "SC654321"})
    assert edited.status_code == 302
    home.refresh_from_db()
    assert home.ofsted_urn == "SC654321"


def test_provider_pages_do_not_exist_for_others(client, signed_in, health_worker, home):
    other = signed_in(health_worker)
    for url in ("/placements/providers/", "/placements/providers/new/", f"/placements/providers/{home.pk}/edit/",
                "/placements/", "/placements/letter-of-concern/", "/placements/contacts/"):
        assert other.get(url).status_code == 404, url


def test_child_page_shows_placements_and_records_one(signed_in, mash, authority, home, health_worker):
    child = ChildFactory(authority=authority, date_of_birth=date(2011, 3, 1), ethnicity="WBRI", home_area="AB1")
    page = signed_in(mash).get(f"/missing/children/{child.pk}/")
    text = page.content.decode()
    assert 'id="placements"' in text and "White British (WBRI)" in text and "AB1" in text
    assert "Record a placement" in text
    url = f"/placements/children/{child.pk}/new/"
    bad = signed_in(mash).post(url, {"placement-placement_type": "", "placement-started_on": "2026-13-40"})
    assert bad.status_code == 400 and not Placement.objects.exists()
    good = signed_in(mash).post(url, {"placement-provider": str(home.pk), "placement-placement_type": "childrens_home",
                                      "placement-started_on": "2026-01-05"})
    assert good.status_code == 302, good.content
    child.refresh_from_db()
    assert child.provider == home
    page = signed_in(mash).get(f"/missing/children/{child.pk}/").content.decode()
    assert "Oak Lodge" in page and "Current" in page
    placement = Placement.objects.get()
    ended = signed_in(mash).post(f"/placements/{placement.pk}/end/", {"end-ended_on": "2026-02-01"})
    assert ended.status_code == 302
    placement.refresh_from_db()
    assert placement.ended_on == date(2026, 2, 1)


def test_placing_needs_the_right_to_change_the_child(signed_in, health_worker, authority, home):
    child = ChildFactory(authority=authority, lead_agency=health_worker.agency)
    other_child = ChildFactory(authority=authority)
    client = signed_in(health_worker)
    page = client.get(f"/missing/children/{child.pk}/").content.decode()
    assert "Record a placement" not in page
    data = {"placement-placement_type": "other", "placement-started_on": "2026-01-05"}
    assert client.post(f"/placements/children/{child.pk}/new/", data).status_code == 403
    assert client.post(f"/placements/children/{other_child.pk}/new/", data).status_code == 404
    assert not Placement.objects.exists()


def test_placed_in_and_out_page_lists_children_and_counts_with_constant_queries(signed_in, mash, authority, home):
    client = signed_in(mash)
    _placed_in(authority, mash, home, 1)
    client.get("/placements/")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/placements/")
    for n in range(2, 7):
        _placed_in(authority, mash, home, n)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/placements/")
    assert page.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    text = page.content.decode()
    assert "6 children placed in or out" in text and "Placed in" in text and ELSEWHERE in text
    assert 'govuk-table__cell--numeric">6</td>' in text  # six episodes at Oak Lodge
    assert RecordAccess.objects.filter(user=mash).values("child_id").distinct().count() == 6


def test_placed_in_and_out_lists_and_counts_placements_now_and_ended_and_no_others(signed_in, mash, authority, home):
    now = _placed_in(authority, mash, home, 1, with_episode=False)
    back_home = _placed_in(authority, mash, home, 2, with_episode=False)
    placement_end(actor=mash, placement=back_home.placements.get(), ended_on=date(2026, 2, 1))
    local = ChildFactory(authority=authority, given_name="Local")
    placement_record(actor=mash, child=local, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 1, 1))
    ChildFactory(authority=authority, given_name="Unplaced")
    back_home.refresh_from_db()
    assert not (back_home.placed_by_other_authority or back_home.placed_out_of_area)  # told only by its history
    page = signed_in(mash).get("/placements/")
    assert page.context["page"].paginator.count == 2
    assert [c.pk for c in page.context["page"].object_list] == [now.pk, back_home.pk]
    assert "2 children placed in or out" in page.content.decode()


def test_contacts_page_for_administrators(signed_in, admin_user, mash, client):
    contact = AuthorityContact.objects.create(authority=mash.agency.authority, other_authority="Old Council",
                                              email="old@council.example")
    assert signed_in(mash).post(f"/placements/contacts/{contact.pk}/delete/").status_code == 404
    contact.delete()
    client.logout()
    client = signed_in(admin_user)
    assert client.get("/placements/contacts/").status_code == 200
    bad = client.post("/placements/contacts/", {"other_authority": "", "email": "nope"})
    assert bad.status_code == 400 and not AuthorityContact.objects.exists()
    made = client.post("/placements/contacts/", {"other_authority": ELSEWHERE, "email": "mash@farshire.example"})
    assert made.status_code == 302
    contact = AuthorityContact.objects.get()
    assert ELSEWHERE in client.get("/placements/contacts/").content.decode()
    assert client.post(f"/placements/contacts/{contact.pk}/delete/").status_code == 302
    assert not AuthorityContact.objects.exists()
    assert AuditEvent.objects.filter(verb="authority_contact.deleted").count() == 1


def test_letter_of_concern_pdf(signed_in, mash, authority, home, time_machine):
    time_machine.move_to(datetime(2026, 4, 1, 9, tzinfo=LONDON), tick=False)
    first = _placed_in(authority, mash, home, 1)
    _placed_in(authority, mash, home, 2, with_episode=False)
    ours = ChildFactory(authority=authority, given_name="Notplaced")
    client = signed_in(mash)
    form = client.get("/placements/letter-of-concern/")
    assert form.status_code == 200 and ELSEWHERE in form.content.decode()
    bad = client.get("/placements/letter-of-concern/", {"authority": ELSEWHERE, "start": "2026-03-31",
                                                        "end": "2026-03-01"})
    assert bad.status_code == 400
    pdf = client.get("/placements/letter-of-concern/", {"authority": ELSEWHERE, "start": "2026-03-01",
                                                        "end": "2026-03-31"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Letter of concern" in text and ELSEWHERE in text
    assert first.full_name in text and "Robin2" in text and ours.full_name not in text
    assert "2 children and 1 missing episode" in " ".join(text.split())
    assert "3 Mar 2026" in text and "Oak Lodge" in text
    assert set(RecordAccess.objects.filter(user=mash, path__contains="letter").values_list("child_id", flat=True)) \
        == set(Child.objects.filter(placed_by_other_authority=True).values_list("pk", flat=True))


def test_seed_demo_has_children_placed_in_and_out_with_notices_sent_and_owed(db):
    from django.core.management import call_command

    from casework.models import Deadline, OutgoingEmail
    from missing.placements.clocks import PLACEMENT

    call_command("seed_demo", children=40, notifications=3, seed=7, stdout=open("/dev/null", "w"))
    assert Child.objects.filter(placed_by_other_authority=True, provider__isnull=False).count() >= 2
    assert Child.objects.filter(placed_out_of_area=True, provider__host_authority="Nearby Shire Council").count() >= 2
    assert PlacementProvider.objects.count() == 6
    assert Child.objects.exclude(ethnicity="").exclude(home_area="").count() == 40
    rows = Deadline.objects.filter(subject_type=PLACEMENT)
    assert rows.filter(rule="N7", status="done").exists()  # to the council with a mailbox
    assert rows.filter(rule="N7M").exclude(status="done").exists()  # owed to the one without
    assert OutgoingEmail.objects.filter(to__contains=["missing-notices@elsewhere.invalid"]).exists()


def test_an_owed_notice_is_on_the_mash_due_list_and_recorded_done_there(signed_in, mash, authority, home):
    from casework.models import Deadline
    from missing.placements.clocks import PLACEMENT

    child = _placed_in(authority, mash, home, 1)
    owed = Deadline.objects.get(subject_type=PLACEMENT, rule="N7M")
    client = signed_in(mash)
    page = client.get("/clocks/due/?rule=N7M")
    assert page.status_code == 200
    text = page.content.decode()
    assert child.full_name in text and "told of a missing episode" in text
    done = client.post(f"/clocks/deadlines/{owed.pk}/complete/", {"note": "Phoned their MASH"})
    assert done.status_code == 302
    owed.refresh_from_db()
    assert owed.status == "done"


def test_child_edit_form_takes_ethnicity_placement_type_and_home_area(signed_in, mash, authority):
    child = ChildFactory(authority=authority, date_of_birth=date(2011, 3, 1))
    client = signed_in(mash)
    form = client.get(f"/missing/children/{child.pk}/edit/").content.decode()
    assert 'name="ethnicity"' in form and 'name="home_area"' in form and 'name="placement_type"' in form
    data = {"given_name": child.given_name, "family_name": child.family_name, "date_of_birth": "2011-03-01",
            "gender": child.gender, "legal_status": child.legal_status, "ethnicity": "BAFR",
            "placement_type": "foster_care", "home_area": "ab1"}
    bad = client.post(f"/missing/children/{child.pk}/edit/", {**data, "home_area": "not a district"})
    assert bad.status_code == 400
    child.refresh_from_db()
    assert child.ethnicity == ""
    assert client.post(f"/missing/children/{child.pk}/edit/", data).status_code == 302
    child.refresh_from_db()
    assert (child.ethnicity, child.placement_type, child.home_area) == ("BAFR", "foster_care", "AB1")
