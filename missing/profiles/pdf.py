"""The profile as the PDF a carer hands to police when reporting the child missing."""

from django.template.loader import render_to_string
from weasyprint import HTML

from .photos import photo_data_uri


def profile_pdf(document):
    html = render_to_string("profiles/profile_pdf.html", {**document, "photo_uri": photo_data_uri(document["profile"])})
    return HTML(string=html).write_pdf()
