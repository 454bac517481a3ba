"""A fragment rendered once per page and stamped for each row: template work that does not repeat
per row (issue 13). The agenda gives each of up to 40 children the same three forms; rendering them
40 times through the template engine was the larger part of the page's time.

    stamp = Stamp.render("panels/_agenda_chair_forms.html", {...}, request, fields=("cid", "name"))
    row["forms"] = stamp(cid=row["cid"], name=child.full_name)

The template sees each field as a placeholder (`{{ cid }}`, `{{ name }}`, in text, attributes or
addresses). Each row's values are HTML-escaped and put in place in one pass, so a value is never
read again for another placeholder, whatever it contains.
"""

import re

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

_MARK = "\x00"  # never in a rendered template, and escaping leaves it as it is


def placeholder(field):
    return f"{_MARK}{field}{_MARK}"


class Stamp:
    def __init__(self, html, fields):
        self.html = str(html)
        self.fields = tuple(fields)
        self._pattern = re.compile(_MARK + "(" + "|".join(re.escape(f) for f in self.fields) + ")" + _MARK)

    @classmethod
    def render(cls, template_name, context, request, *, fields):
        """Render `template_name` once with a placeholder for each field in `context`. The request
        gives the forms their CSRF token; the context processors are not run again (the page that
        holds the fragment has run them)."""
        context = {**context, "csrf_token": get_token(request), **{f: placeholder(f) for f in fields}}
        return cls(render_to_string(template_name, context), fields)

    def __call__(self, **values):
        missing = set(self.fields) - set(values)
        if missing:
            raise TypeError(f"No value for {', '.join(sorted(missing))}.")
        escaped = {field: escape(str(value)) for field, value in values.items()}
        return mark_safe(self._pattern.sub(lambda match: escaped[match[1]], self.html))
