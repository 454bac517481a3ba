"""Demo data for the reports: return interviews held with their push and pull factors (the
dashboard's themes), and the last complete quarter's board report with the chair's gaps text."""

from datetime import timedelta

from django.core.exceptions import ValidationError

from missing.interviews.services import return_interview_complete
from missing.models import InterviewState, PullFactor, PushFactor, ReturnInterview

from .quarterly import default_quarter, quarterly_report_generate, quarterly_report_request

DEMO_GAPS = (
    "No return home interview cover at weekends: children returning on a Friday evening wait until Monday.\n"
    "Two children's homes in the north of the borough have no named missing lead.\n"
    "Waiting list for the exploitation service's one-to-one work is eleven weeks."
)


def demo_interviews_held(*, actor, authority, rng, now):
    """Half of the accepted interviews held, each naming a push and a pull factor or two."""
    accepted = ReturnInterview.objects.filter(child__authority=authority, state=InterviewState.ACCEPTED)
    for interview in accepted.prefetch_related("episodes"):
        if rng.random() < 0.5:
            continue
        back = max((e.returned_at for e in interview.episodes.all() if e.returned_at), default=None)
        if back is None or back + timedelta(hours=1) > now:
            continue
        held = min(now, back + timedelta(hours=rng.choice([20, 40, 60, 90])))
        try:
            return_interview_complete(
                actor=actor, interview=interview, held_at=held,
                push_factors=rng.sample(PushFactor.values, rng.randint(1, 2)),
                pull_factors=rng.sample(PullFactor.values, rng.randint(1, 2)),
                voice_of_child="Chose to talk about friends and school.",
            )
        except ValidationError:
            continue


def demo_quarterly_report(*, panel, chair, now):
    """The board's report on the last complete quarter, with the chair's gaps text, generated now."""
    report = quarterly_report_request(actor=chair, panel=panel, quarter=default_quarter(now), gaps=DEMO_GAPS)
    return quarterly_report_generate(report_id=report.pk)
