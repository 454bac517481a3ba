"""A national-size synthetic data set in minutes: `manage.py seed_national --authorities N --children C`.

The first authority is the demo's ("Demo Borough Council", made by seed_demo with `--live` children)
so its users, open episodes, triage queue, interviews, panels and actions exist as the services make
them. Then every authority (the demo's included) is filled up to C/N children with ten years of
closed history written by COPY (casework.bulkcopy): episodes, their T1 deadline (done) and the
clock's row (nothing to check), completed return interviews, the police notification linked to each
episode, an audit event per episode and a record access per child. The same seed makes the same
data; ids are derived from the seed, not drawn at random.

Python's work and the database's run side by side on the machine's cores: worker processes format
the episodes' rows while this process sends them; indexes are made on two connections while likely
duplicates are found; the dashboard's figures are counted in two halves at once.
"""

import multiprocessing
import os
import random
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from casework.bulkcopy import CopyTable, SeqIds, copy_rows, copy_text, drop_for_load
from casework.calendar import add_hours
from casework.clocks.services import deadline_tally_rebuild
from casework.models import Agency, AgencyKind, AuditEvent, Deadline, LocalAuthority, RecordAccess, User
from casework.models.clocks import SubjectClock
from casework.retention import retention_policy_for
from casework.services import agency_create
from casework.tallies import tally_rebuild
from intelligence.found import fill_all as found_at_fill_all
from intelligence.models import FoundAt
from missing.clocks.kind import EPISODE
from missing.management.commands.seed_demo import AGENCIES, FIRST, LAST_A, LAST_B, PLACES, PROVIDERS
from missing import report_months
from missing.duplicates import duplicate_pairs_rebuild
from missing.tallies import TALLIES
from missing.models import Child, EpisodeMonthFigure, LegalStatus, MissingEpisode, PoliceNotification, ReturnInterview
from panels.clocks import MEETING
from panels.models import Meeting, MeetingChild, MeetingStatus, Panel, PanelMember, Rating
from panels.rules import meeting_deadlines, panel_protocol
from actions.clocks import ACTION, chain_wanted
from actions.models import Action, ActionStatus, ActionUpdate
from casework.protocol_store import protocol_for

DEMO_AUTHORITY = "Demo Borough Council"
STATUSES = [LegalStatus.NONE] * 4 + [LegalStatus.CHILD_IN_NEED] * 2 + [LegalStatus.LOOKED_AFTER] * 3 + [
    LegalStatus.CHILD_PROTECTION_PLAN, LegalStatus.EARLY_HELP, LegalStatus.CARE_LEAVER]
GENDERS = ["female", "male", "female", "male", "other", "not_known"]
TEAMS = ["Assessment team", "Children in care team", "Family support team"]


BULK_MODELS = (Child, MissingEpisode, Deadline, SubjectClock, ReturnInterview, ReturnInterview.episodes.through,
               PoliceNotification, AuditEvent, RecordAccess, Meeting, MeetingChild, Rating, Action, ActionUpdate)
HISTORY_MONTHS = 120  # ten years of monthly panel meetings per authority
LISTED_PER_MEETING = 15
ACTIONS_PER_MEETING = 4


