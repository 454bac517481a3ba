"""Pages of panel intelligence (under /intelligence/, namespace "intelligence"): a panel's places,
adults, associations and disruption; the network around a place, an adult or a child, drawn and
tabled. What the user may not see is a 404, what they see but may not change a 403. Every page
that names a child writes the record access log."""

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.audit import record_access_log
from casework.forms import form_errors_from_service
from missing.models import Child, MissingEpisode
from missing.permissions import children_visible_to, rows_of_visible_children
from panels.models import MeetingChild, PanelListEntry
from panels.permissions import panels_visible_to

from . import services
from .forms import AssociationForm, AssociationGradeForm, DisruptionForm, EpisodeLinkForm, PersonForm, PlaceForm
from .graph import lay_out
from .models import Association, EndType, Person, Place
from .permissions import (
    associations_visible_to,
    can_add_intelligence,
    can_change_intelligence,
    disruptions_visible_to,
    persons_visible_to,
    places_visible_to,
)
from .selectors import (
    child_network,
    child_reference,
    children_of_panel_intelligence,
    episodes_found_at,
    person_network,
    place_network,
    places_with_episode_counts,
)


def _visible_or_404(queryset, pk):
    obj = queryset.select_related("panel").filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _panel_or_404(request, panel_id):
    panel = panels_visible_to(request.user).filter(pk=panel_id).first()
    if panel is None:
        raise Http404
    return panel


def _may_add(request, panel):
    if not can_add_intelligence(request.user, panel):
        raise PermissionDenied


def _may_change(request, row):
    if not can_change_intelligence(request.user, row):
        raise PermissionDenied


def _posted(request):
    return (request.POST,) if request.method == "POST" else ()


def _form_page(request, template, form, context):
    return render(request, template, {"form": form, **context}, status=400 if form.is_bound else 200)


def _saved(request, form, perform, message, then):
    """For a valid POST, `perform(cleaned data)` through a service: its ValidationError lands on the
    form; on success `message` is flashed and `then(result)` answers. None when nothing was saved."""
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(dict(form.cleaned_data))
        except ValidationError as error:
            form_errors_from_service(form, error)
        else:
            messages.success(request, message)
            return then(result)
    return None


@login_required
def index(request):
    panels = list(panels_visible_to(request.user))
    return render(request, "intelligence/index.html", {"panels": panels})


@login_required
def panel_overview(request, panel_id):
    panel = _panel_or_404(request, panel_id)
    places = places_with_episode_counts(Place.objects.filter(panel=panel)).order_by("-episode_count", "name")
    associations = list(
        Association.objects.filter(panel=panel).select_related("child", "person", "other_child", "other_person",
                                                               "place")
    )
    named = children_of_panel_intelligence(panel)
    visible = set(children_visible_to(request.user).filter(pk__in=named).values_list("pk", flat=True))
    rows = [_association_row(association, visible, panel) for association in associations]
    record_access_log(request, named)
    return render(request, "intelligence/panel.html", {
        "panel": panel,
        "places": places,
        "persons": Person.objects.filter(panel=panel),
        "associations": rows,
        "disruptions": panel.intelligence_disruptions.select_related("place", "person", "owner_agency", "owner"),
        "may_add": can_add_intelligence(request.user, panel),
    })


def _end(kind, obj, visible, panel):
    """(label, href) of one end of an association, as the association table shows it."""
    if kind == EndType.CHILD:
        label = obj.full_name if obj.pk in visible else child_reference(obj)
        return label, reverse("intelligence:child_network", args=[panel.pk, obj.pk])
    name = "intelligence:place" if kind == EndType.PLACE else "intelligence:person"
    return obj.name, reverse(name, args=[obj.pk])


def _association_row(association, visible, panel):
    return {
        "association": association,
        "first": _end(*association.first_end, visible, panel),
        "second": _end(*association.second_end, visible, panel),
    }


def _network_page(request, network, template, context):
    drawing = lay_out(network)
    record_access_log(request, network.children_shown)
    return render(request, template, {"network": network, "drawing": drawing, "panel": network.panel, **context})


# Places ----------------------------------------------------------------------------------------


