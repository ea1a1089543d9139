"""Inbound EDIFACT D96A: the same path as X12 with another syntax. The sender is the trading partner whose GLN
UNB names; a repeated UNB control reference from it is a duplicate; ORDRSP, DESADV and INVOIC go to the same
services as the screens and the API (and X12's 855, 856, 810); every interchange is answered with a CONTRL
that accepts (7) or rejects (4) it and each message, its UCS/UCD pointing at what was wrong."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edi import edifact
from edi.edifact.codes import UNITS, LineAction, Qty, SyntaxError_
from edi.edifact.messages import DespatchAdvice, DespatchLine, Invoice, OrderResponse, Package, Quantity, ResponseLine
from invoicing.services.drafts import invoice_create
from invoicing.services.inputs import InvoiceInput, InvoiceLineInput, InvoiceTaxInput
from invoicing.services.submission import invoice_submit
from purchase_orders.models import PurchaseOrder, RejectionReason
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from purchase_orders.services.line_identity import GivenQuantity
from vendor_portal.errors import FieldError, PortalError
from vendor_portal.roles import Action as RoleAction
from vendor_portal.services.audit import Actor, audit_record

from ..models import ControlNumberKind, Interchange, InterchangeStatus, SetStatus, TradingPartner, TransactionRecord
from ._common import _Context, _Outcome
from .inbound_997 import _status_from_sets
from .interchanges import _allocate, _OutboundSet, _storable, _store_outbound
from .partners import retailer_gln

logger = logging.getLogger(__name__)

REJECTION_REASONS = {
    "R1": RejectionReason.TEMPORARILY_UNAVAILABLE,
    "R2": RejectionReason.INVALID_PRODUCT_IDENTIFIER,
    "R3": RejectionReason.OBSOLETE_PRODUCT,
}
REJECTION_REASONS |= {value: value for value in RejectionReason.values}


class _MessageProblems:
    """Domain refusals filed on a message as CONTRL problems (0085 12, invalid value) at the segment and
    element they concern, and on the message's record as the portal's errors."""

    def __init__(self, message: edifact.Message, outcome: _Outcome):
        self.message, self.outcome = message, outcome

    def element(self, segment: edifact.Segment, element: int | None, text: str, *, code: str = "invalid", component: int | None = None) -> None:
        self.message.problems.append(
            edifact.Problem(
                "element" if element else "segment",
                SyntaxError_.INVALID_VALUE,
                str(text),
                self.message.reference,
                segment.tag,
                segment.position,
                element,
                component,
            )
        )
        self.outcome.errors.append({"code": code, "message": str(text), "segment": segment.tag, "position": segment.position, "element": element})

    def unsupported(self, text: str, *, code: str = "not_supported") -> None:
        self.message.problems.append(edifact.Problem("message", SyntaxError_.VALUE_NOT_SUPPORTED, str(text), self.message.reference, "UNH", 1, 2))
        self.outcome.errors.append({"code": code, "message": str(text), "segment": "UNH", "position": 1, "element": 2})


def _given(quantity: Quantity | None, amount: int | None = None) -> GivenQuantity:
    """A quantity as the services take it, in the unit the message gave (PCE eaches, CS cases)."""
    if quantity is None:
        return GivenQuantity(amount)
    return GivenQuantity(quantity.amount if amount is None else amount, UNITS.get(quantity.unit, quantity.unit), ref=quantity.segment)


def _locate(problem: FieldError, header: edifact.Segment) -> tuple[edifact.Segment, int | None, int | None]:
    """The segment, element and component a service's error is about: a quantity's QTY, a line's LIN, or the header."""
    ref = problem.ref
    if isinstance(ref, edifact.Segment):
        if ref.tag == "QTY":
            return ref, 1, 3 if problem.field == "unit_of_measure" else 2
        return ref, 1, None
    if isinstance(ref, ResponseLine | DespatchLine):
        qualifier = {"accepted": Qty.DESPATCH, "backordered": Qty.BACKORDER, "rejected": Qty.ORDERED}.get(problem.field or "")
        quantity = ref.quantities.get(qualifier) if isinstance(ref, ResponseLine) and qualifier else None
        if quantity is not None:
            return quantity.segment, 1, 2
        return ref.lin, 3 if problem.field in ("gtin", "asin", "vendor_sku") else 1, None
    if isinstance(ref, Package):
        return (ref.gin or ref.cps), 2 if ref.gin is not None else 1, None
    return header, 2, None


