"""The purchase-order screens, through their views: the vendor's list, detail and confirmation, the buyer's
issue, change, cancel and upload, and who may do what."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from purchase_orders.models import Acknowledgement, PurchaseOrder, PurchaseOrderState
from tests.audit_check import audit_exempt
from tests.export_support import exported_sheet_rows
from tests.factories import ProductFactory, VendorFactory, WarehouseFactory, marketplace, retailer_user, vendor_user
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory, purchase_order_with_lines
from vendor_portal.models import AuditEvent, Document
from vendor_portal.roles import Role


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS)


@pytest.fixture
def buyer(db):
    return retailer_user(Role.BUYER)


@pytest.fixture
def ops_client(client, ops):
    client.force_login(ops)
    return client


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


def numbers_on(response) -> list[str]:
    return [po.number for po in response.context["page"]]


def confirm_data(po, answers, **dates):
    """POST data for the confirmation form: answers = {sequence: {"accepted": .., ...}}."""
    data = {key: value.isoformat() for key, value in dates.items()}
    for line in po.lines.all():
        answer = answers.get(line.sequence, {})
        prefix = f"line-{line.sequence}-"
        for name in ("accepted", "backordered", "rejected"):
            data[prefix + name] = str(answer.get(name, 0))
        data[prefix + "rejection_reason"] = answer.get("rejection_reason", "")
        backorder_date = answer.get("backorder_date")
        data[prefix + "backorder_date"] = backorder_date.isoformat() if backorder_date else ""
    return data


def ship_day(po, days=1):
    return timezone.localdate(po.ship_window_start) + datetime.timedelta(days=days)


# List -------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_list_shows_own_pos_with_line_count_units_and_total(ops_client, vendor, other_vendor):
    purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-MINE-1")
    purchase_order_with_lines(other_vendor, lines=1, number="PO-THEIRS-1")
    response = ops_client.get("/purchase-orders/")
    assert response.status_code == 200
    assert numbers_on(response) == ["PO-MINE-1"]
    row = response.context["page"][0]
    assert (row.line_count, row.total_ordered_quantity, row.total_cost) == (2, 120, Decimal("1200.00"))
    page = response.content.decode()
    assert "1,200.00 USD" in page
    assert "PO-THEIRS-1" not in page
    assert 'class="status new"' in page


@pytest.mark.django_db
def test_list_filters_by_state_needs_confirmation_and_changed(ops_client, vendor):
    PurchaseOrderFactory(vendor=vendor, number="PO-NEW")
    PurchaseOrderFactory(vendor=vendor, number="PO-ACK", state=PurchaseOrderState.ACKNOWLEDGED)
    PurchaseOrderFactory(vendor=vendor, number="PO-SHIPPED", state=PurchaseOrderState.SHIPPED)
    PurchaseOrderFactory(vendor=vendor, number="PO-CHANGED", has_unconfirmed_changes=True)

    states = ops_client.get("/purchase-orders/?state=acknowledged&state=shipped")
    assert sorted(numbers_on(states)) == ["PO-ACK", "PO-SHIPPED"]
    needs = ops_client.get("/purchase-orders/?needs_confirmation=on")
    assert sorted(numbers_on(needs)) == ["PO-CHANGED", "PO-NEW"]
    changed = ops_client.get("/purchase-orders/?changed=on")
    assert numbers_on(changed) == ["PO-CHANGED"]
    assert "checked" in changed.content.decode().split('name="changed"')[1][:40]


@pytest.mark.django_db
def test_list_filters_by_marketplace_dc_and_ship_window(ops_client, vendor):
    now = timezone.now()
    PurchaseOrderFactory(
        vendor=vendor, number="PO-US-ABE2", ship_window_start=now + datetime.timedelta(days=2), ship_window_end=now + datetime.timedelta(days=5)
    )
    PurchaseOrderFactory(
        vendor=vendor,
        number="PO-US-ONT8",
        ship_to=WarehouseFactory(code="ONT8"),
        ship_window_start=now + datetime.timedelta(days=20),
        ship_window_end=now + datetime.timedelta(days=25),
    )
    de = marketplace("DE")
    PurchaseOrderFactory(vendor=vendor, number="PO-DE", marketplace=de, ship_to=WarehouseFactory(code="FRA3", marketplace=de))

    assert numbers_on(ops_client.get("/purchase-orders/?marketplace=DE")) == ["PO-DE"]
    assert numbers_on(ops_client.get("/purchase-orders/?ship_to=ONT8")) == ["PO-US-ONT8"]
    window_from = (now + datetime.timedelta(days=15)).date().isoformat()
    assert numbers_on(ops_client.get(f"/purchase-orders/?ship_window_from={window_from}")) == ["PO-US-ONT8"]
    # "to" is inclusive: a window starting that very day matches.
    window_to = (now + datetime.timedelta(days=2)).date().isoformat()
    assert sorted(numbers_on(ops_client.get(f"/purchase-orders/?ship_window_to={window_to}&marketplace=US"))) == ["PO-US-ABE2"]


@pytest.mark.django_db
def test_list_search_finds_po_number_asin_and_sku(ops_client, vendor):
    first = purchase_order_with_lines(vendor, lines=1, number="PO-ALPHA-1")
    purchase_order_with_lines(vendor, lines=1, number="PO-BETA-1")
    line = first.lines.get()
    assert numbers_on(ops_client.get("/purchase-orders/?q=po-alpha")) == ["PO-ALPHA-1"]
    assert numbers_on(ops_client.get(f"/purchase-orders/?q={line.asin}")) == ["PO-ALPHA-1"]
    assert numbers_on(ops_client.get(f"/purchase-orders/?q={line.vendor_sku.lower()}")) == ["PO-ALPHA-1"]
    assert numbers_on(ops_client.get("/purchase-orders/?q=NOTHING")) == []


@pytest.mark.django_db
def test_list_search_finds_a_part_of_a_po_number_asin_or_sku(ops_client, vendor, other_vendor):
    po = PurchaseOrderFactory(vendor=vendor, number="PO-2026-004711")
    PurchaseOrderLineFactory(purchase_order=po, sequence=1, asin="B0ZX4711QQ", vendor_sku="ACME-TEAPOT-RED")
    other = PurchaseOrderFactory(vendor=vendor, number="PO-2026-000815")
    PurchaseOrderLineFactory(purchase_order=other, sequence=1, asin="B0AAAAAAAA", vendor_sku="ACME-KETTLE")
    theirs = PurchaseOrderFactory(vendor=other_vendor, number="PO-2026-994711")
    PurchaseOrderLineFactory(purchase_order=theirs, sequence=1, asin="B0ZX4711ZZ", vendor_sku="GLX-TEAPOT-RED")
    assert numbers_on(ops_client.get("/purchase-orders/?q=4711")) == ["PO-2026-004711"]  # number and ASIN, once
    assert numbers_on(ops_client.get("/purchase-orders/?q=teapot")) == ["PO-2026-004711"]
    assert numbers_on(ops_client.get("/purchase-orders/?q=zx47")) == ["PO-2026-004711"]
    assert sorted(numbers_on(ops_client.get("/purchase-orders/?q=2026-00"))) == ["PO-2026-000815", "PO-2026-004711"]


@pytest.mark.django_db
def test_list_sorts_by_column_headers(ops_client, vendor):
    now = timezone.now()
    PurchaseOrderFactory(vendor=vendor, number="PO-B", state=PurchaseOrderState.ACKNOWLEDGED, confirmation_due_at=now + datetime.timedelta(hours=5))
    PurchaseOrderFactory(vendor=vendor, number="PO-A", state=PurchaseOrderState.CANCELLED, confirmation_due_at=now + datetime.timedelta(hours=50))
    PurchaseOrderFactory(vendor=vendor, number="PO-C", state=PurchaseOrderState.NEW, confirmation_due_at=now + datetime.timedelta(hours=1))

    assert numbers_on(ops_client.get("/purchase-orders/?sort=number")) == ["PO-A", "PO-B", "PO-C"]
    assert numbers_on(ops_client.get("/purchase-orders/?sort=-number")) == ["PO-C", "PO-B", "PO-A"]
    assert numbers_on(ops_client.get("/purchase-orders/?sort=confirmation_due")) == ["PO-C", "PO-B", "PO-A"]
    # States sort in their lifecycle order, not alphabetically.
    assert numbers_on(ops_client.get("/purchase-orders/?sort=state")) == ["PO-C", "PO-B", "PO-A"]
    response = ops_client.get("/purchase-orders/?sort=number&state=new&state=cancelled&state=acknowledged")
    page = response.content.decode()
    assert 'aria-sort="ascending"' in page
    # The header link flips the direction and keeps the filters.
    assert response.context["sorting"]["number"]["query"] == "sort=-number&state=new&state=cancelled&state=acknowledged"
    assert numbers_on(ops_client.get("/purchase-orders/?sort=bogus")) == ["PO-C", "PO-A", "PO-B"]


@pytest.mark.django_db
def test_list_pages_by_50_with_a_cursor_keeping_the_filters(ops_client, vendor):
    for _ in range(53):
        PurchaseOrderFactory(vendor=vendor)
    PurchaseOrderFactory(vendor=vendor, state=PurchaseOrderState.ACKNOWLEDGED)
    first = ops_client.get("/purchase-orders/?state=new")
    assert len(numbers_on(first)) == 50
    page = first.context["page"]
    assert page.has_next and not page.has_previous
    assert "53" in first.content.decode().split('data-testid="po-count"')[1][:80]
    second = ops_client.get(f"/purchase-orders/?{page.next_query}")
    assert "state=new" in page.next_query and len(numbers_on(second)) == 3
    assert not set(numbers_on(first)) & set(numbers_on(second))
    assert second.context["page"].has_previous and not second.context["page"].has_next
    back = ops_client.get(f"/purchase-orders/?{second.context['page'].previous_query}")
    assert numbers_on(back) == numbers_on(first)
    # A cursor of another ordering (or a tampered one) shows the first page, never an error.
    assert numbers_on(ops_client.get(f"/purchase-orders/?sort=number&{page.next_query}")) == numbers_on(
        ops_client.get("/purchase-orders/?sort=number&state=new")
    )
    assert numbers_on(ops_client.get("/purchase-orders/?state=new&cursor=not-a-cursor")) == numbers_on(first)


@pytest.mark.django_db
def test_list_pages_through_every_sort_without_repeating_or_skipping(ops_client, vendor):
    now = timezone.now()
    states = [PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.CLOSED]
    for index in range(57):
        PurchaseOrderFactory(vendor=vendor, state=states[index % 3], order_date=now - datetime.timedelta(hours=index % 5), confirmation_due_at=now)
    for sort in ("state", "-state", "order_date", "-confirmation_due", "number"):
        seen, query = [], f"sort={sort}"
        while True:
            response = ops_client.get(f"/purchase-orders/?{query}")
            seen += numbers_on(response)
            if not response.context["page"].has_next:
                break
            query = response.context["page"].next_query
        assert len(seen) == len(set(seen)) == 57, sort


@pytest.mark.django_db
def test_list_count_is_capped_and_says_so_in_the_locale(ops_client, vendor, monkeypatch):
    from vendor_portal import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    for _ in range(5):
        PurchaseOrderFactory(vendor=vendor)
    response = ops_client.get("/purchase-orders/")
    assert (response.context["page"].count, response.context["page"].count_capped) == (3, True)
    assert "<strong>3+</strong> purchase orders" in response.content.decode()
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    assert "<strong>5</strong> purchase orders" in ops_client.get("/purchase-orders/").content.decode()
    assert listing.count_label(10_000, capped=True) == "10,000+"
    with translation.override("zh-hans"):  # Django's Simplified Chinese formats group without a separator
        assert listing.count_label(12345, capped=True) == "12345+"


@pytest.mark.parametrize("query", ["", "state=new&state=acknowledged", "q=SKU", "sort=state", "needs_confirmation=on"])
@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(ops_client, vendor, query):
    for _ in range(5):
        purchase_order_with_lines(vendor, lines=2)
    ops_client.get(f"/purchase-orders/?{query}")
    with CaptureQueriesContext(connection) as few:
        ops_client.get(f"/purchase-orders/?{query}")
    for _ in range(45):
        purchase_order_with_lines(vendor, lines=2)
    with CaptureQueriesContext(connection) as many:
        response = ops_client.get(f"/purchase-orders/?{query}")
    assert len(numbers_on(response)) == 50
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert not any("DISTINCT" in q["sql"] or "OFFSET" in q["sql"] for q in many.captured_queries)


@pytest.mark.django_db
def test_retailer_list_has_vendor_column_and_vendor_filter(buyer_client, vendor, other_vendor):
    purchase_order_with_lines(vendor, lines=1, number="PO-ACME-1")
    purchase_order_with_lines(other_vendor, lines=1, number="PO-GLOBEX-1")
    everything = buyer_client.get("/purchase-orders/")
    assert sorted(numbers_on(everything)) == ["PO-ACME-1", "PO-GLOBEX-1"]
    page = everything.content.decode()
    assert ">Vendor</th>" in page and 'name="vendor"' in page
    assert numbers_on(buyer_client.get("/purchase-orders/?vendor=GLOBEX")) == ["PO-GLOBEX-1"]


@pytest.mark.django_db
def test_vendor_list_offers_no_vendor_filter_and_ignores_one(ops_client, vendor, other_vendor):
    purchase_order_with_lines(other_vendor, lines=1, number="PO-GLOBEX-1")
    response = ops_client.get("/purchase-orders/?vendor=GLOBEX")
    assert numbers_on(response) == []
    page = response.content.decode()
    assert 'name="vendor"' not in page
    assert "Globex" not in page


@pytest.mark.django_db
def test_list_highlights_overdue_and_soon_confirmations(ops_client, vendor):
    now = timezone.now()
    PurchaseOrderFactory(vendor=vendor, number="PO-LATE", confirmation_due_at=now - datetime.timedelta(hours=3))
    PurchaseOrderFactory(vendor=vendor, number="PO-SOON", confirmation_due_at=now + datetime.timedelta(hours=5, minutes=30))
    PurchaseOrderFactory(vendor=vendor, number="PO-LATER", confirmation_due_at=now + datetime.timedelta(days=3, hours=2))
    response = ops_client.get("/purchase-orders/?sort=number")
    countdowns = {po.number: po.countdown for po in response.context["page"]}
    assert countdowns["PO-LATE"]["level"] == "overdue" and countdowns["PO-LATE"]["label"].startswith("Overdue by 3 h")
    assert countdowns["PO-SOON"]["level"] == "soon" and countdowns["PO-SOON"]["label"].startswith("in 5 h")
    assert countdowns["PO-LATER"]["level"] == "ok" and countdowns["PO-LATER"]["label"].startswith("in 3 d ")
    page = response.content.decode()
    assert 'class="due-overdue"' in page and 'class="due overdue"' in page
    assert numbers_on(ops_client.get("/purchase-orders/?due_soon=on&sort=number")) == ["PO-LATE", "PO-SOON"]


# Export -----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_csv_export_holds_the_filtered_list(ops_client, vendor, other_vendor):
    purchase_order_with_lines(vendor, lines=2, quantity=12, number="PO-CSV-NEW")
    purchase_order_with_lines(vendor, lines=1, number="PO-CSV-ACK", state=PurchaseOrderState.ACKNOWLEDGED)
    purchase_order_with_lines(other_vendor, lines=1, number="PO-CSV-OTHER")
    response = ops_client.get("/purchase-orders/export.csv?state=new&page=3")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [row["PO number"] for row in rows] == ["PO-CSV-NEW"]
    row = rows[0]
    assert (row["Vendor"], row["Marketplace"], row["State"], row["DC"]) == ("ACME", "US", "New", "ABE2")
    assert (row["Lines"], row["Ordered units"], row["Total cost"], row["Currency"]) == ("2", "24", "240.00", "USD")


@pytest.mark.django_db
def test_xlsx_export_holds_the_filtered_list_with_numbers_and_dates(ops_client, vendor):
    purchase_order_with_lines(vendor, lines=3, quantity=6, number="PO-XLSX-1")
    purchase_order_with_lines(vendor, lines=1, number="PO-XLSX-2")
    rows = exported_sheet_rows(ops_client, "/purchase-orders/export.xlsx?q=PO-XLSX-1")
    header = rows[0]
    assert len(rows) == 2
    record = dict(zip(header, rows[1], strict=False))
    assert record["PO number"] == "PO-XLSX-1"
    assert record["Lines"] == 3 and record["Ordered units"] == 18
    assert Decimal(str(record["Total cost"])) == Decimal("180.00")
    assert isinstance(record["Order date"], datetime.datetime)


# Detail -----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_detail_shows_header_quantities_totals_history_and_revisions(ops_client, vendor, ops):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-DETAIL")
    ops_client.post(
        f"/purchase-orders/{po.number}/confirm/",
        confirm_data(
            po,
            {1: {"accepted": 30, "backordered": 30, "backorder_date": ship_day(po, 10)}, 2: {"rejected": 60, "rejection_reason": "ObsoleteProduct"}},
            scheduled_ship_date=ship_day(po),
        ),
    )
    with audit_exempt():
        po.lines.filter(sequence=1).update(shipped_quantity=12, received_quantity=6, invoiced_quantity=6)
    response = ops_client.get(f"/purchase-orders/{po.number}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="po-state">Acknowledged<' in page
    assert 'data-testid="accepted-1">30<' in page
    assert 'data-testid="backordered-1">30' in page
    assert 'data-testid="rejected-2">60' in page and "Obsolete product" in page
    assert response.context["totals"]["shipped"] == 12 and response.context["totals"]["invoiced"] == 6
    assert "1,200.00 USD" in page  # ordered value
    assert "600.00 USD" in page  # confirmed value: 30 accepted + 30 backordered at 10.00
    assert "ABE2" in page and "Net 60" in page
    assert ship_day(po).isoformat() in page  # promised ship date
    assert 'data-testid="revision-1"' in page
    actions = [event.action for event in response.context["events"]]
    assert "purchase_order.acknowledge" in actions and "purchase_order_line.confirm" in actions and "acknowledgement.submit" in actions
    assert "Documents" not in page


@pytest.mark.django_db
def test_detail_lists_documents_only_when_there_are_some(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1, number="PO-DOCS")
    with audit_exempt():
        Document.objects.create(
            vendor=vendor,
            kind="po_print",
            key="po-docs.pdf",
            title="PO print-out",
            file="x.pdf",
            size=2048,
            target_type="purchase_orders.purchaseorder",
            target_id=str(po.pk),
        )
    page = ops_client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert "Documents" in page and "PO print-out" in page


@pytest.mark.django_db
def test_detail_query_count_does_not_grow_with_lines(ops_client, vendor):
    small = purchase_order_with_lines(vendor, lines=2, number="PO-SMALL")
    large = purchase_order_with_lines(vendor, lines=25, number="PO-LARGE")
    ops_client.get(f"/purchase-orders/{small.number}/")
    with CaptureQueriesContext(connection) as few:
        ops_client.get(f"/purchase-orders/{small.number}/")
    with CaptureQueriesContext(connection) as many:
        ops_client.get(f"/purchase-orders/{large.number}/")
    assert len(many) == len(few)


@pytest.mark.django_db
def test_detail_lists_the_chargebacks_raised_on_the_po_for_those_who_see_payments(client, vendor, other_vendor):
    from tests.reconciliation.factories import deduction, finance_user

    po = purchase_order_with_lines(vendor, lines=1, number="PO-CHARGED")
    other = purchase_order_with_lines(vendor, lines=1, number="PO-OTHER")
    late = deduction(vendor, reason="late_delivery", amount="3.00", purchase_order=po, description="Late delivery: PO-CHARGED")
    deduction(vendor, amount="75.00", purchase_order=other)
    client.force_login(finance_user(vendor))
    page = client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert "Chargebacks and deductions" in page
    assert f'<a href="/payments/deductions/{late.pk}/">{late.reference}</a>' in page and "3.00" in page
    assert "75.00" not in page  # the other PO's

    # Ops confirm and ship but do not see payments: no section, no link.
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops-2"))
    page = client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert "Chargebacks and deductions" not in page and "/payments/deductions/" not in page
    # Another vendor's finance never reaches the PO, let alone its chargeback.
    client.force_login(vendor_user(other_vendor, Role.VENDOR_FINANCE, username="globex-finance"))
    assert client.get(f"/purchase-orders/{po.number}/").status_code == 404


@pytest.mark.django_db
def test_detail_reads_the_chargebacks_in_one_query(client, vendor):
    from tests.reconciliation.factories import deduction, finance_user

    po = purchase_order_with_lines(vendor, lines=1, number="PO-MANY-CHARGES")
    client.force_login(finance_user(vendor))
    deduction(vendor, purchase_order=po)
    client.get(f"/purchase-orders/{po.number}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/purchase-orders/{po.number}/")
    for _ in range(5):
        deduction(vendor, purchase_order=po)
    with CaptureQueriesContext(connection) as six:
        page = client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert len(re.findall(r'href="/payments/deductions/\d+/"', page)) == 6
    assert len(six) == len(one)


# Confirmation -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_confirmation_with_backorder_and_rejection_acknowledges_the_po(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-CONFIRM")
    form = ops_client.get(f"/purchase-orders/{po.number}/confirm/")
    assert form.status_code == 200
    assert 'name="line-1-accepted"' in form.content.decode()
    response = ops_client.post(
        f"/purchase-orders/{po.number}/confirm/",
        confirm_data(
            po,
            {
                1: {"accepted": 30, "backordered": 30, "backorder_date": ship_day(po, 14)},
                2: {"rejected": 60, "rejection_reason": "TemporarilyUnavailable"},
            },
            scheduled_ship_date=ship_day(po),
            scheduled_delivery_date=ship_day(po, 5),
        ),
    )
    # Saved: the next PO to confirm is offered (tests/purchase_orders/test_bulk_confirmation.py).
    assert response.status_code == 302 and response["Location"] == f"/purchase-orders/{po.number}/confirmed/"
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    assert po.promised_ship_date == ship_day(po)
    first, second = po.lines.order_by("sequence")
    assert (first.accepted_quantity, first.backordered_quantity, first.backorder_date) == (30, 30, ship_day(po, 14))
    assert (second.rejected_quantity, second.rejection_reason) == (60, "TemporarilyUnavailable")
    assert Acknowledgement.objects.filter(purchase_order=po).count() == 1
    assert "It is now Acknowledged" in ops_client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_confirmation_errors_appear_next_to_their_line_and_keep_the_values(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=3, quantity=60, number="PO-ERRORS")
    data = confirm_data(
        po,
        {
            1: {"accepted": 60},
            2: {"accepted": 50},  # 50 of 60: does not add up
            3: {"accepted": 30, "rejected": 30},  # no reason
        },
        scheduled_ship_date=ship_day(po, 30),  # outside the window
    )
    response = ops_client.post(f"/purchase-orders/{po.number}/confirm/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert not form.lines[0].errors
    assert "accepted + backordered + rejected is 50" in form.lines[1].errors["accepted"][0]
    assert "choose why" in form.lines[2].errors["rejection_reason"][0]
    assert "inside the ship window" in form.dates.errors["scheduled_ship_date"][0]
    page = response.content.decode()
    assert 'name="line-2-accepted" value="50"' in page
    assert 'name="line-3-rejected" value="30"' in page
    assert 'aria-invalid="true"' in page and 'id="id_line-2-accepted-errors"' in page
    assert "nothing was saved" in page
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW
    assert not po.lines.filter(accepted_quantity__gt=0).exists()
    assert not Acknowledgement.objects.filter(purchase_order=po).exists()


@pytest.mark.django_db
def test_confirmation_form_errors_are_shown_without_calling_the_service(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1, number="PO-GARBAGE")
    data = confirm_data(po, {1: {"accepted": 60}})
    data["line-1-accepted"] = "lots"
    response = ops_client.post(f"/purchase-orders/{po.number}/confirm/", data)
    assert response.status_code == 400
    assert response.context["form"].lines[0].errors["accepted"]
    assert 'value="lots"' in response.content.decode()
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.NEW


@pytest.mark.django_db
def test_backorder_fields_are_disabled_where_backorders_are_not_allowed(ops_client, vendor):
    po = PurchaseOrderFactory(vendor=vendor, number="PO-NOBO")
    PurchaseOrderLineFactory(purchase_order=po, sequence=1, backorder_allowed=False)
    page = ops_client.get(f"/purchase-orders/{po.number}/confirm/").content.decode()
    backordered = page.split('name="line-1-backordered"')[1].split(">")[0]
    assert "disabled" in backordered
    # A forged backorder on such a line is ignored: the disabled field keeps its value.
    data = confirm_data(po, {1: {"accepted": 30, "backordered": 30, "backorder_date": ship_day(po)}})
    response = ops_client.post(f"/purchase-orders/{po.number}/confirm/", data)
    assert response.status_code == 400
    assert "is 30, but 60 were ordered" in response.content.decode()


@pytest.mark.django_db
def test_accept_all_accepts_every_line_in_full(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=3, quantity=24, number="PO-ALL")
    data = confirm_data(po, {1: {"rejected": 24}}, scheduled_ship_date=ship_day(po))
    data["accept_all"] = "1"
    response = ops_client.post(f"/purchase-orders/{po.number}/confirm/", data)
    assert response.status_code == 302
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    assert [(line.accepted_quantity, line.backordered_quantity, line.rejected_quantity) for line in po.lines.order_by("sequence")] == [(24, 0, 0)] * 3
    assert po.promised_ship_date == ship_day(po)


@pytest.mark.django_db
def test_accept_all_on_a_revision_keeps_what_was_rejected_rejected(ops_client, vendor):
    """The screen's Accept all is the API's accept_all: a revision accepts every open unit, the units an
    earlier confirmation rejected stay rejected (it used to try to accept them too, and answer 400)."""
    po = purchase_order_with_lines(vendor, lines=2, quantity=24, number="PO-ALL-REV")
    url = f"/purchase-orders/{po.number}/confirm/"
    first = ops_client.post(
        url,
        confirm_data(
            po,
            {1: {"accepted": 18, "rejected": 6, "rejection_reason": "TemporarilyUnavailable"}, 2: {"accepted": 24}},
            scheduled_ship_date=ship_day(po),
        ),
    )
    assert first.status_code == 302

    # The page's own form is posted with the button: the lines as the form shows them, plus accept_all.
    data = confirm_data(
        po,
        {1: {"accepted": 18, "rejected": 6, "rejection_reason": "TemporarilyUnavailable"}, 2: {"accepted": 24}},
        scheduled_ship_date=ship_day(po, 2),
    )
    data["accept_all"] = "1"
    response = ops_client.post(url, data)

    assert response.status_code == 302
    assert [(line.accepted_quantity, line.rejected_quantity, line.rejection_reason) for line in po.lines.order_by("sequence")] == [
        (18, 6, "TemporarilyUnavailable"),
        (24, 0, ""),
    ]
    po.refresh_from_db()
    assert po.acknowledgements.count() == 2 and po.estimated_ship_date == ship_day(po, 2)


@pytest.mark.django_db
def test_accept_all_refused_by_the_service_shows_why_on_the_line(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1, quantity=24, number="PO-ALL-MOQ")
    product = po.lines.get().product
    product.case_pack = 5  # 24 eaches are not whole cases of 5: accepting all of them is refused
    with audit_exempt():
        product.save(update_fields=["case_pack"])
    data = confirm_data(po, {}, scheduled_ship_date=ship_day(po))
    data["accept_all"] = "1"

    response = ops_client.post(f"/purchase-orders/{po.number}/confirm/", data)

    assert response.status_code == 400
    form = response.context["form"]
    assert "not a whole number of cases of 5" in form.lines[0].errors["accepted"][0]
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


@pytest.mark.django_db
def test_revision_starts_from_current_values_and_keeps_every_revision(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-REVISE")
    url = f"/purchase-orders/{po.number}/confirm/"
    ops_client.post(
        url,
        confirm_data(
            po, {1: {"accepted": 60}, 2: {"accepted": 30, "backordered": 30, "backorder_date": ship_day(po, 20)}}, scheduled_ship_date=ship_day(po)
        ),
    )
    form = ops_client.get(url)
    page = form.content.decode()
    assert "Revise confirmation" in page
    assert 'name="line-2-backordered" value="30"' in page
    assert f'name="line-2-backorder_date" value="{ship_day(po, 20).isoformat()}"' in page
    response = ops_client.post(url, confirm_data(po, {1: {"accepted": 60}, 2: {"accepted": 60}}, scheduled_ship_date=ship_day(po, 3)))
    assert response.status_code == 302
    po.refresh_from_db()
    assert po.promised_ship_date == ship_day(po)  # the promise stays
    assert po.estimated_ship_date == ship_day(po, 3)
    assert list(po.acknowledgements.values_list("revision", flat=True)) == [2, 1]
    detail = ops_client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="revision-2"' in detail and 'data-testid="revision-1"' in detail


@pytest.mark.django_db
def test_confirmation_is_refused_after_the_first_shipment(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1, number="PO-GONE", state=PurchaseOrderState.PARTIALLY_SHIPPED)
    url = f"/purchase-orders/{po.number}/confirm/"
    page = ops_client.get(url)
    assert page.status_code == 200
    assert "can no longer be changed" in page.content.decode()
    assert 'name="line-1-accepted"' not in page.content.decode()
    response = ops_client.post(url, confirm_data(po, {1: {"accepted": 60}}))
    assert response.status_code == 409
    assert not Acknowledgement.objects.filter(purchase_order=po).exists()
    detail = ops_client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert 'data-testid="confirm-link"' not in detail


# Buyer ------------------------------------------------------------------------------------------------
def new_po_data(vendor, products, **overrides):
    start = timezone.localdate() + datetime.timedelta(days=3)
    data = {
        "number": "PO-BUYER-1",
        "vendor": vendor.pk,
        "marketplace": marketplace("US").pk,
        "ship_to": WarehouseFactory(code="ABE2").pk,
        "order_type": "RegularOrder",
        "payment_terms": "net30",
        "ship_window_start": start.isoformat(),
        "ship_window_end": (start + datetime.timedelta(days=6)).isoformat(),
        "delivery_window_start": (start + datetime.timedelta(days=3)).isoformat(),
        "delivery_window_end": (start + datetime.timedelta(days=12)).isoformat(),
        "deal_code": "",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "500",
    }
    for index in range(4):
        data.update({f"lines-{index}-unit_of_measure": "Eaches", f"lines-{index}-unit_size": "1"})
    for index, (identifier, quantity, cost) in enumerate(products):
        data.update(
            {
                f"lines-{index}-vendor_sku": identifier,
                f"lines-{index}-ordered_quantity": str(quantity),
                f"lines-{index}-net_cost": cost,
                f"lines-{index}-backorder_allowed": "on",
            }
        )
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_buyer_issues_a_po_with_lines(buyer_client, vendor):
    kettle = ProductFactory(vendor=vendor, vendor_sku="KETTLE-1")
    toaster = ProductFactory(vendor=vendor, vendor_sku="TOASTER-1")
    form = buyer_client.get("/purchase-orders/new/")
    assert form.status_code == 200 and len(form.context["form"]["number"].value()) == 8
    response = buyer_client.post("/purchase-orders/new/", new_po_data(vendor, [("KETTLE-1", 24, "12.50"), (toaster.asin, 12, "30.00")]))
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    po = PurchaseOrder.objects.get(number="PO-BUYER-1")
    assert (po.vendor, po.state, po.payment_terms, po.currency) == (vendor, PurchaseOrderState.NEW, "net30", "USD")
    lines = list(po.lines.order_by("sequence"))
    assert [(line.sequence, line.product, line.ordered_quantity, line.net_cost, line.backorder_allowed) for line in lines] == [
        (1, kettle, 24, Decimal("12.50"), True),
        (2, toaster, 12, Decimal("30.00"), True),
    ]
    assert timezone.localdate(po.ship_window_end) == timezone.localdate() + datetime.timedelta(days=9)


@pytest.mark.django_db
def test_buyer_sees_service_errors_next_to_the_line(buyer_client, vendor):
    ProductFactory(vendor=vendor, vendor_sku="KETTLE-1")
    PurchaseOrderFactory(vendor=vendor, number="PO-TAKEN")
    data = new_po_data(vendor, [("KETTLE-1", 24, "12.50"), ("NO-SUCH-SKU", 6, "1.00")], number="PO-TAKEN")
    response = buyer_client.post("/purchase-orders/new/", data)
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["number"][0]
    forms = response.context["formset"].forms
    assert not forms[0].errors
    assert "No product NO-SUCH-SKU" in forms[1].errors["vendor_sku"][0]
    assert 'value="NO-SUCH-SKU"' in response.content.decode()
    assert PurchaseOrder.objects.filter(vendor=vendor).count() == 1


@pytest.mark.django_db
def test_buyer_changes_quantities_and_dates_and_the_vendor_must_confirm_again(buyer_client, vendor):
    po = purchase_order_with_lines(
        vendor, lines=2, quantity=60, number="PO-CHANGE", state=PurchaseOrderState.ACKNOWLEDGED, acknowledged_at=timezone.now()
    )
    form = buyer_client.get(f"/purchase-orders/{po.number}/change/")
    assert form.status_code == 200
    new_end = timezone.localdate(po.ship_window_end) + datetime.timedelta(days=3)
    data = {
        "ship_window_start": timezone.localdate(po.ship_window_start).isoformat(),
        "ship_window_end": new_end.isoformat(),
        "delivery_window_start": timezone.localdate(po.delivery_window_start).isoformat(),
        "delivery_window_end": timezone.localdate(po.delivery_window_end).isoformat(),
        "line-1-ordered_quantity": "36",
        "line-2-ordered_quantity": "60",
    }
    response = buyer_client.post(f"/purchase-orders/{po.number}/change/", data)
    assert response.status_code == 302
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW and po.has_unconfirmed_changes
    assert timezone.localdate(po.ship_window_end) == new_end
    first, second = po.lines.order_by("sequence")
    assert (first.ordered_quantity, first.cancelled_quantity) == (36, 24)
    assert second.ordered_quantity == 60
    change = AuditEvent.objects.filter(action="purchase_order.change").get()
    assert "ship_window_end" in change.after and "ship_window_start" in change.before


@pytest.mark.django_db
def test_buyer_change_with_a_backwards_window_saves_nothing(buyer_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1, number="PO-BACKWARDS")
    start = timezone.localdate(po.ship_window_start)
    response = buyer_client.post(
        f"/purchase-orders/{po.number}/change/",
        {
            "ship_window_start": start.isoformat(),
            "ship_window_end": (start - datetime.timedelta(days=1)).isoformat(),
            "delivery_window_start": "",
            "delivery_window_end": "",
            "line-1-ordered_quantity": "12",
        },
    )
    assert response.status_code == 400
    assert "ends before it starts" in response.context["windows"].errors["ship_window_end"][0]
    assert 'value="12"' in response.content.decode()
    assert po.lines.get().ordered_quantity == 60
    assert not AuditEvent.objects.filter(action="purchase_order.change").exists()


@pytest.mark.django_db
def test_buyer_cancels_a_line_then_the_whole_po(buyer_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, number="PO-CXL")
    dates = {
        name: timezone.localdate(getattr(po, name)).isoformat()
        for name in ("ship_window_start", "ship_window_end", "delivery_window_start", "delivery_window_end")
    }
    response = buyer_client.post(
        f"/purchase-orders/{po.number}/change/", {**dates, "line-1-ordered_quantity": "60", "line-1-cancel": "on", "line-2-ordered_quantity": "60"}
    )
    assert response.status_code == 302
    assert po.lines.get(sequence=1).ordered_quantity == 0
    nothing = buyer_client.post(f"/purchase-orders/{po.number}/change/", {**dates, "line-2-ordered_quantity": "60"}, follow=True)
    assert "Nothing was changed" in nothing.content.decode()
    asked = buyer_client.post(f"/purchase-orders/{po.number}/cancel/", {"reason": "Range delisted"})
    assert 'data-testid="confirm-step"' in asked.content.decode() and "Range delisted" in asked.content.decode()
    assert PurchaseOrder.objects.get(pk=po.pk).state != PurchaseOrderState.CANCELLED
    response = buyer_client.post(f"/purchase-orders/{po.number}/cancel/", {"reason": "Range delisted", "confirmed": "yes"}, follow=True)
    assert "cancelled" in response.content.decode()
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.CANCELLED
    assert AuditEvent.objects.get(action="purchase_order.cancel").after["note"] == "Range delisted"
    refused = buyer_client.post(f"/purchase-orders/{po.number}/cancel/", follow=True)
    assert "cannot be cancelled" in refused.content.decode()
    assert buyer_client.get(f"/purchase-orders/{po.number}/cancel/").status_code == 405


# Upload -----------------------------------------------------------------------------------------------
def upload_csv(rows, header=None) -> io.BytesIO:
    from purchase_orders.imports import COLUMNS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or COLUMNS)
    writer.writerows(rows)
    content = io.BytesIO(buffer.getvalue().encode())
    content.name = "orders.csv"
    return content


def upload_row(number, sku, quantity="60", cost="10.00", vendor_code="ACME", sequence="1", **overrides):
    start = timezone.localdate() + datetime.timedelta(days=3)
    row = {
        "po_number": number,
        "vendor_code": vendor_code,
        "marketplace": "US",
        "ship_to": "ABE2",
        "ship_window_start": start.isoformat(),
        "ship_window_end": (start + datetime.timedelta(days=5)).isoformat(),
        "delivery_window_start": "",
        "delivery_window_end": "",
        "order_type": "RegularOrder",
        "payment_terms": "net60",
        "sequence": sequence,
        "vendor_sku": sku,
        "ordered_quantity": quantity,
        "unit_of_measure": "Eaches",
        "unit_size": "1",
        "net_cost": cost,
        "list_price": "",
        "backorder_allowed": "true",
    }
    row.update(overrides)
    from purchase_orders.imports import COLUMNS

    return [row[column] for column in COLUMNS]


@pytest.fixture
def catalogue(vendor):
    WarehouseFactory(code="ABE2")
    return [ProductFactory(vendor=vendor, vendor_sku=f"UP-{n}") for n in range(1, 4)]


@pytest.mark.django_db
def test_upload_dry_run_reports_row_errors_and_saves_nothing(buyer_client, vendor, catalogue):
    rows = [
        upload_row("PO-UP-1", "UP-1"),
        upload_row("PO-UP-1", "UP-2", quantity="six", sequence="2"),
        upload_row("PO-UP-2", "UP-404"),
        upload_row("PO-UP-3", "UP-3", ship_window_end="31/12/2030"),
    ]
    response = buyer_client.post("/purchase-orders/upload/", {"file": upload_csv(rows), "dry_run": "1"})
    assert response.status_code == 400
    errors = [(e.row, e.column) for e in response.context["result"].errors]
    assert errors == [(3, "ordered_quantity"), (4, "vendor_sku"), (5, "ship_window_end")]
    page = response.content.decode()
    assert "&#x27;six&#x27; is not a whole number" in page and "No product UP-404" in page
    assert 'data-testid="upload-commit"' not in page
    assert not PurchaseOrder.objects.exists()


@pytest.mark.django_db
def test_upload_dry_run_then_commit_creates_every_po(buyer_client, vendor, catalogue):
    rows = [upload_row("PO-UP-1", "UP-1"), upload_row("PO-UP-1", "UP-2", sequence="2", quantity="12"), upload_row("PO-UP-2", "UP-3", cost="99.99")]
    dry_run = buyer_client.post("/purchase-orders/upload/", {"file": upload_csv(rows), "dry_run": "1"})
    assert dry_run.status_code == 200
    assert [po.data.number for po in dry_run.context["result"].purchase_orders] == ["PO-UP-1", "PO-UP-2"]
    assert "Create 2 purchase orders" in dry_run.content.decode()
    assert not PurchaseOrder.objects.exists()
    response = buyer_client.post("/purchase-orders/upload/", {"token": dry_run.context["token"], "commit": "1"})
    assert response.status_code == 302 and response["Location"] == "/purchase-orders/"
    assert PurchaseOrder.objects.get(number="PO-UP-1").lines.count() == 2
    assert PurchaseOrder.objects.get(number="PO-UP-2").lines.get().net_cost == Decimal("99.99")


@pytest.mark.django_db
def test_upload_commit_creates_nothing_if_one_po_became_invalid(buyer_client, vendor, catalogue):
    rows = [upload_row("PO-UP-1", "UP-1"), upload_row("PO-UP-2", "UP-2")]
    dry_run = buyer_client.post("/purchase-orders/upload/", {"file": upload_csv(rows), "dry_run": "1"})
    PurchaseOrderFactory(vendor=vendor, number="PO-UP-2")  # someone issued it meanwhile
    response = buyer_client.post("/purchase-orders/upload/", {"token": dry_run.context["token"], "commit": "1"})
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(3, "po_number")]
    assert "Nothing was created" in response.content.decode()
    assert not PurchaseOrder.objects.filter(number="PO-UP-1").exists()


@pytest.mark.django_db
def test_upload_commit_token_is_personal(client, buyer_client, vendor, catalogue):
    dry_run = buyer_client.post("/purchase-orders/upload/", {"file": upload_csv([upload_row("PO-UP-1", "UP-1")]), "dry_run": "1"})
    client.force_login(retailer_user(Role.RETAILER_ADMIN))
    response = client.post("/purchase-orders/upload/", {"token": dry_run.context["token"], "commit": "1"})
    assert response.status_code == 400 and "Upload it again" in response.content.decode()
    tampered = buyer_client.post("/purchase-orders/upload/", {"token": dry_run.context["token"] + "x", "commit": "1"})
    assert tampered.status_code == 400
    assert not PurchaseOrder.objects.exists()


@pytest.mark.django_db
def test_upload_accepts_xlsx(buyer_client, vendor, catalogue):
    from openpyxl import Workbook

    from purchase_orders.imports import COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    start = datetime.datetime.combine(timezone.localdate() + datetime.timedelta(days=3), datetime.time())
    row = upload_row("PO-XL-1", "UP-1")
    row[COLUMNS.index("ship_window_start")] = start
    row[COLUMNS.index("ship_window_end")] = start + datetime.timedelta(days=4)
    row[COLUMNS.index("ordered_quantity")] = 24
    row[COLUMNS.index("net_cost")] = 10.5
    sheet.append(row)
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    content.name = "orders.xlsx"
    response = buyer_client.post("/purchase-orders/upload/", {"file": content, "dry_run": "1"})
    assert response.status_code == 200, response.context["result"].errors
    imported = response.context["result"].purchase_orders[0].data
    assert imported.lines[0].ordered_quantity == 24 and imported.lines[0].net_cost == Decimal("10.50")
    assert timezone.localtime(imported.ship_window_end).time() == datetime.time.max


@pytest.mark.django_db
def test_upload_refuses_wrong_type_missing_columns_and_big_files(buyer_client, vendor, catalogue, monkeypatch):
    pdf = io.BytesIO(b"%PDF-1.7 not a spreadsheet")
    pdf.name = "orders.pdf"
    response = buyer_client.post("/purchase-orders/upload/", {"file": pdf, "dry_run": "1"})
    assert response.status_code == 400
    assert "is not a CSV or XLSX file" in response.context["file_error"]
    fake = io.BytesIO(b"po_number,vendor_code\n")
    fake.name = "orders.xlsx"
    assert "not a valid XLSX" in buyer_client.post("/purchase-orders/upload/", {"file": fake}).context["file_error"]
    missing = upload_csv([["PO-1", "ACME"]], header=["po_number", "vendor_code"])
    error = buyer_client.post("/purchase-orders/upload/", {"file": missing}).context["file_error"]
    assert "Missing columns: marketplace, ship_to" in error
    from purchase_orders import imports

    monkeypatch.setattr(imports, "UPLOAD_MAX_BYTES", 100)
    big = buyer_client.post("/purchase-orders/upload/", {"file": upload_csv([upload_row("PO-UP-1", "UP-1")] * 3)})
    assert "the limit is 0 KB" in big.context["file_error"]
    assert not PurchaseOrder.objects.exists()


@pytest.mark.django_db
def test_upload_template_downloads_as_csv(buyer_client):
    response = buyer_client.get("/purchase-orders/upload/template.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    header = response.content.decode().splitlines()[0]
    assert header.startswith("po_number,vendor_code,marketplace,ship_to,ship_window_start")


# Tenancy and permissions ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_another_vendors_po_is_not_found_on_every_screen(client, vendor, other_vendor):
    po = purchase_order_with_lines(vendor, lines=1, number="ACMESECRET9")
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    for url in (f"/purchase-orders/{po.number}/", f"/purchase-orders/{po.number}/confirm/"):
        assert client.get(url).status_code == 404
        assert client.post(url, confirm_data(po, {1: {"accepted": 60}})).status_code == 404
    for url in (f"/purchase-orders/{po.number}/change/", f"/purchase-orders/{po.number}/cancel/"):
        assert client.post(url).status_code == 403  # vendors never issue or change POs
    for url in ("/purchase-orders/", "/purchase-orders/export.csv", "/purchase-orders/export.xlsx"):
        assert b"ACMESECRET" not in client.get(url).getvalue()
    assert ("ACMESECRET",) not in {row[:1] for row in exported_sheet_rows(client, "/purchase-orders/export.xlsx")}
    assert numbers_on(client.get("/purchase-orders/?q=ACMESECRET9")) == []
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


@pytest.mark.django_db
def test_marketplace_limited_user_sees_only_their_marketplaces(client, vendor):
    de = marketplace("DE")
    german = PurchaseOrderFactory(vendor=vendor, number="PO-DE-1", marketplace=de, ship_to=WarehouseFactory(code="FRA3", marketplace=de))
    PurchaseOrderFactory(vendor=vendor, number="PO-US-1")
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="us-only", marketplaces=[marketplace("US")]))
    response = client.get("/purchase-orders/")
    assert numbers_on(response) == ["PO-US-1"]
    assert '<option value="DE"' not in response.content.decode()
    assert client.get(f"/purchase-orders/{german.number}/").status_code == 404


@pytest.mark.django_db
def test_vendor_ops_cannot_issue_change_cancel_or_upload(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    for url in ("/purchase-orders/new/", "/purchase-orders/upload/", "/purchase-orders/upload/template.csv", f"/purchase-orders/{po.number}/change/"):
        assert ops_client.get(url).status_code == 403, url
    assert ops_client.post(f"/purchase-orders/{po.number}/cancel/").status_code == 403
    page = ops_client.get("/purchase-orders/").content.decode()
    assert "/purchase-orders/new/" not in page


@pytest.mark.django_db
def test_buyer_and_finance_cannot_confirm(client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    for user in (retailer_user(Role.BUYER), vendor_user(vendor, Role.VENDOR_FINANCE)):
        client.force_login(user)
        assert client.get(f"/purchase-orders/{po.number}/").status_code == 200
        assert 'data-testid="confirm-link"' not in client.get(f"/purchase-orders/{po.number}/").content.decode()
        assert client.post(f"/purchase-orders/{po.number}/confirm/", confirm_data(po, {1: {"accepted": 60}})).status_code == 403
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.NEW


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/purchase-orders/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# Home and navigation ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_home_counts_pos_to_confirm_due_soon_and_changed(ops_client, vendor, other_vendor):
    now = timezone.now()
    PurchaseOrderFactory(vendor=vendor, confirmation_due_at=now + datetime.timedelta(hours=3))
    PurchaseOrderFactory(vendor=vendor, confirmation_due_at=now + datetime.timedelta(hours=40), has_unconfirmed_changes=True)
    PurchaseOrderFactory(vendor=vendor, state=PurchaseOrderState.ACKNOWLEDGED)
    PurchaseOrderFactory(vendor=other_vendor, confirmation_due_at=now + datetime.timedelta(hours=1))
    cards = {str(card["label"]): card for card in ops_client.get("/").context["cards"]}
    assert cards["POs to confirm"]["count"] == 2
    assert cards["POs confirmation due in 24 h"]["count"] == 1
    assert cards["Changed POs"]["count"] == 1
    assert numbers_on(ops_client.get(cards["POs confirmation due in 24 h"]["url"])) == [
        PurchaseOrder.objects.get(vendor=vendor, confirmation_due_at__lte=now + datetime.timedelta(hours=4)).number
    ]
    nav = ops_client.get("/purchase-orders/").content.decode()
    assert 'href="/purchase-orders/" class="active" aria-current="page">Purchase orders</a>' in nav


@pytest.mark.django_db
def test_buyer_home_has_no_vendor_confirmation_cards(buyer_client):
    labels = [str(card["label"]) for card in buyer_client.get("/").context["cards"]]
    assert "POs to confirm" not in labels


@pytest.mark.django_db
def test_list_vendor_filter_options_come_from_every_vendor_for_retailers(buyer_client, vendor):
    VendorFactory(code="INITECH", name="Initech")
    page = buyer_client.get("/purchase-orders/").content.decode()
    assert '<option value="INITECH">' in page
