from django import forms

from casework.forms import GovUKForm

from ..models import MissingPersonProfile
from .photos import PHOTO_ACCEPTED, PHOTO_ACCEPTED_TEXT

TEXT_LIMIT = 5000


def _field(name, *, long=False):
    model_field = MissingPersonProfile._meta.get_field(name)
    return forms.CharField(
        label=model_field.verbose_name.capitalize(),
        help_text=model_field.help_text,
        required=False,
        max_length=model_field.max_length or TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}) if long else None,
    )


class ProfileForm(GovUKForm):
    height = _field("height")
    build = _field("build")
    hair = _field("hair")
    eyes = _field("eyes")
    distinguishing_features = _field("distinguishing_features", long=True)
    usual_clothing = _field("usual_clothing", long=True)
    phone_numbers = _field("phone_numbers", long=True)
    social_media = _field("social_media", long=True)
    associates = _field("associates", long=True)
    places = _field("places", long=True)
    medical_needs = _field("medical_needs", long=True)
    photo = forms.FileField(
        label="Recent photo (optional)",
        help_text=f"A {PHOTO_ACCEPTED_TEXT}. It replaces the photo before.",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(PHOTO_ACCEPTED)}),
    )
    widths = {name: "govuk-input--width-20" for name in ("height", "build", "hair", "eyes")}

    @classmethod
    def initial_from(cls, profile):
        if profile is None:
            return {}
        return {name: getattr(profile, name) for name in MissingPersonProfile.DESCRIPTION_FIELDS}
