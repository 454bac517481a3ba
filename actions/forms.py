"""GOV.UK forms for meetings, actions and the tracker. The services validate again; their errors
land on the same fields."""

from django import forms

from casework.forms import DateInput, DateTimeLocalInput, GovUKForm
from casework.models import Agency, User

from .evidence import ACCEPTED, ACCEPTED_TEXT
from .models import ActionStatus, ExploitationRisk, HarmLevel, MeetingKind

# The agenda of seed 002 §10 (Appendix 5): prompts for what the meeting should have covered.
AGENDA = [
    "Share information about the child and their family, what is known about missing incidents and any concerns and risks",
    "What action agencies have taken so far, and what assessments have been started or completed",
    "The level of harm and risk, including sexual exploitation and gang involvement",
    "How often and for how long the child has gone missing",
    "Whether the child is involved in crime or a victim of crime",
    "Health (sexual, physical, emotional), bullying, domestic abuse",
    "Association with a person posing a risk to children; trafficking, honour-based violence, forced marriage, FGM, radicalisation",
    "Equalities issues; a plan to re-engage with education",
    "Push and pull factors, and how any disclosure of abuse will be managed",
    "What can be put in place to avoid further episodes",
    "Whether to refer to Early Help or Children's Social Care, and services to signpost the family to",
    "For a strategy meeting: whether a Section 47 enquiry should start",
]


def _textarea(label, *, rows=4, required=True, help_text="", max_length=10000):
    return forms.CharField(
        label=label, help_text=help_text, required=required, max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class MeetingForm(GovUKForm):
    kind = forms.ChoiceField(label="Kind of meeting", choices=MeetingKind.choices, widget=forms.RadioSelect)
    held_at = forms.DateTimeField(label="When it was held", widget=DateTimeLocalInput())
    attendees = _textarea(
        "Who attended",
        help_text="One person a line: name, role, agency. For example: Sam Lee, missing persons officer, Police.",
    )
    harm_level = forms.ChoiceField(label="Level of harm", choices=HarmLevel.choices, widget=forms.RadioSelect)
    exploitation_risks = forms.MultipleChoiceField(
        label="Risks identified", help_text="Select all that apply.", choices=ExploitationRisk.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    risk_summary = _textarea("Risk assessment", rows=6, help_text="What the professionals together judged, and why.")
    decisions = _textarea("Decisions", rows=6, help_text="Including referrals, services to signpost, and who tells whom.")
    section_47 = forms.TypedChoiceField(
        label="Does a Section 47 enquiry start?",
        help_text="For a strategy meeting.",
        choices=[("", "Not decided or not a strategy meeting"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    review_date = forms.DateField(
        label="Review by", help_text="At least monthly while the child keeps going missing.", required=False,
        widget=DateInput(),
    )

    def clean_attendees(self):
        people = []
        for line in self.cleaned_data["attendees"].splitlines():
            parts = [part.strip() for part in line.split(",")]
            if parts and parts[0]:
                people.append({"name": parts[0], "role": ", ".join(parts[1:-1]) if len(parts) > 2 else
                               (parts[1] if len(parts) == 2 else ""), "agency": parts[-1] if len(parts) > 2 else ""})
        if not people:
            raise forms.ValidationError("Say who attended.")
        return people


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.get_username()} ({obj.agency.name})"


class ActionForm(GovUKForm):
    description = _textarea("What is to be done", help_text="Specific: one thing, said so that anyone can tell what it is.")
    success_measure = _textarea("How we will know it is done", help_text="Measurable: what will be seen or recorded.")
    owner_agency = forms.ModelChoiceField(label="Owner agency", queryset=Agency.objects.none())
    owner = OwnerChoiceField(
        label="Named owner", help_text="Someone in the owner agency. Their line manager is told if it is late.",
        queryset=User.objects.none(), required=False, empty_label="No named owner yet",
    )
    due_date = forms.DateField(label="Due by", widget=DateInput())

    def __init__(self, *args, authority, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(authority=authority).order_by("name")
        self.fields["owner"].queryset = (
            User.objects.filter(is_active=True, agency__authority=authority)
            .select_related("agency").order_by("agency__name", "last_name", "username")
        )


class ActionUpdateForm(GovUKForm):
    update = _textarea("What has been done", rows=3, required=False)
    status = forms.ChoiceField(
        label="Status",
        choices=[(ActionStatus.OPEN, "Still open"), (ActionStatus.DONE, "Done"), (ActionStatus.CANCELLED, "Cancelled")],
        initial=ActionStatus.OPEN,
        widget=forms.RadioSelect,
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        help_text=f"A {ACCEPTED_TEXT} file.",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED)}),
    )


class TrackerFilterForm(GovUKForm):
    agency = forms.ModelChoiceField(label="Owner agency", queryset=Agency.objects.none(), required=False,
                                    empty_label="All agencies")
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *ActionStatus.choices], required=False)
    overdue = forms.ChoiceField(
        label="Overdue", choices=[("", "Either"), ("yes", "Overdue only"), ("no", "Not overdue")], required=False
    )
    child = forms.UUIDField(widget=forms.HiddenInput, required=False)
    meeting = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, authority, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(authority=authority).order_by("name")
