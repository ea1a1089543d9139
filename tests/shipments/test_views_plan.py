"""The screens of ship plans at volume: choosing the POs and lines of a new plan, the editor's one save that
never throws typed values away, weights and dimensions on the editor and detail pages, the confirmation
step before submitting or cancelling, the packing list rendered by a job, download names, and a product's
case data in the catalogue."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shipments.models import Shipment, ShipmentState
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import AuditEvent, Document, Job, Product
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def ops(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    ship_from(vendor)
    return client


def _three_pos(vendor):
    first = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-SEL-1")
    second = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-SEL-2", warehouse=first.ship_to)
    third = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-SEL-3", warehouse=first.ship_to)
    return first, second, third


def _header(po, identifier="SEL-1") -> dict:
    return {
        "ship_to": po.ship_to.code,
        "shipment_identifier": identifier,
        "ship_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "transport_mode": "ltl",
        "transport_method": "road",
        "bol_number": "BOL-1",
        "ship_from": "MAIN",
        "cartons_per_pallet": "0",
    }


# Choosing what a new plan ships ------------------------------------------------------------------------
def test_a_new_plan_starts_with_nothing_chosen_and_a_hint_for_the_identifier(ops, vendor):
    first, second, _third = _three_pos(vendor)
    html = ops.get(f"/shipments/new/?ship_to={first.ship_to.code}").content.decode()
    for line in [*first.lines.all(), *second.lines.all()]:
        assert f'name="qty_{line.pk}" value="0"' in html
    assert 'data-testid="select-po-PO-SEL-2"' in html and 'data-testid="clear-all"' in html
    assert "never used before for another of your shipments" in html and 'placeholder="e.g. ACME-' in html


def test_a_po_named_in_the_link_starts_chosen(ops, vendor):
    first, second, _third = _three_pos(vendor)
    html = ops.get(f"/shipments/new/?ship_to={first.ship_to.code}&po=PO-SEL-2").content.decode()
    assert f'name="qty_{second.lines.get().pk}" value="12"' in html
    assert all(f'name="qty_{line.pk}" value="0"' in html for line in first.lines.all())


def test_select_and_clear_without_javascript_show_the_page_again_and_create_nothing(ops, vendor):
    first, second, third = _three_pos(vendor)
    typed = {**_header(first), f"qty_{third.lines.get().pk}": "6", "carrier_name": "Old Dominion"}

    html = ops.post("/shipments/new/", {**typed, "select_po": str(second.pk)}).content.decode()
    assert f'name="qty_{second.lines.get().pk}" value="12"' in html and f'name="qty_{third.lines.get().pk}" value="6"' in html
    assert 'value="Old Dominion"' in html and "errorlist" not in html
    html = ops.post("/shipments/new/", {**typed, "clear_po": ""}).content.decode()
    assert f'name="qty_{third.lines.get().pk}" value="0"' in html
    assert not Shipment.objects.exists()


def test_a_plan_for_one_po_out_of_several(ops, vendor):
    first, second, _third = _three_pos(vendor)
    body = {**_header(first), **{f"qty_{line.pk}": "0" for line in first.lines.all()}, f"qty_{second.lines.get().pk}": "12"}
    response = ops.post("/shipments/new/", body)
    shipment = Shipment.objects.get()
    assert response.status_code == 302
    assert list(shipment.lines.values_list("purchase_order_line__purchase_order__number", flat=True)) == ["PO-SEL-2"]


# The editor's one save -------------------------------------------------------------------------------
def _editor_body(shipment, **changes) -> dict:
    shipment.refresh_from_db()
    body = {
        "shipment_identifier": shipment.shipment_identifier,
        "ship_date": shipment.ship_date.isoformat(),
        "estimated_arrival": "",
        "transport_mode": shipment.transport_mode,
        "transport_method": shipment.transport_method,
        "carrier_scac": shipment.carrier_scac,
        "carrier_name": shipment.carrier_name,
        "bol_number": shipment.bol_number,
        "pro_number": shipment.pro_number,
        "ship_from": "MAIN",
        "cartons_per_pallet": str(shipment.cartons_per_pallet),
        "weight_unit": shipment.weight_unit,
        "dimension_unit": shipment.dimension_unit,
    }
    for line in shipment.lines.all():
        body[f"qty_{line.pk}"] = str(line.quantity)
    for carton in shipment.cartons.all():
        for part in ("weight", "length", "width", "height"):
            body[f"carton_{carton.index}_{part}"] = "" if getattr(carton, part) is None else str(getattr(carton, part))
    return {**body, **changes}


def _draft(vendor, po, **fields):
    return shipment_create(scope=Scope(vendor=vendor), data=plan(po, **fields), actor=Actor.system())


def test_typing_a_carrier_then_rebuilding_pallets_keeps_the_carrier(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = _draft(vendor, po, cartons_per_pallet=0)

    response = ops.post(f"/shipments/{shipment.pk}/edit/save/", _editor_body(shipment, carrier_name="Old Dominion", cartons_per_pallet="2"))

    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.carrier_name, shipment.pallets.count()) == ("Old Dominion", 2)


def test_a_failed_save_shows_everything_as_typed_and_still_unsaved(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po)
    line = shipment.lines.get()
    audit_rows = AuditEvent.objects.count()

    response = ops.post(
        f"/shipments/{shipment.pk}/edit/save/",
        _editor_body(shipment, carrier_name="Old Dominion", carton_1_weight="8.5", **{f"qty_{line.pk}": "13"}),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200 and "13 asked but only 12 open to ship" in html
    assert 'value="Old Dominion"' in html and 'name="carton_1_weight" value="8.5"' in html and f'name="qty_{line.pk}" value="13"' in html
    assert 'data-dirty="true"' in html
    shipment.refresh_from_db()
    assert shipment.carrier_name == "ABF Freight" and AuditEvent.objects.count() == audit_rows


def test_a_measurement_that_is_not_a_number_is_shown_at_its_carton(ops, vendor):
    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=12))
    response = ops.post(f"/shipments/{shipment.pk}/edit/save/", _editor_body(shipment, carton_2_weight="heavy"))
    html = response.content.decode()
    assert response.status_code == 200 and "Carton 2: weights and dimensions are numbers" in html


def test_the_editor_shows_estimates_as_placeholders_and_stores_what_is_typed(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    with audit_exempt():
        Product.objects.filter(pk__in=po.lines.values("product")).update(carton_weight_kg=Decimal("4.536"))
    shipment = _draft(vendor, po, cartons_per_pallet=2)  # a US DC: lb and in
    html = ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert 'name="carton_1_weight" value="" placeholder="10"' in html  # 4.536 kg is 10 lb
    assert 'name="pallet_1_weight" value="" placeholder="20"' in html
    assert 'data-testid="plan-gross-weight">20 lb<' in html

    ops.post(
        f"/shipments/{shipment.pk}/edit/save/",
        _editor_body(shipment, carton_1_weight="11", carton_1_length="16", carton_1_width="12", carton_1_height="10", pallet_1_weight="80"),
    )
    carton, pallet = shipment.cartons.get(index=1), shipment.pallets.get()
    assert (carton.weight, carton.weight_unit, carton.length, carton.dimension_unit) == (Decimal("11.000"), "lb", Decimal("16.00"), "in")
    assert (pallet.weight, pallet.weight_unit) == (Decimal("80.000"), "lb")
    detail = ops.get(f"/shipments/{shipment.pk}/").content.decode()
    assert "11 lb" in detail and "16 × 12 × 10 in" in detail and 'data-testid="gross-weight">80 lb' in detail


def test_switching_units_without_retyping_converts_what_was_measured(ops, vendor):
    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=6), weight_unit="kg", dimension_unit="cm")
    ops.post(f"/shipments/{shipment.pk}/edit/save/", _editor_body(shipment, carton_1_weight="10"))
    ops.post(f"/shipments/{shipment.pk}/edit/save/", _editor_body(shipment, weight_unit="lb"))  # the 10 shown is not retyped
    carton = shipment.cartons.get()
    assert (carton.weight, carton.weight_unit) == (Decimal("22.046"), "lb")


def test_the_editor_warns_at_the_line_that_ships_backordered_units_early(ops, vendor):
    from purchase_orders.models import PurchaseOrderLine

    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-BO-1")
    available = timezone.localdate() + datetime.timedelta(days=20)
    with audit_exempt():
        PurchaseOrderLine.objects.filter(purchase_order=po).update(accepted_quantity=6, backordered_quantity=6, backorder_date=available)
    shipment = _draft(vendor, po)
    html = ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert 'data-testid="backorder-warning"' in html and f"you said they would be available on {available.isoformat()}" in html


# The step before submitting or cancelling ----------------------------------------------------------------
def test_submit_asks_first_then_submits(ops, vendor):
    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-CONF-1"))
    detail = ops.get(f"/shipments/{shipment.pk}/").content.decode()
    assert f'href="/shipments/{shipment.pk}/submit/"' in detail and f'action="/shipments/{shipment.pk}/submit/"' not in detail

    confirm = ops.get(f"/shipments/{shipment.pk}/submit/")
    html = confirm.content.decode()
    assert confirm.status_code == 200 and 'data-testid="confirm-submit-asn"' in html and "PO-CONF-1" in html
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.DRAFT  # looking changes nothing

    assert ops.post(f"/shipments/{shipment.pk}/submit/").status_code == 302
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SUBMITTED
    assert ops.get(f"/shipments/{shipment.pk}/submit/")["Location"] == f"/shipments/{shipment.pk}/"


def test_the_submit_step_lists_what_would_stop_it(ops, vendor):
    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=12), bol_number="")
    html = ops.get(f"/shipments/{shipment.pk}/submit/").content.decode()
    assert "A BOL number is required for LTL and truckload shipments." in html


def test_cancel_asks_first_then_cancels(ops, vendor):
    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=12))
    html = ops.get(f"/shipments/{shipment.pk}/cancel/").content.decode()
    assert 'data-testid="confirm-cancel-plan"' in html and "cannot be reopened" in html
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.DRAFT
    assert ops.post(f"/shipments/{shipment.pk}/cancel/").status_code == 302
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.CANCELLED
    assert ops.get(f"/shipments/{shipment.pk}/cancel/")["Location"] == f"/shipments/{shipment.pk}/"


# The packing list in a job, and download names -----------------------------------------------------------
def test_the_packing_list_is_rendered_by_a_job_with_progress_and_downloads_under_the_shipments_name(ops, vendor, django_capture_on_commit_callbacks):
    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=12), identifier="ASN 7/B")

    with django_capture_on_commit_callbacks() as queued:
        response = ops.post(f"/shipments/{shipment.pk}/packing-list/", HTTP_HX_REQUEST="true")
    job = Job.objects.get(kind="shipment_packing_list")
    fragment = response.content.decode()
    assert f'hx-get="/shipments/jobs/{job.pk}/"' in fragment and "Packing list: step 0 of 3" in fragment
    assert not Document.objects.filter(kind="packing_list").exists()  # nothing rendered inside the request
    # Asked again while it waits: the same job, not a second one.
    ops.post(f"/shipments/{shipment.pk}/packing-list/")
    assert Job.objects.filter(kind="shipment_packing_list").count() == 1

    for send in queued:  # the worker takes the job
        send()
    done = Job.objects.filter(kind="shipment_packing_list", status="succeeded").get()
    fragment = ops.get(f"/shipments/jobs/{done.pk}/").content.decode()
    assert "hx-trigger" not in fragment and 'data-testid="packing-list-download"' in fragment
    download = ops.get(f"/api/v1/documents/{done.result_id}/download")
    assert download["Content-Disposition"] == 'attachment; filename="ASN-7-B-packing-list-0.pdf"'
    assert AuditEvent.objects.filter(action="shipment.packing_list_render", object_id=str(shipment.pk)).exists()
    assert 'data-testid="packing-list-download"' in ops.get(f"/shipments/{shipment.pk}/").content.decode()


# A product's case data ---------------------------------------------------------------------------------
def test_case_data_is_edited_in_inches_and_pounds_and_kept_in_cm_and_kg(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=6)
    product = po.lines.get().product
    assert f'href="/catalogue/{product.pk}/case/"' in ops.get("/catalogue/").content.decode()

    response = ops.post(
        f"/catalogue/{product.pk}/case/",
        {"length": "16", "width": "12", "height": "10", "dimension_unit": "in", "weight": "10", "weight_unit": "lb"},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.carton_length_cm, product.carton_width_cm, product.carton_height_cm) == (Decimal("40.64"), Decimal("30.48"), Decimal("25.40"))
    assert product.carton_weight_kg == Decimal("4.536")
    assert AuditEvent.objects.filter(action="product.case_update", object_id=str(product.pk)).exists()
    bad = ops.post(f"/catalogue/{product.pk}/case/", {"length": "16", "dimension_unit": "in", "weight_unit": "kg"})
    assert bad.status_code == 200 and "Give length, width and height together." in bad.content.decode()


def test_case_data_of_another_vendor_or_without_the_role_is_out_of_reach(client, vendor, other_vendor):
    product = confirmed_purchase_order(vendor, lines=1, quantity=6).lines.get().product
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS))
    assert client.post(f"/catalogue/{product.pk}/case/", {"weight": "1", "weight_unit": "kg", "dimension_unit": "cm"}).status_code == 404
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))
    assert client.get(f"/catalogue/{product.pk}/case/").status_code == 403
    assert Product.objects.get(pk=product.pk).carton_weight_kg is None


def test_the_detail_page_shows_quantities_in_their_unit(ops, vendor):
    from purchase_orders.models import PurchaseOrderLine, UnitOfMeasure

    po = confirmed_purchase_order(vendor, lines=1, quantity=13)
    with audit_exempt():
        PurchaseOrderLine.objects.filter(purchase_order=po).update(unit_of_measure=UnitOfMeasure.CASES, unit_size=12)
    shipment = _draft(vendor, po)
    shipment_submit(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    assert "13 cases of 12 (156 eaches)" in ops.get(f"/shipments/{shipment.pk}/").content.decode()


def test_a_weight_given_in_another_unit_is_shown_in_the_plans(ops, vendor):
    from shipments.measurements import Measurements
    from shipments.services.weights import shipment_measure

    shipment = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=6))  # a US DC: lb
    shipment_measure(scope=Scope(vendor=vendor), shipment_id=shipment.pk, cartons={1: Measurements(Decimal("10"), "kg")}, actor=Actor.system())
    html = ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert 'name="carton_1_weight" value="22.046"' in html
    ops.post(f"/shipments/{shipment.pk}/edit/save/", _editor_body(shipment, carton_1_weight="22.046"))  # saving keeps it in the plan's units
    assert shipment.cartons.get().weight_unit == "lb"
