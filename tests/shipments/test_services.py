import datetime
import threading

import pytest
from django.utils import timezone

from purchase_orders.models import PurchaseOrderState
from shipments.models import Carton, ComplianceEvent, Pallet, Shipment, ShipmentState, SsccCounter
from shipments.services.asn import shipment_replace, shipment_submit
from shipments.services.labels import shipment_labels_request
from shipments.services.packing_list import shipment_packing_list_render, shipment_packing_list_upload
from shipments.services.plans import (
    ShipPlanLine,
    shipment_cancel,
    shipment_carton_move,
    shipment_cartonize,
    shipment_create,
    shipment_palletize,
    shipment_update,
)
from shipments.services.receiving import ReceivedLine, receipt_create
from shipments.services.sscc import sscc_allocate
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.gs1 import sscc_is_valid
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def scope(vendor):
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))


@pytest.fixture
def actor(vendor):
    return Actor(user=vendor_user(vendor, Role.VENDOR_OPS))


@pytest.fixture
def retailer_scope():
    return Scope(roles=frozenset({Role.RECEIVING}), is_retailer=True)


def _shipment(scope, actor, *pos, **fields):
    ship_from(scope.vendor)
    return shipment_create(scope=scope, data=plan(*pos, **fields), actor=actor)


# Ship plans ------------------------------------------------------------------------------------------
def test_ship_plan_from_two_pos_is_cartonized_by_case_pack_with_valid_unique_ssccs(vendor, scope, actor):
    po1 = confirmed_purchase_order(vendor, lines=2, quantity=60)
    po2 = confirmed_purchase_order(vendor, lines=1, quantity=30, warehouse=po1.ship_to)
    shipment = _shipment(scope, actor, po1, po2, cartons_per_pallet=12)
    cartons = list(shipment.cartons.prefetch_related("items"))
    assert len(cartons) == 10 + 10 + 5  # 150 eaches in cases of 6
    assert all(sum(item.quantity for item in carton.items.all()) == 6 for carton in cartons)
    pallets = list(shipment.pallets.all())
    assert [p.cartons.count() for p in pallets] == [12, 12, 1]
    ssccs = [c.sscc for c in cartons] + [p.sscc for p in pallets]
    assert len(set(ssccs)) == len(ssccs)
    assert all(sscc_is_valid(s) and s.startswith("0" + vendor.gs1_company_prefix) for s in ssccs)
    assert shipment.warnings == []