def _file_service_errors(error: PortalError, problems: _MessageProblems, header: edifact.Segment) -> None:
    for problem in error.field_errors():
        segment, element, component = _locate(problem, header)
        problems.element(segment, element, problem.message, code=problem.code, component=component)


# ORDRSP: purchase_order_acknowledge ------------------------------------------------------------------
def _receive_ordrsp(message: edifact.Message, context: _Context) -> _Outcome:
    response: OrderResponse = message.document
    outcome = _Outcome(reference=response.po_number[:60])
    problems = _MessageProblems(message, outcome)
    if not context.may(RoleAction.CONFIRM_PURCHASE_ORDERS):
        problems.element(response.bgm, 2, _("Your role does not allow confirming purchase orders."), code="forbidden")
        return outcome
    po = PurchaseOrder.objects.visible_to(context.scope).filter(number=response.po_number).first()
    if po is None:
        rff = next(s for s in message.segments if s.tag == "RFF" and s.get(1) == "ON")
        problems.element(rff, 1, _("Purchase order %(number)s not found.") % {"number": response.po_number}, code="not_found", component=2)
        return outcome
    outcome.obj = po
    confirmations = []
    for line in response.lines:
        ordered = line.quantities.get(Qty.ORDERED)
        confirmation = LineConfirmation(sequence=line.line_number, ref=line, ordered=_given(ordered) if ordered else None, **line.item.named())
        reason = REJECTION_REASONS.get(line.reason, RejectionReason.TEMPORARILY_UNAVAILABLE)
        if line.action == LineAction.ACCEPTED:
            accepted = line.quantities.get(Qty.DESPATCH) or ordered
            if accepted is None:
                problems.element(line.lin, 1, _("Line %(n)s: give QTY 21 (ordered) or 12 (to be despatched).") % {"n": line.line_number or "-"})
                continue
            confirmation.given.append(("accepted", _given(accepted)))
        elif line.action == LineAction.NOT_ACCEPTED:
            if ordered is None:
                problems.element(line.lin, 1, _("Line %(n)s: give QTY 21, the ordered quantity not accepted.") % {"n": line.line_number or "-"})
                continue
            confirmation.given.append(("rejected", _given(ordered)))
            confirmation.rejection_reason = reason
        else:  # changed: what is despatched (12), what follows later (83), the rest of the ordered (21) is not accepted
            despatched, backordered = line.quantities.get(Qty.DESPATCH), line.quantities.get(Qty.BACKORDER)
            if ordered is None or ordered.amount is None:
                problems.element(line.lin, 1, _("Line %(n)s: a changed line gives QTY 21, the ordered quantity.") % {"n": line.line_number or "-"})
                continue
            accepted_amount = despatched.amount or 0 if despatched else 0
            backordered_amount = backordered.amount or 0 if backordered else 0
            if despatched is not None:
                confirmation.given.append(("accepted", _given(despatched)))
            if backordered is not None:
                confirmation.given.append(("backordered", _given(backordered)))
                confirmation.backorder_date = line.dates.get("11") or line.dates.get("2")
            # The rest is counted in QTY 21's unit, which must then be the others' unit too.
            units = {q.unit for q in (despatched, backordered) if q is not None}
            if units - {ordered.unit}:
                problems.element(line.lin, 1, _("Line %(n)s: give QTY 12 and 83 in the unit of QTY 21.") % {"n": line.line_number or "-"})
                continue
            rest = ordered.amount - accepted_amount - backordered_amount
            if rest > 0:
                confirmation.given.append(("rejected", _given(ordered, rest)))
                confirmation.rejection_reason = reason
        confirmations.append(confirmation)
    if outcome.errors:
        return outcome
    try:
        purchase_order_acknowledge(
            scope=context.scope,
            number=po.number,
            lines=confirmations,
            actor=context.actor,
            scheduled_ship_date=response.ship_date,
            scheduled_delivery_date=response.delivery_date,
        )
    except PortalError as error:
        _file_service_errors(error, problems, response.bgm)
    return outcome


