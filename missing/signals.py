"""Sent inside the transaction of the change, so receivers (the clocks) write in the same one."""

from django.dispatch import Signal

# Sent with episode=, created=, changed_fields=, actor= after an episode is created or changed.
episode_changed = Signal()
# Sent with child=, changed_fields=, actor= after a child's record is changed.
child_changed = Signal()
