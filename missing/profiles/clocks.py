"""N8: a looked-after child's missing person profile is reviewed every N days (the protocol's
`n8_profile_review_days`, 90 by default), so the carer never hands the police a stale one.

One duty row per review, keyed by the moment of the review it counts from: it falls due N days
after that review and is done by the next review (profiles.services marks it done, then this kind
wants the next row). A child who is no longer looked after wants none: a live row is cancelled
when the profile is next saved or, at the latest, when the row would fall due (the sweep looks
again then). Registered when the app loads (apps.py).
"""

from django.db.models import Q

from casework.calendar import add_days, describe_moment
from casework.clocks.registry import (
    DUTY,
    ClockKind,
    ClockRule,
    RowFacts,
    SubjectClocks,
    WantedDeadline,
    register_clock_kind,
)
from casework.links import url_maker

from ..models import Child, LegalStatus, MissingPersonProfile
from ..permissions import (
    rows_hidden_in_authority,
    rows_of_visible_children,
    rows_of_visible_children_listed,
    rows_of_visible_children_walked,
)

PROFILE = "missing.profile"
N8 = "N8"
RULES = {
    # Whoever may change the child reviews the profile; nobody ticks N8 off by hand.
    N8: ClockRule(N8, DUTY, tell_owner=True, owner_may_complete=False, source="002 §9, local protocol"),
}


def review_key(profile):
    return profile.last_reviewed_at.isoformat(timespec="seconds")


def review_wanted(profile, protocol):
    """The N8 row this profile wants now, or None: pure, for the engine and the tests."""
    child = profile.child
    if child.legal_status != LegalStatus.LOOKED_AFTER or child.anonymised_at or child.merged_into_id:
        return None
    days = protocol.n8_profile_review_days
    return WantedDeadline(
        rule=N8, key=review_key(profile), kind=DUTY, title="Missing person profile reviewed",
        counts_from=profile.last_reviewed_at, due_at=add_days(profile.last_reviewed_at, days),
        basis=f"{days} days after its last review", source="002 §9, local protocol", params={"days": days},
    )


def _lock(profile_id):
    return MissingPersonProfile.objects.select_for_update(of=("self",)).select_related("child").filter(
        pk=profile_id
    ).first()


def _evaluate(profile, rows, now, protocols):
    wanted = review_wanted(profile, protocols(profile.child.authority_id))
    return SubjectClocks(
        authority_id=profile.child.authority_id,
        child_id=profile.child_id,
        deadlines=[wanted] if wanted else [],
        recheck_at=wanted.due_at if wanted else None,
    )


def _facts(rows):
    profile_url = url_maker("profiles:detail")  # reversed once for all the rows
    profiles = MissingPersonProfile.objects.select_related("child", "child__allocated_worker").in_bulk(
        {row.subject_id for row in rows}
    )
    facts = {}
    for row in rows:
        profile = profiles.get(row.subject_id)
        if profile is None:
            facts[row.pk] = RowFacts(label="A profile that no longer exists")
            continue
        facts[row.pk] = RowFacts(
            label=profile.child.full_name,
            context=f"profile last reviewed {describe_moment(profile.last_reviewed_at)}",
            url=profile_url(profile.child_id),
            owner=profile.child.allocated_worker,
            owner_role="allocated_worker",
        )
    return facts


PROFILE_CLOCKS = register_clock_kind(
    ClockKind(
        name=PROFILE,
        api_field="profile",
        rules=RULES,
        lock=_lock,
        evaluate=_evaluate,
        visible=rows_of_visible_children,
        visible_in_list=rows_of_visible_children_listed,
        visible_in_walk=rows_of_visible_children_walked,
        hidden_in_authority=rows_hidden_in_authority,
        facts=_facts,
        mine=lambda user: Q(child_id__in=Child.objects.filter(allocated_worker=user).values("pk")),
    )
)
