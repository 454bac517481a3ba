"""How a merge of two records of one child (N3) treats the panels' rows that exist once per child."""

from missing.merge import MergeRule, register_merge_rule

from .models import AgencyUpdate, MeetingChild, PanelListEntry


def _close_repeated_list_entry(*, survivor, other, rows, actor, now):
    """F3: a child is on a panel's list once. The survivor's open entry stays; the merged-away
    record's is closed (and moves with the rest as history), saying why."""
    rows.update(
        removed_at=now, removed_by=actor, removal_reason=f"Merged into the record of {survivor.full_name} (N3)."
    )


def register():
    register_merge_rule(MergeRule(PanelListEntry._meta.label, resolve=_close_repeated_list_entry))
    register_merge_rule(MergeRule(
        MeetingChild._meta.label,
        refuse="Both records are listed for the same panel meeting: take one of them off that meeting's list "
        "before merging, so that its decisions are not lost.",
    ))
    register_merge_rule(MergeRule(
        AgencyUpdate._meta.label,
        refuse="An agency wrote an update on both records for the same panel meeting: merge after the meeting, "
        "or ask the agency to withdraw one.",
    ))
