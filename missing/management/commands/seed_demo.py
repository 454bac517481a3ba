"""A believable synthetic authority: agencies, a user for each role, children, episodes, a triage queue.

`--children` sets the size, so the same command makes a national-scale data set for benchmarks.
History older than the last month is bulk-inserted; recent episodes and every notification go
through the services, so clocks, audit and auto-linking behave as they do in real use.
Names are invented from syllables: no real person is named.
"""

import random
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from actions.demo import demo_actions
from casework.clocks.services import deadlines_sweep
from casework.models import AgencyKind, LocalAuthority, Role, User
from casework.retention import retention_policy_for
from casework.services import agency_create, user_create, user_update
from intelligence.demo import seed_intelligence
from missing.interviews.services import return_interview_accept
from missing.models import (
    Child,
    InterviewerRole,
    InterviewState,
    LegalStatus,
    MissingEpisode,
    NotificationKind,
    ReturnInterview,
    Vulnerability,
)
from missing import report_months
from missing.demo import demo_duplicates, demo_profiles_updates_and_meeting
from missing.duplicates import duplicate_pairs_rebuild
from missing.placements.demo import seed_placements
from missing.services import episode_create, episode_update, notification_receive
from panels.demo import seed_panel
from reporting.demo import demo_reports
from reporting.quarterly_demo import demo_interviews_held, demo_quarterly_report

DEMO_PASSWORD = "demo-password-2026"
FIRST = ["Ari", "Bel", "Cas", "Dex", "Eli", "Fen", "Gia", "Hal", "Isa", "Jem", "Kai", "Lio", "Mae", "Nia",
         "Oli", "Pax", "Quin", "Rae", "Sol", "Tam", "Uma", "Vic", "Wren", "Xan", "Yas", "Zed"]
LAST_A = ["Ash", "Bram", "Cole", "Dun", "Elm", "Fair", "Glen", "Hart", "Ivy", "Kings", "Lang", "Moor",
          "North", "Oak", "Pem", "Rook", "Stan", "Thorn", "Wes", "York"]
LAST_B = ["ley", "ford", "wood", "ton", "field", "by", "worth", "well", "more", "dale"]
PROVIDERS = ["Larch House children's home", "Birchview fostering agency", "Maple Court residential",
             "Riverside supported lodgings"]
PLACES = ["town centre bus station", "friend's address", "retail park", "railway station", "park",
          "fast food outlet", "another borough"]
AGENCIES = [
    ("Demo Children's Social Care", AgencyKind.CHILDRENS_SOCIAL_CARE),
    ("Demo Police Missing Persons Unit", AgencyKind.POLICE),
    ("Demo Community Health", AgencyKind.HEALTH),
    ("Demo Education Welfare", AgencyKind.EDUCATION),
    ("Demo Early Help", AgencyKind.EARLY_HELP),
    ("Demo Youth Offending Service", AgencyKind.YOUTH_OFFENDING),
    ("Demo Return Interview Service", AgencyKind.RETURN_INTERVIEW_SERVICE),
    ("Demo Young People's Charity", AgencyKind.VOLUNTARY),
]
USERS = [
    ("mash", "Morgan", "Coordinator", AgencyKind.CHILDRENS_SOCIAL_CARE, [Role.MASH_COORDINATOR]),
    ("chair", "Casey", "Chair", AgencyKind.CHILDRENS_SOCIAL_CARE, [Role.PANEL_CHAIR, Role.PANEL_MEMBER]),
    ("police", "Parker", "Officer", AgencyKind.POLICE, [Role.AGENCY_STAFF, Role.PANEL_MEMBER]),
    ("health", "Harper", "Nurse", AgencyKind.HEALTH, [Role.AGENCY_STAFF, Role.PANEL_MEMBER]),
    ("healthlead", "Hollis", "Lead", AgencyKind.HEALTH, [Role.AGENCY_STAFF]),
    ("healthhead", "Hayden", "Head", AgencyKind.HEALTH, [Role.AGENCY_STAFF]),
    ("rhi", "Riley", "Interviewer", AgencyKind.RETURN_INTERVIEW_SERVICE, [Role.AGENCY_STAFF]),
    ("education", "Emery", "Officer", AgencyKind.EDUCATION, [Role.AGENCY_STAFF, Role.PANEL_MEMBER]),
    ("board", "Blake", "Member", AgencyKind.OTHER, [Role.STRATEGIC_READER]),
]