def test_remainder_goes_in_a_last_partial_carton(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    line = po.lines.get()
    shipment = _shipment(scope, actor, po, quantities={line.pk: 15})
    assert [sum(i.quantity for i in c.items.all()) for c in shipment.cartons.prefetch_related("items")] == [6, 6, 3]


def test_quantity_above_open_to_ship_is_refused_naming_the_line(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60, number="PO-OVER-1")
    second = po.lines.get(sequence=2)
    with pytest.raises(DomainValidationError) as error:
        _shipment(scope, actor, po, quantities={second.pk: 61})
    [problem] = error.value.as_error_list()
    assert problem["code"] == "over_shipped"
    assert "PO-OVER-1 line 2" in problem["message"]
    assert problem["field"] == "lines[1].quantity"
    assert not Shipment.objects.exists()


def test_units_already_shipped_are_not_open_again(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    line = po.lines.get()
    first = _shipment(scope, actor, po, quantities={line.pk: 42}, identifier="S1")
    shipment_submit(scope=scope, shipment_id=first.pk, actor=actor)
    line.refresh_from_db()
    assert line.open_to_ship == 18
    with pytest.raises(DomainValidationError):
        _shipment(scope, actor, po, quantities={line.pk: 24}, identifier="S2")
    assert _shipment(scope, actor, po, quantities={line.pk: 18}, identifier="S3").lines.get().quantity == 18


def test_unconfirmed_po_and_other_dc_lines_are_refused(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1)
    with audit_exempt():
        po.state = PurchaseOrderState.NEW
        po.save()
    with pytest.raises(DomainValidationError) as error:
        _shipment(scope, actor, po)
    assert error.value.as_error_list()[0]["code"] == "po_not_confirmed"


def test_past_cutoff_warns_and_past_window_is_refused(vendor, scope, actor):
    now = timezone.now()
    near = confirmed_purchase_order(
        vendor, lines=1, ship_window_start=now - datetime.timedelta(days=5), ship_window_end=now + datetime.timedelta(days=1)
    )
    shipment = _shipment(scope, actor, near, identifier="NEAR", ship_date=timezone.localdate())
    assert len(shipment.warnings) == 1 and "cutoff" in shipment.warnings[0]
    closed = confirmed_purchase_order(
        vendor, lines=1, ship_window_start=now - datetime.timedelta(days=9), ship_window_end=now - datetime.timedelta(hours=1)
    )
    with pytest.raises(DomainValidationError) as error:
        _shipment(scope, actor, closed, identifier="LATE")
    assert error.value.as_error_list()[0]["code"] == "ship_window_closed"


def test_shipment_identifier_is_unique_per_vendor(vendor, other_vendor, scope, actor):
    _shipment(scope, actor, confirmed_purchase_order(vendor, lines=1), identifier="DUP")
    with pytest.raises(DomainValidationError) as error:
        _shipment(scope, actor, confirmed_purchase_order(vendor, lines=1), identifier="DUP")
    assert error.value.as_error_list()[0]["code"] == "duplicate"
    other_scope = Scope(vendor=other_vendor)
    other_actor = Actor(user=vendor_user(other_vendor))
    assert _shipment(other_scope, other_actor, confirmed_purchase_order(other_vendor, lines=1), identifier="DUP").pk


def test_other_vendors_po_lines_and_shipments_are_not_found(vendor, other_vendor, scope, actor):
    theirs = confirmed_purchase_order(other_vendor, lines=1)
    with pytest.raises(DomainValidationError) as error:
        _shipment(scope, actor, theirs)
    assert error.value.as_error_list()[0]["code"] == "not_found"
    their_shipment = _shipment(Scope(vendor=other_vendor), Actor(user=vendor_user(other_vendor)), theirs, identifier="THEIRS")
    for call in (shipment_submit, shipment_cancel, shipment_labels_request):
        with pytest.raises(NotFoundError):
            call(scope=scope, shipment_id=their_shipment.pk, actor=actor)


# Cartons, pallets and SSCCs -------------------------------------------------------------------------
def test_moving_units_makes_a_mixed_carton_and_keeps_other_ssccs(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = _shipment(scope, actor, po)
    before = dict(shipment.cartons.values_list("index", "sscc"))
    line2 = shipment.lines.get(purchase_order_line__sequence=2)
    # carton 3 holds 6 of line 2; move 3 of them into carton 1
    shipment_carton_move(scope=scope, shipment_id=shipment.pk, from_carton=3, to_carton=1, shipment_line_id=line2.pk, quantity=3, actor=actor)
    carton1 = shipment.cartons.get(index=1)
    assert sorted(carton1.items.values_list("quantity", flat=True)) == [3, 6]
    assert dict(shipment.cartons.values_list("index", "sscc")) == before
    # emptying carton 4 into carton 3 removes the last carton; its SSCC is retired
    shipment_carton_move(scope=scope, shipment_id=shipment.pk, from_carton=4, to_carton=3, shipment_line_id=line2.pk, quantity=6, actor=actor)
    assert dict(shipment.cartons.values_list("index", "sscc")) == {i: before[i] for i in (1, 2, 3)}
    assert not Carton.objects.filter(sscc=before[4]).exists()
    with pytest.raises(DomainValidationError):
        shipment_carton_move(scope=scope, shipment_id=shipment.pk, from_carton=3, to_carton=None, shipment_line_id=line2.pk, quantity=99, actor=actor)


def test_recartonizing_and_repalletizing_keep_the_same_ssccs(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    shipment = _shipment(scope, actor, po, cartons_per_pallet=10)
    ssccs = sorted(Carton.objects.values_list("sscc", flat=True)) + sorted(Pallet.objects.values_list("sscc", flat=True))
    shipment_cartonize(scope=scope, shipment_id=shipment.pk, actor=actor)
    shipment_palletize(scope=scope, shipment_id=shipment.pk, cartons_per_pallet=10, actor=actor)
    assert sorted(Carton.objects.values_list("sscc", flat=True)) + sorted(Pallet.objects.values_list("sscc", flat=True)) == ssccs
    counter = SsccCounter.objects.get(vendor=vendor).next_serial
    assert counter == len(ssccs) + 1


def test_ssccs_are_never_reused_after_cartons_are_removed(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    line = po.lines.get()
    shipment = _shipment(scope, actor, po)
    retired = set(Carton.objects.values_list("sscc", flat=True))
    data = plan(po, identifier=shipment.shipment_identifier, quantities={line.pk: 12})
    shipment_update(scope=scope, shipment_id=shipment.pk, data=data, actor=actor)
    data = plan(po, identifier=shipment.shipment_identifier, quantities={line.pk: 60})
    shipment_update(scope=scope, shipment_id=shipment.pk, data=data, actor=actor)
    now = list(Carton.objects.order_by("index").values_list("sscc", flat=True))
    assert len(now) == 10
    assert set(now[2:]).isdisjoint(retired)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_allocations_get_disjoint_ssccs(vendor):
    results, errors = [], []
    barrier = threading.Barrier(2)

    def allocate():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(sscc_allocate(vendor=vendor, count=200, actor=Actor.system()))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    first, second = results
    assert len(set(first) | set(second)) == 400
    assert SsccCounter.objects.get(vendor=vendor).next_serial == 401


# ASN ------------------------------------------------------------------------------------------------
def test_submit_freezes_the_asn_and_ships_the_po_lines(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    other = confirmed_purchase_order(vendor, lines=1, quantity=60, warehouse=po.ship_to)
    part = other.lines.get()
    shipment = _shipment(scope, actor, po, other, quantities={part.pk: 30})
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    shipment.refresh_from_db()
    assert (shipment.state, shipment.asn_type, shipment.asn_revision) == (ShipmentState.SUBMITTED, "Original", 1)
    assert list(po.lines.values_list("shipped_quantity", flat=True)) == [60, 60]
    po.refresh_from_db()
    other.refresh_from_db()
    assert po.state == PurchaseOrderState.SHIPPED
    assert other.state == PurchaseOrderState.PARTIALLY_SHIPPED
    assert not ComplianceEvent.objects.exists()
    with pytest.raises(InvalidTransitionError):
        shipment_update(scope=scope, shipment_id=shipment.pk, data=plan(po, identifier="X"), actor=actor)


def test_asn_after_the_ship_date_records_a_late_asn_event(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1)
    shipment = _shipment(scope, actor, po, ship_date=timezone.localdate() - datetime.timedelta(days=2))
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    event = ComplianceEvent.objects.get()
    assert (event.kind, event.shipment_id, event.vendor_id) == ("asn_late", shipment.pk, vendor.pk)


def test_submit_needs_a_bol_for_ltl(vendor, scope, actor):
    shipment = _shipment(scope, actor, confirmed_purchase_order(vendor, lines=1), bol_number="")
    with pytest.raises(DomainValidationError) as error:
        shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert error.value.as_error_list()[0]["code"] == "bol_required"


def test_submit_rechecks_open_quantity_against_another_plan(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    first = _shipment(scope, actor, po, identifier="A")
    second = _shipment(scope, actor, po, identifier="B")
    shipment_submit(scope=scope, shipment_id=first.pk, actor=actor)
    with pytest.raises(DomainValidationError) as error:
        shipment_submit(scope=scope, shipment_id=second.pk, actor=actor)
    assert error.value.as_error_list()[0]["code"] == "over_shipped"
    assert po.lines.get().shipped_quantity == 60


def test_replace_asn_only_lowers_quantities_and_gives_units_back(vendor, scope, actor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    line = po.lines.get()
    shipment = _shipment(scope, actor, po)
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    with pytest.raises(DomainValidationError) as error:
        shipment_replace(scope=scope, shipment_id=shipment.pk, lines=[ShipPlanLine(line.pk, 66)], actor=actor)
    assert error.value.as_error_list()[0]["code"] == "quantity_raised"
    kept = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
    shipment_replace(scope=scope, shipment_id=shipment.pk, lines=[ShipPlanLine(line.pk, 36)], actor=actor, pro_number="PRO-9")
    shipment.refresh_from_db()
    assert (shipment.asn_type, shipment.asn_revision, shipment.pro_number) == ("Replace", 2, "PRO-9")
    line.refresh_from_db()
    assert line.shipped_quantity == 36
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.PARTIALLY_SHIPPED
    assert list(shipment.cartons.order_by("index").values_list("sscc", flat=True)) == kept[:6]


def test_replace_is_refused_once_receiving_started(vendor, scope, actor, retailer_scope):
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    line = po.lines.get()
    shipment = _shipment(scope, actor, po)
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    first = shipment.cartons.get(index=1)
    receipt_create(scope=retailer_scope, shipment_id=shipment.pk, scanned_ssccs=[first.sscc], actor=Actor.system())
    with pytest.raises(InvalidTransitionError):
        shipment_replace(scope=scope, shipment_id=shipment.pk, lines=[ShipPlanLine(line.pk, 30)], actor=actor)


def test_cancel_only_a_draft(vendor, scope, actor):
    shipment = _shipment(scope, actor, confirmed_purchase_order(vendor, lines=1))
    shipment_cancel(scope=scope, shipment_id=shipment.pk, actor=actor)
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.CANCELLED
    with pytest.raises(InvalidTransitionError):
        shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)


# Receiving ------------------------------------------------------------------------------------------
def test_receiving_by_scans_and_lines_updates_received_quantities_and_receives_the_po(vendor, scope, actor, retailer_scope):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = _shipment(scope, actor, po)
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    receiver = Actor(user=vendor_user(vendor, Role.VENDOR_ADMIN, username="dock"))
    line1_cartons = list(shipment.cartons.filter(items__shipment_line__purchase_order_line__sequence=1).values_list("sscc", flat=True))
    # scanner sends AI (00) + SSCC; one carton arrives damaged
    receipt_create(
        scope=retailer_scope,
        shipment_id=shipment.pk,
        actor=receiver,
        scanned_ssccs=["00" + line1_cartons[0], line1_cartons[1]],
        damaged_ssccs=[line1_cartons[1]],
    )
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVING
    line1, line2 = po.lines.order_by("sequence")
    assert (line1.received_quantity, line1.damaged_quantity) == (12, 6)
    shipment_line2 = shipment.lines.get(purchase_order_line=line2)
    with pytest.raises(DomainValidationError) as error:
        receipt_create(scope=retailer_scope, shipment_id=shipment.pk, actor=receiver, scanned_ssccs=[line1_cartons[0]])
    assert error.value.as_error_list()[0]["code"] == "already_received"
    receipt_create(
        scope=retailer_scope,
        shipment_id=shipment.pk,
        actor=receiver,
        lines=[ReceivedLine(shipment_line2.pk, 12)],
        complete=True,
    )
    shipment.refresh_from_db()
    po.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVED
    assert list(po.lines.order_by("sequence").values_list("received_quantity", flat=True)) == [12, 12]
    assert po.state == PurchaseOrderState.RECEIVED
    assert not ComplianceEvent.objects.exists()


def test_short_receipt_is_recorded_and_keeps_the_po_open(vendor, scope, actor, retailer_scope):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _shipment(scope, actor, po)
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    receipt_create(
        scope=retailer_scope,
        shipment_id=shipment.pk,
        actor=Actor.system(),
        lines=[ReceivedLine(shipment.lines.get().pk, 10)],
        complete=True,
    )
    event = ComplianceEvent.objects.get()
    assert event.kind == "short_shipped" and event.details["received"] == 10
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.SHIPPED


def test_unknown_sscc_is_refused(vendor, scope, actor, retailer_scope):
    shipment = _shipment(scope, actor, confirmed_purchase_order(vendor, lines=1))
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
    with pytest.raises(DomainValidationError) as error:
        receipt_create(scope=retailer_scope, shipment_id=shipment.pk, actor=Actor.system(), scanned_ssccs=["006141410000009999"])
    assert error.value.as_error_list()[0]["code"] == "unknown_sscc"


def test_a_draft_cannot_be_received(vendor, scope, actor, retailer_scope):
    shipment = _shipment(scope, actor, confirmed_purchase_order(vendor, lines=1))
    with pytest.raises(InvalidTransitionError):
        receipt_create(scope=retailer_scope, shipment_id=shipment.pk, actor=Actor.system(), complete=True)


# Documents ------------------------------------------------------------------------------------------
def test_packing_list_is_pdfa_and_upload_accepts_only_small_pdfs(vendor, scope, actor, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from vendor_portal.pdfa import pdfa_validate

    settings.MEDIA_ROOT = str(tmp_path)
    shipment = _shipment(scope, actor, confirmed_purchase_order(vendor, lines=2))
    document = shipment_packing_list_render(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert document.kind == "packing_list" and document.size > 1000
    assert pdfa_validate(document.file.path) == []
    again = shipment_packing_list_render(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert again.pk == document.pk and again.file.name == document.file.name

    with pytest.raises(DomainValidationError) as error:
        shipment_packing_list_upload(scope=scope, shipment_id=shipment.pk, uploaded_file=SimpleUploadedFile("x.pdf", b"GIF89a..."), actor=actor)
    assert error.value.as_error_list()[0]["code"] == "not_pdf"
    too_big = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024))
    with pytest.raises(DomainValidationError) as error:
        shipment_packing_list_upload(scope=scope, shipment_id=shipment.pk, uploaded_file=too_big, actor=actor)
    assert error.value.as_error_list()[0]["code"] == "too_large"
    ok = shipment_packing_list_upload(
        scope=scope, shipment_id=shipment.pk, uploaded_file=SimpleUploadedFile("mine.pdf", b"%PDF-1.7\n%%EOF\n"), actor=actor
    )
    assert ok.kind == "packing_list_upload" and ok.size == 15
