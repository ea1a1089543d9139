"""Ship plans at volume, at the service: warnings for ship dates outside a PO's ship window and for
backordered units shipped before the vendor's date, the editor's one save (all or nothing), cartons' and
pallets' weights and dimensions (estimated from the catalogue's case data, measured values kept with their
unit, stored with the ASN), and quantities shown in their line's unit."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from purchase_orders.models import PurchaseOrderLine, UnitOfMeasure
from shipments import measurements
from shipments.measurements import Measurements
from shipments.models import Shipment, ShipmentState
from shipments.selectors import line_quantity_text, shipment_label_data, shipment_measurements, shipment_packing_list_context
from shipments.services.asn import shipment_submit
from shipments.services.plans import (
    PlanWarning,
    ShipPlanInput,
    ShipPlanLine,
    shipment_carton_move,
    shipment_create,
    shipment_plan_save,
    shipment_plan_warnings,
)
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.errors import DomainValidationError
from vendor_portal.models import AuditEvent, Product
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(vendor):
    ship_from(vendor)
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))


@pytest.fixture
def actor(vendor):
    return Actor(user=vendor_user(vendor, Role.VENDOR_OPS))


def _case(po, *, weight_kg="7.200", size_cm=("40.00", "30.00", "25.00")):
    """Give every product of the PO its case data in the catalogue."""
    length, width, height = (Decimal(value) for value in size_cm)
    with audit_exempt():
        Product.objects.filter(pk__in=po.lines.values("product")).update(
            carton_weight_kg=Decimal(weight_kg), carton_length_cm=length, carton_width_cm=width, carton_height_cm=height
        )


def _input(shipment, **changes) -> ShipPlanInput:
    """The plan as saved, with `changes`: what the editor sends when only those were typed."""
    lines = [ShipPlanLine(line.purchase_order_line_id, line.quantity, ref=line.purchase_order_line_id) for line in shipment.lines.order_by("pk")]
    header = {
        "ship_to": shipment.ship_to.code,
        "shipment_identifier": shipment.shipment_identifier,
        "ship_date": shipment.ship_date,
        "transport_mode": shipment.transport_mode,
        "transport_method": shipment.transport_method,
        "carrier_scac": shipment.carrier_scac,
        "carrier_name": shipment.carrier_name,
        "estimated_arrival": shipment.estimated_arrival,
        "bol_number": shipment.bol_number,
        "pro_number": shipment.pro_number,
        "ship_from": shipment.ship_from.code if shipment.ship_from else "",
        "cartons_per_pallet": shipment.cartons_per_pallet,
        "weight_unit": shipment.weight_unit,
        "dimension_unit": shipment.dimension_unit,
        "lines": lines,
    }
    return ShipPlanInput(**{**header, **changes})


# Warnings ------------------------------------------------------------------------------------------
def test_a_ship_date_before_the_window_opens_warns_once_per_po_and_saves(scope, actor, vendor):
    now = timezone.now()
    po = confirmed_purchase_order(
        vendor,
        lines=2,
        quantity=12,
        number="PO-EARLY-1",
        ship_window_start=now + datetime.timedelta(days=6),
        ship_window_end=now + datetime.timedelta(days=12),
    )
    early = timezone.localdate() + datetime.timedelta(days=2)

    shipment = shipment_create(scope=scope, data=plan(po, ship_date=early), actor=actor)

    [warning] = shipment.warnings
    assert isinstance(warning, PlanWarning) and (warning.code, warning.field) == ("ship_date_before_window", "ship_date")
    assert "before the ship window of PO PO-EARLY-1 opens" in warning
    assert Shipment.objects.get().ship_date == early
    assert [w.code for w in shipment_plan_warnings(shipment=shipment)] == ["ship_date_before_window"]


def test_a_ship_date_inside_the_window_gets_no_warning(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = shipment_create(scope=scope, data=plan(po), actor=actor)
    assert shipment.warnings == [] and shipment_plan_warnings(shipment=shipment) == []


def _backordered_po(vendor, *, available: datetime.date):
    """A PO line of 12: 6 accepted, 6 backordered until `available`."""
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-BACK-1")
    with audit_exempt():
        PurchaseOrderLine.objects.filter(purchase_order=po).update(accepted_quantity=6, backordered_quantity=6, backorder_date=available)
    return po


def test_backordered_units_shipped_before_the_date_given_for_them_warn_at_their_line(scope, actor, vendor):
    ship_date = timezone.localdate() + datetime.timedelta(days=3)
    po = _backordered_po(vendor, available=ship_date + datetime.timedelta(days=10))
    line = po.lines.get()

    shipment = shipment_create(scope=scope, data=plan(po, quantities={line.pk: 12}, ship_date=ship_date), actor=actor)

    [warning] = shipment.warnings
    assert (warning.code, warning.field, warning.ref) == ("backorder_before_available", "quantity", "lines[0]")
    assert "6 of these units are backordered" in warning and str(ship_date + datetime.timedelta(days=10)) in warning
    assert shipment.lines.get().quantity == 12  # a warning, not a refusal


def test_accepted_units_alone_or_a_ship_date_after_the_backorder_date_do_not_warn(scope, actor, vendor):
    ship_date = timezone.localdate() + datetime.timedelta(days=3)
    po = _backordered_po(vendor, available=ship_date)
    line = po.lines.get()
    only_accepted = shipment_create(scope=scope, data=plan(po, identifier="ACCEPTED", quantities={line.pk: 6}), actor=actor)
    assert only_accepted.warnings == []
    on_the_day = shipment_create(scope=scope, data=plan(po, identifier="ON-THE-DAY", quantities={line.pk: 12}, ship_date=ship_date), actor=actor)
    assert on_the_day.warnings == []


# The editor's one save ------------------------------------------------------------------------------
def test_one_save_keeps_the_carrier_typed_while_the_pallets_are_rebuilt(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = shipment_create(scope=scope, data=plan(po, cartons_per_pallet=0, weight_unit="kg", dimension_unit="cm"), actor=actor)
    assert shipment.pallets.count() == 0

    saved = shipment_plan_save(
        scope=scope,
        shipment_id=shipment.pk,
        data=_input(shipment, carrier_name="Old Dominion", carrier_scac="odfl", cartons_per_pallet=2),
        carton_measurements={1: Measurements(Decimal("7.5"), "kg", Decimal(40), Decimal(30), Decimal(25), "cm")},
        pallet_measurements={},
        tracking={1: "1Z1"},
        actor=actor,
    )

    saved.refresh_from_db()
    assert (saved.carrier_name, saved.carrier_scac, saved.cartons_per_pallet) == ("Old Dominion", "ODFL", 2)
    assert saved.pallets.count() == 2
    carton = saved.cartons.get(index=1)
    assert (carton.weight, carton.weight_unit, carton.length, carton.dimension_unit, carton.tracking_number) == (
        Decimal("7.500"),
        "kg",
        Decimal("40.00"),
        "cm",
        "1Z1",
    )
    assert AuditEvent.objects.filter(action="shipment.measure", object_id=str(shipment.pk)).exists()


def test_one_save_is_all_or_nothing(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = shipment_create(scope=scope, data=plan(po), actor=actor)
    line = po.lines.get()
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(DomainValidationError) as refused:
        shipment_plan_save(
            scope=scope,
            shipment_id=shipment.pk,
            data=_input(shipment, carrier_name="Saia", lines=[ShipPlanLine(line.pk, 99, ref=line.pk)]),
            carton_measurements={1: Measurements(Decimal("7.5"), "lb")},
            actor=actor,
        )
    assert [(e.ref, e.code) for e in refused.value.errors] == [(line.pk, "over_shipped")]
    with pytest.raises(DomainValidationError) as refused:
        shipment_plan_save(
            scope=scope,
            shipment_id=shipment.pk,
            data=_input(shipment, carrier_name="Saia"),
            carton_measurements={2: Measurements(Decimal("-1"), "lb", Decimal(10), None, None, "in")},
            actor=actor,
        )
    assert {(e.ref, e.field) for e in refused.value.errors} == {("cartons[2]", "weight"), ("cartons[2]", "length")}
    shipment.refresh_from_db()
    assert shipment.carrier_name == "ABF Freight" and shipment.cartons.get(index=1).weight is None
    assert AuditEvent.objects.count() == audit_rows


def test_a_carton_whose_contents_change_goes_back_to_its_estimate(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=6)
    shipment = shipment_create(scope=scope, data=plan(po, weight_unit="kg", dimension_unit="cm"), actor=actor)
    weighed = {index: Measurements(Decimal(index), "kg") for index in (1, 2)}
    shipment_plan_save(scope=scope, shipment_id=shipment.pk, data=_input(shipment), carton_measurements=weighed, actor=actor)
    line2 = shipment.lines.get(purchase_order_line__sequence=2)

    shipment_carton_move(scope=scope, shipment_id=shipment.pk, from_carton=2, to_carton=1, shipment_line_id=line2.pk, quantity=2, actor=actor)

    assert list(shipment.cartons.order_by("index").values_list("weight", flat=True)) == [None, None]


def test_changing_the_plans_units_converts_what_was_measured(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=6)
    shipment = shipment_create(scope=scope, data=plan(po, weight_unit="kg", dimension_unit="cm"), actor=actor)
    measured = {1: Measurements(Decimal("10"), "kg", Decimal("254"), Decimal("127"), Decimal("2.54"), "cm")}
    shipment_plan_save(scope=scope, shipment_id=shipment.pk, data=_input(shipment), carton_measurements=measured, actor=actor)

    shipment_plan_save(scope=scope, shipment_id=shipment.pk, data=_input(shipment, weight_unit="lb", dimension_unit="in"), actor=actor)

    carton = shipment.cartons.get()
    assert (carton.weight, carton.weight_unit) == (Decimal("22.046"), "lb")
    assert (carton.length, carton.width, carton.height, carton.dimension_unit) == (Decimal("100.00"), Decimal("50.00"), Decimal("1.00"), "in")


# Weights and dimensions --------------------------------------------------------------------------------
def test_a_plan_starts_in_the_units_of_its_dcs_country(scope, actor, vendor):
    shipment = shipment_create(scope=scope, data=plan(confirmed_purchase_order(vendor, lines=1, quantity=6)), actor=actor)
    assert (shipment.weight_unit, shipment.dimension_unit) == ("lb", "in")  # the factory's DC is in the US
    assert measurements.default_units("DE") == ("kg", "cm")


def test_cartons_are_estimated_from_case_data_and_submission_stores_the_estimates(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=9)  # cases of 6: a full carton and one of 3
    _case(po)
    shipment = shipment_create(scope=scope, data=plan(po, cartons_per_pallet=2, weight_unit="kg", dimension_unit="cm"), actor=actor)

    measures = shipment_measurements(shipment=shipment)
    full, partial = (measures.cartons[carton.pk] for carton in shipment.cartons.order_by("index"))
    assert (full.weight, full.estimated, full.dimensions_text) == (Decimal("7.200"), True, "40 × 30 × 25 cm")
    assert partial.weight == Decimal("3.600")
    [pallet] = measures.pallets.values()
    assert pallet.weight == Decimal("10.800") and not pallet.has_dimensions  # its cartons; nobody weighed it
    assert measures.gross_weight == Decimal("10.800") and measures.gross_weight_text == "10.8 kg"
    assert shipment.cartons.filter(weight__isnull=False).count() == 0  # estimates are not stored on a draft

    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    _case(po, weight_kg="99")  # the catalogue changes afterwards: the ASN keeps what it was sent with

    shipment.refresh_from_db()
    assert list(shipment.cartons.order_by("index").values_list("weight", "weight_unit", "length", "dimension_unit")) == [
        (Decimal("7.200"), "kg", Decimal("40.00"), "cm"),
        (Decimal("3.600"), "kg", Decimal("40.00"), "cm"),
    ]
    assert shipment.pallets.get().weight == Decimal("10.800") and shipment.gross_weight == Decimal("10.800")
    assert shipment_measurements(shipment=shipment).gross_weight == Decimal("10.800")


def test_measured_values_win_over_estimates_and_a_pallet_weighs_its_cartons(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    _case(po)
    shipment = shipment_create(scope=scope, data=plan(po, cartons_per_pallet=2, weight_unit="lb", dimension_unit="in"), actor=actor)
    shipment_plan_save(
        scope=scope, shipment_id=shipment.pk, data=_input(shipment), carton_measurements={1: Measurements(Decimal("20"), "lb")}, actor=actor
    )

    measures = shipment_measurements(shipment=shipment)
    first, second = (measures.cartons[carton.pk] for carton in shipment.cartons.order_by("index"))
    assert (first.weight, first.estimated) == (Decimal("20"), True)  # weighed; its size is still the catalogue's
    assert (second.weight, second.weight_unit) == (Decimal("15.873"), "lb")  # 7.2 kg
    assert (second.length, second.dimension_unit) == (Decimal("15.75"), "in")  # 40 cm
    assert measures.gross_weight == Decimal("35.873")


def test_a_carton_without_case_data_has_no_estimate(scope, actor, vendor):
    shipment = shipment_create(scope=scope, data=plan(confirmed_purchase_order(vendor, lines=1, quantity=6)), actor=actor)
    measures = shipment_measurements(shipment=shipment)
    assert all(value.is_empty for value in measures.cartons.values()) and measures.gross_weight is None


# One unit of measure everywhere -----------------------------------------------------------------------
def _in_cases(po, size=12):
    with audit_exempt():
        PurchaseOrderLine.objects.filter(purchase_order=po).update(unit_of_measure=UnitOfMeasure.CASES, unit_size=size)


def test_a_line_ordered_in_cases_shows_cases_and_the_eaches_they_make(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=13)
    _in_cases(po)
    line = po.lines.get()
    assert line_quantity_text(13, line) == "13 cases of 12 (156 eaches)"
    assert line_quantity_text(1, line) == "1 case of 12 (12 eaches)"
    with audit_exempt():
        PurchaseOrderLine.objects.filter(pk=line.pk).update(unit_of_measure=UnitOfMeasure.EACHES, unit_size=1)
    line.refresh_from_db()
    assert line_quantity_text(24, line) == "24 eaches"


def test_labels_and_the_packing_list_count_eaches_and_never_add_cases_to_eaches(scope, actor, vendor):
    in_cases = confirmed_purchase_order(vendor, lines=1, quantity=13, number="PO-CASES")
    _in_cases(in_cases)
    in_eaches = confirmed_purchase_order(vendor, lines=1, quantity=6, number="PO-EACHES", warehouse=in_cases.ship_to)
    shipment = shipment_create(scope=scope, data=plan(in_cases, in_eaches, cartons_per_pallet=20), actor=actor)

    labels = list(shipment_label_data(shipment=shipment))
    cartons = [label for label in labels if label.kind == "carton"]
    [pallet] = [label for label in labels if label.kind == "pallet"]
    assert len(cartons) == 14  # a carton per case, and one case pack of the eaches line
    assert (cartons[0].quantity, cartons[0].cases, cartons[0].case_size) == (12, 1, 12)
    assert (cartons[-1].quantity, cartons[-1].cases) == (6, None)
    assert (pallet.quantity, pallet.cases) == (13 * 12 + 6, None)  # mixed units: eaches only

    context = shipment_packing_list_context(shipment=shipment)
    assert (context["total_eaches"], context["total_cases"]) == (162, 13)
    assert [line.quantity_text for line in context["lines"]] == ["13 cases of 12 (156 eaches)", "6 eaches"]


def test_a_pallet_of_cases_of_one_size_says_how_many_cases(scope, actor, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=4)
    _in_cases(po, size=6)
    _case(po, weight_kg="5")
    shipment = shipment_create(scope=scope, data=plan(po, cartons_per_pallet=8, weight_unit="kg"), actor=actor)
    [pallet] = [label for label in shipment_label_data(shipment=shipment) if label.kind == "pallet"]
    assert (pallet.quantity, pallet.cases, pallet.case_size, pallet.weight) == (48, 8, 6, "40 kg")


def test_a_submitted_asn_carries_only_what_it_stored(scope, actor, vendor):
    """Estimates live on drafts only: case data entered after submission changes nothing."""
    po = confirmed_purchase_order(vendor, lines=1, quantity=6)
    shipment = shipment_create(scope=scope, data=plan(po), actor=actor)
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    _case(po)
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert shipment.state == ShipmentState.SUBMITTED
    assert all(value.is_empty for value in shipment_measurements(shipment=shipment).cartons.values())
