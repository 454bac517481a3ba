"""Reads of panel intelligence: places with the count of episodes where children were found there,
the episodes found at a place, and the network around a child, an adult or a place."""

from dataclasses import dataclass, field

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Replace, Upper
from django.urls import reverse

from missing.models import Child, MissingEpisode, ReturnInterview
from missing.permissions import children_visible_to

from .models import Association, EndType, EpisodePlace, FoundAt, Person, Place

# What normalising an address drops, in Python and in SQL alike, so both give the same key.
DROPPED = " ,.-'/()\n\r\t"


def match_key(text):
    """'12 High St., DM1 1AA' -> '12HIGHSTDM11AA'; None for a blank, which then matches nothing."""
    key = (text or "").upper()
    for char in DROPPED:
        key = key.replace(char, "")
    return key or None


def _normalised(field_name):
    text = TextField()
    expression = Upper(field_name, output_field=text)
    for char in DROPPED:
        expression = Replace(expression, Value(char, output_field=text), Value("", output_field=text),
                             output_field=text)
    return expression


def _found_at(place):
    """The Q over MissingEpisode (annotated with `found_key`) of 'a child was found at this place in
    this episode': linked by a person, or the found location or a return interview's 'where and
    with whom' holds the place's postcode or address. `place(name, nested)` answers the place's
    field, as an outer reference or a value; a blank key (None) matches nothing."""
    keys = [key for key in (place("postcode_key"), place("address_key")) if key is not None]
    nested_keys = [key for key in (place("postcode_key", True), place("address_key", True)) if key is not None]
    found = Q(Exists(EpisodePlace.objects.filter(place_id=place("pk", True), episode_id=OuterRef("pk"))))
    for key in keys:
        found |= Q(found_key__contains=key)
    if nested_keys:
        said = Q()
        for key in nested_keys:
            said |= Q(where_key__contains=key)
        interviews = ReturnInterview.objects.annotate(where_key=_normalised("where_and_with_whom")).filter(
            said, episodes=OuterRef("pk")
        )
        found |= Q(Exists(interviews))
    return found


def _episodes_with_found_key():
    return MissingEpisode.objects.annotate(found_key=_normalised("found_location"))


def episodes_matching(place):
    """The episodes of the panel's authority in which a child was found at `place`, decided from
    the text (found.py keeps FoundAt from this; reads count FoundAt)."""

    def value(name, nested=False):
        return getattr(place, name)

    return _episodes_with_found_key().filter(_found_at(value), child__authority_id=place.panel.authority_id)


def places_matching(places, episode_id):
    """The places of `places` at which a child was found in the episode, decided from the text."""

    def outer(name, nested=False):
        return OuterRef(OuterRef(name)) if nested else OuterRef(name)

    episodes = _episodes_with_found_key().filter(
        _found_at(outer), pk=episode_id, child__authority_id=OuterRef("panel__authority_id")
    )
    return places.filter(Exists(episodes))


