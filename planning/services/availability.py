"""Availability: the vendor reports, per product and ship-from warehouse, the eaches it has on hand and how
many of them it can ship. A report replaces the current numbers of the pairs it names (the others keep their
last report) and is audited as one event. The buyer's PO screen shows the totals; a confirmation accepting
more than the vendor reported available is warned about, not refused: stock moves faster than reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, FieldError, ForbiddenError, field_error, with_refs
from vendor_portal.limits import MAX_QUANTITY
from vendor_portal.models import Product, ShipFromAddress, Vendor
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record

from ..models import Availability, AvailabilityReport, AvailabilitySource
from ._common import _catalogue, _resolve_product

MAX_AVAILABILITY_ROWS = 5000
AUDIT_LIST_LIMIT = 200


@dataclass
class AvailabilityRow:
    """One product at one ship-from warehouse, as the vendor sends it."""

    ship_from: str
    on_hand: int | None
    available: int | None
    vendor_sku: str = ""
    asin: str = ""
    ref: object = None  # the door's reference of the row (a file's row number), for its errors


@dataclass
class CheckedAvailability:
    product: Product
    ship_from: ShipFromAddress
    on_hand: int
    available: int

    @property
    def key(self) -> tuple:
        return (self.product.pk, self.ship_from.pk)


@dataclass
class AvailabilityCheck:
    rows: list[CheckedAvailability] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def product_count(self) -> int:
        return len({row.product.pk for row in self.rows})

    @property
    def warehouses(self) -> list[str]:
        return sorted({row.ship_from.code for row in self.rows})


def _require_reporter(scope, vendor) -> None:
    if scope is None or scope.is_retailer or scope.vendor_id != vendor.pk or not scope.can(Action.REPORT_AVAILABILITY):
        raise ForbiddenError(_("Only the vendor's operations staff and integrators report availability."))


def usable_ship_froms(vendor) -> dict[str, ShipFromAddress]:
    """The vendor's ship-from warehouses that may be named today, by code (upper case)."""
    return {place.code.upper(): place for place in ShipFromAddress.objects.filter(vendor=vendor).active()}


def _quantity_errors(value, ref, name: str, label: str) -> list[FieldError]:
    if value is None:
        return [field_error(ref, name, _("%(label)s is required.") % {"label": label}, "required")]
    if isinstance(value, bool) or not isinstance(value, int):
        return [field_error(ref, name, _("%(label)s must be a whole number of eaches.") % {"label": label})]
    if value < 0:
        return [field_error(ref, name, _("%(label)s cannot be negative.") % {"label": label}, "min_value")]
    if value > MAX_QUANTITY:
        return [field_error(ref, name, _("%(label)s is at most %(max)s.") % {"label": label, "max": f"{MAX_QUANTITY:,}"}, "max_value")]
    return []


def availability_check(*, vendor, rows: list[AvailabilityRow]) -> AvailabilityCheck:
    """Check a report without saving: every problem, each naming its row (its ref, else `items[i]`)."""
    result = AvailabilityCheck()
    errors = result.errors
    if not rows:
        errors.append(field_error(None, "items", _("Send at least one row."), "required"))
        return result
    if len(rows) > MAX_AVAILABILITY_ROWS:
        errors.append(field_error(None, "items", _("At most %(max)s rows per report; split it.") % {"max": MAX_AVAILABILITY_ROWS}, "max_length"))
        return result
    products = _catalogue(vendor, rows)
    places = usable_ship_froms(vendor)
    seen: dict[tuple, object] = {}
    for ref, row in with_refs(rows, "items"):
        problems = len(errors)
        product = _resolve_product(products, row, ref, vendor, errors)
        place = places.get((row.ship_from or "").strip().upper())
        if not (row.ship_from or "").strip():
            errors.append(field_error(ref, "ship_from", _("Name the ship-from warehouse by its code."), "required"))
        elif place is None:
            errors.append(
                field_error(
                    ref,
                    "ship_from",
                    _("%(vendor)s has no ship-from warehouse '%(code)s' in use. Known codes: %(codes)s.")
                    % {"vendor": vendor.code, "code": row.ship_from, "codes": ", ".join(sorted(places)) or _("none")},
                    "unknown_ship_from",
                )
            )
        errors.extend(_quantity_errors(row.on_hand, ref, "on_hand", _("On hand")))
        errors.extend(_quantity_errors(row.available, ref, "available", _("Available to ship")))
        if len(errors) > problems:
            continue
        if row.available > row.on_hand:
            errors.append(
                field_error(
                    ref,
                    "available",
                    _("Available to ship (%(available)s) cannot exceed on hand (%(on_hand)s).")
                    % {"available": row.available, "on_hand": row.on_hand},
                    "exceeds_on_hand",
                )
            )
            continue
        checked = CheckedAvailability(product, place, row.on_hand, row.available)
        if checked.key in seen:
            errors.append(
                field_error(
                    ref,
                    "ship_from",
                    _("%(sku)s at %(place)s is already reported in %(other)s.")
                    % {"sku": product.vendor_sku, "place": place.code, "other": seen[checked.key]},
                    "duplicate",
                )
            )
            continue
        seen[checked.key] = ref
        result.rows.append(checked)
    return result


