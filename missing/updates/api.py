"""GET/POST /api/v1/children/{id}/updates/: the child's missing-child updates, newest first."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated
from casework.output import Output

from ..models import MissingEpisode
from ..permissions import children_visible_to
from .selectors import updates_of_child
from .services import missing_update_create


class MissingUpdateInput(serializers.Serializer):
    position = serializers.CharField(max_length=10000, help_text="The latest position.")
    actions_to_locate = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    episode = serializers.UUIDField(
        required=False, allow_null=True, default=None,
        help_text="One of the child's episodes; the open one when left out.",
    )


class MissingUpdateOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    episode = serializers.UUIDField(source="episode_id", allow_null=True)
    position = serializers.CharField()
    actions_to_locate = serializers.CharField()
    written_by = serializers.UUIDField(source="written_by_id", allow_null=True)
    written_by_username = serializers.SerializerMethodField()
    written_at = serializers.DateTimeField()

    def get_written_by_username(self, update) -> str:
        return update.written_by.get_username() if update.written_by else ""


class ChildUpdatesApi(APIView):
    @extend_schema(summary="A child's missing-child updates, newest first", responses=MissingUpdateOutput(many=True))
    def get(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        return paginated(request, self, updates_of_child(child), MissingUpdateOutput, child_of=lambda u: u.child_id)

    @extend_schema(
        summary="Record a missing-child update (whoever may see the child)",
        request=MissingUpdateInput,
        responses={201: MissingUpdateOutput, 400: OpenApiResponse(description="{field: [message]}; nothing saved")},
    )
    def post(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        data = MissingUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        episode_id = fields.pop("episode")
        episode = None
        if episode_id is not None:
            episode = MissingEpisode.objects.filter(pk=episode_id, child=child).first()
            if episode is None:
                raise serializers.ValidationError({"episode": ["This episode is not one of this child's."]})
        update = missing_update_create(actor=request.user, child=child, episode=episode, **fields)
        return Response(MissingUpdateOutput(update).data, status=status.HTTP_201_CREATED)
