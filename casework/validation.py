"""Checks on input that the services of every app share."""

from datetime import timedelta

# Police clocks and ours drift a little; a time this far ahead of ours is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


def not_future(errors, field, value, now, label):
    """Add '<label> cannot be in the future.' to errors[field] when `value` is later than now allows."""
    if value is not None and value > now + CLOCK_SKEW:
        errors.setdefault(field, []).append(f"{label} cannot be in the future.")
