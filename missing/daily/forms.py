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


class MeetingDayForm(GovUKForm):
    date = forms.DateField(label="Meeting day", required=False, input_formats=["%Y-%m-%d"])
