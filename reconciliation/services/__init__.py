"""Every write of reconciliation, a module per use case: matching on request, deductions, disputes,
payment runs, remittances. The names are stable, used by the screens and the API.

- deductions: the match re-run on request, deductions raised by hand
- disputes: the vendor disputes a deduction, AP answers
- payment_runs: payment runs created, approved, paid, cancelled (registers the "payment_run" approval kind)
- remittance_advice: the remittance advice PDF/A
- _common: what the modules share

Side effects: every write is audited; vendors are notified (deduction raised, dispute answered, payment
sent) and AP is notified of new disputes. Webhooks `deduction.raised`, `dispute.answered` and `payment.sent`
follow the audit rows ("deduction.raise", "dispute.answer", "remittance.pay", mapped in webhooks/events.py);
the engine hands its bulk-written audit rows to the same mapping. Vendors with an active EDI trading
partner get an 820 with each payment.
"""
