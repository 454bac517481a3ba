"""Likely matches for the triage queue (N3): offered with the reason, never merged."""

from datetime import date

import pytest

from missing.selectors import candidates_for_notifications
from tests.factories import ChildFactory, LocalAuthorityFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def reasons_by_child(user, notification):
    return {c["child"].pk: c["reasons"] for c in candidates_for_notifications(user, [notification])[notification.pk]}


def test_likely_children_and_why(mash, authority):
    dob = date(2012, 5, 17)
    notification = NotificationFactory(authority=authority, child_given_name="Tam", child_family_name="Oakley",
                                       child_date_of_birth=dob, police_person_id="PP-77")
    exact = ChildFactory(authority=authority, given_name="tam ", family_name="OAKLEY", date_of_birth=dob)
    same_name_other_dob = ChildFactory(authority=authority, given_name="Tam", family_name="Oakley",
                                       date_of_birth=date(2010, 1, 1))
    sibling_same_dob = ChildFactory(authority=authority, given_name="Rae", family_name="Oakley", date_of_birth=dob)
    by_person_id = ChildFactory(authority=authority, given_name="Other", family_name="Name", police_person_id="PP-77")
    ChildFactory(authority=authority, given_name="Rae", family_name="Oakley", date_of_birth=date(2011, 2, 2))
    ChildFactory(authority=authority, given_name="Tam", family_name="Elmfield", date_of_birth=dob)

    found = reasons_by_child(mash, notification)

    assert found == {
        exact.pk: ["same name", "same date of birth"],
        same_name_other_dob.pk: ["same name"],
        sibling_same_dob.pk: ["same family name", "same date of birth"],
        by_person_id.pk: ["same police person id"],
    }
    ordered = [c["child"].pk for c in candidates_for_notifications(mash, [notification])[notification.pk]]
    assert ordered[0] == exact.pk


def test_children_of_another_authority_are_never_offered(mash, authority):
    elsewhere = LocalAuthorityFactory(name="Elsewhere County Council")
    notification = NotificationFactory(authority=authority, child_given_name="Kit", child_family_name="Moorby")
    ChildFactory(authority=elsewhere, given_name="Kit", family_name="Moorby",
                 date_of_birth=notification.child_date_of_birth)
    assert reasons_by_child(mash, notification) == {}


def test_one_query_for_the_children_of_a_whole_page(mash, authority, django_assert_max_num_queries):
    notifications = [NotificationFactory(authority=authority) for _ in range(20)]
    for n in notifications:
        ChildFactory(authority=authority, given_name=n.child_given_name, family_name=n.child_family_name,
                     date_of_birth=n.child_date_of_birth)
    with django_assert_max_num_queries(2):
        found = candidates_for_notifications(mash, notifications)
    assert all(len(found[n.pk]) == 1 for n in notifications)
