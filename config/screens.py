"""Every screen and API read, as a table of (label, user, url builder), for the benchmark
(scripts/benchmark.py) and the query-count guard (tests/test_query_counts.py).

A builder takes the Fixtures (ids of the objects the screens need, in the authority of the demo
users) and returns a path, or None when the data set has no such object. Add a screen with one
line in PAGES or APIS; the first row of each is the baseline the others are compared with.
"""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django.utils import timezone

from actions.models import Action, ChildMeeting
from casework.middleware import needs_second_factor
from casework.models import Deadline, User
from casework.models.clocks import LIVE_STATUSES
from intelligence.models import Association, Disruption, Person, Place
from missing.education.services import education_case_open
from missing.models import (
    Child, DuplicatePair, EducationCase, MissingEpisode, MissingPersonProfile, Placement, PlacementProvider,
    PoliceNotification, ReturnInterview,
)
from panels import services
from panels.models import Attendance, Meeting, MeetingChild, Panel
from referrals.models import Referral
from reporting.models import QuarterlyReport

AGENDA_SIZE = 40


class Fixtures:
    """The objects the screens need, found (or, for the 40-child agenda and an education case, made
    through the services) in the authority of the demo users."""

    def __init__(self, agenda_size=AGENDA_SIZE):
        self.agenda_size = agenda_size
        self.mash = User.objects.get(username="mash")
        authority = self.mash.agency.authority_id
        kids = Child.objects.filter(authority_id=authority)
        self.child = kids.filter(episodes__isnull=False, return_interviews__isnull=False).first() or kids.first()
        self.episode = MissingEpisode.objects.filter(child__authority_id=authority).order_by("-started_at").first()
        profile = MissingPersonProfile.objects.filter(child__authority_id=authority).first()
        self.profile_child = profile.child_id if profile else self.child.pk  # the API answers 404 without one
        self.interview = ReturnInterview.objects.filter(child__authority_id=authority, state="accepted").first()
        self.notification = PoliceNotification.objects.filter(authority_id=authority).first()
        self.panel = Panel.objects.filter(authority_id=authority).first()
        self.agenda = self._agenda(kids)
        self.past_meeting = (Meeting.objects.filter(panel=self.panel, ended_at__isnull=False)
                             .order_by("-starts_at").first())
        self.action = Action.objects.filter(child__authority_id=authority).order_by("-created_at").first()
        self.child_meeting = ChildMeeting.objects.filter(child__authority_id=authority).first()
        self.action_child = self.child_meeting.child_id if self.child_meeting else None
        self.referral = Referral.objects.filter(panel=self.panel).first()
        self.education_case = self._education_case(kids)
        self.offered_interview = ReturnInterview.objects.filter(child__authority_id=authority, state="offered").first()
        self.deadline = (Deadline.objects.filter(authority_id=authority, status__in=LIVE_STATUSES, kind="duty")
                         .order_by("due_at").first())
        self.agenda_child = (MeetingChild.objects.filter(meeting=self.agenda).values_list("child_id", flat=True).first()
                             if self.agenda else None)
        self.duplicate = DuplicatePair.objects.filter(authority_id=authority).first()
        self.provider = PlacementProvider.objects.filter(authority_id=authority).first()
        self.placement = Placement.objects.filter(child__authority_id=authority, ended_on__isnull=True).first()
        self.place = Place.objects.filter(panel=self.panel).first()
        self.person = Person.objects.filter(panel=self.panel).first()
        self.association = Association.objects.filter(panel=self.panel, child__isnull=False).first()
        self.disruption = Disruption.objects.filter(panel=self.panel).first()
        self.quarterly = QuarterlyReport.objects.filter(panel=self.panel).first()

    def _agenda(self, kids):
        """A meeting with 40 children listed: the chair's projector page at full size."""
        if self.panel is None:
            return None
        chair = User.objects.get(username="chair")
        with transaction.atomic():
            meeting = next((m for m in Meeting.objects.filter(panel=self.panel, ended_at__isnull=True)
                            if MeetingChild.objects.filter(meeting=m).count() == self.agenda_size), None)
            if meeting is None:
                meeting = services.meeting_create(
                    actor=chair, panel=self.panel, starts_at=timezone.now() + timedelta(days=35, minutes=self.agenda_size)
                )
                for child in kids.filter(episodes__isnull=False).distinct()[: self.agenda_size]:
                    services.meeting_list_child(actor=chair, meeting=meeting, child=child)
            if not Attendance.objects.filter(meeting=meeting, user=chair, confidentiality_agreed_at__isnull=False).exists():
                services.attendance_record(actor=chair, meeting=meeting, user=chair, present=True,
                                           confidentiality_agreed=True)
        return meeting

    def _education_case(self, kids):
        case = EducationCase.objects.filter(child__authority_id=self.mash.agency.authority_id).first()
        if case is None:
            try:
                with transaction.atomic():
                    case = education_case_open(actor=User.objects.get(username="education"), child=self.child,
                                               kind="cmfe", school="Benchmark Academy",
                                               first_day=date.today() - timedelta(days=3))
            except ValidationError:
                return None
        return case


