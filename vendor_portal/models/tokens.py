import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet

from .vendors import Vendor


class TokenScope(models.TextChoices):
    ORDERS_READ = "orders:read", _("Read purchase orders")
    ORDERS_WRITE = "orders:write", _("Acknowledge purchase orders")
    SHIPMENTS_READ = "shipments:read", _("Read shipments and labels")
    SHIPMENTS_WRITE = "shipments:write", _("Submit shipments and ASNs")
    INVOICES_READ = "invoices:read", _("Read invoices")
    INVOICES_WRITE = "invoices:write", _("Submit invoices and change tax registrations")
    PAYMENTS_READ = "payments:read", _("Read payments and deductions")
    PAYMENTS_WRITE = "payments:write", _("Dispute deductions")
    EDI = "edi", _("Exchange EDI documents")
    WEBHOOKS = "webhooks", _("Manage webhooks")
    PLANNING_READ = "planning:read", _("Read forecasts, promotions and availability")
    PLANNING_WRITE = "planning:write", _("Confirm or decline promotions, report availability")
    CATALOGUE_WRITE = "catalogue:write", _("Propose new items and cost changes")


ALL_SCOPES = [scope.value for scope in TokenScope]
TOKEN_PREFIX = "vpt_"


def hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is enough: no dictionary to attack.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(VendorScopedQuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """An integrator's credential. Only its hash is stored; the token is shown once."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return (raw token, its display prefix, its hash)."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return raw, raw[: len(TOKEN_PREFIX) + 8], hash_token(raw)

    @property
    def is_active(self) -> bool:
        if self.revoked_at:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
