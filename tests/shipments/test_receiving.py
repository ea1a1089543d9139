"""Receiving on the dock: pallet scans with their per-carton exceptions, idempotent scans from the page's
queue, the answers a dock worker reads, the finish confirmation and finding an ASN by what is on the truck."""

import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchase_orders.models import PurchaseOrderState
from shipments.models import ComplianceEvent, Receipt, ReceiptLine, ShipmentState
from shipments.selectors import shipment_receiving_cartons
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from shipments.services.receiving import DAMAGED, MISSING, receipt_create, receiving_carton_exception, receiving_scan, sscc_from_scan
from tests.factories import retailer_user, vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.errors import DomainValidationError
from vendor_portal.gs1 import sscc_is_valid
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def dock():
    return Scope(roles=frozenset({Role.RECEIVING}), is_retailer=True)


@pytest.fixture
def receiver(vendor):
    return Actor(user=retailer_user(Role.RECEIVING, username="dock"))


def submitted(vendor, *, identifier="SHIP-1", lines=1, quantity=24, per_pallet=2, **fields):
    """A submitted ASN: `quantity` units per line in cartons of 6, `per_pallet` cartons on each pallet."""
    ship_from(vendor)
    scope = Scope(vendor=vendor)
    po = confirmed_purchase_order(vendor, lines=lines, quantity=quantity)
    shipment = shipment_create(scope=scope, data=plan(po, identifier=identifier, cartons_per_pallet=per_pallet, **fields), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    return shipment


def scan(dock, receiver, shipment, code, *, scan_id=None, damaged=False):
    return receiving_scan(scope=dock, shipment_id=shipment.pk, scan_id=scan_id or uuid.uuid4(), code=code, damaged=damaged, actor=receiver)


def refusal(error) -> tuple[str, str]:
    problem = error.value.as_error_list()[0]
    return problem["code"], problem["message"]


# Pallets ---------------------------------------------------------------------------------------------
def test_a_pallet_scan_receives_every_carton_on_the_pallet_in_one_receipt(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=24, per_pallet=2)  # 4 cartons on 2 pallets
    first, second = shipment.pallets.order_by("index")
    outcome = scan(dock, receiver, shipment, "00" + first.sscc)
    assert outcome.is_pallet and outcome.sscc == first.sscc
    assert [carton.sscc for carton in outcome.cartons] == list(first.cartons.order_by("index").values_list("sscc", flat=True))
    assert outcome.message == f"Pallet {first.sscc} received: 2 cartons."
    receipt = Receipt.objects.get()
    assert receipt.pallet == first and receipt.lines.count() == 2
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert line.received_quantity == 12
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVING
    assert AuditEvent.objects.filter(action="receipt.create", object_id=str(receipt.pk)).exists()


def test_a_pallet_scan_skips_cartons_scanned_on_their_own_and_a_received_pallet_is_refused(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=24, per_pallet=2)
    pallet = shipment.pallets.order_by("index").first()
    loose, other = pallet.cartons.order_by("index")
    scan(dock, receiver, shipment, loose.sscc)
    outcome = scan(dock, receiver, shipment, pallet.sscc)
    assert [carton.sscc for carton in outcome.cartons] == [other.sscc]
    assert outcome.message == f"Pallet {pallet.sscc} received: 1 carton."
    with pytest.raises(DomainValidationError) as error:
        scan(dock, receiver, shipment, pallet.sscc)
    assert refusal(error) == ("already_received", f"Every carton of pallet {pallet.sscc} was already received.")
    assert ReceiptLine.objects.filter(carton=other).count() == 1


def test_a_damaged_pallet_scan_books_every_unit_damaged(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=2)
    outcome = scan(dock, receiver, shipment, shipment.pallets.get().sscc, damaged=True)
    assert outcome.damaged and "recorded as damaged" in outcome.message
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert (line.received_quantity, line.damaged_quantity) == (12, 12)


# The per-carton exception path ----------------------------------------------------------------------
def test_a_carton_missing_from_a_scanned_pallet_is_taken_back_and_finishing_records_it_short(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=2)  # one PO line, 2 cartons, 1 pallet
    po = shipment.lines.get().purchase_order_line.purchase_order
    scan(dock, receiver, shipment, shipment.pallets.get().sscc)
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.RECEIVED  # every shipped unit arrived, as far as the pallet scan knows
    missing = shipment.cartons.order_by("index").last()
    receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=missing.sscc, exception=MISSING, actor=receiver)
    receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=missing.sscc, exception=MISSING, actor=receiver)  # twice: no change
    po.refresh_from_db()
    line = po.lines.get()
    assert (line.received_quantity, po.state) == (6, PurchaseOrderState.SHIPPED)
    cartons = {row["sscc"]: row for row in shipment_receiving_cartons(shipment=shipment)}
    assert cartons[missing.sscc]["missing"] and not cartons[missing.sscc]["received"]
    assert AuditEvent.objects.filter(action="receipt.carton_missing").count() == 1
    assert AuditEvent.objects.filter(action="purchase_order.receive_taken_back", object_id=str(po.pk)).exists()
    receipt_create(scope=dock, shipment_id=shipment.pk, complete=True, actor=receiver)
    event = ComplianceEvent.objects.get()
    assert (event.kind, event.details["shipped"], event.details["received"]) == ("short_shipped", 12, 6)


