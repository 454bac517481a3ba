"""Demo data for the panel cycle: a panel with a past meeting (attendance, ratings, decisions,
approved minutes) and an upcoming one with the list published and referrals waiting."""

from datetime import timedelta

from casework.models import AgencyKind
from referrals.services import referral_create, referral_decide

from . import services
from .clocks import meeting_clocks_reconcile
from .models import Meeting

STATUTORY = (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE, AgencyKind.EDUCATION)
RATINGS = [("red", "Missing most weekends; older associates and unexplained money"),
           ("amber", "Fewer episodes since the placement move; still linked to the retail park"),
           ("green", "No episodes for six weeks; engaging with the youth worker")]


def seed_panel(*, la, agencies, users, children, rng, now):
    chair, mash = users["chair"], users["mash"]
    panel = services.panel_create(
        actor=chair, authority=la, name="Missing and Exploitation Operational Group", frequency="monthly",
        member_agencies=[agencies[kind] for kind in STATUTORY],
    )
    listed = rng.sample(children, min(6, len(children)))
    past = Meeting.objects.create(panel=panel, starts_at=now - timedelta(days=14))
    for child in listed[:4]:
        services.meeting_list_child(actor=chair, meeting=past, child=child)
    for username in ("chair", "health", "education"):
        services.attendance_record(actor=users[username], meeting=past, user=users[username], present=True,
                                   confidentiality_agreed=True)
    services.attendance_record(actor=chair, meeting=past, user=users["police"], present=False,
                               apology_update="Two of the children were found at the retail park this month.")
    for number, child in enumerate(listed[:4]):
        rating, rationale = RATINGS[number % len(RATINGS)]
        services.rating_record(actor=chair, meeting=past, child=child, rating=rating, rationale=rationale)
        services.decisions_record(actor=chair, meeting=past, child=child,
                                  decisions="Return interview to explore associates; disruption at the retail park.")
    services.meeting_end(actor=chair, meeting=past)
    Meeting.objects.filter(pk=past.pk).update(started_at=past.starts_at, ended_at=past.starts_at + timedelta(hours=2))
    past.refresh_from_db()
    meeting_clocks_reconcile(past)
    services.minutes_approve(actor=chair, meeting=past)

    upcoming = services.meeting_create(actor=chair, panel=panel, starts_at=now + timedelta(days=21))
    for child in listed[:3]:
        services.meeting_list_child(actor=chair, meeting=upcoming, child=child)
    services.meeting_publish_list(actor=chair, meeting=upcoming)
    for child in listed[4:6]:
        referral = referral_create(actor=mash, child=child, panel=panel,
                                   reason="Three episodes in a month and found with older young people.",
                                   cse_assessment="requested")
        if child is listed[4]:
            referral_decide(actor=mash, referral=referral, decision="accept")
    return panel
