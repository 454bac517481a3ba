"""GOV.UK forms for the return-interview screens. The services validate again; their errors land on
the same fields."""

from django import forms

from casework.forms import DateInput, DateTimeLocalInput, GovUKForm
from casework.models import User

from ..models import DeclinedBy, ExploitationIndicator, HarmIndicator, InterviewerRole, PullFactor, PushFactor
from .selectors import report_day_in_range
from .services import INTERVIEWER_AGENCY_KINDS


def _textarea(label, *, rows=3, max_length=10000, required=False, help_text=""):
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=required,
        max_length=max_length,
    )


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
    declined_by = forms.ChoiceField(
        label="Who refused the interview?", choices=DeclinedBy.choices, widget=forms.RadioSelect
    )
    refusal_learnt = _textarea(
        "What was learnt in the conversation about the refusal",
        rows=6,
        required=True,
        help_text="Gather as much as you can: where they were, with whom, and any worries they mentioned.",
    )


class NotPossibleForm(GovUKForm):
    reason = _textarea("Why the interview cannot take place", rows=4, max_length=5000, required=True)


class RecordInterviewForm(GovUKForm):
    held_at = forms.DateTimeField(label="When the interview was held", widget=DateTimeLocalInput())
    push_factors = forms.MultipleChoiceField(
        label="Push factors",
        help_text="What drove the child away from home or placement. Select all that apply.",
        choices=PushFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    push_other = _textarea("Other push factors, in more detail", max_length=5000)
    pull_factors = forms.MultipleChoiceField(
        label="Pull factors",
        help_text="What drew the child elsewhere. Select all that apply.",
        choices=PullFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pull_other = _textarea("Other pull factors, in more detail", max_length=5000)
    where_and_with_whom = _textarea("Where the child was, and with whom", rows=4)
    harm_experienced = _textarea("Harm experienced", rows=4)
    exploitation_indicators = forms.MultipleChoiceField(
        label="Exploitation indicators",
        choices=ExploitationIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    voice_of_child = _textarea(
        "The child's own words",
        rows=6,
        max_length=20000,
        required=True,
        help_text="What the child said, as they said it.",
    )
    what_would_help = _textarea("What would help", rows=4)
    police_intelligence = _textarea(
        "Intelligence to pass to the police",
        rows=4,
        help_text="It is passed on only when you choose to share it, on the next page.",
    )


class SafeAndWellCheckForm(GovUKForm):
    officer = forms.CharField(label="Carried out by", help_text="Officer's name and collar number.", max_length=200)
    checked_at = forms.DateTimeField(label="When the check was carried out", widget=DateTimeLocalInput())
    where_found = forms.CharField(label="Where the child was found", max_length=300)
    with_whom = _textarea("Who the child was with", max_length=5000)
    disclosures = _textarea(
        "Disclosures", rows=4, help_text="Any offending by or against the child that they disclosed."
    )
    harm_indicators = forms.MultipleChoiceField(
        label="Indications of harm", choices=HarmIndicator.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    harm_details = _textarea("Details of harm")


class PeriodForm(GovUKForm):
    start = forms.DateField(label="Returns from", widget=DateInput(), validators=[report_day_in_range])
    end = forms.DateField(label="Returns to", widget=DateInput(), validators=[report_day_in_range])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The end cannot be before the start.")
        return cleaned
