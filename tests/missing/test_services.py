"""The write services of missing/ and casework/ on their own: validation first, nothing half-saved."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from casework.errors import ConflictError
from casework.models import AgencyKind, AuditEvent
from casework.services import agency_create, user_create
from missing.models import Child, MissingEpisode, PoliceNotification
from missing.services import (
    child_create,
    child_update,
    episode_create,
    episode_update,
    notification_receive,
    notification_triage,
)

from ..factories import (
    AgencyFactory,
    ChildFactory,
    EpisodeFactory,
    LocalAuthorityFactory,
    NotificationFactory,
    UserFactory,
    notification_fields,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def receive(sender, authority, **overrides):
    return notification_receive(sender=sender, authority=authority, **notification_fields(NOW, **overrides))


# Children ----------------------------------------------------------------------------------------


def test_child_create_refuses_fields_it_does_not_own(mash, authority):
    with pytest.raises(ValidationError) as error:
        child_create(actor=mash, authority=authority, given_name="A", family_name="B", date_of_birth=date(2012, 1, 1), id=1)
    assert set(error.value.message_dict) == {"id"}
    assert not Child.objects.exists()


def test_child_create_refuses_unknown_vulnerabilities(mash, authority):
    with pytest.raises(ValidationError) as error:
        child_create(
            actor=mash, authority=authority, given_name="A", family_name="B", date_of_birth=date(2012, 1, 1),
            vulnerabilities=["cse", "unknown"],
        )
    assert "vulnerabilities" in error.value.message_dict


def test_child_update_that_changes_nothing_writes_nothing(mash, authority, row_counts):
    child = ChildFactory(authority=authority, school="Northfield")
    before = row_counts()
    child_update(actor=mash, child=child, school="Northfield")
    assert row_counts() == before
    child_update(actor=mash, child=child, school="Southfield")
    assert AuditEvent.objects.get(verb="child.updated").data == {"fields": ["school"]}


# Episodes ----------------------------------------------------------------------------------------


def test_episode_cannot_start_before_the_child_was_born(mash, authority):
    child = ChildFactory(authority=authority, date_of_birth=date(2014, 6, 1))
    with pytest.raises(ValidationError) as error:
        episode_create(
            actor=mash, child=child, category="missing", risk_level="low", location_type="home",
            started_at=datetime(2014, 5, 1, tzinfo=UTC), reported_at=datetime(2014, 5, 1, tzinfo=UTC),
        )
    assert "started_at" in error.value.message_dict


def test_closing_and_reopening_keeps_one_open_episode_per_child(mash, authority):
    child = ChildFactory(authority=authority)
    first = EpisodeFactory(child=child, started_at=NOW - timedelta(days=2))
    episode_update(actor=mash, episode=first, returned_at=NOW - timedelta(days=1))
    second = EpisodeFactory(child=child, started_at=NOW - timedelta(hours=6))
    with pytest.raises(ValidationError) as error:
        episode_update(actor=mash, episode=first, returned_at=None)
    assert "returned_at" in error.value.message_dict
    first.refresh_from_db()
    assert first.returned_at == NOW - timedelta(days=1)
    assert MissingEpisode.objects.filter(returned_at__isnull=True).get() == second


def test_episode_update_that_changes_nothing_writes_nothing(mash, authority, row_counts):
    episode = EpisodeFactory(child=ChildFactory(authority=authority))
    before = row_counts()
    assert episode_update(actor=mash, episode=episode, risk_level=episode.risk_level) == episode
    assert row_counts() == before


# Notifications -----------------------------------------------------------------------------------


def test_receive_is_exactly_once(police, authority):
    first, created = receive(police, authority)
    again, created_again = receive(police, authority, child_given_name="Different")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert PoliceNotification.objects.get().child_given_name == "Eden"


def test_receive_refuses_bad_values_and_keeps_nothing(police, authority, row_counts):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        receive(police, authority, kind="lost", risk_level="severe", source_ref="x" * 65)
    assert {"kind", "risk_level", "source_ref"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        receive(police, authority, occurred_at=NOW + timedelta(hours=1), child_date_of_birth=date(2030, 1, 1))
    assert set(error.value.message_dict) == {"occurred_at", "child"}
    assert row_counts() == before


def test_missing_notification_with_a_known_police_person_id_links_itself(police, authority):
    child = ChildFactory(
        authority=authority, police_person_id="PID-9", given_name="Eden", family_name="Servicecase",
        date_of_birth=date(2012, 8, 8),
    )
    notification, _ = receive(police, authority, police_person_id="PID-9", risk_level="high")
    assert (notification.status, notification.child) == ("linked", child)
    assert notification.episode.started_at == NOW - timedelta(hours=2)
    assert notification.episode.risk_level == "high"
    assert AuditEvent.objects.filter(verb="notification.auto_linked", object_id=str(notification.pk)).exists()


@pytest.mark.parametrize("reason", ["open_episode", "two_children"])
def test_uncertain_or_refused_links_wait_for_a_person(police, authority, reason):
    """N2/N3: nothing is linked on a guess, and a notification is never dropped."""
    child = ChildFactory(
        authority=authority, police_person_id="PID-9", given_name="Eden", family_name="Servicecase",
        date_of_birth=date(2012, 8, 8),
    )
    if reason == "open_episode":
        EpisodeFactory(child=child)
    else:
        ChildFactory(authority=authority, police_person_id="PID-9")
    notification, created = receive(police, authority, police_person_id="PID-9", occurred_at=NOW - timedelta(days=1))
    assert created
    notification.refresh_from_db()
    assert (notification.status, notification.child, notification.episode) == ("pending", None, None)
    assert MissingEpisode.objects.filter(notifications__isnull=False).count() == 0


def test_found_notification_closes_the_episode_of_the_child_named_exactly(police, authority):
    child = ChildFactory(authority=authority, given_name="Eden", family_name="Servicecase", date_of_birth=date(2012, 8, 8))
    episode = EpisodeFactory(child=child, started_at=NOW - timedelta(days=1))
    notification, _ = receive(police, authority, kind="found", found_location="Library")
    episode.refresh_from_db()
    assert notification.status == "linked"
    assert (episode.returned_at, episode.found_location) == (notification.occurred_at, "Library")


def test_found_before_the_episode_began_waits(police, authority):
    child = ChildFactory(authority=authority, given_name="Eden", family_name="Servicecase", date_of_birth=date(2012, 8, 8))
    EpisodeFactory(child=child, started_at=NOW - timedelta(hours=1), reported_at=NOW - timedelta(hours=1))
    notification, _ = receive(police, authority, kind="found")
    assert notification.status == "pending"


def test_triage_gives_the_child_the_police_person_id(mash, authority):
    child = ChildFactory(authority=authority, police_person_id="")
    notification = NotificationFactory(authority=authority, police_person_id="PID-12")
    notification_triage(actor=mash, notification=notification, child=child)
    child.refresh_from_db()
    assert child.police_person_id == "PID-12"


def test_triage_to_a_child_of_another_authority_is_refused(admin_user, authority):
    stranger = ChildFactory(authority=LocalAuthorityFactory(name="Another Council"))
    notification = NotificationFactory(authority=authority)
    with pytest.raises(ValidationError):
        notification_triage(actor=admin_user, notification=notification, child=stranger)
    notification.refresh_from_db()
    assert notification.status == "pending"


def test_second_triage_names_who_won(mash, authority):
    notification = NotificationFactory(authority=authority)
    notification_triage(actor=mash, notification=notification, child=None)
    with pytest.raises(ConflictError) as error:
        notification_triage(actor=mash, notification=notification, child=None)
    assert str(error.value) == "This notification was already triaged by mash at 11 Mar 2026 10:00."


def test_triage_of_a_notification_linked_by_the_system(police, mash, authority):
    ChildFactory(
        authority=authority, police_person_id="PID-3", given_name="Eden", family_name="Servicecase",
        date_of_birth=date(2012, 8, 8),
    )
    notification, _ = receive(police, authority, police_person_id="PID-3")
    assert notification.status == "linked"
    with pytest.raises(ConflictError, match="by the system"):
        notification_triage(actor=mash, notification=notification, child=None)


@pytest.mark.parametrize(
    "differs",
    [
        {"child_given_name": "Other"},
        {"child_family_name": "Otherfamily"},
        {"child_date_of_birth": date(2012, 8, 9)},
        {"police_person_id": "PID-OTHER"},
        {"police_person_id": ""},
    ],
    ids=["given name", "family name", "date of birth", "another police id", "no police id"],
)
def test_a_missing_notification_links_itself_only_when_every_identifier_agrees(police, authority, differs):
    """N2: a police person id alone, or a name and date of birth alone, never open a child's record."""
    child = ChildFactory(
        authority=authority, police_person_id="PID-9", given_name="Eden", family_name="Servicecase",
        date_of_birth=date(2012, 8, 8),
    )
    notification, _ = receive(police, authority, **{"police_person_id": "PID-9", **differs})
    notification.refresh_from_db()
    assert (notification.status, notification.child, notification.episode) == ("pending", None, None)
    assert not child.episodes.exists()


