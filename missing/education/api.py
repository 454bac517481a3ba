"""API for children-missing-education cases (API.md conventions)."""

from datetime import date
from functools import cached_property

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated, uuid_query_param
from casework.audit import record_access_log
from casework.models import Agency
from casework.output import Output
from casework.protocol_store import protocol_lookup

from ..api import UK_DATE_FORMATS, UK_DATETIME_FORMATS
from ..models import EducationCaseKind, EducationExit, Enquiry
from ..permissions import children_visible_to
from . import services
from .permissions import can_open_case, can_work_case
from .selectors import case_checklist, case_episodes, case_progress, cases_for_api, cases_list


class ContactFields(serializers.Serializer):
    contact_made_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS, required=False, allow_null=True)
    contact_with = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_outcome = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    safety_concerns = serializers.BooleanField(required=False)
    referred_to_police_and_csc = serializers.BooleanField(required=False)


class CaseInput(ContactFields):
    child = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=EducationCaseKind.choices)
    school = serializers.CharField(max_length=200)
    first_day = serializers.DateField(input_formats=UK_DATE_FORMATS)
    episodes = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=500)
    agency = serializers.UUIDField(
        required=False, help_text="The education team that holds the case (a MASH coordinator names it)."
    )


class EnquiryOutput(Output):
    item = serializers.CharField()
    label = serializers.CharField()
    done_on = serializers.DateField(source="enquiry.done_on", allow_null=True, default=None)
    outcome = serializers.CharField(source="enquiry.outcome", allow_null=True, default=None)


class CaseOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    kind = serializers.CharField()
    school = serializers.CharField()
    first_day = serializers.DateField()
    day = serializers.SerializerMethodField(help_text="Day 1 is the first day the child did not attend.")
    stage = serializers.SerializerMethodField()
    may_remove_from_roll_from = serializers.SerializerMethodField()
    contact_made_at = serializers.DateTimeField(allow_null=True)
    contact_with = serializers.CharField()
    contact_outcome = serializers.CharField()
    safety_concerns = serializers.BooleanField()
    referred_to_police_and_csc = serializers.BooleanField()
    episodes = serializers.SerializerMethodField()
    enquiries = serializers.SerializerMethodField()
    removed_from_roll_on = serializers.DateField(allow_null=True)
    exit = serializers.CharField()
    exit_note = serializers.CharField()
    located_on = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def _progress(self, obj):
        """Once per case, and the protocol once per authority, however long the list."""
        memo = self.context.setdefault("progress", {})
        if obj.pk not in memo:
            protocols = self.context.setdefault("protocols", protocol_lookup())
            memo[obj.pk] = case_progress(obj, protocol=protocols(obj.child.authority_id))
        return memo[obj.pk]

    def get_day(self, obj) -> int:
        return self._progress(obj)["day"]

    def get_stage(self, obj) -> str:
        return self._progress(obj)["stage"]

    def get_may_remove_from_roll_from(self, obj) -> date:
        return self._progress(obj)["may_remove_from_roll_from"]

    def get_episodes(self, obj) -> list[str]:
        return [str(e.pk) for e in case_episodes(obj)]

    @cached_property
    def _enquiry_writer(self):
        """One for the whole list: making a serializer copies its fields."""
        return EnquiryOutput(many=True)

    def get_enquiries(self, obj) -> list[dict]:
        return self._enquiry_writer.to_representation(case_checklist(obj))


class EnquiryInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=Enquiry.choices)
    done_on = serializers.DateField(input_formats=UK_DATE_FORMATS)
    outcome = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class RemoveInput(serializers.Serializer):
    removed_on = serializers.DateField(input_formats=UK_DATE_FORMATS)


class CloseInput(serializers.Serializer):
    exit = serializers.ChoiceField(choices=EducationExit.choices)
    exit_note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    located_on = serializers.DateField(input_formats=UK_DATE_FORMATS, required=False, allow_null=True, default=None)


def _visible_case(request, case_id):
    return object_or_404(cases_for_api(request.user), case_id)


def _case_data(request, case):
    return CaseOutput(cases_for_api(request.user).filter(pk=case.pk).first()).data


class CaseListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("child", OpenApiTypes.UUID),
            OpenApiParameter("open", bool, description="Only open cases (the default); false lists every case."),
        ],
        responses=CaseOutput(many=True),
    )
    def get(self, request):
        open_only = request.query_params.get("open", "true").lower() not in {"false", "0", "no"}
        child = uuid_query_param(request, "child")
        cases = cases_list(request.user, open_only=open_only, child=child, enquiries=True)
        return paginated(request, self, cases, CaseOutput, child_of=lambda c: c.child_id)

    @extend_schema(request=CaseInput, responses={201: CaseOutput})
    def post(self, request):
        if not can_open_case(request.user):
            raise PermissionDenied("Missing education cases are opened by the education team or the MASH.")
        data = CaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        child = children_visible_to(request.user).filter(pk=fields.pop("child")).first()
        if child is None:
            raise serializers.ValidationError({"child": ["No child with this id is on your records."]})
        episode_ids = fields.pop("episodes", None)
        episodes = None
        if episode_ids is not None:
            episodes = list(child.episodes.filter(pk__in=episode_ids))
            if len(episodes) != len(set(episode_ids)):
                raise serializers.ValidationError({"episodes": ["Only this child's own episodes can be linked."]})
        agency_id = fields.pop("agency", None)
        if agency_id is not None:
            fields["agency"] = Agency.objects.filter(pk=agency_id).first()
            if fields["agency"] is None:
                raise serializers.ValidationError({"agency": ["No agency with this id."]})
        case = services.education_case_open(actor=request.user, child=child, episodes=episodes, **fields)
        return Response(_case_data(request, case), status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses=CaseOutput)
    def get(self, request, case_id):
        case = _visible_case(request, case_id)
        record_access_log(request, [case.child_id])
        return Response(CaseOutput(case).data)

    @extend_schema(request=ContactFields, responses=CaseOutput)
    def patch(self, request, case_id):
        case = _visible_case(request, case_id)
        if not can_work_case(request.user, case):
            raise PermissionDenied("Only the education team holding the case, or the MASH, change it.")
        data = ContactFields(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.education_case_record_contact(actor=request.user, case=case, **data.validated_data)
        return Response(_case_data(request, case))


class _CaseActionApi(APIView):
    def _run(self, request, case_id, input_class, perform):
        case = _visible_case(request, case_id)
        if not can_work_case(request.user, case):
            raise PermissionDenied("Only the education team holding the case, or the MASH, change it.")
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        perform(case, data.validated_data)
        return Response(_case_data(request, case))


class CaseEnquiryApi(_CaseActionApi):
    @extend_schema(request=EnquiryInput, responses=CaseOutput)
    def post(self, request, case_id):
        return self._run(
            request,
            case_id,
            EnquiryInput,
            lambda case, data: services.education_enquiry_record(actor=request.user, case=case, **data),
        )


class CaseRemoveFromRollApi(_CaseActionApi):
    @extend_schema(request=RemoveInput, responses=CaseOutput)
    def post(self, request, case_id):
        return self._run(
            request,
            case_id,
            RemoveInput,
            lambda case, data: services.education_case_remove_from_roll(actor=request.user, case=case, **data),
        )


class CaseCloseApi(_CaseActionApi):
    @extend_schema(request=CloseInput, responses=CaseOutput)
    def post(self, request, case_id):
        return self._run(
            request,
            case_id,
            CloseInput,
            lambda case, data: services.education_case_close(actor=request.user, case=case, **data),
        )
