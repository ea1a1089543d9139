"""Writing the weekly scorecard rows."""

import datetime

from django.db import transaction
from django.utils import timezone

from ..metrics import FIGURE_FIELDS, compute_week, week_start
from ..models import ScorecardWeek


def scorecard_store_week(*, week: datetime.date, vendor_ids=None) -> int:
    """Recompute the week starting `week` (for `vendor_ids`, or everyone) and replace its stored rows.

    Idempotent: running it twice leaves the same rows. Keys that no longer have anything to count lose their row.
    Returns the number of rows stored.
    """
    monday = week_start(week)
    figures = compute_week(monday, vendor_ids=vendor_ids)
    now = timezone.now()
    with transaction.atomic():
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
    return len(figures)


def scorecard_store_weeks(*, first_week: datetime.date, last_week: datetime.date, vendor_ids=None) -> int:
    """Every week from `first_week` to `last_week` (both included)."""
    monday, last, stored = week_start(first_week), week_start(last_week), 0
    while monday <= last:
        stored += scorecard_store_week(week=monday, vendor_ids=vendor_ids)
        monday += datetime.timedelta(days=7)
    return stored
