"""API §4: deadlines and escalations."""

from functools import partial

from django.db.models import F
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated, reads_first_rows
from casework.errors import PermissionDeniedError
from casework.models import Deadline, DeadlineStatus
from casework.models.clocks import LIVE_STATUSES
from casework.output import Output

from .permissions import can_complete_deadline
from .registry import clock_kinds
from .selectors import WALK, deadlines_visible_count, deadlines_visible_to, escalations_visible_to
from .services import deadline_complete, row_facts

# The API names a deadline's subject by the field its clock kind chose (API §4: episode, meeting).
SUBJECT_FIELDS = ("episode", "meeting", "action")


def _subject_of(api_field, deadline):
    kind = next((k for k in clock_kinds() if k.name == deadline.subject_type), None)
    return deadline.subject_id if kind is not None and kind.api_field == api_field else None


def _subject_filter(api_field, subject_id):
    names = [kind.name for kind in clock_kinds() if kind.api_field == api_field]
    return {"subject_type__in": names, "subject_id": subject_id}


class DeadlineOutput(Output):
    id = serializers.UUIDField()
    rule = serializers.CharField()
    title = serializers.CharField()
    due_at = serializers.DateTimeField()
    status = serializers.SerializerMethodField(help_text="As it is now: a duty past its due time reads overdue.")
    child = serializers.UUIDField(source="child_id", allow_null=True)
    episode = serializers.SerializerMethodField()
    meeting = serializers.SerializerMethodField()
    action = serializers.SerializerMethodField()
    subject_type = serializers.CharField()
    subject = serializers.UUIDField(source="subject_id")
    completed_at = serializers.DateTimeField(allow_null=True)
    kind = serializers.CharField()
    counts_from = serializers.DateTimeField()
    params = serializers.JSONField()
    source = serializers.CharField()
    reason = serializers.CharField()
    note = serializers.CharField()

    def get_episode(self, obj) -> str | None:
        return _subject_of("episode", obj)

    def get_meeting(self, obj) -> str | None:
        return _subject_of("meeting", obj)

    def get_action(self, obj) -> str | None:
        return _subject_of("action", obj)

    def get_status(self, obj) -> str:
        return obj.status_at(self.context.get("now") or timezone.now())


class DeadlineFilter(serializers.Serializer):
    child = serializers.UUIDField(required=False)
    episode = serializers.UUIDField(required=False)
    meeting = serializers.UUIDField(required=False)
    action = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=DeadlineStatus.choices, required=False)


class DeadlineListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("child", str),
            OpenApiParameter("episode", str),
            OpenApiParameter("meeting", str),
            OpenApiParameter("action", str),
            OpenApiParameter("status", str, enum=DeadlineStatus.values),
        ],
        responses=DeadlineOutput(many=True),
    )
    def get(self, request):
        filters = DeadlineFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        status = filters.validated_data.get("status", "")
        # The whole list, or its done or cancelled rows: ten years of closed rows, counted apart (from
        # the tally where one serves), the page read in order. A narrower list carries its own count
        # on the page (COUNT(*) OVER ()), reading each of its rows.
        counted_apart = set(filters.validated_data) <= {"status"} and status not in LIVE_STATUSES
        walked = counted_apart and reads_first_rows(request)
        deadlines = deadlines_visible_to(request.user, listing=WALK if walked else True)
        now = timezone.now()
        for name, value in filters.validated_data.items():
            if name == "status":
                deadlines = deadlines.filter(Deadline.status_is(value, now))
            elif name in SUBJECT_FIELDS:
                deadlines = deadlines.filter(**_subject_filter(name, value))
            else:
                deadlines = deadlines.filter(child_id=value)
        count = None
        if counted_apart:
            count = partial(deadlines_visible_count, request.user, status=status, now=now, listing=True)
        return paginated(
            request, self, deadlines.order_by("due_at", "rule", "id"), DeadlineOutput, {"now": now},
            child_of=lambda d: d.child_id, count=count,
        )


class DeadlineCompleteInput(serializers.Serializer):
    completed_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=5000)


class DeadlineCompleteApi(APIView):
    @extend_schema(request=DeadlineCompleteInput, responses=DeadlineOutput)
    def post(self, request, deadline_id):
        deadline = object_or_404(deadlines_visible_to(request.user), deadline_id)
        if not can_complete_deadline(request.user, deadline, row_facts([deadline])[deadline.pk]):
            raise PermissionDeniedError(
                "You may see this deadline but not record it done: it is recorded by the agency that does the work, "
                "the allocated worker or the MASH."
            )
        data = DeadlineCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        deadline = deadline_complete(deadline=deadline, actor=request.user, **data.validated_data)
        return Response(DeadlineOutput(deadline).data)


class EscalationOutput(Output):
    id = serializers.UUIDField()
    rule = serializers.CharField()
    deadline = serializers.UUIDField(source="deadline_id")
    fired_at = serializers.DateTimeField()
    recipients = serializers.JSONField()
    step = serializers.CharField()


class EscalationFilter(serializers.Serializer):
    child = serializers.UUIDField(required=False)
    episode = serializers.UUIDField(required=False)
    meeting = serializers.UUIDField(required=False)
    action = serializers.UUIDField(required=False)


class EscalationListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter(name, str) for name in ("child", *SUBJECT_FIELDS)],
        responses=EscalationOutput(many=True),
    )
    def get(self, request):
        filters = EscalationFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        escalations = escalations_visible_to(request.user)
        for name, value in filters.validated_data.items():
            if name in SUBJECT_FIELDS:
                lookups = _subject_filter(name, value)
                escalations = escalations.filter(**{f"deadline__{key}": item for key, item in lookups.items()})
            else:
                escalations = escalations.filter(deadline__child_id=value)
        # An escalation is part of its child's record (the deadline it chased): the page's children are logged.
        escalations = escalations.annotate(child_of_deadline=F("deadline__child_id")).order_by("-fired_at", "id")
        return paginated(request, self, escalations, EscalationOutput, child_of=lambda e: e.child_of_deadline)
