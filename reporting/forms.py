from django import forms

from casework.forms import GovUKForm

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class Ssda903Form(GovUKForm):
    year = forms.CharField(
        label="Collection year starting in", max_length=4,
        help_text="For example, 2026 for 1 April 2026 to 31 March 2027.",
    )
    widths = {"year": "govuk-input--width-4"}


class InspectionForm(GovUKForm):
    period_from = forms.DateField(label="From", input_formats=DATE_FORMATS, help_text="For example, 01/04/2026.")
    period_to = forms.DateField(label="To", input_formats=DATE_FORMATS, help_text="For example, 30/09/2026.")
    widths = {"period_from": "govuk-input--width-10", "period_to": "govuk-input--width-10"}
