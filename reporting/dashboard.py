"""The monthly missing dashboard (R2, R4, R5): the page, with charts and tables, and a CSV of each section."""

import csv
import io
from html import escape as escape_text

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from casework.calendar import local_date
from casework.forms import GovUKForm
from casework.services import authority_for
from casework.spreadsheets import csv_safe

from .charts import charts_for
from missing.report_months import months_marked

from .figures import add_months, count_shown, dashboard_figures, month_period, trend_months
from .readers import can_read_dashboard, suppresses_small_counts


class MonthForm(GovUKForm):
    month = forms.CharField(label="Month", help_text="For example, 2026-11.", max_length=7)
    widths = {"month": "govuk-input--width-5"}

    def clean_month(self):
        try:
            return month_period(self.cleaned_data["month"].strip())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


def last_complete_month(now):
    return f"{add_months(local_date(now).replace(day=1), -1):%Y-%m}"


def _read(request):
    if not can_read_dashboard(request.user):
        raise Http404
    now = timezone.now()
    form = MonthForm(request.GET or {"month": last_complete_month(now)})
    return form, now


NUMERIC_CELL = '<td class="govuk-table__cell govuk-table__cell--numeric">'
NUMERIC_HEADER = '<th scope="col" class="govuk-table__header govuk-table__header--numeric">'


def _cells(values):
    """A trend row's twelve cells, written once here rather than by a template loop per cell (the
    dashboard has some hundred rows of twelve)."""
    return mark_safe("".join(f"{NUMERIC_CELL}{escape_text(str(value))}</td>" for value in values))


def _shown_rows(breakdown, suppress):
    """The rows as a reader sees them: small counts hidden where they must be."""
    rows = []
    for row in breakdown.rows:
        trend_shown = [count_shown(v, suppress=suppress) for v in row["trend"]] if row["trend"] else None
        rows.append({**row,
                     "episodes_shown": count_shown(row["episodes"], suppress=suppress),
                     "children_shown": count_shown(row["children"], suppress=suppress),
                     "trend_shown": trend_shown,
                     "trend_cells": _cells(trend_shown) if trend_shown else ""})
    return rows


def _month_headers(months):
    return mark_safe("".join(f"{NUMERIC_HEADER}{escape(date_format(month, 'M Y'))}</th>" for month in months))


def present(sections, suppress):
    headers = {}
    for breakdown in sections:
        if tuple(breakdown.months) not in headers:
            headers[tuple(breakdown.months)] = _month_headers(breakdown.months)
    return [
        {"breakdown": breakdown, "rows": _shown_rows(breakdown, suppress), **charts_for(breakdown, suppress=suppress),
         "has_episodes": bool(breakdown.rows) and breakdown.rows[0]["episodes"] is not None,
         "has_trend": any(row["trend"] for row in breakdown.rows),
         "month_headers": headers[tuple(breakdown.months)]}
        for breakdown in sections
    ]


@login_required
def dashboard(request):
    form, now = _read(request)
    if not form.is_valid():
        return render(request, "reporting/dashboard.html", {"form": form}, status=400)
    period = form.cleaned_data["month"]
    suppress = suppresses_small_counts(request.user)
    authority = authority_for(request.user)
    sections = dashboard_figures(authority, period, now=now)
    recounting, since = months_marked(authority.pk, trend_months(period)) if period.months == 1 else ([], None)
    return render(request, "reporting/dashboard.html", {
        "form": form, "period": period, "month": form.data["month"], "suppress": suppress,
        "sections": present(sections, suppress), "generated_at": now,
        "recounting": recounting, "recounting_since": since,
    })


def section_csv(breakdown, suppress):
    """One section as CSV: a row per band, the period's numbers and then each month's."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["band", "episodes", "children", *[f"{month:%Y-%m}" for month in breakdown.months]])
    for row in breakdown.rows:
        trend = row["trend"] or [""] * len(breakdown.months)
        writer.writerow(csv_safe(value) for value in (
            row["label"],
            "" if row["episodes"] is None else count_shown(row["episodes"], suppress=suppress),
            count_shown(row["children"], suppress=suppress),
            *[v if v == "" else count_shown(v, suppress=suppress) for v in trend],
        ))
    return buffer.getvalue()


@login_required
def dashboard_csv(request, key):
    form, now = _read(request)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    period = form.cleaned_data["month"]
    sections = {s.key: s for s in dashboard_figures(authority_for(request.user), period, now=now)}
    if key not in sections:
        raise Http404
    response = HttpResponse(section_csv(sections[key], suppresses_small_counts(request.user)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="missing-{key}-{period.first_month:%Y-%m}.csv"'
    return response
