"""Confirmation deadlines (Celery beat): reminders before they pass, unconfirmed POs cancelled after."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.notifications import notify_vendor_roles

from ..models import PurchaseOrder, PurchaseOrderState
from ._common import CONFIRMERS, _set_state


def purchase_orders_send_confirmation_reminders(*, now: datetime.datetime | None = None, hours_before: int = 12) -> int:
    """Remind vendors of POs whose confirmation is due within `hours_before` hours. Each PO once."""
    now = now or timezone.now()
    due = PurchaseOrder.objects.filter(
        state=PurchaseOrderState.NEW,
        confirmation_reminder_sent_at__isnull=True,
        confirmation_due_at__gt=now,  # a reminder after the deadline helps nobody
        confirmation_due_at__lte=now + datetime.timedelta(hours=hours_before),
    ).select_related("vendor", "marketplace")
    sent = 0
    for po in due:
        with transaction.atomic():
            # Compare-and-set: a second beat run or worker never sends the same reminder twice.
            claimed = PurchaseOrder.objects.filter(pk=po.pk, confirmation_reminder_sent_at__isnull=True).update(confirmation_reminder_sent_at=now)
            if not claimed:
                continue
            po.confirmation_reminder_sent_at = now
            audit_record(actor=Actor.system(), action="purchase_order.reminder", obj=po, after={"confirmation_due_at": po.confirmation_due_at})
            notify_vendor_roles(
                vendor=po.vendor,
                roles=CONFIRMERS,
                marketplace=po.marketplace,
                kind="po_confirmation_due",
                title=_("Confirmation due soon: PO %(number)s") % {"number": po.number},
                body=_("Confirm by %(due)s or the PO may be cancelled.")
                % {"due": timezone.localtime(po.confirmation_due_at).strftime("%Y-%m-%d %H:%M %Z")},
                url=f"/purchase-orders/{po.number}/",
            )
            sent += 1
    return sent


def purchase_orders_cancel_unconfirmed(*, now: datetime.datetime | None = None) -> int:
    """Cancel POs still unconfirmed after their ship window closed."""
    now = now or timezone.now()
    cancelled = 0
    for po_id in PurchaseOrder.objects.filter(state=PurchaseOrderState.NEW, ship_window_end__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            po = PurchaseOrder.objects.select_for_update().filter(pk=po_id, state=PurchaseOrderState.NEW).first()
            if po is None:
                continue
            actor = Actor.system()
            _set_state(po, PurchaseOrderState.CANCELLED, actor, action="purchase_order.cancel_unconfirmed", note="unconfirmed past the ship window")
            events.publish(
                events.PurchaseOrderCancelled(
                    vendor_id=po.vendor_id,
                    channel=actor.channel,
                    purchase_order_id=po.pk,
                    number=po.number,
                    state=po.state,
                    previous_state=PurchaseOrderState.NEW,
                    reason="unconfirmed past the ship window",
                    unconfirmed=True,
                )
            )
            notify_vendor_roles(
                vendor=po.vendor,
                roles=CONFIRMERS,
                marketplace=po.marketplace,
                kind="po_cancelled",
                title=_("PO %(number)s was cancelled: not confirmed before its ship window closed") % {"number": po.number},
                url=f"/purchase-orders/{po.number}/",
            )
            cancelled += 1
    return cancelled
