"""Checks on input that the services of every app share."""

from datetime import timedelta

from django.core.exceptions import ValidationError

# Police clocks and ours drift a little; a time this far ahead of ours is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


def not_future(errors, field, value, now, label):
    """Add '<label> cannot be in the future.' to errors[field] when `value` is later than now allows."""
    if value is not None and value > now + CLOCK_SKEW:
        errors.setdefault(field, []).append(f"{label} cannot be in the future.")


def only_fields(given, allowed, *, verb="set"):
    """A service's guard: fields a caller may not set here are a 400 naming each, before any write."""
    unknown = set(given) - set(allowed)
    if unknown:
        raise ValidationError({name: [f"This field cannot be {verb} here."] for name in sorted(unknown)})


def acting_user(actor):
    """The user to record as having acted: None for the product itself or an anonymous caller."""
    return actor if actor is not None and actor.is_authenticated else None