def test_a_missing_carton_that_turns_up_is_scanned_like_any_other(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=2)
    scan(dock, receiver, shipment, shipment.pallets.get().sscc)
    missing = shipment.cartons.order_by("index").last()
    receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=missing.sscc, exception=MISSING, actor=receiver)
    assert scan(dock, receiver, shipment, missing.sscc).message == f"Carton {missing.sscc} received."
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert line.received_quantity == 12


def test_a_damaged_carton_of_a_scanned_pallet_books_its_units_damaged_once(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=2)
    scan(dock, receiver, shipment, shipment.pallets.get().sscc)
    hurt = shipment.cartons.order_by("index").first()
    for _ in range(2):
        receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=hurt.sscc, exception=DAMAGED, actor=receiver)
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert (line.received_quantity, line.damaged_quantity) == (12, 6)
    assert shipment_receiving_cartons(shipment=shipment)[0]["damaged"]


def test_only_a_carton_received_with_its_pallet_can_be_missing(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=2)
    carton = shipment.cartons.order_by("index").first()
    with pytest.raises(DomainValidationError) as error:
        receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=carton.sscc, exception=MISSING, actor=receiver)
    assert refusal(error)[0] == "not_received"
    scan(dock, receiver, shipment, carton.sscc)
    with pytest.raises(DomainValidationError) as error:
        receiving_carton_exception(scope=dock, shipment_id=shipment.pk, sscc=carton.sscc, exception=MISSING, actor=receiver)
    assert refusal(error)[0] == "scanned_on_its_own"


# Idempotent scans ------------------------------------------------------------------------------------
def test_a_scan_sent_again_with_its_id_answers_the_first_booking_and_counts_once(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=24, per_pallet=2)
    pallet = shipment.pallets.order_by("index").first()
    scan_id = uuid.uuid4()
    first = scan(dock, receiver, shipment, pallet.sscc, scan_id=scan_id)
    again = scan(dock, receiver, shipment, pallet.sscc, scan_id=scan_id)
    assert not first.replayed and again.replayed
    assert (again.receipt, again.message, again.cartons) == (first.receipt, first.message, first.cartons)
    assert Receipt.objects.count() == 1
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert line.received_quantity == 12


@pytest.mark.django_db(transaction=True)
def test_the_same_scan_sent_twice_at_once_is_booked_once(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    scan_id, answers, barrier = uuid.uuid4(), [], threading.Barrier(2)

    def send():
        barrier.wait()
        try:
            answers.append(scan(dock, receiver, shipment, carton.sscc, scan_id=scan_id).replayed)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False, True]
    assert ReceiptLine.objects.filter(carton=carton).count() == 1


