"""Every EDI write, a module per use case. Inbound X12 goes through the same services as the screens and
the API (with an Actor on channel "edi"), so it meets the same checks and leaves the same audit rows;
outbound X12 is generated from portal objects with control numbers from per-partner counters.

    inbound.edi_receive(vendor=..., content=..., actor=..., source=...)   parse, dispatch each set, answer with 997s
    outbound.edi_purchase_order_850(purchase_order=...)                    the 850 for a new PO
    outbound.edi_remittance_820(vendor=..., remittance=...)                the 820 for a payment
    inbox.edi_inbox_poll()                                                 the watched folder (Celery beat)

- partners: the retailer's X12 identity, trading partners
- interchanges: interchanges stored, outbound ones with their control numbers
- inbound: receiving an interchange and dispatching its sets; inbound_855, inbound_856, inbound_810,
  inbound_997: one module per transaction set received
- outbound: the 850 and the 820
- inbox: the watched folder
- _common: what the inbound set handlers share
"""