EPISODE_TABLES = {  # the rows each closed episode leaves behind: (model, columns)
    "episode": (MissingEpisode, ["id", "child_id", "authority_id", "category", "risk_level", "location_type",
                                 "started_at", "reported_at", "returned_at", "found_location", "police_ref",
                                 "created_at"]),
    "deadline": (Deadline, ["id", "authority_id", "rule", "kind", "title", "subject_type", "subject_id", "child_id",
                            "counts_from", "due_at", "status", "source", "completed_at", "created_at"]),
    "clock": (SubjectClock, ["subject_type", "subject_id", "next_check_at"]),
    "interview": (ReturnInterview, ["id", "child_id", "authority_id", "state", "offered_at", "interviewer_role",
                                    "interviewer_agency_id", "accepted_at", "held_at", "first_returned_at",
                                    "created_at"]),
    "link": (ReturnInterview.episodes.through, ["returninterview_id", "missingepisode_id"]),
    "notification": (PoliceNotification, ["id", "authority_id", "source_ref", "kind", "received_at", "occurred_at",
                                          "child_given_name", "child_family_name", "child_date_of_birth",
                                          "risk_level", "location_type", "status", "child_id", "episode_id",
                                          "sender_agency_id", "triaged_at", "created_at"]),
    "audit": (AuditEvent, ["id", "at", "verb", "object_type", "object_id", "child_id"]),
}
ID_TABLES = [name for name, (_, columns) in EPISODE_TABLES.items() if columns[0] == "id"]  # numbered by SeqIds
EPISODES_PER_CHUNK = 50_000
CATEGORIES = ["missing", "missing", "absent", "away_without_authorisation"]
RISKS = ["high", "medium", "medium", "low"]
LOCATIONS = ["home", "home", "care"]


@dataclass(frozen=True)
class EpisodePlan:
    kids: list  # (id, authority id, given, family, date of birth), as text
    now: datetime
    seed: int
    heads: dict  # table name (ID_TABLES): the head of its ids (SeqIds)
    police: dict  # authority id: its police agency's id
    rhi: dict  # authority id: its return interview service's id
    t1_hours: dict  # authority id: T1's hours from the return, in its protocol


def episode_chunk(plan, index, first, count):
    """The rows of episodes first+1..first+count (a chunk): {table name: rows}. Pure: the chunk's
    own random (from the plan's seed and its index) and ids numbered from first+1 (a chunk's range
    of numbers is its own), so any process makes the same chunk."""
    rng = random.Random(f"{plan.seed}:{index}")
    kids, now = plan.kids, plan.now
    ids = {name: SeqIds(None, head=head, start=first) for name, head in plan.heads.items()}
    rows = {name: [] for name in EPISODE_TABLES}
    episodes, deadlines, clocks = rows["episode"], rows["deadline"], rows["clock"]
    interviews, links, notifications, audit = rows["interview"], rows["link"], rows["notification"], rows["audit"]
    for serial in range(first + 1, first + count + 1):
        child_id, authority, given, family, born = kids[rng.randrange(len(kids))]
        start = now - timedelta(days=rng.randint(36, 3650), minutes=rng.randint(0, 1439))
        began, reported = start.isoformat(), (start + timedelta(hours=rng.randint(1, 6))).isoformat()
        returned_at = start + timedelta(hours=rng.randint(7, 90))
        back, due = returned_at.isoformat(), add_hours(returned_at, plan.t1_hours[authority]).isoformat()
        done = (returned_at + timedelta(hours=30)).isoformat()
        episode_id = next(ids["episode"])
        episodes.append((episode_id, child_id, authority, rng.choice(CATEGORIES), rng.choice(RISKS),
                         rng.choice(LOCATIONS), began, reported, back, rng.choice(PLACES), f"NAT-{serial:08d}", began))
        deadlines.append((next(ids["deadline"]), authority, "T1", "duty", "Return home interview offered and held",
                          EPISODE, episode_id, child_id, back, due, "done", "002 §9", done, back))
        clocks.append((EPISODE, episode_id, None))
        if rng.random() < 0.6:
            interview_id = next(ids["interview"])
            interviews.append((interview_id, child_id, authority, "completed", back, "rhi_service",
                               plan.rhi.get(authority), back, done, back, back))
            links.append((interview_id, episode_id))
        notifications.append((next(ids["notification"]), authority, f"NAT-N{serial:08d}", "missing", reported, began,
                              given, family, born, "medium", "home", "linked", child_id, episode_id,
                              plan.police.get(authority), reported, reported))
        audit.append((next(ids["audit"]), reported, "episode.created", "missing.MissingEpisode", episode_id, child_id))
    return rows


_FORKED = {}  # what worker processes inherit at their fork instead of receiving it with each task


def _chunk_text(task):
    plan, tables = _FORKED["plan"], _FORKED["tables"]
    return {name: tables[name].text(rows) for name, rows in episode_chunk(plan, *task).items()}


