"""API §5: panels, meetings, attendance, the agenda, ratings and the minutes PDF."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.audit import record_access_log
from casework.api import object_or_404, paginated
from casework.models import Agency, AgencyKind, User
from casework.output import Output
from casework.services import authority_for
from missing.permissions import children_visible_to, live_children

from . import services
from .models import Frequency, RatingValue
from .pdf import meeting_pdf_response
from .permissions import agreed_confidentiality, can_create_panels, chairs, meetings_visible_to, panels_visible_to
from .selectors import agenda, deadline_rows, deadline_rows_of, ratings_of_child


class PanelInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    member_agencies = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=50)
    quorum_agency_kinds = serializers.ListField(child=serializers.ChoiceField(choices=AgencyKind.choices),
                                                required=False, max_length=20)


class PanelOutput(Output):
    id = serializers.UUIDField()
    name = serializers.CharField()
    frequency = serializers.CharField()
    member_agencies = serializers.SerializerMethodField()
    quorum_agency_kinds = serializers.ListField(child=serializers.CharField())
    chair = serializers.UUIDField(source="chair_id", allow_null=True)

    def get_member_agencies(self, obj) -> list[str]:
        return [str(member.agency_id) for member in obj.members.all()]


class PanelListCreateApi(APIView):
    @extend_schema(responses=PanelOutput(many=True))
    def get(self, request):
        return paginated(request, self, panels_visible_to(request.user).prefetch_related("members"), PanelOutput)

    @extend_schema(request=PanelInput, responses={201: PanelOutput})
    def post(self, request):
        if not can_create_panels(request.user):
            raise PermissionDenied("Panel chairs and administrators create panels.")
        data = PanelInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        authority = authority_for(request.user)
        ids = fields.pop("member_agencies")
        agencies = list(Agency.objects.filter(pk__in=ids, authority=authority))
        if len(agencies) != len(set(ids)):
            raise serializers.ValidationError({"member_agencies": ["Every member agency must be one of your authority's."]})
        panel = services.panel_create(actor=request.user, authority=authority, member_agencies=agencies, **fields)
        return Response(PanelOutput(panel).data, status=status.HTTP_201_CREATED)


class PanelDetailApi(APIView):
    @extend_schema(responses=PanelOutput)
    def get(self, request, panel_id):
        return Response(PanelOutput(object_or_404(panels_visible_to(request.user), panel_id)).data)


class PanelMeetingInput(serializers.Serializer):
    starts_at = serializers.DateTimeField()


# The deadline rows a meeting's output reads (PanelMeetingOutput._due).
MEETING_LIST_RULES = ("P2", "P4", "P5")


class PanelMeetingOutput(Output):
    id = serializers.UUIDField()
    panel = serializers.UUIDField(source="panel_id")
    starts_at = serializers.DateTimeField()
    status = serializers.CharField()
    referral_deadline = serializers.SerializerMethodField(help_text="P2, read from its deadline row.")
    updates_due = serializers.SerializerMethodField(help_text="P4, read from its deadline row.")
    papers_due = serializers.SerializerMethodField(help_text="P5, read from its deadline row.")

    def _due(self, obj, rule):
        rows = self.context.get("rows", {}).get(obj.pk)
        if rows is None:
            rows = deadline_rows(obj)
        row = rows.get((rule, ""))
        return row.due_at.date().isoformat() if row is not None else None

    def get_referral_deadline(self, obj) -> str | None:
        return self._due(obj, "P2")

    def get_updates_due(self, obj) -> str | None:
        return self._due(obj, "P4")

    def get_papers_due(self, obj) -> str | None:
        return self._due(obj, "P5")


class PanelMeetingsApi(APIView):
    @extend_schema(responses=PanelMeetingOutput(many=True))
    def get(self, request, panel_id):
        panel = object_or_404(panels_visible_to(request.user), panel_id)
        return paginated(request, self, panel.meetings.order_by("starts_at"), PanelMeetingOutput,
                         context=lambda page: {"rows": deadline_rows_of(page, rules=MEETING_LIST_RULES)})

    @extend_schema(request=PanelMeetingInput, responses={201: PanelMeetingOutput})
    def post(self, request, panel_id):
        panel = object_or_404(panels_visible_to(request.user), panel_id)
        if not chairs(request.user, panel):
            raise PermissionDenied("The panel's chair schedules its meetings.")
        data = PanelMeetingInput(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_create(actor=request.user, panel=panel, **data.validated_data)
        return Response(PanelMeetingOutput(meeting).data, status=status.HTTP_201_CREATED)


def _meeting(request, meeting_id):
    return object_or_404(meetings_visible_to(request.user).select_related("panel"), meeting_id)


class MeetingDetailApi(APIView):
    @extend_schema(responses=PanelMeetingOutput)
    def get(self, request, meeting_id):
        return Response(PanelMeetingOutput(_meeting(request, meeting_id)).data)


class AttendanceInput(serializers.Serializer):
    user = serializers.UUIDField()
    confidentiality_agreed = serializers.BooleanField(default=False)
    present = serializers.BooleanField(default=True)
    apology_update = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class AttendanceOutput(Output):
    user = serializers.UUIDField(source="user_id")
    agency = serializers.UUIDField(source="agency_id")
    present = serializers.BooleanField()
    apology_update = serializers.CharField()
    confidentiality_agreed_at = serializers.DateTimeField(allow_null=True)


class AttendanceApi(APIView):
    @extend_schema(request=AttendanceInput, responses={201: AttendanceOutput})
    def post(self, request, meeting_id):
        meeting = _meeting(request, meeting_id)
        data = AttendanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        user = User.objects.filter(pk=fields.pop("user"), agency__authority_id=meeting.panel.authority_id).first()
        if user is None:
            raise serializers.ValidationError({"user": ["No member of the panel has this id."]})
        row = services.attendance_record(actor=request.user, meeting=meeting, user=user, **fields)
        return Response(AttendanceOutput(row).data, status=status.HTTP_201_CREATED)


def _action_data(action):
    if isinstance(action, dict):
        return {key: str(value) if value is not None else None for key, value in action.items()}
    return {
        "id": str(getattr(action, "pk", "")),
        "description": getattr(action, "description", str(action)),
        "owner_agency": str(getattr(action, "owner_agency_id", "")),
        "due_date": str(getattr(action, "due_date", "")),
        "status": getattr(action, "status", "open"),
    }


class AgendaApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, meeting_id):
        meeting = _meeting(request, meeting_id)
        if not agreed_confidentiality(request.user, meeting):
            raise PermissionDenied(
                "Agree to the confidentiality statement at this meeting before part 2 is shown (P7)."
            )
        data = agenda(meeting)
        record_access_log(request, [row["child"].pk for row in data["part2"]])
        part1 = data["part1"]
        return Response({
            "quorate": data["attendance"]["quorate"],
            "missing_for_quorum": data["attendance"]["missing_kinds"],
            "previous_actions": [_action_data(a) for a in data["previous_actions"]],
            "part1": {
                "since": part1["since"],
                "figures": part1["figures"],
                "push_themes": [{"theme": t, "count": n} for t, n in part1["push_themes"]],
                "pull_themes": [{"theme": t, "count": n} for t, n in part1["pull_themes"]],
                "hotspots": [{"place": p, "count": n} for p, n in part1["hotspots"]],
                "open_cme_cases": part1["open_cme_cases"],
                "notes": part1["notes"],
            },
            "part2": [
                {
                    "child": str(row["child"].pk),
                    "name": row["child"].full_name,
                    "rating": row["rating"].rating if row["rating"] else None,
                    "outstanding_actions": [_action_data(a) for a in row["outstanding_actions"]],
                    "new_episodes": row["new_episodes"],
                    "missing_now": row["missing_now"],
                    "interviews_since": row["interviews_since"],
                    "decisions": row["entry"].decisions,
                }
                for row in data["part2"]
            ],
        })


class RatingInput(serializers.Serializer):
    child = serializers.UUIDField()
    rating = serializers.ChoiceField(choices=RatingValue.choices)
    rationale = serializers.CharField(max_length=10000)


class RatingOutput(Output):
    id = serializers.UUIDField()
    meeting = serializers.UUIDField(source="meeting_id")
    child = serializers.UUIDField(source="child_id")
    rating = serializers.CharField()
    rationale = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.username")


class RatingsApi(APIView):
    @extend_schema(request=RatingInput, responses={201: RatingOutput})
    def post(self, request, meeting_id):
        meeting = _meeting(request, meeting_id)
        data = RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        child = live_children().filter(pk=fields.pop("child"), authority_id=meeting.panel.authority_id).first()
        if child is None:
            raise serializers.ValidationError({"child": ["This child is not on the meeting's list."]})
        rating = services.rating_record(actor=request.user, meeting=meeting, child=child, **fields)
        return Response(RatingOutput(rating).data, status=status.HTTP_201_CREATED)


class ChildRatingsApi(APIView):
    @extend_schema(responses=RatingOutput(many=True))
    def get(self, request, child_id):
        panels = panels_visible_to(request.user)
        child = object_or_404(
            live_children().filter(authority_id__in=panels.values("authority_id"))
            | children_visible_to(request.user),
            child_id,
        )
        return paginated(request, self, ratings_of_child(child, panels), RatingOutput, child_of=lambda r: r.child_id)


class MinutesPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, meeting_id):
        return meeting_pdf_response(request, _meeting(request, meeting_id), "minutes")


class MeetingEndApi(APIView):
    @extend_schema(request=None, responses=PanelMeetingOutput)
    def post(self, request, meeting_id):
        meeting = services.meeting_end(actor=request.user, meeting=_meeting(request, meeting_id))
        return Response(PanelMeetingOutput(meeting).data)


class ListChildInput(serializers.Serializer):
    child = serializers.UUIDField()


class MeetingChildrenApi(APIView):
    @extend_schema(request=ListChildInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, meeting_id):
        meeting = _meeting(request, meeting_id)
        if not chairs(request.user, meeting.panel):
            raise PermissionDenied("The chair lists children directly; others refer them.")
        data = ListChildInput(data=request.data)
        data.is_valid(raise_exception=True)
        child = live_children().filter(pk=data.validated_data["child"], authority_id=meeting.panel.authority_id).first()
        if child is None:
            raise serializers.ValidationError({"child": ["No child of this authority has this id."]})
        services.meeting_list_child(actor=request.user, meeting=meeting, child=child)
        return Response({"meeting": str(meeting.pk), "child": str(child.pk)}, status=status.HTTP_201_CREATED)

