"""What the missing app counts with the core's tallies (casework.tallies, issue 13): an authority's
live children (a merged-away record is not one), its police notifications by status and its return
interviews by state. The migrations that install their triggers name them."""

from casework.tallies import Tally

LIVE_CHILDREN = Tally("missing_child", counted="merged_into_id IS NULL")
NOTIFICATIONS = Tally("missing_policenotification", key="status")
INTERVIEWS = Tally("missing_returninterview", key="state")

TALLIES = (LIVE_CHILDREN, NOTIFICATIONS, INTERVIEWS)
