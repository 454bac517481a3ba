"""API of panel intelligence (under /api/v1/intelligence/): places with their episode counts, adults
of concern, associations with their grading, disruption, and the network around a place or an
adult. Seen only by the panel's members (404 to anyone else); changed by whoever recorded it and
the panel's chairs (403 to the other members)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated, uuid_query_param
from casework.audit import record_access_log
from casework.models import Agency, User
from casework.output import Output
from casework.paginator import WindowPaginator
from missing.models import Child
from missing.permissions import children_visible_to, episodes_visible_to
from panels.permissions import panels_visible_to

from . import services
from .models import (
    DisruptionStatus,
    EndType,
    Handling,
    IntelligenceEvaluation,
    Person,
    PersonRole,
    Place,
    PlaceKind,
    SourceEvaluation,
)
from .permissions import (
    associations_visible_to,
    can_add_intelligence,
    can_change_intelligence,
    disruptions_visible_to,
    persons_visible_to,
    places_visible_to,
)
from .selectors import child_reference, person_network, place_network, places_with_episode_counts, with_ends

PANEL_FILTER = OpenApiParameter("panel", str, description="Only this panel's intelligence.")


def _panel_from(request, panel_id):
    """The panel named in a request body: one the caller sees and may add to, else a 400 on `panel`."""
    panel = panels_visible_to(request.user).filter(pk=panel_id).first()
    if panel is None:
        raise serializers.ValidationError({"panel": ["No panel with this id that you are a member of."]})
    if not can_add_intelligence(request.user, panel):
        raise PermissionDenied("Only the panel's people add intelligence to it.")
    return panel


def _filtered(request, queryset):
    panel = uuid_query_param(request, "panel")
    return queryset.filter(panel_id=panel) if panel else queryset


def _may_change(request, row):
    if not can_change_intelligence(request.user, row):
        raise PermissionDenied("Whoever recorded this and the panel's chairs change it.")


# Places ------------------------------------------------------------------------------------------


class PlaceInput(serializers.Serializer):
    panel = serializers.UUIDField()
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class PlaceUpdateInput(PlaceInput):
    panel = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PlaceOutput(Output):
    id = serializers.UUIDField()
    panel = serializers.UUIDField(source="panel_id")
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    notes = serializers.CharField()
    episode_count = serializers.IntegerField(
        help_text="Episodes of the panel's authority in which a child was found here: linked by a person, or "
                  "the found location or a return interview names the place's postcode or address.")


def _places(request):
    return places_with_episode_counts(places_visible_to(request.user)).order_by("-episode_count", "name")


class PlaceListCreateApi(APIView):
    @extend_schema(parameters=[PANEL_FILTER], responses=PlaceOutput(many=True))
    def get(self, request):
        return paginated(request, self, _filtered(request, _places(request)), PlaceOutput)

    @extend_schema(request=PlaceInput, responses={201: PlaceOutput})
    def post(self, request):
        data = PlaceInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        panel = _panel_from(request, fields.pop("panel"))
        place = services.place_create(actor=request.user, panel=panel, **fields)
        return Response(PlaceOutput(_places(request).get(pk=place.pk)).data, status=status.HTTP_201_CREATED)


class PlaceDetailApi(APIView):
    @extend_schema(responses=PlaceOutput)
    def get(self, request, place_id):
        return Response(PlaceOutput(object_or_404(_places(request), place_id)).data)

    @extend_schema(request=PlaceUpdateInput, responses=PlaceOutput)
    def patch(self, request, place_id):
        place = object_or_404(places_visible_to(request.user).select_related("panel"), place_id)
        _may_change(request, place)
        data = PlaceUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.place_update(actor=request.user, place=place, **data.validated_data)
        return Response(PlaceOutput(_places(request).get(pk=place.pk)).data)


class EpisodeLinkInput(serializers.Serializer):
    episode = serializers.UUIDField()


class PlaceEpisodesApi(APIView):
    @extend_schema(request=EpisodeLinkInput, responses={201: PlaceOutput},
                   description="Say that a child was found at this place in this episode; it is counted here.")
    def post(self, request, place_id):
        place = object_or_404(places_visible_to(request.user).select_related("panel"), place_id)
        if not can_add_intelligence(request.user, place.panel):
            raise PermissionDenied("Only the panel's people link episodes to its places.")
        data = EpisodeLinkInput(data=request.data)
        data.is_valid(raise_exception=True)
        episode = episodes_visible_to(request.user).select_related("child").filter(
            pk=data.validated_data["episode"]).first()
        if episode is None:
            raise serializers.ValidationError({"episode": ["No episode with this id that you can see."]})
        services.place_link_episode(actor=request.user, place=place, episode=episode)
        return Response(PlaceOutput(_places(request).get(pk=place.pk)).data, status=status.HTTP_201_CREATED)


# Adults of concern -------------------------------------------------------------------------------


class PersonInput(serializers.Serializer):
    panel = serializers.UUIDField()
    name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=PersonRole.choices)
    aliases = serializers.CharField(max_length=300, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class PersonUpdateInput(PersonInput):
    panel = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class PersonOutput(Output):
    id = serializers.UUIDField()
    panel = serializers.UUIDField(source="panel_id")
    name = serializers.CharField()
    role = serializers.CharField()
    aliases = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    description = serializers.CharField()


class PersonListCreateApi(APIView):
    @extend_schema(parameters=[PANEL_FILTER], responses=PersonOutput(many=True))
    def get(self, request):
        return paginated(request, self, _filtered(request, persons_visible_to(request.user)), PersonOutput)

    @extend_schema(request=PersonInput, responses={201: PersonOutput})
    def post(self, request):
        data = PersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        panel = _panel_from(request, fields.pop("panel"))
        person = services.person_create(actor=request.user, panel=panel, **fields)
        return Response(PersonOutput(person).data, status=status.HTTP_201_CREATED)


class PersonDetailApi(APIView):
    @extend_schema(responses=PersonOutput)
    def get(self, request, person_id):
        return Response(PersonOutput(object_or_404(persons_visible_to(request.user), person_id)).data)

    @extend_schema(request=PersonUpdateInput, responses=PersonOutput)
    def patch(self, request, person_id):
        person = object_or_404(persons_visible_to(request.user).select_related("panel"), person_id)
        _may_change(request, person)
        data = PersonUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(PersonOutput(services.person_update(actor=request.user, person=person,
                                                            **data.validated_data)).data)


# Associations ------------------------------------------------------------------------------------


class EndInput(serializers.Serializer):
    type = serializers.ChoiceField(choices=EndType.choices)
    id = serializers.UUIDField()


class EndOutput(Output):
    type = serializers.CharField()
    id = serializers.UUIDField()
    label = serializers.CharField(help_text="A child the caller may not see is named by initials and reference.")


class AssociationInput(serializers.Serializer):
    panel = serializers.UUIDField()
    nature = serializers.CharField(max_length=200)
    source = serializers.CharField(max_length=300)
    source_date = serializers.DateField()
    source_evaluation = serializers.ChoiceField(choices=SourceEvaluation.choices)
    intelligence_evaluation = serializers.ChoiceField(choices=IntelligenceEvaluation.choices)
    handling = serializers.ChoiceField(choices=Handling.choices)

    def get_fields(self):
        # "from" is a Python keyword: the two ends are added by name.
        fields = super().get_fields()
        fields["from"] = EndInput(help_text="A child or an adult of the panel.")
        fields["to"] = EndInput(help_text="A child, an adult or a place of the panel.")
        return fields


class AssociationUpdateInput(serializers.Serializer):
    nature = serializers.CharField(max_length=200, required=False)
    source = serializers.CharField(max_length=300, required=False)
    source_date = serializers.DateField(required=False)
    source_evaluation = serializers.ChoiceField(choices=SourceEvaluation.choices, required=False)
    intelligence_evaluation = serializers.ChoiceField(choices=IntelligenceEvaluation.choices, required=False)
    handling = serializers.ChoiceField(choices=Handling.choices, required=False)


extend_schema_field_end = extend_schema_field(EndOutput)


def _end_data(kind, obj, visible):
    if kind == EndType.CHILD:
        label = obj.full_name if obj.pk in visible else child_reference(obj)
    else:
        label = obj.name
    return {"type": str(kind), "id": obj.pk, "label": label}


class AssociationOutput(Output):
    id = serializers.UUIDField()
    panel = serializers.UUIDField(source="panel_id")
    kind = serializers.CharField(help_text="child-child, child-adult, child-place, adult-adult or adult-place.")
    nature = serializers.CharField()
    source = serializers.CharField()
    source_date = serializers.DateField()
    source_evaluation = serializers.CharField()
    intelligence_evaluation = serializers.CharField()
    handling = serializers.CharField()
    grade = serializers.CharField(help_text="The 3x5x2 grading in one: source, intelligence, handling (e.g. 2BP).")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.SerializerMethodField(method_name="get_first")
        fields["to"] = serializers.SerializerMethodField(method_name="get_second")
        return fields

    @extend_schema_field_end
    def get_first(self, obj):
        return _end_data(*obj.first_end, self.context.get("visible", set()))

    @extend_schema_field_end
    def get_second(self, obj):
        return _end_data(*obj.second_end, self.context.get("visible", set()))


def _children_of(associations):
    return [pk for a in associations for pk in (a.child_id, a.other_child_id) if pk is not None]


def _visible_children(request, ids):
    return set(children_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))


def _association_response(request, association, status_code=200):
    with_ends([association])
    ids = _children_of([association])
    record_access_log(request, ids)
    data = AssociationOutput(association, context={"visible": _visible_children(request, ids)}).data
    return Response(data, status=status_code)


ASSOCIATION_FILTERS = [PANEL_FILTER] + [
    OpenApiParameter(name, str, description=f"Only associations with this {label}.")
    for name, label in (("child", "child at either end"), ("person", "adult at either end"), ("place", "place"))
]


def _associations(request):
    return associations_visible_to(request.user)


class AssociationListCreateApi(APIView):
    @extend_schema(parameters=ASSOCIATION_FILTERS, responses=AssociationOutput(many=True))
    def get(self, request):
        rows = _filtered(request, _associations(request))
        child, person, place = (uuid_query_param(request, name) for name in ("child", "person", "place"))
        if child:
            rows = rows.filter(child_id=child) | rows.filter(other_child_id=child)
        if person:
            rows = rows.filter(person_id=person) | rows.filter(other_person_id=person)
        if place:
            rows = rows.filter(place_id=place)
        # Each row can name two children: the page's are logged here rather than through paginated().
        paginator = PageNumberPagination()
        paginator.django_paginator_class = WindowPaginator  # the page carries its count
        page = with_ends(paginator.paginate_queryset(rows, request, view=self))
        ids = _children_of(page)
        record_access_log(request, ids)
        data = AssociationOutput(page, many=True, context={"visible": _visible_children(request, ids)}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=AssociationInput, responses={201: AssociationOutput})
    def post(self, request):
        data = AssociationInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        panel = _panel_from(request, fields.pop("panel"))
        ends = []
        for name in ("from", "to"):
            end = fields.pop(name)
            ends.append(_resolve(panel, name, end["type"], end["id"]))
        association = services.association_create(actor=request.user, panel=panel, first=ends[0], second=ends[1],
                                                  **fields)
        return _association_response(request, association, status.HTTP_201_CREATED)


def _resolve(panel, field, kind, pk):
    """An end of the body: a child of the panel's authority, or one of the panel's adults or places."""
    querysets = {EndType.CHILD: Child.objects.filter(authority_id=panel.authority_id),
                 EndType.PERSON: Person.objects.filter(panel=panel), EndType.PLACE: Place.objects.filter(panel=panel)}
    obj = querysets[kind].filter(pk=pk).first()
    if obj is None:
        raise serializers.ValidationError({field: [f"No {EndType(kind).label.lower()} with this id in the panel."]})
    return EndType(kind), obj


class AssociationDetailApi(APIView):
    @extend_schema(responses=AssociationOutput)
    def get(self, request, association_id):
        return _association_response(request, object_or_404(_associations(request), association_id))

    @extend_schema(request=AssociationUpdateInput, responses=AssociationOutput)
    def patch(self, request, association_id):
        association = object_or_404(_associations(request), association_id)
        _may_change(request, association)
        data = AssociationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.association_update(actor=request.user, association=association, **data.validated_data)
        return _association_response(request, association)

    @extend_schema(responses={204: None})
    def delete(self, request, association_id):
        association = object_or_404(_associations(request), association_id)
        _may_change(request, association)
        services.association_delete(actor=request.user, association=association)
        return Response(status=status.HTTP_204_NO_CONTENT)


# The network around a place or an adult ----------------------------------------------------------


class LinkOutput(Output):
    other = EndOutput()
    nature = serializers.CharField()
    source = serializers.CharField()
    source_date = serializers.DateField(allow_null=True)
    grade = serializers.CharField(help_text="Blank for 'found here', which comes from the episodes.")
    association = serializers.UUIDField(allow_null=True)


class NetworkOutput(Output):
    focus = EndOutput()
    links = LinkOutput(many=True)


def _node_end(node):
    kind, _, pk = node.key.partition(":")
    return {"type": kind, "id": pk, "label": node.label}


def _network_response(request, network):
    record_access_log(request, network.children_shown)
    return Response(NetworkOutput({
        "focus": _node_end(network.focus),
        "links": [
            {"other": _node_end(link.other), "nature": link.nature, "source": link.source,
             "source_date": link.source_date, "grade": link.grade,
             "association": link.association.pk if link.association else None}
            for link in network.links
        ],
    }).data)


class PlaceNetworkApi(APIView):
    @extend_schema(responses=NetworkOutput)
    def get(self, request, place_id):
        place = object_or_404(places_visible_to(request.user).select_related("panel"), place_id)
        return _network_response(request, place_network(request.user, place))


class PersonNetworkApi(APIView):
    @extend_schema(responses=NetworkOutput)
    def get(self, request, person_id):
        person = object_or_404(persons_visible_to(request.user).select_related("panel"), person_id)
        return _network_response(request, person_network(request.user, person))


# Disruption --------------------------------------------------------------------------------------


class DisruptionInput(serializers.Serializer):
    panel = serializers.UUIDField()
    place = serializers.UUIDField(required=False, allow_null=True)
    person = serializers.UUIDField(required=False, allow_null=True)
    description = serializers.CharField(max_length=5000)
    owner_agency = serializers.UUIDField()
    owner = serializers.UUIDField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=DisruptionStatus.choices, required=False)
    planned_for = serializers.DateField(required=False, allow_null=True)
    done_on = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class DisruptionUpdateInput(serializers.Serializer):
    description = serializers.CharField(max_length=5000, required=False)
    owner_agency = serializers.UUIDField(required=False)
    owner = serializers.UUIDField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=DisruptionStatus.choices, required=False)
    planned_for = serializers.DateField(required=False, allow_null=True)
    done_on = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class DisruptionOutput(Output):
    id = serializers.UUIDField()
    panel = serializers.UUIDField(source="panel_id")
    place = serializers.UUIDField(source="place_id", allow_null=True)
    person = serializers.UUIDField(source="person_id", allow_null=True)
    description = serializers.CharField()
    owner_agency = serializers.UUIDField(source="owner_agency_id")
    owner = serializers.UUIDField(source="owner_id", allow_null=True)
    status = serializers.CharField()
    planned_for = serializers.DateField(allow_null=True)
    done_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()


def _people(panel, fields):
    """Turn the ids of owner agency and owner into rows of the panel's authority (a 400 otherwise)."""
    if "owner_agency" in fields:
        agency = Agency.objects.filter(pk=fields["owner_agency"], authority_id=panel.authority_id).first()
        if agency is None:
            raise serializers.ValidationError({"owner_agency": ["No agency with this id in the authority."]})
        fields["owner_agency"] = agency
    if fields.get("owner"):
        owner = User.objects.filter(pk=fields["owner"], agency__authority_id=panel.authority_id).first()
        if owner is None:
            raise serializers.ValidationError({"owner": ["No user with this id in the authority."]})
        fields["owner"] = owner
    return fields


