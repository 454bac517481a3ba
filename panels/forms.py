from django import forms

from casework.forms import DateInput, DateTimeLocalInput, GovUKForm
from missing.child_picker import VisibleChildField
from referrals.models import CseAssessment

from .models import Frequency, RatingValue


class PanelForm(GovUKForm):
    name = forms.CharField(label="Name of the panel", max_length=200)
    frequency = forms.ChoiceField(label="How often it meets", choices=Frequency.choices, widget=forms.RadioSelect)
    member_agencies = forms.ModelMultipleChoiceField(label="Member agencies", queryset=None,
                                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_agencies"].queryset = agencies


class MeetingForm(GovUKForm):
    starts_at = forms.DateTimeField(label="Date and time of the meeting", widget=DateTimeLocalInput())


class RatingForm(GovUKForm):
    rating = forms.ChoiceField(label="Rating", choices=RatingValue.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}), max_length=10000)


class DecisionsForm(GovUKForm):
    decisions = forms.CharField(label="Decisions", widget=forms.Textarea(attrs={"rows": 2}), max_length=10000,
                                required=False)


class AgencyUpdateForm(GovUKForm):
    text = forms.CharField(label="Your agency's research and update", widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=20000)


class ReferralForm(GovUKForm):
    child = VisibleChildField()
    panel = forms.ModelChoiceField(label="Panel", queryset=None)
    reason = forms.CharField(label="Why you are referring the child", widget=forms.Textarea(attrs={"rows": 4}),
                             max_length=10000)
    risks = forms.CharField(label="Risks you know of", widget=forms.Textarea(attrs={"rows": 3}), max_length=10000,
                            required=False)
    cse_assessment = forms.ChoiceField(
        label="Has a child sexual exploitation risk assessment been considered? (P17)",
        choices=CseAssessment.choices, widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, panels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].limit_to(user)
        self.fields["panel"].queryset = panels


class RemoveForm(GovUKForm):
    reason = forms.CharField(label="Why the child leaves the list", max_length=2000)


class ActionForm(GovUKForm):
    """P10: a SMART action agreed at the meeting."""

    description = forms.CharField(label="What is to be done", max_length=5000)
    success_measure = forms.CharField(label="How everyone will know it is done", max_length=5000)
    owner_agency = forms.ModelChoiceField(label="Owner agency", queryset=None)
    due_date = forms.DateField(label="Due by", widget=DateInput())

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = agencies.order_by("name")
