from django.db import models

from vendor_portal.tenancy import VendorScopedQuerySet


class IdempotencyRecord(models.Model):
    """The first answer to an API write sent with an Idempotency-Key, replayed on retries."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    principal = models.CharField(max_length=80)  # "token:<id>" or "user:<id>"
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=400)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VendorScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="uniq_idempotency_key_per_principal"),
        ]
        # The hourly expiry deletes by age.
        indexes = [models.Index(fields=["created_at"], name="idempotency_expiry")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
