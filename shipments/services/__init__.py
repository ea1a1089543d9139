"""Every write on ship plans, ASNs, cartons, pallets, labels and receipts, a module per use case.

HTML views, the portal API, the Amazon-compatible door and EDI call these, so they behave identically.
PO line quantities change only through purchase_orders.services.line_quantities.

- plans: ship plans (drafts) created, changed (the editor's one save), cancelled; cartons, pallets, carton moves,
  tracking numbers, cartons' and pallets' weights and dimensions; warnings (ship window, backorders)
- asn: the original ASN submitted (storing the estimated weights and dimensions), a Replace ASN
- confirmations: ASNs the vendor's own system built, with its cartons, pallets and SSCCs
- receiving: receipts at the DC, over and short
- labels: the label job and labels rendered on request; labels outdated by a change
- packing_list: the vendor's packing list uploaded, the portal's rendered (on request, or by its job)
- sscc: SSCC allocation from the vendor's counter
- _common: helpers the modules share
"""
