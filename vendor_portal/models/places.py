import datetime
import zoneinfo

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Address(models.Model):
    """Postal address fields, shared by DCs, ship-from places and remit-to parties."""

    name = models.CharField(_("name"), max_length=200)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    state_or_region = models.CharField(_("state or region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country_code = models.CharField(_("country code"), max_length=2)

    class Meta:
        abstract = True

    def address_lines(self) -> list[str]:
        lines = [self.line1, self.line2, f"{self.city} {self.state_or_region} {self.postal_code}".strip(), self.country_code]
        return [line for line in lines if line]


class Marketplace(models.Model):
    code = models.CharField(_("code"), max_length=2, unique=True)  # US, CA, UK, DE, FR
    name = models.CharField(_("name"), max_length=100)
    amazon_marketplace_id = models.CharField(max_length=20, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    time_zone = models.CharField(_("time zone"), max_length=64)
    language = models.CharField(_("language"), max_length=10)
    country_code = models.CharField(max_length=2)
    # The retailer's entity that vendors bill in this marketplace: named on every invoice as the bill-to party.
    bill_to_address = models.JSONField(
        _("bill-to address"), default=dict, blank=True, help_text=_("Amazon's Address shape: name, addressLine1, city, ...")
    )
    bill_to_tax_id = models.CharField(_("bill-to tax registration"), max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("marketplace")
        verbose_name_plural = _("marketplaces")

    def __str__(self) -> str:
        return self.code

    @property
    def zone(self) -> zoneinfo.ZoneInfo | datetime.timezone:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.UTC


def marketplace_today(marketplace: Marketplace, now: datetime.datetime | None = None) -> datetime.date:
    """The calendar date in the marketplace's time zone, now or at `now`: order days, due dates, dispute
    windows and planning weeks are all counted there, never in the server's zone."""
    return timezone.localtime(now or timezone.now(), marketplace.zone).date()


class Warehouse(Address):
    """A distribution centre (DC) of the retailer, where vendors ship to."""

    code = models.CharField(_("DC code"), max_length=8, unique=True)  # e.g. ABE2
    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT, related_name="warehouses")
    receiving_hours = models.CharField(_("receiving hours"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("distribution centre")
        verbose_name_plural = _("distribution centres")

    def __str__(self) -> str:
        return self.code
