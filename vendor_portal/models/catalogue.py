import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vendor_portal.gs1 import gtin_is_valid
from vendor_portal.tenancy import VendorScopedQuerySet


def validate_gtin(value: str) -> None:
    if not gtin_is_valid(value):
        raise ValidationError(_("%(value)s is not a valid GTIN (UPC/EAN): the check digit does not match."), params={"value": value})


class Product(models.Model):
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="products")
    asin = models.CharField("ASIN", max_length=10)
    vendor_sku = models.CharField(_("vendor SKU"), max_length=40)
    gtin = models.CharField("GTIN", max_length=14, validators=[validate_gtin])
    title = models.CharField(_("title"), max_length=300)
    case_pack = models.PositiveIntegerField(_("case pack"), default=1, validators=[MinValueValidator(1)])
    minimum_order_quantity = models.PositiveIntegerField(_("minimum order quantity"), default=1)
    carton_length_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    carton_width_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    carton_height_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    carton_weight_kg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["vendor_sku"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "vendor_sku"], name="uniq_product_sku_per_vendor"),
            models.UniqueConstraint(fields=["vendor", "asin"], name="uniq_product_asin_per_vendor"),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.vendor_sku} · {self.title}"


# Costs recorded before costs were dated apply from the beginning.
EARLIEST_COST_DATE = datetime.date(2000, 1, 1)


class ProductCostQuerySet(VendorScopedQuerySet):
    def in_effect(self, on: datetime.date):
        """One row per product and marketplace: the cost whose effective date is the latest on or before `on`."""
        return (
            self.filter(effective_from__lte=on).order_by("product_id", "marketplace_id", "-effective_from").distinct("product_id", "marketplace_id")
        )


class ProductCost(models.Model):
    """A product's cost in a marketplace from `effective_from` (in the marketplace's calendar) until the next
    row's date. A PO line takes the cost in effect on the PO's order date; an accepted cost change adds a row."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="costs")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, null=True, blank=True)
    effective_from = models.DateField(_("effective from"), default=EARLIEST_COST_DATE)

    objects = ProductCostQuerySet.as_manager()
    tenancy_vendor_field = "product__vendor"
    tenancy_marketplace_field = "marketplace"

    class Meta:
        ordering = ["product_id", "marketplace_id", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["product", "marketplace", "effective_from"], name="uniq_cost_per_marketplace_and_date")]

    def __str__(self) -> str:
        return f"{self.cost} {self.currency}"


def cost_on(product, marketplace, day: datetime.date) -> ProductCost | None:
    """The product's cost row in effect in the marketplace on `day`, or None when it has none yet."""
    return ProductCost.objects.filter(product=product, marketplace=marketplace, effective_from__lte=day).order_by("-effective_from").first()
