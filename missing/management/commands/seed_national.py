"""A national-size synthetic data set in minutes: `manage.py seed_national --authorities N --children C`.

The first authority is the demo's ("Demo Borough Council", made by seed_demo with `--live` children)
so its users, open episodes, triage queue, interviews, panels and actions exist as the services make
them. Then every authority (the demo's included) is filled up to C/N children with ten years of
closed history written by COPY (casework.bulkcopy): episodes, their T1 deadline (done) and the
clock's row (nothing to check), completed return interviews, the police notification linked to each
episode, an audit event per episode and a record access per child. The same seed makes the same
data; ids are derived from the seed, not drawn at random.
"""

import random
import time
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from casework.bulkcopy import SeqIds, bulk_load, copy_rows
from casework.clocks.services import deadline_tally_rebuild
from casework.models import Agency, AgencyKind, AuditEvent, Deadline, LocalAuthority, RecordAccess, User
from casework.models.clocks import SubjectClock
from casework.retention import retention_policy_for
from casework.services import agency_create
from intelligence.found import fill_all as found_at_fill_all
from intelligence.models import FoundAt
from missing.clocks.kind import EPISODE
from missing.management.commands.seed_demo import AGENCIES, FIRST, LAST_A, LAST_B, PLACES, PROVIDERS
from missing import report_months
from missing.duplicates import duplicate_pairs_rebuild
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
        with transaction.atomic(), bulk_load(BULK_MODELS):
            kids = self._children(plan, rng, now)
            self._log(started, f"{len(kids)} children")
            made = self._episodes(kids, episodes - MissingEpisode.objects.count(), rng, now, reader)
            self._log(started, f"{made} episodes with deadlines, clocks, interviews, notifications and audit")
            meetings = self._panel_history(plan, kids, rng, now)
            self._log(started, f"{meetings} past panel meetings with their lists, ratings, actions and deadlines")
        self._log(started, "indexes and foreign keys made again")
        groups = deadline_tally_rebuild()  # the bulk rows' closed deadlines, counted for the lists
        self._log(started, f"{groups} groups of closed deadlines tallied")
        pairs = duplicate_pairs_rebuild()
        self._log(started, f"{pairs} likely duplicate pairs stored")
        with transaction.atomic():
            report_months.refresh()  # the dashboard's monthly figures of the bulk history, set-based
        self._log(started, "dashboard monthly figures")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in [*BULK_MODELS, EpisodeMonthFigure]:
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self._log(started, "analysed")
        with transaction.atomic():
            found_at_fill_all()  # the bulk-made episodes counted at the demo panel's places
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'ANALYZE "{FoundAt._meta.db_table}"')
        self._log(started, "episodes counted at places")
        self.stdout.write(self.style.SUCCESS(
            f"{LocalAuthority.objects.count()} authorities, {Child.objects.count()} children, "
            f"{MissingEpisode.objects.count()} episodes, {Deadline.objects.count()} deadlines."
        ))

    def _log(self, started, what):
        self.stdout.write(f"{time.monotonic() - started:7.1f} s  {what}")

    def _children(self, plan, rng, now):
        """COPY the children; returns (id, authority_id, lead agency id, given, family, dob) tuples."""
        today = now.date()
        kids = []
        child_ids = SeqIds(rng)
        columns = ["id", "authority_id", "given_name", "family_name", "date_of_birth", "gender", "police_person_id",
                   "legal_status", "send", "placement_provider", "allocated_team", "school", "lead_agency_id",
                   "placed_out_of_area"]

        def rows():
            serial = 0
            for la, count in plan:
                agencies = dict(Agency.objects.filter(authority=la).values_list("kind", "pk"))
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
        the rows real use leaves behind."""
        if count <= 0 or not kids:
            return 0
        police = {str(a): str(p) for a, p in Agency.objects.filter(kind=AgencyKind.POLICE).values_list("authority_id", "pk")}
        rhi = {str(a): str(p) for a, p in
               Agency.objects.filter(kind=AgencyKind.RETURN_INTERVIEW_SERVICE).values_list("authority_id", "pk")}
        made = []  # (episode id, child tuple, started, reported, returned, due, done), times as text
        episode_ids = SeqIds(rng)

        def episode_rows():
            for _ in range(count):
                child = kids[rng.randrange(len(kids))]
                start = now - timedelta(days=rng.randint(36, 3650), minutes=rng.randint(0, 1439))
                reported = start + timedelta(hours=rng.randint(1, 6))
                returned = start + timedelta(hours=rng.randint(7, 90))
                episode_id = next(episode_ids)
                times = (start.isoformat(), reported.isoformat(), returned.isoformat(),
                         (returned + timedelta(hours=72)).isoformat(), (returned + timedelta(hours=30)).isoformat())
                made.append((episode_id, child, *times))
                yield (episode_id, child[0], child[1], rng.choice(["missing", "missing", "absent", "away_without_authorisation"]),
                       rng.choice(["high", "medium", "medium", "low"]), rng.choice(["home", "home", "care"]),
                       times[0], times[1], times[2], rng.choice(PLACES), f"NAT-{len(made):08d}", times[0])

        copy_rows(MissingEpisode, ["id", "child_id", "authority_id", "category", "risk_level", "location_type", "started_at",
                                   "reported_at", "returned_at", "found_location", "police_ref", "created_at"],
                  episode_rows(), now=now)
        deadline_ids = SeqIds(rng)
        copy_rows(Deadline, ["id", "authority_id", "rule", "kind", "title", "subject_type", "subject_id", "child_id",
                             "counts_from", "due_at", "status", "source", "completed_at", "created_at"],
                  ((next(deadline_ids), c[1], "T1", "duty", "Return home interview offered and held", EPISODE, e, c[0],
                    back, due, "done", "002 §9", done, back)
                   for e, c, _, _, back, due, done in made), now=now)
        copy_rows(SubjectClock, ["subject_type", "subject_id", "next_check_at"],
                  ((EPISODE, e, None) for e, *_ in made), now=now)
        interviews, links = [], []
        interview_ids = SeqIds(rng)
        for e, c, _, _, back, _, done in made:
            if rng.random() < 0.6:
                interview_id = next(interview_ids)
                interviews.append((interview_id, c[0], c[1], "completed", back, "rhi_service", rhi.get(c[1]), back, done, back))
                links.append((interview_id, e))
        copy_rows(ReturnInterview, ["id", "child_id", "authority_id", "state", "offered_at", "interviewer_role",
                                    "interviewer_agency_id", "accepted_at", "held_at", "created_at"],
                  interviews, now=now)
        copy_rows(ReturnInterview.episodes.through, ["returninterview_id", "missingepisode_id"], links, now=now)
        del interviews, links
        notification_ids = SeqIds(rng)
        copy_rows(PoliceNotification, ["id", "authority_id", "source_ref", "kind", "received_at", "occurred_at",
                                       "child_given_name", "child_family_name", "child_date_of_birth", "risk_level",
                                       "location_type", "status", "child_id", "episode_id", "sender_agency_id",
                                       "triaged_at", "created_at"],
                  ((next(notification_ids), c[1], f"NAT-N{n:08d}", "missing", reported, start, c[2], c[3], c[4],
                    "medium", "home", "linked", c[0], e, police.get(c[1]), reported, reported)
                   for n, (e, c, start, reported, *_) in enumerate(made)), now=now)
        audit_ids = SeqIds(rng)
        copy_rows(AuditEvent, ["id", "at", "verb", "object_type", "object_id", "child_id"],
                  ((next(audit_ids), reported, "episode.created", "missing.MissingEpisode", e, c[0])
                   for e, c, _, reported, *_ in made), now=now)
        access_ids = SeqIds(rng)
        reader_id, at = str(reader.pk), (now - timedelta(days=1)).isoformat()
        copy_rows(RecordAccess, ["id", "at", "user_id", "child_id", "channel", "path"],
                  ((next(access_ids), at, reader_id, c[0], "page", f"/missing/children/{c[0]}/") for c in kids), now=now)
        return len(made)

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
