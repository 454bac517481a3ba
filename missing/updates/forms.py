from django import forms

from casework.forms import GovUKForm


class MissingUpdateForm(GovUKForm):
    position = forms.CharField(
        label="Latest position", max_length=10000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the latest position."},
    )
    actions_to_locate = forms.CharField(
        label="Actions to locate the child", required=False, max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}), help_text="What has been done, and what is planned, to find them.",
    )
