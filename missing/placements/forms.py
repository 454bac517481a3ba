"""Forms for the placement pages. They collect input; services.py decides and writes."""

from django import forms

from casework.forms import DateInput, GovUKForm

from ..models import PlacementProvider, PlacementType, ProviderKind


class ProviderForm(GovUKForm):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the establishment's name"})
    kind = forms.ChoiceField(
        label="Type", choices=ProviderKind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of establishment"},
    )
    address = forms.CharField(label="Address", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    ofsted_urn = forms.CharField(
        label="Ofsted URN", max_length=20, required=False, help_text="The unique reference number, like SC123456."
    )
    host_authority = forms.CharField(
        label="Host authority", max_length=200, required=False,
        help_text="The council the establishment stands in, when it is not this one.",
    )
    widths = {"postcode": "govuk-input--width-10", "ofsted_urn": "govuk-input--width-10"}

    @classmethod
    def initial_from(cls, provider):
        return {name: getattr(provider, name) for name in cls.base_fields}


class PlacementForm(GovUKForm):
    provider = forms.ModelChoiceField(
        label="Establishment", queryset=PlacementProvider.objects.none(), required=False, empty_label="None recorded",
        help_text="Add an establishment on the providers page if it is not listed.",
    )
    placement_type = forms.ChoiceField(
        label="Placement type", choices=[("", "Choose"), *PlacementType.choices],
        error_messages={"required": "Choose the placement type"},
    )
    started_on = forms.DateField(
        label="Start date", widget=DateInput,
        error_messages={"required": "Enter the date the placement began", "invalid": "The start must be a real date"},
    )
    ended_on = forms.DateField(
        label="End date", widget=DateInput, required=False,
        help_text="Leave blank for the child's current placement.",
        error_messages={"invalid": "The end must be a real date"},
    )
    responsible_authority = forms.CharField(
        label="Responsible authority", max_length=200, required=False,
        help_text="For a child placed here by another council: that council.",
    )
    host_authority = forms.CharField(
        label="Host authority", max_length=200, required=False,
        help_text="For our child placed in another council's area: that council (the establishment's, if blank).",
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers.order_by("name")


class EndPlacementForm(GovUKForm):
    ended_on = forms.DateField(
        label="End date", widget=DateInput,
        error_messages={"required": "Enter the date the placement ended", "invalid": "The end must be a real date"},
    )


class ContactForm(GovUKForm):
    other_authority = forms.CharField(
        label="Other council", max_length=200, error_messages={"required": "Enter the other council's name"},
        help_text="As placements name it; case does not matter.",
    )
    email = forms.EmailField(
        label="Notices email", max_length=254,
        error_messages={
            "required": "Enter the email address",
            "invalid": "Enter an email address, like mash@council.example",
        },
    )


class LetterForm(GovUKForm):
    authority = forms.ChoiceField(label="Responsible authority", error_messages={"required": "Choose the council"})
    start = forms.DateField(
        label="From", widget=DateInput,
        error_messages={"required": "Enter the first day of the period", "invalid": "From must be a real date"},
    )
    end = forms.DateField(
        label="To", widget=DateInput,
        error_messages={"required": "Enter the last day of the period", "invalid": "To must be a real date"},
    )

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = [("", "Choose"), *[(name, name) for name in authorities]]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "To cannot be before From")
        return data


def placement_form_for(child, data=None):
    """The placement form of a child's page: the establishments of the child's own authority."""
    providers = PlacementProvider.objects.filter(authority_id=child.authority_id)
    return PlacementForm(data, providers=providers, prefix="placement")
