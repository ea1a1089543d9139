"""Every write on purchase orders, a module per use case. HTML views, the portal API, the
Amazon-compatible door and EDI all call these, so they behave identically.

- orders: the buyer creates, changes, cancels a PO
- confirmations: the vendor confirms (acknowledges) a PO
- bulk_confirmations: the vendor confirms many POs at once (the bulk file), each through confirmations
- deadlines: confirmation reminders and cancellations (Celery beat)
- line_quantities: shipped, received and invoiced quantities, moved by shipments and invoicing
- _common: helpers the modules share
"""
