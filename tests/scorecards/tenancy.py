"""Scorecard rows and a PO behind a figure of vendor A, for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from django.utils import timezone

from scorecards.metrics import week_start
from scorecards.models import ScorecardWeek
from tests.factories import WarehouseFactory
from vendor_portal.models import Job

from .factories import week_po


def build(world, vendor):
    warehouse = WarehouseFactory(code="ABE2")
    last_week = week_start(timezone.now()) - timezone.timedelta(days=7)
    # a PO due last week: the rows behind the scorecard's default figure and period (OTIF, last week) list it
    week_ago = timezone.now() - timezone.timedelta(days=7)
    week_po(vendor, warehouse, number="ACMESECRETSC1", delivery_window_start=week_ago, delivery_window_end=week_ago)
    world["scorecard_week"] = ScorecardWeek.objects.create(
        vendor=vendor, marketplace=warehouse.marketplace, warehouse=warehouse, week=last_week, computed_at=timezone.now(), pos_due_confirmation=1
    )
    world["scorecard_refresh_job"] = Job.objects.create(vendor=vendor, kind="scorecard_refresh", progress_total=2, message="ACME-SECRET refresh")


URL_KWARGS: dict = {
    "scorecard-detail": lambda world: {"pk": world["scorecard_week"].pk},
    "scorecard_refresh_job": lambda world: {"pk": world["scorecard_refresh_job"].pk},
}
