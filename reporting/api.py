"""API §6's child-level reports: R1 (the children missing now) and R6 (the 903 missing table).
Both name children, so a strategic reader is refused (403) as anyone else without the role is."""

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.audit import record_access_log
from casework.calendar import local_date

from .currently_missing import missing_now_csv, missing_now_for_user, missing_now_json
from .permissions import can_read_currently_missing, can_read_ssda903
from .ssda903 import missing_table, missing_table_csv, parse_year

FORMATS = ("json", "csv")


class FormatIsAParameter(BaseContentNegotiation):
    """`?format=csv` is this API's own parameter, answered by the view (a bad one is a 400), not
    DRF's renderer switch (which would answer an unknown one with 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


def csv_response(text, filename):
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CurrentlyMissingApi(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        summary="R1: every child missing now",
        parameters=[OpenApiParameter("format", str, enum=list(FORMATS), required=False)],
        responses={200: OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        if not can_read_currently_missing(request.user):
            raise PermissionDenied(
                "This list names children: MASH coordinators, panel chairs and administrators read it."
            )
        wanted = request.query_params.get("format", "json")
        if wanted not in FORMATS:
            raise ValidationError({"format": ["Ask for format json or csv."]})
        now = timezone.now()
        rows = missing_now_for_user(request.user, now)
        record_access_log(request, [row.child for row in rows])
        if wanted == "csv":
            return csv_response(missing_now_csv(rows), f"children-missing-{local_date(now).isoformat()}.csv")
        # The list's shape (count, next, previous, results), on one page: the report is read whole.
        return Response({"count": len(rows), "next": None, "previous": None,
                         "generated_at": timezone.localtime(now).isoformat(),
                         "results": [missing_now_json(row) for row in rows]})


class Ssda903MissingApi(APIView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        summary="R6: the SSDA903 missing table of a collection year",
        parameters=[OpenApiParameter("year", int, required=True,
                                     description="2026 for the collection year 1 April 2026 to 31 March 2027.")],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)},
    )
    def get(self, request):
        if not can_read_ssda903(request.user):
            raise PermissionDenied("The return names children: MASH coordinators and administrators compile it.")
        year, error = parse_year(request.query_params.get("year"), local_date(timezone.now()))
        if error:
            raise ValidationError({"year": [error]})
        if not request.user.authority_id:
            raise ValidationError({"year": ["Your account belongs to no local authority, so it has no return."]})
        table = missing_table(authority_id=request.user.authority_id, year=year)
        record_access_log(request, table.child_ids)
        response = csv_response(missing_table_csv(table), f"ssda903-missing-{year}-{str(year + 1)[2:]}.csv")
        response["X-Excluded-Before-Birth"] = str(table.excluded_before_birth)
        return response
