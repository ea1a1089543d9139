from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = _("Reconciliation")

    def ready(self):
        from vendor_portal import events

        from . import exports, tasks  # noqa: F401  exports registers the deduction and remittance lists' exports
        from .services import payment_runs  # noqa: F401  registers the "payment_run" approval kind
        from .views import register_screens  # the payment screens' nav entries and home-page counts

        register_screens()

        # Matching follows the news of every door (screens, API, Amazon door, EDI), never a change rolled back:
        # an invoice submitted or accepted is matched after the commit; units received queue one match per
        # transaction (subscribed inside it, coalesced by queue_after_commit and sent after its commit).
        events.subscribe(events.InvoiceSubmitted, tasks.queue_invoice_match)
        events.subscribe(events.InvoiceAccepted, tasks.queue_invoice_match)
        events.subscribe(events.PurchaseOrderLinesReceived, tasks.queue_receipt_match, when=events.IN_TRANSACTION)
