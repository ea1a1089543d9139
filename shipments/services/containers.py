"""Cartons and pallets as the vendor's own system labelled them (Amazon-compatible door, EDI 856): each
given SSCC checked, what the cartons hold checked against the shipment's lines, and stored exactly as given
with the weights and dimensions given. Used by an original ASN confirmed as a whole and by a Replace ASN."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from purchase_orders.models import PurchaseOrderLine
from vendor_portal.errors import FieldError, field_error, with_refs
from vendor_portal.gs1 import sscc_is_valid
from vendor_portal.models import Vendor
from vendor_portal.services.audit import Actor, audit_record

from ..measurements import Measurements
from ..models import Carton, CartonItem, Pallet, Shipment, SsccCounter, TransportMode
from .plans import ShipPlanLine, _carton_contents, _named_lines
from .sscc import SSCC_EXTENSION_DIGIT, _serial_of
from .weights import _measurements_write, measurement_errors


@dataclass
class ConfirmedCarton:
    sscc: str
    items: list[ShipPlanLine]  # what the carton holds: PO line and quantity (named like the shipment's lines)
    tracking_number: str = ""
    ref: object = None  # the door's reference of the carton, for its errors
    measurements: Measurements | None = None  # weight and dimensions, when given (kg or lb, cm or in)


@dataclass
class ConfirmedPallet:
    sscc: str
    cartons: list[int] = field(default_factory=list)  # positions (from 0) in the shipment's list of cartons
    ref: object = None
    measurements: Measurements | None = None


def _carton_refs(cartons: list[ConfirmedCarton]) -> list[tuple[object, ConfirmedCarton]]:
    return with_refs(cartons, "cartons")


def named_cartons(scope, cartons: list[ConfirmedCarton]) -> tuple[list[ConfirmedCarton], list[FieldError]]:
    """The cartons with what they hold named by PO line id in the line's unit (one query for them all)."""
    named = [(item_ref, item) for carton_ref, carton in _carton_refs(cartons) for item_ref, item in with_refs(carton.items, f"{carton_ref}.items")]
    items, errors = _named_lines(scope, named)
    if errors:
        return cartons, errors
    out, position = [], 0
    for carton_ref, carton in _carton_refs(cartons):
        out.append(
            ConfirmedCarton(
                sscc=carton.sscc,
                items=items[position : position + len(carton.items)],
                tracking_number=carton.tracking_number,
                ref=carton_ref,
                measurements=carton.measurements,
            )
        )
        position += len(carton.items)
    return out, []


def given_sscc_errors(*, vendor: Vendor, cartons: list[ConfirmedCarton], pallets: list[ConfirmedPallet], own: set[str]) -> list[FieldError]:
    """Every given SSCC: 18 digits, right check digit, the vendor's company prefix after the extension
    digit, never used before by this vendor (`own`: the SSCCs of the ASN being replaced may stay)."""
    errors = []
    prefix = vendor.gs1_company_prefix
    given = [(ref, carton.sscc) for ref, carton in _carton_refs(cartons)] + [(ref, pallet.sscc) for ref, pallet in with_refs(pallets, "pallets")]
    counter_next = SsccCounter.objects.filter(vendor=vendor).values_list("next_serial", flat=True).first() or 1
    seen: dict[str, object] = {}
    for ref, raw in given:
        sscc = (raw or "").strip()
        values = {"sscc": sscc or "-"}
        if len(sscc) != 18 or not sscc.isascii() or not sscc.isdigit():
            errors.append(field_error(ref, "sscc", _("SSCC %(sscc)s: an SSCC is 18 digits.") % values, "sscc_format"))
        elif not sscc_is_valid(sscc):
            errors.append(field_error(ref, "sscc", _("SSCC %(sscc)s: the check digit is wrong.") % values, "sscc_check_digit"))
        elif sscc[1 : 1 + len(prefix)] != prefix:
            errors.append(
                field_error(
                    ref,
                    "sscc",
                    _("SSCC %(sscc)s does not carry your GS1 company prefix %(prefix)s after the extension digit.") % {**values, "prefix": prefix},
                    "sscc_company_prefix",
                )
            )
        elif sscc in seen:
            errors.append(field_error(ref, "sscc", _("SSCC %(sscc)s is given twice in this shipment.") % values, "sscc_duplicate"))
        else:
            seen[sscc] = ref
    fresh = set(seen) - own
    used = set(Carton.objects.for_vendor(vendor).filter(sscc__in=fresh).values_list("sscc", flat=True))
    used |= set(Pallet.objects.for_vendor(vendor).filter(sscc__in=fresh).values_list("sscc", flat=True))
    for sscc, ref in seen.items():
        if sscc not in fresh:
            continue
        portal_range = int(sscc[0]) == SSCC_EXTENSION_DIGIT and _serial_of(sscc, prefix) < counter_next
        if sscc in used or portal_range:
            errors.append(
                field_error(
                    ref,
                    "sscc",
                    _("SSCC %(sscc)s was already used for another carton or pallet; an SSCC is never reused.") % {"sscc": sscc},
                    "sscc_reused",
                )
            )
    return errors


