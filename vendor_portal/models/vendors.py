import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vendor_portal.gs1 import gln_is_valid
from vendor_portal.tenancy import VendorScopedQuerySet

from .places import Address, Marketplace

gs1_prefix_validator = RegexValidator(r"^\d{7,10}$", _("A GS1 company prefix is 7 to 10 digits."))
vendor_code_validator = RegexValidator(r"^[A-Z0-9]{2,12}$", _("Use 2 to 12 capital letters or digits."))
# The code is what shipment confirmations name as shipFromParty.partyId (and EDI 856 N1*SF): kept plain so
# every door and every integrator's system can carry it as given.
ship_from_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,19}$", _("Use 1 to 20 capital letters, digits, '-' or '_', starting with a letter or digit.")
)


def validate_gln(value: str) -> None:
    if value and not gln_is_valid(value):
        raise ValidationError(_("A GLN is 13 digits whose last is the GS1 check digit."), code="invalid_gln")


class Vendor(models.Model):
    code = models.CharField(_("vendor code"), max_length=12, unique=True, validators=[vendor_code_validator])
    name = models.CharField(_("name"), max_length=200)
    gs1_company_prefix = models.CharField(_("GS1 company prefix"), max_length=10, validators=[gs1_prefix_validator])
    invoice_approval_threshold = models.DecimalField(
        _("invoice approval threshold"),
        max_digits=14,
        decimal_places=2,
        default=10000,
        help_text=_("Invoices above this total need a second person's approval before submission."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class VendorAccount(models.Model):
    """The vendor's code in one marketplace (Amazon's selling party id, assigned by the retailer) and its tax
    registration there, which the vendor's admins keep (vendor_portal.services.tax_registrations)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="accounts")
    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT)
    vendor_code = models.CharField(_("vendor code in marketplace"), max_length=20)
    # The vendor's VAT / GST/HST / EIN number there: printed on its invoices beside the retailer's, and the
    # seller's VAT identifier of its e-invoices. Stored normalised (vendor_portal.tax_ids).
    tax_registration_number = models.CharField(_("tax registration number"), max_length=40, blank=True)
    tax_registration_changed_at = models.DateTimeField(_("tax registration changed at"), null=True, blank=True)
    # Who changed it, as the audit trail names them: a username or "token:<name>".
    tax_registration_changed_by = models.CharField(_("tax registration changed by"), max_length=200, blank=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "marketplace"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vendor", "marketplace"], name="uniq_vendor_account_per_marketplace"),
            models.UniqueConstraint(fields=["marketplace", "vendor_code"], name="uniq_vendor_code_per_marketplace"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_code} · {self.marketplace.code}"  # as the audit trail names it: "ACMEDE · DE"

    def clean(self):
        """The Django admin's door: the same format rules as the vendor's screen and the API."""
        from vendor_portal.tax_ids import tax_id_normalize

        if self.marketplace_id is None:
            return
        try:
            self.tax_registration_number = tax_id_normalize(self.tax_registration_number, self.marketplace.country_code)
        except ValidationError as error:
            raise ValidationError({"tax_registration_number": error}) from None


class ShipFromAddressQuerySet(VendorScopedQuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class ShipFromAddress(Address):
    """A warehouse the vendor ships from. Retired ones stay on the shipments that left from them but cannot be
    chosen for new ones; their code stays taken, so a code never names two places."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="ship_from_addresses")
    code = models.CharField(
        _("code"),
        max_length=20,
        validators=[ship_from_code_validator],
        help_text=_("What shipment confirmations name as the ship-from party (shipFromParty.partyId). It cannot change later."),
    )
    gln = models.CharField(
        _("GLN"), max_length=13, blank=True, validators=[validate_gln], help_text=_("The place's GS1 Global Location Number, 13 digits.")
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = ShipFromAddressQuerySet.as_manager()

    EDITABLE_FIELDS = ["name", "line1", "line2", "city", "state_or_region", "postal_code", "country_code", "gln"]

    class Meta:
        ordering = ["code"]
        verbose_name = _("ship-from address")
        verbose_name_plural = _("ship-from addresses")
        constraints = [models.UniqueConstraint(fields=["vendor", "code"], name="uniq_ship_from_code_per_vendor")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class BankDetails(models.Model):
    """Where the retailer pays the vendor. Changed only through a maker/checker approval."""

    vendor = models.OneToOneField(Vendor, on_delete=models.CASCADE, related_name="bank_details")
    account_holder = models.CharField(_("account holder"), max_length=200)
    bank_name = models.CharField(_("bank name"), max_length=200)
    account_number = models.CharField(_("account number or IBAN"), max_length=64)
    routing_code = models.CharField(_("routing code or SWIFT/BIC"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3)
    remit_to_address = models.TextField(_("remit-to address"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When an approved change last took effect: payments wait PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS after it.
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()

    FIELDS = ["account_holder", "bank_name", "account_number", "routing_code", "currency", "remit_to_address"]

    class Meta:
        verbose_name = _("bank details")
        verbose_name_plural = _("bank details")

    def __str__(self) -> str:
        return f"{self.bank_name} ···{self.account_number[-4:]}"

    def masked_account_number(self) -> str:
        return mask_account_number(self.account_number)

    @property
    def payments_held_until(self):
        """The end of the hold on payments to these details after a change (None: no change on record)."""
        if self.changed_at is None:
            return None
        from django.conf import settings

        return self.changed_at + datetime.timedelta(days=settings.PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS)

    def payments_held_at(self, moment) -> bool:
        held_until = self.payments_held_until
        return held_until is not None and moment < held_until


def mask_account_number(number: str) -> str:
    """An account number or IBAN as every screen, API answer and audit row shows it: its last four characters."""
    return "···" + str(number or "")[-4:]
