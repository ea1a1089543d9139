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


class ProductCost(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="costs")
    marketplace = models.ForeignKey("vendor_portal.Marketplace", on_delete=models.PROTECT)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_vendor_field = "product__vendor"
    tenancy_marketplace_field = "marketplace"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "marketplace"], name="uniq_cost_per_marketplace")]

    def __str__(self) -> str:
        return f"{self.cost} {self.currency}"
