"""Keyset pagination for logs too long to count: a page knows only whether older and newer rows
exist, read from the row after its last (so no COUNT(*) over the whole log on every page).

The cursor names one row by its time and its UUID primary key: "<microseconds since 1970>~<uuid>".
A cursor that does not parse is bad input (400), never a 500."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import BadRequest
from django.db.models import Q

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def cursor_for(at, pk):
    return f"{(at - EPOCH) // MICROSECOND}~{pk}"


def cursor_parse(text):
    """(time, pk) of a cursor; BadRequest when it is not one this module wrote."""
    try:
        micros, pk = text.split("~", 1)
        return EPOCH + int(micros) * MICROSECOND, uuid.UUID(pk)
    except (ValueError, OverflowError) as error:
        raise BadRequest("This page link is not valid: go back to the newest entries.") from error


@dataclass
class KeysetPage:
    rows: list = field(default_factory=list)
    older: str | None = None  # the cursor of the next (older) page, None on the last page
    newer: str | None = None  # the cursor of the previous (newer) page, None on the first page

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def has_next(self):
        return self.older is not None

    @property
    def has_previous(self):
        return self.newer is not None

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous


def keyset_page(queryset, *, before=None, after=None, size=50, time_field="at"):
    """The page of `queryset`, newest first by (time_field, pk): the `size` rows older than the
    cursor `before`, or the `size` rows newer than the cursor `after`, or the newest `size` rows."""
    if before and after:
        raise BadRequest("Give either an older or a newer page, not both.")
    if after:
        at, pk = cursor_parse(after)
        newer = Q(**{f"{time_field}__gt": at}) | Q(**{time_field: at, "pk__gt": pk})
        rows = list(queryset.filter(newer).order_by(time_field, "pk")[: size + 1])
        if rows:
            more = len(rows) > size
            rows = rows[:size][::-1]
            return _page(rows, time_field, older=True, newer=more)
        before = None  # nothing newer than the cursor: the newest page
    if before:
        at, pk = cursor_parse(before)
        older = Q(**{f"{time_field}__lt": at}) | Q(**{time_field: at, "pk__lt": pk})
        queryset = queryset.filter(older)
    rows = list(queryset.order_by(f"-{time_field}", "-pk")[: size + 1])
    return _page(rows[:size], time_field, older=len(rows) > size, newer=bool(before))


def _page(rows, time_field, *, older, newer):
    if not rows:
        return KeysetPage()
    first, last = rows[0], rows[-1]
    return KeysetPage(
        rows=rows,
        older=cursor_for(getattr(last, time_field), last.pk) if older else None,
        newer=cursor_for(getattr(first, time_field), first.pk) if newer else None,
    )
