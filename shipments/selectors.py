"""Non-trivial reads of shipments: lists, receiving summaries, label and packing-list data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState, UnitOfMeasure
from shipments.labels import LabelData, LabelParty

from . import measurements
from .measurements import CaseData, Measurements
from .models import (
    LABEL_EVENT_KINDS,
    AsnType,
    Carton,
    CartonItem,
    ComplianceEvent,
    ComplianceEventKind,
    Pallet,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentState,
)


def _per_shipment(model):
    """How many `model` rows a shipment has, as a correlated subquery: computed for the page's rows only."""
    rows = model.objects.filter(shipment=OuterRef("pk")).order_by().values("shipment").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_box_counts(queryset):
    """carton_count and pallet_count of each shipment (the list's columns, on the screen and in the API)."""
    return queryset.annotate(carton_count=_per_shipment(Carton), pallet_count=_per_shipment(Pallet))


def shipment_list(*, scope, state: str | None = None):
    """The shipments the scope may see, newest first (the screen's and the API's list)."""
    queryset = with_box_counts(Shipment.objects.visible_to(scope).select_related("ship_to", "vendor", "marketplace"))
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-id")


def purchase_order_lines_open_to_ship(*, scope, ship_to=None):
    """Confirmed PO lines with units left to ship, for the ship plan builder."""
    queryset = (
        PurchaseOrderLine.objects.visible_to(scope)
        .filter(purchase_order__state__in=[PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED])
        .filter(shipped_quantity__lt=F("accepted_quantity") + F("backordered_quantity"))
        .select_related("purchase_order__ship_to", "product")
        .order_by("purchase_order__ship_window_end", "purchase_order__number", "sequence")
    )
    if ship_to is not None:
        queryset = queryset.filter(purchase_order__ship_to=ship_to)
    return queryset


def shipment_receiving_summary(*, shipment: Shipment) -> list[dict]:
    """Per shipment line: shipped (on the ASN), received, damaged, and over (+) or short (-)."""
    received = {
        row["shipment_line_id"]: row
        for row in ReceiptLine.objects.filter(receipt__shipment=shipment)
        .values("shipment_line_id")
        .annotate(received=Sum("quantity"), damaged=Sum("damaged_quantity"))
    }
    rows = []
    for line in shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"):
        po_line = line.purchase_order_line
        got = received.get(line.pk, {})
        rows.append(
            {
                "shipment_line": line.pk,
                "purchase_order": po_line.purchase_order.number,
                "sequence": po_line.sequence,
                "vendor_sku": po_line.vendor_sku,
                "title": po_line.title,
                "shipped": line.quantity,
                "received": got.get("received") or 0,
                "damaged": got.get("damaged") or 0,
                "over_short": (got.get("received") or 0) - line.quantity,
            }
        )
    return rows


def shipment_received_by_line(*, shipment: Shipment) -> list[dict]:
    """Units received and damaged so far on each line of the shipment (one query; what a scan's answer carries)."""
    rows = (
        shipment.lines.order_by("pk")
        .annotate(received=Sum("receipt_lines__quantity", default=0), damaged=Sum("receipt_lines__damaged_quantity", default=0))
        .values("pk", "received", "damaged")
    )
    return [{"shipment_line": row["pk"], "received": row["received"], "damaged": row["damaged"]} for row in rows]


def shipment_ready_for_receiving(*, scope, query: str = ""):
    """ASNs a DC may receive; `query` finds one by its identifier, a pallet or carton SSCC (as a scanner
    sends it), its BOL or its PRO number."""
    queryset = shipment_list(scope=scope).filter(state__in=[ShipmentState.SUBMITTED, ShipmentState.RECEIVING]).order_by("ship_date", "id")
    query = query.strip()
    if query:
        from .services.receiving import sscc_from_scan

        sscc = sscc_from_scan(query)
        queryset = queryset.filter(
            Q(shipment_identifier__icontains=query)
            | Q(bol_number__iexact=query)
            | Q(pro_number__iexact=query)
            | Exists(Carton.objects.filter(shipment=OuterRef("pk"), sscc=sscc))
            | Exists(Pallet.objects.filter(shipment=OuterRef("pk"), sscc=sscc))
        )
    return queryset


