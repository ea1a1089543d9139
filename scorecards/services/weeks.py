"""Writing the weekly scorecard rows, and reading a vendor's stored weeks for those who judge by them.

- `scorecard_store_week(*, week, vendor_ids=None)` / `scorecard_store_weeks(...)`: recompute and replace.
- `scorecard_weeks_ensure(*, vendor_id, weeks)`: recompute the ended weeks never computed for the vendor, or
  computed before they ended (an hourly refresh of the week then open), so what is read next equals a recomputation.
- `scorecard_weeks_unknown()`: the weeks stored before a measure counted what it counts now (their figures for it
  are NULL, unknown): the weekly run recomputes them.
- `scorecard_vendor_totals(*, vendor_id, marketplace_id, first_week, last_week)`: the stored weeks' numerators
  and denominators summed (never an average of rates), after `scorecard_weeks_ensure`: two queries whatever the
  window when the weeks are fresh, so a 52-week rule costs what a 4-week one does.
"""

import datetime
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ..metrics import FIGURE_FIELDS, UNKNOWN_UNTIL_RECOMPUTED, WEEK, Totals, compute_week, figure_sums, sum_figures, week_bounds, week_start
from ..models import ScorecardWeek, ScorecardWeekRun


def scorecard_store_week(*, week: datetime.date, vendor_ids=None) -> int:
    """Recompute the week starting `week` (for `vendor_ids`, or everyone) and replace its stored rows.

    Idempotent: running it twice leaves the same rows. Keys that no longer have anything to count lose their row.
    Returns the number of rows stored.
    """
    monday = week_start(week)
    now = timezone.now()  # before the reading: what lands during it is newer than the run says
    figures = compute_week(monday, vendor_ids=vendor_ids)
    with transaction.atomic():
        # Two stores of one week (the hourly job, a refresh someone asked for, a rule reading a stale week) take
        # turns: each replaces the rows whole, and neither trips over the other's inserts.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"scorecard-week:{monday.isoformat()}"])
        stale = ScorecardWeek.objects.filter(week=monday)
        if vendor_ids is not None:
            stale = stale.filter(vendor_id__in=list(vendor_ids))
        stale.delete()
        ScorecardWeek.objects.bulk_create(
            [
                ScorecardWeek(
                    vendor_id=f.vendor_id,
                    marketplace_id=f.marketplace_id,
                    warehouse_id=f.warehouse_id,
                    week=monday,
                    computed_at=now,
                    **{name: getattr(f, name) for name in FIGURE_FIELDS},
                )
                for f in figures
            ]
        )
        _record_run(monday, vendor_ids, now)
    return len(figures)


def _record_run(monday: datetime.date, vendor_ids, now) -> None:
    if vendor_ids is None:
        if not ScorecardWeekRun.objects.filter(vendor__isnull=True, week=monday).update(computed_at=now):
            ScorecardWeekRun.objects.create(vendor=None, week=monday, computed_at=now)
        return
    ScorecardWeekRun.objects.bulk_create(
        [ScorecardWeekRun(vendor_id=vendor_id, week=monday, computed_at=now) for vendor_id in set(vendor_ids)],
        update_conflicts=True,
        unique_fields=["vendor", "week"],
        update_fields=["computed_at"],
    )


def scorecard_store_weeks(*, first_week: datetime.date, last_week: datetime.date, vendor_ids=None) -> int:
    """Every week from `first_week` to `last_week` (both included)."""
    monday, last, stored = week_start(first_week), week_start(last_week), 0
    while monday <= last:
        stored += scorecard_store_week(week=monday, vendor_ids=vendor_ids)
        monday += WEEK
    return stored


def scorecard_weeks_unknown() -> list[datetime.date]:
    """The weeks with a stored row that does not know a figure yet (stored before label compliance counted cartons)."""
    unknown = Q()
    for name in UNKNOWN_UNTIL_RECOMPUTED:
        unknown |= Q(**{f"{name}__isnull": True})
    return list(ScorecardWeek.objects.filter(unknown).values_list("week", flat=True).order_by("week").distinct())


def scorecard_weeks_ensure(*, vendor_id: int, weeks: list[datetime.date], now: datetime.datetime | None = None) -> list[datetime.date]:
    """Recompute and store, for the vendor, each of `weeks` (Mondays) that has ended and was never computed for it
    (nor for everyone) or was computed before it ended. One query when all are fresh. Returns the weeks stored."""
    now = now or timezone.now()
    ended = [week for week in weeks if week_bounds(week)[1] <= now]
    if not ended:
        return []
    last_run = dict(
        ScorecardWeekRun.objects.filter(Q(vendor_id=vendor_id) | Q(vendor__isnull=True), week__in=ended)
        .values("week")
        .order_by()
        .annotate(at=Max("computed_at"))
        .values_list("week", "at")
    )
    stale = [week for week in ended if week not in last_run or last_run[week] < week_bounds(week)[1]]
    for week in stale:
        scorecard_store_week(week=week, vendor_ids=[vendor_id])
    return stale


_open_weeks: ContextVar[dict | None] = ContextVar("scorecard_open_weeks", default=None)


@contextmanager
def scorecard_open_weeks_cached():
    """Inside it, a week not ended yet is computed once per vendor (the fines forecast reads the current week for
    every rule and waiver of a page)."""
    token = _open_weeks.set({})
    try:
        yield
    finally:
        _open_weeks.reset(token)


def _open_week(week: datetime.date, vendor_id: int):
    cache = _open_weeks.get()
    if cache is None:
        return compute_week(week, vendor_ids=[vendor_id])
    if (week, vendor_id) not in cache:
        cache[week, vendor_id] = compute_week(week, vendor_ids=[vendor_id])
    return cache[week, vendor_id]


def scorecard_vendor_totals(*, vendor_id: int, marketplace_id: int, first_week: datetime.date, last_week: datetime.date) -> Totals:
    """The vendor's figures in the marketplace over the weeks `first_week`..`last_week` (Mondays, both included)
    and every DC: the stored weeks summed, the missing or stale ones recomputed first. A week not ended yet (the
    current one, a future one) is counted as it stands, computed and not stored: a read (the fines forecast on a
    page) writes nothing for it, and the hourly job keeps the stored current week."""
    first, last = week_start(first_week), week_start(last_week)
    weeks = [first + WEEK * n for n in range((last - first).days // 7 + 1)]
    now = timezone.now()
    scorecard_weeks_ensure(vendor_id=vendor_id, weeks=weeks, now=now)
    ended = [week for week in weeks if week_bounds(week)[1] <= now]
    stored = {}
    if ended:
        stored = ScorecardWeek.objects.filter(vendor_id=vendor_id, marketplace_id=marketplace_id, week__gte=ended[0], week__lte=ended[-1]).aggregate(
            **figure_sums()
        )
    open_weeks = [row.figures() for week in weeks if week not in ended for row in _open_week(week, vendor_id) if row.marketplace_id == marketplace_id]
    return sum_figures([stored, *open_weeks] if stored else open_weeks)
