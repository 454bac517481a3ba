"""The minutes and action summary (and the papers pack) as PDF, rendered by WeasyPrint."""

from django.template.loader import render_to_string
from weasyprint import HTML


def minutes_pdf(data):
    return HTML(string=render_to_string("panels/minutes_pdf.html", data)).write_pdf()


def papers_pdf(data):
    return HTML(string=render_to_string("panels/papers_pdf.html", data)).write_pdf()
