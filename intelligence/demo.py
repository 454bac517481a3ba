"""Demo intelligence for the demo panel: places where its children are found (matched to the demo
episodes' found locations), two adults of concern, associations of every kind with their grading,
and disruption planned and done. Synthetic throughout."""

from datetime import timedelta

from casework.calendar import local_date
from casework.models import AgencyKind
from missing.models import MissingEpisode
from panels.models import MeetingChild

from . import services
from .models import EndType

PLACES = [
    ("Riverside retail park", "shopping_centre", "Retail park", ""),
    ("Town centre bus station", "transport_hub", "Town centre bus station", ""),
    ("Station Road hotel", "hotel", "14 Station Road", "DM1 4QT"),
    ("Market Street chicken shop", "takeaway", "3 Market Street", "DM2 7LP"),
]
PERSONS = [
    ("Dale Example", "alleged_perpetrator", "'D', 'Big D'",
     "Drives a grey hatchback; offers lifts from the bus station."),
    ("Lee Sampleton", "posing_risk", "", "Older associate seen buying food for children at the takeaway."),
]


def seed_intelligence(*, panel, users, agencies, now):
    chair, police = users["chair"], users["police"]
    today = local_date(now)
    places = [services.place_create(actor=chair, panel=panel, name=name, kind=kind, address=address,
                                    postcode=postcode) for name, kind, address, postcode in PLACES]
    persons = [services.person_create(actor=police, panel=panel, name=name, role=role, aliases=aliases,
                                      description=description) for name, role, aliases, description in PERSONS]
    children = [row.child for row in MeetingChild.objects.filter(meeting__panel=panel).select_related("child")]
    children = list({child.pk: child for child in children}.values())
    retail, bus, hotel, takeaway = places
    dale, lee = persons

    def link(first, second, nature, source, days_ago, grade):
        services.association_create(
            actor=police, panel=panel, first=first, second=second, nature=nature, source=source,
            source_date=today - timedelta(days=days_ago), source_evaluation=grade[0],
            intelligence_evaluation=grade[1], handling=grade[2],
        )

    link((EndType.PERSON, dale), (EndType.PLACE, bus), "picks children up from", "Police intelligence report", 20,
         "2BP")
    link((EndType.PERSON, dale), (EndType.PERSON, lee), "seen together", "Police patrol log", 12, "1AP")
    link((EndType.PERSON, lee), (EndType.PLACE, takeaway), "buys food for children at", "Youth worker", 9, "2CC")
    if children:
        link((EndType.CHILD, children[0]), (EndType.PERSON, dale), "gets lifts from", "Return home interview", 15,
             "2BC")
        link((EndType.CHILD, children[0]), (EndType.PLACE, hotel), "taken to", "Return home interview", 15, "2CC")
    if len(children) > 1:
        link((EndType.CHILD, children[0]), (EndType.CHILD, children[1]), "go missing together",
             "Missing episodes", 30, "1AP")
        link((EndType.CHILD, children[1]), (EndType.PLACE, retail), "found at", "Police found report", 6, "1AP")
    if len(children) > 2:
        link((EndType.CHILD, children[2]), (EndType.PERSON, lee), "phone contact", "School", 4, "3DC")

    # Episodes whose found location says only "friend's address": the police know it was the hotel.
    vague = MissingEpisode.objects.filter(child__in=children[:2], found_location="friend's address")
    for episode in vague.select_related("child")[:3]:
        services.place_link_episode(actor=police, place=hotel, episode=episode)

    services.disruption_create(
        actor=chair, panel=panel, place=hotel, description="Licensing and hotel-watch visit with the manager",
        owner_agency=agencies[AgencyKind.POLICE], owner=police, status="done", planned_for=today - timedelta(days=10),
        done_on=today - timedelta(days=8), outcome="Staff briefed; guest checks in place; two bookings refused.",
    )
    services.disruption_create(
        actor=chair, panel=panel, person=dale, description="Child abduction warning notice",
        owner_agency=agencies[AgencyKind.POLICE], owner=police, planned_for=today + timedelta(days=7),
    )
    services.disruption_create(
        actor=chair, panel=panel, place=bus, description="Joint patrols on Friday and Saturday evenings",
        owner_agency=agencies[AgencyKind.POLICE], planned_for=today + timedelta(days=3),
    )
    return places