# DESADV: shipment_create_from_confirmation ---------------------------------------------------------
def _receive_desadv(message: edifact.Message, context: _Context) -> _Outcome:
    from shipments.models import TransportMode
    from shipments.services.confirmations import ConfirmedCarton, ConfirmedPallet, ShipmentConfirmationInput, shipment_create_from_confirmation
    from shipments.services.plans import ShipPlanLine
    from vendor_portal.models import ShipFromAddress

    from .inbound_856 import TRANSPORT_METHODS_856

    advice: DespatchAdvice = message.document
    outcome = _Outcome(reference=advice.number[:60])
    problems = _MessageProblems(message, outcome)
    if not context.may(RoleAction.MANAGE_SHIPMENTS):
        problems.element(advice.bgm, 2, _("Your role does not allow submitting ASNs."), code="forbidden")
        return outcome
    totals: dict[tuple, ShipPlanLine] = {}

    def shipped(line: DespatchLine) -> ShipPlanLine:
        quantity = line.quantity
        return ShipPlanLine(
            None,
            quantity.amount,
            ref=quantity.segment,
            purchase_order_number=line.po_number,
            sequence=line.line_number,
            unit_of_measure=UNITS.get(quantity.unit, quantity.unit),
            **line.item.named(),
        )

    def add(line: DespatchLine) -> ShipPlanLine:
        key = (line.po_number, line.line_number, line.item.gtin, line.item.asin, line.item.vendor_sku, line.quantity.unit)
        if key in totals:
            totals[key].quantity += line.quantity.amount or 0
        else:
            totals[key] = shipped(line)
        return shipped(line)

    cartons: list[ConfirmedCarton] = []
    pallets: list[ConfirmedPallet] = []
    carton_index: dict[int, int] = {}
    for package in advice.packages:
        if package.lines and package.sscc:
            carton_index[id(package)] = len(cartons)
            cartons.append(ConfirmedCarton(sscc=package.sscc, items=[add(line) for line in package.lines], ref=package))
        else:
            for line in package.lines:  # loose, outside any labelled package
                add(line)
    for package in advice.packages:
        held = [carton_index[id(child)] for child in package.children if id(child) in carton_index]
        if package.sscc and held:
            pallets.append(ConfirmedPallet(sscc=package.sscc, cartons=held, ref=package))
        elif package.sscc and package.children and not package.lines:
            problems.element(
                package.gin or package.cps, 2, _("Pack the lines of %(sscc)s in packages (CPS) with their own SSCCs.") % {"sscc": package.sscc}
            )
    if outcome.errors:
        return outcome
    po_numbers = {line.po_number for line in advice.lines}
    dcs = set(PurchaseOrder.objects.visible_to(context.scope).filter(number__in=po_numbers).values_list("ship_to__code", flat=True))
    ship_from = (
        advice.ship_from if advice.ship_from and ShipFromAddress.objects.for_vendor(context.vendor).filter(code=advice.ship_from).exists() else ""
    )
    data = ShipmentConfirmationInput(
        ship_to=advice.ship_to or (next(iter(dcs)) if len(dcs) == 1 else ""),
        shipment_identifier=advice.number,
        ship_date=advice.despatch_date,
        lines=list(totals.values()),
        transport_mode=TransportMode.LTL,
        transport_method=TRANSPORT_METHODS_856.get({"1": "O", "4": "A", "40": "A", "10": "O"}.get(advice.transport_mode, ""), "road"),
        carrier_scac=advice.carrier,
        bol_number=advice.bill_of_lading,
        estimated_arrival=advice.estimated_arrival,
        ship_from=ship_from,
        cartons=cartons,
        pallets=pallets,
    )
    try:
        outcome.obj = shipment_create_from_confirmation(scope=context.scope, data=data, actor=context.actor)
    except PortalError as error:
        _file_service_errors(error, problems, advice.bgm)
    return outcome


