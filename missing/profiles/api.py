"""GET /api/v1/children/{id}/profile/ (JSON, or ?format=pdf) and its photo, for police systems."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404
from casework.audit import record_access_log
from casework.output import Output
from casework.protocol_store import protocol_for

from ..selectors import child_with_episodes
from . import services
from .permissions import can_change_profile, profile_children_visible_to
from .selectors import profile_document, profile_of
from .views import pdf_response, photo_response


class JsonWhateverTheFormat(DefaultContentNegotiation):
    """`?format=pdf` chooses the document, not a renderer: errors still answer JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EpisodeSummary(Output):
    id = serializers.UUIDField()
    category = serializers.CharField()
    risk_level = serializers.CharField()
    started_at = serializers.DateTimeField()
    returned_at = serializers.DateTimeField(allow_null=True)
    found_location = serializers.CharField()


class HistoryOutput(Output):
    episode_count = serializers.IntegerField()
    episode_count_90_days = serializers.IntegerField()
    currently_missing = serializers.BooleanField()
    episodes = EpisodeSummary(many=True)


class LatestUpdateOutput(Output):
    id = serializers.UUIDField()
    position = serializers.CharField()
    actions_to_locate = serializers.CharField()
    written_at = serializers.DateTimeField()


class ProfileOutput(Output):
    id = serializers.UUIDField(source="profile.id")
    child = serializers.UUIDField(source="child.id")
    given_name = serializers.CharField(source="child.given_name")
    family_name = serializers.CharField(source="child.family_name")
    date_of_birth = serializers.DateField(source="child.date_of_birth")
    age = serializers.IntegerField()
    gender = serializers.CharField(source="child.gender")
    ethnicity = serializers.CharField(source="child.ethnicity")
    legal_status = serializers.CharField(source="child.legal_status")
    police_person_id = serializers.CharField(source="child.police_person_id")
    height = serializers.CharField(source="profile.height")
    build = serializers.CharField(source="profile.build")
    hair = serializers.CharField(source="profile.hair")
    eyes = serializers.CharField(source="profile.eyes")
    distinguishing_features = serializers.CharField(source="profile.distinguishing_features")
    usual_clothing = serializers.CharField(source="profile.usual_clothing")
    phone_numbers = serializers.CharField(source="profile.phone_numbers")
    social_media = serializers.CharField(source="profile.social_media")
    associates = serializers.CharField(source="profile.associates")
    places = serializers.CharField(source="profile.places")
    medical_needs = serializers.CharField(source="profile.medical_needs")
    photo = serializers.SerializerMethodField(help_text="Where to GET the photo, or null when none is uploaded.")
    last_reviewed_at = serializers.DateTimeField(source="profile.last_reviewed_at")
    review_due_at = serializers.DateTimeField(help_text="N8: the last review plus the protocol's days.")
    review_stale = serializers.BooleanField(help_text="True once review_due_at has passed (N8).")
    missing_history = HistoryOutput(source="history")
    latest_update = LatestUpdateOutput(allow_null=True)

    def get_photo(self, document) -> str | None:
        if not document["profile"].has_photo:
            return None
        return reverse("api-child-profile-photo", args=[document["child"].pk])


class ProfileInput(serializers.Serializer):
    height = serializers.CharField(max_length=50, required=False, allow_blank=True)
    build = serializers.CharField(max_length=100, required=False, allow_blank=True)
    hair = serializers.CharField(max_length=200, required=False, allow_blank=True)
    eyes = serializers.CharField(max_length=100, required=False, allow_blank=True)
    distinguishing_features = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    usual_clothing = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    phone_numbers = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    social_media = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    associates = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    places = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    medical_needs = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class PhotoInput(serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG or PNG image, checked by its content and size.")


def _changeable_child(request, child_id):
    """The child, if the caller may read its profile (else 404) and change it (else 403)."""
    child = object_or_404(child_with_episodes(profile_children_visible_to(request.user)), child_id)
    if not can_change_profile(request.user, child):
        raise PermissionDenied("You may read this profile but not change it.")
    return child


def _document_response(request, child, status_code=200):
    """The profile as it is now, the child read again (after a change)."""
    child = child_with_episodes(profile_children_visible_to(request.user)).select_related(
        "allocated_worker", "provider"
    ).get(pk=child.pk)
    return _document(request, child, profile_of(child), status_code)


def _document(request, child, profile, status_code=200):
    document = profile_document(child, profile, protocol=protocol_for(child.authority_id))
    record_access_log(request, [child])
    return Response(ProfileOutput(document).data, status=status_code)


def _child_and_profile(request, child_id):
    child = object_or_404(
        child_with_episodes(profile_children_visible_to(request.user)).select_related("allocated_worker", "provider"),
        child_id,
    )
    profile = profile_of(child)
    if profile is None:
        raise NotFound("No missing person profile is recorded for this child.")
    return child, profile


class ProfileApi(APIView):
    content_negotiation_class = JsonWhateverTheFormat

    @extend_schema(
        summary="A child's missing person profile",
        description=(
            "Readable by whoever may see the child and by the police force of the child's authority. "
            "`?format=pdf` answers the PDF a carer hands to the police (application/pdf). 404 when the "
            "caller may not see the child or no profile is recorded."
        ),
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "pdf"])],
        responses={
            (200, "application/json"): ProfileOutput,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (404, "application/json"): OpenApiResponse(description="Not visible, or no profile"),
        },
    )
    def get(self, request, child_id):
        child, profile = _child_and_profile(request, child_id)
        if request.query_params.get("format") == "pdf":
            return pdf_response(request, child)
        return _document(request, child, profile)  # read once: no second load of the child

    @extend_schema(
        summary="Create or change a child's missing person profile (whoever may change the child)",
        description="Only the fields sent change. Saving is a review: N8's next review counts from now.",
        request=ProfileInput,
        responses={
            200: ProfileOutput,
            400: OpenApiResponse(description="{field: [message]}; nothing saved"),
            403: OpenApiResponse(description="The caller may read the profile but not change it"),
            404: OpenApiResponse(description="Not visible"),
        },
    )
    def patch(self, request, child_id):
        child = _changeable_child(request, child_id)
        data = ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.profile_save(actor=request.user, child=child, **data.validated_data)
        return _document_response(request, child)


class ProfilePhotoApi(APIView):
    content_negotiation_class = JsonWhateverTheFormat
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="The profile's photo (image/jpeg or image/png)",
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not visible, or none")},
    )
    def get(self, request, child_id):
        child, _ = _child_and_profile(request, child_id)
        return photo_response(request, child)

    @extend_schema(
        summary="Upload the profile's photo (multipart), replacing the one before",
        request={"multipart/form-data": PhotoInput},
        responses={
            200: ProfileOutput,
            400: OpenApiResponse(description="Wrong type or size; nothing saved"),
            403: OpenApiResponse(description="The caller may read the profile but not change it"),
            404: OpenApiResponse(description="Not visible"),
        },
    )
    def post(self, request, child_id):
        child = _changeable_child(request, child_id)
        data = PhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.profile_save(
            actor=request.user, child=child, photo=data.validated_data["file"], photo_field="file"
        )
        return _document_response(request, child)
