"""API §4: deadlines and escalations."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import object_or_404, paginated
from .clocks.permissions import can_complete_deadline
from .clocks.selectors import deadlines_visible_to, escalations_visible_to
from .clocks.services import deadline_complete
from .errors import PermissionDeniedError
from .models import Deadline, DeadlineStatus


class DeadlineOutput(serializers.Serializer):
    id = serializers.UUIDField()
    rule = serializers.CharField()
    title = serializers.CharField()
    due_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField(help_text="As it is now: a duty past its due time reads overdue.")
    child = serializers.UUIDField(source="child_id")
    episode = serializers.UUIDField(source="episode_id", allow_null=True)
    meeting = serializers.UUIDField(source="meeting_id", allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    kind = serializers.CharField()
    counts_from = serializers.DateTimeField()
    params = serializers.JSONField()
    source = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()

    def get_status(self, obj) -> str:
        return obj.status_at(self.context.get("now") or timezone.now())


class DeadlineFilter(serializers.Serializer):
    child = serializers.UUIDField(required=False)
    episode = serializers.UUIDField(required=False)
    meeting = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=DeadlineStatus.choices, required=False)


class DeadlineListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("child", str),
            OpenApiParameter("episode", str),
            OpenApiParameter("meeting", str),
            OpenApiParameter("status", str, enum=DeadlineStatus.values),
        ],
        responses=DeadlineOutput(many=True),
    )
    def get(self, request):
        filters = DeadlineFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        deadlines = deadlines_visible_to(request.user)
        now = timezone.now()
        for name, value in filters.validated_data.items():
            if name == "status":
                deadlines = deadlines.filter(Deadline.status_is(value, now))
            else:
                deadlines = deadlines.filter(**{"meeting_id" if name == "meeting" else name: value})
        return paginated(
            request, self, deadlines.order_by("due_at", "rule", "id"), DeadlineOutput, {"now": now},
            child_of=lambda d: d.child_id,
        )


class DeadlineCompleteInput(serializers.Serializer):
    completed_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=5000)


class DeadlineCompleteApi(APIView):
    @extend_schema(request=DeadlineCompleteInput, responses=DeadlineOutput)
    def post(self, request, deadline_id):
        deadline = object_or_404(deadlines_visible_to(request.user).select_related("child"), deadline_id)
        if not can_complete_deadline(request.user, deadline):
            raise PermissionDeniedError(
                "You may see this deadline but not record it done: it is recorded by the agency that does the work, "
                "the allocated worker or the MASH."
            )
        data = DeadlineCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        deadline = deadline_complete(deadline=deadline, actor=request.user, **data.validated_data)
        return Response(DeadlineOutput(deadline).data)


class EscalationOutput(serializers.Serializer):
    id = serializers.UUIDField()
    rule = serializers.CharField()
    deadline = serializers.UUIDField(source="deadline_id")
    fired_at = serializers.DateTimeField()
    recipients = serializers.JSONField()
    step = serializers.CharField()


class EscalationFilter(serializers.Serializer):
    child = serializers.UUIDField(required=False)


class EscalationListApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("child", str)], responses=EscalationOutput(many=True))
    def get(self, request):
        filters = EscalationFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        escalations = escalations_visible_to(request.user)
        if "child" in filters.validated_data:
            escalations = escalations.filter(deadline__child_id=filters.validated_data["child"])
        return paginated(request, self, escalations.order_by("-fired_at", "id"), EscalationOutput)
