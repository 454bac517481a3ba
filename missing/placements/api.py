"""API for placements (N7): establishments, a child's placements and other councils' contacts."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated
from casework.audit import record_access_log
from casework.output import Output
from casework.permissions import is_administrator
from casework.services import authority_for

from ..models import AuthorityContact, Placement, PlacementProvider, PlacementType, ProviderKind
from ..permissions import can_change_child, children_visible_to
from . import services
from .pdf import letter_of_concern_response
from .selectors import can_manage_providers, child_placements, providers_visible_to, providers_with_counts

DATE_FORMATS = ["iso-8601", "%d/%m/%Y"]


# Establishments ---------------------------------------------------------------------------------


class ProviderInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    address = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    ofsted_urn = serializers.CharField(required=False, allow_blank=True, max_length=20)
    host_authority = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ProviderOutput(Output):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    ofsted_urn = serializers.CharField()
    host_authority = serializers.CharField()
    episode_count = serializers.IntegerField(help_text="Missing episodes that began while a child was placed here.")
    children_now = serializers.IntegerField(help_text="Children placed here now.")


def _may_manage(request):
    if not can_manage_providers(request.user):
        raise PermissionDenied("Only MASH coordinators and administrators record establishments and placements.")


class ProviderListCreateApi(APIView):
    @extend_schema(responses=ProviderOutput(many=True))
    def get(self, request):
        return paginated(request, self, providers_with_counts(providers_visible_to(request.user)), ProviderOutput)

    @extend_schema(request=ProviderInput, responses={201: ProviderOutput})
    def post(self, request):
        _may_manage(request)
        data = ProviderInput(data=request.data)
        data.is_valid(raise_exception=True)
        provider = services.provider_create(
            actor=request.user, authority=authority_for(request.user), **data.validated_data)
        provider = providers_with_counts(PlacementProvider.objects.filter(pk=provider.pk)).get()
        return Response(ProviderOutput(provider).data, status=status.HTTP_201_CREATED)


class ProviderDetailApi(APIView):
    @extend_schema(responses=ProviderOutput)
    def get(self, request, provider_id):
        provider = object_or_404(providers_with_counts(providers_visible_to(request.user)), provider_id)
        return Response(ProviderOutput(provider).data)

    @extend_schema(request=ProviderInput(partial=True), responses=ProviderOutput)
    def patch(self, request, provider_id):
        provider = object_or_404(providers_visible_to(request.user), provider_id)
        _may_manage(request)
        data = ProviderInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.provider_update(actor=request.user, provider=provider, **data.validated_data)
        provider = providers_with_counts(PlacementProvider.objects.filter(pk=provider.pk)).get()
        return Response(ProviderOutput(provider).data)


# A child's placements ---------------------------------------------------------------------------


class PlacementInput(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(
        queryset=PlacementProvider.objects.all(), required=False, allow_null=True,
        help_text="An establishment of the child's authority (GET /api/v1/providers/).",
    )
    placement_type = serializers.ChoiceField(choices=PlacementType.choices)
    started_on = serializers.DateField(input_formats=DATE_FORMATS)
    ended_on = serializers.DateField(
        input_formats=DATE_FORMATS, required=False, allow_null=True,
        help_text="Leave out for the child's current placement (the one current before it then ends the day before).",
    )
    responsible_authority = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text="For a child placed here by another council: that council. Each episode is notified to it (N7).",
    )
    host_authority = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text="For our child placed in another council's area: that council (the establishment's if left out).",
    )


class PlacementOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    provider = serializers.UUIDField(source="provider_id", allow_null=True)
    provider_name = serializers.SerializerMethodField()
    placement_type = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    responsible_authority = serializers.CharField()
    host_authority = serializers.CharField()

    def get_provider_name(self, placement) -> str:
        return placement.provider.name if placement.provider_id else ""


class PlacementEndInput(serializers.Serializer):
    ended_on = serializers.DateField(input_formats=DATE_FORMATS)


def _changeable_child(request, child_id):
    child = object_or_404(children_visible_to(request.user), child_id)
    if not can_change_child(request.user, child):
        raise PermissionDenied("You may see this child but not change the record.")
    return child


class ChildPlacementsApi(APIView):
    @extend_schema(responses=PlacementOutput(many=True))
    def get(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        record_access_log(request, [child])
        return paginated(request, self, child_placements(child), PlacementOutput)

    @extend_schema(request=PlacementInput, responses={201: PlacementOutput})
    def post(self, request, child_id):
        child = _changeable_child(request, child_id)
        data = PlacementInput(data=request.data)
        data.is_valid(raise_exception=True)
        placement = services.placement_record(actor=request.user, child=child, **data.validated_data)
        return Response(PlacementOutput(placement).data, status=status.HTTP_201_CREATED)


class PlacementEndApi(APIView):
    @extend_schema(request=PlacementEndInput, responses=PlacementOutput)
    def post(self, request, placement_id):
        placement = object_or_404(
            Placement.objects.filter(child__in=children_visible_to(request.user).values("pk")), placement_id)
        _changeable_child(request, placement.child_id)
        data = PlacementEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        placement = services.placement_end(actor=request.user, placement=placement, **data.validated_data)
        return Response(PlacementOutput(placement).data)


# Other councils' contacts -----------------------------------------------------------------------


class ContactInput(serializers.Serializer):
    other_authority = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)


class ContactOutput(Output):
    id = serializers.UUIDField()
    other_authority = serializers.CharField()
    email = serializers.EmailField()


def _administrator(request):
    if not is_administrator(request.user):
        raise PermissionDenied("Only administrators configure other councils' contacts.")


class ContactListCreateApi(APIView):
    @extend_schema(responses=ContactOutput(many=True))
    def get(self, request):
        _administrator(request)
        contacts = AuthorityContact.objects.filter(authority=authority_for(request.user))
        return paginated(request, self, contacts, ContactOutput)

    @extend_schema(
        request=ContactInput,
        responses={201: ContactOutput},
        description="Where out-of-area notices (N7) to another council go. Notices owed to it are sent on the "
        "next sweep. A second contact for the same council is refused: there is one per council.",
    )
    def post(self, request):
        _administrator(request)
        data = ContactInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_save(actor=request.user, authority=authority_for(request.user),
                                        **data.validated_data)
        return Response(ContactOutput(contact).data, status=status.HTTP_201_CREATED)


# The letter of concern --------------------------------------------------------------------------


class LetterInput(serializers.Serializer):
    authority = serializers.CharField(max_length=200, help_text="The responsible authority the letter goes to.")
    start = serializers.DateField(input_formats=DATE_FORMATS)
    end = serializers.DateField(input_formats=DATE_FORMATS)

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["The end of the period cannot be before its start."]})
        return data


class LetterOfConcernApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("authority", str, required=True), OpenApiParameter("start", OpenApiTypes.DATE,
                    required=True), OpenApiParameter("end", OpenApiTypes.DATE, required=True)],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="The board's letter of concern (002 §6) to a responsible authority: its children placed "
        "here that the caller sees, with their missing episodes that began in the period. MASH coordinators and "
        "administrators.",
    )
    def get(self, request):
        _may_manage(request)
        data = LetterInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return letter_of_concern_response(request, to=values["authority"], start=values["start"], end=values["end"])
