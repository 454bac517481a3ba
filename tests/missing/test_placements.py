"""Placements (N7) on the database: the child's record kept in step, and out-of-area notices that
go to the other council exactly once per episode however often the sweep runs."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from casework.clocks.services import deadline_complete, deadlines_sweep
from casework.models import AuditEvent, Deadline, DeadlineStatus, Escalation, OutgoingEmail
from missing.models import AuthorityContact, Child, LegalStatus, Placement, PlacementProvider, PlacementType
from missing.placements.clocks import PLACEMENT
from missing.placements.selectors import providers_with_counts
from missing.placements.services import (
    contact_delete,
    contact_save,
    placement_end,
    placement_record,
    provider_create,
    provider_update,
)
from missing.services import child_update, episode_create, episode_update
from tests.factories import ChildFactory, LocalAuthorityFactory

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 10, 9, 0, tzinfo=LONDON)  # a Wednesday
ELSEWHERE = "Farshire County Council"
HOSTS = "Nearby Borough Council"


@pytest.fixture
def clock(time_machine):
    def at(moment):
        time_machine.move_to(moment, tick=False)
        return moment

    at(START)
    return at


@pytest.fixture
def home(authority, mash):
    return provider_create(actor=mash, authority=authority, name="Oak Lodge", kind="childrens_home",
                           ofsted_urn="SC123456", postcode="ab1 2cd")


@pytest.fixture
def child(authority):
    return ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=date(2011, 3, 1))


def _episode(mash, child, start, hours_back=None):
    episode = episode_create(actor=mash, child=child, category="missing", risk_level="medium", location_type="care",
                             started_at=start, reported_at=start + timedelta(hours=1))
    if hours_back is not None:
        episode_update(actor=mash, episode=episode, returned_at=start + timedelta(hours=hours_back))
    return episode


def _emails_to(address):
    return [m for m in OutgoingEmail.objects.all() if address in m.to]


# Providers ---------------------------------------------------------------------------------------


def test_provider_is_validated_and_normalised(authority, mash, home):
    assert home.postcode == "AB1 2CD"
    with pytest.raises(ValidationError) as error:
        provider_create(actor=mash, authority=authority, name="oak lodge", kind="castle", ofsted_urn="12-AB")
    assert set(error.value.message_dict) == {"name", "kind", "ofsted_urn"}
    assert PlacementProvider.objects.count() == 1
    assert AuditEvent.objects.filter(verb="provider.created").count() == 1


def test_renaming_a_provider_renames_the_old_text_field_of_its_children(clock, mash, home, child):
    placement_record(actor=mash, child=child, provider=home, placement_type=PlacementType.CHILDRENS_HOME,
                     started_on=date(2026, 5, 1))
    provider_update(actor=mash, provider=home, name="Oak Lodge House")
    child.refresh_from_db()
    assert child.placement_provider == "Oak Lodge House"


# Placements keep the child's record in step -------------------------------------------------------


def test_recording_a_current_placement_sets_the_record_and_ends_the_previous_one(clock, mash, home, child, authority):
    first = placement_record(actor=mash, child=child, placement_type=PlacementType.FOSTER_CARE,
                             started_on=date(2026, 1, 5))
    child.refresh_from_db()
    assert (child.placement_type, child.provider, child.placement_provider) == ("foster_care", None, "")
    second = placement_record(actor=mash, child=child, provider=home, placement_type=PlacementType.CHILDRENS_HOME,
                              started_on=date(2026, 5, 1), responsible_authority=ELSEWHERE)
    first.refresh_from_db()
    child.refresh_from_db()
    assert first.ended_on == date(2026, 4, 30)
    assert child.provider == home and child.placement_provider == "Oak Lodge"
    assert child.placement_type == "childrens_home"
    assert child.placed_by_other_authority and not child.placed_out_of_area
    assert child.responsible_authority == ELSEWHERE
    placement_end(actor=mash, placement=second, ended_on=date(2026, 6, 1))
    child.refresh_from_db()
    assert child.provider is None and child.placement_provider == "" and not child.placed_by_other_authority
    assert AuditEvent.objects.filter(verb="placement.recorded").count() == 2
    assert AuditEvent.objects.filter(verb="placement.ended").count() == 2


def test_bad_placements_save_nothing(clock, mash, child, authority):
    other_home = PlacementProvider.objects.create(
        authority=LocalAuthorityFactory(name="Other Borough Council"), name="Far Away House", kind="childrens_home")
    placement_record(actor=mash, child=child, placement_type=PlacementType.FOSTER_CARE, started_on=date(2026, 1, 5))
    before = Placement.objects.count()
    cases = [
        ({"placement_type": "palace", "started_on": date(2026, 2, 1), "ended_on": date(2026, 3, 1)}, "placement_type"),
        ({"placement_type": "other", "started_on": date(2026, 7, 1)}, "started_on"),  # future
        ({"placement_type": "other", "started_on": date(2010, 1, 1), "ended_on": date(2010, 2, 1)}, "started_on"),
        ({"placement_type": "other", "started_on": date(2026, 2, 1), "ended_on": date(2026, 1, 1)}, "ended_on"),
        ({"placement_type": "other", "started_on": date(2026, 1, 5)}, "started_on"),  # same day as current
        ({"placement_type": "other", "started_on": date(2026, 2, 1), "ended_on": date(2026, 3, 1)}, "started_on"),
        ({"placement_type": "other", "started_on": date(2026, 2, 1), "provider": other_home}, "provider"),
        ({"placement_type": "other", "started_on": date(2026, 2, 1), "responsible_authority": ELSEWHERE,
          "host_authority": HOSTS}, "host_authority"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            placement_record(actor=mash, child=child, **fields)
        assert field in error.value.message_dict, (fields, error.value.message_dict)
    assert Placement.objects.count() == before
    assert Placement.objects.get(child=child).ended_on is None


def test_our_own_name_as_the_other_council_is_no_other_council(clock, mash, child, authority):
    placement_record(actor=mash, child=child, placement_type=PlacementType.FOSTER_CARE, started_on=date(2026, 1, 5),
                     responsible_authority=f" {authority.name.upper()} ")
    child.refresh_from_db()
    assert not child.placed_by_other_authority
    assert not Deadline.objects.filter(subject_type=PLACEMENT).exists()


def test_ethnicity_placement_type_and_home_area_on_the_record(mash, child):
    child_update(actor=mash, child=child, ethnicity="WBRI", placement_type="foster_care", home_area=" ab12 ")
    child.refresh_from_db()
    assert (child.ethnicity, child.placement_type, child.home_area) == ("WBRI", "foster_care", "AB12")
    for bad in ({"home_area": "AB1 2CD"}, {"ethnicity": "XXXX"}, {"placement_type": "castle"}):
        with pytest.raises(ValidationError) as error:
            child_update(actor=mash, child=child, **bad)
        assert set(error.value.message_dict) == set(bad)
    child.refresh_from_db()
    assert child.home_area == "AB12"


# The out-of-area notices ------------------------------------------------------------------------


def test_placed_in_child_each_episode_is_notified_once_under_repeated_sweeps(
        clock, authority, admin_user, mash, home, child):
    contact_save(actor=admin_user, authority=authority, other_authority=ELSEWHERE.lower(),
                 email="mash@farshire.example")
    placement_record(actor=mash, child=child, provider=home, placement_type=PlacementType.CHILDRENS_HOME,
                     started_on=date(2026, 5, 1), responsible_authority=ELSEWHERE)
    first = _episode(mash, child, START - timedelta(hours=5), hours_back=3)
    for minutes in (1, 2, 2, 30):
        clock(START + timedelta(minutes=minutes))
        deadlines_sweep()
    row = Deadline.objects.get(subject_type=PLACEMENT, rule="N7")
    assert row.status == DeadlineStatus.DONE and row.key == f"in:{first.pk.hex}"
    emails = _emails_to("mash@farshire.example")
    assert len(emails) == 1
    assert child.full_name in emails[0].body and "Oak Lodge" in emails[0].body
    assert Escalation.objects.filter(deadline=row).count() == 1

    # A correction of the episode, a second episode, and late sweeps: one more notice, no repeats.
    clock(START + timedelta(days=2))
    episode_update(actor=mash, episode=first, found_location="A friend's house")
    _episode(mash, child, START + timedelta(days=1, hours=20))
    for minutes in (1, 1, 60 * 24 * 3):
        clock(START + timedelta(days=2, minutes=minutes))
        deadlines_sweep()
    assert Deadline.objects.filter(subject_type=PLACEMENT, rule="N7", status=DeadlineStatus.DONE).count() == 2
    assert len(_emails_to("mash@farshire.example")) == 2
    assert Escalation.objects.filter(deadline__subject_type=PLACEMENT).count() == 2


def test_episodes_outside_the_placement_are_not_notified(clock, authority, admin_user, mash, home, child):
    contact_save(actor=admin_user, authority=authority, other_authority=ELSEWHERE, email="mash@farshire.example")
    _episode(mash, child, datetime(2026, 4, 20, 10, tzinfo=LONDON), hours_back=2)  # before the placement
    placement_record(actor=mash, child=child, provider=home, placement_type=PlacementType.CHILDRENS_HOME,
                     started_on=date(2026, 5, 1), ended_on=date(2026, 5, 31), responsible_authority=ELSEWHERE)
    _episode(mash, child, datetime(2026, 6, 3, 10, tzinfo=LONDON), hours_back=2)  # after it ended
    deadlines_sweep()
    assert not Deadline.objects.filter(subject_type=PLACEMENT).exists()
    assert _emails_to("mash@farshire.example") == []


def test_without_a_contact_the_notice_is_owed_by_the_mash_then_sent_once_a_contact_is_added(
        clock, authority, admin_user, mash, home, child):
    placement_record(actor=mash, child=child, provider=home, placement_type=PlacementType.CHILDRENS_HOME,
                     started_on=date(2026, 5, 1), responsible_authority=ELSEWHERE)
    episode = _episode(mash, child, START - timedelta(hours=5), hours_back=3)
    deadlines_sweep()
    owed = Deadline.objects.get(subject_type=PLACEMENT)
    assert (owed.rule, owed.kind, owed.status) == ("N7M", "duty", DeadlineStatus.OPEN)
    assert "MASH" in owed.title and ELSEWHERE in owed.reason
    assert OutgoingEmail.objects.filter(subject__icontains="missing episode").count() == 0

    clock(START + timedelta(hours=2))
    contact_save(actor=admin_user, authority=authority, other_authority=ELSEWHERE, email="mash@farshire.example")
    owed.refresh_from_db()
    assert owed.status == DeadlineStatus.CANCELLED
    for minutes in (1, 2, 3):
        clock(START + timedelta(hours=2, minutes=minutes))
        deadlines_sweep()
    sent = Deadline.objects.get(subject_type=PLACEMENT, rule="N7")
    assert sent.status == DeadlineStatus.DONE and sent.key == f"in:{episode.pk.hex}"
    assert len(_emails_to("mash@farshire.example")) == 1

    # Removing the contact afterwards does not make the given notice owed again.
    contact_delete(actor=admin_user, contact=AuthorityContact.objects.get())
    deadlines_sweep()
    assert not Deadline.objects.filter(subject_type=PLACEMENT, rule="N7M", status__in=["open", "overdue"]).exists()


def test_a_notice_told_by_hand_is_not_sent_again(clock, authority, admin_user, mash, home, child):
    placement_record(actor=mash, child=child, provider=home, placement_type=PlacementType.CHILDRENS_HOME,
                     started_on=date(2026, 5, 1), responsible_authority=ELSEWHERE)
    _episode(mash, child, START - timedelta(hours=5), hours_back=3)
    owed = Deadline.objects.get(subject_type=PLACEMENT, rule="N7M")
    deadline_complete(deadline=owed, actor=mash, note="Phoned their MASH.")
    contact_save(actor=admin_user, authority=authority, other_authority=ELSEWHERE, email="mash@farshire.example")
    deadlines_sweep()
    assert not Deadline.objects.filter(subject_type=PLACEMENT, rule="N7").exists()
    assert _emails_to("mash@farshire.example") == []


def test_placed_out_host_is_told_of_the_placement_and_each_episode(clock, authority, admin_user, mash, child):
    far_home = provider_create(actor=mash, authority=authority, name="Hill House", kind="childrens_home",
                               host_authority=HOSTS)
    contact_save(actor=admin_user, authority=authority, other_authority=HOSTS, email="mash@nearby.example")
    placement_record(actor=mash, child=child, provider=far_home, placement_type=PlacementType.CHILDRENS_HOME,
                     started_on=date(2026, 6, 1))
    child.refresh_from_db()
    assert child.placed_out_of_area and not child.placed_by_other_authority
    _episode(mash, child, START - timedelta(hours=5), hours_back=3)
    for minutes in (1, 1, 5):
        clock(START + timedelta(minutes=minutes))
        deadlines_sweep()
    keys = sorted(Deadline.objects.filter(subject_type=PLACEMENT, status="done").values_list("key", flat=True))
    assert keys[0].startswith("out:") and keys[1] == "out:placement" and len(keys) == 2
    subjects = sorted(m.subject for m in _emails_to("mash@nearby.example"))
    assert subjects == [f"Missing episode: {child.full_name}", f"Placement in your area: {child.full_name}"]


def test_count_of_episodes_per_establishment(clock, authority, mash, home, child):
    other = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=date(2012, 1, 1))
    placement_record(actor=mash, child=child, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 5, 1))
    placement_record(actor=mash, child=other, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 5, 10), ended_on=date(2026, 5, 20))
    _episode(mash, child, START - timedelta(days=3), hours_back=2)
    _episode(mash, child, START - timedelta(hours=5), hours_back=2)
    _episode(mash, other, datetime(2026, 5, 15, 12, tzinfo=LONDON), hours_back=2)
    _episode(mash, other, datetime(2026, 5, 25, 12, tzinfo=LONDON), hours_back=2)  # after it ended
    row = providers_with_counts(PlacementProvider.objects.filter(pk=home.pk)).get()
    assert (row.episode_count, row.children_now) == (3, 1)
    assert Child.objects.get(pk=child.pk).provider == home


def test_placements_are_part_of_the_childs_data_erased_with_it_and_kept_when_anonymised(clock, mash, home, child):
    from missing.child_data import child_data_parts

    placement_record(actor=mash, child=child, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 5, 1))
    part = {p.key: p for p in child_data_parts()}["placements"]
    records = part.collect(child)
    assert len(records) == 1 and ("provider", "Provider", "Oak Lodge") in [
        (name, label.capitalize(), value) for name, label, value in records[0].fields]
    part.anonymise(child)
    assert Placement.objects.filter(child=child).count() == 1
    part.erase(child)
    assert not Placement.objects.filter(child=child).exists()


def test_the_host_is_not_told_of_a_placement_that_ended_before_it_could_be(clock, authority, admin_user, mash, child):
    far_home = provider_create(actor=mash, authority=authority, name="Hill House", kind="childrens_home",
                               host_authority=HOSTS)
    placement = placement_record(actor=mash, child=child, provider=far_home, placement_type="childrens_home",
                                 started_on=date(2026, 5, 1))
    assert Deadline.objects.get(subject_type=PLACEMENT).rule == "N7M"
    placement_end(actor=mash, placement=placement, ended_on=date(2026, 5, 20))
    contact_save(actor=admin_user, authority=authority, other_authority=HOSTS, email="mash@nearby.example")
    deadlines_sweep()
    assert Deadline.objects.get(subject_type=PLACEMENT).status == DeadlineStatus.CANCELLED
    assert _emails_to("mash@nearby.example") == []


def test_two_current_placements_refuse_a_merge_and_one_ended_lets_it_through(clock, mash, home, child, authority):
    from casework.errors import ConflictError
    from missing.merge import child_merge

    other = ChildFactory(authority=authority, given_name=child.given_name, family_name=child.family_name,
                         date_of_birth=child.date_of_birth, legal_status=child.legal_status)
    placement_record(actor=mash, child=child, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 5, 1))
    theirs = placement_record(actor=mash, child=other, placement_type="foster_care", started_on=date(2026, 4, 1))
    with pytest.raises(ConflictError, match="Both records have a current placement"):
        child_merge(actor=mash, child=child, other=other, keep={})
    placement_end(actor=mash, placement=theirs, ended_on=date(2026, 4, 30))
    child_merge(actor=mash, child=child, other=other, keep={})
    assert Placement.objects.filter(child=child).count() == 2
    assert Placement.objects.filter(child=child, ended_on__isnull=True).get().provider == home
