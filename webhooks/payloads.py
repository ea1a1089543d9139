"""What a webhook receiver gets: one documented, versioned payload per public event, built from the fields
of the domain event (vendor_portal/events.py) that causes it, never copied from an audit diff.

Every delivery is a POST of the envelope

    {"id": <event id, shared by resends>, "event": "invoice.state_changed", "version": 2,
     "created_at": <ISO 8601>, "vendor": "ACME", "data": {...}}

`data` always holds `object_type`, `object_id`, `reference`, `state`, `previous_state` and `channel` (see
COMMON_FIELDS), then the fields of its event below. `version` says which shape `data` has: version 1 (until
this module) was an audit snapshot with `action` and `changes`; version 2 is this one. A later change that
removes or changes the meaning of a field raises the version; adding a field does not.

`PAYLOADS` is the catalogue: the README's table and `GET /api/v1/webhooks/event-types` (each event's JSON
Schema, for integrators generating types) are made from it, and the webhooks app subscribes to every event
type it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from appointments import events as appointment_events
from vendor_portal import events
from vendor_portal.models import Channel

from .models import WebhookEvent

VERSION = 2


@dataclass(frozen=True)
class Field:
    """One key of `data`: its JSON type(s) and what it means."""

    name: str
    type: str | tuple[str, ...]
    description: str
    format: str = ""  # JSON Schema format: date, date-time
    enum: tuple[str, ...] = ()
    items: str = ""  # the type of an array's items
    pattern: str = ""

    def schema(self) -> dict:
        schema: dict = {"type": list(self.type) if isinstance(self.type, tuple) else self.type, "description": str(self.description)}
        if self.format:
            schema["format"] = self.format
        if self.enum:
            schema["enum"] = list(self.enum) + ([None] if isinstance(self.type, tuple) and "null" in self.type else [])
        if self.items:
            schema["items"] = {"type": self.items}
        if self.pattern:
            schema["pattern"] = self.pattern
        return schema


AMOUNT = r"^-?[0-9]+\.[0-9]{2}$"  # money: a decimal string with two places, in the payload's `currency`
COMMON_FIELDS = (
    Field("object_type", "string", _("The portal object the event is about, as app.model (e.g. purchase_orders.purchaseorder).")),
    Field("object_id", "string", _("Its id in the portal (a string), e.g. for GET /api/v1/... of the object.")),
    Field("reference", "string", _("Its human-readable reference: PO number, ASN identifier, invoice number, deduction reference...")),
    Field("state", ("string", "null"), _("Its state after the change; null for objects without one.")),
    Field("previous_state", ("string", "null"), _("Its state before the change; null when it is new or has no state.")),
    Field("channel", "string", _("The door the change came through."), enum=tuple(Channel.values)),
)


@dataclass(frozen=True)
class Payload:
    """The payload of one webhook event: which domain events cause it, when, and how `data` is built."""

    event: str  # a WebhookEvent value: subscriptions store these
    event_types: tuple[type[events.Event], ...]
    when: str
    object_type: str
    fields: tuple[Field, ...]
    object_id: Callable[[events.Event], int]
    reference: Callable[[events.Event], str]
    build: Callable[[events.Event], dict]  # the event's own fields of `data`
    states: Callable[[events.Event], tuple[str | None, str | None]] = lambda event: (None, None)  # (state, previous state)

    @property
    def label(self) -> str:
        return str(WebhookEvent(self.event).label)

    def data(self, event: events.Event) -> dict:
        state, previous_state = self.states(event)
        return {
            "object_type": self.object_type,
            "object_id": str(self.object_id(event)),
            "reference": self.reference(event),
            "state": state or None,
            "previous_state": previous_state or None,
            "channel": event.channel,
            **self.build(event),
        }

    def schema(self) -> dict:
        """JSON Schema (2020-12) of `data`."""
        fields = COMMON_FIELDS + self.fields
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{self.event} v{VERSION}",
            "type": "object",
            "properties": {field.name: field.schema() for field in fields},
            "required": [field.name for field in fields],
            "additionalProperties": False,
        }


def _states(event) -> tuple[str, str]:
    return event.state, event.previous_state


PO_NUMBER = Field("number", "string", _("The PO number."))
PROMOTION_FIELDS = (
    Field("name", "string", _("The promotion's name (also its reference).")),
    Field("promotion_type", "string", _("Best deal, lightning deal, price discount...")),
    Field("marketplace", "string", _("The marketplace's code.")),
    Field("start_date", "string", _("First day of the deal, in the marketplace's time zone."), format="date"),
    Field("end_date", "string", _("Last day of the deal."), format="date"),
)


def _promotion(event, **more) -> dict:
    return {
        "name": event.reference,
        "promotion_type": event.promotion_type,
        "marketplace": event.marketplace,
        "start_date": event.start_date,
        "end_date": event.end_date,
        **more,
    }


def _promotion_payload(event: str, event_type, when: str, fields=(), build=_promotion) -> Payload:
    return Payload(
        event=event,
        event_types=(event_type,),
        when=when,
        object_type="planning.promotion",
        fields=PROMOTION_FIELDS + fields,
        build=build,
        reference=lambda e: e.reference,
        states=_states,
        object_id=lambda e: e.promotion_id,
    )


APPOINTMENT_FIELDS = (
    Field("warehouse", "string", _("The DC's code.")),
    Field("time_zone", "string", _("The DC's time zone (IANA), to show the slot in the DC's local time.")),
    Field("slot_start", "string", _("The slot's start (UTC)."), format="date-time"),
    Field("slot_end", "string", _("The slot's end (UTC)."), format="date-time"),
    Field("door", "integer", _("The dock door.")),
    Field("shipment_id", ("integer", "null"), _("The ASN's id, if the appointment is for one.")),
    Field("shipment_identifier", "string", _("That ASN's identifier (empty when none).")),
    Field("routing_request_id", ("integer", "null"), _("The routing request the retailer scheduled it for, if any.")),
)


def _appointment(event, **more) -> dict:
    return {
        "warehouse": event.warehouse,
        "time_zone": event.time_zone,
        "slot_start": event.slot_start,
        "slot_end": event.slot_end,
        "door": event.door,
        "shipment_id": event.shipment_id,
        "shipment_identifier": event.shipment_identifier,
        "routing_request_id": event.routing_request_id,
        **more,
    }


def _appointment_payload(event: str, event_type, when: str, fields=(), build=_appointment) -> Payload:
    return Payload(
        event=event,
        event_types=(event_type,),
        when=when,
        object_type="appointments.appointment",
        fields=APPOINTMENT_FIELDS + fields,
        build=build,
        reference=lambda e: e.reference,
        states=_states,
        object_id=lambda e: e.appointment_id,
    )


PAYLOADS: tuple[Payload, ...] = (
    Payload(
        event=WebhookEvent.PURCHASE_ORDER_CREATED,
        event_types=(events.PurchaseOrderCreated,),
        object_type="purchase_orders.purchaseorder",
        when=_("The buyer issued a purchase order (screens, API or bulk upload)."),
        fields=(
            PO_NUMBER,
            Field("marketplace", "string", _("The marketplace's code.")),
            Field("ship_to", "string", _("The code of the DC the goods go to.")),
            Field("ship_window_start", "string", _("The ship window."), format="date-time"),
            Field("ship_window_end", "string", _("The ship window's end."), format="date-time"),
        ),
        build=lambda e: {
            "number": e.number,
            "marketplace": e.marketplace,
            "ship_to": e.ship_to,
            "ship_window_start": e.ship_window_start,
            "ship_window_end": e.ship_window_end,
        },
        reference=lambda e: e.number,
        states=lambda e: (e.state, None),
        object_id=lambda e: e.purchase_order_id,
    ),
    Payload(
        event=WebhookEvent.PURCHASE_ORDER_CHANGED,
        event_types=(events.PurchaseOrderChanged,),
        object_type="purchase_orders.purchaseorder",
        when=_(
            "The buyer changed a PO (quantities, dates, lines cancelled) or cancelled it, or the portal cancelled it unconfirmed "
            "after its ship window."
        ),
        fields=(
            PO_NUMBER,
            Field("cancelled", "boolean", _("True when the PO is cancelled (by the buyer, or by cancelling every line).")),
            Field("unconfirmed", "boolean", _("True when the portal cancelled it because it was not confirmed in time.")),
            Field("reason", "string", _("The buyer's reason for a cancellation (may be empty).")),
        ),
        build=lambda e: {
            "number": e.number,
            "cancelled": isinstance(e, events.PurchaseOrderCancelled),
            "unconfirmed": getattr(e, "unconfirmed", False),
            "reason": getattr(e, "reason", ""),
        },
        reference=lambda e: e.number,
        states=_states,
        object_id=lambda e: e.purchase_order_id,
    ),
    Payload(
        event=WebhookEvent.ACKNOWLEDGEMENT_PROCESSED,
        event_types=(events.PurchaseOrderAcknowledged,),
        object_type="purchase_orders.purchaseorder",
        when=_("The vendor's confirmation of a PO (screens, API, Amazon door or EDI 855) was recorded; each revision again."),
        fields=(PO_NUMBER, Field("revision", "integer", _("1 for the first confirmation, then 2, 3... for each revision."))),
        build=lambda e: {"number": e.number, "revision": e.revision},
        reference=lambda e: e.number,
        states=_states,
        object_id=lambda e: e.purchase_order_id,
    ),
    Payload(
        event=WebhookEvent.ASN_ACCEPTED,
        event_types=(events.AsnSubmitted,),
        object_type="shipments.shipment",
        when=_("An ASN was submitted (asn_type Original) or replaced (asn_type Replace), through any door."),
        fields=(
            Field("shipment_identifier", "string", _("The ASN's identifier.")),
            Field("asn_type", "string", _("Original, or Replace for a Replace ASN."), enum=("Original", "Replace")),
            Field("asn_revision", "integer", _("1 for the original ASN, then one more per replacement.")),
            Field("ship_to", "string", _("The code of the DC it ships to.")),
            Field("purchase_order_numbers", "array", _("The POs it ships units of."), items="string"),
        ),
        build=lambda e: {
            "shipment_identifier": e.shipment_identifier,
            "asn_type": e.asn_type,
            "asn_revision": e.asn_revision,
            "ship_to": e.ship_to,
            "purchase_order_numbers": list(e.purchase_order_numbers),
        },
        reference=lambda e: e.shipment_identifier,
        states=_states,
        object_id=lambda e: e.shipment_id,
    ),
    Payload(
        event=WebhookEvent.RECEIPT_POSTED,
        event_types=(events.ReceiptPosted,),
        object_type="shipments.receipt",
        when=_("A DC booked a receipt (scanned cartons or counted lines) against one of the vendor's ASNs."),
        fields=(
            Field("shipment_id", "integer", _("The ASN's id.")),
            Field("shipment_identifier", "string", _("The ASN's identifier (also the receipt's reference).")),
            Field("shipment_state", "string", _("receiving, or received once the DC finished.")),
            Field("units_received", "integer", _("Units this receipt booked, damaged ones included.")),
            Field("units_damaged", "integer", _("Of which damaged.")),
            Field("purchase_order_line_ids", "array", _("The PO lines whose received quantities it changed."), items="integer"),
        ),
        build=lambda e: {
            "shipment_id": e.shipment_id,
            "shipment_identifier": e.shipment_identifier,
            "shipment_state": e.shipment_state,
            "units_received": e.units_received,
            "units_damaged": e.units_damaged,
            "purchase_order_line_ids": list(e.purchase_order_line_ids),
        },
        reference=lambda e: e.shipment_identifier,
        object_id=lambda e: e.receipt_id,
    ),
    Payload(
        event=WebhookEvent.INVOICE_STATE_CHANGED,
        event_types=(events.InvoiceStateChanged,),
        object_type="invoicing.invoice",
        when=_(
            "An invoice or credit note was created as a draft or changed state: submitted, accepted, rejected, on hold, "
            "approved for payment (by hand or by the 3-way match), paid."
        ),
        fields=(
            Field("number", "string", _("The invoice (or credit note) number.")),
            Field("invoice_type", "string", _("Invoice or CreditNote."), enum=("Invoice", "CreditNote")),
            Field("total", "string", _("Its grand total, in `currency`."), pattern=AMOUNT),
            Field("currency", "string", _("ISO 4217 code.")),
            Field("reason", "string", _("Why: a rejection's or hold's reason, the payment run's number, \"3-way match\"; may be empty.")),
        ),
        build=lambda e: {"number": e.number, "invoice_type": e.invoice_type, "total": e.total, "currency": e.currency, "reason": e.reason},
        reference=lambda e: e.number,
        states=_states,
        object_id=lambda e: e.invoice_id,
    ),
    Payload(
        event=WebhookEvent.DEDUCTION_RAISED,
        event_types=(events.DeductionRaised,),
        object_type="reconciliation.deduction",
        when=_(
            "A deduction was raised: a 3-way match claim (price or shortage), a chargeback, one accounts payable raised by hand, "
            "or a reversal giving (part of) one back (kind reversal; after late receipts, a credit note or a dispute)."
        ),
        fields=(
            Field("kind", "string", _("price_claim, shortage_claim, chargeback, coop_allowance or reversal.")),
            Field("reason", "string", _("Why, as Vendor Central names it (e.g. SHORTAGES_IN_TRANSIT, late_receipt).")),
            Field("variance_type", "string", _("PPV (price) or PQV (quantity) for match claims and their reversals, OTHER otherwise.")),
            Field("amount", "string", _("The amount deducted (or, for a reversal, given back), in `currency`."), pattern=AMOUNT),
            Field("currency", "string", _("ISO 4217 code.")),
            Field("dispute_deadline", ("string", "null"), _("Last day to dispute it; null for a reversal."), format="date"),
            Field("invoice_id", ("integer", "null"), _("The invoice it concerns, if any.")),
            Field("invoice_number", "string", _("That invoice's number (empty when none).")),
            Field("reverses_id", ("integer", "null"), _("For a reversal: the id of the deduction it reverses.")),
        ),
        build=lambda e: {
            "kind": e.kind,
            "reason": e.reason,
            "variance_type": e.variance_type,
            "amount": e.amount,
            "currency": e.currency,
            "dispute_deadline": e.dispute_deadline,
            "invoice_id": e.invoice_id,
            "invoice_number": e.invoice_number,
            "reverses_id": e.reverses_id,
        },
        reference=lambda e: e.reference,
        states=lambda e: (e.status, None),
        object_id=lambda e: e.deduction_id,
    ),
    Payload(
        event=WebhookEvent.DISPUTE_ANSWERED,
        event_types=(events.DisputeAnswered,),
        object_type="reconciliation.dispute",
        when=_("Accounts payable answered a dispute of a deduction: upheld, reversed, or partly reversed."),
        fields=(
            Field("outcome", "string", _("upheld, reversed or partly_reversed."), enum=("upheld", "reversed", "partly_reversed")),
            Field("deduction_id", "integer", _("The disputed deduction.")),
            Field("deduction_reference", "string", _("Its reference.")),
            Field("amount_reversed", "string", _("What is given back (0.00 when upheld), paid in the next remittance."), pattern=AMOUNT),
            Field("currency", "string", _("ISO 4217 code.")),
            Field("reversal_id", ("integer", "null"), _("The reversal deduction raised for it, if any.")),
        ),
        build=lambda e: {
            "outcome": e.outcome,
            "deduction_id": e.deduction_id,
            "deduction_reference": e.deduction_reference,
            "amount_reversed": e.amount_reversed,
            "currency": e.currency,
            "reversal_id": e.reversal_id,
        },
        reference=lambda e: f"{e.deduction_reference} #{e.number}",
        states=_states,
        object_id=lambda e: e.dispute_id,
    ),
    Payload(
        event=WebhookEvent.PAYMENT_SENT,
        event_types=(events.RemittancePaid,),
        object_type="reconciliation.remittance",
        when=_("A payment run paid the vendor: one event per remittance (vendor and marketplace)."),
        fields=(
            Field("number", "string", _("The remittance number (the payment's trace number).")),
            Field("pay_date", "string", _("The pay date."), format="date"),
            Field("currency", "string", _("ISO 4217 code.")),
            Field("gross_paid", "string", _("Invoices paid."), pattern=AMOUNT),
            Field("deductions_total", "string", _("Deductions netted."), pattern=AMOUNT),
            Field("reversals_total", "string", _("Reversals paid back."), pattern=AMOUNT),
            Field("discounts_total", "string", _("Early-payment discounts taken."), pattern=AMOUNT),
            Field("credit_notes_total", "string", _("Credit notes netted."), pattern=AMOUNT),
            Field("net_amount", "string", _("What was paid: gross - deductions + reversals - discounts - credit notes."), pattern=AMOUNT),
        ),
        build=lambda e: {
            "number": e.number,
            "pay_date": e.pay_date,
            "currency": e.currency,
            "gross_paid": e.gross_paid,
            "deductions_total": e.deductions_total,
            "reversals_total": e.reversals_total,
            "discounts_total": e.discounts_total,
            "credit_notes_total": e.credit_notes_total,
            "net_amount": e.net_amount,
        },
        reference=lambda e: e.number,
        object_id=lambda e: e.remittance_id,
    ),
    Payload(
        event=WebhookEvent.FORECAST_PUBLISHED,
        event_types=(events.ForecastPublished,),
        object_type="planning.forecastpublication",
        when=_("A buyer published a new version of the vendor's demand forecasts."),
        fields=(
            Field("version", "integer", _("1, 2, ... per vendor.")),
            Field("marketplaces", "array", _("The marketplaces it covers."), items="string"),
            Field("week_from", "string", _("First week (its Monday)."), format="date"),
            Field("week_to", "string", _("Last week."), format="date"),
            Field("row_count", "integer", _("Product-weeks published.")),
        ),
        build=lambda e: {
            "version": e.version,
            "marketplaces": list(e.marketplaces),
            "week_from": e.week_from,
            "week_to": e.week_to,
            "row_count": e.row_count,
        },
        reference=lambda e: f"{e.vendor_id} forecast v{e.version}",
        object_id=lambda e: e.publication_id,
    ),
    _promotion_payload(WebhookEvent.PROMOTION_SHARED, events.PromotionShared, _("The buyer shared a deal for the vendor to confirm.")),
    _promotion_payload(
        WebhookEvent.PROMOTION_CONFIRMED,
        events.PromotionConfirmed,
        _("The vendor committed units to a deal, or revised its commitment."),
        fields=(Field("confirmation_revision", "integer", _("1 for the first confirmation, then one more per revision.")),),
        build=lambda e: _promotion(e, confirmation_revision=e.confirmation_revision),
    ),
    _promotion_payload(
        WebhookEvent.PROMOTION_DECLINED,
        events.PromotionDeclined,
        _("The vendor declined a deal."),
        fields=(Field("reason", "string", _("The vendor's reason.")),),
        build=lambda e: _promotion(e, reason=e.reason),
    ),
    _promotion_payload(
        WebhookEvent.PROMOTION_CANCELLED,
        events.PromotionCancelled,
        _("The buyer cancelled a deal the vendor had been shown."),
        fields=(Field("reason", "string", _("The buyer's reason (may be empty).")),),
        build=lambda e: _promotion(e, reason=e.reason),
    ),
    _appointment_payload(
        WebhookEvent.APPOINTMENT_CONFIRMED,
        appointment_events.AppointmentConfirmed,
        _("The DC confirmed a delivery appointment (perhaps at another slot than requested), or booked one for a routing request."),
    ),
    _appointment_payload(
        WebhookEvent.APPOINTMENT_MOVED,
        appointment_events.AppointmentMoved,
        _("The DC moved a confirmed appointment to another slot or door; it stays confirmed."),
        fields=(
            Field("previous_slot_start", "string", _("The slot's start before the move (UTC)."), format="date-time"),
            Field("previous_slot_end", "string", _("The slot's end before the move (UTC)."), format="date-time"),
            Field("previous_door", "integer", _("The door before the move.")),
            Field("reason", "string", _("The DC's reason (may be empty).")),
        ),
        build=lambda e: _appointment(
            e, previous_slot_start=e.previous_slot_start, previous_slot_end=e.previous_slot_end, previous_door=e.previous_door, reason=e.reason
        ),
    ),
    _appointment_payload(
        WebhookEvent.APPOINTMENT_REFUSED,
        appointment_events.AppointmentRefused,
        _("The DC refused a requested appointment, or the portal did because its slot began unconfirmed; the slot is free again."),
        fields=(Field("reason", "string", _("Why.")),),
        build=lambda e: _appointment(e, reason=e.reason),
    ),
    _appointment_payload(
        WebhookEvent.APPOINTMENT_MISSED,
        appointment_events.AppointmentMissed,
        _("No truck came to a confirmed appointment by its slot's end and the DC's grace (a compliance event that may be charged back)."),
        fields=(Field("compliance_event_id", ("integer", "null"), _("The compliance event recorded; null when the retailer arranged the freight.")),),
        build=lambda e: _appointment(e, compliance_event_id=e.compliance_event_id),
    ),
)
BY_EVENT = {payload.event: payload for payload in PAYLOADS}


def payload_for(event: events.Event) -> Payload | None:
    """The payload an event becomes (through its most specific type in PAYLOADS), or None."""
    for event_type in type(event).__mro__:
        for payload in PAYLOADS:
            if event_type in payload.event_types:
                return payload
    return None
