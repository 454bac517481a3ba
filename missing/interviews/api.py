"""API for safe-and-well checks and return home interviews (API.md conventions)."""

from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated, uuid_query_param
from casework.audit import record_access_log
from casework.models import User
from casework.output import Output
from casework.selectors import prefetched
from casework.services import authority_for

from ..api import UK_DATE_FORMATS, UK_DATETIME_FORMATS
from ..models import (
    DeclinedBy,
    ExploitationIndicator,
    HarmIndicator,
    InterviewerRole,
    InterviewState,
    PullFactor,
    PushFactor,
)
from ..permissions import episodes_visible_to
from . import services
from .letters import follow_up_letter_pdf
from .permissions import (
    can_arrange_interview,
    can_read_timeliness,
    can_record_check,
    can_record_interview,
    checks_visible_to,
)
from .selectors import (
    checks_list,
    default_period,
    interview_due_at,
    interview_get_visible,
    interview_timeliness_for_days,
    interviews_list,
    interviews_listed,
    interviews_count,
    report_day_in_range,
)


# Safe-and-well checks --------------------------------------------------------------------------


class CheckInput(serializers.Serializer):
    episode = serializers.UUIDField()
    officer = serializers.CharField(max_length=200)
    checked_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    where_found = serializers.CharField(max_length=300)
    with_whom = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    disclosures = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    harm_indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=HarmIndicator.choices), required=False, default=list
    )
    harm_details = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class CheckOutput(Output):
    id = serializers.UUIDField()
    episode = serializers.UUIDField(source="episode_id")
    child = serializers.UUIDField(source="episode.child_id")
    officer = serializers.CharField()
    checked_at = serializers.DateTimeField()
    where_found = serializers.CharField()
    with_whom = serializers.CharField()
    disclosures = serializers.CharField()
    harm_indicators = serializers.ListField(child=serializers.CharField())
    harm_details = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class CheckListCreateApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("child", OpenApiTypes.UUID), OpenApiParameter("episode", OpenApiTypes.UUID)],
        responses=CheckOutput(many=True),
    )
    def get(self, request):
        checks = checks_list(request.user, child=uuid_query_param(request, "child"), episode=uuid_query_param(request, "episode"))
        return paginated(request, self, checks, CheckOutput, child_of=lambda c: c.episode.child_id)

    @extend_schema(request=CheckInput, responses={201: CheckOutput})
    def post(self, request):
        data = CheckInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        episode = episodes_visible_to(request.user).select_related("child").filter(pk=fields.pop("episode")).first()
        if episode is None:
            raise serializers.ValidationError({"episode": ["No episode with this id is on your records."]})
        if not can_record_check(request.user, episode.child):
            raise PermissionDenied("Safe and well checks are recorded by the police or the MASH.")
        check = services.safe_and_well_check_record(actor=request.user, episode=episode, **fields)
        return Response(CheckOutput(check).data, status=status.HTTP_201_CREATED)


class CheckDetailApi(APIView):
    @extend_schema(responses=CheckOutput)
    def get(self, request, check_id):
        check = object_or_404(checks_visible_to(request.user).select_related("episode"), check_id)
        record_access_log(request, [check.episode.child_id])
        return Response(CheckOutput(check).data)


# Return interviews -----------------------------------------------------------------------------


class InterviewOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    episodes = serializers.SerializerMethodField()
    covers_several_episodes = serializers.SerializerMethodField(
        help_text="True when the child went missing again before the interview was held: one interview covers them all."
    )
    state = serializers.CharField()
    offered_at = serializers.DateTimeField()
    due_at = serializers.SerializerMethodField(help_text="T1: the first covered return plus the protocol's hours.")
    referrer = serializers.UUIDField(source="referrer_id", allow_null=True)
    arranged_by_mash_coordinator = serializers.BooleanField()
    interviewer = serializers.UUIDField(source="interviewer_id", allow_null=True)
    interviewer_role = serializers.CharField()
    interviewer_agency = serializers.UUIDField(source="interviewer_agency_id", allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    held_at = serializers.DateTimeField(allow_null=True)
    declined_at = serializers.DateTimeField(allow_null=True)
    declined_by = serializers.CharField()
    refusal_learnt = serializers.CharField()
    routed_to = serializers.UUIDField(source="routed_to_id", allow_null=True)
    routed_at = serializers.DateTimeField(allow_null=True)
    not_possible_reason = serializers.CharField()
    push_factors = serializers.ListField(child=serializers.CharField())
    push_other = serializers.CharField()
    pull_factors = serializers.ListField(child=serializers.CharField())
    pull_other = serializers.CharField()
    where_and_with_whom = serializers.CharField()
    harm_experienced = serializers.CharField()
    exploitation_indicators = serializers.ListField(child=serializers.CharField())
    voice_of_child = serializers.CharField()
    what_would_help = serializers.CharField()
    police_intelligence = serializers.CharField()
    intelligence_shared_at = serializers.DateTimeField(allow_null=True)

    def get_episodes(self, obj) -> list[str]:
        return [str(e.pk) for e in sorted(prefetched(obj, "covered", "episodes"), key=lambda e: e.started_at)]

    def get_covers_several_episodes(self, obj) -> bool:
        return len(prefetched(obj, "covered", "episodes")) > 1

    def get_due_at(self, obj) -> datetime | None:
        return _DATE_TIME.to_representation(interview_due_at(obj))


_DATE_TIME = serializers.DateTimeField()  # writes a value as the API's date-times are written


class AcceptInput(serializers.Serializer):
    interviewer = serializers.UUIDField()
    interviewer_role = serializers.ChoiceField(choices=InterviewerRole.choices)


class DeclineInput(serializers.Serializer):
    declined_by = serializers.ChoiceField(choices=DeclinedBy.choices)
    refusal_learnt = serializers.CharField(max_length=10000)


class NotPossibleInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class CompleteInput(serializers.Serializer):
    held_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    push_factors = serializers.ListField(child=serializers.ChoiceField(choices=PushFactor.choices), required=False)
    push_other = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    pull_factors = serializers.ListField(child=serializers.ChoiceField(choices=PullFactor.choices), required=False)
    pull_other = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    where_and_with_whom = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    harm_experienced = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    exploitation_indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=ExploitationIndicator.choices), required=False
    )
    voice_of_child = serializers.CharField(max_length=20000)
    what_would_help = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    police_intelligence = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class ShareInput(serializers.Serializer):
    police_intelligence = serializers.CharField(max_length=10000, required=False)


class InterviewListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("child", OpenApiTypes.UUID),
            OpenApiParameter("state", str, enum=InterviewState.values),
            OpenApiParameter("mine", bool, description="Only interviews the caller was chosen to hold."),
        ],
        responses=InterviewOutput(many=True),
    )
    def get(self, request):
        state = request.query_params.get("state")
        if state and state not in InterviewState.values:
            raise serializers.ValidationError({"state": [f"Choose one of: {', '.join(InterviewState.values)}."]})
        mine = request.query_params.get("mine", "").lower() in {"true", "1", "yes"}
        child = uuid_query_param(request, "child")
        listed = interviews_listed(request.user, child=child, state=state, mine=mine)
        # The whole list, or one state of it, may be counted from the tally; a narrower one is short.
        count = None if child or mine else interviews_count(request.user, listed, state=state)
        return paginated(request, self, interviews_list(listed), InterviewOutput, child_of=lambda i: i.child_id,
                         count=count)


def _visible_interview(request, interview_id):
    interview = interview_get_visible(request.user, interview_id)
    if interview is None:
        raise NotFound()
    return interview


class InterviewDetailApi(APIView):
    @extend_schema(responses=InterviewOutput)
    def get(self, request, interview_id):
        interview = interview_get_visible(request.user, interview_id, with_people=False)
        if interview is None:
            raise NotFound()
        record_access_log(request, [interview.child_id])
        return Response(InterviewOutput(interview).data)


class _InterviewActionApi(APIView):
    """One state change: 404 if the child is invisible, 403 if visible but not the caller's to change."""

    input_class = None
    may = staticmethod(can_record_interview)
    refusal = "You may see this interview but not record it."

    def post(self, request, interview_id):
        interview = _visible_interview(request, interview_id)
        if not self.may(request.user, interview):
            raise PermissionDenied(self.refusal)
        data = {}
        if self.input_class is not None:
            parsed = self.input_class(data=request.data)
            parsed.is_valid(raise_exception=True)
            data = dict(parsed.validated_data)
        self.act(request, interview, data)
        return Response(InterviewOutput(interview_get_visible(request.user, interview.pk, with_people=False)).data)


