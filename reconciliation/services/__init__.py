"""Every write of reconciliation, a module per use case: matching on request, deductions, disputes,
payment runs, remittances. The names are stable, used by the screens and the API.

- deductions: the match re-run on request, deductions raised by hand
- disputes: the vendor disputes a deduction, AP answers
- dispute_packets: the vendor's evidence attachments, the dispute packet (PDF/A, a Job) and the dispute filed with it
- payment_runs: payment runs created, approved, paid, cancelled (registers the "payment_run" approval kind)
- remittance_advice: the remittance advice PDF/A
- _common: what the modules share

Side effects: every write is audited; vendors are notified (deduction raised, dispute answered, payment
sent) and AP is notified of new disputes. Next to their audit rows the services (and the engine) publish
DeductionRaised, DisputeAnswered and RemittancePaid (vendor_portal/events.py): the webhooks app turns them
into `deduction.raised`, `dispute.answered` and `payment.sent`, and the edi app sends an 820 with each
payment to vendors with an active trading partner. Reconciliation imports neither.
"""