def shipment_receiving_cartons(*, shipment: Shipment) -> list[dict]:
    """The receiving screen's cartons in carton order: scanned or not, damaged, received with their pallet,
    `missing` for a carton not received although its pallet was scanned (reported missing), and the label
    faults reported of it (`label_missing`, `label_unreadable`)."""
    lines = ReceiptLine.objects.filter(carton=OuterRef("pk"))
    faults = ComplianceEvent.objects.filter(carton=OuterRef("pk"))
    scanned_pallets = set(Receipt.objects.filter(shipment=shipment, pallet__isnull=False).values_list("pallet_id", flat=True))
    rows = (
        shipment.cartons.order_by("index")
        .annotate(
            received=Exists(lines),
            damaged=Exists(lines.filter(damaged_quantity__gt=0)),
            with_pallet=Exists(lines.filter(receipt__pallet__isnull=False)),
            label_missing=Exists(faults.filter(kind=ComplianceEventKind.LABEL_MISSING)),
            label_unreadable=Exists(faults.filter(kind=ComplianceEventKind.LABEL_UNREADABLE)),
        )
        .values(
            "sscc", "index", "pallet_id", "pallet__index", "pallet__sscc", "received", "damaged", "with_pallet", "label_missing", "label_unreadable"
        )
    )
    return [
        {
            "sscc": row["sscc"],
            "index": row["index"],
            "pallet": row["pallet__index"],
            "pallet_sscc": row["pallet__sscc"],
            "received": row["received"],
            "damaged": row["damaged"],
            "with_pallet": row["with_pallet"],
            "missing": not row["received"] and row["pallet_id"] in scanned_pallets,
            "label_missing": row["label_missing"],
            "label_unreadable": row["label_unreadable"],
        }
        for row in rows
    ]


def carton_receiving_state(*, carton: Carton) -> dict:
    """One carton as receiving left it: received, damaged, and the label fault on the record (if any)."""
    lines = ReceiptLine.objects.filter(carton=carton)
    fault = ComplianceEvent.objects.filter(carton=carton, kind__in=LABEL_EVENT_KINDS).values_list("kind", flat=True).first()
    return {
        "shipment": carton.shipment_id,
        "sscc": carton.sscc,
        "carton": carton.index,
        "received": lines.exists(),
        "damaged": lines.filter(damaged_quantity__gt=0).exists(),
        "label_fault": fault,
    }


def _cartons_with_contents(shipment: Shipment):
    items = CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order", "shipment_line__purchase_order_line__product")
    return shipment.cartons.order_by("index").prefetch_related(Prefetch("items", queryset=items))


def _carton_summary(carton: Carton) -> tuple[list[str], set[str], int]:
    po_numbers, gtins, quantity = set(), set(), 0
    for item in carton.items.all():
        po_line = item.shipment_line.purchase_order_line
        po_numbers.add(po_line.purchase_order.number)
        gtins.add(po_line.product.gtin if po_line.product is not None else "")
        quantity += item.quantity
    return sorted(po_numbers), gtins, quantity


@dataclass
class _Contents:
    """What a carton (or a pallet) holds, for its label: PO numbers, GTINs, eaches, and cases when every
    line in it is ordered in cases of one size."""

    po_numbers: set
    gtins: set
    eaches: int = 0
    cases: int = 0
    case_sizes: set | None = None
    weight: Measurements | None = None

    def add(self, other: _Contents) -> None:
        self.po_numbers |= other.po_numbers
        self.gtins |= other.gtins
        self.eaches += other.eaches
        self.cases += other.cases
        self.case_sizes |= other.case_sizes

    @property
    def case_size(self) -> int | None:
        """The size of the cases when everything inside is counted in cases of one size."""
        if len(self.case_sizes) == 1:
            return next(iter(self.case_sizes))
        return None


