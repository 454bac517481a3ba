"""GOV.UK forms for panel intelligence. The services validate again; their errors land on the same
fields (an association's ends are the fields "from" and "to")."""

from django import forms

from casework.forms import DateInput, GovUKForm, LongSelect
from casework.models import Agency, User

from .models import DisruptionStatus, Handling, IntelligenceEvaluation, PersonRole, PlaceKind, SourceEvaluation


class PlaceForm(GovUKForm):
    name = forms.CharField(label="Name", max_length=200,
                           help_text="How the panel knows it, e.g. 'Riverside retail park'.")
    kind = forms.ChoiceField(label="Type of place", choices=PlaceKind.choices, widget=forms.RadioSelect)
    address = forms.CharField(label="Address (optional)", max_length=300, required=False,
                              help_text="Episodes whose found location includes this address are counted here.")
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False,
                               help_text="Episodes whose found location includes this postcode are counted here.")
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    widths = {"postcode": "govuk-input--width-10"}


class PersonForm(GovUKForm):
    name = forms.CharField(label="Name", max_length=200)
    role = forms.ChoiceField(label="Why they are of concern", choices=PersonRole.choices, widget=forms.RadioSelect)
    aliases = forms.CharField(label="Other names they use (optional)", max_length=300, required=False)
    date_of_birth = forms.DateField(label="Date of birth (optional)", required=False, widget=DateInput())
    description = forms.CharField(label="Description (optional)", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="What is known of them: vehicles, places they use, how they "
                                            "contact children.")


def _grade_field(label, choices):
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect)


class AssociationForm(GovUKForm):
    """`ends` is [(value, label)] of the panel's children, adults and places ("child:<id>", ...)."""

    nature = forms.CharField(label="What links them", max_length=200,
                             help_text="For example: seen together, found at, gives lifts to, phone contact.")
    source = forms.CharField(label="Source", max_length=300,
                             help_text="For example: return interview of 3 March, police intelligence report.")
    source_date = forms.DateField(label="Date of the intelligence", widget=DateInput())
    source_evaluation = _grade_field("Source evaluation", SourceEvaluation.choices)
    intelligence_evaluation = _grade_field("Intelligence evaluation", IntelligenceEvaluation.choices)
    handling = _grade_field("Handling code", Handling.choices)

    def __init__(self, *args, ends, **kwargs):
        super().__init__(*args, **kwargs)
        first = [(value, label) for value, label in ends if not value.startswith("place:")]
        self.fields["from"] = forms.ChoiceField(label="Who", choices=[("", "Choose a child or an adult"), *first],
                                                widget=LongSelect)
        self.fields["to"] = forms.ChoiceField(label="Linked with", widget=LongSelect,
                                              choices=[("", "Choose a child, an adult or a place"), *ends])
        self.order_fields(["from", "to", "nature", "source", "source_date", *self.GRADES])

    GRADES = ("source_evaluation", "intelligence_evaluation", "handling")


class AssociationGradeForm(GovUKForm):
    nature = AssociationForm.base_fields["nature"]
    source = AssociationForm.base_fields["source"]
    source_date = AssociationForm.base_fields["source_date"]
    source_evaluation = AssociationForm.base_fields["source_evaluation"]
    intelligence_evaluation = AssociationForm.base_fields["intelligence_evaluation"]
    handling = AssociationForm.base_fields["handling"]


class DisruptionForm(GovUKForm):
    """`targets` is [(value, label)] of the panel's places and adults."""

    description = forms.CharField(label="What is planned", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="For example: licensing visit to the hotel; a child abduction "
                                            "warning notice.")
    owner_agency = forms.ModelChoiceField(label="Owner agency", queryset=Agency.objects.none())
    owner = forms.ModelChoiceField(label="Named owner (optional)", queryset=User.objects.none(), required=False)
    status = forms.ChoiceField(label="Where it stands", choices=DisruptionStatus.choices, widget=forms.RadioSelect,
                               initial=DisruptionStatus.PLANNED)
    planned_for = forms.DateField(label="Planned for (optional)", required=False, widget=DateInput())
    done_on = forms.DateField(label="Done on", required=False, widget=DateInput(),
                              help_text="When it is done.")
    outcome = forms.CharField(label="Outcome", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}), help_text="When it is done: what happened.")

    def __init__(self, *args, authority, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(authority=authority).order_by("name")
        self.fields["owner"].queryset = User.objects.filter(agency__authority=authority, is_active=True).order_by(
            "username")
        if targets is not None:
            self.fields["target"] = forms.ChoiceField(label="Against", choices=[("", "Choose a place or an adult"),
                                                                              *targets])
            self.order_fields(["target", "description"])


class EpisodeLinkForm(GovUKForm):
    episode = forms.ChoiceField(label="Episode")

    def __init__(self, *args, episodes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["episode"].choices = [("", "Choose an episode"), *episodes]
