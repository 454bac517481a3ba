"""Two people changing different episodes, or an episode and a placement, of one child at the same
moment, on real PostgreSQL, each in its own connection and transaction: each waits for the other,
neither fails (missing.locks)."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from actions.models import MeetingKind
from actions.services import meeting_record
from casework.models import AgencyKind, Deadline
from missing.clocks.kind import EPISODE, episode_deadlines_complete
from missing.education.services import education_case_open, education_enquiry_record
from missing.interviews.services import return_interview_decline
from missing.models import EducationCase, Enquiry, LegalStatus, MissingEpisode, PlacementType, ReturnInterview
from missing.placements.services import placement_end, placement_record
from missing.report_months import months_changed
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 12


def run_each(*targets):
    """Run each target in its own thread, released at the same moment, each on its own connection;
    answers the errors raised."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def work(target):
        try:
            barrier.wait()
            target()
        except Exception as error:  # collected: a failing thread fails the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def back_from(authority, actor, ago, away):
    """A looked-after child back from an episode begun at each of `ago` (how long before now), each
    lasting `away`: the episodes, oldest first as given."""
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    now = timezone.now()
    return [
        episode_create(actor=actor, child=child, category="missing", started_at=now - before,
                       reported_at=now - before + timedelta(hours=1), returned_at=now - before + away,
                       risk_level="high", location_type="home")
        for before in ago
    ]


@pytest.fixture
def episodes(authority, mash):
    """A looked-after child back from four episodes this week: each episode's clocks still run (its
    return interview is due), so a change to any one reconciles all four."""
    made = back_from(authority, mash, [timedelta(days=8 - 2 * n) for n in range(4)], timedelta(hours=20))
    t1 = Deadline.objects.filter(subject_type=EPISODE, child_id=made[0].child_id, rule="T1", status="open")
    assert t1.count() == 4
    return made


def test_corrections_to_different_episodes_of_one_child_at_once_all_land(episodes, mash):
    def corrections(first):
        def run():
            for n in range(ROUNDS):
                episode = episodes[(first + n) % len(episodes)]
                episode_update(actor=mash, episode=episode, found_location=f"Place {first}-{n}")
        return run

    assert run_each(corrections(0), corrections(1)) == []
    rows = MissingEpisode.objects.filter(pk__in=[e.pk for e in episodes])
    places = set(rows.values_list("found_location", flat=True))
    assert len(places) == len(episodes) and all(place.startswith("Place ") for place in places)
    child_id = episodes[0].child_id
    assert Deadline.objects.filter(subject_type=EPISODE, child_id=child_id, rule="T1", status="open").count() == 4


def test_a_correction_and_a_new_episode_of_one_child_at_once_both_land(episodes, mash):
    child = episodes[0].child
    started = timezone.now() - timedelta(hours=2)

    def correct():
        for n in range(ROUNDS):
            episode_update(actor=mash, episode=episodes[n % len(episodes)], found_location=f"Corrected {n}")

    def report():
        episode_create(actor=mash, child=child, category="absent", started_at=started,
                       reported_at=started + timedelta(minutes=30), risk_level="low", location_type="home")

    assert run_each(correct, report) == []
    assert MissingEpisode.objects.filter(child=child).count() == 5


def test_a_placement_ending_and_corrections_to_the_childs_episodes_at_once_all_land(episodes, mash):
    """Ending a placement changes the child's record and reconciles the placements' clocks; a
    correction to an episode reconciles them too. Both take the child first."""
    child = episodes[0].child
    today = timezone.localdate()
    placement = placement_record(actor=mash, child=child, placement_type=PlacementType.FOSTER_CARE,
                                 started_on=today - timedelta(days=30), responsible_authority="Elsewhere Council")

    def correct():
        for n in range(ROUNDS):
            episode_update(actor=mash, episode=episodes[n % len(episodes)], found_location=f"Corrected {n}")

    def end():
        placement_end(actor=mash, placement=placement, ended_on=today)

    assert run_each(correct, end) == []
    placement.refresh_from_db()
    assert placement.ended_on == today
    assert MissingEpisode.objects.get(pk=episodes[(ROUNDS - 1) % len(episodes)].pk).found_location == f"Corrected {ROUNDS - 1}"


def test_return_interview_duties_recorded_while_the_episodes_are_corrected_all_land(authority, mash):
    """Recording T1 done locks the episode before its rows, as the episode's own reconcile does: a
    correction to the episode (its rows reconciled) and the duty recorded done wait for each other."""
    made = back_from(authority, mash, [timedelta(hours=24 * ROUNDS - 20 * n) for n in range(ROUNDS)],
                     timedelta(hours=2))
    child = made[0].child

    def correct():
        for _ in range(3):
            for episode in made:
                episode_update(actor=mash, episode=episode, found_location=f"Corrected {episode.pk}")

    def record():
        for episode in reversed(made):
            episode_deadlines_complete(episode=episode, rule="T1", actor=mash, note="Interview held.")

    assert run_each(correct, record) == []
    live = Deadline.objects.filter(subject_type=EPISODE, child_id=child.pk, rule="T1", status__in=["open", "overdue"])
    assert not live.exists()