def sign_in(client, user):
    """Sign `user` in on a test client, with the second factor done where the user needs one."""
    client.force_login(user)
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="benchmark", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _id(obj, attr="pk"):
    return None if obj is None else getattr(obj, attr)


# (label, user, url builder). The baseline rows come first; add a screen with one line.
PAGES = [
    ("bare page: notifications upload form", "mash", lambda f: "/missing/notifications/upload/"),
    ("home (MASH coordinator)", "mash", lambda f: "/"),
    ("home, live panels polled", "mash", lambda f: "/home/live/"),
    ("home (return interview worker)", "rhi", lambda f: "/"),
    ("home (panel chair)", "chair", lambda f: "/"),
    ("triage queue", "mash", lambda f: "/missing/triage/"),
    ("triage queue fragment", "mash", lambda f: "/missing/triage/queue/"),
    ("children list", "mash", lambda f: "/missing/children/"),
    ("children search ?q=Ash", "mash", lambda f: "/missing/children/?q=Ash"),
    ("children search ?q=ley (inside a name)", "mash", lambda f: "/missing/children/?q=ley"),
    ("children search ?q=e (one letter)", "mash", lambda f: "/missing/children/?q=e"),
    ("child record", "mash", lambda f: f"/missing/children/{f.child.pk}/"),
    ("child edit form", "mash", lambda f: f"/missing/children/{f.child.pk}/edit/"),
    ("child create form", "mash", lambda f: "/missing/children/new/"),
    ("episode create form", "mash", lambda f: f"/missing/children/{f.child.pk}/episodes/new/"),
    ("episode edit form", "mash", lambda f: f"/missing/episodes/{f.episode.pk}/edit/"),
    ("subject access page", "admin", lambda f: f"/missing/children/{f.child.pk}/subject-access/"),
    ("safe and well check form", "mash", lambda f: f"/interviews/episodes/{f.episode.pk}/safe-and-well-check/"),
    ("my interviews due", "rhi", lambda f: "/interviews/"),
    ("interview detail", "rhi", lambda f: f"/interviews/{_id(f.interview)}/" if f.interview else None),
    ("interview record form", "rhi", lambda f: f"/interviews/{_id(f.interview)}/record/" if f.interview else None),
    ("interview timeliness", "mash", lambda f: "/interview-timeliness/"),
    ("education cases", "education", lambda f: "/education/"),
    ("education case", "education", lambda f: f"/education/{_id(f.education_case)}/" if f.education_case else None),
    ("education open form", "education", lambda f: "/education/new/"),
    ("due and overdue", "mash", lambda f: "/clocks/due/"),
    ("inbox", "mash", lambda f: "/clocks/inbox/"),
    ("record access log", "admin", lambda f: "/audit/record-access/"),
    ("retention", "admin", lambda f: "/retention/"),
    ("panels", "chair", lambda f: "/panels/"),
    ("panel", "chair", lambda f: f"/panels/{_id(f.panel)}/" if f.panel else None),
    ("suggested for a panel", "chair", lambda f: f"/panels/{_id(f.panel)}/suggested/" if f.panel else None),
    ("agenda (40 children)", "chair", lambda f: f"/panels/meetings/{_id(f.agenda)}/" if f.agenda else None),
    ("agenda part 2 (40 children)", "chair", lambda f: f"/panels/meetings/{_id(f.agenda)}/part2/" if f.agenda else None),
    ("minutes", "chair", lambda f: f"/panels/meetings/{_id(f.past_meeting)}/minutes/" if f.past_meeting else None),
    ("referral queue", "mash", lambda f: "/panels/referrals/"),
    ("referral form", "mash", lambda f: "/panels/referrals/new/"),
    ("my actions", "health", lambda f: "/actions/mine/"),
    ("action tracker", "chair", lambda f: "/actions/tracker/"),
    ("action", "chair", lambda f: f"/actions/{_id(f.action)}/" if f.action else None),
    ("child's meetings", "chair", lambda f: f"/actions/children/{f.action_child}/" if f.action_child else None),
    ("child meeting", "chair", lambda f: f"/actions/meetings/{_id(f.child_meeting)}/" if f.child_meeting else None),
    ("possible duplicates", "mash", lambda f: "/missing/children/duplicates/"),
    ("daily risk meeting", "mash", lambda f: "/mash/daily-risk-meeting/"),
    ("missing person profile", "mash", lambda f: f"/missing/children/{f.child.pk}/profile/"),
    ("missing-child updates", "mash", lambda f: f"/missing/children/{f.child.pk}/updates/"),
    ("placed in and out", "mash", lambda f: "/placements/"),
    ("placement providers", "mash", lambda f: "/placements/providers/"),
    ("children missing now (R1)", "mash", lambda f: "/reports/currently-missing/"),
    ("returns (R6, inspection)", "mash", lambda f: "/reports/returns/"),
    ("dashboard (R2, R4, R5)", "mash", lambda f: "/reports/dashboard/"),
    ("quarterly reports (R3)", "chair", lambda f: "/reports/quarterly/"),
    ("intelligence: panels", "chair", lambda f: "/intelligence/"),
    ("intelligence: a panel's", "chair", lambda f: f"/intelligence/panels/{_id(f.panel)}/" if f.panel else None),
    ("intelligence: a place", "chair", lambda f: f"/intelligence/places/{_id(f.place)}/" if f.place else None),
    ("intelligence: an adult", "chair", lambda f: f"/intelligence/adults/{_id(f.person)}/" if f.person else None),
    ("intelligence: a child's network", "chair",
     lambda f: f"/intelligence/panels/{_id(f.panel)}/children/{f.association.child_id}/" if f.association else None),
    ("intelligence: place form", "chair",
     lambda f: f"/intelligence/places/{_id(f.place)}/change/" if f.place else None),
    ("intelligence: adult form", "chair",
     lambda f: f"/intelligence/adults/{_id(f.person)}/change/" if f.person else None),
    ("intelligence: association form", "chair",
     lambda f: f"/intelligence/panels/{_id(f.panel)}/associations/new/" if f.panel else None),
    ("intelligence: association edit form", "chair",
     lambda f: f"/intelligence/associations/{_id(f.association)}/change/" if f.association else None),
    ("intelligence: disruption form", "chair",
     lambda f: f"/intelligence/panels/{_id(f.panel)}/disruption/new/" if f.panel else None),
    ("intelligence: disruption edit form", "chair",
     lambda f: f"/intelligence/disruption/{_id(f.disruption)}/change/" if f.disruption else None),
    ("quarterly report", "chair", lambda f: f"/reports/quarterly/{_id(f.quarterly)}/" if f.quarterly else None),
    ("profile edit form", "mash", lambda f: f"/missing/children/{f.profile_child}/profile/edit/"),
    ("interview accept form", "mash",
     lambda f: f"/interviews/{_id(f.offered_interview)}/accept/" if f.offered_interview else None),
    ("interview decline form", "mash",
     lambda f: f"/interviews/{_id(f.offered_interview)}/decline/" if f.offered_interview else None),
    ("interview not possible form", "mash",
     lambda f: f"/interviews/{_id(f.offered_interview)}/not-possible/" if f.offered_interview else None),
    ("deadline complete form", "mash",
     lambda f: f"/clocks/deadlines/{_id(f.deadline)}/complete/" if f.deadline else None),
    ("merge two records", "mash",
     lambda f: f"/missing/children/{f.duplicate.one_id}/merge/{f.duplicate.two_id}/" if f.duplicate else None),
    ("provider form", "mash", lambda f: "/placements/providers/new/"),
    ("provider edit form", "mash",
     lambda f: f"/placements/providers/{_id(f.provider)}/edit/" if f.provider else None),
    ("placement form", "mash", lambda f: f"/placements/children/{f.child.pk}/new/"),
    ("placement end form", "mash", lambda f: f"/placements/{_id(f.placement)}/end/" if f.placement else None),
    ("authority contacts", "admin", lambda f: "/placements/contacts/"),
    ("letter of concern form", "mash", lambda f: "/placements/letter-of-concern/"),
    ("panel form", "admin", lambda f: "/panels/new/"),
    ("agency update form", "health",
     lambda f: f"/panels/meetings/{_id(f.agenda)}/children/{f.agenda_child}/update/" if f.agenda else None),
    ("child meeting form", "chair", lambda f: f"/actions/children/{f.child.pk}/meetings/new/"),
    ("action form", "chair", lambda f: f"/actions/children/{f.child.pk}/new/"),
]

