"""API §5: referring a child to a panel, and the coordinator's decision."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import object_or_404, paginated
from casework.output import Output
from casework.permissions import is_mash_coordinator
from missing.permissions import children_visible_to
from panels.models import Panel
from panels.permissions import can_coordinate_referrals, panels_visible_to

from . import services
from .models import CseAssessment, Referral


class ReferralInput(serializers.Serializer):
    child = serializers.UUIDField()
    panel = serializers.UUIDField()
    reason = serializers.CharField(max_length=10000)
    risks = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    cse_assessment = serializers.ChoiceField(choices=CseAssessment.choices, required=False, default="",
                                             help_text="P17: a CSE risk assessment is considered for every referral.")


class ReferralOutput(Output):
    id = serializers.UUIDField()
    child = serializers.UUIDField(source="child_id")
    panel = serializers.UUIDField(source="panel_id")
    meeting = serializers.UUIDField(source="meeting_id")
    late = serializers.BooleanField()
    status = serializers.CharField()
    reason = serializers.CharField()
    decision_reason = serializers.CharField()


def _referrable_panels(user):
    """Anyone who may see a child may refer it, to any panel of the child's authority."""
    if not user.agency_id:
        return Panel.objects.all() if user.is_superuser else Panel.objects.none()
    return Panel.objects.filter(authority_id=user.agency.authority_id)


class ReferralListCreateApi(APIView):
    @extend_schema(responses=ReferralOutput(many=True))
    def get(self, request):
        referrals = Referral.objects.filter(panel__in=panels_visible_to(request.user).values("pk")) | Referral.objects.filter(
            referred_by=request.user
        )
        return paginated(request, self, referrals.order_by("-created_at"), ReferralOutput, child_of=lambda r: r.child_id)

    @extend_schema(request=ReferralInput, responses={201: ReferralOutput})
    def post(self, request):
        data = ReferralInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        child = children_visible_to(request.user).filter(pk=fields.pop("child")).first()
        if child is None:
            raise serializers.ValidationError({"child": ["No child with this id is on your records."]})
        panel = _referrable_panels(request.user).filter(pk=fields.pop("panel")).first()
        if panel is None:
            raise serializers.ValidationError({"panel": ["No panel of your authority has this id."]})
        referral = services.referral_create(actor=request.user, child=child, panel=panel, **fields)
        return Response(ReferralOutput(referral).data, status=status.HTTP_201_CREATED)


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "defer", "decline"])
    reason = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class ReferralDecisionApi(APIView):
    @extend_schema(request=DecisionInput, responses=ReferralOutput)
    def post(self, request, referral_id):
        visible = Referral.objects.filter(panel__in=panels_visible_to(request.user).values("pk"))
        if is_mash_coordinator(request.user) and request.user.agency_id:
            visible = visible | Referral.objects.filter(panel__authority_id=request.user.agency.authority_id)
        referral = object_or_404(visible.select_related("panel"), referral_id)
        if not can_coordinate_referrals(request.user, referral.panel):
            raise PermissionDenied("The MASH coordinator or the chair decides on referrals.")
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_decide(actor=request.user, referral=referral, **data.validated_data)
        return Response(ReferralOutput(referral).data)
