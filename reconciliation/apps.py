from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Audit actions (written by invoicing and purchase_orders services) that start a match.
INVOICE_MATCH_ACTIONS = {"invoice.submit", "invoice.accepted"}
RECEIPT_MATCH_ACTIONS = {"purchase_order_line.receive"}


def _queue_match(sender, instance, created, raw=False, **kwargs):
    """Matching follows the audit trail: every door (screens, API, EDI) that submits or accepts an invoice,
    or books a receipt, writes these audit rows in its transaction; the match runs after the commit. A
    receipt writes one row per PO line it books but queues one match for all of them."""
    if raw or not created:
        return
    from django.db import transaction

    if instance.action in INVOICE_MATCH_ACTIONS and instance.object_type == "invoicing.invoice":
        from .tasks import match_invoices_task

        invoice_id = int(instance.object_id)
        transaction.on_commit(lambda: match_invoices_task.delay([invoice_id]))
    elif instance.action in RECEIPT_MATCH_ACTIONS and instance.object_type == "purchase_orders.purchaseorderline":
        from .tasks import match_receipt_task, queue_after_commit

        queue_after_commit(match_receipt_task, [int(instance.object_id)])


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = _("Reconciliation")

    def ready(self):
        from django.db.models.signals import post_save

        from vendor_portal.models import AuditEvent

        from .services import payment_runs  # noqa: F401  registers the "payment_run" approval kind
        from .views import register_screens  # the payment screens' nav entries and home-page counts

        register_screens()

        post_save.connect(_queue_match, sender=AuditEvent, dispatch_uid="reconciliation-match-trigger")
