import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet


class WebhookEvent(models.TextChoices):
    PURCHASE_ORDER_CREATED = "purchase_order.created", _("Purchase order issued")
    PURCHASE_ORDER_CHANGED = "purchase_order.changed", _("Purchase order changed or cancelled")
    ACKNOWLEDGEMENT_PROCESSED = "acknowledgement.processed", _("Acknowledgement processed")
    ASN_ACCEPTED = "asn.accepted", _("ASN accepted")
    RECEIPT_POSTED = "receipt.posted", _("Receipt posted at a DC")
    INVOICE_STATE_CHANGED = "invoice.state_changed", _("Invoice state changed")
    DEDUCTION_RAISED = "deduction.raised", _("Deduction raised")
    DISPUTE_ANSWERED = "dispute.answered", _("Dispute answered")
    PAYMENT_SENT = "payment.sent", _("Payment sent")
    FORECAST_PUBLISHED = "forecast.published", _("Demand forecast published")
    PROMOTION_SHARED = "promotion.shared", _("Promotion shared for confirmation")
    PROMOTION_CONFIRMED = "promotion.confirmed", _("Promotion confirmed (or revised)")
    PROMOTION_DECLINED = "promotion.declined", _("Promotion declined")
    PROMOTION_CANCELLED = "promotion.cancelled", _("Promotion cancelled")
    APPOINTMENT_CONFIRMED = "appointment.confirmed", _("DC appointment confirmed")
    APPOINTMENT_MOVED = "appointment.moved", _("DC appointment moved")
    APPOINTMENT_REFUSED = "appointment.refused", _("DC appointment refused")
    APPOINTMENT_MISSED = "appointment.missed", _("DC appointment missed")


# Sent on request to one subscription to test the receiver; nobody subscribes to it.
PING_EVENT = "ping"


class WebhookSubscription(models.Model):
    """A receiver URL of one vendor and the events it wants. The secret signs every delivery."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.CharField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Kept in clear because every delivery is signed with it; shown only on creation and rotation.
    secret = models.CharField(max_length=100)
    secret_set_at = models.DateTimeField(_("secret set"))
    # After a rotation the old secret may keep signing, as a second signature, until `previous_secret_until`:
    # receivers switch to the new one without refusing deliveries meanwhile.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(_("old secret signs until"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["vendor", "is_active"], name="webhook_subs_by_vendor_active")]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.description or self.url

    def signing_secrets(self, now) -> list[str]:
        """The secrets a delivery sent at `now` is signed with: the current one, and the old one while it lasts."""
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def previous_secret_expires_at(self):
        """When the old secret stops signing, while it still does (None otherwise)."""
        return self.previous_secret_until if len(self.signing_secrets(timezone.now())) > 1 else None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for its next attempt at next_attempt_at (or being attempted)
    SUCCEEDED = "succeeded", _("Succeeded")  # the receiver answered 2xx
    FAILED = "failed", _("Failed")  # every attempt failed, or the subscription was deactivated


class WebhookDelivery(models.Model):
    """One event for one subscription, with every attempt to deliver it. A record of activity, not audited."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=50)
    # The event's id, shared by its deliveries to every subscription and by resends: receivers dedupe on it.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempt_log = models.JSONField(_("attempts log"), default=list)  # [{at, status_code, error, duration_ms}]
    resend_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
