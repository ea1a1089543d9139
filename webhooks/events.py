"""Which audited changes become webhook events.

Every service already writes an audit row in the same transaction as its change, so the audit trail
is the one place that sees every change from every door (web, API, EDI, system). Mapping its actions
here keeps the services free of webhook calls, and deliveries still leave only after the commit.
"""
from django.db.models.signals import post_save

from vendor_portal.models import AuditEvent, Vendor

from .models import WebhookEvent

ACTION_EVENTS = {
    "purchase_order.create": WebhookEvent.PURCHASE_ORDER_CREATED,
    "purchase_order.change": WebhookEvent.PURCHASE_ORDER_CHANGED,
    "purchase_order.cancel": WebhookEvent.PURCHASE_ORDER_CHANGED,
    "purchase_order.cancel_unconfirmed": WebhookEvent.PURCHASE_ORDER_CHANGED,
    "purchase_order.acknowledge": WebhookEvent.ACKNOWLEDGEMENT_PROCESSED,
    "shipment.submit": WebhookEvent.ASN_ACCEPTED,
    "shipment.replace": WebhookEvent.ASN_ACCEPTED,
    "receipt.create": WebhookEvent.RECEIPT_POSTED,
    "deduction.raise": WebhookEvent.DEDUCTION_RAISED,
    "dispute.answer": WebhookEvent.DISPUTE_ANSWERED,
    "remittance.pay": WebhookEvent.PAYMENT_SENT,
    "forecast.publish": WebhookEvent.FORECAST_PUBLISHED,
    "promotion.share": WebhookEvent.PROMOTION_SHARED,
    "promotion.confirm": WebhookEvent.PROMOTION_CONFIRMED,
    "promotion.decline": WebhookEvent.PROMOTION_DECLINED,
    "promotion.cancel": WebhookEvent.PROMOTION_CANCELLED,
}


def event_for(audit: AuditEvent) -> str | None:
    if audit.action in ACTION_EVENTS:
        return ACTION_EVENTS[audit.action]
    if audit.object_type == "invoicing.invoice":
        before, after = audit.before or {}, audit.after or {}
        if "state" in after and before.get("state") != after.get("state"):
            return WebhookEvent.INVOICE_STATE_CHANGED
    return None


def event_data(audit: AuditEvent) -> dict:
    after = audit.after or {}
    return {
        "object_type": audit.object_type,
        "object_id": audit.object_id,
        "reference": audit.object_repr,
        "action": audit.action,
        "state": after.get("state"),
        "previous_state": (audit.before or {}).get("state"),
        "changes": after,
        "channel": audit.channel,
    }


def _on_audit(sender, instance: AuditEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or instance.vendor_id is None:
        return
    event = event_for(instance)
    if event is None:
        return
    from .models import WebhookSubscription
    from .services import webhook_emit

    # One cheap query for the common case: nobody of this vendor subscribes to anything.
    if not WebhookSubscription.objects.filter(vendor_id=instance.vendor_id, is_active=True).exists():
        return
    webhook_emit(vendor=Vendor.objects.get(pk=instance.vendor_id), event=event, data=event_data(instance))


def connect() -> None:
    post_save.connect(_on_audit, sender=AuditEvent, dispatch_uid="webhooks-from-audit")