# INVOIC: invoice_create and invoice_submit ---------------------------------------------------------
def _invoice_input(invoice: Invoice) -> InvoiceInput:
    data = InvoiceInput(
        number=invoice.number,
        invoice_type="CreditNote" if invoice.is_credit_note else "Invoice",
        invoice_date=invoice.invoice_date,
        grand_total=invoice.total,
    )
    if invoice.currency:
        data.currency = invoice.currency
    data.lines = [
        InvoiceLineInput(
            sequence=line.line_number or index + 1,
            purchase_order_number=line.po_number,
            asin=line.item.asin,
            vendor_sku=line.item.vendor_sku,
            quantity=line.quantity.amount,
            unit_of_measure=UNITS.get(line.quantity.unit, line.quantity.unit),
            unit_cost=line.unit_price,
            # A price per piece on a line counted in cases: the service prices the case at the PO line's size.
            unit_cost_per_each=line.price_unit in ("PCE", "EA", "C62") and UNITS.get(line.quantity.unit) == "Cases",
            tax_type=line.taxes[0].type if line.taxes else "",
            tax_rate=(line.taxes[0].rate or Decimal(0)) if line.taxes else Decimal(0),
            tax_amount=sum((tax.amount or Decimal(0) for tax in line.taxes), Decimal(0)),
            ref=line.lin,
        )
        for index, line in enumerate(invoice.lines)
    ]
    if invoice.taxes:
        data.taxes = [
            InvoiceTaxInput(tax_type=tax.type, rate=tax.rate or Decimal(0), amount=tax.amount or Decimal(0), ref=tax.segment) for tax in invoice.taxes
        ]
    return data


def _receive_invoic(message: edifact.Message, context: _Context) -> _Outcome:
    invoice: Invoice = message.document
    outcome = _Outcome(reference=invoice.number[:60])
    problems = _MessageProblems(message, outcome)
    if not context.may(RoleAction.MANAGE_INVOICES):
        problems.element(invoice.bgm, 2, _("Your role does not allow submitting invoices."), code="forbidden")
        return outcome
    lin_by_sequence = {line.line_number: line.lin for line in invoice.lines}
    try:
        with transaction.atomic():
            created = invoice_create(scope=context.scope, data=_invoice_input(invoice), actor=context.actor)
            outcome.obj = invoice_submit(scope=context.scope, invoice_id=created.pk, actor=context.actor)
    except PortalError as error:
        for problem in error.field_errors():
            if problem.ref is None and problem.data.get("sequence") in lin_by_sequence:
                problem = FieldError(lin_by_sequence[problem.data["sequence"]], problem.field, problem.code, problem.message, problem.data)
            if problem.ref is None and problem.field in ("grand_total", "items_subtotal", "tax_total", "taxes"):
                moa = next((s for s in reversed(message.segments) if s.tag == "MOA"), invoice.bgm)
                problems.element(moa, 1, problem.message, code=problem.code, component=2)
                continue
            segment, element, component = _locate(problem, invoice.bgm)
            problems.element(segment, element, problem.message, code=problem.code, component=component)
    return outcome


