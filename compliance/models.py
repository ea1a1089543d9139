"""The compliance programme: the retailer's rate card, what each week was judged by, and what it charged.

- `RateCard`: one version of a marketplace's programme. A draft is edited freely; publishing fixes it and
  its `effective_from` (a Monday after the current week): from then on it is never edited. Editing a
  published card means a new draft version, so weeks already judged keep the card they were judged by.
- `RateCardRule`: a violation kind, the measure judged over `trailing_weeks`, the threshold that breaks it,
  the fee (flat per violation, per unit, or percent of the cost of goods) and its caps.
- `Waiver`: no fee for the rule while a measure over its own trailing window passes its threshold (Amazon
  waives the on-time fee while the trailing 4-week on-time rate is above 90%).
- `RuleOutcome`: one per vendor, rule and week: the computed measure, broken or not, waived or not, the fee.
- `ComplianceCharge`: one per vendor, rule, week and object charged (a PO line, a compliance event): the key
  that keeps a re-run of a week from charging twice, pointing at the chargeback `Deduction` it raised.
- `ForecastAlert`: a vendor was told that a rule is close to breaking, once per rule and week.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reconciliation.models import DeductionReason
from vendor_portal.tenancy import VendorScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 4}


class ViolationKind(models.TextChoices):
    LATE_SHIPMENT = "late_shipment", _("Late shipment (on-time)")  # units shipped after the promised ship date
    OTIF = "otif", _("Not on time in full (OTIF)")  # PO lines whose units did not all arrive inside the delivery window
    NOT_FILLED = "not_filled", _("Units not filled")  # units ordered but not confirmed, for POs due to ship that week
    ASN_LATE = "asn_late", _("Late ASN")  # ASN submitted after the ship date
    ASN_MISMATCH = "asn_mismatch", _("ASN and receipt mismatch")  # the DC received more or less than the ASN said
    APPOINTMENT = "appointment", _("Late or missed appointment")  # no-show or late truck at a confirmed slot
    LABEL = "label", _("Missing or unreadable label")  # cartons the DC received without a label, or whose label would not scan


# The chargeback reason each violation raises: its own, so the vendor's deductions say what the fee was for.
VIOLATION_REASON = {
    ViolationKind.LATE_SHIPMENT: DeductionReason.LATE_SHIPMENT,
    ViolationKind.OTIF: DeductionReason.OTIF,
    ViolationKind.NOT_FILLED: DeductionReason.NOT_FILLED,
    ViolationKind.ASN_LATE: DeductionReason.ASN_LATE,
    ViolationKind.ASN_MISMATCH: DeductionReason.ASN_ACCURACY,
    ViolationKind.APPOINTMENT: DeductionReason.APPOINTMENT,
    ViolationKind.LABEL: DeductionReason.LABEL_NON_COMPLIANCE,
}

# shipments.ComplianceEventKind values each event-based violation counts.
VIOLATION_EVENTS = {
    ViolationKind.ASN_LATE: ("asn_late",),
    ViolationKind.ASN_MISMATCH: ("over_shipped", "short_shipped"),
    ViolationKind.APPOINTMENT: ("appointment_missed", "appointment_late"),
    ViolationKind.LABEL: ("label_missing", "label_unreadable"),  # charged per carton, not per event
}


class Measure(models.TextChoices):
    # The rates are the scorecard's (scorecards/metrics.py names them alike), in percent.
    ON_TIME_RATE = "on_time_shipment", _("On-time shipment rate (%)")  # units shipped by the promised date / units shipped
    OTIF = "otif", _("On time in full (%)")  # PO lines delivered complete inside the delivery window / lines due
    FILL_RATE = "fill_rate_confirmed", _("Fill rate, confirmed (%)")  # units confirmed / units ordered
    FILL_RATE_SHIPPED = "fill_rate_shipped", _("Fill rate, shipped (%)")  # units shipped / units confirmed
    CONFIRMATION_ON_TIME = "confirmation_on_time", _("Confirmation on time (%)")
    ASN_ACCURACY = "asn_accuracy", _("ASN accuracy (%)")  # cartons received as the ASN said / cartons received
    LABEL_COMPLIANCE = "label_compliance", _("Label compliance (%)")  # cartons received without a label fault / cartons received
    APPOINTMENT_ADHERENCE = "appointment_adherence", _("Appointment adherence (%)")
    VIOLATIONS = "violations", _("Violations (count)")  # the rule's violations in the window


# A rate breaks below its threshold; a count breaks above it.
HIGHER_IS_BETTER = {measure: measure != Measure.VIOLATIONS for measure in Measure}


class FeeType(models.TextChoices):
    FLAT = "flat", _("Flat per violation")
    PER_UNIT = "per_unit", _("Per unit")
    PERCENT_OF_COGS = "percent_of_cogs", _("Percent of cost of goods")


class Comparison(models.TextChoices):
    ABOVE = "above", _("above")
    AT_LEAST = "at_least", _("at least")
    BELOW = "below", _("below")
    AT_MOST = "at_most", _("at most")

    def holds(self, value, threshold) -> bool:
        return {
            "above": value > threshold,
            "at_least": value >= threshold,
            "below": value < threshold,
            "at_most": value <= threshold,
        }[self.value]


class RateCardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written; judges nothing
    PUBLISHED = "published", _("Published")  # judges the weeks from its effective date; never edited again


class RateCardQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=RateCardStatus.PUBLISHED)

    def in_force(self, marketplace, week_start):
        """The published version that judges the week starting `week_start`."""
        return self.published().filter(marketplace=marketplace, effective_from__lte=week_start).order_by("-effective_from", "-version").first()


class RateCard(models.Model):
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=RateCardStatus.choices, default=RateCardStatus.DRAFT)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)  # a Monday; set when published
    currency = models.CharField(_("currency"), max_length=3)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = RateCardQuerySet.as_manager()

    class Meta:
        ordering = ["marketplace_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["marketplace", "version"], name="uniq_rate_card_version"),
            models.UniqueConstraint(fields=["marketplace"], condition=Q(status="draft"), name="one_draft_rate_card_per_marketplace"),
            models.CheckConstraint(condition=Q(status__in=RateCardStatus.values), name="rate_card_status_valid"),
            models.CheckConstraint(condition=Q(status="draft") | Q(effective_from__isnull=False), name="rate_card_published_has_date"),
        ]
        verbose_name = _("rate card")

    def __str__(self) -> str:
        return f"{self.marketplace_id} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.status == RateCardStatus.DRAFT


class RateCardRule(models.Model):
    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="rules")
    violation = models.CharField(_("violation"), max_length=20, choices=ViolationKind.choices)
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    threshold = models.DecimalField(_("threshold"), **RATE, help_text=_("A rate breaks below it; a count breaks above it."))
    trailing_weeks = models.PositiveSmallIntegerField(_("trailing weeks"), default=1)
    fee_type = models.CharField(_("fee type"), max_length=20, choices=FeeType.choices)
    fee_amount = models.DecimalField(_("fee"), **RATE, help_text=_("An amount, or a percentage for a percent of cost of goods."))
    per_violation_cap = models.DecimalField(_("cap per violation"), **MONEY, null=True, blank=True)
    weekly_cap = models.DecimalField(_("cap per week"), **MONEY, null=True, blank=True)

    class Meta:
        ordering = ["rate_card_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rate_card", "violation"], name="uniq_rule_per_violation"),
            models.CheckConstraint(condition=Q(violation__in=ViolationKind.values), name="rule_violation_valid"),
            models.CheckConstraint(condition=Q(measure__in=Measure.values), name="rule_measure_valid"),
            models.CheckConstraint(condition=Q(fee_type__in=FeeType.values), name="rule_fee_type_valid"),
            models.CheckConstraint(condition=Q(fee_amount__gt=0, threshold__gte=0, trailing_weeks__gte=1), name="rule_numbers_valid"),
        ]
        verbose_name = _("rate card rule")

    def __str__(self) -> str:
        return f"{self.rate_card} {self.violation}"

    @property
    def reason(self) -> str:
        return VIOLATION_REASON[ViolationKind(self.violation)]


class Waiver(models.Model):
    rule = models.ForeignKey(RateCardRule, on_delete=models.CASCADE, related_name="waivers")
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    comparison = models.CharField(_("comparison"), max_length=10, choices=Comparison.choices, default=Comparison.ABOVE)
    threshold = models.DecimalField(_("threshold"), **RATE)
    trailing_weeks = models.PositiveSmallIntegerField(_("trailing weeks"), default=4)

    class Meta:
        ordering = ["rule_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(trailing_weeks__gte=1, threshold__gte=0), name="waiver_numbers_valid")]
        verbose_name = _("waiver")

    def __str__(self) -> str:
        return f"{self.measure} {self.comparison} {self.threshold} ({self.trailing_weeks}w)"


class OutcomeStatus(models.TextChoices):
    PASSED = "passed", _("Passed")  # the measure kept to the threshold
    WAIVED = "waived", _("Waived")  # broken, but a waiver held: no fee
    CHARGED = "charged", _("Charged")  # broken: chargebacks raised


class RuleOutcome(models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(RateCardRule, on_delete=models.PROTECT, related_name="outcomes")
    week_start = models.DateField(_("week"))
    status = models.CharField(_("outcome"), max_length=10, choices=OutcomeStatus.choices)
    measure_value = models.DecimalField(_("measure"), **RATE, null=True, blank=True)
    fee_total = models.DecimalField(_("fee"), **MONEY, default=0)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated"), auto_now=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    class Meta:
        ordering = ["-week_start", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "rule", "week_start"], name="uniq_rule_outcome_per_week"),
            models.CheckConstraint(condition=Q(status__in=OutcomeStatus.values), name="rule_outcome_status_valid"),
        ]
        indexes = [models.Index(fields=["vendor", "-week_start"], name="rule_outcome_by_vendor")]
        verbose_name = _("rule outcome")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.rule_id} {self.week_start}: {self.status}"


class ComplianceCharge(models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(RateCardRule, on_delete=models.PROTECT, related_name="charges")
    week_start = models.DateField(_("week"))
    object_key = models.CharField(_("charged for"), max_length=60)  # "po_line:123", "event:45"
    deduction = models.OneToOneField("reconciliation.Deduction", on_delete=models.PROTECT, related_name="compliance_charge")

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "rule", "week_start", "object_key"], name="uniq_compliance_charge")]
        verbose_name = _("compliance charge")

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.rule_id} {self.week_start} {self.object_key}"


class ForecastAlert(models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(RateCardRule, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week"))
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vendor", "rule", "week_start"], name="uniq_forecast_alert")]

    def __str__(self) -> str:
        return f"{self.vendor_id} {self.rule_id} {self.week_start}"
