"""The 3-way match engine: PO cost <-> receipt quantity <-> invoice quantity x cost, set-based.

`match_invoices(invoice_ids=None)` matches every line of the given invoices (None: every invoice that
can still be matched). On PostgreSQL the whole match is a fixed number of statements whatever the
number of lines, and no row of it becomes a model instance:

1. lock the invoices (SELECT ... FOR UPDATE, pk order),
2. `MATCH_SQL` computes every line's variances (a window function gives each line the units earlier
   invoices of the same PO line already took), applies the most specific `MatchTolerance`, upserts the
   `MatchResult` rows whose numbers changed (INSERT ... ON CONFLICT; the numbers are columns), stages
   what there is something to do about (changed numbers, a claim not raised yet, an invoice whose state
   may move; a re-run over unchanged data stages nothing) in two temporary tables, the lines whose claims
   may change and their invoices, locks the claims those lines already have (pk order) and returns the
   count of the lines by status,
3. `APPLY_SQL`, a new statement so it reads the claims as they are once locked, then decides and writes
   from the staged lines: new claims and reversals (INSERT ... SELECT ... RETURNING, in a fixed order),
   claims grown or reversed (UPDATE ... FROM) and one audit row per change (INSERT ... SELECT from the
   RETURNING rows). It hands back the ids for the summary, the counts for the notifications, the invoice
   states to move and the deductions raised (as json). Nothing staged (a re-run over unchanged data): it
   does not run,
4. the invoice states move through invoicing (`invoices_set_state_from_match`: one statement, audited,
   InvoiceStateChanged published and the vendor notified as any state change is), the deductions raised
   are published (one `publish(*events)` of DeductionRaised per pass: the webhooks, and whoever else
   subscribes, take them from there) and one notification per vendor sums up the claims.

The statements are PostgreSQL's (LATERAL, jsonb, ON CONFLICT, data-modifying WITH), the one database the portal
runs on (the embedded one of `make run` and `make test` too).

Rules (see DOMAIN.md):
- shortage claim (PQV) = units invoiced beyond those received (less what earlier invoices took) x the
  invoiced cost; price claim (PPV) = (invoiced cost - PO cost) x invoiced units. Claims are raised only
  when over-billing is beyond tolerance; under-billing only warns (`under_billed`).
- Credit notes AP accepted net out of the line they credit: a quantity correction's units are no longer
  billed (nor counted as taken by later invoices), a price correction's amount comes off the price claim.
  A claim a credit note makes unneeded is reversed (reason `credited`), so the vendor is not charged
  twice: once by the claim, once by the credit note netted in the payment run. Matching a credit note
  matches the invoice it credits.
- Nothing received yet on the PO line (and units still billed): `pending_receipt`, no claim; the invoice
  goes on hold.
- Idempotent: one claim per (invoice line, kind) (a unique constraint); re-running raises nothing new.
- When the needed claim shrinks (late receipts, a corrected PO cost) the engine does not edit the
  claim: it adds a `reversal` deduction pointing at it (`reverses`), so the vendor sees the claim and
  its reversal on the remittance, as Vendor Central shows them. An open, never-reversed claim that must
  grow is updated in place.
- Paid invoices are matched again when something about them changes (a late receipt on their PO lines,
  a credit note), never by the nightly sweep. After payment the match only gives back: a claim that
  shrinks is reversed and the reversal paid in the next run; no claim is raised or grown, and the
  invoice stays paid.
- Invoice state: submitted invoices only get results (what AP will see before accepting). Accepted
  invoices become approved for payment (claims are netted at payment) or on hold while a line waits
  for its receipt; an invoice the engine put on hold is released when the goods arrive. Invoices the
  retailer put on hold by hand stay on hold.
  State changes use the same audit action names as `invoicing.services.invoice_decide`.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicing.models import CREDIT_COUNTED_STATES, SENT_STATES, CreditNoteReason, Invoice, InvoiceLine, InvoiceState, InvoiceType
from invoicing.services.matching import MatchStateChange, invoices_set_state_from_match
from purchase_orders.models import PaymentTerms, PurchaseOrderLine
from vendor_portal.events import DeductionRaised, publish
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor, to_jsonable

from .models import (
    CLAIM_KINDS,
    TERMS_DAYS,
    Deduction,
    DeductionKind,
    DeductionReason,
    DisputeWindow,
    MatchResult,
    MatchTolerance,
)

# Invoices the engine looks at; claims and state changes only for the ones AP accepted.
MATCHABLE_STATES = (InvoiceState.SUBMITTED, InvoiceState.ACCEPTED, InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT)
# A paid invoice is matched again when something about it changes (a late receipt, a credit note), not by the
# nightly sweep (which would grow with all paid history). After payment the match only gives back: claims
# that shrink are reversed (the reversal paid in the next run); nothing new is raised or grown.
PAID_STATES = (InvoiceState.PAID_PARTLY, InvoiceState.PAID)
REMATCHABLE_STATES = MATCHABLE_STATES + PAID_STATES
CLAIMABLE_STATES = (InvoiceState.ACCEPTED, InvoiceState.ON_HOLD, InvoiceState.APPROVED_FOR_PAYMENT) + PAID_STATES
MOVABLE_STATES = (InvoiceState.ACCEPTED, InvoiceState.ON_HOLD)  # the states the match moves an invoice out of
# Sorts and hashes of a 100,000-line sweep fit in memory instead of spilling to disk (this transaction only).
WORK_MEM = "64MB"

# The numbers a claim (or its reversal) carries as evidence, built where it is written (MatchResult has them as columns).
EVIDENCE_SQL = """jsonb_build_object(
    'po_cost', {r}.po_cost::text, 'invoiced_cost', {r}.invoiced_cost::text, 'price_variance', ({r}.invoiced_cost - {r}.po_cost)::text,
    'ordered_quantity', {r}.ordered_quantity, 'shipped_quantity', {r}.shipped_quantity, 'received_quantity', {r}.received_quantity,
    'invoiced_quantity', {r}.invoiced_quantity, 'previously_invoiced_quantity', {r}.prior_quantity, 'shortage_units', {r}.shortage_units,
    'price_claim', {r}.price_amount::text, 'shortage_claim', {r}.shortage_amount::text,
    'credited_quantity', {r}.credited_quantity, 'credited_amount', {r}.credited_amount::text,
    'over_amount', ROUND({r}.over_amount, 2)::text, 'under_amount', ROUND({r}.under_amount, 2)::text, 'po_value', ROUND({r}.po_value, 2)::text,
    'tolerance', {r}.tolerance_evidence, 'currency', {r}.currency, 'computed_at', %(now_text)s)"""

# What MATCH_SQL stages for APPLY_SQL: the lines whose claims may need raising, growing or reversing, and the
# invoices with something to do (a state that may move, results that changed). Dropped at the end of the match
# (and at the latest at commit).
STAGED_TABLE = "reconciliation_match_staged"
STAGED_INVOICES_TABLE = "reconciliation_match_staged_invoices"
STAGED_SQL = f"""
CREATE TEMPORARY TABLE {STAGED_TABLE} (
    invoice_line_id bigint, invoice_id bigint, vendor_id bigint, marketplace_id bigint, currency text, invoice_state text,
    shipment_id bigint, purchase_order_id bigint, invoiced_cost numeric, po_cost numeric, invoiced_quantity integer, shortage_units integer,
    price_claim numeric, shortage_claim numeric, shortage_reason text, price_reason text, credited_more_units boolean,
    credited_more_amount boolean, evidence jsonb
) ON COMMIT DROP;
CREATE TEMPORARY TABLE {STAGED_INVOICES_TABLE} (
    invoice_id bigint, vendor_id bigint, invoice_state text, due_date date, invoice_date date, payment_terms text,
    invoice_waiting boolean, invoice_engine_hold boolean, lines json
) ON COMMIT DROP
"""

MATCH_SQL = """
WITH billed AS (
    -- Every sent invoice line of the PO lines the target lines bill, with the units earlier invoices of the same
    -- PO line already took (invoices in order of submission, never-submitted last); the target lines are flagged.
    -- Units a quantity correction credited back are no longer billed; a price correction's amount is owed no more.
    SELECT il.id, il.invoice_id, il.purchase_order_line_id, il.quantity, il.unit_cost, i.vendor_id, i.marketplace_id, i.currency,
           i.state, i.shipment_id, i.due_date, i.invoice_date, i.payment_terms,
           COALESCE(cr.credited_quantity, 0)::int AS credited_quantity, COALESCE(cr.credited_amount, 0) AS credited_amount,
           GREATEST(0, il.quantity - COALESCE(cr.credited_quantity, 0))::int AS net_quantity,
           COALESCE(SUM(GREATEST(0, il.quantity - COALESCE(cr.credited_quantity, 0))) OVER (
               PARTITION BY il.purchase_order_line_id ORDER BY i.submitted_at NULLS LAST, i.id, il.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::int AS prior_quantity,
           i.state = ANY(%(matchable)s) AND (%(all)s OR il.invoice_id = ANY(%(ids)s)) AS is_target
    FROM {line} il JOIN {invoice} i ON i.id = il.invoice_id
    LEFT JOIN (
        SELECT cl.credited_line_id,
               SUM(CASE WHEN cn.credit_reason = %(quantity_correction)s THEN cl.quantity ELSE 0 END) AS credited_quantity,
               SUM(CASE WHEN cn.credit_reason = %(price_correction)s THEN cl.line_amount ELSE 0 END) AS credited_amount
        FROM {line} cl JOIN {invoice} cn ON cn.id = cl.invoice_id
        WHERE cl.credited_line_id IS NOT NULL AND cn.invoice_type = %(credit_note_type)s AND cn.state = ANY(%(credit_counted)s)
          AND cn.credit_reason IN (%(quantity_correction)s, %(price_correction)s)
        GROUP BY cl.credited_line_id
    ) cr ON cr.credited_line_id = il.id
    WHERE i.invoice_type = %(invoice_type)s AND i.state = ANY(%(sent)s)
      AND il.purchase_order_line_id IN (
          SELECT tl.purchase_order_line_id FROM {line} tl JOIN {invoice} ti ON ti.id = tl.invoice_id
          WHERE ti.invoice_type = %(invoice_type)s AND ti.state = ANY(%(matchable)s)
            AND (%(all)s OR (tl.invoice_id = ANY(%(ids)s) AND ti.id = ANY(%(ids)s)))  -- both: either side's index may lead
      )
),
-- Each step below ends with OFFSET 0 so PostgreSQL computes its columns once per line instead of inlining
-- them into every expression of the next step (status alone would be evaluated a dozen times per line).
numbers AS (
    SELECT b.id AS invoice_line_id, b.invoice_id, b.vendor_id, b.marketplace_id, b.currency, b.state AS invoice_state,
           b.shipment_id, b.due_date, b.invoice_date, b.payment_terms, pol.purchase_order_id,
           b.quantity AS invoiced_quantity, b.unit_cost AS invoiced_cost, pol.net_cost AS po_cost,
           pol.ordered_quantity, pol.shipped_quantity, pol.received_quantity, b.prior_quantity,
           b.credited_quantity, b.credited_amount, b.net_quantity,
           GREATEST(0, b.net_quantity - GREATEST(0, pol.received_quantity - b.prior_quantity))::int AS shortage_units,
           COALESCE(tol.over_percent, 0) AS over_percent, COALESCE(tol.over_absolute, 0) AS over_absolute,
           COALESCE(tol.under_percent, 0) AS under_percent, COALESCE(tol.under_absolute, 0) AS under_absolute,
           COALESCE(tol.evidence, '{{"id": null, "over_percent": "0", "over_absolute": "0", "under_percent": "0", "under_absolute": "0"}}'::jsonb)
               AS tolerance_evidence,
           prev.status AS previous_status,
           b.credited_quantity > COALESCE(prev.credited_quantity, 0) AS credited_more_units,
           b.credited_amount > COALESCE(prev.credited_amount, 0) AS credited_more_amount,
           ROW(prev.status::text, prev.po_cost, prev.invoiced_cost, prev.ordered_quantity, prev.received_quantity, prev.invoiced_quantity,
               prev.previously_invoiced_quantity, prev.price_claim, prev.shortage_claim, prev.currency::text, prev.credited_quantity,
               prev.credited_amount, prev.shipped_quantity) AS previous_numbers
    FROM billed b
    JOIN {po_line} pol ON pol.id = b.purchase_order_line_id
    -- A lookup by the unique index per line rather than a join: a join planned on stale statistics (the
    -- results of a first sweep not analyzed yet) can become a nested loop over the whole table per line.
    LEFT JOIN LATERAL (
        SELECT r.status, r.po_cost, r.invoiced_cost, r.ordered_quantity, r.received_quantity, r.invoiced_quantity,
               r.previously_invoiced_quantity, r.price_claim, r.shortage_claim, r.currency, r.credited_quantity, r.credited_amount,
               r.shipped_quantity
        FROM {result} r WHERE r.invoice_line_id = b.id LIMIT 1
    ) prev ON TRUE
    LEFT JOIN LATERAL (  -- evaluated once per (vendor, marketplace), its evidence with it
        SELECT mt.over_percent, mt.over_absolute, mt.under_percent, mt.under_absolute,
               jsonb_build_object('id', mt.id, 'over_percent', mt.over_percent::text, 'over_absolute', mt.over_absolute::text,
                                  'under_percent', mt.under_percent::text, 'under_absolute', mt.under_absolute::text) AS evidence
        FROM {tolerance} mt
        WHERE (mt.vendor_id = b.vendor_id OR mt.vendor_id IS NULL) AND (mt.marketplace_id = b.marketplace_id OR mt.marketplace_id IS NULL)
        ORDER BY mt.vendor_id IS NULL, mt.marketplace_id IS NULL
        LIMIT 1
    ) tol ON TRUE
    WHERE b.is_target
    OFFSET 0
),
computed AS (
    SELECT n.*,
           ROUND(GREATEST(GREATEST(n.invoiced_cost - n.po_cost, 0) * n.net_quantity - n.credited_amount, 0), 2) AS price_amount,
           ROUND(n.shortage_units * n.invoiced_cost, 2) AS shortage_amount,
           GREATEST(GREATEST(n.invoiced_cost - n.po_cost, 0) * n.net_quantity - n.credited_amount, 0)
               + n.shortage_units * n.invoiced_cost AS over_amount,
           GREATEST(n.po_cost - n.invoiced_cost, 0) * n.net_quantity AS under_amount,
           n.po_cost * n.net_quantity AS po_value
    FROM numbers n
    OFFSET 0
),
judged AS (
    SELECT c.*,
           CASE
               WHEN c.received_quantity = 0 AND c.net_quantity > 0 THEN 'pending_receipt'  -- a line credited in full waits for nothing
               WHEN c.over_amount > 0 AND (c.over_amount > c.over_absolute OR c.over_amount * 100 > c.over_percent * c.po_value) THEN 'over_tolerance'
               WHEN c.under_amount > 0 AND (c.under_amount > c.under_absolute OR c.under_amount * 100 > c.under_percent * c.po_value) THEN 'under_billed'
               ELSE 'matched'
           END AS status,
           CASE WHEN c.shipped_quantity >= c.prior_quantity + c.invoiced_quantity THEN 'SHORTAGES_IN_TRANSIT' ELSE 'OVERBILLING' END AS shortage_reason,
           CASE WHEN c.invoiced_cost - c.po_cost <= 0.01 THEN 'ROUNDING_ISSUES' ELSE 'PRODUCT_COST_NOT_REGISTERED' END AS price_reason
    FROM computed c
    OFFSET 0
),
claimed AS (
    SELECT j.*,
           CASE WHEN j.status = 'over_tolerance' THEN j.price_amount ELSE 0 END AS price_claim,
           CASE WHEN j.status = 'over_tolerance' THEN j.shortage_amount ELSE 0 END AS shortage_claim
    FROM judged j
    OFFSET 0
),
checked AS (  -- materialized: read three times below
    SELECT c.invoice_line_id, c.invoice_id, c.vendor_id, c.marketplace_id, c.currency, c.invoice_state, c.shipment_id, c.due_date,
           c.invoice_date, c.payment_terms, c.purchase_order_id, c.invoiced_quantity, c.invoiced_cost, c.po_cost, c.ordered_quantity,
           c.shipped_quantity, c.received_quantity, c.prior_quantity, c.shortage_units, c.tolerance_evidence,
           c.credited_quantity, c.credited_amount, c.credited_more_units, c.credited_more_amount, c.previous_status, c.price_amount,
           c.shortage_amount, c.over_amount, c.under_amount, c.po_value, c.status, c.shortage_reason, c.price_reason, c.price_claim,
           c.shortage_claim,
           c.previous_numbers IS DISTINCT FROM ROW(c.status::text, c.po_cost, c.invoiced_cost, c.ordered_quantity, c.received_quantity,
               c.invoiced_quantity, c.prior_quantity, c.price_claim, c.shortage_claim, c.currency::text, c.credited_quantity,
               c.credited_amount, c.shipped_quantity) AS changed
    FROM claimed c
),
upserted AS (
    INSERT INTO {result} AS mr (invoice_id, invoice_line_id, status, currency, po_cost, invoiced_cost, ordered_quantity, received_quantity,
                                invoiced_quantity, previously_invoiced_quantity, shortage_units, price_claim, shortage_claim,
                                credited_quantity, credited_amount, shipped_quantity, tolerance, computed_at)
    -- the numbers are the columns: no JSON is built per line (the tolerance's is built once per tolerance)
    SELECT m.invoice_id, m.invoice_line_id, m.status, m.currency, m.po_cost, m.invoiced_cost, m.ordered_quantity, m.received_quantity,
           m.invoiced_quantity, m.prior_quantity, m.shortage_units, m.price_claim, m.shortage_claim, m.credited_quantity, m.credited_amount,
           m.shipped_quantity, m.tolerance_evidence, %(now)s
    FROM checked m
    WHERE m.changed  -- an unchanged line is not rewritten: its evidence and computed_at stay those of when its numbers last changed
    ON CONFLICT (invoice_line_id) DO UPDATE SET
        status = EXCLUDED.status, currency = EXCLUDED.currency, po_cost = EXCLUDED.po_cost, invoiced_cost = EXCLUDED.invoiced_cost,
        ordered_quantity = EXCLUDED.ordered_quantity, received_quantity = EXCLUDED.received_quantity,
        invoiced_quantity = EXCLUDED.invoiced_quantity, previously_invoiced_quantity = EXCLUDED.previously_invoiced_quantity,
        shortage_units = EXCLUDED.shortage_units, price_claim = EXCLUDED.price_claim, shortage_claim = EXCLUDED.shortage_claim,
        credited_quantity = EXCLUDED.credited_quantity, credited_amount = EXCLUDED.credited_amount,
        shipped_quantity = EXCLUDED.shipped_quantity, tolerance = EXCLUDED.tolerance, computed_at = EXCLUDED.computed_at
),
-- Only the lines there is something to do about: changed numbers, a claim not raised yet, or an invoice whose
-- state may move. A re-run over unchanged data stages nothing. The claims are looked up by index only for the
-- lines that need one (LIMIT keeps it a lookup per line, never a hash of every claim ever raised).
act AS (
    SELECT m.* FROM (
        SELECT m.*,  -- over all the invoice's lines (a window, not a join: no plan can turn it into a loop per invoice)
               bool_or(m.status = 'pending_receipt') OVER (PARTITION BY m.invoice_id) AS invoice_waiting,
               bool_or(m.previous_status = 'pending_receipt') OVER (PARTITION BY m.invoice_id) AS invoice_engine_hold
        FROM checked m
    ) m
    WHERE m.changed
       OR m.invoice_state = 'accepted'
       OR (m.invoice_state = 'on_hold' AND m.invoice_engine_hold AND NOT m.invoice_waiting)
       OR (m.price_claim > 0 AND (
               SELECT d.id FROM {deduction} d WHERE d.invoice_line_id = m.invoice_line_id AND d.kind = 'price_claim' LIMIT 1) IS NULL)
       OR (m.shortage_claim > 0 AND (
               SELECT d.id FROM {deduction} d WHERE d.invoice_line_id = m.invoice_line_id AND d.kind = 'shortage_claim' LIMIT 1) IS NULL)
),
-- A line can have claims only once judged over tolerance: lines that are not, and were not, have none to touch.
staged AS (
    INSERT INTO {staged} (invoice_line_id, invoice_id, vendor_id, marketplace_id, currency, invoice_state, shipment_id, purchase_order_id,
                          invoiced_cost, po_cost, invoiced_quantity, shortage_units, price_claim, shortage_claim, shortage_reason, price_reason,
                          credited_more_units, credited_more_amount, evidence)
    SELECT a.invoice_line_id, a.invoice_id, a.vendor_id, a.marketplace_id, a.currency, a.invoice_state, a.shipment_id, a.purchase_order_id,
           a.invoiced_cost, a.po_cost, a.invoiced_quantity, a.shortage_units, a.price_claim, a.shortage_claim, a.shortage_reason, a.price_reason,
           a.credited_more_units, a.credited_more_amount,
           {evidence_a}  -- what a claim (or its reversal) of this line carries
    FROM act a
    WHERE a.price_claim > 0 OR a.shortage_claim > 0 OR a.previous_status = 'over_tolerance'
    RETURNING 1
),
staged_invoices AS (
    INSERT INTO {staged_invoices} (invoice_id, vendor_id, invoice_state, due_date, invoice_date, payment_terms, invoice_waiting,
                                   invoice_engine_hold, lines)
    SELECT a.invoice_id, MIN(a.vendor_id), MIN(a.invoice_state), MIN(a.due_date), MIN(a.invoice_date), MIN(a.payment_terms),
           bool_or(a.invoice_waiting), bool_or(a.invoice_engine_hold),
           -- what the invoice's "invoice.match" audit row records when its results changed (json aggregates far faster than jsonb)
           CASE WHEN bool_or(a.changed) THEN json_build_object('lines', json_object_agg(a.invoice_line_id::text, json_build_object(
               'status', a.status, 'price_claim', a.price_claim::text, 'shortage_claim', a.shortage_claim::text))) END
    FROM act a
    GROUP BY a.invoice_id
    RETURNING 1
),
-- The claims APPLY_SQL may grow or reverse, locked in pk order so a dispute answer cannot reverse one meanwhile.
locked_claims AS (
    SELECT d.id FROM {deduction} d
    WHERE d.kind IN ('price_claim', 'shortage_claim') AND d.invoice_line_id IN (
        SELECT a.invoice_line_id FROM act a
        WHERE a.invoice_state = ANY(%(claimable)s) AND (a.price_claim > 0 OR a.shortage_claim > 0 OR a.previous_status = 'over_tolerance'))
    ORDER BY d.id
    FOR UPDATE OF d
)
SELECT 'lines' AS counted, m.status, COUNT(*) FROM checked m GROUP BY m.status
UNION ALL
SELECT 'staged', NULL, (SELECT COUNT(*) FROM staged) + (SELECT COUNT(*) FROM staged_invoices)
UNION ALL
SELECT 'locked', NULL, COUNT(*) FROM locked_claims
"""

APPLY_SQL = """
WITH claimable AS NOT MATERIALIZED (  -- scanned where needed rather than copied
    SELECT s.* FROM {staged} s WHERE s.invoice_state = ANY(%(claimable)s)
),
wanted AS (
    SELECT c.invoice_line_id, k.kind, CASE WHEN k.kind = 'price_claim' THEN c.price_claim ELSE c.shortage_claim END AS amount,
           c.vendor_id, c.marketplace_id, c.currency, c.invoice_id, c.purchase_order_id, c.shipment_id, c.price_reason, c.shortage_reason,
           c.invoiced_cost, c.po_cost, c.invoiced_quantity, c.shortage_units, c.evidence, c.invoice_state = ANY(%(paid)s) AS invoice_paid
    FROM claimable c CROSS JOIN (VALUES ('price_claim'), ('shortage_claim')) AS k(kind)
    WHERE CASE WHEN k.kind = 'price_claim' THEN c.price_claim ELSE c.shortage_claim END > 0
),
existing AS (  -- read after MATCH_SQL locked them: what was already given back is up to date
    SELECT d.id, d.invoice_line_id, d.kind::text AS kind, d.amount, d.status, d.remittance_id, d.vendor_id, d.marketplace_id,
           d.variance_type, d.currency, d.invoice_id, d.purchase_order_id, d.shipment_id, c.evidence AS line_evidence,
           c.invoice_state = ANY(%(paid)s) AS line_invoice_paid,
           -- units credited back shrink both claims; a price correction only the price claim
           CASE WHEN d.kind = 'shortage_claim' THEN c.credited_more_units ELSE c.credited_more_units OR c.credited_more_amount END AS credited_more,
           d.reversed_amount AS reversed_total
    FROM claimable c
    CROSS JOIN LATERAL (  -- by index per line, whatever the statistics say (see MATCH_SQL's results lookup)
        SELECT cl.* FROM {deduction} cl WHERE cl.invoice_line_id = c.invoice_line_id AND cl.kind IN ('price_claim', 'shortage_claim')
        OFFSET 0
    ) d
),
decided AS (  -- one row per (line, kind) wanted or already claimed, and what to do about it
    SELECT w.*, COALESCE(w.invoice_line_id, e.invoice_line_id) AS line_id, COALESCE(w.kind, e.kind) AS claim_kind,
           COALESCE(w.amount, 0) AS wanted_amount, COALESCE(w.evidence, e.line_evidence, '{{}}'::jsonb) AS line_evidence,
           e.id AS claim_id, e.amount AS claim_amount, e.status AS claim_status, e.reversed_total,
           e.amount - e.reversed_total AS remaining, e.vendor_id AS claim_vendor_id, e.marketplace_id AS claim_marketplace_id,
           e.variance_type AS claim_variance_type, e.currency AS claim_currency, e.invoice_id AS claim_invoice_id,
           e.purchase_order_id AS claim_purchase_order_id, e.shipment_id AS claim_shipment_id, e.credited_more,
           CASE
               WHEN e.id IS NULL THEN CASE WHEN NOT w.invoice_paid THEN 'raise' END  -- nothing new is taken from a paid invoice
               WHEN COALESCE(w.amount, 0) = e.amount - e.reversed_total THEN NULL
               WHEN COALESCE(w.amount, 0) > e.amount - e.reversed_total THEN  -- only an open claim nothing was given back on grows
                   CASE WHEN e.reversed_total = 0 AND e.remittance_id IS NULL AND e.status = 'open' AND NOT e.line_invoice_paid THEN 'grow' END
               WHEN e.amount - e.reversed_total > 0 THEN 'reverse'
           END AS action
    FROM wanted w FULL JOIN existing e ON e.invoice_line_id = w.invoice_line_id AND e.kind = w.kind
),
raised AS (  -- new claims, then reversals, each in (line, kind) order: the order their ids are taken in
    INSERT INTO {deduction} (vendor_id, marketplace_id, kind, reason, variance_type, amount, currency, description, invoice_id,
                             invoice_line_id, purchase_order_id, shipment_id, reverses_id, status, dispute_deadline, evidence,
                             created_at, updated_at)
    SELECT n.vendor_id, n.marketplace_id, n.deduction_kind, n.reason, n.variance_type, n.amount, n.currency, n.description, n.invoice_id,
           n.line_id, n.purchase_order_id, n.shipment_id, n.reverses_id, 'open', n.dispute_deadline, n.evidence, %(now)s, %(now)s
    FROM (
        SELECT 1 AS batch, d.line_id, d.claim_kind, d.claim_kind AS deduction_kind, d.vendor_id, d.marketplace_id,
               CASE WHEN d.claim_kind = 'price_claim' THEN d.price_reason ELSE d.shortage_reason END AS reason,
               CASE WHEN d.claim_kind = 'price_claim' THEN 'PPV' ELSE 'PQV' END AS variance_type,
               d.wanted_amount AS amount, d.currency,
               CASE WHEN d.claim_kind = 'price_claim'
                    THEN replace(replace(replace(%(price_claim_text)s, %(mark_inv)s, d.invoiced_cost::text), %(mark_po)s, d.po_cost::text),
                                 %(mark_qty)s, d.invoiced_quantity::text)
                    ELSE replace(replace(%(shortage_claim_text)s, %(mark_short)s, d.shortage_units::text), %(mark_inv)s, d.invoiced_cost::text)
               END AS description,
               d.invoice_id, d.purchase_order_id, d.shipment_id, NULL::bigint AS reverses_id, dl.deadline AS dispute_deadline,
               d.line_evidence AS evidence
        FROM decided d
        LEFT JOIN unnest(%(deadline_marketplaces)s::bigint[], %(deadline_kinds)s::text[], %(deadline_dates)s::date[]) AS dl(marketplace_id, kind, deadline)
          ON dl.marketplace_id = d.marketplace_id AND dl.kind = d.claim_kind
        WHERE d.action = 'raise'
        UNION ALL
        SELECT 2, d.line_id, d.claim_kind, 'reversal', d.claim_vendor_id, d.claim_marketplace_id,
               CASE WHEN d.credited_more THEN 'credited' WHEN d.claim_kind = 'shortage_claim' THEN 'late_receipt' ELSE 'price_corrected' END,
               d.claim_variance_type, d.remaining - d.wanted_amount, d.claim_currency,
               replace(CASE WHEN d.credited_more THEN %(credited_text)s
                            WHEN d.claim_kind = 'shortage_claim' THEN %(late_receipt_text)s ELSE %(price_corrected_text)s END,
                       %(mark_ref)s, {claim_reference}),
               d.claim_invoice_id, d.claim_purchase_order_id, d.claim_shipment_id, d.claim_id, NULL, d.line_evidence
        FROM decided d
        WHERE d.action = 'reverse'
    ) n
    ORDER BY n.batch, n.line_id, n.claim_kind
    RETURNING id, kind, reason, variance_type, amount, currency, status, invoice_id, invoice_line_id, reverses_id, dispute_deadline, vendor_id
),
claims_changed AS (
    UPDATE {deduction} c
    SET amount = CASE WHEN d.action = 'grow' THEN d.wanted_amount ELSE c.amount END,
        evidence = CASE WHEN d.action = 'grow' THEN d.line_evidence ELSE c.evidence END,
        status = CASE WHEN d.action = 'reverse' AND c.status IN ('open', 'settled', 'upheld', 'partly_reversed')
                      THEN CASE WHEN d.wanted_amount = 0 THEN 'reversed' ELSE 'partly_reversed' END
                      ELSE c.status END,
        -- the reversal `raised` writes in this statement (Deduction.reversed_amount)
        reversed_amount = CASE WHEN d.action = 'reverse' THEN c.reversed_amount + d.remaining - d.wanted_amount ELSE c.reversed_amount END,
        updated_at = %(now)s
    FROM decided d
    WHERE c.id = d.claim_id AND d.action IN ('grow', 'reverse')
    RETURNING c.id, c.kind, c.reason, c.variance_type, c.amount, c.currency, c.status, c.invoice_id, c.invoice_line_id, c.reverses_id,
              c.dispute_deadline, c.vendor_id, d.action, d.claim_amount, d.claim_status
),
invoice_moves AS (
    SELECT m.*,
           CASE WHEN m.payment_terms = %(end_of_month)s
                THEN (date_trunc('month', m.invoice_date::timestamp) + interval '2 months' - interval '1 day')::date
                ELSE m.invoice_date + COALESCE(t.days, %(default_terms_days)s) END AS terms_due_date
    FROM (
        SELECT si.invoice_id, si.vendor_id, si.invoice_state AS state_before,
               CASE WHEN si.invoice_waiting THEN 'on_hold' ELSE 'approved_for_payment' END AS state_after,
               si.invoice_engine_hold, si.due_date, si.invoice_date, si.payment_terms
        FROM {staged_invoices} si
        WHERE si.invoice_state = ANY(%(movable)s)
    ) m
    LEFT JOIN unnest(%(terms)s::text[], %(terms_days)s::int[]) AS t(terms, days) ON t.terms = m.payment_terms
    -- approved stays approved; a hold the retailer put by hand stays
    WHERE NOT (m.state_before = m.state_after OR m.state_before = 'approved_for_payment'
               OR (m.state_before = 'on_hold' AND NOT m.invoice_engine_hold))
),
result_changes AS (  -- one audit row per invoice whose lines' results changed (the numbers are on the results)
    SELECT si.invoice_id, si.vendor_id, si.lines::jsonb AS after FROM {staged_invoices} si WHERE si.lines IS NOT NULL
),
audited AS (
    INSERT INTO {audit} (occurred_at, actor_id, actor_token_id, actor_label, channel, vendor_id, action, object_type, object_id,
                         object_repr, before, after, request_id)
    SELECT %(recorded_at)s, %(actor_id)s, %(actor_token_id)s, %(actor_label)s, %(channel)s, x.vendor_id, x.action, x.object_type,
           x.object_id, x.object_repr, x.before, x.after, %(request_id)s
    FROM (
        SELECT 1 AS part, r.id AS position, r.vendor_id,
               CASE WHEN r.kind = 'reversal' THEN 'deduction.reverse' ELSE 'deduction.raise' END AS action,
               'reconciliation.deduction' AS object_type, r.id::text AS object_id, {raised_reference} AS object_repr,
               NULL::jsonb AS before, {raised_state} AS after
        FROM raised r
        UNION ALL
        SELECT 2, u.id, u.vendor_id, 'deduction.update', 'reconciliation.deduction', u.id::text, {changed_reference},
               CASE WHEN u.action = 'grow' THEN jsonb_build_object('amount', u.claim_amount::text)
                    ELSE jsonb_build_object('status', u.claim_status) END,
               {changed_state}
        FROM claims_changed u
        UNION ALL
        SELECT 3, r.invoice_id, r.vendor_id, 'invoice.match', 'invoicing.invoice', r.invoice_id::text, r.invoice_id::text, NULL, r.after
        FROM result_changes r
    ) x
    ORDER BY x.part, x.position
)
SELECT
    ARRAY(SELECT r.id FROM raised r WHERE r.kind <> 'reversal' ORDER BY r.id) AS claims_raised,
    ARRAY(SELECT r.id FROM raised r WHERE r.kind = 'reversal' ORDER BY r.id) AS reversals,
    ARRAY(SELECT u.id FROM claims_changed u ORDER BY u.id) AS claims_updated,
    (SELECT jsonb_agg(jsonb_build_array(v.vendor_id, v.claims, v.reversals)) FROM (
        SELECT r.vendor_id, COUNT(*) FILTER (WHERE r.kind <> 'reversal') AS claims, COUNT(*) FILTER (WHERE r.kind = 'reversal') AS reversals
        FROM raised r GROUP BY r.vendor_id) v) AS raised_by_vendor,
    -- what the invoicing service moves (the due date to set when approved without one), in invoice order
    (SELECT json_agg(json_build_array(m.invoice_id, m.state_before, m.state_after,
                                      CASE WHEN m.state_after = 'approved_for_payment' AND m.due_date IS NULL THEN m.terms_due_date END)
                     ORDER BY m.invoice_id) FROM invoice_moves m) AS moves,
    -- the deductions raised, as their DeductionRaised events carry them (json: far faster to build than jsonb)
    (SELECT json_agg(json_build_array(r.id, r.vendor_id, {raised_reference}, r.kind, r.reason, r.variance_type, r.amount::text, r.currency,
                                      r.status, to_char(r.dispute_deadline, 'YYYY-MM-DD'), r.invoice_id, i.number, r.reverses_id) ORDER BY r.id)
     FROM raised r LEFT JOIN {invoice} i ON i.id = r.invoice_id) AS raised_rows
"""


def _reference_sql(kind: str, pk: str) -> str:
    """`Deduction.reference` in SQL: "SC-000042"."""
    prefixes = " ".join(f"WHEN '{k}' THEN '{prefix}'" for k, prefix in Deduction.REFERENCE_PREFIX.items())
    return f"((CASE {kind} {prefixes} ELSE 'DD' END) || '-' || CASE WHEN {pk} < 1000000 THEN lpad({pk}::text, 6, '0') ELSE {pk}::text END)"


def _deduction_state_sql(d: str) -> str:
    """`deduction_state` in SQL, from a row of the deduction table."""
    return (
        f"jsonb_build_object('kind', {d}.kind, 'reason', {d}.reason, 'variance_type', {d}.variance_type, 'amount', {d}.amount::text, "
        f"'currency', {d}.currency, 'status', {d}.status, 'invoice_id', {d}.invoice_id, 'invoice_line_id', {d}.invoice_line_id, "
        f"'reverses_id', {d}.reverses_id, 'dispute_deadline', to_char({d}.dispute_deadline, 'YYYY-MM-DD'))"
    )


# Placeholders in the translated descriptions, replaced in SQL by each row's numbers.
MARKS = {"inv": "\x1finv\x1f", "po": "\x1fpo\x1f", "qty": "\x1fqty\x1f", "short": "\x1fshort\x1f", "ref": "\x1fref\x1f"}


def _tables() -> dict:
    return {
        "line": InvoiceLine._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "po_line": PurchaseOrderLine._meta.db_table,
        "tolerance": MatchTolerance._meta.db_table,
        "result": MatchResult._meta.db_table,
        "deduction": Deduction._meta.db_table,
        "audit": AuditEvent._meta.db_table,
        "staged": STAGED_TABLE,
        "staged_invoices": STAGED_INVOICES_TABLE,
    }


def _statements() -> tuple[str, str]:
    tables = _tables()
    match_sql = MATCH_SQL.format(
        **tables,
        evidence_a=EVIDENCE_SQL.format(r="a"),
    )
    apply_sql = APPLY_SQL.format(
        **tables,
        claim_reference=_reference_sql("d.claim_kind", "d.claim_id"),
        raised_reference=_reference_sql("r.kind", "r.id"),
        raised_state=_deduction_state_sql("r"),
        changed_reference=_reference_sql("u.kind", "u.id"),
        changed_state=_deduction_state_sql("u"),
    )
    return match_sql, apply_sql


@dataclass
class MatchSummary:
    """What a match did: its lines by result status, and the ids of what it raised, changed and moved."""

    lines: int = 0
    by_status: dict = field(default_factory=lambda: defaultdict(int))
    claims_raised: list = field(default_factory=list)  # deduction ids
    claims_updated: list = field(default_factory=list)  # deduction ids (grown, or reversed in part or in full)
    reversals: list = field(default_factory=list)  # deduction ids
    approved: list = field(default_factory=list)  # invoice ids
    on_hold: list = field(default_factory=list)  # invoice ids

    def as_dict(self) -> dict:
        return {
            "lines": self.lines,
            "by_status": dict(self.by_status),
            "claims_raised": len(self.claims_raised),
            "claims_updated": len(self.claims_updated),
            "reversals": len(self.reversals),
            "approved_for_payment": len(self.approved),
            "on_hold": len(self.on_hold),
        }


def dispute_windows() -> dict:
    """{(marketplace_id or None, kind): (days, max_disputes)} — one query."""
    return {(w.marketplace_id, w.kind): (w.days, w.max_disputes) for w in DisputeWindow.objects.all()}


def window_for(windows: dict, marketplace_id, kind: str) -> tuple[int, int]:
    return windows.get((marketplace_id, kind)) or windows.get((None, kind)) or (DisputeWindow.DEFAULT_DAYS, DisputeWindow.DEFAULT_MAX)


def _local_date(now: datetime.datetime, zone_name: str) -> datetime.date:
    import zoneinfo

    try:
        return timezone.localtime(now, zoneinfo.ZoneInfo(zone_name)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now.date()


def _audit(actor: Actor, *, action: str, object_type: str, object_id, vendor_id, repr_: str, before=None, after=None) -> AuditEvent:
    return AuditEvent(
        actor=actor.user,
        actor_token=actor.token,
        actor_label=actor.label,
        channel=actor.channel,
        vendor_id=vendor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=str(repr_)[:200],
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        request_id=actor.request_id,
    )


def claim_description(kind: str, *, invoiced_cost, po_cost, invoiced_quantity, shortage_units) -> str:
    if kind == DeductionKind.PRICE_CLAIM:
        return _("Invoiced at %(inv)s, PO cost %(po)s, %(qty)s units") % {"inv": invoiced_cost, "po": po_cost, "qty": invoiced_quantity}
    return _("%(short)s units invoiced beyond those received, at %(inv)s") % {"short": shortage_units, "inv": invoiced_cost}


def reversal_reason(kind: str, *, credited: bool) -> str:
    """Why a claim shrank: a credit note gave the money back, else late receipts (shortage) or a corrected PO cost (price)."""
    if credited:
        return DeductionReason.CREDITED
    return DeductionReason.LATE_RECEIPT if kind == DeductionKind.SHORTAGE_CLAIM else DeductionReason.PRICE_CORRECTED


def reversal_description(kind: str, reference: str, *, credited: bool = False) -> str:
    why = {
        DeductionReason.CREDITED: _("credited by a credit note"),
        DeductionReason.LATE_RECEIPT: _("units received later"),
        DeductionReason.PRICE_CORRECTED: _("PO cost corrected"),
    }[reversal_reason(kind, credited=credited)]
    return _("Reverses %(ref)s: %(why)s") % {"ref": reference, "why": why}


def match_invoices(*, invoice_ids=None, actor: Actor | None = None, now: datetime.datetime | None = None) -> MatchSummary:
    """Match the lines of `invoice_ids` (None: every matchable invoice). Safe to run again at any time."""
    actor = actor or Actor.system()
    now = now or timezone.now()
    summary = MatchSummary()
    ids = [int(pk) for pk in invoice_ids] if invoice_ids is not None else []
    if invoice_ids is not None and not ids:
        return summary
    if ids:  # a credit note changes the match of the invoice it credits
        credited = Invoice.objects.filter(pk__in=ids, invoice_type=InvoiceType.CREDIT_NOTE, reference_invoice__isnull=False)
        ids = sorted(set(ids) | set(credited.values_list("reference_invoice_id", flat=True)))
    with transaction.atomic():
        targets = REMATCHABLE_STATES if invoice_ids is not None else MATCHABLE_STATES
        locked = Invoice.objects.select_for_update().filter(invoice_type=InvoiceType.INVOICE, state__in=targets)
        if invoice_ids is not None:
            locked = locked.filter(pk__in=ids)
        invoices = list(locked.order_by("pk").values_list("pk", "vendor_id"))
        if not invoices:
            return summary
        applied = _sql_match(ids=ids, every=invoice_ids is None, actor=actor, now=now, summary=summary)
        # Invoice states move like any other state change: through invoicing, audited, published and notified.
        for moved in invoices_set_state_from_match(changes=applied.moves, actor=actor, now=now, note=_("3-way match")):
            (summary.approved if moved.to_state == InvoiceState.APPROVED_FOR_PAYMENT else summary.on_hold).append(moved.invoice_id)
        publish(*applied.deductions)
        _notify(applied.raised)
    return summary


@dataclass
class Applied:
    """What a pass decided beyond its own rows: the claims and reversals raised (their events), the counts per
    vendor for the notifications, and the invoice states to move."""

    deductions: list = field(default_factory=list)  # DeductionRaised
    raised: dict = field(default_factory=dict)  # {vendor id: (claims raised, reversals)}
    moves: list = field(default_factory=list)  # MatchStateChange


def _sql_match(*, ids: list[int], every: bool, actor: Actor, now: datetime.datetime, summary: MatchSummary) -> Applied:
    """PostgreSQL: MATCH_SQL then APPLY_SQL (see the module docstring)."""
    from vendor_portal.models import Marketplace

    match_sql, apply_sql = _statements()
    with connection.cursor() as cursor:
        # JIT compiling this many expressions costs seconds and saves nothing at this size.
        cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(STAGED_SQL)
        cursor.execute(
            match_sql,
            {
                "invoice_type": InvoiceType.INVOICE,
                "matchable": list(MATCHABLE_STATES if every else REMATCHABLE_STATES),
                "sent": list(SENT_STATES),
                "credit_note_type": InvoiceType.CREDIT_NOTE,
                "credit_counted": list(CREDIT_COUNTED_STATES),
                "quantity_correction": CreditNoteReason.QUANTITY_CORRECTION,
                "price_correction": CreditNoteReason.PRICE_CORRECTION,
                "claimable": list(CLAIMABLE_STATES),
                "all": every,
                "ids": ids,
                "now": now,
                "now_text": now.isoformat(),
            },
        )
        staged = 0
        for counted, status, count in cursor.fetchall():
            if counted == "lines":
                summary.by_status[status] += count
            elif counted == "staged":
                staged = count
        summary.lines = sum(summary.by_status.values())
        if not staged:  # nothing to act on (a re-run over unchanged data)
            cursor.execute(f"DROP TABLE {STAGED_TABLE}, {STAGED_INVOICES_TABLE}")
            return Applied()
        windows = dispute_windows()
        deadlines = [
            (marketplace_id, kind, _local_date(now, zone) + datetime.timedelta(days=window_for(windows, marketplace_id, kind)[0]))
            for marketplace_id, zone in Marketplace.objects.values_list("pk", "time_zone")
            for kind in CLAIM_KINDS
        ]
        marks = {f"mark_{name}": mark for name, mark in MARKS.items()}
        cursor.execute(
            apply_sql,
            {
                **marks,
                "claimable": list(CLAIMABLE_STATES),
                "movable": list(MOVABLE_STATES),
                "paid": list(PAID_STATES),
                "now": now,
                "recorded_at": timezone.now(),
                "deadline_marketplaces": [m for m, _k, _d in deadlines],
                "deadline_kinds": [str(k) for _m, k, _d in deadlines],
                "deadline_dates": [d for _m, _k, d in deadlines],
                "price_claim_text": claim_description(
                    DeductionKind.PRICE_CLAIM,
                    invoiced_cost=MARKS["inv"],
                    po_cost=MARKS["po"],
                    invoiced_quantity=MARKS["qty"],
                    shortage_units=MARKS["short"],
                ),
                "shortage_claim_text": claim_description(
                    DeductionKind.SHORTAGE_CLAIM,
                    invoiced_cost=MARKS["inv"],
                    po_cost=MARKS["po"],
                    invoiced_quantity=MARKS["qty"],
                    shortage_units=MARKS["short"],
                ),
                "late_receipt_text": reversal_description(DeductionKind.SHORTAGE_CLAIM, MARKS["ref"]),
                "price_corrected_text": reversal_description(DeductionKind.PRICE_CLAIM, MARKS["ref"]),
                "credited_text": reversal_description(DeductionKind.PRICE_CLAIM, MARKS["ref"], credited=True),
                "end_of_month": PaymentTerms.END_OF_MONTH,
                "default_terms_days": 60,  # as terms_due_date
                "terms": [str(t) for t in TERMS_DAYS],
                "terms_days": list(TERMS_DAYS.values()),
                "actor_id": getattr(actor.user, "pk", None),
                "actor_token_id": getattr(actor.token, "pk", None),
                "actor_label": actor.label,
                "channel": actor.channel,
                "request_id": actor.request_id,
            },
        )
        claims_raised, reversals, claims_updated, raised_by_vendor, moves, raised_rows = cursor.fetchone()
        cursor.execute(f"DROP TABLE {STAGED_TABLE}, {STAGED_INVOICES_TABLE}")
    summary.claims_raised.extend(claims_raised)
    summary.reversals.extend(reversals)
    summary.claims_updated.extend(claims_updated)
    return Applied(
        deductions=[
            DeductionRaised(
                vendor_id=vendor_id,
                channel=actor.channel,
                deduction_id=pk,
                reference=reference,
                kind=kind,
                reason=reason,
                variance_type=variance_type,
                amount=amount,
                currency=currency,
                status=status,
                dispute_deadline=deadline,
                invoice_id=invoice_id,
                invoice_number=invoice_number or "",
                reverses_id=reverses_id,
            )
            for (
                pk,
                vendor_id,
                reference,
                kind,
                reason,
                variance_type,
                amount,
                currency,
                status,
                deadline,
                invoice_id,
                invoice_number,
                reverses_id,
            ) in _json(raised_rows) or []
        ],
        raised={vendor_id: (claims, reversed_) for vendor_id, claims, reversed_ in _json(raised_by_vendor) or []},
        moves=[
            MatchStateChange(invoice_id=invoice_id, from_state=before, to_state=after, due_date=datetime.date.fromisoformat(due) if due else None)
            for invoice_id, before, after, due in _json(moves) or []
        ],
    )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value  # Django's cursor hands json back as text


def _notify(raised: dict[int, tuple[int, int]]) -> None:
    """One message per vendor (not one per line): {vendor id: (claims raised, reversals)}."""
    from vendor_portal.models import Vendor
    from vendor_portal.services.notifications import notify_vendor_roles

    from .services._common import FINANCE_ROLES

    raised = {vendor_id: counts for vendor_id, counts in raised.items() if any(counts)}
    if not raised:
        return
    vendors = Vendor.objects.in_bulk(list(raised))
    for vendor_id, (claims, reversals) in raised.items():
        if claims:
            notify_vendor_roles(
                vendor=vendors[vendor_id],
                roles=FINANCE_ROLES,
                kind="deduction_raised",
                title=_("%(n)s new deduction(s) from the 3-way match") % {"n": claims},
                url="/payments/deductions/",
            )
        if reversals:
            notify_vendor_roles(
                vendor=vendors[vendor_id],
                roles=FINANCE_ROLES,
                kind="deduction_reversed",
                title=_("%(n)s deduction(s) reversed") % {"n": reversals},
                url="/payments/deductions/",
            )


def match_purchase_order_lines(*, po_line_ids, actor: Actor | None = None) -> MatchSummary:
    """After a receipt: match the invoices that bill these PO lines, all in one match."""
    invoice_ids = list(
        InvoiceLine.objects.filter(
            purchase_order_line_id__in=list(po_line_ids), invoice__state__in=REMATCHABLE_STATES, invoice__invoice_type=InvoiceType.INVOICE
        )
        .order_by("invoice_id")
        .values_list("invoice_id", flat=True)
        .distinct()
    )
    return match_invoices(invoice_ids=invoice_ids, actor=actor)


def chargebacks_raise(*, actor: Actor | None = None, now: datetime.datetime | None = None) -> list[Deduction]:
    """A chargeback deduction per shipments.ComplianceEvent whose category has a rate in its marketplace.
    Idempotent: an event already charged is skipped (and a unique constraint guards the race)."""
    from shipments.models import ComplianceEvent

    from .models import COMPLIANCE_CATEGORY, ChargebackRate
    from .services._common import deduction_raised

    actor = actor or Actor.system()
    now = now or timezone.now()
    rates = {(rate.marketplace_id, rate.category): rate for rate in ChargebackRate.objects.all()}
    if not rates:
        return []
    with transaction.atomic():
        events = list(
            ComplianceEvent.objects.filter(shipment__isnull=False, kind__in=list(COMPLIANCE_CATEGORY))
            .exclude(deductions__kind=DeductionKind.CHARGEBACK)
            .select_related("shipment__marketplace")
            .order_by("pk")
        )
        windows = dispute_windows()
        created = []
        for event in events:
            category = COMPLIANCE_CATEGORY[event.kind]
            rate = rates.get((event.shipment.marketplace_id, category))
            if rate is None:
                continue
            days, _max = window_for(windows, event.shipment.marketplace_id, DeductionKind.CHARGEBACK)
            created.append(
                Deduction(
                    vendor_id=event.vendor_id,
                    marketplace_id=event.shipment.marketplace_id,
                    kind=DeductionKind.CHARGEBACK,
                    reason=category,
                    amount=rate.amount,
                    currency=rate.currency,
                    shipment_id=event.shipment_id,
                    compliance_event=event,
                    evidence={"compliance_event": event.pk, "kind": event.kind, "occurred_at": event.occurred_at.isoformat(), **event.details},
                    dispute_deadline=_local_date(now, event.shipment.marketplace.time_zone) + datetime.timedelta(days=days),
                    description=_("%(category)s, shipment %(id)s")
                    % {"category": DeductionReason(category).label, "id": event.shipment.shipment_identifier},
                    created_at=now,
                )
            )
        if not created:
            return []
        Deduction.objects.bulk_create(created)
        AuditEvent.objects.bulk_create(
            [
                _audit(
                    actor,
                    action="deduction.raise",
                    object_type="reconciliation.deduction",
                    object_id=d.pk,
                    vendor_id=d.vendor_id,
                    repr_=d.reference,
                    after=deduction_state(d),
                )
                for d in created
            ]
        )
        publish(*(deduction_raised(d, channel=actor.channel) for d in created))
        per_vendor: dict[int, int] = defaultdict(int)
        for deduction in created:
            per_vendor[deduction.vendor_id] += 1
        _notify({vendor_id: (count, 0) for vendor_id, count in per_vendor.items()})
    return created


def deduction_state(deduction: Deduction) -> dict:
    """What the audit rows of a deduction record (`_deduction_state_sql` is the same in SQL)."""
    return {
        "kind": deduction.kind,
        "reason": deduction.reason,
        "variance_type": deduction.variance_type,
        "amount": deduction.amount,
        "currency": deduction.currency,
        "status": deduction.status,
        "invoice_id": deduction.invoice_id,
        "invoice_line_id": deduction.invoice_line_id,
        "reverses_id": deduction.reverses_id,
        "dispute_deadline": deduction.dispute_deadline,
    }