# CONTRL: the partner's answer to what the portal sent ----------------------------------------------
def _receive_contrl(message: edifact.Message, context: _Context) -> _Outcome:
    report = edifact.read_contrl(message)
    outcome = _Outcome(reference=report.interchange_reference[:60] if report else "")
    if report is None:
        outcome.errors.append({"code": "required", "message": _("UCI is missing."), "segment": "UCI", "position": None, "element": None})
        return outcome
    sent = (
        Interchange.objects.outbound()
        .filter(partner=context.partner, control_number=report.interchange_reference[:14])
        .exclude(set_ids="CONTRL")
        .first()
    )
    if sent is None:
        uci = message.first("UCI")
        _MessageProblems(message, outcome).element(
            uci, 1, _("No interchange %(number)s was sent to you.") % {"number": report.interchange_reference}, code="not_found"
        )
        return outcome
    by_reference = {m.reference: m for m in report.messages}
    for record in TransactionRecord.objects.filter(interchange=sent):
        answer = by_reference.get(record.control_number)
        accepted = report.accepted and (answer.accepted if answer is not None else True)
        errors = (
            []
            if accepted
            else [
                {
                    "code": "rejected_by_partner",
                    "message": _("Rejected by the partner's CONTRL (action %(action)s).") % {"action": (answer or report).action},
                }
            ]
        )
        TransactionRecord.objects.filter(pk=record.pk).update(status=SetStatus.ACCEPTED if accepted else SetStatus.REJECTED, errors=errors)
    before = {"status": sent.status, "acknowledgement": sent.acknowledgement_id}
    sent.status = _status_from_sets(set(TransactionRecord.objects.filter(interchange=sent).values_list("status", flat=True)))
    sent.acknowledgement = context.interchange
    sent.save(update_fields=["status", "acknowledgement"])
    audit_record(
        actor=context.actor,
        action="edi_interchange.acknowledged",
        obj=sent,
        before=before,
        after={"status": sent.status, "acknowledgement": context.interchange.pk},
    )
    outcome.obj = sent
    return outcome


def _outbound_only(message: edifact.Message, context: _Context) -> _Outcome:
    outcome = _Outcome()
    _MessageProblems(message, outcome).unsupported(_("The retailer sends %(type)s messages; it does not accept them.") % {"type": message.type})
    return outcome


HANDLERS = {"ORDRSP": _receive_ordrsp, "DESADV": _receive_desadv, "INVOIC": _receive_invoic, "CONTRL": _receive_contrl, "ORDERS": _outbound_only}


# The interchange -----------------------------------------------------------------------------------
def _read(ix: edifact.Interchange) -> None:
    """Each message read into its document, or its problems filed (an unknown type is refused)."""
    for message in ix.messages:
        if message.problems:
            continue
        if message.type not in HANDLERS:
            message.problems.append(
                edifact.Problem(
                    "message",
                    SyntaxError_.VALUE_NOT_SUPPORTED,
                    _("The retailer does not read %(type)s messages.") % {"type": message.type or "-"},
                    element_position=2,
                    **message.unh_problem_target,
                )
            )
            continue
        reader = edifact.READERS.get(message.type)
        message.document = reader(message) if reader is not None else message


def _dispatch(ix: edifact.Interchange, context: _Context, progress: Callable[[int, int], None] | None) -> dict[int, _Outcome]:
    outcomes: dict[int, _Outcome] = {}
    for done, message in enumerate(ix.messages):
        if progress is not None:
            progress(done, len(ix.messages))
        if message.problems or message.document is None:
            continue
        try:
            with transaction.atomic():
                outcomes[id(message)] = HANDLERS[message.type](message, context)
        except Exception:  # noqa: BLE001 - one bad message must not lose the others or the CONTRL
            logger.exception("EDIFACT %s %s of interchange %s failed", message.type, message.reference, context.interchange.pk)
            outcome = _Outcome()
            _MessageProblems(message, outcome).unsupported(
                _("The portal could not process this message; the retailer has been told."), code="internal_error"
            )
            outcomes[id(message)] = outcome
    return outcomes


