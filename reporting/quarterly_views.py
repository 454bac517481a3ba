"""Pages of the board's quarterly report: ask for one (the chair writes the gaps in provision
first), watch it being generated, and download it and past ones again; and the API's PDF."""

import uuid

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.forms import GovUKForm

from .figures import quarter_period
from .quarterly import (
    default_quarter,
    newest_report,
    quarterly_pdf_for,
    quarterly_report_downloaded,
    quarterly_report_request,
    reports_of,
)
from .readers import can_write_gaps, quarterly_panels_for


def _valid_quarter(value):
    try:
        quarter_period(value)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from error


class QuarterlyRequestForm(GovUKForm):
    panel = forms.ModelChoiceField(queryset=None, empty_label=None)
    quarter = forms.CharField(max_length=7, help_text="Calendar quarters: 2026-Q3 is July to September 2026.",
                              validators=[_valid_quarter])
    gaps = forms.CharField(label="Gaps in provision", required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           max_length=20000,
                           help_text="What the panel found missing in services this quarter. The board reads it as "
                                     "written: name no child.")
    widths = {"quarter": "govuk-input--width-5"}

    def __init__(self, *args, panels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel"].queryset = panels


def _chaired(user):
    return [panel for panel in quarterly_panels_for(user) if can_write_gaps(user, panel)]


@login_required
def quarterly_index(request):
    panels = quarterly_panels_for(request.user)
    chaired = _chaired(request.user)
    if not panels.exists():
        raise Http404
    form = None
    if chaired:
        ids = [p.pk for p in chaired]
        form = QuarterlyRequestForm(request.POST or None, panels=panels.filter(pk__in=ids),
                                    initial={"quarter": default_quarter(timezone.now())})
        if request.method == "POST" and form.is_valid():
            report = quarterly_report_request(actor=request.user, panel=form.cleaned_data["panel"],
                                              quarter=form.cleaned_data["quarter"], gaps=form.cleaned_data["gaps"])
            return redirect("reporting:quarterly_detail", report.pk)
    elif request.method == "POST":
        raise PermissionDenied
    status = 400 if form is not None and form.errors else 200
    return render(request, "reporting/quarterly_index.html", {
        "form": form, "reports": reports_of(panels)[:50],
    }, status=status)


def _report(request, report_id):
    report = reports_of(quarterly_panels_for(request.user)).filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report


@login_required
def quarterly_detail(request, report_id):
    return render(request, "reporting/quarterly_detail.html", {"report": _report(request, report_id)})


@login_required
def quarterly_progress(request, report_id):
    return render(request, "reporting/_quarterly_progress_block.html", {"report": _report(request, report_id)})


def _pdf_response(request, report):
    quarterly_report_downloaded(actor=request.user, report=report)
    response = FileResponse(report.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="quarterly-report-{report.quarter}.pdf"'
    return response


@login_required
def quarterly_download(request, report_id):
    report = _report(request, report_id)
    if not report.is_ready:
        raise Http404
    return _pdf_response(request, report)


class QuarterlyQuery(serializers.Serializer):
    panel = serializers.CharField()
    quarter = serializers.CharField()

    def validate_panel(self, value):
        try:
            return uuid.UUID(value)
        except ValueError as error:
            raise serializers.ValidationError("Give the panel's id.") from error

    def validate_quarter(self, value):
        try:
            quarter_period(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error
        return value


class QuarterlyPdfApi(APIView):
    """API §6: the newest generated PDF of the panel's quarter, or one generated now."""

    @extend_schema(
        parameters=[OpenApiParameter("panel", str, required=True, description="The panel's id."),
                    OpenApiParameter("quarter", str, required=True, description="YYYY-Qn, e.g. 2026-Q3.")],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request):
        query = QuarterlyQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        panel = quarterly_panels_for(request.user).filter(pk=query.validated_data["panel"]).first()
        if panel is None:
            raise Http404
        quarter = query.validated_data["quarter"]
        try:
            report = newest_report(panel, quarter) or quarterly_pdf_for(actor=request.user, panel=panel,
                                                                        quarter=quarter)
        except RuntimeError as error:
            return Response({"detail": str(error)}, status=503)
        return _pdf_response(request, report)


