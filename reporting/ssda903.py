"""R6: the missing table of the national children-looked-after return (SSDA903), for one collection
year (1 April to 31 March), as the DfE specification and the open-source validator
csc-validator-be-903 read it. Columns CHILD, DOB, MISSING, MIS_START, MIS_END.

- CHILD is the child's stable short id: the first 10 hex digits of the record's UUID, upper case
  (the return's CHILD is at most 10 characters; it is the same in every year's file).
- Only children whose legal status is "looked after" now; merged-away records never appear.
- MISSING is M for a missing episode and A for one away from placement without authorisation;
  "absent" episodes are not part of the return and are left out.
- Dates are DD/MM/YYYY in Europe/London. A period that began before 1 April and ended in the year
  appears with its real start (the return asks for periods open during the year); one still open,
  or that ended after 31 March, has MIS_END blank: the child was still missing when the year ended
  (rules 570/571 then hold without inventing a date).
- Periods of one child that overlap (rule 574) are one period in the return: they are joined, from
  the first start to the last end, M where any of them was a missing episode.
- A period that starts on or before the child's date of birth (rule 586) is a recording error, not
  a missing period: it is left out and counted, so the screen can say how many.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q

from casework.calendar import END_OF_DAY, LONDON, local_date
from casework.spreadsheets import csv_safe
from missing.models import Category, LegalStatus, MissingEpisode

COLUMNS = ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
CODES = {Category.MISSING: "M", Category.AWAY_WITHOUT_AUTHORISATION: "A"}
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Period:
    child: str
    child_id: object
    dob: date
    code: str
    start: date
    end: date | None


@dataclass(frozen=True)
class MissingTable:
    year: int
    periods: list
    excluded_before_birth: int

    @property
    def child_ids(self):
        return list(dict.fromkeys(period.child_id for period in self.periods))


def collection_year(year):
    """(1 April year, 31 March year + 1)."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def child_code(child_id):
    return child_id.hex[:10].upper()


def _joined(periods):
    """One child's periods, sorted by start, with overlapping ones joined (rule 574: a period may
    begin on the day the previous ended, never before it ended nor while it is still open)."""
    joined = []
    for period in sorted(periods, key=lambda p: (p.start, p.end or date.max)):
        last = joined[-1] if joined else None
        overlaps = last is not None and (
            last.end is None or period.start < last.end or (period.end is None and period.start == last.end)
        )
        if not overlaps:
            joined.append(period)
            continue
        end = None if last.end is None or period.end is None else max(last.end, period.end)
        code = "M" if "M" in (last.code, period.code) else "A"
        joined[-1] = Period(last.child, last.child_id, last.dob, code, last.start, end)
    return joined


def missing_table_periods(episodes, year):
    """The return's periods from (child id, date of birth, category, started_at, returned_at)
    tuples: a pure function of the facts, for the export and the tests. Answers (periods, excluded)."""
    first, last = collection_year(year)
    by_child, excluded = {}, 0
    for child_id, dob, category, started_at, returned_at in episodes:
        code = CODES.get(category)
        if code is None:
            continue
        start = local_date(started_at)
        end = local_date(returned_at) if returned_at is not None else None
        if start > last or (end is not None and end < first):
            continue
        if end is not None and end > last:
            end = None
        if start <= dob:
            excluded += 1
            continue
        by_child.setdefault(child_id, []).append(Period(child_code(child_id), child_id, dob, code, start, end))
    periods = [period for child_periods in by_child.values() for period in _joined(child_periods)]
    periods.sort(key=lambda p: (p.child, p.start))
    return periods, excluded


def missing_table(*, authority_id, year):
    first, last = collection_year(year)
    year_start = datetime.combine(first, time(0), tzinfo=LONDON)
    year_end = datetime.combine(last, END_OF_DAY, tzinfo=LONDON)
    episodes = (
        MissingEpisode.objects.filter(
            authority_id=authority_id,
            child__legal_status=LegalStatus.LOOKED_AFTER,
            child__merged_into__isnull=True,
            category__in=list(CODES),
            started_at__lte=year_end,
        )
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=year_start))
        .values_list("child_id", "child__date_of_birth", "category", "started_at", "returned_at")
    )
    periods, excluded = missing_table_periods(episodes, year)
    return MissingTable(year=year, periods=periods, excluded_before_birth=excluded)


def missing_table_csv(table):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for p in table.periods:
        cells = (p.child, f"{p.dob:%d/%m/%Y}", p.code, f"{p.start:%d/%m/%Y}", f"{p.end:%d/%m/%Y}" if p.end else "")
        writer.writerow(csv_safe(cell) for cell in cells)
    return buffer.getvalue()


def parse_year(raw, today):
    """The `year` parameter: the calendar year in which the collection year starts, e.g. 2026 for
    1 April 2026 to 31 March 2027. Answers (year, error)."""
    raw = (raw or "").strip()
    if not raw.isdigit() or len(raw) != 4:
        return None, "Give the year the collection year starts in, e.g. 2026 for 1 April 2026 to 31 March 2027."
    year = int(raw)
    latest = today.year if today >= date(today.year, 4, 1) else today.year - 1
    if year < FIRST_YEAR or year > latest:
        return None, f"The collection year must start between {FIRST_YEAR} and {latest}."
    return year, None
