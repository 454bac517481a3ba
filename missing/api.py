"""API §2 (children and episodes) and §3 (police notifications and triage)."""

from functools import partial

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated, reads_first_rows, validation_detail
from casework.audit import record_access_log
from casework.models import Agency
from casework.output import Output
from casework.permissions import CanSendNotifications, IsMashCoordinator, is_mash_coordinator
from casework.protocol_store import protocol_for
from casework.services import authority_for

from .duplicates import child_duplicates, child_merged_into, possible_duplicate_pairs
from .merge import MERGE_FIELDS, child_merge, duplicate_dismiss
from .models import (
    Category,
    Ethnicity,
    Gender,
    LegalStatus,
    LocationType,
    NotificationKind,
    NotificationStatus,
    PlacementType,
    RiskLevel,
    Vulnerability,
)
from .permissions import (
    can_change_child,
    children_visible_count,
    children_visible_to,
    episodes_visible_to,
    notifications_visible_count,
    notifications_visible_to,
)
from .selectors import child_flags, child_get_visible, child_with_episodes, children_search, triage_queue
from .services import (
    child_create,
    child_update,
    episode_create,
    episode_update,
    notification_receive,
    notification_triage,
    notifications_receive,
)

UK_DATETIME_FORMATS = ["iso-8601", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"]
UK_DATE_FORMATS = ["iso-8601", "%d/%m/%Y"]
# One POST may carry this many notifications (a batch: API.md §3 and README).
NOTIFICATION_BATCH_LIMIT = 500


# Children --------------------------------------------------------------------------------------


class ChildInput(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(input_formats=UK_DATE_FORMATS)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    police_person_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    legal_status = serializers.ChoiceField(choices=LegalStatus.choices)
    send = serializers.BooleanField(required=False)
    responsible_authority = serializers.CharField(max_length=200, required=False, allow_blank=True)
    placed_by_other_authority = serializers.BooleanField(required=False)
    placed_out_of_area = serializers.BooleanField(required=False)
    placement_provider = serializers.CharField(max_length=200, required=False, allow_blank=True)
    allocated_team = serializers.CharField(max_length=200, required=False, allow_blank=True)
    school = serializers.CharField(max_length=200, required=False, allow_blank=True)
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices), required=False, max_length=len(Vulnerability)
    )
    lead_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), required=False, allow_null=True)
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, required=False, allow_blank=True)
    placement_type = serializers.ChoiceField(choices=PlacementType.choices, required=False, allow_blank=True)
    home_area = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="The postcode district, e.g. AB1."
    )

    def validate_vulnerabilities(self, value):
        return sorted(set(value))


class ChildOutput(Output):
    id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    gender = serializers.CharField()
    police_person_id = serializers.CharField()
    legal_status = serializers.CharField()
    send = serializers.BooleanField()
    responsible_authority = serializers.CharField()
    placed_by_other_authority = serializers.BooleanField()
    placed_out_of_area = serializers.BooleanField()
    placement_provider = serializers.CharField()
    allocated_team = serializers.CharField()
    school = serializers.CharField()
    vulnerabilities = serializers.ListField(child=serializers.CharField())
    lead_agency = serializers.UUIDField(source="lead_agency_id", allow_null=True)
    ethnicity = serializers.CharField(help_text="A DfE ethnicity code, or blank.")
    placement_type = serializers.CharField()
    home_area = serializers.CharField()
    provider = serializers.UUIDField(
        source="provider_id", allow_null=True, help_text="The establishment placed with now (set by placements)."
    )


class ChildDetailOutput(ChildOutput):
    age = serializers.IntegerField()
    currently_missing = serializers.BooleanField()
    frequent_missing = serializers.BooleanField()
    strategy_meeting_due = serializers.BooleanField()
    strategy_reasons = serializers.ListField(child=serializers.CharField())
    episode_count_90_days = serializers.IntegerField()


def child_detail_data(child):
    flags = child_flags(child, protocol=protocol_for(child.authority_id))
    return {**ChildOutput(child).data, **{k: flags[k] for k in ChildDetailOutput._declared_fields if k in flags}}


