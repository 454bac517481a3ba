"""One base form that renders the GOV.UK way: error summary, labels, hints and field errors.

Templates render `{{ form }}` inside their own <form> with the submit button; the error summary is
`{% include "casework/forms/error_summary.html" %}` at the top of the page's content.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class LongSelect(forms.Select):
    """A select of many options (the hundreds of children a panel knows), written in one pass:
    Django's Select renders a template for each option, about 0.1 ms each (issue 13). Plain options
    only, no groups."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((key, " selected" if str(key) in chosen else "", label) for key, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           options)


INPUT_CLASSES = {
    forms.Select: "govuk-select",
    LongSelect: "govuk-select",
    forms.Textarea: "govuk-textarea",
    forms.FileInput: "govuk-file-upload",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.CheckboxInput: "govuk-checkboxes__input",
}

ERROR_MODIFIED = {"govuk-input", "govuk-select", "govuk-textarea", "govuk-file-upload"}
GROUPED = {"govuk-radios__input", "govuk-checkboxes__input"}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class GovUKForm(forms.Form):
    template_name = "casework/forms/form.html"
    # Width classes by field name, e.g. {"police_ref": "govuk-input--width-10"}.
    widths = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def get_context(self):
        """Give each widget its GOV.UK classes and describedby ids, now that errors are known."""
        for name, field in self.fields.items():
            widget = field.widget
            base = INPUT_CLASSES.get(type(widget), "govuk-input")
            classes = [base]
            if base == "govuk-input" and name in self.widths:
                classes.append(self.widths[name])
            if name in self.errors and base in ERROR_MODIFIED:
                classes.append(f"{base}--error")
            widget.attrs["class"] = " ".join(classes)
            described = [f"id_{name}-hint"] if field.help_text else []
            if name in self.errors:
                described.append(f"id_{name}-error")
            if described and base not in GROUPED:
                widget.attrs["aria-describedby"] = " ".join(described)
        return super().get_context()

    def error_summary_items(self):
        items = [{"text": error, "href": "#main-content"} for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            field = self.fields.get(name)
            anchor = f"#id_{name}"
            if field is not None and isinstance(field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                anchor = f"#id_{name}_0"
            items.extend({"text": error, "href": anchor} for error in errors)
        return items


def form_errors_from_service(form, error):
    """Put a service's ValidationError on the form: each message on its field, the rest at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def posted_text(request, name):
    """Free text of a POST that a view reads without a form (a reason, an update): the text, or a
    ValidationError naming the field when it holds a NUL character, which PostgreSQL cannot store in
    text (a form's CharField refuses it the same way; read raw, it answered 500)."""
    value = request.POST.get(name, "")
    if "\x00" in value:
        raise ValidationError({name: ["Remove the null character from this text: it cannot be stored."]})
    return value


def posted_id(request, name):
    """An id of a POST that a view reads without a form: a UUID, or None when it is missing or is
    not one (the service then says what is wanted, as for no choice at all)."""
    try:
        return uuid.UUID(request.POST.get(name) or "")
    except ValueError:
        return None
