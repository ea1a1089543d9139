"""Every write on invoices and credit notes, a module per use case. The screens, the portal API and the
Amazon-compatible door all call these, so an invoice is checked the same way whichever door it came through.

A draft is stored as the vendor states it; the hard checks run at submission and refuse the whole
invoice (nothing changes) with one error per problem, named like `lines[2].purchase_order_number`.
The pre-flight match shows the claims the retailer's 3-way match would raise, before submission.

- document: InvoiceDocument (an invoice with its rows), totals, taxes, due dates, default parties
- payload: a payload read into an unsaved InvoiceDocument
- drafts: drafts created, edited, deleted
- flips: drafts flipped from a purchase order or an ASN
- credit_notes: credit notes against a sent invoice
- checks: the hard checks and the pre-flight match
- submission: submission and its approval (registers the invoice_submission approval kind)
- decisions: accounts payable's decisions
- matching: the states the 3-way match decides, set in bulk (audited, published, notified)
- pdf: the invoice's PDF/A
- facturx: the invoice issued as Factur-X (PDF/A-3 with its EN 16931 CII embedded), validated once by the worker
- einvoices: e-invoices received (Factur-X PDF, CII XML; UBL by its reader), validated and submitted as a worker job
- _common: helpers the modules share
"""