_CARTON_LABEL_COLUMNS = (
    "id",
    "index",
    "sscc",
    "pallet_id",
    "weight",
    "weight_unit",
    "items__id",
    "items__quantity",
    "items__shipment_line__purchase_order_line__purchase_order__number",
    "items__shipment_line__purchase_order_line__product__gtin",
    "items__shipment_line__purchase_order_line__unit_of_measure",
    "items__shipment_line__purchase_order_line__unit_size",
    "items__shipment_line__purchase_order_line__product__case_pack",
    "items__shipment_line__purchase_order_line__product__carton_weight_kg",
)


def _carton_label_rows(shipment: Shipment) -> Iterator[tuple[int, str, int | None, _Contents]]:
    """(index, SSCC, pallet id, contents) per carton, in carton order; a draft's unweighed carton gets the
    weight estimated from its products' case weights.

    Plain rows streamed from one query (a row per item; one with NULLs for an empty carton), so the
    label job's memory does not grow with the cartons: model instances with prefetched items form
    reference cycles that linger until Python's cyclic garbage collector gets round to them."""
    rows = Carton.objects.filter(shipment=shipment).order_by("index", "items__id").values_list(*_CARTON_LABEL_COLUMNS)
    estimate = shipment.is_editable
    for _, items in groupby(rows.iterator(chunk_size=500), key=itemgetter(0)):
        contents = _Contents(set(), set(), case_sizes=set())
        cases_only, case_data = True, []
        for row in items:
            _id, index, sscc, pallet_id, weight, weight_unit, item_id, quantity, po_number, gtin, unit, unit_size, case_pack, case_kg = row
            if item_id is None:
                continue
            contents.po_numbers.add(po_number)
            contents.gtins.add(gtin or "")
            in_cases = unit == UnitOfMeasure.CASES
            contents.eaches += quantity * (unit_size if in_cases else 1)
            if in_cases:
                contents.cases += quantity
                contents.case_sizes.add(unit_size)
            cases_only = cases_only and in_cases
            case_data.append(CaseData(quantity * (unit_size if in_cases else 1), case_pack or 1, case_kg, None, None, None))
        if not cases_only:
            contents.case_sizes = {None}  # eaches inside: the label counts eaches only
        if weight is not None:
            contents.weight = Measurements(weight=weight, weight_unit=weight_unit)
        elif estimate:
            contents.weight = measurements.carton_estimate(case_data, weight_unit=shipment.weight_unit, dimension_unit=shipment.dimension_unit)
        yield index, sscc, pallet_id, contents