def _answer(ix: edifact.Interchange, partner: TradingPartner, actor: Actor) -> Interchange | None:
    """The CONTRL for a received interchange (never for a CONTRL: that would answer answers forever)."""
    if ix.messages and all(message.type == "CONTRL" for message in ix.messages) and not ix.problems:
        return None
    reference = str(_allocate(partner, ControlNumberKind.EDIFACT_INTERCHANGE))
    message_reference = str(_allocate(partner, ControlNumberKind.EDIFACT_MESSAGE))
    text = edifact.write_interchange(
        sender=(retailer_gln(), edifact.GLN_QUALIFIER),
        recipient=(partner.gln, edifact.GLN_QUALIFIER),
        control_reference=reference,
        messages=[edifact.build_contrl(ix, message_reference)],
        prepared_at=timezone.now(),
    )
    return _store_outbound(
        partner=partner,
        isa_control_number=reference,
        text=text,
        sets=[_OutboundSet("CONTRL", "", message_reference, reference=ix.control_reference)],
        actor=actor,
        action="edi_interchange.acknowledge",
    )


def _problem_dict(problem: edifact.Problem) -> dict:
    return {
        "level": problem.level,
        "code": problem.code,
        "message": _storable(problem.message),
        "group": "",
        "set": _storable(problem.message_reference),
        "segment": _storable(problem.segment_tag),
        "position": problem.segment_position,
        "element": problem.element_position,
        "bad_value": "",
    }


def edifact_interchange_process(
    interchange: Interchange, *, actor: Actor, scope, check_permissions: bool, progress: Callable[[int, int], None] | None = None
) -> Interchange:
    """edi_interchange_process for an EDIFACT interchange (the caller checked it is still "received")."""
    from .inbound import HEADER_FIELDS, _inbound_status_of, _problem_summary, edi_limits

    ix = edifact.parse_interchange(interchange.content, max_messages=edi_limits()[1])
    del interchange.content
    if progress is not None:
        progress(0, len(ix.messages))
    vendor = interchange.vendor
    partner = None
    if ix.envelope_read:
        partner = TradingPartner.objects.for_vendor(vendor).filter(is_active=True, gln=ix.sender_id).exclude(gln="").first()
        if partner is None:
            ix.problems.append(
                edifact.Problem(
                    "interchange",
                    SyntaxError_.UNKNOWN_SENDER,
                    _("UNB sender %(sender)s is not an active trading partner of %(vendor)s.") % {"sender": ix.sender_id, "vendor": vendor.code},
                    segment_tag="UNB",
                    element_position=2,
                )
            )
        if ix.recipient_id != retailer_gln():
            ix.problems.append(
                edifact.Problem(
                    "interchange",
                    SyntaxError_.RECIPIENT_NOT_ACTUAL,
                    _("UNB recipient %(recipient)s is not the retailer (%(us)s).") % {"recipient": ix.recipient_id, "us": retailer_gln()},
                    segment_tag="UNB",
                    element_position=3,
                )
            )
    with transaction.atomic():
        if not Interchange.objects.select_for_update().filter(pk=interchange.pk, status=InterchangeStatus.RECEIVED).exists():
            return Interchange.objects.select_related("vendor").defer("content", "problems").get(pk=interchange.pk)
        interchange.partner = partner
        interchange.control_number = _storable(ix.control_reference[:14])
        interchange.sender_qualifier, interchange.sender_id = _storable(ix.sender_qualifier[:2]), _storable(ix.sender_id[:15])
        interchange.receiver_qualifier, interchange.receiver_id = _storable(ix.recipient_qualifier[:2]), _storable(ix.recipient_id[:15])
        interchange.set_ids = ",".join(dict.fromkeys(_storable(m.type[:6]) for m in ix.messages))[:200]
        interchange.set_count = len(ix.messages)
        _save_detecting_duplicate(interchange, ix, HEADER_FIELDS)
        context = _Context(vendor=vendor, partner=partner, scope=scope, actor=actor, interchange=interchange, check_permissions=check_permissions)
        outcomes = {}
        if not ix.problems:
            _read(ix)
            outcomes = _dispatch(ix, context, progress)
        answer = _answer(ix, partner, actor) if partner is not None else None
        records = _records(interchange, ix, outcomes)
        TransactionRecord.objects.bulk_create(records, batch_size=1000)
        _problem_summary(interchange, [_problem_dict(p) for p in ix.all_problems])
        interchange.acknowledgement = answer
        interchange.status = _inbound_status_of(bool(ix.problems), records, bool(ix.all_problems))
        interchange.save(update_fields=["problems", "problem_count", "first_problem", "acknowledgement", "status"])
        audit_record(
            actor=actor,
            action="edi_interchange.receive",
            obj=interchange,
            after={
                "status": interchange.status,
                "syntax": "edifact",
                "source": interchange.source,
                "control_number": interchange.control_number,
                "sender": interchange.sender_id,
                "duplicate_of": interchange.duplicate_of_id,
                "sets": [{"set": r.set_id, "control_number": r.control_number, "status": r.status, "reference": r.reference} for r in records[:100]],
                "set_count": len(records),
                "acknowledgement": answer.pk if answer else None,
            },
        )
    return interchange


