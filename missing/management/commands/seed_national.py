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
from casework.models import Agency, AgencyKind, AuditEvent, Deadline, LocalAuthority, RecordAccess, User
from casework.models.clocks import SubjectClock
from casework.retention import retention_policy_for
from casework.services import agency_create
from missing.clocks.kind import EPISODE
from missing.management.commands.seed_demo import AGENCIES, FIRST, LAST_A, LAST_B, PLACES, PROVIDERS
from missing import report_months
from missing.models import (
    Child, EpisodeMonthFigure, LegalStatus, MissingEpisode, PoliceNotification, ReturnInterview,
)

DEMO_AUTHORITY = "Demo Borough Council"
STATUSES = [LegalStatus.NONE] * 4 + [LegalStatus.CHILD_IN_NEED] * 2 + [LegalStatus.LOOKED_AFTER] * 3 + [
    LegalStatus.CHILD_PROTECTION_PLAN, LegalStatus.EARLY_HELP, LegalStatus.CARE_LEAVER]
GENDERS = ["female", "male", "female", "male", "other", "not_known"]
TEAMS = ["Assessment team", "Children in care team", "Family support team"]


BULK_MODELS = (Child, MissingEpisode, Deadline, SubjectClock, ReturnInterview, ReturnInterview.episodes.through,
               PoliceNotification, AuditEvent, RecordAccess)


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
        self._log(started, "indexes and foreign keys made again")
        with transaction.atomic():
            report_months.refresh()  # the dashboard's monthly figures of the bulk history, set-based
        self._log(started, "dashboard monthly figures")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in [*BULK_MODELS, EpisodeMonthFigure]:
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self._log(started, "analysed")
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
                yield (episode_id, child[0], rng.choice(["missing", "missing", "absent", "away_without_authorisation"]),
                       rng.choice(["high", "medium", "medium", "low"]), rng.choice(["home", "home", "care"]),
                       times[0], times[1], times[2], rng.choice(PLACES), f"NAT-{len(made):08d}", times[0])

        copy_rows(MissingEpisode, ["id", "child_id", "category", "risk_level", "location_type", "started_at",
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
                interviews.append((interview_id, c[0], "completed", back, "rhi_service", rhi.get(c[1]), back, done, back))
                links.append((interview_id, e))
        copy_rows(ReturnInterview, ["id", "child_id", "state", "offered_at", "interviewer_role",
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
