"""The episodes counted at each place are stored (FoundAt, issue 13) and kept by the writes that change
them: every count read from the table must equal the text match it replaced (selectors.episodes_matching),
after episodes are recorded and corrected, interviews held, places added and readdressed, records merged
and anonymised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.models import Disposal
from intelligence import found, services
from intelligence.models import FoundAt, Place
from intelligence.selectors import episodes_found_at, episodes_matching, places_with_episode_counts
from missing.interviews.services import return_interview_accept, return_interview_complete
from missing.merge import child_merge
from missing.models import ReturnInterview
from missing.retention import child_record_dispose
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, LocalAuthorityFactory

pytestmark = pytest.mark.django_db


def stored(panel, child=None):
    return {p.name: p.episode_count for p in places_with_episode_counts(Place.objects.filter(panel=panel), child=child)}


def matched(panel, child=None):
    """What the text says, as every read computed it before FoundAt."""
    counts = {}
    for place in Place.objects.filter(panel=panel):
        episodes = episodes_matching(place)
        counts[place.name] = (episodes.filter(child=child) if child else episodes).count()
    return counts


def assert_in_step(panel, child=None):
    assert stored(panel, child) == matched(panel, child)


def returned(mash, child, *, days_ago, found_location):
    now = timezone.now()
    episode = episode_create(actor=mash, child=child, category="missing", started_at=now - timedelta(days=days_ago),
                             reported_at=now - timedelta(days=days_ago), risk_level="low", location_type="home")
    return episode_update(actor=mash, episode=episode, returned_at=now - timedelta(days=days_ago - 1),
                          found_location=found_location)


def test_the_stored_counts_are_the_text_matches(world, panel):
    assert stored(panel) == {"Station Road hotel": 2, "Riverside park": 0}
    assert_in_step(panel)
    assert set(episodes_found_at(world["place"])) == set(episodes_matching(world["place"]))


def test_an_episode_recorded_and_its_found_location_corrected_move_the_count(world, panel, mash, authority):
    child = ChildFactory(authority=authority)
    episode = returned(mash, child, days_ago=6, found_location="car park by dm1-4qt")
    assert stored(panel)["Station Road hotel"] == 3
    assert stored(panel, child) == {"Station Road hotel": 1, "Riverside park": 0}
    episode_update(actor=mash, episode=episode, found_location="Riverside Park, by the bench")
    assert stored(panel) == {"Station Road hotel": 2, "Riverside park": 1}
    assert_in_step(panel)
    assert_in_step(panel, child)


def test_an_episode_of_another_authority_is_not_counted(world, panel, mash):
    stranger = ChildFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"))
    returned(mash, stranger, days_ago=6, found_location="DM1 4QT")
    assert stored(panel)["Station Road hotel"] == 2
    assert_in_step(panel)


def test_a_held_interview_counts_where_the_child_said_they_were(world, panel, mash, people, authority):
    child = ChildFactory(authority=authority)
    episode = returned(mash, child, days_ago=6, found_location="At home")
    assert stored(panel)["Riverside park"] == 0
    interview = ReturnInterview.objects.get(child=child, episodes=episode)
    return_interview_accept(actor=mash, interview=interview, interviewer=people["nurse"], interviewer_role="health")
    return_interview_complete(actor=mash, interview=interview, held_at=timezone.now() - timedelta(hours=1),
                              where_and_with_whom="Slept in Riverside Park with friends", voice_of_child="Was cold.")
    assert stored(panel, child) == {"Station Road hotel": 0, "Riverside park": 1}
    assert_in_step(panel)


def test_a_place_added_or_readdressed_finds_its_episodes_and_a_rename_alone_changes_nothing(world, panel, people):
    chair = people["chair"]
    postcode_only = services.place_create(actor=chair, panel=panel, name="Car park", kind="other", postcode="DM1 4QT")
    assert stored(panel)["Car park"] == 1  # the found location names the postcode; the interview does not
    services.place_update(actor=chair, place=world["other_place"], address="14 Station Road")
    assert stored(panel)["Riverside park"] == 1  # the interview names the address
    services.place_update(actor=chair, place=postcode_only, postcode="")
    assert stored(panel)["Car park"] == 0
    before = set(FoundAt.objects.values_list("place_id", "episode_id"))
    services.place_update(actor=chair, place=world["place"], name="Station Road Hotel (closed)")
    assert set(FoundAt.objects.values_list("place_id", "episode_id")) == before
    assert_in_step(panel)


def test_a_persons_link_is_counted_once(world, panel, people):
    for _ in range(2):
        services.place_link_episode(actor=people["officer"], place=world["other_place"], episode=world["episodes"][2])
    assert stored(panel)["Riverside park"] == 1
    assert_in_step(panel)


def test_the_counts_follow_a_merge_of_two_records(world, panel, mash, authority):
    survivor, other = world["seen"], ChildFactory(authority=authority, given_name="Sam", family_name="Mergeford")
    returned(mash, other, days_ago=20, found_location="Station Rd hotel, DM1 4QT")
    assert stored(panel, survivor)["Station Road hotel"] == 1
    child_merge(actor=mash, child=survivor, other=other, keep={})
    assert stored(panel, survivor) == {"Station Road hotel": 2, "Riverside park": 0}
    assert stored(panel, other) == {"Station Road hotel": 0, "Riverside park": 0}
    assert stored(panel)["Station Road hotel"] == 3
    assert_in_step(panel, survivor)
    assert_in_step(panel)


def test_an_anonymised_record_is_no_longer_counted(world, panel, people):
    services.place_link_episode(actor=people["officer"], place=world["other_place"], episode=world["episodes"][2])
    child_record_dispose(world["unseen"].pk, Disposal.ANONYMISE)
    assert stored(panel) == {"Station Road hotel": 1, "Riverside park": 0}
    assert_in_step(panel)


def test_filling_from_scratch_makes_the_rows_the_services_keep(world, panel, people):
    services.place_link_episode(actor=people["officer"], place=world["other_place"], episode=world["episodes"][2])
    kept = set(FoundAt.objects.values_list("place_id", "episode_id"))
    FoundAt.objects.all().delete()
    found.fill_all()
    assert set(FoundAt.objects.values_list("place_id", "episode_id")) == kept
    found.fill_all()  # again: nothing twice
    assert FoundAt.objects.count() == len(kept)


def test_counting_is_one_query_whatever_the_number_of_episodes(world, panel, mash, authority,
                                                             django_assert_num_queries):
    for n in range(5):
        returned(mash, ChildFactory(authority=authority), days_ago=30 + 2 * n, found_location="DM1 4QT")
    with django_assert_num_queries(1):
        assert stored(panel)["Station Road hotel"] == 7
