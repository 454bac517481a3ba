"""The clocks listen to missing/services.py: its signals come inside the writing transaction, so
the deadline rows change in the same transaction as the episode or child they count from."""

from django.dispatch import receiver

from missing.signals import child_changed, episode_changed

from .services import deadlines_reconcile_child


@receiver(episode_changed, dispatch_uid="clocks_episode_changed")
def episode_changed_reconcile(sender, episode, **kwargs):
    deadlines_reconcile_child(child=episode.child, episode=episode)


@receiver(child_changed, dispatch_uid="clocks_child_changed")
def child_changed_reconcile(sender, child, **kwargs):
    deadlines_reconcile_child(child=child)
