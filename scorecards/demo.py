"""Demo scorecard: the weeks of the demo vendors' POs, shipments, receipts and deductions, computed like the weekly task
does (the other apps' demo.py have run before: scorecards comes last in INSTALLED_APPS). Idempotent: weeks are replaced."""

import datetime

from django.utils import timezone

from .metrics import week_start
from .services.weeks import scorecard_store_weeks

DEMO_WEEKS = 13


def seed(world) -> str:
    vendor_ids = [vendor.pk for vendor in world["vendors"].values()]
    this_week = week_start(timezone.now())
    # the demo story runs from a few weeks back to a few weeks ahead: count what is due in either
    rows = scorecard_store_weeks(
        first_week=this_week - datetime.timedelta(weeks=DEMO_WEEKS - 1), last_week=this_week + datetime.timedelta(weeks=4), vendor_ids=vendor_ids
    )
    return f"{rows} scorecard weeks (vendor, marketplace, DC) computed"
