"""The minutes and action summary and the papers pack as PDF, rendered by WeasyPrint from the agenda
(the minutes are what was recorded at the meeting; the papers, what is known before it)."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML

from casework.audit import record_access_log

from .selectors import agenda

TEMPLATES = {"minutes": "panels/minutes_pdf.html", "papers": "panels/papers_pdf.html"}


def meeting_pdf(meeting, kind):
    """The meeting's document of `kind` ("minutes" or "papers") and the agenda it was built from."""
    data = agenda(meeting)
    return HTML(string=render_to_string(TEMPLATES[kind], data)).write_pdf(), data


def meeting_pdf_response(request, meeting, kind):
    """The PDF for a page or the API; the children it names are written to the access log."""
    pdf, data = meeting_pdf(meeting, kind)
    record_access_log(request, [row["child"].pk for row in data["part2"]])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{meeting.pk}.pdf"'
    return response
