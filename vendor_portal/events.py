"""Domain events: typed news of what a service did, for the apps that react to it.

A service publishes its events next to its audit row, inside its transaction:

    audit_record(actor=actor, action="invoice.submit", obj=invoice, before=..., after=...)
    events.publish(InvoiceSubmitted(vendor_id=invoice.vendor_id, invoice_id=invoice.pk, ...))

and the apps that react subscribe in their `ready()`:

    events.subscribe(InvoiceSubmitted, queue_match)

The audit trail records; it does not drive. Events carry the facts their subscribers need (ids,
references, states), so a subscriber does not have to read the change back, and a webhook payload is
defined per event (`webhooks/payloads.py`), not copied from an audit diff.

Two moments a subscriber can choose:
- AFTER_COMMIT (the default): called once the transaction that published the event has committed,
  never for a change that rolled back (also not for one rolled back to a savepoint). Side effects that
  must not happen for a change that did not happen belong here: queueing Celery tasks, sending files.
  Each subscriber runs on its own; one that raises is logged and does not stop the others.
- IN_TRANSACTION: called at once, inside the publishing transaction, for rows that must commit or roll
  back with the change (an outbox such as the webhook deliveries). Such a subscriber may only write
  rows, or hand work to the commit itself with `transaction.on_commit` (reconciliation does, to queue
  one match for every batch a transaction published); an exception it raises rolls the whole change back.

Subscribers always receive a list of events of one type: a bulk write (the 3-way match raises thousands
of claims in one statement) publishes them with one `publish(*events)` and a subscriber handles them in a
few queries, not one per event.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

AFTER_COMMIT = "after_commit"
IN_TRANSACTION = "in_transaction"

Subscriber = Callable[[list["Event"]], None]
_subscribers: dict[str, dict[type[Event], list[Subscriber]]] = {AFTER_COMMIT: defaultdict(list), IN_TRANSACTION: defaultdict(list)}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event: whose it is (None for the retailer's own) and through which door."""

    vendor_id: int | None
    channel: str = ""  # the door the change came through (web, api, edi, system), from the actor

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def subscribe(event_type: type[Event], subscriber: Subscriber, *, when: str = AFTER_COMMIT) -> None:
    """Call `subscriber(events)` for every batch of `event_type` published (subclasses included).
    Registering the same function twice for the same type has no effect (ready() may run twice in tests)."""
    if when not in _subscribers:
        raise ValueError(f"unknown moment {when!r}")
    registered = _subscribers[when][event_type]
    if subscriber not in registered:
        registered.append(subscriber)


def unsubscribe(event_type: type[Event], subscriber: Subscriber, *, when: str = AFTER_COMMIT) -> None:
    registered = _subscribers[when].get(event_type, [])
    if subscriber in registered:
        registered.remove(subscriber)


def publish(*events: Event, using: str | None = None) -> None:
    """Publish events of a change made in the current transaction (or just made, in autocommit)."""
    if not events:
        return
    _call(IN_TRANSACTION, events, swallow=False)
    if any(_subscribers_for(AFTER_COMMIT, type(event)) for event in events):
        transaction.on_commit(lambda: _call(AFTER_COMMIT, events, swallow=True), using=using)


def _subscribers_for(when: str, event_type: type[Event]) -> list[Subscriber]:
    found: list[Subscriber] = []
    for registered_type, subscribers in _subscribers[when].items():
        if issubclass(event_type, registered_type):
            found.extend(s for s in subscribers if s not in found)
    return found


def _call(when: str, events: Iterable[Event], *, swallow: bool) -> None:
    batches: dict[type[Event], list[Event]] = defaultdict(list)
    for event in events:
        batches[type(event)].append(event)
    for event_type, batch in batches.items():
        for subscriber in _subscribers_for(when, event_type):
            if not swallow:
                subscriber(batch)
                continue
            try:
                subscriber(batch)
            except Exception:  # one subscriber's failure must not cost the others their news
                logger.exception(
                    "Subscriber %s failed on %d %s event(s)", getattr(subscriber, "__qualname__", subscriber), len(batch), event_type.__name__
                )


# The catalogue -----------------------------------------------------------------------------------
# One place lists every event the portal publishes. Fields are plain values (ids, references, states,
# decimal amounts as strings, dates and times as ISO 8601 strings), so an event can be logged, queued or
# serialised as it is. `webhooks/payloads.py` turns each into a webhook's `data`. An app whose events nobody
# else publishes may keep them in its own events module (appointments/events.py), built on Event the same way.