def _save_detecting_duplicate(interchange: Interchange, ix: edifact.Interchange, fields: list[str]) -> None:
    """A repeated UNB control reference from the same partner is kept as a duplicate and refused (0085 26)."""
    if interchange.partner is None or not interchange.control_number:
        interchange.save(update_fields=fields)
        return
    originals = Interchange.objects.inbound().filter(
        partner=interchange.partner, control_number=interchange.control_number, duplicate_of__isnull=True
    )
    original = originals.exclude(pk=interchange.pk).only("pk", "created_at").first()
    if original is None:
        try:
            with transaction.atomic():
                interchange.save(update_fields=fields)
            return
        except IntegrityError:
            original = originals.exclude(pk=interchange.pk).only("pk", "created_at").get()
    interchange.duplicate_of = original
    interchange.save(update_fields=[*fields, "duplicate_of"])
    ix.problems.append(
        edifact.Problem(
            "interchange",
            SyntaxError_.DUPLICATE,
            _("Interchange %(number)s was already received on %(when)s; it is not processed again.")
            % {"number": interchange.control_number, "when": timezone.localtime(original.created_at).strftime("%Y-%m-%d %H:%M %Z")},
            segment_tag="UNB",
            element_position=5,
        )
    )


def _records(interchange: Interchange, ix: edifact.Interchange, outcomes: dict[int, _Outcome]) -> list[TransactionRecord]:
    records = []
    for message in ix.messages:
        outcome = outcomes.get(id(message), _Outcome())
        problems = [*ix.problems[:10], *message.problems]
        errors = outcome.errors or [
            {
                "code": p.code,
                "message": _storable(p.message),
                "segment": _storable(p.segment_tag),
                "position": p.segment_position,
                "element": p.element_position,
            }
            for p in problems
        ]
        accepted = not errors and id(message) in outcomes
        records.append(
            TransactionRecord(
                interchange=interchange,
                set_id=_storable(message.type[:6]),
                control_number=_storable(message.reference[:14]),
                status=SetStatus.ACCEPTED if accepted else SetStatus.REJECTED,
                errors=errors,
                reference=_storable(outcome.reference),
                object_type=outcome.obj._meta.label_lower if outcome.obj is not None else "",
                object_id=str(outcome.obj.pk) if outcome.obj is not None else "",
            )
        )
    return records
