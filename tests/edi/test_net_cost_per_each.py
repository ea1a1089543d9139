"""X12 prices per each (PO105/IT105 PE) for lines ordered in cases: the 850 states the cost of one each with the
case's eaches in PO4, as Amazon's netCost does, and an 810 priced per each is cased like submitInvoices."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from edi import x12
from edi.models import Direction, Interchange, InterchangeStatus
from invoicing.models import Invoice, InvoiceState
from purchase_orders.models import UnitOfMeasure
from purchase_orders.services.orders import LineInput, PurchaseOrderInput, purchase_order_create
from tests.audit_check import audit_exempt
from tests.edi.test_django_inbound import interchange_text, receive, the_997, trading_partner
from tests.factories import ProductFactory, WarehouseFactory, marketplace, retailer_user
from tests.invoicing.factories import shipped_po
from vendor_portal.services.audit import Actor

pytestmark = pytest.mark.django_db


def sent_850_lines(vendor, django_capture_on_commit_callbacks, lines: list[LineInput]) -> list[x12.PurchaseOrderLine]:
    us = marketplace("US")
    now = timezone.now()
    data = PurchaseOrderInput(
        vendor=vendor,
        marketplace=us,
        number="PO850EACH",
        ship_to=WarehouseFactory(code="ABE2", marketplace=us),
        ship_window_start=now + datetime.timedelta(days=2),
        ship_window_end=now + datetime.timedelta(days=9),
        lines=lines,
    )
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_create(data=data, actor=Actor(user=retailer_user()))
    parsed = x12.parse_interchange(Interchange.objects.get(direction=Direction.OUTBOUND, vendor=vendor).content)
    assert parsed.problems == []
    return parsed.transaction_sets[0].document.lines


def test_850_prices_one_each_with_the_case_size_in_po4(vendor, django_capture_on_commit_callbacks):
    trading_partner(vendor)
    products = [ProductFactory(vendor=vendor) for _ in range(3)]

    kettle, cased, odd = sent_850_lines(
        vendor,
        django_capture_on_commit_callbacks,
        [
            LineInput(sequence=1, ordered_quantity=24, net_cost=Decimal("12.50"), asin=products[0].asin),
            LineInput(sequence=2, ordered_quantity=3, net_cost=Decimal("36.00"), asin=products[1].asin, unit_of_measure="Cases", unit_size=6),
            LineInput(sequence=3, ordered_quantity=3, net_cost=Decimal("40.00"), asin=products[2].asin, unit_of_measure="Cases", unit_size=6),
        ],
    )

    assert (kettle.uom, kettle.unit_price, kettle.price_basis) == ("EA", Decimal("12.5"), "PE")
    # 36.00 a case of 6: PO104 is 6.00 an each (PE), PO4 says 6 eaches to the case.
    assert (cased.quantity, cased.uom, cased.unit_price, cased.price_basis, cased.pack_size) == (3, "CA", Decimal("6"), "PE", 6)
    # 40.00 does not divide into 6 eaches to the cent: the case price itself, per the line's unit (UM), loses nothing.
    assert (odd.uom, odd.unit_price, odd.price_basis, odd.pack_size) == ("CA", Decimal("40"), "UM", 6)


@pytest.fixture
def cased_po(vendor):
    """10 cases of 12 at 120.00 a case (10.00 an each), shipped and received."""
    po = shipped_po(vendor, quantity=10, cost="120.00", number="CASES810")
    with audit_exempt():
        po.lines.update(unit_of_measure=UnitOfMeasure.CASES, unit_size=12)
    return po


def invoice_810(po, *, unit_price, price_basis, total, pack_size=None) -> x12.Invoice:
    line = po.lines.get()
    item = x12.InvoiceLine(
        line_number="1",
        quantity=10,
        uom="CA",
        unit_price=Decimal(unit_price),
        price_basis=price_basis,
        item_ids={"BP": line.asin, "VN": line.vendor_sku},
        pack_size=pack_size,
    )
    return x12.Invoice(invoice_number="INV-CASES", invoice_date=timezone.localdate(), po_number=po.number, total_amount=Decimal(total), lines=[item])


@pytest.mark.parametrize("pack_size", [12, None], ids=["po4", "po-line-case-size"])
def test_810_priced_per_each_is_invoiced_at_the_case_price(vendor, cased_po, pack_size):
    trading_partner(vendor)
    # 10 cases × 12 eaches × 10.00 an each.
    interchange = receive(
        vendor, interchange_text(invoice_810(cased_po, unit_price="10.00", price_basis="PE", total="1200.00", pack_size=pack_size), 1)
    )

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    invoice = Invoice.objects.get(number="INV-CASES")
    line = invoice.lines.get()
    assert (invoice.state, invoice.grand_total) == (InvoiceState.SUBMITTED, Decimal("1200.00"))
    assert (line.quantity, line.unit_of_measure, line.unit_size, line.unit_cost) == (10, UnitOfMeasure.CASES, 12, Decimal("120.00"))


def test_810_priced_per_case_keeps_the_case_price(vendor, cased_po):
    trading_partner(vendor)
    interchange = receive(vendor, interchange_text(invoice_810(cased_po, unit_price="120.00", price_basis="UM", total="1200.00"), 1))

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    assert Invoice.objects.get(number="INV-CASES").lines.get().unit_cost == Decimal("120.00")


def test_810_per_each_whose_total_does_not_add_up_is_rejected_at_tds(vendor, cased_po):
    trading_partner(vendor)
    # The total as if 10.00 were a case's price.
    interchange = receive(vendor, interchange_text(invoice_810(cased_po, unit_price="10.00", price_basis="PE", total="100.00"), 1))

    assert interchange.status == InterchangeStatus.REJECTED
    assert not Invoice.objects.exists()
    [set_ack] = the_997(interchange).sets
    assert [(note.segment_id, note.elements[0].position) for note in set_ack.segments] == [("TDS", 1)]


def test_810_round_trips_its_po4_pack_size():
    invoice = x12.Invoice(
        invoice_number="INV-1",
        invoice_date=datetime.date(2026, 12, 1),
        total_amount=Decimal("1200"),
        lines=[x12.InvoiceLine(line_number="1", quantity=10, uom="CA", unit_price=Decimal("10"), price_basis="PE", pack_size=12)],
    )
    text = interchange_text(invoice, 1)

    assert "IT1*1*10*CA*10*PE~PO4*12~" in text.replace("\n", "")
    [ts] = x12.parse_interchange(text).transaction_sets
    assert ts.document.lines[0].pack_size == 12