# What a scan answers ---------------------------------------------------------------------------------
def test_a_code_that_is_no_sscc_is_told_apart_from_a_carton_of_another_asn(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12)
    other = submitted(vendor, identifier="SHIP-2", quantity=12)
    foreign = other.cartons.first().sscc
    with pytest.raises(DomainValidationError) as error:
        scan(dock, receiver, shipment, "12345")
    assert refusal(error) == ("invalid_sscc", "12345 is not a valid SSCC: an SSCC has 18 digits.")
    wrong_check = foreign[:-1] + str((int(foreign[-1]) + 1) % 10)
    with pytest.raises(DomainValidationError) as error:
        scan(dock, receiver, shipment, wrong_check)
    assert refusal(error)[0] == "invalid_sscc" and "not a valid SSCC" in refusal(error)[1] and "check digit" in refusal(error)[1]
    with pytest.raises(DomainValidationError) as error:
        scan(dock, receiver, shipment, foreign)
    assert refusal(error) == ("unknown_sscc", f"SSCC {foreign} is not a carton of this ASN.")
    assert not Receipt.objects.exists()


def test_a_damaged_scan_says_it_was_recorded_as_damaged(vendor, dock, receiver):
    shipment = submitted(vendor, quantity=12, per_pallet=0)
    carton = shipment.cartons.order_by("index").first()
    assert scan(dock, receiver, shipment, carton.sscc, damaged=True).message == f"Carton {carton.sscc} recorded as damaged."
    line = shipment.lines.get().purchase_order_line
    line.refresh_from_db()
    assert (line.received_quantity, line.damaged_quantity) == (6, 6)


@pytest.mark.parametrize("prefix", ["", "00", "(00)", "]C100", "(00) "])
def test_what_a_wedge_scanner_sends_in_front_of_the_sscc_is_understood(prefix):
    sscc = "006141410000000012"
    assert sscc_is_valid(sscc)
    assert sscc_from_scan(f"{prefix}{sscc}\n") == sscc


# Screens ---------------------------------------------------------------------------------------------
@pytest.fixture
def dock_client(client):
    client.force_login(retailer_user(Role.RECEIVING, username="dock"))
    return client


def post_scan(client, shipment, code, scan_id=None, **extra):
    body = {"scan_id": str(scan_id or uuid.uuid4()), "sscc": code, **extra}
    return client.post(f"/shipments/receiving/{shipment.pk}/scan/", body, HTTP_ACCEPT="application/json")


def test_the_scan_endpoint_answers_json_with_the_cartons_and_the_progress(vendor, dock_client):
    shipment = submitted(vendor, quantity=24, per_pallet=2)
    pallet = shipment.pallets.order_by("index").first()
    scan_id = uuid.uuid4()
    response = post_scan(dock_client, shipment, pallet.sscc, scan_id)
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "recorded" and answer["kind"] == "pallet" and answer["scan_id"] == str(scan_id)
    assert [c["sscc"] for c in answer["cartons"]] == list(pallet.cartons.order_by("index").values_list("sscc", flat=True))
    assert (answer["scanned"], answer["total"]) == (2, 4)
    assert answer["lines"] == [{"shipment_line": shipment.lines.get().pk, "received": 12, "damaged": 0}]
    replay = post_scan(dock_client, shipment, pallet.sscc, scan_id).json()
    assert replay["replayed"] and replay["message"] == answer["message"] and replay["scanned"] == 2


def test_a_refused_scan_answers_its_reason(vendor, dock_client):
    shipment = submitted(vendor, quantity=12)
    response = post_scan(dock_client, shipment, "12345")
    assert response.status_code == 400
    assert response.json() == {
        "scan_id": response.json()["scan_id"],
        "status": "refused",
        "code": "invalid_sscc",
        "message": "12345 is not a valid SSCC: an SSCC has 18 digits.",
    }


def test_the_dock_scans_and_the_vendor_cannot(vendor, client, dock_client):
    shipment = submitted(vendor, quantity=12)
    assert post_scan(dock_client, shipment, shipment.cartons.first().sscc).status_code == 200
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert post_scan(client, shipment, shipment.cartons.last().sscc).status_code == 403


