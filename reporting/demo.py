"""Demo data for the child-level reports (`seed_demo`): the weekly list of children missing now,
sent to the MASH coordinator and the administrator each Wednesday at 09:00, and a "missing child
update" on each child missing now who has none, so the list shows its latest-update column."""

from datetime import time, timedelta

from missing.models import MissingChildUpdate, MissingEpisode

from .models import Weekday
from .weekly import weekly_list_schedule_save

POSITIONS = [
    ("Phone last connected near the bus station; friends contacted.", "Police checking CCTV at the station."),
    ("Believed to be with an older friend; carers have called known addresses.", "Address visit by police tonight."),
    ("Social media active this morning; no reply to messages.", "Allocated worker messaging; school informed."),
]


def demo_reports(*, la, users, now):
    weekly_list_schedule_save(
        authority_id=la.pk, weekday=Weekday.WEDNESDAY, send_at=time(9, 0),
        recipients=[users["mash"], users["admin"]], actor=users["admin"],
    )
    open_episodes = MissingEpisode.objects.filter(child__authority=la, returned_at__isnull=True).exclude(
        child__missing_updates__isnull=False
    ).order_by("started_at")
    MissingChildUpdate.objects.bulk_create(
        MissingChildUpdate(
            child_id=episode.child_id, episode=episode, position=POSITIONS[n % len(POSITIONS)][0],
            actions_to_locate=POSITIONS[n % len(POSITIONS)][1], written_by=users["mash"],
            written_at=max(episode.started_at, now - timedelta(hours=2 + n % 5)),
        )
        for n, episode in enumerate(open_episodes)
    )