def given_container_errors(
    *, lines: list[ShipPlanLine], cartons: list[ConfirmedCarton], pallets: list[ConfirmedPallet], transport_mode: str = ""
) -> list[FieldError]:
    """Cartons hold lines of this shipment, as many units of each line as it ships, each with a tracking number
    when it goes by small parcel; each carton sits on one pallet at most. Checked before anything is written, so
    each problem names the line or carton of the door's input (the ASN checks after writing could not)."""
    errors = []
    line_ids = {line.purchase_order_line_id for line in lines}
    for carton_ref, carton in _carton_refs(cartons):
        if not carton.items:
            errors.append(field_error(carton_ref, "items", _("Carton %(sscc)s holds nothing.") % {"sscc": carton.sscc}, "carton_empty"))
        for item_ref, item in with_refs(carton.items, f"{carton_ref}.items"):
            if item.purchase_order_line_id not in line_ids:
                errors.append(
                    field_error(
                        item_ref, None, _("Carton %(sscc)s holds an item this shipment does not ship.") % {"sscc": carton.sscc}, "item_not_shipped"
                    )
                )
            elif item.quantity is None or item.quantity <= 0:
                errors.append(
                    field_error(item_ref, "quantity", _("Carton %(sscc)s: a packed quantity is at least 1.") % {"sscc": carton.sscc}, "invalid")
                )
        if len(carton.tracking_number or "") > 40:
            errors.append(field_error(carton_ref, "tracking_number", _("A tracking number is at most 40 characters."), "invalid"))
        if carton.measurements is not None:
            errors += measurement_errors(carton_ref, carton.measurements)
    if cartons and not errors:
        errors += _packed_quantity_errors(lines, cartons)
    if transport_mode == TransportMode.SMALL_PARCEL:
        errors += [
            field_error(carton_ref, "tracking_number", _("Every carton of a small-parcel shipment needs a tracking number."), "tracking_required")
            for carton_ref, carton in _carton_refs(cartons)
            if not (carton.tracking_number or "").strip()
        ]
    for pallet_ref, pallet in with_refs(pallets, "pallets"):
        if pallet.measurements is not None:
            errors += measurement_errors(pallet_ref, pallet.measurements)
    if pallets and not cartons:
        errors.append(
            field_error(None, "pallets", _("Pallets need the cartons on them: give the cartons with their SSCCs."), "pallet_without_cartons")
        )
        return errors
    placed: dict[int, object] = {}
    for pallet_ref, pallet in with_refs(pallets, "pallets"):
        if not pallet.cartons:
            errors.append(field_error(pallet_ref, "cartons", _("Pallet %(sscc)s carries no carton.") % {"sscc": pallet.sscc}, "pallet_empty"))
        for position in pallet.cartons:
            if not 0 <= position < len(cartons):
                errors.append(
                    field_error(
                        pallet_ref,
                        "cartons",
                        _("Pallet %(sscc)s names a carton that is not in the shipment.") % {"sscc": pallet.sscc},
                        "unknown_carton",
                    )
                )
            elif position in placed and placed[position] is not pallet:
                errors.append(
                    field_error(
                        pallet_ref, "cartons", _("Carton %(carton)s is on two pallets.") % {"carton": cartons[position].sscc}, "carton_on_two_pallets"
                    )
                )
            else:
                placed[position] = pallet
    return errors


