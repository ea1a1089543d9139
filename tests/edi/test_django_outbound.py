"""Outbound X12: a new PO becomes an 850 for the vendor's trading partner, a remittance an 820, and
control numbers are never handed out twice, even to concurrent senders."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from edi import x12  # noqa: E402
from edi.models import ControlNumberCounter, ControlNumberKind, Direction, Interchange, InterchangeStatus  # noqa: E402
from edi.services.outbound import edi_purchase_order_850, edi_remittance_820  # noqa: E402
from edi.tasks import send_850  # noqa: E402
from purchase_orders.services.orders import LineInput, PurchaseOrderInput, purchase_order_create  # noqa: E402
from tests.edi.test_django_inbound import trading_partner  # noqa: E402
from tests.factories import ProductFactory, WarehouseFactory, marketplace, retailer_user  # noqa: E402
from tests.purchase_orders.factories import purchase_order_with_lines  # noqa: E402
from vendor_portal.errors import DomainValidationError  # noqa: E402
from vendor_portal.services.audit import Actor  # noqa: E402


def issue_po(vendor, number="PO850TEST") -> object:
    us = marketplace("US")
    products = [ProductFactory(vendor=vendor, title="Kettle * steel ~ 1.7l", gtin="0614141000012"), ProductFactory(vendor=vendor)]
    now = timezone.now()
    data = PurchaseOrderInput(
        vendor=vendor,
        marketplace=us,
        number=number,
        ship_to=WarehouseFactory(code="ABE2", marketplace=us),
        ship_window_start=now + datetime.timedelta(days=2),
        ship_window_end=now + datetime.timedelta(days=9),
        lines=[
            LineInput(sequence=1, ordered_quantity=24, net_cost=Decimal("12.50"), vendor_sku=products[0].vendor_sku),
            LineInput(sequence=2, ordered_quantity=3, net_cost=Decimal("40.00"), asin=products[1].asin, unit_of_measure="Cases", unit_size=6),
        ],
    )
    return purchase_order_create(data=data, actor=Actor(user=retailer_user()))


def test_new_po_is_sent_as_an_850_that_parses_back_to_its_lines(vendor, django_capture_on_commit_callbacks):
    partner = trading_partner(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        po = issue_po(vendor)

    sent = Interchange.objects.get(direction=Direction.OUTBOUND, vendor=vendor)
    assert (sent.partner, sent.status, sent.set_ids) == (partner, InterchangeStatus.SENT, "850")
    parsed = x12.parse_interchange(sent.content)
    assert parsed.problems == []
    assert (parsed.sender_id, parsed.receiver_id) == ("NORTHWIND", "ACMEEDI")
    [ts] = parsed.transaction_sets
    document: x12.PurchaseOrder = ts.document
    assert document.po_number == po.number
    assert document.ship_not_before == timezone.localdate(po.ship_window_start)
    assert document.party("ST").id_code == "ABE2"
    lines = list(po.lines.order_by("sequence"))
    assert [(entry.line_number, entry.quantity, entry.uom, entry.unit_price) for entry in document.lines] == [
        (str(line.sequence), line.ordered_quantity, "EA" if line.unit_of_measure == "Eaches" else "CA", line.net_cost) for line in lines
    ]
    assert [(entry.item_ids["BP"], entry.item_ids["VN"]) for entry in document.lines] == [(line.asin, line.vendor_sku) for line in lines]
    assert document.lines[0].item_ids["EN"] == "0614141000012"
    assert document.lines[0].description == "Kettle steel 1.7l"
    assert document.lines[1].pack_size == 6
    assert sent.transactions.get().object_id == str(po.pk)


def test_po_of_a_vendor_without_edi_sends_nothing(vendor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_po(vendor)

    assert not Interchange.objects.exists()


def test_850_task_run_twice_sends_the_po_once(vendor):
    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=2)

    first, second = send_850(po.pk), send_850(po.pk)

    assert first == second
    assert Interchange.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_outbound_control_numbers_count_up_per_partner(vendor, other_vendor):
    trading_partner(vendor)
    trading_partner(other_vendor, isa_id="GLOBEXEDI")
    sent = [edi_purchase_order_850(purchase_order=purchase_order_with_lines(vendor, lines=1)) for _ in range(3)]
    theirs = edi_purchase_order_850(purchase_order=purchase_order_with_lines(other_vendor, lines=1))

    assert [interchange.control_number for interchange in sent] == ["000000001", "000000002", "000000003"]
    assert theirs.control_number == "000000001"
    assert [i.transactions.get().group_control_number for i in sent] == ["1", "2", "3"]


def test_remittance_is_written_as_an_820_for_the_partner(vendor):
    trading_partner(vendor)
    remittance = x12.Remittance(
        trace_number="TRACE-1",
        payment_amount=Decimal("1180.25"),
        payment_date=datetime.date(2026, 12, 1),
        currency="USD",
        invoices=[
            x12.RemittedInvoice(
                invoice_number="INV-1",
                amount_paid=Decimal("1180.25"),
                invoice_amount=Decimal("1200.25"),
                adjustments=[x12.Adjustment(Decimal("-20.00"), "06", "", "SC-9")],
            )
        ],
    )

    sent = edi_remittance_820(vendor=vendor, remittance=remittance)

    [ts] = x12.parse_interchange(sent.content).transaction_sets
    assert ts.document.payment_amount == Decimal("1180.25")
    assert ts.document.invoices[0].adjustments[0].reference_id == "SC-9"
    assert ts.document.party("PE").id_code == vendor.code


def test_remittance_for_a_vendor_without_edi_is_refused(vendor):
    remittance = x12.Remittance(trace_number="T", payment_amount=Decimal("1"), payment_date=datetime.date(2026, 12, 1))
    with pytest.raises(DomainValidationError):
        edi_remittance_820(vendor=vendor, remittance=remittance)


@pytest.mark.django_db(transaction=True)
def test_control_numbers_are_unique_and_increasing_under_concurrent_allocation(vendor):
    partner = trading_partner(vendor)
    threads, per_thread = 6, 10
    allocated: list[list[int]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads)

    def sender(index):
        try:
            barrier.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    allocated[index].append(ControlNumberCounter.allocate(partner_id=partner.pk, kind=ControlNumberKind.INTERCHANGE))
        finally:
            connection.close()

    workers = [threading.Thread(target=sender, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    everything = sorted(number for numbers in allocated for number in numbers)
    assert everything == list(range(1, threads * per_thread + 1))
    assert all(numbers == sorted(numbers) for numbers in allocated)
    assert ControlNumberCounter.objects.get(partner=partner, kind="isa").last_value == threads * per_thread
