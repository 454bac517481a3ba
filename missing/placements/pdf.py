"""The board's letter of concern to a responsible authority (seed 002 §6) as a PDF: its children
placed here and the missing episodes each had in a period."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from casework.audit import record_access_log
from casework.calendar import local_date
from casework.services import authority_for

from .selectors import letter_of_concern


def letter_of_concern_pdf(*, authority, to, start, end, children, author, today):
    episodes = sum(len(child.period_episodes) for child in children)
    html = render_to_string(
        "placements/letter_of_concern_pdf.html",
        {
            "authority": authority,
            "to": to,
            "start": start,
            "end": end,
            "children": children,
            "episode_total": episodes,
            "author": author,
            "today": today,
        },
    )
    return HTML(string=html).write_pdf()


def letter_of_concern_response(request, *, to, start, end):
    """The letter for a page or the API; the children it names are written to the access log."""
    children = letter_of_concern(request.user, authority_name=to, start=start, end=end)
    record_access_log(request, children)
    pdf = letter_of_concern_pdf(authority=authority_for(request.user), to=to, start=start, end=end,
                                children=children, author=request.user, today=local_date(timezone.now()))
    response = HttpResponse(pdf, content_type="application/pdf")
    name = "".join(c if c.isalnum() else "-" for c in to).strip("-").lower()
    response["Content-Disposition"] = f'attachment; filename="letter-of-concern-{name}-{start}.pdf"'
    return response
