"""The numbers of a local protocol (RULES.md), with the defaults RULES.md gives.

Every clock and threshold reads its numbers from a Protocol, never from a literal, so that a
council or a panel can change them without a code change.
"""

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Protocol:
    # N6: scope
    scope_age: int = 18
    scope_age_extended: int = 25
    # T1..T13: timers after a missing episode
    t1_return_interview_hours: int = 72
    t2_strategy_meeting_hours: int = 48
    t2_strategy_meeting_warn_hours: int = 24
    t3_multi_agency_meeting_working_days: int = 5
    t4_cp_missing_after_hours: int = 48
    t4_review_conference_working_days: int = 15
    t5_missing_from_care_meeting_days: int = 3
    t6_head_of_service_hours: int = 24
    t6_head_of_service_update_hours: int = 72
    t7_lead_member_days: int = 7
    t8_cin_head_of_service_days: int = 5
    t9_early_help_days: int = 5
    t10_dci_meeting_days: int = 28
    t12_assessment_days: int = 3
    t13_plan_review_days: int = 30
    # S1..S6: strategy-meeting thresholds
    s1_occasions: int = 3
    s1_window_days: int = 30
    s3_not_traced_days: int = 5
    s4_young_age: int = 12
    s6_missing_hours: int = 48
    # F1: frequent missing
    f1_episodes: int = 3
    f1_window_days: int = 90
    # N8: a missing person profile's review goes stale after this many days
    n8_profile_review_days: int = 90
    # P2..P15: panels, meetings and actions
    p2_referral_working_days: int = 10
    p3_listing_days: int = 14
    p4_updates_working_days: int = 5
    p5_papers_days: int = 7
    p12_minutes_working_days: int = 5
    p13_action_plan_hours: int = 48
    p14_feedback_working_days: int = 2
    # P15: an overdue action's second escalation, to the line manager's manager, this many working days
    # after the first
    p15_second_step_working_days: int = 5
    # Children missing education (002 §12): enquiries run to day 28; no removal from roll before 4 weeks
    cme_enquiry_last_day: int = 28
    cme_roll_removal_after_days: int = 28

    @classmethod
    def field_names(cls):
        return [f.name for f in fields(cls)]


DEFAULT_PROTOCOL = Protocol()
