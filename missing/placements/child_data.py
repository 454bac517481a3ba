"""The child's placements as a part of everything held about them (subject access, retention) and
in the merge of two records of one child (N3)."""

from ..child_data import ChildDataPart, fields_of, register_child_data_part
from ..merge import MergeRule, register_merge_rule
from ..models import Placement


def _placements(child):
    return [fields_of(p) for p in Placement.objects.filter(child=child).select_related("provider", "created_by")
            .order_by("started_on")]


def _erase_placements(child):
    Placement.objects.filter(child=child).delete()


def _keep_placements(child):
    """Anonymising keeps the placements: they say nothing of who the child was, and the count of
    episodes per establishment (N7) stays right."""


def register():
    register_child_data_part(ChildDataPart("placements", "Placements", 15, _placements, erase=_erase_placements,
                                           anonymise=_keep_placements))
    register_merge_rule(MergeRule(
        Placement._meta.label,
        refuse="Both records have a current placement: end the one that is wrong or over before merging, as a "
        "child lives in one place at a time.",
    ))
