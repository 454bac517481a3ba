"""Out-of-area notices (RULES.md N7) as a clock kind: one subject per placement.

For a child placed here by another council, each missing episode during the placement is a notice
to that responsible authority; for one of our children placed elsewhere, the host authority is told
of the placement and of each episode. Every notice is a row keyed by what it is about, so the
engine fires it exactly once however often or late the sweep runs.

The other council's mailbox is an `AuthorityContact` our administrators keep. While none is
configured the row is not a notice but a duty (N7M), shown on the screens as owed: a MASH
coordinator tells the council and records it done, or an administrator adds the contact, after
which the rows are reconciled and the notice goes out.
"""

from django.db.models import Q
from django.db.models.functions import Lower

from casework.calendar import describe_moment, local_date, working_days_deadline
from casework.clocks.registry import (
    DUTY,
    NOTICE,
    ClockKind,
    ClockRule,
    RowFacts,
    SubjectClocks,
    WantedDeadline,
    register_clock_kind,
)
from casework.clocks.services import clock_reconcile
from casework.models import Deadline, DeadlineStatus, Role, User
from casework.models.clocks import LIVE_STATUSES
from casework.links import url_maker

from ..models import AuthorityContact, MissingEpisode, Placement
from ..permissions import (
    rows_hidden_in_authority,
    rows_of_visible_children,
    rows_of_visible_children_listed,
    rows_of_visible_children_walked,
)

PLACEMENT = "missing.placement"
SOURCE = "RULES N7, 002 §6"

RULES = {
    rule.id: rule
    for rule in (
        # Sent by the product to the other council's mailbox (addressees below).
        ClockRule("N7", NOTICE, source=SOURCE),
        # Owed while no mailbox is configured: MASH coordinators (and administrators) record it done.
        ClockRule("N7M", DUTY, tell_owner=False, owner_may_complete=False, source=SOURCE),
    )
}

RESPONSIBLE, HOST = "responsible", "host"
# Row keys (at most 40 characters): "in:<episode>" tells the responsible authority of a child placed
# here, "out:<episode>" and "out:placement" the host authority of a child we placed elsewhere.
KEY_PREFIX = {RESPONSIBLE: "in", HOST: "out"}


def contact_for(authority_id, other_authority):
    """Our administrators' configured mailbox for another council, or None."""
    name = (other_authority or "").strip().lower()
    if not name:
        return None
    return (
        AuthorityContact.objects.annotate(name_lower=Lower("other_authority"))
        .filter(authority_id=authority_id, name_lower=name)
        .first()
    )


def told_authorities(placement):
    """[(role, council)] the placement's notices go to: the responsible authority of a child
    placed here, the host authority of a child we placed elsewhere."""
    told = []
    if placement.responsible_authority.strip():
        told.append((RESPONSIBLE, placement.responsible_authority.strip()))
    if placement.host_authority.strip():
        told.append((HOST, placement.host_authority.strip()))
    return told


def owning_placement(placements, day):
    """The placement a day belongs to: the latest started that covers it."""
    covering = [p for p in placements if p.started_on <= day and (p.ended_on is None or p.ended_on >= day)]
    return max(covering, key=lambda p: (p.started_on, p.created_at), default=None)


def placement_episodes(placement, placements, episodes):
    """The episodes that began during `placement` (and during no later-started placement)."""
    found = []
    for episode in episodes:
        owner = owning_placement(placements, local_date(episode.started_at))
        if owner is not None and owner.pk == placement.pk:
            found.append(episode)
    return found


def _lock(placement_id):
    return (
        Placement.objects.select_for_update(of=("self",))
        .select_related("child", "provider")
        .filter(pk=placement_id)
        .first()
    )


def _settled(rows, key):
    """Whether this notice was already given: sent by the product, or recorded done by hand."""
    return any(rows[(rule, key)].status == DeadlineStatus.DONE for rule in ("N7", "N7M") if (rule, key) in rows)


def _wanted(*, key, other, contact, title, moment, reason, params):
    params = {**params, "authority": other}
    if contact is not None:
        return WantedDeadline(
            rule="N7", key=key, kind=NOTICE, title=title, counts_from=moment, due_at=moment,
            basis=f"at once, to {other} ({contact.email})", source=SOURCE, params=params, reason=reason,
        )
    return WantedDeadline(
        rule="N7M", key=key, kind=DUTY, title=f"{title} (no contact configured: MASH to tell them)",
        counts_from=moment, due_at=working_days_deadline(moment, 1),
        basis="1 working day; no notices contact is configured for this council", source=SOURCE, params=params,
        reason=(f"{reason} No notices mailbox is configured for {other}: a MASH coordinator tells them and records "
                "it done here, or an administrator adds the contact and the product sends it."),
    )


