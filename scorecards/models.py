from django.db import models
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet

from .metrics import AMOUNT_FIELDS, COUNT_FIELDS


class ScorecardWeek(models.Model):
    """One week's figures (numerators and denominators, see scorecards.metrics) for a vendor, marketplace and DC.

    Pages, exports and the API read these rows, never the POs behind them, so a scorecard costs the same
    at any history; `scorecard_store_week` rewrites a week's rows whole (idempotent).
    """

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("DC"))
    week = models.DateField(_("week"))  # its Monday (UTC)
    computed_at = models.DateTimeField(_("computed"))

    units_shipped = models.PositiveIntegerField(default=0)
    units_shipped_on_time = models.PositiveIntegerField(default=0)
    lines_due = models.PositiveIntegerField(default=0)
    lines_on_time_in_full = models.PositiveIntegerField(default=0)
    units_ordered = models.PositiveIntegerField(default=0)
    units_confirmed = models.PositiveIntegerField(default=0)
    units_confirmed_to_ship = models.PositiveIntegerField(default=0)
    units_shipped_of_confirmed = models.PositiveIntegerField(default=0)
    pos_due_confirmation = models.PositiveIntegerField(default=0)
    pos_confirmed_on_time = models.PositiveIntegerField(default=0)
    cartons_received = models.PositiveIntegerField(default=0)
    cartons_as_asn = models.PositiveIntegerField(default=0)
    shipments_received = models.PositiveIntegerField(default=0)
    shipments_label_compliant = models.PositiveIntegerField(default=0)
    # NULL: stored before label compliance counted cartons; recomputed by the weekly run and before a rule reads it.
    label_cartons_received = models.PositiveIntegerField(null=True, default=0)
    label_cartons_compliant = models.PositiveIntegerField(null=True, default=0)
    appointments_due = models.PositiveIntegerField(default=0)
    appointments_kept = models.PositiveIntegerField(default=0)
    invoice_lines_checked = models.PositiveIntegerField(default=0)
    invoice_lines_matched = models.PositiveIntegerField(default=0)
    deductions_raised = models.PositiveIntegerField(default=0)
    deductions_disputed = models.PositiveIntegerField(default=0)
    amount_invoiced = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    amount_deducted = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    FIGURE_FIELDS = COUNT_FIELDS + AMOUNT_FIELDS

    class Meta:
        ordering = ["-week", "vendor", "marketplace", "warehouse"]
        constraints = [models.UniqueConstraint(fields=["vendor", "marketplace", "warehouse", "week"], name="uniq_scorecard_week")]
        indexes = [
            models.Index(fields=["vendor", "week"], name="scorecard_by_vendor_week"),
            models.Index(fields=["week"], name="scorecard_by_week"),
        ]
        verbose_name = _("scorecard week")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.marketplace_id} {self.warehouse_id} {self.week}"


class ScorecardWeekRun(models.Model):
    """When a week's rows were last computed, for one vendor or (vendor null) for everyone.

    A vendor with nothing to count has no `ScorecardWeek` row, so the rows alone cannot tell "nothing happened"
    from "never computed": readers of the stored weeks (the compliance rules) ask this instead, and recompute a
    week never computed, or computed before it ended (`scorecards.services.weeks.scorecard_weeks_ensure`).
    """

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    week = models.DateField(_("week"))  # its Monday (UTC)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "week"], name="uniq_scorecard_run_vendor_week"),
            models.UniqueConstraint(fields=["week"], condition=models.Q(vendor__isnull=True), name="uniq_scorecard_run_everyone_week"),
        ]
        verbose_name = _("scorecard week run")

    def __str__(self) -> str:
        return f"{self.vendor_id or '*'} {self.week} {self.computed_at}"
