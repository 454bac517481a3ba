"""Primary keys that grow with time, for the two append-only audit tables (issue 13).

A random UUID (version 4) lands anywhere in its primary key's index. The record access log takes
one row per child shown on every page and API read, and grows without end: each of a list read's
50 rows went into another leaf page of its primary key. At national size (1.9 million rows) that
was 40–53 KB of WAL per list read, pages read in from outside PostgreSQL's buffers and, after each
checkpoint, written whole to the WAL (290 KB, 3–90 ms an insert). An id that begins with the time
puts the rows of a moment side by side at the index's right-hand end: 23–27 KB per read, 2 pages
touched.

`time_ordered_id` answers a UUID of RFC 9562's version 7 layout: 48 bits of Unix milliseconds,
then 74 random bits (besides the version and variant bits): as hard to guess or collide as need be.

Only `AuditEvent` and `RecordAccess` take it. The other tables keep random ids: their first hex
digits are shown as short references (the SSDA903 child code, an intelligence reference, file
names), which must differ between rows made in the same minute; and one notification per POST
measured no faster with time-ordered keys (4 KB of WAL either way).
"""

import os
import time
import uuid

_MILLISECONDS = (1 << 48) - 1
_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_RANDOM = ((1 << 80) - 1) & ~((0xF << 76) | (0b11 << 62))


def time_ordered_id():
    """A new UUID whose first 48 bits are the current time in milliseconds (version 7)."""
    millis = (time.time_ns() // 1_000_000) & _MILLISECONDS
    random_bits = int.from_bytes(os.urandom(10), "big") & _RANDOM
    return uuid.UUID(int=(millis << 80) | _VERSION_AND_VARIANT | random_bits)


def time_ordered_ids(count):
    """`count` new time-ordered ids, for a bulk insert."""
    return [time_ordered_id() for _ in range(count)]
