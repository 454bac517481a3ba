"""What retention means for a child's record (the core's casework.retention asks, by registration).

A child's record is due for review once the child has reached the policy's age and the policy's
number of years has passed since their last episode (or since the record was made, with no
episode), whichever is later, and nothing is open: no episode, no missing education case. An
anonymised record stays for the numbers and is not due again. Removing one goes through every part
registered in child_data.py, so what a subject access export shows is what retention removes.
"""

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from casework.calendar import local_date
from casework.models import Disposal
from casework.retention import RetentionCandidate, RetentionKind, register_retention_kind, years_before

from .child_data import child_data_parts
from .models import Child, EducationCase, MissingEpisode

CHILD_RECORD = "missing.child_record"


def _due(policy, today):
    born_by = years_before(today, policy.keep_until_age)
    quiet_since = years_before(today, policy.keep_years_after_last_activity)
    children = (
        Child.objects.filter(authority_id=policy.authority_id, anonymised_at__isnull=True, date_of_birth__lte=born_by,
                             merged_into__isnull=True)  # a merged-away record goes with the one it was merged into
        .annotate(
            last_activity=Coalesce(
                Greatest(Max("episodes__returned_at"), Max("episodes__started_at")), F("created_at")
            ),
            open_episode=Exists(MissingEpisode.objects.filter(child=OuterRef("pk"), returned_at__isnull=True)),
            open_case=Exists(EducationCase.objects.filter(child=OuterRef("pk"), closed_at__isnull=True)),
        )
        .filter(open_episode=False, open_case=False)
        .order_by("date_of_birth")
    )
    candidates = []
    for child in children:
        last = local_date(child.last_activity)
        if last > quiet_since:
            continue
        candidates.append(RetentionCandidate(
            kind=CHILD_RECORD,
            object_id=str(child.pk),
            child_id=child.pk,
            label=f"{child.full_name}, born {child.date_of_birth:%d %b %Y}",
            reason=(f"Aged {policy.keep_until_age} or over and nothing since {last:%d %b %Y} "
                    f"(kept until {policy.keep_until_age} and {policy.keep_years_after_last_activity} years "
                    "after the last episode)"),
            due_on=max(years_before(last, -policy.keep_years_after_last_activity),
                       years_before(child.date_of_birth, -policy.keep_until_age)),
        ))
    return candidates


@transaction.atomic
def child_record_dispose(object_id, disposal):
    """Delete the child's record and everything held about them, or anonymise it: the record and
    episodes stay for the numbers, with nothing that says who the child was; the rest goes."""
    child = Child.objects.select_for_update().get(pk=object_id)
    anonymise = disposal == Disposal.ANONYMISE
    done = {"disposal": disposal, "erased": [], "anonymised": []}
    for part in reversed(child_data_parts()):
        if anonymise and part.anonymise is not None:
            part.anonymise(child)
            done["anonymised"].append(part.key)
        elif part.erase is not None:
            part.erase(child)
            done["erased"].append(part.key)
    if anonymise:
        Child.objects.filter(pk=child.pk).update(anonymised_at=timezone.now())
    return done


def register():
    register_retention_kind(RetentionKind(CHILD_RECORD, "Children's records", _due, child_record_dispose))