def shipment_label_data(*, shipment: Shipment) -> Iterator[LabelData]:
    """Carton marks (in carton order) then pallet labels, as the label renderer wants them.

    Streams cartons so a large shipment never sits in memory at once."""
    vendor = shipment.vendor
    if shipment.ship_from is not None:
        ship_from = LabelParty(shipment.ship_from.name or vendor.name, shipment.ship_from.address_lines())
    else:
        ship_from = LabelParty(vendor.name, [])
    warehouse = shipment.ship_to
    ship_to = LabelParty(warehouse.name, warehouse.address_lines())
    common = {
        "company_prefix_length": len(vendor.gs1_company_prefix),
        "ship_from": ship_from,
        "ship_to_code": warehouse.code,
        "ship_to": ship_to,
        "carrier_name": shipment.carrier_name or shipment.carrier_scac or "–",
        "pro_number": shipment.pro_number or None,
        "bol_number": shipment.bol_number or None,
    }
    carton_count = shipment.cartons.count()
    on_pallets: dict[int, _Contents] = {}
    carton_weights: dict[int, list] = defaultdict(list)
    cartons_on: dict[int, int] = defaultdict(int)
    for index, sscc, pallet_id, contents in _carton_label_rows(shipment):
        if pallet_id is not None:
            on_pallets.setdefault(pallet_id, _Contents(set(), set(), case_sizes=set())).add(contents)
            carton_weights[pallet_id].append(contents.weight or Measurements())
            cartons_on[pallet_id] += 1
        yield LabelData(kind="carton", sscc=sscc, index=index, count=carton_count, **_label_contents(contents), **common)
    pallets = list(shipment.pallets.order_by("index"))
    for pallet in pallets:
        contents = on_pallets.get(pallet.pk) or _Contents(set(), set(), case_sizes=set())
        if pallet.weight is not None:
            contents.weight = Measurements(weight=pallet.weight, weight_unit=pallet.weight_unit)
        elif shipment.is_editable:
            weight = measurements.total_weight(carton_weights[pallet.pk], shipment.weight_unit)
            contents.weight = Measurements(weight=weight, weight_unit=shipment.weight_unit) if weight is not None else None
        yield LabelData(
            kind="pallet",
            sscc=pallet.sscc,
            index=pallet.index,
            count=len(pallets),
            carton_count=cartons_on[pallet.pk],
            **_label_contents(contents),
            **common,
        )


def _label_contents(contents: _Contents) -> dict:
    size = contents.case_size
    weight = contents.weight
    return {
        "po_numbers": sorted(contents.po_numbers),
        "gtin": _single_gtin(contents.gtins),
        "quantity": contents.eaches,
        "cases": contents.cases if size else None,
        "case_size": size,
        "weight": weight.weight_text if weight is not None and weight.weight is not None else None,
    }


def _single_gtin(gtins: set[str]) -> str | None:
    """The GTIN when the carton or pallet holds one product; None prints "Mixed SKUs"."""
    if len(gtins) == 1:
        gtin = next(iter(gtins))
        return gtin or None
    return None


# Weights and dimensions ----------------------------------------------------------------------------
@dataclass
class ShipmentMeasures:
    """A shipment's cartons and pallets as weighed and measured (by pk), and its totals: the top-level
    containers (pallets and loose cartons) added up, each total unknown when one of them is."""

    cartons: dict[int, Measurements]
    pallets: dict[int, Measurements]
    gross_weight: Decimal | None
    weight_unit: str
    volume_m3: Decimal | None

    @property
    def gross_weight_text(self) -> str:
        return f"{measurements.plain(self.gross_weight)} {self.weight_unit}" if self.gross_weight is not None else ""


def carton_case_data(*, shipment: Shipment) -> dict[int, list[CaseData]]:
    """What each carton holds as the weight and size estimate needs it, by carton pk, in one query."""
    rows = CartonItem.objects.filter(carton__shipment=shipment).values_list(
        "carton_id",
        "quantity",
        "shipment_line__purchase_order_line__unit_of_measure",
        "shipment_line__purchase_order_line__unit_size",
        "shipment_line__purchase_order_line__product__case_pack",
        "shipment_line__purchase_order_line__product__carton_weight_kg",
        "shipment_line__purchase_order_line__product__carton_length_cm",
        "shipment_line__purchase_order_line__product__carton_width_cm",
        "shipment_line__purchase_order_line__product__carton_height_cm",
    )
    out: dict[int, list[CaseData]] = defaultdict(list)
    for carton_id, quantity, unit, unit_size, case_pack, weight, length, width, height in rows:
        eaches = quantity * (unit_size if unit == UnitOfMeasure.CASES else 1)
        out[carton_id].append(CaseData(eaches, case_pack or 1, weight, length, width, height))
    return out


