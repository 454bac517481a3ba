"""What this app does when another library's signal fires: each receiver calls one service."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from .models import User
from .services import api_tokens_revoke_all


@receiver(user_locked_out, dispatch_uid="casework.revoke_api_tokens_on_lockout")
def revoke_api_tokens_on_lockout(sender, *, username=None, **kwargs):
    """A lockout means someone is trying the account's password: its API tokens end too, and each
    client signs in again (with its code, where one is needed) once the lock lifts."""
    user = User.objects.filter(username=username).first() if username else None
    if user is not None:
        api_tokens_revoke_all(user=user)