def availability_dry_run(*, scope, vendor, rows: list[AvailabilityRow]) -> AvailabilityCheck:
    _require_reporter(scope, vendor)
    checked = availability_check(vendor=vendor, rows=rows)
    if checked.errors:
        raise DomainValidationError(_("The availability report has errors; nothing would be saved."), errors=checked.errors)
    return checked


def availability_report(
    *, scope, vendor, rows: list[AvailabilityRow], actor: Actor, source: str = AvailabilitySource.API, file_name: str = ""
) -> AvailabilityReport:
    """Save a vendor's report: all rows or none. Each named pair gets the new numbers."""
    _require_reporter(scope, vendor)
    with transaction.atomic():
        # One report at a time per vendor: the last one sent is the one that stands.
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        checked = availability_check(vendor=vendor, rows=rows)
        if checked.errors:
            raise DomainValidationError(_("The availability report has errors; nothing was saved."), errors=checked.errors)
        now = timezone.now()
        report = AvailabilityReport.objects.create(
            vendor=vendor,
            source=source,
            file_name=file_name[:200],
            reported_at=now,
            reported_by=actor.user,
            reported_by_label=actor.label,
            row_count=len(checked.rows),
        )
        Availability.objects.bulk_create(
            [
                Availability(
                    vendor=vendor,
                    product=row.product,
                    ship_from=row.ship_from,
                    on_hand=row.on_hand,
                    available=row.available,
                    report=report,
                    reported_at=now,
                )
                for row in checked.rows
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["product", "ship_from"],
            update_fields=["on_hand", "available", "report", "reported_at"],
        )
        audit_record(
            actor=actor,
            action="availability.report",
            obj=report,
            vendor=vendor,
            after={
                "source": source,
                "file_name": report.file_name,
                "row_count": report.row_count,
                "rows": [
                    f"{row.product.vendor_sku}@{row.ship_from.code}: {row.available}/{row.on_hand}"
                    for row in sorted(checked.rows, key=lambda r: (r.product.vendor_sku, r.ship_from.code))[:AUDIT_LIST_LIMIT]
                ],
            },
        )
    return report


# What the PO screens and the confirmation read -------------------------------------------------------
@dataclass(frozen=True)
class ProductAvailability:
    on_hand: int
    available: int
    reported_at: object  # the oldest report among the warehouses summed

    def covers(self, eaches: int) -> bool:
        return eaches <= self.available


def availability_by_product(product_ids) -> dict[int, ProductAvailability]:
    """Per product, the sum over the vendor's warehouses: one grouped query for a whole PO."""
    rows = (
        Availability.objects.filter(product_id__in=set(product_ids))
        .values("product_id")
        .annotate(on_hand_sum=Sum("on_hand"), available_sum=Sum("available"), oldest=Min("reported_at"))
    )
    return {row["product_id"]: ProductAvailability(row["on_hand_sum"], row["available_sum"], row["oldest"]) for row in rows}


def confirmation_warnings(po, lines) -> list[str]:
    """Lines whose accepted eaches exceed what the vendor last reported available to ship (backordered units
    ship later, from stock not there yet). Products nobody reported are not warned about: no report is not a
    report of zero."""
    reported = availability_by_product(line.product_id for line in lines if line.product_id)
    warnings = []
    for line in lines:
        stock = reported.get(line.product_id)
        confirmed = line.accepted_quantity * line.eaches_per_unit
        if stock is None or not confirmed or stock.covers(confirmed):
            continue
        warnings.append(
            _("Line %(sequence)s (%(sku)s): %(confirmed)s eaches accepted, but only %(available)s reported available to ship.")
            % {"sequence": line.sequence, "sku": line.vendor_sku, "confirmed": f"{confirmed:,}", "available": f"{stock.available:,}"}
        )
    return warnings
