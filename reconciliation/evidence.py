"""The evidence locker: for a deduction, the records that prove (or disprove) it, gathered from its links.

Computed on read, never stored: the links (shipment, invoice line, PO, compliance event) already say
where to look, so evidence recorded after the deduction was raised (a late receipt, a moved appointment)
shows too. `deduction_evidence(*, deduction)` costs the same few queries whatever the shipment holds:

- the compliance event that raised a chargeback (what happened, when);
- the ASN transmissions of the shipments involved (the audit rows of each submit and Replace, with their
  channel and time), the BOL/PRO and carrier;
- the label and packing-list renders (Documents), the delivery appointments with their moves and arrival;
- the DC's receipts: units counted and cartons scanned, and the scans of the carton a label fault is about;
- the invoice and its PDF, the 3-way match numbers of a claim;
- the vendor's own attachments (uploaded to the deduction).

The shipments of a claim are the deduction's own shipment, else those carrying the billed PO line (or PO).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal.audit_text import when
from vendor_portal.models import AuditEvent, Document

from .models import Deduction

ATTACHMENT_KIND = "deduction_evidence"  # the vendor's own files, stored as Documents of the deduction
SHIPMENT_DOCUMENT_KINDS = ("shipment_labels", "packing_list", "packing_list_upload")
ASN_ACTIONS = ("shipment.submit", "shipment.replace")
MAX_SHIPMENTS = 20  # a claim on a PO line shipped in more parts than this is rare; the newest are kept


class EvidenceKind:
    COMPLIANCE_EVENT = "compliance_event"
    ASN_TRANSMISSION = "asn_transmission"
    BILL_OF_LADING = "bill_of_lading"
    LABEL_RENDER = "label_render"
    PACKING_LIST = "packing_list"
    APPOINTMENT = "appointment"
    CARTON_SCAN = "carton_scan"
    RECEIPT = "receipt"
    INVOICE = "invoice"
    MATCH = "match"
    ATTACHMENT = "attachment"

    LABELS = {
        COMPLIANCE_EVENT: gettext_lazy("Compliance event"),
        ASN_TRANSMISSION: gettext_lazy("ASN transmission"),
        BILL_OF_LADING: gettext_lazy("BOL and PRO"),
        LABEL_RENDER: gettext_lazy("Labels"),
        PACKING_LIST: gettext_lazy("Packing list"),
        APPOINTMENT: gettext_lazy("Delivery appointment"),
        CARTON_SCAN: gettext_lazy("Carton scans"),
        RECEIPT: gettext_lazy("Receipt"),
        INVOICE: gettext_lazy("Invoice"),
        MATCH: gettext_lazy("3-way match"),
        ATTACHMENT: gettext_lazy("Your attachment"),
    }


@dataclass(frozen=True)
class EvidenceItem:
    kind: str
    title: str
    occurred_at: datetime.datetime | None
    url: str = ""  # the source record's page
    detail: str = ""
    document: Document | None = None
    # The record the item was read from, as the API names it: ("shipments.shipment", 12). Its page is `url`.
    source_type: str = ""
    source_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(EvidenceKind.LABELS[self.kind])


def _day(value: datetime.date | None) -> str:
    return date_format(value, "DATE_FORMAT") if value else "—"


def deduction_shipment_ids(deduction: Deduction) -> list[int]:
    """The shipments the deduction is about: its own, else those that carried what was billed."""
    from invoicing.models import InvoiceLine
    from shipments.models import ShipmentLine, ShipmentState

    if deduction.shipment_id:
        return [deduction.shipment_id]
    lines = ShipmentLine.objects.filter(shipment__vendor_id=deduction.vendor_id).exclude(
        shipment__state__in=[ShipmentState.DRAFT, ShipmentState.CANCELLED]
    )
    if deduction.invoice_line_id:
        lines = lines.filter(purchase_order_line_id__in=InvoiceLine.objects.filter(pk=deduction.invoice_line_id).values("purchase_order_line_id"))
    elif deduction.purchase_order_id:
        lines = lines.filter(purchase_order_line__purchase_order_id=deduction.purchase_order_id)
    elif deduction.invoice_id:
        lines = lines.filter(purchase_order_line_id__in=InvoiceLine.objects.filter(invoice_id=deduction.invoice_id).values("purchase_order_line_id"))
    else:
        return []
    return list(lines.order_by("-shipment_id").values_list("shipment_id", flat=True).distinct()[:MAX_SHIPMENTS])


def _compliance_item(deduction: Deduction) -> list[EvidenceItem]:
    from shipments.models import LABEL_EVENT_KINDS, ComplianceEvent, ComplianceEventKind

    if not deduction.compliance_event_id:
        return []
    event = ComplianceEvent.objects.filter(pk=deduction.compliance_event_id, vendor_id=deduction.vendor_id).select_related("shipment").first()
    if event is None:
        return []
    identifier = event.shipment.shipment_identifier if event.shipment_id else ""
    details = event.details or {}
    if event.kind == ComplianceEventKind.ASN_LATE and details.get("ship_date"):
        detail = _("ASN sent %(sent)s; the ship date was %(date)s.") % {
            "sent": when(details.get("submitted_at") or event.occurred_at),
            "date": _day(datetime.date.fromisoformat(details["ship_date"])),
        }
    elif event.kind in LABEL_EVENT_KINDS and details.get("sscc"):
        values = {"n": details.get("carton", "—"), "sscc": details["sscc"], "dc": details.get("warehouse", "—")}
        if event.kind == ComplianceEventKind.LABEL_MISSING:
            detail = _("Carton %(n)s (SSCC %(sscc)s) arrived at %(dc)s without a label.") % values
        else:
            detail = _("The label of carton %(n)s (SSCC %(sscc)s) would not scan at %(dc)s: the SSCC was keyed in.") % values
        if details.get("pallet"):
            detail += " " + _("It came on pallet %(pallet)s.") % {"pallet": details["pallet"]}
    else:
        from vendor_portal.audit_text import labelled_values

        detail = "; ".join(f"{label}: {value}" for label, value in labelled_values(details))
    return [
        EvidenceItem(
            kind=EvidenceKind.COMPLIANCE_EVENT,
            title=_("%(kind)s recorded for %(id)s") % {"kind": event.get_kind_display(), "id": identifier}
            if identifier
            else event.get_kind_display(),
            occurred_at=event.occurred_at,
            url=reverse("shipment_detail", args=[event.shipment_id]) if event.shipment_id else "",
            detail=detail,
            source_type="shipments.complianceevent",
            source_id=event.pk,
        )
    ]


def _shipment_items(deduction: Deduction, shipments: dict) -> list[EvidenceItem]:
    items = []
    for shipment in shipments.values():
        url = reverse("shipment_detail", args=[shipment.pk])
        if shipment.bol_number or shipment.pro_number:
            parts = []
            if shipment.bol_number:
                parts.append(_("BOL %(n)s") % {"n": shipment.bol_number})
            if shipment.pro_number:
                parts.append(_("PRO %(n)s") % {"n": shipment.pro_number})
            items.append(
                EvidenceItem(
                    kind=EvidenceKind.BILL_OF_LADING,
                    title=_("%(numbers)s for %(id)s") % {"numbers": " · ".join(parts), "id": shipment.shipment_identifier},
                    occurred_at=shipment.submitted_at,
                    url=url,
                    detail=_("Carrier %(carrier)s, shipped %(date)s to %(dc)s.")
                    % {
                        "carrier": shipment.carrier_name or shipment.carrier_scac or "—",
                        "date": _day(shipment.ship_date),
                        "dc": shipment.ship_to.code,
                    },
                    source_type="shipments.shipment",
                    source_id=shipment.pk,
                )
            )
    ids = [str(pk) for pk in shipments]
    transmissions = AuditEvent.objects.filter(
        vendor_id=deduction.vendor_id, object_type="shipments.shipment", object_id__in=ids, action__in=ASN_ACTIONS
    ).order_by("occurred_at", "id")
    for event in transmissions:
        shipment = shipments[int(event.object_id)]
        revision = (event.after or {}).get("asn_revision")
        title = (
            _("Original ASN %(id)s sent") % {"id": shipment.shipment_identifier}
            if event.action == "shipment.submit"
            else _("Replace ASN %(id)s sent (revision %(n)s)") % {"id": shipment.shipment_identifier, "n": revision or "—"}
        )
        items.append(
            EvidenceItem(
                kind=EvidenceKind.ASN_TRANSMISSION,
                title=title,
                occurred_at=event.occurred_at,
                url=reverse("shipment_detail", args=[shipment.pk]),
                detail=_("Through %(channel)s by %(who)s; ship date %(date)s.")
                % {"channel": event.get_channel_display(), "who": event.actor_label, "date": _day(shipment.ship_date)},
                source_type="vendor_portal.auditevent",
                source_id=event.pk,
            )
        )
    return items


def _appointment_items(deduction: Deduction, shipments: dict) -> list[EvidenceItem]:
    from appointments.models import Appointment

    items = []
    appointments = Appointment.objects.filter(vendor_id=deduction.vendor_id, shipment_id__in=list(shipments)).select_related("warehouse")
    for appointment in appointments.order_by("created_at", "pk"):
        shipment = shipments[appointment.shipment_id]
        parts = [_("Slot %(start)s, door %(door)s.") % {"start": when(appointment.slot_start), "door": appointment.door}]
        if appointment.previous_slots:
            parts.append(
                _("Moved %(n)s times; first slot %(start)s.")
                % {"n": len(appointment.previous_slots), "start": when(appointment.previous_slots[0].get("slot_start"))}
            )
        if appointment.arrived_at:
            parts.append(
                (_("Arrived late %(at)s.") if appointment.arrived_late else _("Arrived on time %(at)s.")) % {"at": when(appointment.arrived_at)}
            )
        if appointment.reason:
            parts.append(appointment.reason)
        items.append(
            EvidenceItem(
                kind=EvidenceKind.APPOINTMENT,
                title=_("Appointment %(ref)s at %(dc)s for %(id)s: %(state)s")
                % {
                    "ref": appointment.reference,
                    "dc": appointment.warehouse.code,
                    "id": shipment.shipment_identifier,
                    "state": appointment.get_state_display(),
                },
                occurred_at=appointment.arrived_at or appointment.missed_at or appointment.slot_start,
                url=reverse("appointment_detail", args=[appointment.pk]),
                detail=" ".join(parts),
                source_type="appointments.appointment",
                source_id=appointment.pk,
            )
        )
    return items


def _receipt_items(deduction: Deduction, shipments: dict) -> list[EvidenceItem]:
    from shipments.models import Receipt

    receipts = (
        Receipt.objects.filter(shipment_id__in=list(shipments), shipment__vendor_id=deduction.vendor_id)
        .select_related("warehouse")
        .annotate(units=Sum("lines__quantity"), damaged=Sum("lines__damaged_quantity"), cartons=Count("lines__carton", distinct=True))
        .order_by("received_at", "pk")
    )
    items = []
    for receipt in receipts:
        shipment = shipments[receipt.shipment_id]
        values = {"dc": receipt.warehouse.code, "id": shipment.shipment_identifier, "units": receipt.units or 0, "cartons": receipt.cartons}
        if receipt.cartons:
            title = _("%(cartons)s cartons scanned at %(dc)s for %(id)s (%(units)s units)") % values
        else:
            title = _("%(units)s units counted at %(dc)s for %(id)s") % values
        detail = _("%(n)s damaged.") % {"n": receipt.damaged} if receipt.damaged else ""
        items.append(
            EvidenceItem(
                kind=EvidenceKind.CARTON_SCAN if receipt.cartons else EvidenceKind.RECEIPT,
                title=title,
                occurred_at=receipt.received_at,
                url=reverse("shipment_detail", args=[shipment.pk]),
                detail=" ".join(p for p in (detail, receipt.note) if p),
                source_type="shipments.receipt",
                source_id=receipt.pk,
            )
        )
    return items


def _carton_items(deduction: Deduction) -> list[EvidenceItem]:
    """The scans of the carton a compliance event is about (a label fault): when and how the DC received it."""
    from shipments.models import ComplianceEvent, ReceiptLine

    if not deduction.compliance_event_id:
        return []
    event = ComplianceEvent.objects.filter(pk=deduction.compliance_event_id, vendor_id=deduction.vendor_id, carton__isnull=False).first()
    if event is None:
        return []
    lines = (
        ReceiptLine.objects.filter(carton_id=event.carton_id, receipt__shipment__vendor_id=deduction.vendor_id)
        .select_related("carton", "receipt__warehouse", "receipt__pallet")
        .order_by("receipt__received_at", "pk")
    )
    by_receipt: dict[int, list] = {}
    for line in lines:
        by_receipt.setdefault(line.receipt_id, []).append(line)
    items = []
    for receipt_lines in by_receipt.values():
        receipt, carton = receipt_lines[0].receipt, receipt_lines[0].carton
        values = {"n": carton.index, "sscc": carton.sscc, "dc": receipt.warehouse.code}
        parts = [
            _("Received with pallet %(pallet)s.") % {"pallet": receipt.pallet.sscc} if receipt.pallet_id else _("Received on its own."),
            _("%(units)s units, %(damaged)s damaged.")
            % {"units": sum(line.quantity for line in receipt_lines), "damaged": sum(line.damaged_quantity for line in receipt_lines)},
        ]
        items.append(
            EvidenceItem(
                kind=EvidenceKind.CARTON_SCAN,
                title=_("Carton %(n)s (SSCC %(sscc)s) received at %(dc)s") % values,
                occurred_at=receipt.received_at,
                url=reverse("shipment_detail", args=[event.shipment_id]) if event.shipment_id else "",
                detail=" ".join(parts),
            )
        )
    return items


def _document_items(deduction: Deduction, shipments: dict) -> list[EvidenceItem]:
    wanted = Q(target_type="reconciliation.deduction", target_id=str(deduction.pk), kind=ATTACHMENT_KIND)
    if shipments:
        wanted |= Q(target_type="shipments.shipment", target_id__in=[str(pk) for pk in shipments], kind__in=SHIPMENT_DOCUMENT_KINDS)
    if deduction.invoice_id:
        wanted |= Q(target_type="invoicing.invoice", target_id=str(deduction.invoice_id), kind="invoice")
    items = []
    for document in Document.objects.filter(wanted, vendor_id=deduction.vendor_id).order_by("created_at", "pk"):
        if document.kind == ATTACHMENT_KIND:
            kind, url = EvidenceKind.ATTACHMENT, ""
        elif document.kind == "invoice":
            kind, url = EvidenceKind.INVOICE, reverse("invoice_detail", args=[deduction.invoice_id])
        else:
            kind = EvidenceKind.LABEL_RENDER if document.kind == "shipment_labels" else EvidenceKind.PACKING_LIST
            url = reverse("shipment_detail", args=[int(document.target_id)])
        # A file's source is the record it belongs to (the deduction, the shipment, the invoice); `document` is the file.
        items.append(
            EvidenceItem(
                kind=kind,
                title=document.title,
                occurred_at=document.created_at,
                url=url,
                document=document,
                source_type=document.target_type,
                source_id=int(document.target_id),
            )
        )
    return items


def _claim_items(deduction: Deduction, documents: list[EvidenceItem]) -> list[EvidenceItem]:
    from .models import MatchResult

    items = []
    invoice = deduction.invoice
    if invoice is not None and not any(item.kind == EvidenceKind.INVOICE for item in documents):
        items.append(
            EvidenceItem(
                kind=EvidenceKind.INVOICE,
                title=_("Invoice %(n)s") % {"n": invoice.number},
                occurred_at=invoice.submitted_at,
                url=reverse("invoice_detail", args=[invoice.pk]),
                detail=_("Invoiced %(date)s.") % {"date": _day(invoice.invoice_date)},
                source_type="invoicing.invoice",
                source_id=invoice.pk,
            )
        )
    if deduction.invoice_line_id:
        match = (
            MatchResult.objects.filter(invoice_line_id=deduction.invoice_line_id, invoice__vendor_id=deduction.vendor_id)
            .select_related("invoice_line")
            .first()
        )
        if match is not None:
            items.append(
                EvidenceItem(
                    kind=EvidenceKind.MATCH,
                    title=_("3-way match of invoice line %(n)s") % {"n": match.invoice_line.sequence},
                    occurred_at=match.computed_at,
                    url=reverse("invoice_detail", args=[match.invoice_id]),
                    detail=_("Ordered %(ordered)s, shipped %(shipped)s, received %(received)s, invoiced %(invoiced)s: %(short)s units short.")
                    % {
                        "ordered": match.ordered_quantity,
                        "shipped": match.shipped_quantity,
                        "received": match.received_quantity,
                        "invoiced": match.invoiced_quantity,
                        "short": match.shortage_units,
                    },
                    source_type="reconciliation.matchresult",
                    source_id=match.pk,
                )
            )
    return items


def deduction_evidence(*, deduction: Deduction) -> list[EvidenceItem]:
    """Every evidence item of the deduction, oldest first (an item without a time last). The deduction was
    read through the asker's scope; what it links to is read for its vendor only."""
    from shipments.models import Shipment

    ids = deduction_shipment_ids(deduction)
    shipments = {s.pk: s for s in Shipment.objects.filter(pk__in=ids, vendor_id=deduction.vendor_id).select_related("ship_to")} if ids else {}
    documents = _document_items(deduction, shipments)
    items = [*_compliance_item(deduction), *_carton_items(deduction), *documents, *_claim_items(deduction, documents)]
    if shipments:
        items += [*_shipment_items(deduction, shipments), *_appointment_items(deduction, shipments), *_receipt_items(deduction, shipments)]
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return sorted(items, key=lambda item: item.occurred_at or far)