def _episode_choices(request, place):
    """Episodes with a found location the user may see, not yet counted here, to link by hand."""
    counted = episodes_found_at(place).values("pk")
    # Someone who sees few children: those children's episodes, sorted. Anyone else: the authority's
    # episodes newest first through their (authority, started) index, each asked whether its child is
    # visible, stopping at 100, not every visible child's episodes sorted (90 ms for a chair of a
    # 20,000-child authority). Asked row by row, an education officer's few children meant walking
    # all 200,000 of a national-size authority's episodes to find none: 1.8 s (issue 13).
    episodes = (
        MissingEpisode.objects.filter(rows_of_visible_children(request.user, listing=True),
                                      authority_id=place.panel.authority_id)
        .exclude(found_location="")
        .exclude(pk__in=counted)
        .select_related("child")
        .order_by("-started_at")[:100]
    )
    return list(episodes)


def _place_page(request, place, link_form=None, status=200):
    episodes = _episode_choices(request, place)
    link_form = link_form or EpisodeLinkForm(episodes=_episode_labels(episodes))
    record_access_log(request, [episode.child_id for episode in episodes])
    counted = places_with_episode_counts(Place.objects.filter(pk=place.pk)).get()
    response = _network_page(request, place_network(request.user, place), "intelligence/place.html", {
        "place": place,
        "episode_count": counted.episode_count,
        "disruptions": place.disruptions.select_related("owner_agency", "owner"),
        "link_form": link_form if episodes else None,
        "may_add": can_add_intelligence(request.user, place.panel),
        "may_change": can_change_intelligence(request.user, place),
    })
    response.status_code = status
    return response


def _episode_labels(episodes):
    return [
        (str(e.pk), f"{e.child.full_name}, went missing {e.started_at:%d %b %Y}: found {e.found_location}")
        for e in episodes
    ]


@login_required
def place_detail(request, place_id):
    return _place_page(request, _visible_or_404(places_visible_to(request.user), place_id))


@login_required
@require_POST
def place_link_episode(request, place_id):
    place = _visible_or_404(places_visible_to(request.user), place_id)
    _may_add(request, place.panel)
    episodes = _episode_choices(request, place)
    form = EpisodeLinkForm(request.POST, episodes=_episode_labels(episodes))
    if form.is_valid():
        episode = next(e for e in episodes if str(e.pk) == form.cleaned_data["episode"])
        services.place_link_episode(actor=request.user, place=place, episode=episode)
        messages.success(request, "The episode is linked to this place and counted here.")
        return redirect("intelligence:place", place.pk)
    return _place_page(request, place, form, status=400)


@login_required
def place_create(request, panel_id):
    panel = _panel_or_404(request, panel_id)
    _may_add(request, panel)
    form = PlaceForm(*_posted(request))
    saved = _saved(request, form, lambda data: services.place_create(actor=request.user, panel=panel, **data),
                   "The place is added.", lambda place: redirect("intelligence:place", place.pk))
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": panel, "title": "Add a place", "button": "Add the place"})


@login_required
def place_edit(request, place_id):
    place = _visible_or_404(places_visible_to(request.user), place_id)
    _may_change(request, place)
    form = PlaceForm(*_posted(request), initial={name: getattr(place, name) for name in PlaceForm.base_fields})
    saved = _saved(request, form, lambda data: services.place_update(actor=request.user, place=place, **data),
                   "The place is updated.", lambda _: redirect("intelligence:place", place.pk))
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": place.panel, "title": f"Change {place.name}", "button": "Save"})


# Adults ----------------------------------------------------------------------------------------


@login_required
def person_detail(request, person_id):
    person = _visible_or_404(persons_visible_to(request.user), person_id)
    return _network_page(request, person_network(request.user, person), "intelligence/person.html", {
        "person": person,
        "disruptions": person.disruptions.select_related("owner_agency", "owner"),
        "may_change": can_change_intelligence(request.user, person),
    })


@login_required
def person_create(request, panel_id):
    panel = _panel_or_404(request, panel_id)
    _may_add(request, panel)
    form = PersonForm(*_posted(request))
    saved = _saved(request, form, lambda data: services.person_create(actor=request.user, panel=panel, **data),
                   "The adult is added.", lambda person: redirect("intelligence:person", person.pk))
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": panel, "title": "Add an adult of concern", "button": "Add the adult"})


