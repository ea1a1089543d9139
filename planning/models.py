"""Demand forecasts the retailer shares with a vendor, and promotions the vendor commits supply to.

Forecasts are versioned, never edited: a publication adds rows, and the rows it replaces (same product,
marketplace and week) are marked superseded by it. The current numbers are the rows nobody superseded;
every earlier version stays readable with who published it and when.

Weeks start on Monday in the marketplace's own time zone; `week_start` is that local date.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendor_portal.models.places import marketplace_today
from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet

FORECAST_HORIZON_WEEKS = 26
UNITS = {"max_digits": 12, "decimal_places": 2}
MONEY = {"max_digits": 12, "decimal_places": 2}


def per_marketplace_date_q(field: str, lookup: str, now=None, *, week: bool = False) -> Q:
    """`field <lookup> today` where today is each marketplace's own date (or its week's Monday):
    one clause per marketplace, so a screen's "not started yet" is exact in every time zone."""
    from vendor_portal.models import Marketplace

    condition = Q(pk__in=[])
    for marketplace in Marketplace.objects.all():
        day = current_week_start(marketplace, now) if week else marketplace_today(marketplace, now)
        condition |= Q(marketplace_id=marketplace.pk, **{f"{field}__{lookup}": day})
    return condition


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of the week `day` falls in."""
    return day - datetime.timedelta(days=day.weekday())


def current_week_start(marketplace, now=None) -> datetime.date:
    return week_of(marketplace_today(marketplace, now))


def horizon(marketplace, now=None) -> tuple[datetime.date, datetime.date]:
    """The first and last week a forecast may be published for: this week and the 25 after it."""
    first = current_week_start(marketplace, now)
    return first, first + datetime.timedelta(weeks=FORECAST_HORIZON_WEEKS - 1)


def local_midnight(day: datetime.date, marketplace) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=marketplace.zone)


class ForecastSource(models.TextChoices):
    UPLOAD = "upload", _("File upload")
    API = "api", _("API")
    SYSTEM = "system", _("System")


class ForecastPublication(models.Model):
    """One publication of forecasts for one vendor: a file a buyer uploaded or one bulk API call."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="forecast_publications")
    version = models.PositiveIntegerField(_("version"))  # 1, 2, ... per vendor
    source = models.CharField(_("source"), max_length=10, choices=ForecastSource.choices)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    published_by_label = models.CharField(_("published by"), max_length=150)
    row_count = models.PositiveIntegerField(_("rows"))
    new_count = models.PositiveIntegerField(_("new weeks"))
    replaced_count = models.PositiveIntegerField(_("replaced weeks"))
    week_from = models.DateField(_("first week"))
    week_to = models.DateField(_("last week"))

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["vendor", "version"], name="uniq_forecast_publication_version")]
        verbose_name = _("forecast publication")
        verbose_name_plural = _("forecast publications")

    def __str__(self) -> str:
        return f"{self.vendor_id} forecast v{self.version}"


class ForecastQuerySet(VendorScopedQuerySet):
    def current(self):
        return self.filter(superseded_by__isnull=True)