def shipment_measurements(*, shipment: Shipment, cartons=None, pallets=None, estimate: bool | None = None) -> ShipmentMeasures:
    """Every carton's and pallet's weight and dimensions: as stored, and for a draft (or with `estimate`)
    estimated where nobody measured (cartons from their products' cases, pallets from the weight of their
    cartons). Pass `cartons`/`pallets` already loaded to save their queries."""
    cartons = list(shipment.cartons.all() if cartons is None else cartons)
    pallets = list(shipment.pallets.all() if pallets is None else pallets)
    estimate = shipment.is_editable if estimate is None else estimate
    case_data = carton_case_data(shipment=shipment) if estimate else {}
    units = {"weight_unit": shipment.weight_unit, "dimension_unit": shipment.dimension_unit}
    by_carton, on_pallet = {}, defaultdict(list)
    for carton in cartons:
        values = measurements.stored(carton)
        if estimate:
            values = values.or_else(measurements.carton_estimate(case_data.get(carton.pk, []), **units))
        by_carton[carton.pk] = values
        if carton.pallet_id is not None:
            on_pallet[carton.pallet_id].append(values)
    by_pallet = {}
    for pallet in pallets:
        values = measurements.stored(pallet)
        if estimate and values.weight is None:
            weight = measurements.total_weight(on_pallet[pallet.pk], shipment.weight_unit)
            values = values.or_else(Measurements(weight=weight, weight_unit=shipment.weight_unit))
        by_pallet[pallet.pk] = values
    top = list(by_pallet.values()) + [by_carton[carton.pk] for carton in cartons if carton.pallet_id is None]
    gross = shipment.gross_weight if shipment.gross_weight is not None else measurements.total_weight(top, shipment.weight_unit)
    return ShipmentMeasures(
        cartons=by_carton, pallets=by_pallet, gross_weight=gross, weight_unit=shipment.weight_unit, volume_m3=measurements.total_volume_m3(top)
    )


def line_quantity_text(quantity: int, po_line) -> str:
    """A quantity of a PO line in the line's unit, with the eaches when it counts cases."""
    return measurements.quantity_text(quantity, cases=po_line.unit_of_measure == UnitOfMeasure.CASES, unit_size=po_line.unit_size)


