"""What the missing app counts with the core's tallies (casework.tallies, issue 13): an authority's
live children (a merged-away record is not one) and its police notifications by status. The
migration that installs their triggers reads these."""

from casework.tallies import Tally

LIVE_CHILDREN = Tally("missing_child", counted="merged_into_id IS NULL")
NOTIFICATIONS = Tally("missing_policenotification", key="status")

TALLIES = (LIVE_CHILDREN, NOTIFICATIONS)