class Command(BaseCommand):
    help = "Make a synthetic local authority with agencies, users, children, episodes and pending notifications."

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=300, help="how many children (default 300)")
        parser.add_argument("--notifications", type=int, default=None, help="pending notifications (default 1 in 15 children)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for a repeatable data set")
        parser.add_argument("--authority", default="Demo Borough Council")

    def handle(self, *args, children, notifications, seed, authority, **options):
        if children < 1:
            raise CommandError("--children must be at least 1.")
        if LocalAuthority.objects.filter(name=authority).exists():
            raise CommandError(f"{authority} already exists: use a fresh database or another --authority.")
        rng = random.Random(seed)
        now = timezone.now()
        with transaction.atomic():
            la = LocalAuthority.objects.create(name=authority)
            retention_policy_for(la)
            agencies = self._agencies(la)
            users = self._users(la, agencies)
        kids = self._children(la, agencies, users, children, rng, now)
        self._history(kids, rng, now)
        self._recent(kids, users["mash"], rng, now)
        self._interviews(users["mash"], users["rhi"], rng)
        self._actions(agencies, users, kids, now)
        count = notifications if notifications is not None else max(5, children // 15)
        self._notifications(la, kids, users["police"], count, rng, now)
        demo_duplicates(kids=kids, mash=users["mash"])
        demo_profiles_updates_and_meeting(authority=la, mash=users["mash"], kids=kids, now=now)
        panel = seed_panel(la=la, agencies=agencies, users=users, children=kids[: max(10, len(kids) // 10)], rng=rng,
                           now=now)
        seed_intelligence(panel=panel, users=users, agencies=agencies, now=now)
        seed_placements(la=la, users=users, children=kids, rng=rng, now=now)
        demo_reports(la=la, users=users, now=now)
        demo_interviews_held(actor=users["rhi"], authority=la, rng=rng, now=now)
        demo_quarterly_report(panel=panel, chair=users["chair"], now=now)
        deadlines_sweep()  # fire what is already due, as the clock would in its first minute
        self.stdout.write(self.style.SUCCESS(
            f"{la.name}: {len(agencies)} agencies, {User.objects.count()} users, {len(kids)} children, "
            f"{MissingEpisode.objects.filter(child__authority=la).count()} episodes."
        ))

    def _agencies(self, la):
        other = agency_create(actor=None, name="Demo Safeguarding Partnership", kind=AgencyKind.OTHER, authority=la)
        agencies = {kind: agency_create(actor=None, name=name, kind=kind, authority=la) for name, kind in AGENCIES}
        agencies[AgencyKind.OTHER] = other
        return agencies

    def _users(self, la, agencies):
        users = {}
        for username, first, last, kind, roles in USERS:
            if User.objects.filter(username=username).exists():
                raise CommandError(f"User {username} already exists: use a fresh database.")
            user = user_create(actor=None, username=username, password=DEMO_PASSWORD,
                               email=f"{username}@demo.invalid", agency=agencies[kind], roles=roles)
            user.first_name, user.last_name = first, last
            user.save(update_fields=["first_name", "last_name"])
            users[username] = user
        admin = user_create(actor=None, username="admin", password=DEMO_PASSWORD, email="admin@demo.invalid",
                            agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.ADMINISTRATOR])
        admin.is_superuser = admin.is_staff = True
        admin.save(update_fields=["is_superuser", "is_staff"])
        users["admin"] = admin
        return users

    def _children(self, la, agencies, users, count, rng, now):
        statuses = [LegalStatus.NONE] * 4 + [LegalStatus.CHILD_IN_NEED] * 2 + [LegalStatus.LOOKED_AFTER] * 3 + [
            LegalStatus.CHILD_PROTECTION_PLAN, LegalStatus.EARLY_HELP, LegalStatus.CARE_LEAVER]
        leads = [agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]] * 3 + [agencies[AgencyKind.EARLY_HELP],
                                                                   agencies[AgencyKind.HEALTH], None]
        today = now.date()
        rows = []
        for n in range(count):
            status = rng.choice(statuses)
            age_days = rng.randint(11 * 365, (19 if status == LegalStatus.CARE_LEAVER else 17) * 365 + 300)
            looked_after = status == LegalStatus.LOOKED_AFTER
            placed_here = looked_after and rng.random() < 0.3
            rows.append(Child(
                authority=la,
                given_name=rng.choice(FIRST),
                family_name=rng.choice(LAST_A) + rng.choice(LAST_B),
                date_of_birth=today - timedelta(days=age_days),
                gender=rng.choice(["female", "male", "female", "male", "other", "not_known"]),
                police_person_id=f"PP{100000 + n}",
                legal_status=status,
                send=rng.random() < 0.15,
                vulnerabilities=sorted(rng.sample(list(Vulnerability.values), k=rng.choice([0, 0, 0, 1, 1, 2]))),
                responsible_authority="Elsewhere County Council" if placed_here else "",
                placed_by_other_authority=placed_here,
                placed_out_of_area=looked_after and not placed_here and rng.random() < 0.2,
                placement_provider=rng.choice(PROVIDERS) if looked_after else "",
                allocated_team=rng.choice(["Assessment team", "Children in care team", "Family support team"]),
                school=f"{rng.choice(LAST_A)} Academy",
                lead_agency=rng.choice(leads),
            ))
        made = Child.objects.bulk_create(rows, batch_size=2000)
        duplicate_pairs_rebuild(authority_id=la.pk)  # records made in bulk: their likely pairs (N3) in one pass
        return made

    def _history(self, kids, rng, now):
        """Episodes older than a month: bulk-inserted, all returned."""
        rows = []
        for child in kids:
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
                start = now - timedelta(days=rng.randint(35, 360), hours=rng.randint(0, 23))
                rows.append(MissingEpisode(
                    child=child,
                    authority_id=child.authority_id,
                    category=rng.choice(["missing", "missing", "absent", "away_without_authorisation"]),
                    risk_level=rng.choice(["high", "medium", "medium", "low"]),
                    location_type="care" if child.legal_status == LegalStatus.LOOKED_AFTER else "home",
                    started_at=start,
                    reported_at=start + timedelta(hours=rng.randint(1, 6)),
                    returned_at=start + timedelta(hours=rng.randint(3, 90)),
                    found_location=rng.choice(PLACES),
                    police_ref=f"DEMO-{rng.randint(10000, 99999)}",
                    placement_provider=child.placement_provider,
                ))
        MissingEpisode.objects.bulk_create(rows, batch_size=5000)
        # bulk_create passes the services by: count the dashboard's monthly figures of these months.
        spans = [report_months.episode_span(row.started_at, row.returned_at) for row in rows]
        report_months.months_changed(kids[0].authority_id if kids else None, [m for span in spans for m in span])

    def _recent(self, kids, mash, rng, now):
        """A few recent and open episodes, through the services so that their clocks start."""
        chosen = rng.sample(kids, k=min(len(kids), max(3, len(kids) // 12)))
        for child in chosen:
            start = now - timedelta(hours=rng.randint(6, 24 * 20))
            episode = episode_create(
                actor=mash, child=child, category=rng.choice(["missing", "missing", "absent"]),
                risk_level=rng.choice(["high", "medium", "low"]),
                location_type="care" if child.legal_status == LegalStatus.LOOKED_AFTER else "home",
                started_at=start, reported_at=start + timedelta(hours=1),
                police_ref=f"DEMO-{rng.randint(10000, 99999)}", significant_harm=rng.random() < 0.1,
            )
            if rng.random() < 0.6:
                back = min(now - timedelta(minutes=30), start + timedelta(hours=rng.randint(2, 60)))
                episode_update(actor=mash, episode=episode, returned_at=back, found_location=rng.choice(PLACES))

    def _actions(self, agencies, users, kids, now):
        """Line managers for P15's chain, and actions in every state (one stuck) on children the chair sees."""
        user_update(actor=None, user=users["health"], line_manager=users["healthlead"])
        user_update(actor=None, user=users["healthlead"], line_manager=users["healthhead"])
        police = agencies[AgencyKind.POLICE]
        police.designated_manager = users["police"]
        police.save(update_fields=["designated_manager"])
        csc = agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]
        led = [k for k in kids if k.lead_agency_id == csc.pk]
        if len(led) < 4:
            return
        demo_actions(
            chair=users["chair"], police_user=users["police"], health_user=users["health"],
            health_manager=users["healthlead"], csc=csc, police=police, health=agencies[AgencyKind.HEALTH],
            education=agencies[AgencyKind.EDUCATION], children=led, now=now,
        )

    def _interviews(self, mash, rhi, rng):
        """Most children back from a recent episode chose the return interview service."""
        offered = ReturnInterview.objects.filter(state=InterviewState.OFFERED, child__authority=mash.agency.authority)
        for interview in offered:
            if rng.random() < 0.7:
                return_interview_accept(
                    actor=mash, interview=interview, interviewer=rhi, interviewer_role=InterviewerRole.RHI_SERVICE
                )

    def _notifications(self, la, kids, police, count, rng, now):
        """A triage queue: some for new children, some naming children already known (likely matches)."""
        for n in range(count):
            known = rng.random() < 0.5
            child = rng.choice(kids)
            received = now - timedelta(hours=rng.randint(1, 80))
            kind = rng.choice([NotificationKind.MISSING] * 3 + [NotificationKind.ABSENT])
            notification_receive(
                sender=police, authority=la,
                source_ref=f"DEMO-N{n:05d}", kind=kind,
                received_at=received, occurred_at=received - timedelta(hours=rng.randint(1, 5)),
                child_given_name=child.given_name if known else rng.choice(FIRST),
                child_family_name=child.family_name if known else rng.choice(LAST_A) + rng.choice(LAST_B),
                child_date_of_birth=child.date_of_birth if known else date(now.year - rng.randint(11, 17), rng.randint(1, 12), rng.randint(1, 28)),
                police_person_id="",
                risk_level=rng.choice(["high", "medium", "low"]),
                location_type=rng.choice(["home", "care", "education"]),
                found_location="", circumstances=rng.choice([
                    "Did not return from school.", "Left placement after an argument.",
                    "Seen getting into a car with unknown adults.", "Phone switched off since the evening.",
                ]),
            )
