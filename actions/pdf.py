"""The record of a child meeting as a PDF for its attendees (seed 002, Appendix 6)."""

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from casework.calendar import local_date


def meeting_record_pdf(meeting):
    html = render_to_string(
        "actions/meeting_record_pdf.html",
        {
            "meeting": meeting,
            "child": meeting.child,
            "actions": meeting.actions.select_related("owner", "owner_agency").order_by("due_date"),
            "today": local_date(timezone.now()),
        },
    )
    return HTML(string=html).write_pdf()