class Forecast(models.Model):
    """One week's demand forecast for one product in one marketplace, as one publication gave it."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("vendor_portal.Product", on_delete=models.PROTECT, related_name="forecasts")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("week starting"))  # a Monday, in the marketplace's time zone
    mean = models.DecimalField(_("mean units"), **UNITS)
    p70 = models.DecimalField("P70", **UNITS)
    p80 = models.DecimalField("P80", **UNITS)
    p90 = models.DecimalField("P90", **UNITS)
    publication = models.ForeignKey(ForecastPublication, on_delete=models.PROTECT, related_name="forecasts")
    published_at = models.DateTimeField(_("published"))  # the publication's, kept here for ordering and filters
    superseded_by = models.ForeignKey(ForecastPublication, on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_forecasts")

    objects = ForecastQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    class Meta:
        ordering = ["product_id", "marketplace_id", "week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "marketplace", "week_start"], condition=Q(superseded_by__isnull=True), name="uniq_current_forecast_week"
            ),
            models.UniqueConstraint(fields=["publication", "product", "marketplace", "week_start"], name="uniq_forecast_week_per_publication"),
            models.CheckConstraint(condition=Q(mean__gte=0, p70__gte=0), name="forecast_units_not_negative"),
            models.CheckConstraint(condition=Q(p70__lte=F("p80"), p80__lte=F("p90")), name="forecast_percentiles_ordered"),
        ]
        indexes = [
            # The vendor's list and the API: current weeks of one vendor, by marketplace and week.
            models.Index(fields=["vendor", "marketplace", "week_start"], condition=Q(superseded_by__isnull=True), name="forecast_current_by_vendor"),
            models.Index(fields=["product", "marketplace", "week_start"], name="forecast_history_by_product"),
        ]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")

    def __str__(self) -> str:
        return f"{self.product_id}/{self.marketplace_id} {self.week_start}"

    @property
    def week_starts_at(self) -> datetime.datetime:
        return local_midnight(self.week_start, self.marketplace)


class PromotionType(models.TextChoices):
    BEST_DEAL = "best_deal", _("Best deal")
    LIGHTNING_DEAL = "lightning_deal", _("Lightning deal")
    DEAL_OF_THE_DAY = "deal_of_the_day", _("Deal of the day")
    PRICE_DISCOUNT = "price_discount", _("Price discount")


class PromotionState(models.TextChoices):
    DRAFT = "draft", _("Draft")  # the buyer is preparing it; the vendor does not see it yet
    SHARED = "shared", _("Shared")  # shared with the vendor; waits for its confirmation or decline
    CONFIRMED = "confirmed", _("Confirmed")  # the vendor committed supply; revisable until the deal starts
    DECLINED = "declined", _("Declined")  # the vendor said no, with a reason; the buyer may reopen it as a draft
    ENDED = "ended", _("Ended")  # the deal's dates have passed
    CANCELLED = "cancelled", _("Cancelled")  # by the buyer; nothing more happens


# The vendor meets a promotion once it is shared.
VENDOR_HIDDEN_STATES = (PromotionState.DRAFT,)
OPEN_STATES = (PromotionState.DRAFT, PromotionState.SHARED, PromotionState.CONFIRMED, PromotionState.DECLINED)


class PromotionQuerySet(VendorScopedQuerySet):
    def visible_to(self, scope):
        queryset = super().visible_to(scope)
        if scope is not None and not scope.is_retailer:
            queryset = queryset.exclude(state__in=VENDOR_HIDDEN_STATES)
        return queryset

    def awaiting_vendor(self, now=None):
        """Shared, not answered, and the deal has not started yet in its marketplace."""
        return self.filter(state=PromotionState.SHARED).filter(per_marketplace_date_q("start_date", "gt", now))


class Promotion(StateMachine, models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="promotions")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    promotion_type = models.CharField(_("type"), max_length=20, choices=PromotionType.choices)
    # The deal runs from the start of start_date to the end of end_date, in the marketplace's time zone.
    start_date = models.DateField(_("deal starts"))
    end_date = models.DateField(_("deal ends"))
    currency = models.CharField(_("currency"), max_length=3)
    buyer_note = models.TextField(_("note for the vendor"), blank=True)

    state = models.CharField(_("state"), max_length=20, choices=PromotionState.choices, default=PromotionState.DRAFT)
    state_changed_at = models.DateTimeField(_("state changed"))
    shared_at = models.DateTimeField(_("shared"), null=True, blank=True)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by_label = models.CharField(_("answered by"), max_length=150, blank=True)
    confirmation_revision = models.PositiveIntegerField(_("confirmation revision"), default=0)
    decline_reason = models.TextField(_("decline reason"), blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PromotionQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    TRANSITIONS = {
        PromotionState.DRAFT: {PromotionState.SHARED, PromotionState.CANCELLED},
        PromotionState.SHARED: {PromotionState.CONFIRMED, PromotionState.DECLINED, PromotionState.ENDED, PromotionState.CANCELLED},
        # Confirmed again: the vendor revises its commitment before the deal starts (or withdraws: declined).
        PromotionState.CONFIRMED: {PromotionState.CONFIRMED, PromotionState.DECLINED, PromotionState.ENDED, PromotionState.CANCELLED},
        PromotionState.DECLINED: {PromotionState.DRAFT, PromotionState.CANCELLED},
        PromotionState.ENDED: set(),
        PromotionState.CANCELLED: set(),
    }

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PromotionState.values), name="promotion_state_valid"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="promotion_dates_ordered"),
        ]
        indexes = [
            models.Index(fields=["vendor", "state", "start_date"], name="promotion_by_vendor_state"),
            models.Index(fields=["state", "end_date"], name="promotion_by_state_end"),
            models.Index(fields=["vendor", "-start_date", "-id"], name="promotion_list_by_vendor"),
        ]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")

    def __str__(self) -> str:
        return self.name

    @property
    def starts_at(self) -> datetime.datetime:
        return local_midnight(self.start_date, self.marketplace)

    @property
    def ends_at(self) -> datetime.datetime:
        return local_midnight(self.end_date + datetime.timedelta(days=1), self.marketplace)

    def has_started(self, now=None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def is_answerable(self, now=None) -> bool:
        """The vendor may still confirm (or revise) or decline: shared or confirmed, before the deal starts."""
        return self.state in (PromotionState.SHARED, PromotionState.CONFIRMED) and not self.has_started(now)

    @property
    def is_editable(self) -> bool:
        return self.state == PromotionState.DRAFT


class PromotionLine(models.Model):
    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey("vendor_portal.Product", on_delete=models.PROTECT, related_name="+")
    promotional_price = models.DecimalField(_("promotional price"), **MONEY)  # in the promotion's currency
    expected_units = models.PositiveIntegerField(_("expected units"))
    vendor_funding_per_unit = models.DecimalField(_("vendor funding per unit"), **MONEY)
    committed_units = models.PositiveIntegerField(_("committed units"), null=True, blank=True)  # None until the vendor answers
    commitment_note = models.CharField(_("note"), max_length=500, blank=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "promotion__vendor"
    tenancy_marketplace_field = "promotion__marketplace"

    class Meta:
        ordering = ["promotion_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["promotion", "sequence"], name="uniq_promotion_line_sequence"),
            models.UniqueConstraint(fields=["promotion", "product"], name="uniq_promotion_line_product"),
            models.CheckConstraint(
                condition=Q(promotional_price__gt=0, vendor_funding_per_unit__gte=0, expected_units__gt=0), name="promotion_line_amounts_valid"
            ),
            models.CheckConstraint(
                condition=Q(committed_units__isnull=True) | Q(committed_units__lte=F("expected_units")),
                name="promotion_line_commit_within_expected",
            ),
        ]
        verbose_name = _("promotion line")
        verbose_name_plural = _("promotion lines")

    def __str__(self) -> str:
        return f"{self.promotion_id}/{self.sequence}"

    @property
    def expected_funding(self):
        return self.vendor_funding_per_unit * self.expected_units

    @property
    def committed_funding(self):
        return self.vendor_funding_per_unit * (self.committed_units or 0)


# Availability ---------------------------------------------------------------------------------------
class AvailabilitySource(models.TextChoices):
    SCREEN = "screen", _("Screen")
    UPLOAD = "upload", _("File upload")
    API = "api", _("API")
    EDI = "edi", _("EDI 846")


class AvailabilityReport(models.Model):
    """One report of stock from a vendor: a file, an API call, an EDI 846 or a form. Its rows become the
    current availability of the items and warehouses it names; the others keep their last report."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="availability_reports")
    source = models.CharField(_("source"), max_length=10, choices=AvailabilitySource.choices)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("reported"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reported_by_label = models.CharField(_("reported by"), max_length=150)
    row_count = models.PositiveIntegerField(_("rows"))

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["vendor", "-reported_at"], name="availability_report_by_vendor")]
        verbose_name = _("availability report")
        verbose_name_plural = _("availability reports")

    def __str__(self) -> str:
        return f"{self.vendor_id} availability {self.reported_at:%Y-%m-%d %H:%M}"


class Availability(models.Model):
    """What a vendor last said it holds of a product at one of its ship-from warehouses, in eaches: on hand,
    and of that what it can ship (not promised to anyone else)."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("vendor_portal.Product", on_delete=models.CASCADE, related_name="availability")
    ship_from = models.ForeignKey("vendor_portal.ShipFromAddress", on_delete=models.PROTECT, related_name="availability")
    on_hand = models.PositiveIntegerField(_("on hand"))
    available = models.PositiveIntegerField(_("available to ship"))
    report = models.ForeignKey(AvailabilityReport, on_delete=models.PROTECT, related_name="rows")
    reported_at = models.DateTimeField(_("reported"))  # the report's, kept here for lists and staleness

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "ship_from_id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "ship_from"], name="uniq_availability_per_warehouse"),
            models.CheckConstraint(condition=Q(available__lte=F("on_hand")), name="availability_within_on_hand"),
        ]
        indexes = [models.Index(fields=["vendor", "product"], name="availability_by_vendor")]
        verbose_name = _("availability")
        verbose_name_plural = _("availability")

    def __str__(self) -> str:
        return f"{self.product_id}@{self.ship_from_id}: {self.available}/{self.on_hand}"
