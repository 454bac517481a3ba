"""casework.output.Output answers exactly what DRF's Serializer answers, field for field and in the
same order, whatever the values (issue 13: it only works out once how each field is read)."""

import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone as django_timezone
from rest_framework import serializers
from rest_framework.fields import SkipField

from casework.output import Output

TOKYO = timezone(timedelta(hours=9))


def fields():
    return {
        "id": serializers.UUIDField(),
        "hex": serializers.UUIDField(source="id", format="hex"),
        "name": serializers.CharField(),
        "count": serializers.IntegerField(),
        "flag": serializers.BooleanField(),
        "maybe": serializers.BooleanField(allow_null=True),
        "at": serializers.DateTimeField(allow_null=True),
        "at_in_tokyo": serializers.DateTimeField(source="at", default_timezone=TOKYO),
        "at_formatted": serializers.DateTimeField(source="at", format="%d/%m/%Y %H:%M"),
        "day": serializers.DateField(allow_null=True),
        "tags": serializers.ListField(child=serializers.CharField()),
        "kind": serializers.ChoiceField(choices=[("a", "A"), ("b", "B")]),
        "owner_name": serializers.CharField(source="owner.name", allow_null=True),
        "optional": serializers.CharField(required=False),
        "computed": serializers.SerializerMethodField(),
        "nested": Nested(allow_null=True),
        "several": Nested(many=True, source="children"),
        "called": serializers.CharField(),
    }


class Nested(Output):
    value = serializers.IntegerField()


def computed(self, obj):
    return f"{obj['name'] if isinstance(obj, dict) else obj.name}!"


DrfShape = type("DrfShape", (serializers.Serializer,), {**fields(), "get_computed": computed})
FastShape = type("FastShape", (Output,), {**fields(), "get_computed": computed})


def row(**overrides):
    values = {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "name": "Synthetic",
        "count": 3,
        "flag": True,
        "maybe": None,
        "at": datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
        "day": date(2026, 7, 1),
        "tags": ["one", None, 2],
        "kind": "a",
        "owner": SimpleNamespace(name="Owner"),
        "nested": SimpleNamespace(value=4),
        "children": [SimpleNamespace(value=1), SimpleNamespace(value=2)],
        "called": lambda: "called value",
    }
    values.update(overrides)
    return values


ROWS = [
    row(),
    row(flag=1, maybe=0, count="7", at=datetime(2026, 1, 5, 23, 59, 1, 5, tzinfo=TOKYO)),
    row(at=datetime(2026, 3, 29, 1, 30), day=None, owner=None, nested=None, tags=[]),  # naive; a missing owner
    row(at="2026-01-01T00:00:00Z", optional="given", name=42),
    row(at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), flag=False, kind="zz"),
]


@pytest.mark.parametrize("zone", ["Europe/London", "UTC", "Asia/Tokyo"])
@pytest.mark.parametrize("as_mapping", [False, True])
def test_output_answers_as_drf_does(zone, as_mapping):
    with django_timezone.override(zone):
        for values in ROWS:
            instance = dict(values) if as_mapping else SimpleNamespace(**values)
            if not as_mapping and "optional" not in values:
                assert not hasattr(instance, "optional")  # DRF skips the field: so must Output
            drf, fast = DrfShape(instance).data, FastShape(instance).data
            assert list(fast) == list(drf)
            assert fast == drf
        many_drf = DrfShape([SimpleNamespace(**v) for v in ROWS], many=True).data
        many_fast = FastShape([SimpleNamespace(**v) for v in ROWS], many=True).data
        assert many_fast == many_drf


def test_a_required_attribute_that_is_missing_fails_as_in_drf():
    values = row()
    del values["name"]
    for shape in (DrfShape, FastShape):
        with pytest.raises(AttributeError):
            shape(SimpleNamespace(**values)).data


def test_output_reads_plain_attributes_without_drf_steps(monkeypatch):
    """The point of Output: most fields of a row skip DRF's general lookup."""
    looked_up = []
    original = serializers.Field.get_attribute

    def counting(self, instance):
        looked_up.append(self.field_name)
        return original(self, instance)

    monkeypatch.setattr(serializers.Field, "get_attribute", counting)
    rows = [SimpleNamespace(**row()) for _ in range(10)]
    DrfShape(rows, many=True).data
    by_drf = len(looked_up)
    looked_up.clear()
    FastShape(rows, many=True).data
    assert by_drf >= 170 and len(looked_up) <= by_drf // 2
    assert "id" not in looked_up and "at" not in looked_up and "tags" not in looked_up


class _Gone(SimpleNamespace):
    @property
    def count(self):
        raise ObjectDoesNotExist("a related row that is not there")


class _LabelledMapping(OrderedDict):
    name = "an attribute, not the key"


def test_edge_values_are_answered_as_drf_answers_them():
    """A lookup that finds no related row is None; any mapping is read by its keys."""
    gone = _Gone(**{k: v for k, v in row().items() if k != "count"})
    assert DrfShape(gone).data["count"] is None
    for instance in (gone, _LabelledMapping(row())):
        assert FastShape(instance).data == DrfShape(instance).data


def test_a_skip_raised_while_writing_a_field_is_not_swallowed():
    class Skipping:
        def get_computed(self, obj):
            raise SkipField()

    drf_shape = type("DrfSkipping", (Skipping, DrfShape), {})
    fast_shape = type("FastSkipping", (Skipping, FastShape), {})
    for shape in (drf_shape, fast_shape):
        with pytest.raises(SkipField):
            shape(SimpleNamespace(**row())).data
