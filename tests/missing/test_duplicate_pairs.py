"""N3 at scale: the MASH list of likely duplicates is stored (DuplicatePair), kept by the services
that change what a pair depends on, and read a page at a time."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missing.duplicates import (
    HYPHENATED,
    SAME_DOB,
    SAME_NAME,
    SAME_POLICE_ID,
    SIMILAR_NAME,
    SWAPPED_NAMES,
    duplicate_pairs_rebuild,
    possible_duplicate_pairs,
)
from missing.merge import child_merge, duplicate_dismiss
from missing.models import Child, DuplicatePair
from missing.retention import child_record_dispose
from missing.services import child_create, child_update
from tests.factories import LocalAuthorityFactory

DOB = date(2012, 4, 9)


def stored(authority=None):
    """{frozenset of the two ids: reasons} of the stored pairs."""
    rows = DuplicatePair.objects.all() if authority is None else DuplicatePair.objects.filter(authority=authority)
    return {frozenset((row.one_id, row.two_id)): row.reasons for row in rows}


def pair(a, b):
    return frozenset((a.pk, b.pk))


@pytest.fixture
def make(mash, authority):
    def make(given, family, dob=DOB, **fields):
        return child_create(actor=mash, authority=authority, given_name=given, family_name=family,
                            date_of_birth=dob, **fields)
    return make


def test_creating_a_record_stores_its_likely_pairs_and_nothing_else(make):
    jayden = make("Jayden", "Okafor")
    make("Kai", "Brennan")  # the same birthday, another name
    make("Jayden", "Okafor", dob=date(2012, 4, 10))  # the same name, another birthday
    jaden = make("Jaden", "Okafor")
    assert stored() == {pair(jayden, jaden): [SAME_DOB, SIMILAR_NAME]}
    row = DuplicatePair.objects.get()
    assert (row.one, row.two) == (jaden, jayden)  # `one` comes first in name order: Jaden before Jayden
    assert (row.one_family_name, row.one_given_name, row.authority_id) == ("Okafor", "Jaden", jayden.authority_id)


def test_a_shared_police_person_id_pairs_records_whatever_their_birthday(make):
    one = make("Jay", "Smith", police_person_id="PP-9")
    two = make("Jayden", "Okafor-Smith", dob=date(2011, 3, 3), police_person_id="PP-9")
    assert stored() == {pair(one, two): [SAME_POLICE_ID]}


def test_editing_a_name_or_birthday_removes_the_stale_pairs_and_adds_the_new(mash, make):
    jayden, jaden, leah = make("Jayden", "Okafor"), make("Jaden", "Okafor"), make("Leah", "Reid")
    kai = make("Kai", "Brennan", dob=date(2010, 1, 1))
    assert set(stored()) == {pair(jayden, jaden)}
    child_update(actor=mash, child=jaden, given_name="Leah", family_name="Okafor-Reid")
    assert stored() == {pair(jaden, leah): [SAME_DOB, HYPHENATED]}
    child_update(actor=mash, child=leah, date_of_birth=date(2010, 1, 1), given_name="Brennan", family_name="Kai")
    assert stored() == {pair(leah, kai): [SAME_DOB, SWAPPED_NAMES]}
    child_update(actor=mash, child=kai, police_person_id="PP-1")  # one id alone pairs nothing
    child_update(actor=mash, child=jayden, police_person_id="PP-1")
    assert stored() == {pair(leah, kai): [SAME_DOB, SWAPPED_NAMES], pair(jayden, kai): [SAME_POLICE_ID]}


def test_a_change_that_matching_does_not_read_leaves_the_pairs_alone(mash, make):
    jayden, jaden = make("Jayden", "Okafor"), make("Jaden", "Okafor")
    before = list(DuplicatePair.objects.values_list("pk", flat=True))
    child_update(actor=mash, child=jayden, school="Oak Academy")
    assert list(DuplicatePair.objects.values_list("pk", flat=True)) == before
    assert set(stored()) == {pair(jayden, jaden)}


def test_a_merge_leaves_the_merged_away_record_in_no_pair_and_pairs_the_survivor_again(mash, make):
    jayden, jaden, jaydn = make("Jayden", "Okafor"), make("Jaden", "Okafor"), make("Jaydn", "Okafor")
    assert len(stored()) == 3
    child_merge(actor=mash, child=jayden, other=jaden, keep={})
    assert stored() == {pair(jayden, jaydn): [SAME_DOB, SIMILAR_NAME]}
    # keeping the other record's birthday moves the survivor out of its old group
    later = make("Jayden", "Okafor", dob=date(2012, 5, 1))
    child_merge(actor=mash, child=later, other=jaydn, keep={"date_of_birth": "other", "given_name": "other"})
    assert stored() == {pair(jayden, later): [SAME_DOB, SIMILAR_NAME]}
    assert Child.objects.get(pk=jaydn.pk).merged_into_id == later.pk


def test_a_dismissed_pair_is_removed_and_stays_away_after_later_changes(mash, make):
    jayden, jaden = make("Jayden", "Okafor"), make("Jaden", "Okafor")
    duplicate_dismiss(actor=mash, child=jayden, other=jaden, reason="Twins")
    assert stored() == {}
    child_update(actor=mash, child=jaden, family_name="Okafo")
    assert stored() == {}
    third = make("Jaden", "Okafo")
    assert set(stored()) == {pair(jaden, third), pair(jayden, third)}
    duplicate_pairs_rebuild()
    assert set(stored()) == {pair(jaden, third), pair(jayden, third)}


def test_anonymising_a_record_makes_its_pairs_again_and_erasing_one_removes_them(mash, make):
    jayden, jaden, jaydn = make("Jayden", "Okafor"), make("Jaden", "Okafor"), make("Jaydn", "Okafor")
    child_record_dispose(str(jayden.pk), "anonymise")
    assert stored() == {pair(jaden, jaydn): [SAME_DOB, SIMILAR_NAME]}
    child_record_dispose(str(jaden.pk), "delete")
    assert stored() == {} and not Child.objects.filter(pk=jaden.pk).exists()


def test_records_of_another_authority_are_never_stored_as_a_pair(mash, make):
    jayden = make("Jayden", "Okafor")
    elsewhere = LocalAuthorityFactory(name="Elsewhere Council")
    other = child_create(actor=mash, authority=elsewhere, given_name="Jayden", family_name="Okafor",
                         date_of_birth=DOB)
    make("Jayden", "Okafor ")
    assert all(other.pk not in key for key in stored()) and len(stored(jayden.authority)) == 1


def test_the_bulk_rebuild_stores_what_the_services_kept(mash, make, authority):
    records = [
        make("Jayden", "Okafor"), make("Jaden", "Okafor"), make("Okafor", "Jayden"), make("Leah", "Okafor-Reid"),
        make("Lea", "Okafor"), make("Amy", "Lee"), make("Ana", "Lee"), make("Zoë", "O'Neil"), make("Zoe", "ONeil"),
        make("Mary Ann", "Kowalski", dob=date(2011, 1, 1)), make("Maryann", "Kowalski", dob=date(2011, 1, 1)),
        make("Sam", "Jones", police_person_id="PP-3"), make("Tom", "Reid", dob=date(2010, 2, 2), police_person_id="PP-3"),
    ]
    kept = stored()
    assert kept[pair(records[7], records[8])] == [SAME_DOB, SAME_NAME]
    assert pair(records[5], records[6]) not in kept  # short names: two edits is another name
    assert duplicate_pairs_rebuild() == len(kept)
    assert stored() == kept
    other_authority_pairs = duplicate_pairs_rebuild(authority_id=LocalAuthorityFactory(name="Elsewhere Council").pk)
    assert other_authority_pairs == 0 and stored() == kept


def test_the_bulk_rebuild_reads_the_records_as_they_are(mash, make):
    """Records written straight to the table (a bulk seed, a migration) have their pairs made in one pass."""
    jayden = make("Jayden", "Okafor")
    copy = Child.objects.create(authority=jayden.authority, given_name="Jayden", family_name="Okafro",
                                date_of_birth=DOB, vulnerabilities=[])
    assert stored() == {}
    duplicate_pairs_rebuild(authority_id=jayden.authority_id)
    assert stored() == {pair(jayden, copy): [SAME_DOB, SIMILAR_NAME]}


# The list reads the stored pairs, a page at a time -----------------------------------------------


def test_the_mash_page_and_api_list_the_stored_pairs(signed_in, api, mash, make):
    jayden, jaden = make("Jayden", "Okafor"), make("Jaden", "Okafor")
    listing = api(mash).get("/api/v1/children/duplicates/").json()
    assert listing["count"] == 1 and listing["next"] is None and listing["previous"] is None
    assert {listing["results"][0]["one"]["id"], listing["results"][0]["two"]["id"]} == {str(jayden.pk), str(jaden.pk)}
    assert listing["results"][0]["reasons"] == [SAME_DOB, SIMILAR_NAME]
    DuplicatePair.objects.all().delete()  # what is not stored is not listed: nothing is worked out on reading
    assert api(mash).get("/api/v1/children/duplicates/").json()["count"] == 0
    body = signed_in(mash).get(reverse("missing:possible_duplicates")).content.decode()
    assert "No records look like duplicates of each other." in body


def _many_pairs(make, count, year):
    for n in range(count):
        make(f"Robin{n}", "Testwell", dob=date(year, 1 + n // 28, 1 + n % 28))
        make(f"Robin{n}", "Testwel", dob=date(year, 1 + n // 28, 1 + n % 28))


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_the_page_and_api_ask_the_same_queries_however_many_pairs(signed_in, api, mash, make):
    _many_pairs(make, 3, 2010)
    page, rest = signed_in(mash), api(mash)
    _page_queries(page, reverse("missing:possible_duplicates"))  # the first request of a session does more
    _page_queries(rest, "/api/v1/children/duplicates/")
    few = _page_queries(page, reverse("missing:possible_duplicates"))[0]
    few_api = _page_queries(rest, "/api/v1/children/duplicates/")[0]
    _many_pairs(make, 60, 2011)
    many, response = _page_queries(page, reverse("missing:possible_duplicates") + "?page=2")
    assert many == few
    body = response.content.decode()
    assert "63 possible duplicates" in body and "Page 2 of 3" in body and body.count("Compare<span") == 25
    many_api, response = _page_queries(rest, "/api/v1/children/duplicates/?page=2")
    assert many_api == few_api
    listing = response.json()
    assert listing["count"] == 63 and len(listing["results"]) == 13 and listing["next"] is None


def test_the_list_is_in_name_order_of_the_first_record(mash, make):
    make("Ash", "Zephyr"), make("Ash", "Zephir"), make("Bo", "Adams"), make("Bo", "Adam")
    assert [(p["one"].family_name, p["two"].family_name) for p in possible_duplicate_pairs(mash)] == [
        ("Adam", "Adams"), ("Zephir", "Zephyr")
    ]


def test_the_demo_seed_stores_the_pairs_of_its_bulk_made_records(db):
    call_command("seed_demo", children=40, notifications=3, seed=7, stdout=open("/dev/null", "w"))
    kept = stored()
    assert kept and duplicate_pairs_rebuild() == len(kept) and stored() == kept