def test_a_police_id_unknown_to_the_record_is_not_enough(police, authority):
    """The child's record must already hold the police person id the force gives."""
    ChildFactory(authority=authority, police_person_id="", given_name="Eden", family_name="Servicecase",
                 date_of_birth=date(2012, 8, 8))
    notification, _ = receive(police, authority, police_person_id="PID-9")
    assert notification.status == "pending"


def test_names_are_compared_without_case_or_surrounding_spaces(police, authority):
    child = ChildFactory(authority=authority, police_person_id="PID-9", given_name="Eden", family_name="Servicecase",
                         date_of_birth=date(2012, 8, 8))
    notification, _ = receive(police, authority, police_person_id="PID-9", child_given_name=" eden ",
                              child_family_name="SERVICECASE")
    assert (notification.status, notification.child) == ("linked", child)


def test_a_found_notification_with_a_matching_police_id_does_not_close_another_childs_episode(police, authority):
    """The red-team finding: a found notification whose id matched closed another child's episode."""
    other = ChildFactory(authority=authority, police_person_id="PID-9", given_name="Robin", family_name="Elsewhere",
                         date_of_birth=date(2011, 1, 1))
    episode = EpisodeFactory(child=other, started_at=NOW - timedelta(days=2), reported_at=NOW - timedelta(days=2))
    notification, _ = receive(police, authority, kind="found", police_person_id="PID-9")
    episode.refresh_from_db()
    assert episode.returned_at is None
    assert notification.status == "pending"