def _evaluate(placement, rows, now, protocols):
    child = placement.child
    wanted = []
    told = told_authorities(placement)
    if told:
        placements = list(Placement.objects.filter(child_id=child.pk))
        episodes = placement_episodes(placement, placements, list(child.episodes.all()))
        where = placement.provider.name if placement.provider_id else placement.get_placement_type_display()
        for role, other in told:
            contact = contact_for(child.authority_id, other)
            if role == HOST:
                key = "out:placement"
                current = placement.ended_on is None or placement.ended_on >= local_date(now)
                if current and not _settled(rows, key):
                    wanted.append(_wanted(
                        key=key, other=other, contact=contact, title=f"{other} told of the placement",
                        moment=placement.created_at, params={"role": role},
                        reason=f"Placed in {other}'s area with {where} from {placement.started_on:%d %b %Y}.",
                    ))
            for episode in episodes:
                key = f"{KEY_PREFIX[role]}:{episode.pk.hex}"
                if _settled(rows, key):
                    continue
                whose = "looked after by" if role == RESPONSIBLE else "placed in the area of"
                wanted.append(_wanted(
                    key=key, other=other, contact=contact, title=f"{other} told of a missing episode",
                    moment=episode.reported_at, params={"role": role, "episode": str(episode.pk)},
                    reason=f"A child {whose} {other} went missing from {where} on "
                           f"{describe_moment(episode.started_at)}.",
                ))
    return SubjectClocks(authority_id=child.authority_id, child_id=child.pk, deadlines=wanted)


def _message(row, placement, episode):
    child = placement.child
    authority = child.authority.name
    where = placement.provider.name if placement.provider_id else placement.get_placement_type_display()
    lines = [f"{authority} writes under its missing children protocol (N7).", ""]
    if episode is None:
        subject = f"Placement in your area: {child.full_name}"
        lines.append(
            f"{child.full_name} (born {child.date_of_birth:%d %b %Y}), looked after by {authority}, is placed in "
            f"your area with {where} from {placement.started_on:%d %b %Y}."
        )
    else:
        subject = f"Missing episode: {child.full_name}"
        whose = "looked after by you and placed here" if row.params.get("role") == RESPONSIBLE else (
            f"looked after by {authority} and placed in your area")
        lines.append(f"{child.full_name} (born {child.date_of_birth:%d %b %Y}), {whose} with {where}, went missing.")
        lines.append(f"Missing from {describe_moment(episode.started_at)}, "
                     f"reported {describe_moment(episode.reported_at)}.")
        if episode.returned_at:
            lines.append(f"Back since {describe_moment(episode.returned_at)}.")
        else:
            lines.append("The child has not yet returned.")
    lines += ["", f"Contact the MASH at {authority} for more."]
    return subject, "\n".join(lines)


def _addressees(row, now):
    """The other council's mailbox; should it have gone since the row was made, the MASH is told."""
    placement = Placement.objects.select_related("child", "child__authority", "provider").filter(
        pk=row.subject_id).first()
    if placement is None:
        return []
    episode = None
    if row.params.get("episode"):
        episode = MissingEpisode.objects.filter(pk=row.params["episode"]).first()
    subject, body = _message(row, placement, episode)
    contact = contact_for(placement.child.authority_id, row.params.get("authority"))
    if contact is not None:
        return [(contact.email, subject, body)]
    mash = User.objects.filter(agency__authority_id=placement.child.authority_id, is_active=True,
                               roles__icontains=f'"{Role.MASH_COORDINATOR}"')
    note = f"Not sent: no notices contact is configured for {row.params.get('authority')}. Tell them yourself.\n\n"
    return [(user, f"Not sent: {subject}", note + body) for user in mash]


def _facts(rows):
    child_url = url_maker("missing:child_detail")  # reversed once for all the rows
    placements = Placement.objects.select_related("child", "child__allocated_worker", "provider").in_bulk(
        {row.subject_id for row in rows})
    facts = {}
    for row in rows:
        placement = placements.get(row.subject_id)
        if placement is None:
            facts[row.pk] = RowFacts(label="A placement that no longer exists")
            continue
        child = placement.child
        where = placement.provider.name if placement.provider_id else placement.get_placement_type_display()
        facts[row.pk] = RowFacts(
            label=child.full_name,
            context=f"placed with {where}; {row.params.get('authority', '')} to be told",
            url=child_url(child.pk),
            owner=child.allocated_worker,
            owner_role="allocated_worker",
            detail=row.params.get("authority", ""),
        )
    return facts


PLACEMENT_CLOCKS = register_clock_kind(ClockKind(
    name=PLACEMENT,
    api_field="placement",
    rules=RULES,
    lock=_lock,
    evaluate=_evaluate,
    visible=rows_of_visible_children,
    visible_in_list=rows_of_visible_children_listed,
    visible_in_walk=rows_of_visible_children_walked,
    hidden_in_authority=rows_hidden_in_authority,
    facts=_facts,
    addressees=_addressees,
))


def placement_clocks_reconcile(*, child, now=None):
    """Reconcile every placement of the child that tells another council. The placement and
    episode services call this inside their transaction when placements or episodes change."""
    told = Placement.objects.filter(child_id=child.pk).filter(~Q(responsible_authority="") | ~Q(host_authority=""))
    live = Deadline.objects.filter(subject_type=PLACEMENT, child_id=child.pk, status__in=LIVE_STATUSES)
    ids = set(told.values_list("pk", flat=True)) | set(live.values_list("subject_id", flat=True))
    for placement_id in sorted(ids, key=str):
        clock_reconcile(subject_type=PLACEMENT, subject_id=placement_id, now=now)


def placement_clocks_reconcile_owed(*, authority, now=None):
    """After a contact is added, changed or removed: every placement with a notice not yet given."""
    owed = Deadline.objects.filter(subject_type=PLACEMENT, authority=authority, status__in=LIVE_STATUSES)
    for placement_id in set(owed.values_list("subject_id", flat=True)):
        clock_reconcile(subject_type=PLACEMENT, subject_id=placement_id, now=now)
