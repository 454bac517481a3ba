"""API §5's action endpoints and API §2's child meetings, in API.md's conventions: an action or
meeting the caller may not see is 404, one they see but may not change is 403."""

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated
from casework.audit import record_access_log
from casework.models import Agency, User
from casework.output import Output
from missing.api import UK_DATE_FORMATS, UK_DATETIME_FORMATS
from missing.models import ReturnInterview
from missing.permissions import children_visible_to

from . import services
from .evidence import evidence_open, safe_download_name
from .meeting_sources import panel_meeting_resolve
from .models import ActionStatus, ExploitationRisk, HarmLevel, MeetingKind
from .pdf import meeting_record_pdf
from .permissions import can_change_action, can_create_action, can_record_meeting
from .selectors import (
    TrackerFilters,
    action_get_visible,
    actions_tracker,
    evidence_get_visible,
    meeting_get_visible,
    meetings_of_child,
    mine_filter,
)

NOT_ON_RECORD = "No {} with this id is on your records."


# Actions ---------------------------------------------------------------------------------------


class EvidenceOutput(Output):
    id = serializers.UUIDField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by = serializers.UUIDField(source="uploaded_by_id", allow_null=True)
    update = serializers.UUIDField(source="update_id", allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return f"/api/v1/actions/{obj.action_id}/evidence/{obj.pk}/"


class UpdateOutput(Output):
    at = serializers.DateTimeField()
    by = serializers.UUIDField(source="by_id", allow_null=True)
    by_name = serializers.SerializerMethodField()
    status = serializers.CharField()
    text = serializers.CharField()
    evidence = serializers.SerializerMethodField()

    def get_by_name(self, obj) -> str:
        return (obj.by.get_full_name() or obj.by.get_username()) if obj.by else ""

    def get_evidence(self, obj) -> list[str]:
        return [str(item.pk) for item in obj.evidence.all()]


class ActionOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    meeting = serializers.UUIDField(source="agreed_at_reference", allow_null=True,
                                    help_text="The child meeting or panel meeting where it was agreed.")
    panel_meeting = serializers.UUIDField(source="panel_meeting_id", allow_null=True)
    return_interview = serializers.UUIDField(source="return_interview_id", allow_null=True)
    owner_agency = serializers.UUIDField(source="owner_agency_id")
    owner = serializers.UUIDField(source="owner_id", allow_null=True)
    description = serializers.CharField()
    success_measure = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class ActionDetailOutput(ActionOutput):
    updates = UpdateOutput(many=True)
    evidence = EvidenceOutput(many=True)


class ActionInput(serializers.Serializer):
    child = serializers.UUIDField()
    meeting = serializers.UUIDField(required=False, allow_null=True,
                                    help_text="A child meeting's id, or a panel meeting's, where it was agreed.")
    return_interview = serializers.UUIDField(required=False, allow_null=True)
    owner_agency = serializers.UUIDField()
    owner = serializers.UUIDField(required=False, allow_null=True)
    description = serializers.CharField(max_length=services.TEXT_LIMIT)
    success_measure = serializers.CharField(max_length=services.TEXT_LIMIT)
    due_date = serializers.DateField(input_formats=UK_DATE_FORMATS)


class ActionFilter(serializers.Serializer):
    mine = serializers.BooleanField(required=False, default=False)
    child = serializers.UUIDField(required=False)
    agency = serializers.UUIDField(required=False)
    meeting = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


def _references(user, data):
    """Turn the input's ids into the objects the service takes: 400 on the field that names nothing."""
    child = children_visible_to(user).filter(pk=data["child"]).first()
    if child is None:
        raise serializers.ValidationError({"child": [NOT_ON_RECORD.format("child")]})
    fields = {"child": child}
    agency = Agency.objects.filter(pk=data["owner_agency"], authority_id=child.authority_id).first()
    if agency is None:
        raise serializers.ValidationError({"owner_agency": [NOT_ON_RECORD.format("agency")]})
    fields["owner_agency"] = agency
    if data.get("owner"):
        fields["owner"] = User.objects.filter(pk=data["owner"], agency__authority_id=child.authority_id).first()
        if fields["owner"] is None:
            raise serializers.ValidationError({"owner": [NOT_ON_RECORD.format("user")]})
    if data.get("meeting"):
        meeting = child.meetings.filter(pk=data["meeting"]).first()
        if meeting is not None:
            fields["meeting"] = meeting
        else:
            fields["panel_meeting_id"] = panel_meeting_resolve(user, data["meeting"], child)
            if fields["panel_meeting_id"] is None:
                raise serializers.ValidationError({"meeting": ["No meeting with this id discussed this child."]})
    if data.get("return_interview"):
        fields["return_interview"] = ReturnInterview.objects.filter(pk=data["return_interview"], child=child).first()
        if fields["return_interview"] is None:
            raise serializers.ValidationError({"return_interview": [NOT_ON_RECORD.format("return interview")]})
    return fields


class ActionListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("mine", bool, description="Only the caller's agency's actions and the caller's own."),
            OpenApiParameter("child", OpenApiTypes.UUID),
            OpenApiParameter("agency", OpenApiTypes.UUID),
            OpenApiParameter("meeting", OpenApiTypes.UUID),
            OpenApiParameter("status", str, enum=ActionStatus.values),
            OpenApiParameter("overdue", bool),
        ],
        responses=ActionOutput(many=True),
    )
    def get(self, request):
        filters = ActionFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        actions = actions_tracker(
            request.user,
            TrackerFilters(
                agency=data.get("agency"), status=data.get("status", ""), overdue=data.get("overdue"),
                child=data.get("child"), meeting=data.get("meeting"),
            ),
        )
        if data["mine"]:
            actions = actions.filter(mine_filter(request.user))
        return paginated(request, self, actions, ActionOutput, child_of=lambda a: a.child_id)

    @extend_schema(request=ActionInput, responses={201: ActionDetailOutput})
    def post(self, request):
        data = ActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = _references(request.user, data.validated_data)
        if not can_create_action(request.user, fields["child"], fields.get("meeting")):
            raise PermissionDenied("Actions are agreed by the panel chair, the MASH, the allocated worker or a meeting.")
        action = services.action_create(
            actor=request.user,
            description=data.validated_data["description"],
            success_measure=data.validated_data["success_measure"],
            due_date=data.validated_data["due_date"],
            **fields,
        )
        created = action_get_visible(request.user, action.pk, with_people=False)
        return Response(ActionDetailOutput(created).data, status=status.HTTP_201_CREATED)


class ActionChangeInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    update = serializers.CharField(max_length=services.TEXT_LIMIT, required=False, allow_blank=True, default="")


def _action_or_404(request, action_id):
    action = action_get_visible(request.user, action_id, with_people=False)
    if action is None:
        raise NotFound()
    return action


class ActionDetailApi(APIView):
    @extend_schema(responses=ActionDetailOutput)
    def get(self, request, action_id):
        action = _action_or_404(request, action_id)
        record_access_log(request, [action.child_id])
        return Response(ActionDetailOutput(action).data)

    @extend_schema(request=ActionChangeInput, responses=ActionDetailOutput)
    def patch(self, request, action_id):
        action = _action_or_404(request, action_id)
        if not can_change_action(request.user, action):
            raise PermissionDenied("Only the owner agency's staff and the panel chair change an action.")
        data = ActionChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.action_update(
            actor=request.user, action=action, status=data.validated_data.get("status"),
            text=data.validated_data["update"],
        )
        return Response(ActionDetailOutput(action_get_visible(request.user, action.pk, with_people=False)).data)


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class ActionEvidenceApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": EvidenceInput}, responses={201: EvidenceOutput})
    def post(self, request, action_id):
        action = _action_or_404(request, action_id)
        if not can_change_action(request.user, action):
            raise PermissionDenied("Only the owner agency's staff and the panel chair add evidence.")
        data = EvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.action_evidence_add(actor=request.user, action=action, upload=data.validated_data["file"])
        return Response(EvidenceOutput(item).data, status=status.HTTP_201_CREATED)


def evidence_response(request, evidence):
    """The file itself, to someone already known to see the action: logged and audited."""
    services.evidence_download_record(actor=request.user, evidence=evidence)
    record_access_log(request, [evidence.action.child_id])
    return FileResponse(
        evidence_open(evidence),
        as_attachment=True,
        filename=safe_download_name(evidence.original_name),
        content_type=evidence.content_type,
    )


class ActionEvidenceDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, action_id, evidence_id):
        evidence = evidence_get_visible(request.user, action_id, evidence_id)
        if evidence is None:
            raise NotFound()
        return evidence_response(request, evidence)