@dataclasses.dataclass(frozen=True, kw_only=True)
class PurchaseOrderCreated(Event):
    """The buyer issued a PO (screens, API, bulk upload)."""

    purchase_order_id: int
    number: str
    state: str
    marketplace: str  # code
    ship_to: str  # the DC's code
    ship_window_start: str
    ship_window_end: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PurchaseOrderChanged(Event):
    """The buyer changed a PO: quantities, dates, a line cancelled."""

    purchase_order_id: int
    number: str
    state: str
    previous_state: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PurchaseOrderCancelled(PurchaseOrderChanged):
    """The buyer cancelled the PO, or the portal did because it was not confirmed in time (`unconfirmed`)."""

    reason: str = ""
    unconfirmed: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class PurchaseOrderAcknowledged(Event):
    """The vendor confirmed (or revised the confirmation of) a PO line by line."""

    purchase_order_id: int
    number: str
    state: str
    previous_state: str
    revision: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class AsnSubmitted(Event):
    """A ship plan became an ASN (asn_type "Original"), or an ASN was replaced (asn_type "Replace")."""

    shipment_id: int
    shipment_identifier: str
    asn_type: str
    asn_revision: int
    state: str
    previous_state: str
    ship_to: str  # the DC's code
    purchase_order_numbers: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReceiptPosted(Event):
    """A DC booked a receipt against an ASN; `purchase_order_line_ids` are the lines whose received
    quantities it changed."""

    receipt_id: int
    shipment_id: int
    shipment_identifier: str
    purchase_order_line_ids: tuple[int, ...] = ()
    shipment_state: str = ""  # receiving, or received once the DC finished
    units_received: int = 0
    units_damaged: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class PurchaseOrderLinesReceived(Event):
    """Received units were booked on these PO lines (of one vendor): a receipt at a DC, or any other
    booking. What the 3-way match reacts to; ReceiptPosted is the DC's document, for the vendor."""

    purchase_order_line_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaxRegistrationChanged(Event):
    """A vendor changed its tax registration in a marketplace (empty: none). Invoicing brings its drafts there
    along; invoices past the draft keep the registration they were made with."""

    vendor_account_id: int
    marketplace_id: int
    tax_registration_number: str
    previous_tax_registration_number: str
    # Who changed it (a person, or an API token), so the drafts it rewrites are audited as their change too.
    changed_by_user_id: int | None = None
    changed_by_token_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class InvoiceStateChanged(Event):
    """Any change of an invoice's or credit note's state (also the 3-way match's); the subclasses below
    name the ones other apps react to, and a subscriber of InvoiceStateChanged receives them all."""

    invoice_id: int
    number: str
    invoice_type: str
    state: str
    previous_state: str
    total: str = ""  # the grand total, in `currency`
    currency: str = ""
    reason: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class InvoiceSubmitted(InvoiceStateChanged):
    """Submitted to the retailer (directly, or when its second person approved it)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class InvoiceAccepted(InvoiceStateChanged):
    """Accounts payable accepted it, so the match takes it into account (approvals for payment are
    plain InvoiceStateChanged: the match itself makes most of them)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeductionRaised(Event):
    """A deduction was raised: a claim of the 3-way match, a chargeback, one AP raised by hand, or a
    reversal giving (part of) one back (kind "reversal", `reverses_id` the deduction it reverses)."""

    deduction_id: int
    reference: str
    kind: str
    reason: str
    variance_type: str
    amount: str
    currency: str
    status: str
    dispute_deadline: str | None = None
    invoice_id: int | None = None
    invoice_number: str = ""
    reverses_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class DisputeAnswered(Event):
    """Accounts payable answered a vendor's dispute of a deduction."""

    dispute_id: int
    number: int  # 1st, 2nd, ... dispute of the deduction
    deduction_id: int
    deduction_reference: str
    outcome: str
    state: str
    previous_state: str
    amount_reversed: str
    currency: str
    reversal_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RemittancePaid(Event):
    """A payment run paid a remittance to the vendor."""

    remittance_id: int
    number: str
    currency: str
    pay_date: str
    gross_paid: str
    deductions_total: str
    reversals_total: str
    discounts_total: str
    credit_notes_total: str
    net_amount: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ForecastPublished(Event):
    """A buyer published a new version of the vendor's demand forecasts."""

    publication_id: int
    version: int
    marketplaces: tuple[str, ...]
    week_from: str
    week_to: str
    row_count: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class PromotionEvent(Event):
    promotion_id: int
    reference: str  # the promotion's name
    state: str
    previous_state: str
    promotion_type: str
    marketplace: str
    start_date: str
    end_date: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PromotionShared(PromotionEvent):
    """The buyer shared a deal with the vendor for confirmation."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PromotionConfirmed(PromotionEvent):
    """The vendor committed its supply (or revised the commitment)."""

    confirmation_revision: int = 1


@dataclasses.dataclass(frozen=True, kw_only=True)
class PromotionDeclined(PromotionEvent):
    reason: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PromotionCancelled(PromotionEvent):
    """The buyer cancelled a promotion the vendor had seen (a draft's cancellation is no news to it)."""

    reason: str = ""
