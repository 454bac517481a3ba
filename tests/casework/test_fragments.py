"""A fragment rendered once and stamped per row (casework.fragments.Stamp)."""

import pytest
from django.test import RequestFactory

from casework.fragments import Stamp, placeholder


def _stamp(html, fields=("cid", "name")):
    return Stamp(html, fields)


def test_each_row_gets_its_own_values_escaped():
    stamp = _stamp(f'<a href="/c/{placeholder("cid")}/">{placeholder("name")}</a>')
    assert stamp(cid="1", name="Ann") == '<a href="/c/1/">Ann</a>'
    assert stamp(cid="2", name='<script>"x"</script>') == '<a href="/c/2/">&lt;script&gt;&quot;x&quot;&lt;/script&gt;</a>'


def test_a_value_is_never_read_again_for_another_placeholder():
    stamp = _stamp(f"{placeholder('name')}|{placeholder('cid')}")
    sneaky = placeholder("cid")  # a name that looks like the next placeholder stays as it was
    assert stamp(cid="7", name=sneaky) == f"{sneaky}|7"


def test_a_missing_value_is_an_error_not_a_placeholder_left_in_the_page():
    with pytest.raises(TypeError, match="name"):
        _stamp(placeholder("name"))(cid="1")


def test_rendered_from_a_template_with_the_csrf_token_of_the_request(tmp_path, settings):
    (tmp_path / "row.html").write_text('<form>{% csrf_token %}<b>{{ name }}</b><i>{{ title }}</i></form>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    request = RequestFactory().get("/")
    stamp = Stamp.render("row.html", {"title": "A & B"}, request, fields=("name",))
    html = stamp(name="O'Neil")
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<b>O&#x27;Neil</b>" in html and "<i>A &amp; B</i>" in html
