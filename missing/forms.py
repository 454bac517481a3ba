"""Forms for the MASH pages. They collect input; the services in missing.services decide and write."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from casework.forms import DateInput, DateTimeLocalInput, GovUKForm
from casework.models import Agency, User

from .csv_import import CsvFileError, csv_file_read
from .models import Category, Ethnicity, Gender, LegalStatus, LocationType, PlacementType, RiskLevel, Vulnerability


class ChildForm(GovUKForm):
    given_name = forms.CharField(
        label="Given name", max_length=100, error_messages={"required": "Enter the child's given name"}
    )
    family_name = forms.CharField(
        label="Family name", max_length=100, error_messages={"required": "Enter the child's family name"}
    )
    date_of_birth = forms.DateField(
        label="Date of birth", widget=DateInput,
        error_messages={"required": "Enter the date of birth", "invalid": "Date of birth must be a real date"},
    )
    gender = forms.ChoiceField(label="Gender", choices=Gender.choices, initial=Gender.NOT_KNOWN)
    police_person_id = forms.CharField(
        label="Police person id", max_length=64, required=False, help_text="The police's reference for this child."
    )
    legal_status = forms.ChoiceField(
        label="Legal status", choices=LegalStatus.choices, initial=LegalStatus.NONE,
        help_text="Choose 'Care leaver' for a young person who has left care.",
    )
    send = forms.BooleanField(label="Special educational needs or disability (SEND)", required=False)
    vulnerabilities = forms.MultipleChoiceField(
        label="Vulnerabilities", choices=Vulnerability.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    responsible_authority = forms.CharField(
        label="Responsible authority", max_length=200, required=False,
        help_text="The council that looks after the child, when it is not this one.",
    )
    placed_by_other_authority = forms.BooleanField(label="Placed here by another authority", required=False)
    placed_out_of_area = forms.BooleanField(label="Placed out of area by this authority", required=False)
    placement_provider = forms.CharField(label="Placement provider", max_length=200, required=False)
    ethnicity = forms.ChoiceField(
        label="Ethnicity", choices=[("", "Not recorded"), *Ethnicity.choices], required=False,
        help_text="The DfE ethnicity code.",
    )
    placement_type = forms.ChoiceField(
        label="Placement type", choices=[("", "Not placed"), *PlacementType.choices], required=False,
        help_text="Recording a placement on the child's page sets this too.",
    )
    home_area = forms.CharField(
        label="Home area", max_length=8, required=False,
        help_text="The postcode district the child lives in: the first part of the postcode, like AB1.",
    )
    allocated_team = forms.CharField(label="Allocated team", max_length=200, required=False)
    allocated_worker = forms.ModelChoiceField(
        label="Allocated worker", queryset=User.objects.none(), required=False, empty_label="None"
    )
    school = forms.CharField(label="School", max_length=200, required=False)
    lead_agency = forms.ModelChoiceField(
        label="Lead agency", queryset=Agency.objects.none(), required=False, empty_label="None"
    )

    widths = {
        "given_name": "govuk-!-width-one-half",
        "family_name": "govuk-!-width-one-half",
        "date_of_birth": "govuk-input--width-20",
        "police_person_id": "govuk-input--width-20",
        "home_area": "govuk-input--width-5",
    }

    def __init__(self, *args, authority, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_agency"].queryset = Agency.objects.filter(authority=authority).order_by("name")
        self.fields["allocated_worker"].queryset = User.objects.filter(
            agency__authority=authority, is_active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["allocated_worker"].label_from_instance = lambda user: user.get_full_name() or user.username

    @classmethod
    def initial_from(cls, child):
        return {name: getattr(child, name) for name in cls.base_fields}


class EpisodeForm(GovUKForm):
    category = forms.ChoiceField(
        label="Category", choices=Category.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the category"},
    )
    risk_level = forms.ChoiceField(
        label="Police risk level", choices=RiskLevel.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the police risk level"},
    )
    location_type = forms.ChoiceField(
        label="Missing from", choices=LocationType.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select where the child went missing from"},
    )
    started_at = forms.DateTimeField(
        label="Went missing", widget=DateTimeLocalInput, help_text="UK time.",
        error_messages={"required": "Enter when the child went missing", "invalid": "Enter a real date and time"},
    )
    reported_at = forms.DateTimeField(
        label="Reported", widget=DateTimeLocalInput, help_text="UK time.",
        error_messages={"required": "Enter when it was reported", "invalid": "Enter a real date and time"},
    )
    returned_at = forms.DateTimeField(
        label="Returned or found", widget=DateTimeLocalInput, required=False,
        help_text="UK time. Leave empty while the child is still missing.",
        error_messages={"invalid": "Enter a real date and time"},
    )
    found_location = forms.CharField(label="Where found", max_length=300, required=False)
    police_ref = forms.CharField(label="Police reference", max_length=64, required=False)
    significant_harm = forms.BooleanField(label="Judged at risk of significant harm", required=False)
    additional_needs = forms.BooleanField(
        label="Additional needs without significant harm", required=False,
        help_text="A multi-agency meeting is then owed within 5 working days.",
    )
    circumstances = forms.CharField(
        label="Circumstances", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    widths = {
        "started_at": "govuk-input--width-20",
        "reported_at": "govuk-input--width-20",
        "returned_at": "govuk-input--width-20",
        "police_ref": "govuk-input--width-20",
    }

    @classmethod
    def initial_from(cls, episode):
        """The episode's values, times to the minute as the inputs show them, so an untouched time is unchanged."""
        initial = {name: getattr(episode, name) for name in cls.base_fields}
        for name in ("started_at", "reported_at", "returned_at"):
            if initial[name] is not None:
                initial[name] = initial[name].replace(second=0, microsecond=0)
        return initial


class TriageForm(GovUKForm):
    """One click on the queue: link `notification` to `child`, or to a new child when `child` is empty."""

    notification = forms.UUIDField(widget=forms.HiddenInput)
    child = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.anchor = "#triage-queue"
        self.notification = None

    def error_summary_items(self):
        return [{"text": message, "href": self.anchor} for errors in self.errors.values() for message in errors]


class NotificationUploadForm(GovUKForm):
    police_force = forms.ModelChoiceField(
        label="Police force that sent these notifications",
        help_text="The notifications are kept as the force's: a re-send of the same reference by the force is the same "
                  "notification (N1), and the force sees the children it reported once they are linked.",
        queryset=None, empty_label=None,
    )
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="Save the spreadsheet as 'CSV UTF-8'. One notification per row, with the template's header row.",
        error_messages={"required": "Select a CSV file to upload", "empty": "The selected file is empty"},
    )

    def __init__(self, *args, forces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if forces is None or not forces.exists():
            del self.fields["police_force"]
        else:
            self.fields["police_force"].queryset = forces
            # With one force there is nothing to choose: it is the force, whether or not the field is sent.
            self.fields["police_force"].required = forces.count() > 1

    def clean_police_force(self):
        chosen = self.cleaned_data.get("police_force")
        return chosen or self.fields["police_force"].queryset.first()

    def clean_file(self):
        """Answers the file's CsvFile (header and rows) once the file as a whole is sound."""
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The selected file must be a CSV file (ending in .csv).")
        limit = settings.NOTIFICATION_CSV_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The selected file must be smaller than {filesizeformat(limit)}.")
        try:
            return csv_file_read(upload.read())
        except CsvFileError as error:
            raise forms.ValidationError(str(error)) from error