def test_a_pallet_scan_costs_the_same_queries_for_any_number_of_cartons(vendor, dock_client):
    small = submitted(vendor, quantity=12, per_pallet=2)
    large = submitted(vendor, identifier="SHIP-2", quantity=48, per_pallet=8)

    def queries(shipment):
        with CaptureQueriesContext(connection) as captured:
            assert post_scan(dock_client, shipment, shipment.pallets.get().sscc).status_code == 200
        return len(captured)

    assert queries(small) == queries(large)


def test_the_carton_exception_endpoint_answers_json(vendor, dock_client):
    shipment = submitted(vendor, quantity=12, per_pallet=2)
    post_scan(dock_client, shipment, shipment.pallets.get().sscc)
    carton = shipment.cartons.order_by("index").last()
    response = dock_client.post(
        f"/shipments/receiving/{shipment.pk}/cartons/exception/", {"sscc": carton.sscc, "exception": "missing"}, HTTP_ACCEPT="application/json"
    )
    answer = response.json()
    assert answer["status"] == "recorded" and answer["carton"]["sscc"] == carton.sscc and (answer["scanned"], answer["total"]) == (1, 2)
    assert "missing" in answer["message"]


def test_the_receiving_screen_lists_scanned_and_remaining_cartons_and_works_without_the_script(vendor, dock_client):
    shipment = submitted(vendor, quantity=24, per_pallet=2)
    pallet = shipment.pallets.order_by("index").first()
    page = dock_client.get(f"/shipments/receiving/{shipment.pk}/").content.decode()
    assert 'data-testid="scan-log"' in page and 'aria-live="polite"' in page and "js/receiving.js" in page
    response = dock_client.post(f"/shipments/receiving/{shipment.pk}/scan/", {"sscc": pallet.sscc}, follow=True)  # a plain form post
    assert f"Pallet {pallet.sscc} received: 2 cartons." in response.content.decode()
    cartons = {row["sscc"]: row for row in response.context["scanned"]}
    assert set(cartons) == set(pallet.cartons.values_list("sscc", flat=True))
    assert len(response.context["remaining"]) == 2
    assert "2 of 4 cartons scanned" in response.content.decode()


def test_finishing_with_cartons_not_scanned_asks_first(vendor, dock_client):
    shipment = submitted(vendor, quantity=24, per_pallet=0)
    post_scan(dock_client, shipment, shipment.cartons.order_by("index").first().sscc)
    line = shipment.lines.get()
    asked = dock_client.post(f"/shipments/receiving/{shipment.pk}/", {"complete": "1", f"received_{line.pk}": "6"})
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "3 cartons are not scanned." in text and 'data-testid="confirm-finish"' in text
    assert f'name="received_{line.pk}" value="6"' in text  # the counted quantity goes along with the answer
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVING and Receipt.objects.count() == 1
    dock_client.post(f"/shipments/receiving/{shipment.pk}/", {"complete": "1", f"received_{line.pk}": "6", "confirm_unscanned": "1"})
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVED
    assert ComplianceEvent.objects.get().details["received"] == 12


@pytest.mark.parametrize("field", ["pallet", "carton", "bol", "pro", "identifier"])
def test_an_asn_is_found_by_pallet_carton_bol_or_pro_and_a_single_match_opens_it(vendor, dock_client, field):
    shipment = submitted(vendor, quantity=12, per_pallet=2, bol_number="BOL-778", pro_number="PRO-9912")
    submitted(vendor, identifier="SHIP-2", quantity=12, per_pallet=2, bol_number="BOL-779", pro_number="PRO-9913")
    query = {
        "pallet": "]C100" + shipment.pallets.get().sscc,
        "carton": "(00)" + shipment.cartons.first().sscc,
        "bol": "bol-778",
        "pro": "PRO-9912",
        "identifier": "SHIP-1",
    }[field]
    response = dock_client.get("/shipments/receiving/", {"q": query})
    assert response.status_code == 302 and response.url == f"/shipments/receiving/{shipment.pk}/"


def test_a_search_matching_several_asns_lists_them(vendor, dock_client):
    submitted(vendor, quantity=12, bol_number="BOL-1")
    submitted(vendor, identifier="SHIP-2", quantity=12, bol_number="BOL-1")
    response = dock_client.get("/shipments/receiving/", {"q": "BOL-1"})
    assert response.status_code == 200 and len(response.context["page"]) == 2
