"""N3: which records are offered as likely the same child, and which are not."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import AgencyKind, AuditEvent, RecordAccess, User
from missing.duplicates import (
    HYPHENATED,
    SAME_DOB,
    SAME_NAME,
    SAME_POLICE_ID,
    SIMILAR_NAME,
    SWAPPED_NAMES,
    child_duplicates,
    damerau_levenshtein,
    match_reasons,
    normalise,
    possible_duplicate_pairs,
)
from missing.merge import duplicate_dismiss
from tests.factories import ChildFactory, LocalAuthorityFactory

DOB = date(2012, 4, 9)


def record(given, family, dob=DOB, police_person_id="", authority_id=1, pk=None):
    return SimpleNamespace(
        pk=pk or object(), authority_id=authority_id, given_name=given, family_name=family, date_of_birth=dob,
        police_person_id=police_person_id,
    )


def test_normalise_drops_case_accents_spaces_hyphens_and_apostrophes():
    assert normalise("  Zoë O'Neil-Smith ") == "zoeoneilsmith"
    assert normalise("ZOE ONEIL SMITH") == "zoeoneilsmith"


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("jayden", "jayden", 0), ("jayden", "jaden", 1), ("mrina", "mirna", 1), ("jayden", "jadyen", 1),
     ("kowalski", "kowalsky", 1), ("abc", "xyz", 3), ("", "abc", 3)],
)
def test_damerau_levenshtein_counts_a_swap_of_neighbours_once(a, b, distance):
    assert damerau_levenshtein(a, b) == distance


@pytest.mark.parametrize(
    ("one", "two", "reason"),
    [
        (record("Jayden", "Okafor"), record("jayden ", "OKAFOR"), SAME_NAME),
        (record("Zoë", "O'Neil"), record("Zoe", "ONeil"), SAME_NAME),
        (record("Mary Ann", "Kowalski"), record("Maryann", "Kowalski"), SAME_NAME),
        (record("Jayden", "Okafor"), record("Jaden", "Okafor"), SIMILAR_NAME),
        (record("Mirna", "Kowalski"), record("Mrina", "Kowalsky"), SIMILAR_NAME),
        (record("Jayden", "Okafor"), record("Okafor", "Jayden"), SWAPPED_NAMES),
        (record("Leah", "Okafor-Reid"), record("Leah", "Reid"), HYPHENATED),
        (record("Leah", "Okafor Reid"), record("Lea", "Okafor"), HYPHENATED),
    ],
)
def test_records_with_one_date_of_birth_and_alike_names_are_likely_one_child(one, two, reason):
    assert match_reasons(one, two) == [SAME_DOB, reason]


def test_the_same_police_person_id_is_enough_whatever_the_name_and_date_of_birth():
    one = record("Jayden", "Okafor", police_person_id="PP-1")
    two = record("Kai", "Brennan", dob=date(2011, 1, 1), police_person_id="PP-1")
    assert match_reasons(one, two) == [SAME_POLICE_ID]
    assert match_reasons(one, record("Jayden", "Okafor", police_person_id="PP-1")) == [
        SAME_POLICE_ID, SAME_DOB, SAME_NAME
    ]


@pytest.mark.parametrize(
    ("one", "two"),
    [
        (record("Jayden", "Okafor"), record("Kai", "Brennan")),  # same birthday, nothing else
        (record("Jayden", "Okafor"), record("Jayden", "Okafor", dob=date(2012, 4, 10))),  # another birthday
        (record("Amy", "Lee"), record("Ana", "Lee")),  # short names: two edits is another name
        (record("Leah", "Okafor-Reid"), record("Tom", "Reid")),  # a shared part, another given name
        (record("Jayden", "Okafor"), record("Jayden", "Okafor", authority_id=2)),  # another authority
        (record("Jayden", "Okafor", police_person_id=""), record("Kai", "Brennan", police_person_id="")),
        (record("Sam", "Jones"), record("Sam", "Joness-Smithers")),
    ],
)
def test_unrelated_children_are_not_offered(one, two):
    assert match_reasons(one, two) == []


@pytest.fixture
def records(authority):
    return {
        "jayden": ChildFactory(authority=authority, given_name="Jayden", family_name="Okafor", date_of_birth=DOB),
        "jaden": ChildFactory(authority=authority, given_name="Jaden", family_name="Okafor", date_of_birth=DOB),
        "kai": ChildFactory(authority=authority, given_name="Kai", family_name="Brennan", date_of_birth=DOB),
        "idonly": ChildFactory(authority=authority, given_name="Jay", family_name="Smith", police_person_id="PP-9",
                               date_of_birth=date(2011, 2, 2)),
        "idtoo": ChildFactory(authority=authority, given_name="Jayden", family_name="Okafor-Smith",
                              police_person_id="PP-9", date_of_birth=date(2011, 3, 3)),
    }


def test_a_childs_duplicates_are_the_likely_records_only(mash, records):
    found = child_duplicates(mash, records["jayden"])
    assert [(item["child"], item["reasons"]) for item in found] == [(records["jaden"], [SAME_DOB, SIMILAR_NAME])]
    assert [item["child"] for item in child_duplicates(mash, records["idonly"])] == [records["idtoo"]]


def test_duplicates_are_offered_only_among_records_the_user_sees(health_worker, records):
    assert child_duplicates(health_worker, records["jayden"]) == []
    records["jaden"].lead_agency = health_worker.agency
    records["jaden"].save()
    assert possible_duplicate_pairs(health_worker) == []


def test_a_dismissed_pair_is_offered_no_more_and_the_decision_is_audited(mash, records):
    duplicate_dismiss(actor=mash, child=records["jaden"], other=records["jayden"], reason="Twins, checked with school")
    assert child_duplicates(mash, records["jayden"]) == []
    assert child_duplicates(mash, records["jaden"]) == []
    assert {frozenset((p["one"].pk, p["two"].pk)) for p in possible_duplicate_pairs(mash)} == {
        frozenset((records["idonly"].pk, records["idtoo"].pk))
    }
    event = AuditEvent.objects.get(verb="child.duplicate_dismissed")
    assert event.actor == mash and event.data["reason"] == "Twins, checked with school"
    duplicate_dismiss(actor=mash, child=records["jayden"], other=records["jaden"])  # the same decision: once
    assert AuditEvent.objects.filter(verb="child.duplicate_dismissed").count() == 1


def test_the_mash_list_holds_each_pair_once(mash, records):
    pairs = possible_duplicate_pairs(mash)
    assert sorted(sorted((p["one"].given_name, p["two"].given_name)) for p in pairs) == [
        ["Jaden", "Jayden"], ["Jay", "Jayden"]
    ]


def _queries_for_the_list(user):
    with CaptureQueriesContext(connection) as captured:
        possible_duplicate_pairs(user)
    return len(captured)


def test_the_mash_list_asks_the_same_number_of_queries_however_many_children(mash, authority):
    for n in range(3):
        ChildFactory(authority=authority, given_name=f"Robin{n}", family_name="Testwell", date_of_birth=date(2010, 1, n + 1))
        ChildFactory(authority=authority, given_name=f"Robin{n}", family_name="Testwel", date_of_birth=date(2010, 1, n + 1))
    few = _queries_for_the_list(mash)
    for n in range(30):
        ChildFactory(authority=authority, given_name=f"Ash{n}", family_name="Sample", date_of_birth=date(2011, 1, n + 1))
        ChildFactory(authority=authority, given_name=f"Ash{n}", family_name="Sampel", date_of_birth=date(2011, 1, n + 1))
        ChildFactory(authority=authority, date_of_birth=date(2011, 6, n + 1))
    assert len(possible_duplicate_pairs(mash)) == 33
    assert _queries_for_the_list(mash) == few


def test_records_of_another_authority_are_never_paired(mash, records):
    other = LocalAuthorityFactory(name="Elsewhere Council")
    ChildFactory(authority=other, given_name="Jayden", family_name="Okafor", date_of_birth=DOB)
    assert len(possible_duplicate_pairs(mash)) == 2
    assert [item["child"] for item in child_duplicates(mash, records["jayden"])] == [records["jaden"]]


# Pages --------------------------------------------------------------------------------------------


def test_the_childs_page_lists_its_likely_duplicates_and_logs_them(signed_in, mash, records):
    response = signed_in(mash).get(reverse("missing:child_detail", args=[records["jayden"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Possible duplicate record" in body and "Jaden Okafor" in body and "Kai Brennan" not in body
    assert reverse("missing:child_merge", args=[records["jayden"].pk, records["jaden"].pk]) in body
    logged = set(RecordAccess.objects.filter(user=mash).values_list("child_id", flat=True))
    assert logged == {records["jayden"].pk, records["jaden"].pk}


def test_the_mash_list_page_lists_pairs_and_is_the_coordinators_only(signed_in, client, mash, health_worker, records):
    response = signed_in(mash).get(reverse("missing:possible_duplicates"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2 possible duplicates" in body and "Jaden Okafor" in body and "Kai Brennan" not in body
    client.logout()
    assert signed_in(health_worker).get(reverse("missing:possible_duplicates")).status_code == 404


def test_a_pair_is_dismissed_from_the_merge_screen(signed_in, mash, records, agencies):
    client = signed_in(mash)
    url = reverse("missing:duplicate_dismiss", args=[records["jayden"].pk, records["jaden"].pk])
    response = client.post(url, {"reason": "Cousins"})
    assert response.status_code == 302
    assert child_duplicates(mash, records["jayden"]) == []
    assert client.get(url).status_code == 405


def test_the_api_lists_a_childs_duplicates(api, mash, health_worker, records):
    response = api(mash).get(f"/api/v1/children/{records['jayden'].pk}/duplicates/")
    assert response.status_code == 200
    assert [(item["child"]["id"], item["reasons"]) for item in response.json()] == [
        (str(records["jaden"].pk), [SAME_DOB, SIMILAR_NAME])
    ]
    assert api(health_worker).get(f"/api/v1/children/{records['jayden'].pk}/duplicates/").status_code == 404
    listing = api(mash).get("/api/v1/children/duplicates/").json()
    assert listing["count"] == 2 and set(listing["results"][0]) == {"one", "two", "reasons"}
    assert api(health_worker).get("/api/v1/children/duplicates/").status_code == 403


def test_dismissing_through_the_api(api, mash, health_worker, records, agencies, row_counts):
    jayden, jaden = records["jayden"], records["jaden"]
    url = f"/api/v1/children/{jayden.pk}/duplicates/dismiss/"
    before = row_counts()
    assert api(mash).post(url, {"other": "not-an-id"}, format="json").status_code == 400
    assert api(mash).post(url, {"other": str(jayden.pk)}, format="json").json() == {
        "other": ["A record is always the same child as itself."]
    }
    assert row_counts() == before
    jayden.lead_agency = agencies[AgencyKind.HEALTH]
    jayden.save()
    assert api(health_worker).post(url, {"other": str(jaden.pk)}, format="json").status_code == 403
    assert api(mash).post(url, {"other": str(jaden.pk), "reason": "Cousins"}, format="json").status_code == 204
    assert api(mash).get(f"/api/v1/children/{jayden.pk}/duplicates/").json() == []


def test_the_demo_data_holds_likely_duplicates_for_the_mash_list(db):
    call_command("seed_demo", children=40, notifications=3, seed=7, stdout=open("/dev/null", "w"))
    reasons = [pair["reasons"] for pair in possible_duplicate_pairs(User.objects.get(username="mash"))]
    assert [SAME_DOB, SIMILAR_NAME] in reasons and [SAME_DOB, SWAPPED_NAMES] in reasons
    assert any(SAME_POLICE_ID in r for r in reasons)
