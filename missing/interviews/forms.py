"""GOV.UK forms for the return-interview screens. The services validate again; their errors land on
the same fields."""

from django import forms

from casework.forms import DateInput, DateTimeLocalInput, GovUKForm
from casework.models import User
from casework.permissions import INTERVIEWER_AGENCY_KINDS

from ..models import DeclinedBy, ExploitationIndicator, HarmIndicator, InterviewerRole, PullFactor, PushFactor


def errors_onto_form(form, error):
    """Put a service's ValidationError onto the form: known fields by name, the rest at the top."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class InterviewerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.get_username()} ({obj.agency.name})"


class AcceptForm(GovUKForm):
    interviewer_role = forms.ChoiceField(
        label="Who did the child choose to talk to?",
        help_text="Someone who knows the child but is not involved in their day-to-day care.",
        choices=InterviewerRole.choices,
        widget=forms.RadioSelect,
    )
    interviewer = InterviewerChoiceField(label="Interviewer", queryset=User.objects.none())

    def __init__(self, *args, authority, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interviewer"].queryset = (
            User.objects.filter(is_active=True, agency__authority=authority, agency__kind__in=INTERVIEWER_AGENCY_KINDS)
            .select_related("agency")
            .order_by("agency__name", "last_name", "username")
        )


class DeclineForm(GovUKForm):
    declined_by = forms.ChoiceField(label="Who refused the interview?", choices=DeclinedBy.choices, widget=forms.RadioSelect)
    refusal_learnt = forms.CharField(
        label="What was learnt in the conversation about the refusal",
        help_text="Gather as much as you can: where they were, with whom, and any worries they mentioned.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
    )


class NotPossibleForm(GovUKForm):
    reason = forms.CharField(
        label="Why the interview cannot take place", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class RecordInterviewForm(GovUKForm):
    held_at = forms.DateTimeField(label="When the interview was held", widget=DateTimeLocalInput())
    push_factors = forms.MultipleChoiceField(
        label="Push factors",
        help_text="What drove the child away from home or placement. Select all that apply.",
        choices=PushFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    push_other = forms.CharField(
        label="Other push factors, in more detail", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    pull_factors = forms.MultipleChoiceField(
        label="Pull factors",
        help_text="What drew the child elsewhere. Select all that apply.",
        choices=PullFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pull_other = forms.CharField(
        label="Other pull factors, in more detail", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    where_and_with_whom = forms.CharField(
        label="Where the child was, and with whom", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000
    )
    harm_experienced = forms.CharField(
        label="Harm experienced", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000
    )
    exploitation_indicators = forms.MultipleChoiceField(
        label="Exploitation indicators",
        choices=ExploitationIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    voice_of_child = forms.CharField(
        label="The child's own words",
        help_text="What the child said, as they said it.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
    )
    what_would_help = forms.CharField(
        label="What would help", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000
    )
    police_intelligence = forms.CharField(
        label="Intelligence to pass to the police",
        help_text="It is passed on only when you choose to share it, on the next page.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )


class SafeAndWellCheckForm(GovUKForm):
    officer = forms.CharField(label="Carried out by", help_text="Officer's name and collar number.", max_length=200)
    checked_at = forms.DateTimeField(label="When the check was carried out", widget=DateTimeLocalInput())
    where_found = forms.CharField(label="Where the child was found", max_length=300)
    with_whom = forms.CharField(label="Who the child was with", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    disclosures = forms.CharField(
        label="Disclosures", help_text="Any offending by or against the child that they disclosed.",
        widget=forms.Textarea(attrs={"rows": 4}), required=False,
    )
    harm_indicators = forms.MultipleChoiceField(
        label="Indications of harm", choices=HarmIndicator.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    harm_details = forms.CharField(label="Details of harm", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PeriodForm(GovUKForm):
    start = forms.DateField(label="Returns from", widget=DateInput())
    end = forms.DateField(label="Returns to", widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The end cannot be before the start.")
        return cleaned