class ChildSearchInput(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ChildListCreateApi(APIView):
    @extend_schema(parameters=[OpenApiParameter("q", str)], responses=ChildOutput(many=True))
    def get(self, request):
        search = ChildSearchInput(data=request.query_params)
        search.is_valid(raise_exception=True)
        query = search.validated_data["q"]
        plain = not query.split()
        # The plain list's first pages read only its first rows in name order (its count is apart):
        # the rule in the form that suits its user. A search is counted on its page's statement,
        # which reads every match.
        children = children_search(request.user, query, capped=plain and reads_first_rows(request))
        return paginated(
            request, self, children, ChildOutput, child_of=lambda c: c.pk, query=query,
            count=partial(children_visible_count, request.user) if plain else None,
        )

    @extend_schema(request=ChildInput, responses={201: ChildDetailOutput})
    def post(self, request):
        if not IsMashCoordinator().has_permission(request, self):
            raise PermissionDenied("Only MASH coordinators create children.")
        data = ChildInput(data=request.data)
        data.is_valid(raise_exception=True)
        child = child_create(actor=request.user, authority=authority_for(request.user), **data.validated_data)
        return Response(child_detail_data(child), status=status.HTTP_201_CREATED)


def merged_pointer_or_404(request, child_id):
    """A merged-away record answers 404 with a pointer to the record it lives in now (N3), to those
    who may see that record; to anyone else a plain 404, as for any record they may not see."""
    survivor = child_merged_into(request.user, child_id)
    if survivor is not None:
        return Response({"detail": "This record was merged into another.", "merged_into": str(survivor)}, status=404)
    raise NotFound()


class ChildDetailApi(APIView):
    @extend_schema(
        responses={
            200: ChildDetailOutput,
            404: inline_serializer(
                "MergedRecord", {"detail": serializers.CharField(), "merged_into": serializers.UUIDField(required=False)}
            ),
        }
    )
    def get(self, request, child_id):
        try:
            child = object_or_404(child_with_episodes(children_visible_to(request.user)), child_id)
        except NotFound:
            return merged_pointer_or_404(request, child_id)
        record_access_log(request, [child])
        return Response(child_detail_data(child))

    @extend_schema(request=ChildInput(partial=True), responses=ChildDetailOutput)
    def patch(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        if not can_change_child(request.user, child):
            raise PermissionDenied("You may see this child but not change the record.")
        data = ChildInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        child_update(actor=request.user, child=child, **data.validated_data)
        return Response(child_detail_data(child_get_visible(request.user, child.pk)))


# Duplicates and merge (N3) ----------------------------------------------------------------------


class DuplicateOutput(Output):
    child = ChildOutput()
    reasons = serializers.ListField(child=serializers.CharField())


class ChildDuplicatesApi(APIView):
    @extend_schema(responses=DuplicateOutput(many=True))
    def get(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        found = child_duplicates(request.user, child)
        record_access_log(request, [child, *(item["child"] for item in found)])
        return Response(DuplicateOutput(found, many=True).data)


def _changeable_pair(request, child_id, other_field):
    """The record addressed (404 unseen, 403 unchangeable) and the other record named in the body
    (400 when it is not one the caller may change)."""
    child = object_or_404(children_visible_to(request.user), child_id)
    if not can_change_child(request.user, child) or not is_mash_coordinator(request.user):
        raise PermissionDenied("Only MASH coordinators merge records or decide they are not the same child.")
    other = children_visible_to(request.user).filter(pk=other_field).first()
    if other is None:
        raise serializers.ValidationError({"other": ["No child with this id is on your records."]})
    return child, other


class MergeInput(serializers.Serializer):
    other = serializers.UUIDField(help_text="The record merged away into this one.")
    keep = serializers.DictField(
        child=serializers.ChoiceField(choices=["this", "other"]),
        required=False,
        default=dict,
        help_text=f"For each differing field, whose value the merged record keeps (\"this\" when not named). "
        f"Fields: {', '.join(MERGE_FIELDS)}.",
    )

    def validate_keep(self, value):
        unknown = sorted(set(value) - set(MERGE_FIELDS))
        if unknown:
            raise serializers.ValidationError(f"Not fields a merge chooses: {', '.join(unknown)}.")
        return value


class ChildMergeApi(APIView):
    @extend_schema(request=MergeInput, responses={200: ChildDetailOutput})
    def post(self, request, child_id):
        data = MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        child, other = _changeable_pair(request, child_id, data.validated_data["other"])
        if other.pk == child.pk:
            raise serializers.ValidationError({"other": ["A record cannot be merged with itself."]})
        if not can_change_child(request.user, other):
            raise serializers.ValidationError({"other": ["You may not change this record."]})
        child = child_merge(actor=request.user, child=child, other=other, keep=data.validated_data["keep"])
        record_access_log(request, [child])
        return Response(child_detail_data(child_get_visible(request.user, child.pk)))


class DismissInput(serializers.Serializer):
    other = serializers.UUIDField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ChildDuplicateDismissApi(APIView):
    @extend_schema(request=DismissInput, responses={204: None})
    def post(self, request, child_id):
        data = DismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        child, other = _changeable_pair(request, child_id, data.validated_data["other"])
        duplicate_dismiss(actor=request.user, child=child, other=other, reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class DuplicatePairOutput(Output):
    one = ChildOutput()
    two = ChildOutput()
    reasons = serializers.ListField(child=serializers.CharField())


class PossibleDuplicatesApi(APIView):
    """The MASH list of likely duplicate pairs among the caller's children."""

    @extend_schema(operation_id="children_possible_duplicates_list", responses=DuplicatePairOutput(many=True))
    def get(self, request):
        if not is_mash_coordinator(request.user):
            raise PermissionDenied("The list of possible duplicates is for MASH coordinators.")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(possible_duplicate_pairs(request.user), request, view=self)
        record_access_log(request, [child for pair in page for child in (pair["one"], pair["two"])])
        return paginator.get_paginated_response(DuplicatePairOutput(page, many=True).data)


# Episodes --------------------------------------------------------------------------------------


class EpisodeInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    started_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    reported_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    returned_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS, required=False, allow_null=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    location_type = serializers.ChoiceField(choices=LocationType.choices)
    police_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)
    significant_harm = serializers.BooleanField(required=False)
    additional_needs = serializers.BooleanField(required=False)
    found_location = serializers.CharField(max_length=300, required=False, allow_blank=True)
    circumstances = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class EpisodeOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    category = serializers.CharField()
    started_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    returned_at = serializers.DateTimeField(allow_null=True)
    risk_level = serializers.CharField()
    location_type = serializers.CharField()
    found_location = serializers.CharField()
    police_ref = serializers.CharField()
    significant_harm = serializers.BooleanField()
    additional_needs = serializers.BooleanField()
    circumstances = serializers.CharField()
    placement_provider = serializers.CharField()


class ChildEpisodesApi(APIView):
    @extend_schema(responses=EpisodeOutput(many=True))
    def get(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        record_access_log(request, [child])
        return paginated(request, self, child.episodes.order_by("-started_at"), EpisodeOutput)

    @extend_schema(request=EpisodeInput, responses={201: EpisodeOutput})
    def post(self, request, child_id):
        child = object_or_404(children_visible_to(request.user), child_id)
        if not can_change_child(request.user, child):
            raise PermissionDenied("You may see this child but not record episodes.")
        data = EpisodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        episode = episode_create(actor=request.user, child=child, **data.validated_data)
        return Response(EpisodeOutput(episode).data, status=status.HTTP_201_CREATED)


class EpisodeDetailApi(APIView):
    @extend_schema(responses=EpisodeOutput)
    def get(self, request, episode_id):
        episode = object_or_404(episodes_visible_to(request.user), episode_id)
        record_access_log(request, [episode.child_id])
        return Response(EpisodeOutput(episode).data)

    @extend_schema(request=EpisodeInput(partial=True), responses=EpisodeOutput)
    def patch(self, request, episode_id):
        episode = object_or_404(episodes_visible_to(request.user).select_related("child"), episode_id)
        if not can_change_child(request.user, episode.child):
            raise PermissionDenied("You may see this episode but not change it.")
        data = EpisodeInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        episode = episode_update(actor=request.user, episode=episode, **data.validated_data)
        return Response(EpisodeOutput(episode).data)


# Notifications ---------------------------------------------------------------------------------


class NotificationChildInput(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(input_formats=UK_DATE_FORMATS)
    police_person_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class NotificationInput(serializers.Serializer):
    source_ref = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    received_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    occurred_at = serializers.DateTimeField(input_formats=UK_DATETIME_FORMATS)
    child = NotificationChildInput()
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, allow_blank=True, default="")
    location_type = serializers.ChoiceField(choices=LocationType.choices, required=False, allow_blank=True, default="")
    found_location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    circumstances = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

    def to_service_fields(self, validated_data=None):
        data = dict(self.validated_data if validated_data is None else validated_data)
        child = data.pop("child")
        return {
            **data,
            "child_given_name": child["given_name"],
            "child_family_name": child["family_name"],
            "child_date_of_birth": child["date_of_birth"],
            "police_person_id": child.get("police_person_id", ""),
        }


class NotificationOutput(Output):
    id = serializers.UUIDField()
    source_ref = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    occurred_at = serializers.DateTimeField()
    risk_level = serializers.CharField()
    location_type = serializers.CharField()
    found_location = serializers.CharField()
    circumstances = serializers.CharField()
    child = serializers.UUIDField(source="child_id", allow_null=True)
    episode = serializers.UUIDField(source="episode_id", allow_null=True)
    child_details = serializers.SerializerMethodField()

    def get_child_details(self, obj) -> dict:
        return {
            "given_name": obj.child_given_name,
            "family_name": obj.child_family_name,
            "date_of_birth": obj.child_date_of_birth.isoformat(),
            "police_person_id": obj.police_person_id,
        }


class NotificationListCreateApi(APIView):
    def get_permissions(self):
        return [CanSendNotifications()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=NotificationStatus.values)],
        responses=NotificationOutput(many=True),
    )
    def get(self, request):
        wanted = request.query_params.get("status")
        if wanted and wanted not in NotificationStatus.values:
            raise serializers.ValidationError({"status": [f"Choose one of: {', '.join(NotificationStatus.values)}."]})
        if wanted == NotificationStatus.PENDING:
            notifications = triage_queue(request.user)
        else:
            notifications = notifications_visible_to(request.user).order_by("-received_at")
            if wanted:
                notifications = notifications.filter(status=wanted)
        return paginated(
            request, self, notifications, NotificationOutput, child_of=lambda n: n.child_id,
            count=None if wanted == NotificationStatus.PENDING else partial(
                notifications_visible_count, request.user, wanted or ""
            ),
        )

    @extend_schema(
        request=NotificationInput,
        responses={201: NotificationOutput, 200: NotificationOutput},
        description=(
            "One notification as an object; or a batch as a JSON array of up to "
            f"{NOTIFICATION_BATCH_LIMIT} of them, answered `200` with `{{results: [...]}}`: per element, in order, "
            "`{status_code: 201|200, notification}` or `{status_code: 400, errors: {field: [message]}}`. "
            "A rejected element saves nothing; the others are saved, in one transaction."
        ),
    )
    def post(self, request):
        if isinstance(request.data, list):
            return self._post_batch(request, request.data)
        data = NotificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        notification, created = notification_receive(
            sender=request.user, authority=authority_for(request.user), **data.to_service_fields()
        )
        return Response(
            NotificationOutput(notification).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


    def _post_batch(self, request, elements):
        if not elements:
            raise serializers.ValidationError({"non_field_errors": ["Send at least one notification."]})
        if len(elements) > NOTIFICATION_BATCH_LIMIT:
            raise serializers.ValidationError(
                {"non_field_errors": [f"Send at most {NOTIFICATION_BATCH_LIMIT} notifications in one request."]}
            )
        # One serializer validates every element (building DRF's fields per element cost more
        # than storing it); each element's errors are shaped as a single POST's would be.
        checker, checked = NotificationInput(), []
        for element in elements:
            try:
                checked.append((checker.to_service_fields(checker.run_validation(element)), None))
            except serializers.ValidationError as error:
                checked.append((None, serializers.as_serializer_error(error)))
        answers = iter(
            notifications_receive(
                sender=request.user,
                authority=authority_for(request.user),
                items=[fields for fields, errors in checked if errors is None],
            )
        )
        output, results = NotificationOutput(), []
        for fields, errors in checked:
            if errors is not None:
                results.append({"status_code": status.HTTP_400_BAD_REQUEST, "errors": errors})
                continue
            notification, created, error = next(answers)
            if error is not None:
                results.append({"status_code": status.HTTP_400_BAD_REQUEST, "errors": validation_detail(error)})
            else:
                results.append({
                    "status_code": status.HTTP_201_CREATED if created else status.HTTP_200_OK,
                    "notification": output.to_representation(notification),
                })
        return Response({"results": results}, status=status.HTTP_200_OK)


class NotificationDetailApi(APIView):
    @extend_schema(responses=NotificationOutput)
    def get(self, request, notification_id):
        notification = object_or_404(notifications_visible_to(request.user), notification_id)
        record_access_log(request, [notification.child_id])
        return Response(NotificationOutput(notification).data)


class TriageInput(serializers.Serializer):
    child = serializers.UUIDField(allow_null=True)


class NotificationTriageApi(APIView):
    @extend_schema(
        request=TriageInput,
        responses=inline_serializer(
            "TriageResult",
            {"child": serializers.UUIDField(), "episode": serializers.UUIDField(), "triaged_at": serializers.DateTimeField()},
        ),
    )
    def post(self, request, notification_id):
        notification = object_or_404(notifications_visible_to(request.user), notification_id)
        if not IsMashCoordinator().has_permission(request, self):
            raise PermissionDenied("Only MASH coordinators triage notifications.")
        data = TriageInput(data=request.data)
        data.is_valid(raise_exception=True)
        child = None
        if data.validated_data["child"] is not None:
            child = children_visible_to(request.user).filter(pk=data.validated_data["child"]).first()
            if child is None:
                raise serializers.ValidationError({"child": ["No child with this id is on your records."]})
        child, episode = notification_triage(actor=request.user, notification=notification, child=child)
        return Response({"child": str(child.pk), "episode": str(episode.pk), "triaged_at": timezone.now()})
