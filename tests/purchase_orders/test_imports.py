"""Reading PO upload files: every cell problem becomes a row-level error, the file as a whole is refused
when it cannot be read, and nothing is saved by a dry run."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import Workbook

from purchase_orders.imports import (
    COLUMNS,
    ImportRejected,
    UploadError,
    create_imported_purchase_orders,
    parse_purchase_orders,
    template_csv,
)
from purchase_orders.models import PurchaseOrder
from tests.factories import ProductFactory, VendorAccountFactory, WarehouseFactory, marketplace, retailer_user
from tests.purchase_orders.factories import PurchaseOrderFactory
from vendor_portal.services.audit import Actor

START = datetime.date(2030, 5, 4)


def row(**values) -> dict:
    base = {
        "po_number": "PO-1",
        "vendor_code": "ACME",
        "marketplace": "US",
        "ship_to": "ABE2",
        "ship_window_start": START.isoformat(),
        "ship_window_end": (START + datetime.timedelta(days=6)).isoformat(),
        "sequence": "1",
        "vendor_sku": "SKU-A",
        "ordered_quantity": "60",
        "net_cost": "10.00",
    }
    base.update(values)
    return base


def csv_bytes(rows, columns=COLUMNS, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def products(vendor):
    WarehouseFactory(code="ABE2")
    return {sku: ProductFactory(vendor=vendor, vendor_sku=sku) for sku in ("SKU-A", "SKU-B", "SKU-C")}


def errors_of(result):
    return [(e.row, e.column) for e in result.errors]


@pytest.mark.django_db
def test_rows_with_one_po_number_make_one_po_with_its_lines_in_order(products):
    content = csv_bytes(
        [
            row(sequence="1", vendor_sku="SKU-A", unit_of_measure="Cases", unit_size="6", net_cost="60", list_price="99.5", backorder_allowed="yes"),
            row(po_number="PO-2", sequence="", vendor_sku="SKU-C", order_type="Rush", payment_terms="Net 30"),
            row(sequence="2", vendor_sku="SKU-B", ordered_quantity="12"),
        ]
    )
    result = parse_purchase_orders("orders.csv", content)
    assert result.ok, result.errors
    assert (result.row_count, result.line_count) == (3, 3)
    first, second = result.purchase_orders
    assert first.rows == [2, 4]
    line = first.data.lines[0]
    assert (line.unit_of_measure, line.unit_size, line.net_cost, line.list_price, line.backorder_allowed) == (
        "Cases",
        6,
        Decimal("60.00"),
        Decimal("99.50"),
        True,
    )
    assert first.total == Decimal("3720.00")  # 60 cases at 60.00 + 12 eaches at 10.00
    assert (second.data.order_type, second.data.payment_terms, second.data.lines[0].sequence) == ("RushOrder", "net30", 1)
    assert timezone.localdate(first.data.ship_window_start) == START
    assert timezone.localtime(first.data.ship_window_end).time() == datetime.time.max
    assert not PurchaseOrder.objects.exists()


@pytest.mark.django_db
def test_bad_numbers_and_dates_are_reported_by_row_and_column(products):
    content = csv_bytes(
        [
            row(ordered_quantity="6.5"),
            row(po_number="PO-2", net_cost="12,50"),
            row(po_number="PO-3", net_cost="1.999"),
            row(po_number="PO-4", ship_window_start="05/04/2030"),
            row(po_number="PO-5", backorder_allowed="maybe", unit_of_measure="pallets"),
            row(po_number="PO-6", ship_window_end=""),
            row(po_number="PO-7", delivery_window_start=START.isoformat()),
        ]
    )
    result = parse_purchase_orders("orders.csv", content)
    assert errors_of(result) == [
        (2, "ordered_quantity"),
        (3, "net_cost"),
        (4, "net_cost"),
        (5, "ship_window_start"),
        (6, "unit_of_measure"),
        (6, "backorder_allowed"),
        (7, "ship_window_end"),
        (8, "delivery_window_end"),
    ]
    messages = [e.message for e in result.errors]
    assert "'6.5' is not a whole number." in messages
    assert "'1.999' has more than 2 decimal places." in messages
    assert "'05/04/2030' is not a date: use YYYY-MM-DD." in messages


@pytest.mark.django_db
def test_unknown_references_and_service_rules_point_at_the_row(vendor, products):
    PurchaseOrderFactory(vendor=vendor, number="PO-TAKEN")
    content = csv_bytes(
        [
            row(po_number="PO-1", vendor_code="NOPE"),
            row(po_number="PO-2", marketplace="XX", ship_to="ZZZ9"),
            row(po_number="PO-TAKEN"),
            row(po_number="PO-4", sequence="1"),
            row(po_number="PO-4", sequence="1", vendor_sku="SKU-UNKNOWN"),
            row(po_number="PO-5", ordered_quantity="0", ship_window_end=(START - datetime.timedelta(days=1)).isoformat()),
        ]
    )
    result = parse_purchase_orders("orders.csv", content)
    assert errors_of(result) == [
        (2, "vendor_code"),
        (3, "marketplace"),
        (3, "ship_to"),
        (4, "po_number"),
        (6, "sequence"),
        (6, "vendor_sku"),
        (7, "ship_window_end"),
        (7, "ordered_quantity"),
    ]
    assert "already exists" in result.errors[3].message


@pytest.mark.django_db
def test_every_row_of_a_po_must_agree_on_its_header(products):
    content = csv_bytes([row(), row(sequence="2", vendor_sku="SKU-B", ship_to="ONT8")])
    result = parse_purchase_orders("orders.csv", content)
    assert errors_of(result) == [(3, "ship_to")]
    assert "Differs from row 2" in result.errors[0].message


@pytest.mark.django_db
def test_vendor_code_may_be_the_marketplace_vendor_code(vendor, products):
    VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS01")
    result = parse_purchase_orders("orders.csv", csv_bytes([row(vendor_code="acmeus01")]))
    assert result.ok and result.purchase_orders[0].data.vendor == vendor


@pytest.mark.django_db
def test_semicolon_csv_with_bom_and_only_required_columns(products):
    columns = [
        "po_number",
        "vendor_code",
        "marketplace",
        "ship_to",
        "ship_window_start",
        "ship_window_end",
        "vendor_sku",
        "ordered_quantity",
        "net_cost",
        "notes",
    ]
    content = "\ufeff".encode() + csv_bytes([{**row(), "notes": "hello"}], columns=columns, delimiter=";")
    result = parse_purchase_orders("orders.CSV", content)
    assert result.ok, result.errors
    assert result.ignored_columns == ["notes"]
    assert result.purchase_orders[0].data.lines[0].sequence == 1


@pytest.mark.django_db
def test_xlsx_cells_keep_their_types(products):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    values = {
        **row(),
        "ship_window_start": datetime.datetime(2030, 5, 4),
        "ship_window_end": datetime.date(2030, 5, 9),
        "ordered_quantity": 24.0,
        "net_cost": 12.5,
        "sequence": 1,
        "backorder_allowed": True,
    }
    sheet.append([values.get(column) for column in COLUMNS])
    sheet.append([None] * len(COLUMNS))  # blank rows are skipped
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_purchase_orders("orders.xlsx", buffer.getvalue())
    assert result.ok, result.errors
    line = result.purchase_orders[0].data.lines[0]
    assert (line.ordered_quantity, line.net_cost, line.backorder_allowed) == (24, Decimal("12.50"), True)
    assert timezone.localdate(result.purchase_orders[0].data.ship_window_end) == datetime.date(2030, 5, 9)


# Files the core cannot read at all (type, encoding, broken XLSX) are tests/vendor_portal/test_tables.py's.
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("orders.txt", b"po_number\n", "is not a CSV or XLSX file"),
        ("orders.csv", b"po_number,vendor_code,marketplace\nPO-1,ACME,US\n", "Missing columns: ship_to, ship_window_start"),
        ("orders.csv", ",".join(COLUMNS).encode() + b"\n", "no lines"),
    ],
)
@pytest.mark.django_db
def test_unreadable_files_are_refused_as_a_whole(name, content, message):
    with pytest.raises(UploadError) as refused:
        parse_purchase_orders(name, content)
    assert message in refused.value.message


@pytest.mark.django_db
def test_the_po_upload_limits_on_rows_and_bytes_apply(monkeypatch):
    from purchase_orders import imports

    monkeypatch.setattr(imports, "UPLOAD_MAX_ROWS", 2)
    with pytest.raises(UploadError, match="more than 2 lines"):
        parse_purchase_orders("orders.csv", csv_bytes([row(), row(), row()]))
    monkeypatch.setattr(imports, "UPLOAD_MAX_BYTES", 10)
    with pytest.raises(UploadError, match="the limit is 0 KB"):
        parse_purchase_orders("orders.csv", csv_bytes([row()]))


@pytest.mark.django_db
def test_committing_creates_all_or_nothing(vendor, products):
    actor = Actor(user=retailer_user())
    result = parse_purchase_orders("orders.csv", csv_bytes([row(po_number="PO-1"), row(po_number="PO-2")]))
    assert result.ok
    PurchaseOrderFactory(vendor=vendor, number="PO-2")
    with pytest.raises(ImportRejected) as rejected:
        create_imported_purchase_orders(result=result, actor=actor)
    assert [(e.row, e.column) for e in rejected.value.errors] == [(3, "po_number")]
    assert not PurchaseOrder.objects.filter(number="PO-1").exists()


@pytest.mark.django_db
def test_the_template_is_a_valid_file_once_its_codes_are_real(vendor):
    WarehouseFactory(code="ABE2")
    ProductFactory(vendor=vendor, vendor_sku="SKU-00001")
    ProductFactory(vendor=vendor, vendor_sku="SKU-00002")
    content = template_csv().replace("VENDORCODE", vendor.code).encode()
    result = parse_purchase_orders("template.csv", content)
    assert result.ok, result.errors
    assert result.line_count == 2