# Child meetings ---------------------------------------------------------------------------------


class RiskAssessmentParts(serializers.Serializer):
    level_of_harm = serializers.ChoiceField(choices=HarmLevel.choices, required=False, allow_blank=True)
    exploitation_risks = serializers.ListField(
        child=serializers.ChoiceField(choices=ExploitationRisk.choices), required=False, max_length=50
    )
    summary = serializers.CharField(max_length=services.TEXT_LIMIT, required=False, allow_blank=True)


@extend_schema_field(RiskAssessmentParts)
class RiskAssessmentField(serializers.Field):
    """Either words alone (the summary), or {level_of_harm?, exploitation_risks?, summary?}."""

    default_error_messages = {
        "invalid": "Give the risk assessment as text, or as an object with level_of_harm, exploitation_risks and summary."
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = {"summary": data}
        if not isinstance(data, dict):
            self.fail("invalid")
        parts = RiskAssessmentParts(data=data)
        if not parts.is_valid():
            raise serializers.ValidationError(
                [f"{name}: {message}" for name, messages in parts.errors.items() for message in messages]
            )
        return parts.validated_data

    def to_representation(self, meeting):
        return {
            "level_of_harm": meeting.harm_level,
            "exploitation_risks": meeting.exploitation_risks,
            "summary": meeting.risk_summary,
        }


class AttendeeOutput(Output):
    name = serializers.CharField()
    role = serializers.CharField()
    agency = serializers.CharField()


class MeetingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    attendees = serializers.ListField(
        child=serializers.JSONField(), min_length=1, max_length=100,
        help_text="Each a name, or {name, role?, agency?}.",
    )
    risk_assessment = RiskAssessmentField()
    decisions = serializers.CharField(max_length=services.TEXT_LIMIT)
    section_47 = serializers.BooleanField(required=False, allow_null=True, default=None)
    review_date = serializers.DateField(input_formats=UK_DATE_FORMATS, required=False, allow_null=True, default=None)


class MeetingOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    kind = serializers.CharField()
    rule = serializers.CharField(help_text="The deadline recording it completes: T2, T3, T5, T4 or T10.")
    held_at = serializers.DateTimeField()
    attendees = AttendeeOutput(many=True)
    risk_assessment = RiskAssessmentField(source="*")
    decisions = serializers.CharField()
    section_47 = serializers.BooleanField(allow_null=True)
    review_date = serializers.DateField(allow_null=True)
    completed_deadlines = serializers.ListField(child=serializers.UUIDField())
    actions = serializers.SerializerMethodField()
    recorded_by = serializers.UUIDField(source="recorded_by_id", allow_null=True)
    recorded_at = serializers.DateTimeField()

    def get_actions(self, obj) -> list[str]:
        return [str(action.pk) for action in obj.actions.all()]


class ChildMeetingsApi(APIView):
    @extend_schema(responses=MeetingOutput(many=True))
    def get(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        record_access_log(request, [child])
        return paginated(request, self, meetings_of_child(child), MeetingOutput)

    @extend_schema(request=MeetingInput, responses={201: MeetingOutput})
    def post(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        data = MeetingInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if not can_record_meeting(request.user, child, fields["kind"]):
            raise PermissionDenied("This meeting is recorded by the agencies that hold it, the allocated worker or the MASH.")
        risk = fields.pop("risk_assessment")
        meeting = services.meeting_record(
            actor=request.user, child=child, harm_level=risk.get("level_of_harm", ""),
            exploitation_risks=risk.get("exploitation_risks", []), risk_summary=risk.get("summary", ""), **fields,
        )
        return Response(MeetingOutput(meeting).data, status=status.HTTP_201_CREATED)


class MeetingDetailApi(APIView):
    @extend_schema(responses=MeetingOutput)
    def get(self, request, meeting_id):
        meeting = meeting_get_visible(request.user, meeting_id)
        if meeting is None:
            raise NotFound()
        record_access_log(request, [meeting.child_id])
        return Response(MeetingOutput(meeting).data)


class MeetingRecordPdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, meeting_id):
        meeting = meeting_get_visible(request.user, meeting_id)
        if meeting is None:
            raise NotFound()
        return meeting_pdf_response(request, meeting)


def meeting_pdf_response(request, meeting):
    record_access_log(request, [meeting.child_id])
    response = HttpResponse(meeting_record_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="meeting-record-{meeting.pk}.pdf"'
    return response
