from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.states import StateMachine
from vendor_portal.tenancy import VendorScopedQuerySet


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # waiting for a second person
    APPROVED = "approved", _("Approved")  # checked by a second person and applied
    REJECTED = "rejected", _("Rejected")  # turned down by the checker; nothing applied
    CANCELLED = "cancelled", _("Cancelled")  # withdrawn by the requester


class ApprovalRequest(StateMachine, models.Model):
    """Maker/checker: one person asks, another decides. Kinds register what approval applies."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=50)
    summary = models.CharField(_("summary"), max_length=200)
    payload = models.JSONField(_("requested change"), default=dict)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    objects = VendorScopedQuerySet.as_manager()

    state_field = "status"
    TRANSITIONS = {
        ApprovalStatus.PENDING: {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.CANCELLED},
        ApprovalStatus.APPROVED: set(),
        ApprovalStatus.REJECTED: set(),
        ApprovalStatus.CANCELLED: set(),
    }

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ApprovalStatus.values), name="approval_status_valid"),
            # The database itself refuses a request decided by the person who made it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="approval_not_self_decided",
            ),
        ]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")

    def __str__(self) -> str:
        return self.summary

    @property
    def shown_payload(self) -> dict:
        """The requested change as people and the API see it: secrets (a full account number) masked."""
        from vendor_portal.services.approvals import approval_payload_shown

        return approval_payload_shown(self)