def test_interviews_declined_while_the_returns_they_cover_are_corrected_all_land(authority, mash):
    """A refusal locks its interview after the child; a corrected return time (the child, then the
    episode, then the interview covering it) takes them in the same order."""
    made = back_from(authority, mash, [timedelta(days=3 * (6 - n)) for n in range(6)], timedelta(hours=2))
    child = made[0].child
    interviews = list(ReturnInterview.objects.filter(child=child))  # one covers repeat returns
    assert interviews and all(i.state == "offered" for i in interviews)

    def decline():
        for interview in interviews:
            return_interview_decline(actor=mash, interview=interview, declined_by="child", refusal_learnt="No.")

    def correct():
        for episode in reversed(made):
            episode_update(actor=mash, episode=episode, returned_at=episode.started_at + timedelta(hours=3))

    assert run_each(decline, correct) == []
    assert set(ReturnInterview.objects.filter(pk__in=[i.pk for i in interviews]).values_list("state", flat=True)) == {
        "declined"}
    assert {e.returned_at - e.started_at for e in MissingEpisode.objects.filter(child=child)} == {timedelta(hours=3)}


def test_enquiries_recorded_while_new_episodes_join_the_education_case_all_land(authority, agencies, mash):
    """An enquiry locks the case after the child; a new episode (the child first) joins the open case."""
    officer = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.EDUCATION])
    today = timezone.localdate()
    case = education_case_open(actor=officer, child=child, kind="cme", school="Demo Academy",
                               first_day=today - timedelta(days=20))
    now = timezone.now()

    def enquire():
        for item in Enquiry.values:
            education_enquiry_record(actor=officer, case=case, item=item, done_on=today)

    def report():
        for n in range(8):
            started = now - timedelta(hours=40 - 4 * n)
            episode_create(actor=mash, child=child, category="absent", started_at=started,
                           reported_at=started + timedelta(minutes=20), returned_at=started + timedelta(hours=1),
                           risk_level="low", location_type="home")

    assert run_each(enquire, report) == []
    assert case.enquiries.count() == len(Enquiry.values)
    assert case.episodes.count() == 8


def test_a_meeting_recorded_while_the_episodes_are_corrected_all_land(authority, mash):
    """A missing-from-care meeting completes T5 for each of the child's episodes in turn; it takes the
    child first, as a correction does."""
    made = back_from(authority, mash, [timedelta(days=12 - 2 * n) for n in range(6)], timedelta(hours=20))
    child = made[0].child
    t5 = Deadline.objects.filter(subject_type=EPISODE, child_id=child.pk, rule="T5", status__in=["open", "overdue"])
    assert t5.count() >= 2

    def meet():
        meeting_record(actor=mash, child=child, kind=MeetingKind.MISSING_FROM_CARE, held_at=timezone.now(),
                       attendees=[{"name": "Social worker"}], decisions="Plan agreed.")

    def correct():
        for _ in range(3):
            for episode in reversed(made):
                episode_update(actor=mash, episode=episode, found_location=f"Corrected {episode.pk}")

    assert run_each(meet, correct) == []
    assert not t5.exists()


def test_two_education_cases_opened_at_once_one_opens_and_the_other_is_told(authority, agencies):
    """Opening a case locks the child, so the second open sees the first's case (not a 500 from the
    database's one-open-case rule)."""
    officer = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.EDUCATION])
    told = []

    def open_case():
        try:
            education_case_open(actor=officer, child=child, kind="cme", school="Demo Academy",
                                first_day=timezone.localdate() - timedelta(days=3))
        except ValidationError as error:
            told.append(error.message_dict)

    assert run_each(open_case, open_case) == []
    assert told == [{"child": ["This child already has an open missing education case."]}]
    assert EducationCase.objects.filter(child=child, closed_at__isnull=True).count() == 1


def test_two_childrens_changes_marking_one_authoritys_months_in_other_orders_both_land(authority, mash):
    """A recorded return marks this month (the interview it owes), then its episode's months oldest
    first; a correction of another child's episode marks the same months oldest first. The first
    holds this month while the second starts: the marks of one authority wait for each other whole."""
    now = timezone.now()
    old = now - timedelta(days=40)
    first, second = ChildFactory(authority=authority), ChildFactory(authority=authority)
    open_episode = episode_create(actor=mash, child=first, category="missing", started_at=old,
                                  reported_at=old + timedelta(hours=1), risk_level="high", location_type="home")
    back = episode_create(actor=mash, child=second, category="missing", started_at=old,
                          reported_at=old + timedelta(hours=1), returned_at=now - timedelta(hours=2),
                          risk_level="high", location_type="home")
    marked = threading.Event()

    def record_return():
        with transaction.atomic():
            months_changed(authority.pk, [timezone.now()])  # as the interview owed for a return marks first
            marked.set()
            time.sleep(1)  # the other change starts meanwhile
            episode_update(actor=mash, episode=open_episode, returned_at=timezone.now() - timedelta(hours=1))

    def correct():
        marked.wait()
        episode_update(actor=mash, episode=back, found_location="Corrected")

    assert run_each(record_return, correct) == []
    assert MissingEpisode.objects.get(pk=open_episode.pk).returned_at is not None
    assert MissingEpisode.objects.get(pk=back.pk).found_location == "Corrected"