def chunk_texts(plan, tables, tasks, *, ahead=4):
    """The COPY text of each task's chunk, in order, made by one worker process per core; at most
    `ahead` chunks wait to be sent, so memory stays flat whichever side is faster. The workers are
    forked after the plan is set (no pickling of a million children) and never touch the database."""
    _FORKED.update(plan=plan, tables=tables)
    try:
        with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
            waiting = deque()
            for task in tasks:
                waiting.append(pool.apply_async(_chunk_text, (task,)))
                if len(waiting) >= ahead:
                    yield waiting.popleft().get()
            while waiting:
                yield waiting.popleft().get()
    finally:
        _FORKED.clear()


def refresh_figures(authorities):
    """The authorities' monthly figures of the bulk history, set-based, in one transaction."""
    with transaction.atomic():
        report_months.refresh_authorities(authorities)


def side_by_side(*work):
    """Run each (function, when_done) pair in a thread of its own, each thread with its own database
    connection (closed when it ends); when_done(result) is called as each finishes. The database
    works while a thread waits on it, so a Python-bound task and a database-bound one overlap.
    The first error is raised once all have ended. Inside a transaction (a test's) or off
    PostgreSQL they run one after another on this connection: another connection could not see the
    rows this one has not committed."""
    if connection.in_atomic_block or connection.vendor != "postgresql":
        for function, when_done in work:
            when_done(function())
        return

    def run(function):
        try:
            return function()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        futures = {pool.submit(run, function): when_done for function, when_done in work}
        for future in as_completed(futures):
            futures[future](future.result())