def places_with_episode_counts(places, *, child=None):
    """Annotate `episode_count` on each place, in the list's one query: the episodes of the panel's
    authority (of `child` only, if given) in which a child was found there: the place's stored count,
    or for one child its FoundAt rows."""
    if child is None:
        return places.annotate(episode_count=F("found_count"))
    found = FoundAt.objects.filter(place_id=OuterRef("pk"), episode__child_id=child.pk)
    counted = found.order_by().annotate(n=Func(F("episode_id"), function="COUNT")).values("n")
    return places.annotate(episode_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


def episodes_found_at(place):
    """The episodes counted for `place`, newest first, with their children."""
    counted = FoundAt.objects.filter(place_id=place.pk).values("episode_id")
    return MissingEpisode.objects.filter(pk__in=counted).select_related("child").order_by("-started_at")


# The network around a child, an adult or a place ----------------------------------------------


@dataclass
class Node:
    key: str
    kind: str  # EndType value
    label: str
    href: str | None  # the child's page, the adult's or the place's network; None for a child not visible
    network_href: str
    x: float = 0
    y: float = 0
    colour: str = ""
    short_label: str = ""
    shape: dict = field(default_factory=dict)  # what the drawing needs (graph.lay_out)

    @property
    def kind_label(self):
        return EndType(self.kind).label.lower()


@dataclass
class Link:
    focus: Node
    other: Node
    nature: str
    source: str
    source_date: object
    grade: str
    association: Association | None = None


@dataclass
class Network:
    panel: object
    focus: Node
    nodes: list = field(default_factory=list)  # the focus's neighbours, in the order they are drawn
    links: list = field(default_factory=list)

    @property
    def children_shown(self):
        """The ids of the children this network names, for the record access log."""
        keys = [self.focus.key, *(node.key for node in self.nodes)]
        return [key.partition(":")[2] for key in keys if key.startswith("child:")]


def child_reference(child):
    """How intelligence names a child to someone who may not see the child's record."""
    initials = "".join(f"{part[:1].upper()}." for part in (child.given_name, child.family_name) if part)
    return f"Child {initials} (ref {str(child.pk)[:8]})"


class _Nodes:
    """Makes each node once, labelled for the user who is looking."""

    def __init__(self, user, panel, children):
        self.panel = panel
        ids = {child.pk for child in children}
        self.visible = set(children_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        self.made = {}

    def of(self, kind, obj):
        key = f"{kind}:{obj.pk}"
        if key not in self.made:
            self.made[key] = self._make(kind, obj, key)
        return self.made[key]

    def _make(self, kind, obj, key):
        if kind == EndType.CHILD:
            network = reverse("intelligence:child_network", args=[self.panel.pk, obj.pk])
            if obj.pk in self.visible:
                return Node(key, kind, obj.full_name, reverse("missing:child_detail", args=[obj.pk]), network)
            return Node(key, kind, child_reference(obj), None, network)
        name = "intelligence:place" if kind == EndType.PLACE else "intelligence:person"
        href = reverse(name, args=[obj.pk])
        return Node(key, kind, obj.name, href, href)


def _association_links(nodes, focus, associations, focus_key):
    links = []
    for association in associations:
        ends = [association.first_end, association.second_end]
        if f"{ends[0][0]}:{ends[0][1].pk}" != focus_key:
            ends.reverse()
        other_kind, other = ends[1]
        links.append(Link(
            focus, nodes.of(other_kind, other), association.nature, association.source, association.source_date,
            association.grade, association,
        ))
    return links


# Each kind of end: its model, the association's fields that name one, the name columns shown.
_END_COLUMNS = (
    (Child, ("child", "other_child"), ("given_name", "family_name")),
    (Person, ("person", "other_person"), ("name",)),
    (Place, ("place",), ("name",)),
)


def with_ends(associations):
    """The rows with their ends (children, adults, places) read in one statement, a UNION ALL of
    each kind's (kind, id, name columns), each end made its model's object with only those loaded.
    Joined to the rows, the six tables cost PostgreSQL 4-5 ms of planning on every read; one query
    per kind cost a statement each (issue 13)."""
    rows = list(associations)
    parts = []
    for kind, (model, fields, columns) in enumerate(_END_COLUMNS):
        ids = {getattr(row, f"{name}_id") for row in rows for name in fields} - {None}
        if ids:
            names = [F(column) for column in columns] + [Value("")] * (2 - len(columns))
            parts.append(model.objects.filter(pk__in=ids).order_by().values_list(Value(kind), "pk", *names))
    if not parts:
        return rows
    found = {}
    for kind, pk, *names in parts[0].union(*parts[1:], all=True):
        model, _, columns = _END_COLUMNS[kind]
        found[kind, pk] = model.from_db(None, ["id", *columns], [pk, *names[: len(columns)]])
    for row in rows:
        for kind, (_, fields, _) in enumerate(_END_COLUMNS):
            for name in fields:
                end = found.get((kind, getattr(row, f"{name}_id")))
                if end is not None:
                    setattr(row, name, end)
    return rows


def _associations(panel):
    return Association.objects.filter(panel=panel)


def _ordered(links):
    """Neighbours in a stable order (children, adults, places; then by label), so the drawing does
    not move between visits."""
    order = {EndType.CHILD: 0, EndType.PERSON: 1, EndType.PLACE: 2}
    seen, nodes = set(), []
    for link in sorted(links, key=lambda item: (order[item.other.kind], item.other.label, str(item.source_date))):
        if link.other.key not in seen:
            seen.add(link.other.key)
            nodes.append(link.other)
    return nodes


def _found_links(focus, found_by_child, nodes):
    links = []
    for child, episodes in found_by_child.values():
        latest = max(episode.started_at for episode in episodes).date()
        count = len(episodes)
        links.append(Link(focus, nodes.of(EndType.CHILD, child), f"Found here ({count} episode{'s' * (count != 1)})",
                          "Missing episodes: found location, return interviews or a person's link", latest, ""))
    return links


def place_network(user, place):
    associations = with_ends(_associations(place.panel).filter(place=place))
    found_by_child = {}
    for episode in episodes_found_at(place):
        found_by_child.setdefault(episode.child_id, (episode.child, []))[1].append(episode)
    children = [a.child for a in associations if a.child_id] + [child for child, _ in found_by_child.values()]
    nodes = _Nodes(user, place.panel, children)
    focus = nodes.of(EndType.PLACE, place)
    links = _association_links(nodes, focus, associations, focus.key) + _found_links(focus, found_by_child, nodes)
    return Network(place.panel, focus, _ordered(links), links)


def person_network(user, person):
    associations = with_ends(_associations(person.panel).filter(Q(person=person) | Q(other_person=person)))
    children = [child for a in associations for child in (a.child, a.other_child) if child is not None]
    nodes = _Nodes(user, person.panel, children)
    focus = nodes.of(EndType.PERSON, person)
    links = _association_links(nodes, focus, associations, focus.key)
    return Network(person.panel, focus, _ordered(links), links)


def child_network(user, panel, child):
    associations = with_ends(_associations(panel).filter(Q(child=child) | Q(other_child=child)))
    children = [child, *(c for a in associations for c in (a.child, a.other_child) if c is not None)]
    nodes = _Nodes(user, panel, children)
    focus = nodes.of(EndType.CHILD, child)
    links = _association_links(nodes, focus, associations, focus.key)
    places = places_with_episode_counts(Place.objects.filter(panel=panel), child=child).filter(episode_count__gt=0)
    for place in places:
        count = place.episode_count
        links.append(Link(focus, nodes.of(EndType.PLACE, place), f"Found here ({count} episode{'s' * (count != 1)})",
                          "Missing episodes: found location, return interviews or a person's link", None, ""))
    return Network(panel, focus, _ordered(links), links)


def children_of_panel_intelligence(panel):
    """The children named in a panel's associations, for its overview page's access log."""
    rows = Association.objects.filter(panel=panel).values_list("child_id", "other_child_id")
    return [pk for pair in rows for pk in pair if pk is not None]
