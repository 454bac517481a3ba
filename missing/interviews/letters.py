"""The follow-up letter to a young person and their family after a refused interview (§13), as PDF."""

from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from casework.calendar import local_date


def follow_up_letter_pdf(interview):
    html = render_to_string(
        "letters/return_interview_follow_up.html",
        {"interview": interview, "child": interview.child, "today": local_date(timezone.now())},
    )
    return HTML(string=html).write_pdf()