def test_a_found_notification_agreeing_on_every_identifier_closes_the_open_episode(police, authority):
    child = ChildFactory(authority=authority, police_person_id="PID-9", given_name="Eden", family_name="Servicecase",
                         date_of_birth=date(2012, 8, 8))
    episode = EpisodeFactory(child=child, started_at=NOW - timedelta(days=2), reported_at=NOW - timedelta(days=2))
    notification, _ = receive(police, authority, kind="found", police_person_id="PID-9")
    episode.refresh_from_db()
    assert (notification.status, notification.episode) == ("linked", episode)
    assert episode.returned_at == notification.occurred_at


def test_the_same_reference_from_another_sender_is_a_separate_notification(police, authority):
    """N1 per sender: a re-send answers its own sender; another sender's reference reveals nothing."""
    first, created = receive(police, authority, source_ref="REF-1")
    again, created_again = receive(police, authority, source_ref="REF-1", child_given_name="Changed")
    assert (again.pk, created_again) == (first.pk, False)
    assert again.child_given_name == "Eden"
    colleague = UserFactory(agency=police.agency)
    from_colleague, created_by_colleague = receive(colleague, authority, source_ref="REF-1")
    assert (from_colleague.pk, created_by_colleague) == (first.pk, False)
    other_force = UserFactory(agency=AgencyFactory(authority=authority, kind=AgencyKind.POLICE))
    other, other_created = receive(other_force, authority, source_ref="REF-1", child_given_name="Someone")
    assert other_created and other.pk != first.pk
    assert other.child_given_name == "Someone"


# Agencies and users ------------------------------------------------------------------------------


def test_agencies_with_long_similar_names_get_their_own_groups(admin_user, authority):
    first = agency_create(actor=admin_user, name="N" * 199 + "1", kind=AgencyKind.HEALTH)
    second = agency_create(actor=admin_user, name="N" * 199 + "2", kind=AgencyKind.HEALTH)
    assert first.group != second.group
    assert Group.objects.filter(pk__in=[first.group_id, second.group_id]).count() == 2


def test_agency_names_are_unique_whatever_the_case(admin_user, authority, row_counts):
    agency_create(actor=admin_user, name="Riverside Health", kind=AgencyKind.HEALTH)
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        agency_create(actor=admin_user, name="riverside HEALTH", kind=AgencyKind.HEALTH)
    assert "name" in error.value.message_dict
    assert row_counts() == before


def test_usernames_are_unique_whatever_the_case(admin_user, mash):
    with pytest.raises(ValidationError) as error:
        user_create(actor=admin_user, username="MASH", password="long-enough-secret-41")
    assert "username" in error.value.message_dict