class DisruptionListCreateApi(APIView):
    @extend_schema(parameters=[PANEL_FILTER], responses=DisruptionOutput(many=True))
    def get(self, request):
        return paginated(request, self, _filtered(request, disruptions_visible_to(request.user)), DisruptionOutput)

    @extend_schema(request=DisruptionInput, responses={201: DisruptionOutput})
    def post(self, request):
        data = DisruptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        panel = _panel_from(request, fields.pop("panel"))
        for name in ("place", "person"):
            if fields.get(name):
                fields[name] = _resolve(panel, name, name, fields[name])[1]
        disruption = services.disruption_create(actor=request.user, panel=panel, **_people(panel, fields))
        return Response(DisruptionOutput(disruption).data, status=status.HTTP_201_CREATED)


class DisruptionDetailApi(APIView):
    @extend_schema(responses=DisruptionOutput)
    def get(self, request, disruption_id):
        return Response(DisruptionOutput(object_or_404(disruptions_visible_to(request.user), disruption_id)).data)

    @extend_schema(request=DisruptionUpdateInput, responses=DisruptionOutput)
    def patch(self, request, disruption_id):
        disruption = object_or_404(disruptions_visible_to(request.user).select_related("panel"), disruption_id)
        _may_change(request, disruption)
        data = DisruptionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = _people(disruption.panel, dict(data.validated_data))
        return Response(DisruptionOutput(services.disruption_update(actor=request.user, disruption=disruption,
                                                                    **fields)).data)