@login_required
def person_edit(request, person_id):
    person = _visible_or_404(persons_visible_to(request.user), person_id)
    _may_change(request, person)
    form = PersonForm(*_posted(request), initial={name: getattr(person, name) for name in PersonForm.base_fields})
    saved = _saved(request, form, lambda data: services.person_update(actor=request.user, person=person, **data),
                   "The adult's details are updated.", lambda _: redirect("intelligence:person", person.pk))
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": person.panel, "title": f"Change {person.name}", "button": "Save"})


# Children --------------------------------------------------------------------------------------


@login_required
def child_network_page(request, panel_id, child_id):
    """The network around a child within one panel's intelligence (not the child's case record)."""
    panel = _panel_or_404(request, panel_id)
    child = Child.objects.filter(pk=child_id, authority_id=panel.authority_id).first()
    if child is None or not _known_to_panel(request.user, panel, child):
        raise Http404
    return _network_page(request, child_network(request.user, panel, child), "intelligence/child.html", {
        "child": child, "may_add": can_add_intelligence(request.user, panel)})


def _known_to_panel(user, panel, child):
    """A child the user may see, or one the panel knows: listed, named in its intelligence, or found
    at one of its places. Any other child's network is not found (not even their initials)."""
    if children_visible_to(user).filter(pk=child.pk).exists() or _panel_children(panel).filter(pk=child.pk).exists():
        return True
    places = places_with_episode_counts(Place.objects.filter(panel=panel), child=child)
    return places.filter(episode_count__gt=0).exists()


# Associations ----------------------------------------------------------------------------------


# A new association offers the children on the panel's list, those named in its intelligence and
# those it met in this many days: not every child it met in ten years (1,800 at national size, each
# then logged as read on every opening of the form; issue 13).
ENDS_MET_WITHIN_DAYS = 365


def _panel_children(panel, *, met_since=None):
    """The children the panel knows: on its list, met at its meetings (since `met_since`, when
    given) or named in its intelligence."""
    listed = PanelListEntry.objects.filter(panel=panel, removed_at__isnull=True).values("child_id")
    met = MeetingChild.objects.filter(meeting__panel=panel).values("child_id")
    if met_since is not None:
        met = met.filter(meeting__starts_at__gte=met_since)
    named = children_of_panel_intelligence(panel)
    return Child.objects.filter(authority_id=panel.authority_id).filter(
        pk__in=[*listed.values_list("child_id", flat=True), *met.values_list("child_id", flat=True), *named]
    ).order_by("family_name", "given_name")


def _asked_children(request):
    """The ids of children a link (?from=, ?to=) or a posted form names as an end."""
    ids = set()
    for value in (request.GET.get("from"), request.GET.get("to"), request.POST.get("from"), request.POST.get("to")):
        kind, _, pk = (value or "").partition(":")
        if kind == EndType.CHILD:
            try:
                ids.add(uuid.UUID(pk))
            except ValueError:
                pass
    return ids


def _ends(request, panel):
    """The children, adults and places a new association may join. Children: those the panel knows
    now, and any child it ever knew that the link or the posted form names."""
    # Only what a choice shows: a panel knows some 200 children, each a model of 40 fields otherwise.
    fields = ("id", "given_name", "family_name")
    met_since = timezone.now() - timedelta(days=ENDS_MET_WITHIN_DAYS)
    children = list(_panel_children(panel, met_since=met_since).only(*fields))
    asked = _asked_children(request) - {child.pk for child in children}
    if asked:
        children += _panel_children(panel).filter(pk__in=asked).only(*fields)
        children.sort(key=lambda child: (child.family_name, child.given_name))
    visible = set(children_visible_to(request.user).filter(pk__in=[c.pk for c in children]).values_list("pk",
                                                                                                        flat=True))
    ends = [(f"child:{c.pk}", f"{c.full_name if c.pk in visible else child_reference(c)} (child)") for c in children]
    ends += [(f"person:{p.pk}", f"{p.name} (adult)") for p in Person.objects.filter(panel=panel)]
    ends += [(f"place:{p.pk}", f"{p.name} (place)") for p in Place.objects.filter(panel=panel)]
    return children, ends