class Command(BaseCommand):
    help = "Make N authorities with C children and ten years of history, by COPY (PostgreSQL) in minutes."

    def add_arguments(self, parser):
        parser.add_argument("--authorities", type=int, default=10)
        parser.add_argument("--children", type=int, default=1_000_000)
        parser.add_argument("--episodes", type=int, default=None, help="closed episodes (default 2 per child)")
        parser.add_argument("--live", type=int, default=2000, help="children of the demo authority made by seed_demo")
        parser.add_argument("--notifications", type=int, default=400, help="pending notifications in the demo authority")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, authorities, children, episodes, live, notifications, seed, **options):
        if authorities < 1 or children < authorities or live < 1:
            raise CommandError("Need at least one authority, one child per authority and one live child.")
        per_authority = children // authorities
        if live > per_authority:
            raise CommandError("--live cannot exceed the children of one authority.")
        episodes = 2 * children if episodes is None else episodes
        started = time.monotonic()
        call_command("seed_demo", children=live, notifications=notifications, seed=seed, authority=DEMO_AUTHORITY,
                     stdout=self.stdout)
        self._log(started, "demo authority")
        rng = random.Random(seed)
        now = timezone.now().replace(microsecond=0)
        demo = LocalAuthority.objects.get(name=DEMO_AUTHORITY)
        reader = User.objects.get(username="mash")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")  # a seed: nothing is lost if it must be rerun
        plan = [(demo, per_authority - live)]
        with transaction.atomic():
            for n in range(2, authorities + 1):
                la = LocalAuthority.objects.create(name=f"Synthetic Council {n:03d}")
                retention_policy_for(la)
                for name, kind in AGENCIES:
                    agency_create(actor=None, name=name.replace("Demo", la.name), kind=kind, authority=la)
                plan.append((la, per_authority + (children % authorities if n == authorities else 0)))
        self._log(started, f"{authorities} authorities")
        postgres = connection.vendor == "postgresql"
        with transaction.atomic():
            dropped = drop_for_load(BULK_MODELS) if postgres else None
            kids = self._children(plan, rng, now)
            self._log(started, f"{len(kids)} children")
            made = self._episodes(kids, episodes - MissingEpisode.objects.count(), rng, now, reader)
            self._log(started, f"{made} episodes with deadlines, clocks, interviews, notifications and audit")
            meetings = self._panel_history(plan, kids, rng, now)
            self._log(started, f"{meetings} past panel meetings with their lists, ratings, actions and deadlines")
        # The rows are in, without their indexes and foreign keys (a failure from here on leaves an
        # incomplete data set: seed a new database again). Making them is the database's work, on
        # two connections (each half of the indexes, then half of the foreign keys, which need no
        # index but the primary keys); finding likely duplicates (Python's work) runs beside them.
        pairs_found = (duplicate_pairs_rebuild, lambda pairs: self._log(started, f"{pairs} likely duplicate pairs stored"))
        if dropped is None:
            side_by_side(pairs_found)
        else:
            side_by_side(pairs_found, *[
                (partial(dropped.remake, dropped.indexes[half::2] + dropped.foreign_keys[half::2]),
                 lambda _: self._log(started, "indexes and foreign keys made (half)"))
                for half in (0, 1)])
            if connection.in_atomic_block:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # drop_for_load set them immediate
        groups = deadline_tally_rebuild()  # the bulk rows' closed deadlines, counted for the lists
        self._log(started, f"{groups} groups of closed deadlines tallied")
        for tally in TALLIES:  # the live children and notifications, counted again in one statement each
            tally_rebuild(tally)
        self._analyse(BULK_MODELS)  # before the counting below, which plans its joins from the statistics
        self._log(started, "analysed")
        # The dashboard's figures of every authority, counted in two halves side by side.
        authorities = list(LocalAuthority.objects.order_by("name").values_list("pk", flat=True))
        side_by_side(*[(partial(refresh_figures, half), lambda _: self._log(started, "dashboard monthly figures (half)"))
                       for half in (authorities[0::2], authorities[1::2]) if half])
        self._analyse([EpisodeMonthFigure])
        with transaction.atomic():
            found_at_fill_all()  # the bulk-made episodes counted at the demo panel's places
        self._analyse([FoundAt])
        self._log(started, "episodes counted at places")
        self.stdout.write(self.style.SUCCESS(
            f"{LocalAuthority.objects.count()} authorities, {Child.objects.count()} children, "
            f"{MissingEpisode.objects.count()} episodes, {Deadline.objects.count()} deadlines."
        ))

    def _log(self, started, what):
        self.stdout.write(f"{time.monotonic() - started:7.1f} s  {what}")

    @staticmethod
    def _analyse(models):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in models:
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')

    def _children(self, plan, rng, now):
        """COPY the children; returns (id, authority_id, lead agency id, given, family, dob) tuples."""
        today = now.date()
        kids = []
        child_ids = SeqIds(rng)
        columns = ["id", "authority_id", "given_name", "family_name", "date_of_birth", "gender", "police_person_id",
                   "legal_status", "send", "placement_provider", "allocated_team", "school", "lead_agency_id",
                   "placed_out_of_area"]

        agencies_of = {la.pk: dict(Agency.objects.filter(authority=la).values_list("kind", "pk")) for la, _ in plan}

        def rows():  # no query in here: copy_rows sends on the connection while this runs
            serial = 0
            for la, count in plan:
                agencies = agencies_of[la.pk]
                leads = [agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]] * 3 + [
                    agencies[AgencyKind.EARLY_HELP], agencies[AgencyKind.HEALTH], None]
                authority = str(la.pk)
                for _ in range(count):
                    serial += 1
                    status = rng.choice(STATUSES)
                    looked_after = status == LegalStatus.LOOKED_AFTER
                    child_id = next(child_ids)
                    given, family = rng.choice(FIRST), rng.choice(LAST_A) + rng.choice(LAST_B)
                    dob = (today - timedelta(days=rng.randint(11 * 365, 17 * 365 + 300))).isoformat()
                    lead = rng.choice(leads)
                    kids.append((child_id, authority, given, family, dob))
                    yield (child_id, authority, given, family, dob, rng.choice(GENDERS), f"NP{serial:08d}", status,
                           rng.random() < 0.15, rng.choice(PROVIDERS) if looked_after else "", rng.choice(TEAMS),
                           f"{rng.choice(LAST_A)} Academy", lead, looked_after and rng.random() < 0.2)

        copy_rows(Child, columns, rows(), now=now)
        return kids

    def _episodes(self, kids, count, rng, now, reader):
        """Closed episodes over ten years (none in the last five weeks, so no clock is due), each with
        the rows real use leaves behind; then a record access per child. The episodes are made in
        chunks, each from its own seeded random and first ids, so the same seed makes the same rows
        however the chunks are shared out: on PostgreSQL, worker processes format the chunks' text
        (Python's work, on every core) while this process sends it (the database's)."""
        if count <= 0 or not kids:
            return 0
        plan = EpisodePlan(
            kids=kids, now=now, seed=rng.getrandbits(64),
            heads={name: SeqIds(rng).head for name in ID_TABLES},
            police={str(a): str(p) for a, p in
                    Agency.objects.filter(kind=AgencyKind.POLICE).values_list("authority_id", "pk")},
            rhi={str(a): str(p) for a, p in
                 Agency.objects.filter(kind=AgencyKind.RETURN_INTERVIEW_SERVICE).values_list("authority_id", "pk")},
            t1_hours={str(pk): protocol_for(pk).t1_return_interview_hours
                      for pk in {authority for _, authority, *_ in kids}},
        )
        tasks = [(index, first, min(EPISODES_PER_CHUNK, count - first))
                 for index, first in enumerate(range(0, count, EPISODES_PER_CHUNK))]
        if connection.vendor == "postgresql" and len(tasks) > 1:
            tables = {name: CopyTable(model, columns, now=now) for name, (model, columns) in EPISODE_TABLES.items()}
            for texts in chunk_texts(plan, tables, tasks):
                for name, text in texts.items():
                    copy_text(tables[name], text)
        else:
            for task in tasks:
                for name, rows in episode_chunk(plan, *task).items():
                    model, columns = EPISODE_TABLES[name]
                    copy_rows(model, columns, rows, now=now)
        access_ids = SeqIds(rng)
        reader_id, at = str(reader.pk), (now - timedelta(days=1)).isoformat()
        copy_rows(RecordAccess, ["id", "at", "user_id", "child_id", "channel", "path"],
                  ((next(access_ids), at, reader_id, c[0], "page", f"/missing/children/{c[0]}/") for c in kids), now=now)
        return count

    def _panel_history(self, plan, kids, rng, now):
        """Ten years of monthly panel meetings per authority, ended and minuted, before the demo's live
        ones: each lists children of that authority with a rating, agrees actions (done since) and
        carries its P12-P14 rows (done) and, per action, P15's first step (done)."""
        by_authority = {}
        for kid in kids:
            by_authority.setdefault(kid[1], []).append(kid[0])
        meetings, listed, ratings, actions, updates, deadlines, clocks = [], [], [], [], [], [], []
        ids = {name: SeqIds(rng) for name in ("meeting", "listed", "rating", "action", "update", "deadline")}
        for la, _ in plan:
            children = by_authority.get(str(la.pk))
            if not children:
                continue
            agencies = list(Agency.objects.filter(authority=la).order_by("name"))
            panel = Panel.objects.filter(authority=la).order_by("created_at").first()
            if panel is None:
                chair = User.objects.create(
                    username=f"chair-{str(la.pk)[:8]}", email=f"chair-{str(la.pk)[:8]}@synthetic.invalid",
                    agency=next(a for a in agencies if a.kind == AgencyKind.CHILDRENS_SOCIAL_CARE),
                    roles=["panel_chair"],
                )
                chair.set_unusable_password()
                chair.save(update_fields=["password"])
                panel = Panel.objects.create(authority=la, name=f"{la.name} missing and exploitation panel",
                                             chair=chair)
                PanelMember.objects.bulk_create(PanelMember(panel=panel, agency=a) for a in agencies)
            chair_id = panel.chair_id or User.objects.filter(agency__authority=la).values_list("pk", flat=True)[0]
            protocol = panel_protocol(panel, protocol_for(la.pk))
            taken = set(Meeting.objects.filter(panel=panel).values_list("starts_at", flat=True))
            for month in range(2, HISTORY_MONTHS + 2):
                starts = (now - timedelta(days=30 * month)).replace(hour=10, minute=0, second=0)
                if starts in taken:
                    continue
                ended = starts + timedelta(hours=2)
                meeting = Meeting(id=next(ids["meeting"]), panel=panel, starts_at=starts, ended_at=ended,
                                  created_at=starts - timedelta(days=28))
                chosen = rng.sample(children, min(LISTED_PER_MEETING, len(children)))
                meetings.append((meeting.id, panel.pk, starts, MeetingStatus.ENDED, starts - timedelta(days=14),
                                 starts, ended, ended + timedelta(days=3), chair_id, meeting.created_at))
                for child_id in chosen:
                    listed.append((next(ids["listed"]), meeting.id, child_id, "Keep on the list; review next month.",
                                   starts - timedelta(days=14)))
                    ratings.append((next(ids["rating"]), meeting.id, child_id, rng.choice(["red", "amber", "green"]),
                                    "Synthetic rating for the benchmark.", chair_id, ended))
                wanted = meeting_deadlines(meeting, child_ids=chosen, protocol=protocol, authority_id=la.pk, now=now)
                deadlines += [(next(ids["deadline"]), la.pk, w.rule, w.key, w.kind, w.title, MEETING, meeting.id, None,
                               w.counts_from, w.due_at, "done", w.basis, w.source, w.due_at - timedelta(hours=1),
                               w.counts_from) for w in wanted.deadlines]
                clocks.append((MEETING, meeting.id, None))
                for child_id in chosen[:ACTIONS_PER_MEETING]:
                    action = Action(id=next(ids["action"]), authority_id=la.pk, child_id=child_id,
                                    description="Synthetic panel action: a return interview exploring associates.",
                                    due_date=(starts + timedelta(days=28)).date(), status=ActionStatus.OPEN,
                                    created_at=ended)
                    done_at = ended + timedelta(days=rng.randint(3, 27))
                    owner = rng.choice(agencies).pk
                    actions.append((action.id, la.pk, child_id, meeting.id, owner, action.description,
                                    "The interview is held and recorded.", action.due_date, ActionStatus.DONE,
                                    done_at, chair_id, ended, done_at))
                    updates.append((next(ids["update"]), action.id, 1, done_at, chair_id, ActionStatus.DONE,
                                    "Done: the interview was held."))
                    deadlines += [(next(ids["deadline"]), la.pk, w.rule, w.key, w.kind, w.title, ACTION, action.id,
                                   child_id, w.counts_from, w.due_at, "done", w.basis, w.source, done_at, ended)
                                  for w in chain_wanted(action, {}, protocol)]
                    clocks.append((ACTION, action.id, None))
        copy_rows(Meeting, ["id", "panel_id", "starts_at", "status", "list_published_at", "started_at", "ended_at",
                            "minutes_approved_at", "minutes_approved_by_id", "created_at"], meetings, now=now)
        copy_rows(MeetingChild, ["id", "meeting_id", "child_id", "decisions", "added_at"], listed, now=now)
        copy_rows(Rating, ["id", "meeting_id", "child_id", "rating", "rationale", "recorded_by_id", "recorded_at"],
                  ratings, now=now)
        copy_rows(Action, ["id", "authority_id", "child_id", "panel_meeting_id", "owner_agency_id", "description",
                           "success_measure", "due_date", "status", "completed_at", "created_by_id", "created_at",
                           "updated_at"], actions, now=now)
        copy_rows(ActionUpdate, ["id", "action_id", "number", "at", "by_id", "status", "text"], updates, now=now)
        copy_rows(Deadline, ["id", "authority_id", "rule", "key", "kind", "title", "subject_type", "subject_id",
                             "child_id", "counts_from", "due_at", "status", "basis", "source", "completed_at",
                             "created_at"], deadlines, now=now)
        copy_rows(SubjectClock, ["subject_type", "subject_id", "next_check_at"], clocks, now=now)
        return len(meetings)
