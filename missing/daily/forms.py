from datetime import date

from django import forms

from casework.forms import GovUKForm

from ..models import DailyRiskOutcome


class DiscussionForm(GovUKForm):
    child = forms.ChoiceField(label="Child discussed", error_messages={"required": "Choose the child discussed."})
    outcome = forms.ChoiceField(
        label="Outcome", choices=DailyRiskOutcome.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )
    decision = forms.CharField(
        label="Decision and actions", max_length=10000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the decision."},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", "Choose a child")] + [
            (str(child.pk), f"{child.full_name} (born {child.date_of_birth:%d %b %Y})") for child in candidates
        ]


# The earliest meeting day asked for: the window before it must be a date too (1 January of year 1
# has no day before it, and answered 500), and no record of this product is older.
FIRST_MEETING_DAY = date(2000, 1, 1)


class MeetingDayForm(GovUKForm):
    date = forms.DateField(label="Meeting day", required=False, input_formats=["%Y-%m-%d"])

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and day < FIRST_MEETING_DAY:
            raise forms.ValidationError(f"Choose a day from {FIRST_MEETING_DAY:%-d %B %Y}.")
        return day
