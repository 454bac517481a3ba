"""The board's letter of concern to a responsible authority (seed 002 §6) as a PDF: its children
placed here and the missing episodes each had in a period."""

from django.template.loader import render_to_string
from weasyprint import HTML


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
