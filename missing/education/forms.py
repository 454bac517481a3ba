"""GOV.UK forms for the education officer's screens."""

from django import forms

from casework.forms import DateInput, DateTimeLocalInput, GovUKForm

from ..child_picker import VisibleChildField
from ..models import EducationCaseKind, EducationExit, Enquiry


class OpenCaseForm(GovUKForm):
    child = VisibleChildField()
    kind = forms.ChoiceField(label="Kind of case", choices=EducationCaseKind.choices, widget=forms.RadioSelect)
    school = forms.CharField(label="School", max_length=200)
    first_day = forms.DateField(
        label="Day 1", help_text="The first day the child did not attend without explanation.", widget=DateInput()
    )
    contact_made_at = forms.DateTimeField(
        label="When the school contacted the parents or carers", widget=DateTimeLocalInput(), required=False
    )
    contact_with = forms.CharField(label="Who the school spoke to", max_length=200, required=False)
    contact_outcome = forms.CharField(
        label="Outcome of the contact", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000
    )
    safety_concerns = forms.BooleanField(label="There are concerns for the child's safety", required=False)
    referred_to_police_and_csc = forms.BooleanField(
        label="Referred to the police and children's social care", required=False
    )

    agency = forms.ModelChoiceField(
        label="Education team that will hold the case", queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, user, teams=None, **kwargs):
        """`user`: whose visible children the chosen child must be among; `teams`: the education teams a
        MASH coordinator chooses from, None for an education officer."""
        super().__init__(*args, **kwargs)
        self.fields["child"].limit_to(user)
        if teams is None:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = teams
            self.fields["agency"].required = True


class EnquiryForm(GovUKForm):
    item = forms.ChoiceField(label="Enquiry made", choices=Enquiry.choices, widget=forms.RadioSelect)
    done_on = forms.DateField(label="Date of the enquiry", widget=DateInput())
    outcome = forms.CharField(label="What it found", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, done_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(v, label) for v, label in Enquiry.choices if v not in done_items]


class RemoveFromRollForm(GovUKForm):
    removed_on = forms.DateField(label="Date removed from the school roll", widget=DateInput())


class CloseCaseForm(GovUKForm):
    exit = forms.ChoiceField(label="How the case ends", choices=EducationExit.choices, widget=forms.RadioSelect)
    located_on = forms.DateField(label="Date the child was located", widget=DateInput(), required=False)
    exit_note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False)
