"""API plumbing shared by every app (the exception handler) and the set-up endpoints of API §1."""

from functools import partial

import django_otp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django_otp import user_has_device
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from .audit import record_access_log
from .authentication import ApiTokenAuthentication
from .errors import ApplicationError
from .output import Output
from .middleware import needs_second_factor
from .paginator import COUNT_CAP, CountedPaginator, WindowPaginator
from .models import Agency, AgencyKind, Role
from .permissions import IsAdministrator
from .selectors import users_manageable_by
from .services import agency_create, api_token_issue, api_token_revoke, authority_for, user_create, user_update


def validation_detail(error):
    """A Django ValidationError as the API's error shape: {"field": ["message"]}."""
    if hasattr(error, "error_dict"):
        return {field: [m for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


_validation_detail = validation_detail


def exception_handler(exc, context):
    """Every error the API answers has one of the shapes API.md names; none is a 500."""
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ApplicationError):
        if exc.status_code == 400:
            return Response({exc.field: [exc.message]}, status=400)
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        return Response(request_too_large_detail(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ParseError):
        response.data = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc.detail)]}
    return response


def request_too_large_detail():
    """The 413 of a body over DATA_UPLOAD_MAX_MEMORY_SIZE, whether DRF or Django itself refused it."""
    limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return {"detail": f"The request body is too large: the API accepts at most {limit}."}


def object_or_404(queryset, pk):
    """Fetch by id from a visibility-filtered queryset; malformed ids are not-found too."""
    try:
        obj = queryset.filter(pk=pk).first()
    except DjangoValidationError:
        obj = None
    if obj is None:
        raise exceptions.NotFound()
    return obj


def uuid_query_param(request, name):
    """A UUID from the query string; a malformed one is a 400 on that parameter."""
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return serializers.UUIDField().to_internal_value(value)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from error


def reads_first_rows(request, rows=COUNT_CAP):
    """Whether the list page the request asks for ends within the list's first `rows` rows: page 1
    (also when no page or an empty one is given), up to page rows / PAGE_SIZE. Any other page, or one that is not a
    number, is not (PageNumberPagination answers it as it would)."""
    try:
        number = int(request.query_params.get(PageNumberPagination.page_query_param) or 1)
    except ValueError:
        return False
    return 1 <= number and number * api_settings.PAGE_SIZE <= rows


def paginated(request, view, queryset, output_serializer, context=None, *, child_of=None, query="", count=None):
    """The one list shape of API.md: {count, next, previous, results}.

    `child_of(row)` names the child whose data each row shows: the page's children are written to
    the access log in one query (with `query`, what was searched). `context` may be a function of
    the page's rows, to read what the rows need in one query for the page.
    """
    paginator = PageNumberPagination()
    if count is not None:  # a function answering exactly queryset.count(), more cheaply
        paginator.django_paginator_class = partial(CountedPaginator, count_of=count)
    else:
        paginator.django_paginator_class = WindowPaginator
    page = paginator.paginate_queryset(queryset, request, view=view)
    if child_of is not None:
        record_access_log(request, [child_of(row) for row in page], query=query)
    if callable(context):
        context = context(page)
    return paginator.get_paginated_response(output_serializer(page, many=True, context=context or {}).data)


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False)
    otp = serializers.RegexField(
        r"^\d{6}\Z",
        required=False,
        help_text=(
            "The 6-digit code from the caller's authenticator app. Required from administrators and from "
            "anyone who has set up two-factor sign-in; leave it out otherwise."
        ),
        error_messages={"invalid": "Enter the 6-digit code from your authenticator app."},
    )


class TokenApi(APIView):
    """POST: a token on the same terms as the browser (whoever gives a second factor there gives it
    here), valid for API_TOKEN_HOURS. DELETE: sign-out, revoking the token presented."""

    def _signing_out(self):
        # Asked before DRF wraps the request, and by drf-spectacular before there is one.
        return getattr(self.request, "method", None) == "DELETE"

    def get_authenticators(self):
        return [ApiTokenAuthentication()] if self._signing_out() else []

    def get_permissions(self):
        return [IsAuthenticated()] if self._signing_out() else [AllowAny()]

    @extend_schema(request=TokenInput, responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        username, password = data.validated_data["username"], data.validated_data["password"]
        user = authenticate(request._request, username=username, password=password)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["Unable to sign in with those details."]})
        if needs_second_factor(user):
            if not user_has_device(user, confirmed=True):
                raise serializers.ValidationError(
                    {"otp": ["Set up two-factor sign-in in the browser before using the API."]}
                )
            code = data.validated_data.get("otp")
            if code is None or django_otp.match_token(user, code) is None:
                # A failed sign-in like a wrong password, so django-axes counts it towards the lockout.
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=request._request)
                if code is None:
                    raise serializers.ValidationError({"otp": ["Enter the 6-digit code from your authenticator app."]})
                raise serializers.ValidationError({"otp": ["The security code is not correct or has expired."]})
        return Response({"token": api_token_issue(user=user)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgencyOutput(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class AgencyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AgencyKind.choices)


class AgencyListCreateApi(APIView):
    def get_permissions(self):
        return [IsAdministrator()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(responses=AgencyOutput(many=True))
    def get(self, request):
        agencies = Agency.objects.filter(authority=authority_for(request.user)).order_by("name")
        return paginated(request, self, agencies, AgencyOutput)

    @extend_schema(request=AgencyInput, responses={201: AgencyOutput})
    def post(self, request):
        data = AgencyInput(data=request.data)
        data.is_valid(raise_exception=True)
        agency = agency_create(actor=request.user, **data.validated_data)
        return Response(AgencyOutput(agency).data, status=status.HTTP_201_CREATED)


class UserOutput(Output):
    id = serializers.UUIDField()
    username = serializers.CharField()
    email = serializers.EmailField()
    agency = serializers.UUIDField(source="agency_id", allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    line_manager = serializers.UUIDField(source="line_manager_id", allow_null=True)
    is_active = serializers.BooleanField()


class UserInput(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), allow_null=True, required=False)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), max_length=10, default=list)
    line_manager = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="Another user's id: the escalation chain of P15 climbs it."
    )


class UserCreateApi(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(request=UserInput, responses={201: UserOutput})
    def post(self, request):
        data = UserInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_create(actor=request.user, **data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class UserUpdateInput(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), max_length=10, required=False)
    is_active = serializers.BooleanField(
        required=False, help_text="false signs the user out everywhere: their API tokens stop working at once."
    )
    line_manager = serializers.UUIDField(
        required=False, allow_null=True, help_text="Another user's id, or null for none (P15's chain climbs it)."
    )


class UserDetailApi(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(request=UserUpdateInput, responses=UserOutput)
    def patch(self, request, user_id):
        user = object_or_404(users_manageable_by(request.user), user_id)
        data = UserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_update(actor=request.user, user=user, **data.validated_data)
        return Response(UserOutput(user).data)


class MeApi(APIView):
    @extend_schema(responses=UserOutput)
    def get(self, request):
        return Response(UserOutput(request.user).data)