class InterviewAcceptApi(_InterviewActionApi):
    input_class = AcceptInput
    may = staticmethod(can_arrange_interview)
    refusal = "Only the MASH coordinators, the allocated worker or the referrer arrange the interview."

    @extend_schema(request=AcceptInput, responses=InterviewOutput)
    def post(self, request, interview_id):
        return super().post(request, interview_id)

    def act(self, request, interview, data):
        interviewer = User.objects.select_related("agency").filter(pk=data["interviewer"]).first()
        if interviewer is None:
            raise serializers.ValidationError({"interviewer": ["No user with this id."]})
        services.return_interview_accept(
            actor=request.user, interview=interview, interviewer=interviewer, interviewer_role=data["interviewer_role"]
        )


class InterviewDeclineApi(_InterviewActionApi):
    input_class = DeclineInput

    @extend_schema(request=DeclineInput, responses=InterviewOutput)
    def post(self, request, interview_id):
        return super().post(request, interview_id)

    def act(self, request, interview, data):
        services.return_interview_decline(actor=request.user, interview=interview, **data)


class InterviewNotPossibleApi(_InterviewActionApi):
    input_class = NotPossibleInput

    @extend_schema(request=NotPossibleInput, responses=InterviewOutput)
    def post(self, request, interview_id):
        return super().post(request, interview_id)

    def act(self, request, interview, data):
        services.return_interview_not_possible(actor=request.user, interview=interview, **data)


class InterviewCompleteApi(_InterviewActionApi):
    input_class = CompleteInput

    @extend_schema(request=CompleteInput, responses=InterviewOutput)
    def post(self, request, interview_id):
        return super().post(request, interview_id)

    def act(self, request, interview, data):
        services.return_interview_complete(actor=request.user, interview=interview, **data)


class InterviewReofferApi(_InterviewActionApi):
    may = staticmethod(can_arrange_interview)
    refusal = "Only the MASH coordinators, the allocated worker or the referrer offer the interview again."

    @extend_schema(request=None, responses=InterviewOutput)
    def post(self, request, interview_id):
        return super().post(request, interview_id)

    def act(self, request, interview, data):
        services.return_interview_reoffer(actor=request.user, interview=interview)


class InterviewShareIntelligenceApi(_InterviewActionApi):
    input_class = ShareInput

    @extend_schema(request=ShareInput, responses=InterviewOutput)
    def post(self, request, interview_id):
        return super().post(request, interview_id)

    def act(self, request, interview, data):
        services.return_interview_share_intelligence(actor=request.user, interview=interview, **data)


class InterviewLetterApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, interview_id):
        interview = _visible_interview(request, interview_id)
        if not can_arrange_interview(request.user, interview):
            raise PermissionDenied("Only the MASH coordinators, the allocated worker or the referrer send the letter.")
        services.return_interview_letter_record(actor=request.user, interview=interview)
        record_access_log(request, [interview.child_id])
        response = HttpResponse(follow_up_letter_pdf(interview), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="return-interview-letter-{interview.pk}.pdf"'
        return response


class TimelinessRowOutput(Output):
    label = serializers.CharField()
    interviews = serializers.IntegerField()
    offered_within = serializers.IntegerField()
    completed_within = serializers.IntegerField()
    offered_share = serializers.FloatField(allow_null=True, help_text="Per cent offered within the T1 hours.")
    completed_share = serializers.FloatField(allow_null=True, help_text="Per cent held within the T1 hours.")


class TimelinessOutput(Output):
    start = serializers.DateField()
    end = serializers.DateField()
    overall = TimelinessRowOutput()
    by_provider = TimelinessRowOutput(many=True)
    by_team = TimelinessRowOutput(many=True)
    placed_by_other_authority = TimelinessRowOutput()


class TimelinessInput(serializers.Serializer):
    start = serializers.DateField(input_formats=UK_DATE_FORMATS, validators=[report_day_in_range])
    end = serializers.DateField(input_formats=UK_DATE_FORMATS, validators=[report_day_in_range])

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end cannot be before the start."]})
        return attrs


class TimelinessApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE)],
        responses=TimelinessOutput,
    )
    def get(self, request):
        if not can_read_timeliness(request.user):
            raise PermissionDenied("Timeliness reports are for MASH coordinators and strategic readers.")
        start, end = default_period(timezone.now())
        data = TimelinessInput(
            data={
                "start": request.query_params.get("start", start.isoformat()),
                "end": request.query_params.get("end", end.isoformat()),
            }
        )
        data.is_valid(raise_exception=True)
        report = interview_timeliness_for_days(
            authority_for(request.user), data.validated_data["start"], data.validated_data["end"]
        )
        return Response(TimelinessOutput(report).data)
