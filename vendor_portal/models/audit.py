from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vendor_portal.errors import AuditImmutableError
from vendor_portal.tenancy import VendorScopedQuerySet


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    EDI = "edi", _("EDI")
    SYSTEM = "system", _("System")


class AuditEventQuerySet(VendorScopedQuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError()

    def delete(self):
        raise AuditImmutableError()

    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One change, as it happened. Append-only: the app never updates or deletes these rows
    (and on PostgreSQL a trigger refuses it too)."""

    occurred_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # Indexed only where set (see Meta): system and retailer rows, most of a busy trail, add no index entries.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    actor_token = models.ForeignKey("vendor_portal.ApiToken", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    actor_label = models.CharField(_("who"), max_length=150)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    vendor = models.ForeignKey(  # indexed by audit_by_vendor_recent, which leads with it
        "vendor_portal.Vendor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_by_object"),
            models.Index(fields=["vendor", "-occurred_at"], name="audit_by_vendor_recent"),
            models.Index(fields=["-occurred_at", "-id"], name="audit_recent"),  # the retailer's trail, every vendor
            models.Index(fields=["actor"], name="audit_by_actor", condition=models.Q(actor__isnull=False)),
            models.Index(fields=["actor_token"], name="audit_by_token", condition=models.Q(actor_token__isnull=False)),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError()

    def changes(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