def _packed_quantity_errors(lines: list[ShipPlanLine], cartons: list[ConfirmedCarton]) -> list[FieldError]:
    """A line whose cartons hold more or fewer units than it ships, named at the line."""
    packed: dict[int, int] = defaultdict(int)
    for carton in cartons:
        for item in carton.items:
            packed[item.purchase_order_line_id] += item.quantity or 0
    wrong = [(ref, line) for ref, line in with_refs(lines, "lines") if packed[line.purchase_order_line_id] != line.quantity]
    if not wrong:
        return []
    po_lines = PurchaseOrderLine.objects.select_related("purchase_order").in_bulk([line.purchase_order_line_id for _ref, line in wrong])
    return [
        field_error(
            ref,
            "quantity",
            _("PO %(number)s line %(n)s: %(planned)s to ship but %(packed)s in cartons.")
            % {
                "number": po_lines[line.purchase_order_line_id].purchase_order.number,
                "n": po_lines[line.purchase_order_line_id].sequence,
                "planned": line.quantity,
                "packed": packed[line.purchase_order_line_id],
            },
            "cartons_do_not_add_up",
        )
        for ref, line in wrong
    ]


def write_given_containers(shipment: Shipment, cartons: list[ConfirmedCarton], pallets: list[ConfirmedPallet], actor: Actor) -> None:
    """Replace the shipment's cartons and pallets by the given ones, SSCCs exactly as given."""
    before = {"cartons": _carton_contents(shipment), "pallets": list(shipment.pallets.order_by("index").values_list("sscc", flat=True))}
    shipment.cartons.all().delete()
    shipment.pallets.all().delete()
    lines = {line.purchase_order_line_id: line.pk for line in shipment.lines.all()}
    stored = Carton.objects.bulk_create(
        [
            _measured(Carton(shipment=shipment, index=i, sscc=carton.sscc.strip(), tracking_number=(carton.tracking_number or "").strip()), carton)
            for i, carton in enumerate(cartons, start=1)
        ]
    )
    items = []
    for carton, given in zip(stored, cartons, strict=False):
        contents: dict[int, int] = defaultdict(int)
        for item in given.items:
            contents[lines[item.purchase_order_line_id]] += item.quantity
        items += [CartonItem(carton=carton, shipment_line_id=line_id, quantity=quantity) for line_id, quantity in contents.items()]
    CartonItem.objects.bulk_create(items)
    stored_pallets = Pallet.objects.bulk_create(
        [_measured(Pallet(shipment=shipment, index=j, sscc=pallet.sscc.strip()), pallet) for j, pallet in enumerate(pallets, start=1)]
    )
    for pallet, given in zip(stored_pallets, pallets, strict=False):
        for position in given.cartons:
            stored[position].pallet = pallet
    if stored_pallets:
        Carton.objects.bulk_update(stored, ["pallet"])
    audit_record(
        actor=actor,
        action="shipment.cartonize",
        obj=shipment,
        before=before,
        after={
            "cartons": _carton_contents(shipment),
            "pallets": [pallet.sscc for pallet in stored_pallets],
            "given_ssccs": [carton.sscc for carton in stored] + [pallet.sscc for pallet in stored_pallets],
        },
    )


def given_ssccs(cartons: list[ConfirmedCarton], pallets: list[ConfirmedPallet]) -> list[str]:
    return [carton.sscc.strip() for carton in cartons] + [pallet.sscc.strip() for pallet in pallets]


def _measured(container, given):
    if given.measurements is not None:
        _measurements_write(container, given.measurements)
    return container
