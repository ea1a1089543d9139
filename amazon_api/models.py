import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet


class TransactionStatus(models.TextChoices):
    # Values are Amazon's, case-exact: getTransaction returns them as they are stored.
    PROCESSING = "Processing", _("Processing")  # stored; a worker has not finished applying it (or crashed)
    SUCCESS = "Success", _("Success")  # every item applied
    FAILURE = "Failure", _("Failure")  # at least one item refused; `errors` names each one and its rule


class TransactionKind:
    """What a transaction's payload is. Open-ended: each kind has a handler in the registry (services.py)."""

    ORDER_ACKNOWLEDGEMENT = "order_acknowledgement"
    SHIPMENT_CONFIRMATION = "shipment_confirmation"
    SHIPMENT = "shipment"
    INVOICE = "invoice"


class Transaction(models.Model):
    """An asynchronous write through the Amazon-compatible door: the request as received, and its outcome.

    The POST stores it and answers with its id; a Celery worker applies it item by item through the
    portal's services; getTransaction reports Processing, Success or Failure with every item's error.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # the opaque transactionId
    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey("vendor_portal.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    request_id = models.CharField(max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(_("request payload"))
    status = models.CharField(_("status"), max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.PROCESSING)
    errors = models.JSONField(_("errors"), default=list, blank=True)  # Amazon's Error shape: {"code", "message", "details"}
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)  # also the last attempt: the stale sweep reads it
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TransactionStatus.values), name="amazon_transaction_status_valid"),
        ]
        indexes = [
            models.Index(fields=["vendor", "-created_at"], name="amazon_txn_by_vendor"),
            models.Index(fields=["updated_at"], condition=Q(status="Processing"), name="amazon_txn_stale_processing"),
        ]
        verbose_name = _("API transaction")
        verbose_name_plural = _("API transactions")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def transaction_id(self) -> str:
        return str(self.pk)

    @property
    def is_finished(self) -> bool:
        return self.status != TransactionStatus.PROCESSING
