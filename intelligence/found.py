"""Keeping FoundAt, the episodes counted at each place, in step with what it is derived from.

A place's count was a text match of its address and postcode against every episode's found location
and every return interview's account, on each read: seconds at 20,000 children. The match is now
made once, on the write that can change it, and stored:
- an episode is recorded or its found location changes, or a return interview is held: that
  episode's places are matched again (missing.found calls `episodes_refresh` in its transaction);
- a place is added, or its address or postcode changes: that place's episodes are matched again,
  one statement over the authority's episodes;
- a person links an episode to a place: the link is counted at once;
- retention erases or anonymises a child: their episodes' rows go (child_data.py).
A merge of two records moves episodes, not FoundAt rows: the rows follow their episodes.
`fill_all` makes every row from scratch in one statement (the migration, seed_national).
"""

from collections import Counter
from uuid import UUID

from django.db import connection
from django.db.models import F, UUIDField, Value

from missing.models import MissingEpisode, ReturnInterview

from .models import EpisodePlace, FoundAt, Place
from .selectors import DROPPED, episodes_matching, places_matching


def _insert(pairs):
    """INSERT the (place id, episode id) rows a query answers, in one statement; answers the place
    ids of the rows made."""
    sql, params = pairs.query.sql_with_params()
    conflict = " ON CONFLICT DO NOTHING" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{FoundAt._meta.db_table}" ("place_id", "episode_id") {sql}{conflict} RETURNING "place_id"',
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def _delete(rows):
    """Delete FoundAt rows; answers the place ids of the rows deleted."""
    taken = list(rows.select_for_update().values_list("pk", "place_id"))
    FoundAt.objects.filter(pk__in=[pk for pk, _ in taken]).delete()
    return [place_id for _, place_id in taken]


def _count(made, deleted):
    """Move each place's stored count by what was made and deleted: an increment, not a recount, so
    that two transactions changing one place's rows at once both count."""
    change = Counter(UUID(str(pk)) for pk in made)  # SQLite answers hex, PostgreSQL UUIDs
    change.subtract(UUID(str(pk)) for pk in deleted)
    for place_id, delta in sorted(change.items()):  # in one order, so two transactions never cross
        if delta:
            Place.objects.filter(pk=place_id).update(found_count=F("found_count") + delta)


def place_refresh(place):
    deleted = _delete(FoundAt.objects.filter(place_id=place.pk))
    episodes = episodes_matching(place).order_by().annotate(place_ref=Value(place.pk, output_field=UUIDField()))
    _count(_insert(episodes.values_list("place_ref", "pk")), deleted)


def episodes_refresh(episode_ids):
    deleted = _delete(FoundAt.objects.filter(episode_id__in=episode_ids))
    made = []
    for episode_id, authority_id in MissingEpisode.objects.filter(pk__in=episode_ids).values_list(
        "pk", "child__authority_id"
    ):
        places = places_matching(Place.objects.filter(panel__authority_id=authority_id), episode_id).order_by()
        made += _insert(places.annotate(episode_ref=Value(episode_id, output_field=UUIDField())).values_list(
            "pk", "episode_ref"))
    _count(made, deleted)


def link_counted(place, episode):
    _, made = FoundAt.objects.get_or_create(place=place, episode=episode)
    if made:
        _count([place.pk], [])


def child_forgotten(child):
    _count([], _delete(FoundAt.objects.filter(episode__child=child)))


def _normalised(column, params):
    """The SQL of selectors._normalised over a column, its characters as parameters."""
    expression = f"UPPER({column})"
    for char in DROPPED:
        expression = f"REPLACE({expression}, %s, '')"
        params.append(char)
    return expression


def fill_all(using_connection=None):
    """Every FoundAt row, made from the text in one statement (rows already there are kept), then every
    place's count in a second. Each
    found location and account is normalised once (the materialised CTEs), not once per place."""
    db = using_connection or connection
    position = "strpos" if db.vendor == "postgresql" else "instr"
    params = []
    found = _normalised("e.found_location", params)
    said = _normalised("r.where_and_with_whom", params)
    names = {
        "found_at": FoundAt._meta.db_table, "place": Place._meta.db_table, "link": EpisodePlace._meta.db_table,
        "episode": MissingEpisode._meta.db_table,
        "child": MissingEpisode._meta.get_field("child").related_model._meta.db_table,
        "interview": ReturnInterview._meta.db_table, "covers": ReturnInterview.episodes.through._meta.db_table,
        "panel": Place._meta.get_field("panel").related_model._meta.db_table,
    }

    def names_place(alias):
        return (f"({position}({alias}.key, p.postcode_key) > 0 OR {position}({alias}.key, p.address_key) > 0)")

    sql = f"""
        WITH episode AS MATERIALIZED (
            SELECT e.id, c.authority_id, {found} AS key
            FROM "{names['episode']}" e JOIN "{names['child']}" c ON c.id = e.child_id
            WHERE e.found_location <> ''
        ), account AS MATERIALIZED (
            SELECT m.missingepisode_id AS id, c.authority_id, {said} AS key
            FROM "{names['covers']}" m
            JOIN "{names['interview']}" r ON r.id = m.returninterview_id
            JOIN "{names['episode']}" e ON e.id = m.missingepisode_id
            JOIN "{names['child']}" c ON c.id = e.child_id
            WHERE r.where_and_with_whom <> ''
        ), place AS (
            SELECT p.id, pn.authority_id, p.postcode_key, p.address_key
            FROM "{names['place']}" p JOIN "{names['panel']}" pn ON pn.id = p.panel_id
        )
        INSERT INTO "{names['found_at']}" (place_id, episode_id)
        SELECT p.id, e.id FROM place p JOIN episode e ON e.authority_id = p.authority_id WHERE {names_place('e')}
        UNION
        SELECT p.id, a.id FROM place p JOIN account a ON a.authority_id = p.authority_id WHERE {names_place('a')}
        UNION
        SELECT l.place_id, l.episode_id
        FROM "{names['link']}" l
        JOIN place p ON p.id = l.place_id
        JOIN "{names['episode']}" e ON e.id = l.episode_id
        JOIN "{names['child']}" c ON c.id = e.child_id
        WHERE c.authority_id = p.authority_id
        ON CONFLICT DO NOTHING
    """
    recount = f"""
        UPDATE "{names['place']}" SET found_count = (
            SELECT COUNT(*) FROM "{names['found_at']}" f WHERE f.place_id = "{names['place']}".id)
    """
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(recount)