def shipment_packing_list_context(*, shipment: Shipment) -> dict:
    """The packing list: lines in their own unit (cases with the eaches they make), the total in eaches,
    cartons and pallets with what they hold, weigh and measure, and the shipment's gross weight."""
    cartons = list(_cartons_with_contents(shipment).select_related("pallet"))
    pallets = list(shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index"))
    measures = shipment_measurements(shipment=shipment, cartons=cartons, pallets=pallets)
    carton_rows = []
    for carton in cartons:
        carton_rows.append(
            {
                "index": carton.index,
                "sscc": carton.sscc,
                "pallet": carton.pallet.index if carton.pallet_id else None,
                "tracking_number": carton.tracking_number,
                "measurements": measures.cartons[carton.pk],
                "items": [
                    {
                        "purchase_order": item.shipment_line.purchase_order_line.purchase_order.number,
                        "vendor_sku": item.shipment_line.purchase_order_line.vendor_sku,
                        "asin": item.shipment_line.purchase_order_line.asin,
                        "title": item.shipment_line.purchase_order_line.title,
                        "quantity": item.quantity,
                        "quantity_text": line_quantity_text(item.quantity, item.shipment_line.purchase_order_line),
                    }
                    for item in carton.items.all()
                ],
            }
        )
    lines = list(
        shipment.lines.select_related("purchase_order_line__purchase_order").order_by(
            "purchase_order_line__purchase_order__number", "purchase_order_line__sequence"
        )
    )
    for line in lines:
        line.quantity_text = line_quantity_text(line.quantity, line.purchase_order_line)
    for pallet in pallets:
        pallet.measurements = measures.pallets[pallet.pk]
    return {
        "shipment": shipment,
        "lines": lines,
        "cartons": carton_rows,
        "pallets": pallets,
        "measures": measures,
        "total_eaches": sum(line.quantity * line.purchase_order_line.eaches_per_unit for line in lines),
        "total_cases": sum(line.quantity for line in lines if line.purchase_order_line.unit_of_measure == UnitOfMeasure.CASES),
    }


def shipment_documents(*, scope, shipment: Shipment):
    from vendor_portal.models import Document

    return (
        Document.objects.visible_to(scope)
        .filter(target_type=shipment._meta.label_lower, target_id=str(shipment.pk))
        .filter(Q(kind__startswith="packing_list") | Q(kind="shipment_labels"))
    )


# Ship plan editor and ASN revisions ------------------------------------------------------------------
def purchase_order_lines_planned_elsewhere(*, scope, shipment: Shipment, purchase_order_line_ids) -> dict[int, dict]:
    """Units of these PO lines on the vendor's other draft ship plans: {PO line id: {"quantity", "plans"}}.

    Drafts do not hold units (submitting re-checks what is open), but the editor shows them so two
    plans do not promise the same units."""
    from .models import ShipmentLine

    planned: dict[int, dict] = defaultdict(lambda: {"quantity": 0, "plans": []})
    rows = (
        ShipmentLine.objects.visible_to(scope)
        .filter(shipment__state=ShipmentState.DRAFT, purchase_order_line_id__in=list(purchase_order_line_ids))
        .exclude(shipment=shipment)
        .values_list("purchase_order_line_id", "quantity", "shipment__shipment_identifier")
        .order_by("shipment__shipment_identifier")
    )
    for po_line_id, quantity, identifier in rows:
        planned[po_line_id]["quantity"] += quantity
        planned[po_line_id]["plans"].append(identifier)
    return dict(planned)


REVISION_HEADER_FIELDS = [
    "transport_mode",
    "transport_method",
    "carrier_scac",
    "carrier_name",
    "ship_date",
    "estimated_arrival",
    "bol_number",
    "pro_number",
]


def shipment_asn_revisions(*, shipment: Shipment, lines) -> list[dict]:
    """The ASN's revisions, oldest first, read from the audit trail: the original (submit) and each
    Replace, with who sent it, through which door, and what it changed against the revision before.

    `lines`: the shipment's lines with their PO lines, to name the lines a revision changed."""
    from vendor_portal.models import AuditEvent

    events = list(AuditEvent.objects.for_object(shipment).filter(action__in=["shipment.submit", "shipment.replace"]).order_by("occurred_at", "id"))
    names = {line.purchase_order_line_id: line.purchase_order_line for line in lines}
    revisions = []
    for number, event in enumerate(events, start=1):
        before, after = event.before or {}, event.after or {}
        revision = {
            "number": number,
            "type": AsnType.ORIGINAL.label if event.action == "shipment.submit" else AsnType.REPLACE.label,
            "at": event.occurred_at,
            "who": event.actor_label,
            "channel": event.get_channel_display(),
            "header": [],
            "lines": [],
            "cartons": None,
        }
        if event.action == "shipment.replace":
            for name in REVISION_HEADER_FIELDS:
                if before.get(name) != after.get(name):
                    revision["header"].append(
                        {"label": Shipment._meta.get_field(name).verbose_name, "before": before.get(name), "after": after.get(name)}
                    )
            was = {row["purchase_order_line"]: row["quantity"] for row in before.get("lines", [])}
            now = {row["purchase_order_line"]: row["quantity"] for row in after.get("lines", [])}
            for po_line_id in sorted(set(was) | set(now)):
                if was.get(po_line_id) != now.get(po_line_id):
                    po_line = names.get(po_line_id)
                    revision["lines"].append({"po_line": po_line, "before": was.get(po_line_id, 0), "after": now.get(po_line_id, 0)})
            if "cartons" in before and "cartons" in after and before["cartons"] != after["cartons"]:
                revision["cartons"] = {"before": len(before["cartons"]), "after": len(after["cartons"])}
        revisions.append(revision)
    return revisions