APIS = [
    ("bare: GET users/me", "mash", lambda f: "/api/v1/users/me/"),
    ("GET agencies", "mash", lambda f: "/api/v1/agencies/"),
    ("GET children", "mash", lambda f: "/api/v1/children/"),
    ("GET children?q=Oak", "mash", lambda f: "/api/v1/children/?q=Oak"),
    ("GET child", "mash", lambda f: f"/api/v1/children/{f.child.pk}/"),
    ("GET child episodes", "mash", lambda f: f"/api/v1/children/{f.child.pk}/episodes/"),
    ("GET episode", "mash", lambda f: f"/api/v1/episodes/{f.episode.pk}/"),
    ("GET notifications?status=pending", "mash", lambda f: "/api/v1/notifications/?status=pending"),
    ("GET notifications", "mash", lambda f: "/api/v1/notifications/"),
    ("GET notification", "mash", lambda f: f"/api/v1/notifications/{_id(f.notification)}/"),
    ("GET deadlines", "mash", lambda f: "/api/v1/deadlines/"),
    ("GET deadlines?status=overdue", "mash", lambda f: "/api/v1/deadlines/?status=overdue"),
    ("GET escalations", "mash", lambda f: "/api/v1/escalations/"),
    ("GET return-interviews", "rhi", lambda f: "/api/v1/return-interviews/"),
    ("GET return-interviews (MASH: the authority's)", "mash", lambda f: "/api/v1/return-interviews/"),
    ("GET return-interviews?state=offered (MASH)", "mash", lambda f: "/api/v1/return-interviews/?state=offered"),
    ("GET return-interviews/timeliness", "mash", lambda f: "/api/v1/return-interviews/timeliness/"),
    ("GET return-interview", "rhi", lambda f: f"/api/v1/return-interviews/{_id(f.interview)}/" if f.interview else None),
    ("GET safe-and-well-checks", "mash", lambda f: "/api/v1/safe-and-well-checks/"),
    ("GET education-cases", "education", lambda f: "/api/v1/education-cases/"),
    ("GET education-case", "education",
     lambda f: f"/api/v1/education-cases/{_id(f.education_case)}/" if f.education_case else None),
    ("GET panels", "chair", lambda f: "/api/v1/panels/"),
    ("GET panel", "chair", lambda f: f"/api/v1/panels/{_id(f.panel)}/" if f.panel else None),
    ("GET panel meetings", "chair", lambda f: f"/api/v1/panels/{_id(f.panel)}/meetings/" if f.panel else None),
    ("GET meeting", "chair", lambda f: f"/api/v1/meetings/{_id(f.agenda)}/" if f.agenda else None),
    ("GET meeting agenda (40)", "chair", lambda f: f"/api/v1/meetings/{_id(f.agenda)}/agenda/" if f.agenda else None),
    ("GET child ratings", "chair", lambda f: f"/api/v1/children/{f.child.pk}/ratings/"),
    ("GET referrals", "mash", lambda f: "/api/v1/referrals/"),
    ("GET actions", "chair", lambda f: "/api/v1/actions/"),
    ("GET action", "chair", lambda f: f"/api/v1/actions/{_id(f.action)}/" if f.action else None),
    ("GET child meetings", "chair",
     lambda f: f"/api/v1/children/{f.action_child}/meetings/" if f.action_child else None),
    ("GET child-meeting", "chair",
     lambda f: f"/api/v1/child-meetings/{_id(f.child_meeting)}/" if f.child_meeting else None),
    ("GET child duplicates", "mash", lambda f: f"/api/v1/children/{f.child.pk}/duplicates/"),
    ("GET children/duplicates", "mash", lambda f: "/api/v1/children/duplicates/"),
    ("GET child profile", "mash", lambda f: f"/api/v1/children/{f.profile_child}/profile/"),
    ("GET child updates", "mash", lambda f: f"/api/v1/children/{f.child.pk}/updates/"),
    ("GET providers", "mash", lambda f: "/api/v1/providers/"),
    ("GET child placements", "mash", lambda f: f"/api/v1/children/{f.child.pk}/placements/"),
    ("GET reports/currently-missing", "mash", lambda f: "/api/v1/reports/currently-missing/"),
    ("GET intelligence/places", "chair", lambda f: "/api/v1/intelligence/places/"),
    ("GET intelligence place", "chair",
     lambda f: f"/api/v1/intelligence/places/{_id(f.place)}/" if f.place else None),
    ("GET intelligence place network", "chair",
     lambda f: f"/api/v1/intelligence/places/{_id(f.place)}/network/" if f.place else None),
    ("GET intelligence persons", "chair", lambda f: "/api/v1/intelligence/persons/"),
    ("GET intelligence person", "chair",
     lambda f: f"/api/v1/intelligence/persons/{_id(f.person)}/" if f.person else None),
    ("GET intelligence person network", "chair",
     lambda f: f"/api/v1/intelligence/persons/{_id(f.person)}/network/" if f.person else None),
    ("GET intelligence associations", "chair", lambda f: "/api/v1/intelligence/associations/"),
    ("GET intelligence association", "chair",
     lambda f: f"/api/v1/intelligence/associations/{_id(f.association)}/" if f.association else None),
    ("GET intelligence disruptions", "chair", lambda f: "/api/v1/intelligence/disruptions/"),
    ("GET intelligence disruption", "chair",
     lambda f: f"/api/v1/intelligence/disruptions/{_id(f.disruption)}/" if f.disruption else None),
    ("GET provider", "mash", lambda f: f"/api/v1/providers/{_id(f.provider)}/" if f.provider else None),
    ("GET authority-contacts", "admin", lambda f: "/api/v1/authority-contacts/"),
]