def resolve_end(panel, value):
    """'child:<id>' and the like to (EndType, object) of the panel's authority or panel, or None."""
    kind, _, pk = (value or "").partition(":")
    models = {EndType.CHILD: Child.objects.filter(authority_id=panel.authority_id),
              EndType.PERSON: Person.objects.filter(panel=panel), EndType.PLACE: Place.objects.filter(panel=panel)}
    if kind not in models:
        return None
    try:
        obj = models[kind].filter(pk=pk).first()
    except ValidationError:
        return None
    return (EndType(kind), obj) if obj is not None else None


@login_required
def association_create(request, panel_id):
    panel = _panel_or_404(request, panel_id)
    _may_add(request, panel)
    children, ends = _ends(request, panel)
    initial = {"to": request.GET.get("to", ""), "from": request.GET.get("from", "")}
    form = AssociationForm(*_posted(request), ends=ends, initial=initial)
    record_access_log(request, children)

    def record(data):
        first, second = resolve_end(panel, data.pop("from")), resolve_end(panel, data.pop("to"))
        return services.association_create(actor=request.user, panel=panel, first=first, second=second, **data)

    def then(association):
        kind, obj = association.second_end if association.place_id else association.first_end
        if kind == EndType.PLACE:
            return redirect("intelligence:place", obj.pk)
        return redirect("intelligence:panel", panel.pk)

    saved = _saved(request, form, record, "The association is recorded.", then)
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": panel, "title": "Record an association", "button": "Record the association",
        "grading": True})


@login_required
def association_edit(request, association_id):
    association = _visible_or_404(associations_visible_to(request.user), association_id)
    _may_change(request, association)
    record_access_log(request, [association.child_id, association.other_child_id])
    form = AssociationGradeForm(*_posted(request), initial={
        name: getattr(association, name) for name in AssociationGradeForm.base_fields})
    saved = _saved(request, form,
                   lambda data: services.association_update(actor=request.user, association=association, **data),
                   "The association is updated.", lambda _: redirect("intelligence:panel", association.panel_id))
    return saved or _form_page(request, "intelligence/association_edit.html", form, {
        "panel": association.panel, "association": association, "title": "Change an association",
        "button": "Save", "grading": True})


@login_required
@require_POST
def association_delete(request, association_id):
    association = _visible_or_404(associations_visible_to(request.user), association_id)
    _may_change(request, association)
    panel_id = association.panel_id
    services.association_delete(actor=request.user, association=association)
    messages.success(request, "The association is withdrawn.")
    return redirect("intelligence:panel", panel_id)


# Disruption ------------------------------------------------------------------------------------


def _targets(panel):
    return [(f"place:{p.pk}", f"{p.name} (place)") for p in Place.objects.filter(panel=panel)] + [
        (f"person:{p.pk}", f"{p.name} (adult)") for p in Person.objects.filter(panel=panel)]


@login_required
def disruption_create(request, panel_id):
    panel = _panel_or_404(request, panel_id)
    _may_add(request, panel)
    form = DisruptionForm(*_posted(request), authority=panel.authority, targets=_targets(panel),
                          initial={"target": request.GET.get("target", "")})

    def record(data):
        target = resolve_end(panel, data.pop("target"))
        on = {str(target[0]): target[1]} if target else {}
        return services.disruption_create(actor=request.user, panel=panel, **on, **data)

    saved = _saved(request, form, record, "The disruption is recorded.",
                   lambda _: redirect("intelligence:panel", panel.pk))
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": panel, "title": "Plan disruption", "button": "Save"})


@login_required
def disruption_edit(request, disruption_id):
    disruption = _visible_or_404(disruptions_visible_to(request.user), disruption_id)
    _may_change(request, disruption)
    form = DisruptionForm(*_posted(request), authority=disruption.panel.authority, initial={
        name: getattr(disruption, name) for name in DisruptionForm.base_fields})
    saved = _saved(request, form,
                   lambda data: services.disruption_update(actor=request.user, disruption=disruption, **data),
                   "The disruption is updated.", lambda _: redirect("intelligence:panel", disruption.panel_id))
    return saved or _form_page(request, "intelligence/form.html", form, {
        "panel": disruption.panel, "title": "Update disruption", "button": "Save"})
