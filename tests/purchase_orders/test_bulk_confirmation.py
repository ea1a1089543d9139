"""Bulk PO confirmation on the screens: the POs awaiting confirmation downloaded as CSV/XLSX, filled in, checked
by a dry run with row-level errors, then applied all or nothing through the confirmation service; and, after
one PO is confirmed on screen, the next one to confirm."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from purchase_orders.bulk_confirmation import COLUMN_KEYS
from purchase_orders.models import Acknowledgement, PurchaseOrderLine, PurchaseOrderState
from purchase_orders.services.bulk_confirmations import PurchaseOrderConfirmation, purchase_orders_acknowledge_in_bulk
from purchase_orders.services.confirmations import LineConfirmation
from purchase_orders.services.orders import LineChange, purchase_order_change
from tests.factories import marketplace, retailer_user, vendor_user
from tests.purchase_orders.factories import PurchaseOrderLineFactory, purchase_order_with_lines
from vendor_portal import events
from vendor_portal.errors import DomainValidationError
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db
PAGE = "/purchase-orders/confirm-in-bulk/"


# Files ------------------------------------------------------------------------------------------------
def downloaded_csv(client, query="") -> tuple[list[str], list[dict]]:
    """The CSV download as (header, rows keyed by column key)."""
    response = client.get(f"{PAGE}download.csv?{query}")
    assert response.status_code == 200, response
    text = response.content.decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, [dict(zip(COLUMN_KEYS, row, strict=True)) for row in rows]


def fill(rows, answers: dict) -> list[dict]:
    """answers: {(po number, line): {"accepted": 60, ...}}; the other rows stay as downloaded."""
    for row in rows:
        for column, value in answers.get((row["po_number"], int(row["line"])), {}).items():
            row[column] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return rows


def csv_file(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[row[key] for key in COLUMN_KEYS] for row in rows])
    return buffer.getvalue().encode()


def upload(client, content: bytes, name="confirmations.csv", **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(PAGE, {"file": SimpleUploadedFile(name, content), "dry_run": "1", **data})


def apply(client, dry_run_response):
    return client.post(PAGE, {"token": dry_run_response.context["token"], "apply": "1"})


def ship_day(po, days=1):
    return timezone.localdate(po.ship_window_start) + datetime.timedelta(days=days)


def db_state():
    """What a bulk confirmation may change: every line's answer, the acknowledgements, the audit trail."""
    lines = list(
        PurchaseOrderLine.objects.order_by("pk").values_list(
            "pk", "accepted_quantity", "backordered_quantity", "rejected_quantity", "rejection_reason"
        )
    )
    return (
        lines,
        Acknowledgement.objects.count(),
        AuditEvent.objects.count(),
        sorted(PurchaseOrderLine.objects.values_list("purchase_order__state", flat=True)),
    )


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS)


@pytest.fixture
def ops_client(client, ops):
    client.force_login(ops)
    return client


@pytest.fixture
def acknowledged_events():
    seen = []

    def record(batch):
        seen.extend(batch)

    events.subscribe(events.PurchaseOrderAcknowledged, record)
    yield seen
    events.unsubscribe(events.PurchaseOrderAcknowledged, record)


@pytest.fixture
def two_pos(vendor):
    first = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-BULK-1")
    second = purchase_order_with_lines(vendor, lines=1, quantity=24, number="PO-BULK-2")
    return first, second


def good_answers(first, second):
    return {
        ("PO-BULK-1", 1): {"accepted": 30, "backordered": 30, "backorder_date": ship_day(first, 14), "scheduled_ship_date": ship_day(first)},
        ("PO-BULK-1", 2): {"rejected": 60, "rejection_reason": "ObsoleteProduct", "scheduled_ship_date": ship_day(first)},
        ("PO-BULK-2", 1): {"accepted": 24},
    }


def assert_confirmed(first, second):
    line_1, line_2 = first.lines.order_by("sequence")
    assert (line_1.accepted_quantity, line_1.backordered_quantity, line_1.backorder_date) == (30, 30, ship_day(first, 14))
    assert (line_2.accepted_quantity, line_2.rejected_quantity, line_2.rejection_reason) == (0, 60, "ObsoleteProduct")
    assert second.lines.get().accepted_quantity == 24
    for po in (first, second):
        po.refresh_from_db()
        assert po.state == PurchaseOrderState.ACKNOWLEDGED
        assert list(po.acknowledgements.values_list("revision", flat=True)) == [1]
    assert first.promised_ship_date == ship_day(first)
    assert first.acknowledgements.get().lines[0] == {
        "sequence": 1,
        "accepted": 30,
        "backordered": 30,
        "rejected": 0,
        "rejection_reason": "",
        "backorder_date": ship_day(first, 14).isoformat(),
    }


# The download -----------------------------------------------------------------------------------------
def test_the_download_has_one_row_per_open_line_of_the_pos_awaiting_confirmation(ops_client, vendor, other_vendor):
    first = purchase_order_with_lines(vendor, lines=2, quantity=60, number="PO-OPEN")
    PurchaseOrderLineFactory(purchase_order=first, sequence=3, ordered_quantity=0)  # cancelled by the buyer: nothing to confirm
    purchase_order_with_lines(vendor, lines=1, number="PO-DONE", state=PurchaseOrderState.ACKNOWLEDGED)
    purchase_order_with_lines(other_vendor, lines=1, number="PO-THEIRS")
    header, rows = downloaded_csv(ops_client)
    assert header[:3] == ["PO number", "Marketplace", "Ship to"]
    assert "Rejection reason (TemporarilyUnavailable, InvalidProductIdentifier, ObsoleteProduct)" in header
    assert "Backorder date (YYYY-MM-DD)" in header and header[-1] == "Version (do not change)"
    assert [(row["po_number"], row["line"]) for row in rows] == [("PO-OPEN", "1"), ("PO-OPEN", "2")]
    row = rows[0]
    line = first.lines.get(sequence=1)
    assert (row["marketplace"], row["ship_to"], row["asin"], row["vendor_sku"], row["ordered_quantity"]) == (
        "US",
        "ABE2",
        line.asin,
        line.vendor_sku,
        "60",
    )
    assert (row["unit_of_measure"], row["net_cost"], row["currency"]) == ("Eaches", "10.00", "USD")
    assert row["ship_window_start"] == timezone.localdate(first.ship_window_start).isoformat()
    assert all(row[key] == "" for key in ("accepted", "backordered", "rejected", "rejection_reason", "backorder_date", "scheduled_ship_date"))
    assert row["version"].startswith("v") and rows[1]["version"] == row["version"]


def test_the_download_follows_the_lists_marketplace_dc_and_ship_window_filters(ops_client, vendor):
    purchase_order_with_lines(vendor, lines=1, number="PO-US")
    canada = marketplace("CA")
    purchase_order_with_lines(vendor, lines=1, number="PO-CA", marketplace=canada)
    late = timezone.now() + datetime.timedelta(days=40)
    purchase_order_with_lines(vendor, lines=1, number="PO-LATE", ship_window_start=late, ship_window_end=late + datetime.timedelta(days=7))
    numbers = lambda query: sorted({row["po_number"] for row in downloaded_csv(ops_client, query)[1]})  # noqa: E731
    assert numbers("") == ["PO-CA", "PO-LATE", "PO-US"]
    assert numbers("marketplace=US") == ["PO-LATE", "PO-US"]
    assert numbers("marketplace=CA") == ["PO-CA"]
    assert numbers(f"ship_window_to={(timezone.localdate() + datetime.timedelta(days=20)).isoformat()}") == ["PO-CA", "PO-US"]
    assert numbers("ship_to=ABE2&marketplace=US") == ["PO-LATE", "PO-US"]


def test_the_xlsx_download_lists_the_reason_codes_and_hides_the_version(ops_client, vendor):
    purchase_order_with_lines(vendor, lines=2, number="PO-XLSX")
    response = ops_client.get(f"{PAGE}download.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="po-confirmations-')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Confirmations", "Rejection reasons", "How to fill in"]
    sheet = workbook["Confirmations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][0] == "PO-XLSX"
    version_letter = sheet.cell(row=1, column=len(COLUMN_KEYS)).column_letter
    assert sheet.column_dimensions[version_letter].hidden
    assert [row[0] for row in workbook["Rejection reasons"].iter_rows(min_row=2, values_only=True)] == [
        "TemporarilyUnavailable",
        "InvalidProductIdentifier",
        "ObsoleteProduct",
    ]


def test_the_download_costs_the_same_queries_for_one_po_or_many(ops_client, vendor):
    purchase_order_with_lines(vendor, lines=1, number="PO-Q1")
    ops_client.get(f"{PAGE}download.csv")
    with CaptureQueriesContext(connection) as few:
        ops_client.get(f"{PAGE}download.csv")
    for index in range(6):
        purchase_order_with_lines(vendor, lines=3, number=f"PO-Q{index + 2}")
    with CaptureQueriesContext(connection) as many:
        response = ops_client.get(f"{PAGE}download.csv")
    assert len(response.content.decode().splitlines()) == 1 + 1 + 18
    assert len(many) == len(few)


def test_nothing_to_download_says_so(ops_client, vendor):
    response = ops_client.get(f"{PAGE}download.csv?marketplace=US", follow=True)
    assert response.redirect_chain[0][0] == f"{PAGE}?marketplace=US"
    assert "No purchase order awaits your confirmation" in response.content.decode()


# A good file ------------------------------------------------------------------------------------------
def test_a_good_csv_file_is_checked_then_confirms_every_po_through_the_service(
    ops_client, vendor, two_pos, acknowledged_events, django_capture_on_commit_callbacks
):
    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    content = csv_file(header, fill(rows, good_answers(first, second)))
    before = db_state()

    checked = upload(ops_client, content)
    assert checked.status_code == 200, checked.context["result"].errors
    result = checked.context["result"]
    assert [(po.number, po.line_count, po.accepted, po.backordered, po.rejected) for po in result.purchase_orders] == [
        ("PO-BULK-1", 2, 30, 30, 60),
        ("PO-BULK-2", 1, 24, 0, 0),
    ]
    assert 'data-testid="bulk-apply"' in checked.content.decode()
    assert db_state() == before  # the dry run saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        applied = apply(ops_client, checked)
    assert applied.status_code == 302 and applied["Location"] == "/purchase-orders/?needs_confirmation=on"
    assert_confirmed(first, second)
    actions = AuditEvent.objects.filter(channel="web").values_list("action", flat=True)
    assert sorted(a for a in actions if a in ("purchase_order.acknowledge", "acknowledgement.submit")) == [
        "acknowledgement.submit",
        "acknowledgement.submit",
        "purchase_order.acknowledge",
        "purchase_order.acknowledge",
    ]
    assert sorted((e.number, e.revision, e.channel) for e in acknowledged_events) == [("PO-BULK-1", 1, "web"), ("PO-BULK-2", 1, "web")]
    assert "2 purchase orders confirmed from confirmations.csv" in ops_client.get(applied["Location"]).content.decode()


def test_a_good_xlsx_file_with_date_cells_confirms_every_po(ops_client, vendor, two_pos):
    first, second = two_pos
    response = ops_client.get(f"{PAGE}download.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Confirmations"]
    column = {key: index + 1 for index, key in enumerate(COLUMN_KEYS)}
    answers = good_answers(first, second)
    for row in range(2, sheet.max_row + 1):
        key = (sheet.cell(row=row, column=column["po_number"]).value, sheet.cell(row=row, column=column["line"]).value)
        for name, value in answers[key].items():
            # A date typed into a spreadsheet is a date cell (openpyxl reads it back as a datetime).
            cell_value = datetime.datetime.combine(value, datetime.time.min) if isinstance(value, datetime.date) else value
            sheet.cell(row=row, column=column[name]).value = cell_value
    buffer = io.BytesIO()
    workbook.save(buffer)

    checked = upload(ops_client, buffer.getvalue(), name="confirmations.xlsx")
    assert checked.status_code == 200, checked.context["result"].errors
    assert apply(ops_client, checked).status_code == 302
    assert_confirmed(first, second)


def test_a_po_left_blank_is_not_confirmed_and_the_others_are(ops_client, vendor, two_pos):
    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    answers = {key: value for key, value in good_answers(first, second).items() if key[0] == "PO-BULK-2"}
    checked = upload(ops_client, csv_file(header, fill(rows, answers)))
    assert checked.status_code == 200
    assert checked.context["result"].skipped == ["PO-BULK-1"]
    assert apply(ops_client, checked).status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.state, second.state) == (PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED)


def test_columns_may_be_named_by_their_keys_in_any_order(ops_client, vendor, two_pos):
    first, second = two_pos
    _header, rows = downloaded_csv(ops_client)
    fill(rows, good_answers(first, second))
    keys = [
        "version",
        "line",
        "po_number",
        "accepted",
        "backordered",
        "rejected",
        "rejection_reason",
        "backorder_date",
        "scheduled_ship_date",
        "note",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(keys)
    writer.writerows([[row.get(key, "mine") for key in keys] for row in rows])
    checked = upload(ops_client, buffer.getvalue().encode())
    assert checked.status_code == 200, checked.context["result"].errors
    assert checked.context["result"].ignored_columns == ["note"]


# Bad files: row-level errors, nothing applied ---------------------------------------------------------
def test_bad_rows_show_row_level_errors_and_nothing_is_applied(ops_client, vendor, other_vendor):
    for number in ("PO-MISSING", "PO-SUM", "PO-REASON", "PO-DATE", "PO-GOOD"):
        purchase_order_with_lines(vendor, lines=2, quantity=60, number=number)
    theirs = purchase_order_with_lines(other_vendor, lines=1, number="PO-THEIRS")
    header, rows = downloaded_csv(ops_client)
    accept = {"accepted": 60}
    fill(
        rows,
        {
            ("PO-MISSING", 1): accept,
            ("PO-SUM", 1): accept,
            ("PO-SUM", 2): {"accepted": 48},
            ("PO-REASON", 1): accept,
            ("PO-REASON", 2): {"rejected": 60, "rejection_reason": "TooExpensive"},
            ("PO-DATE", 1): accept,
            ("PO-DATE", 2): {"accepted": 30, "backordered": 30, "backorder_date": "31/12/2030"},
            ("PO-GOOD", 1): accept,
            ("PO-GOOD", 2): accept,
        },
    )
    rows = [row for row in rows if (row["po_number"], row["line"]) != ("PO-MISSING", "2")]
    template = dict(rows[0])
    rows.append({**template, "po_number": "PO-NOPE", "line": "1", "accepted": "60", "version": "v1"})
    rows.append({**template, "po_number": theirs.number, "line": "1", "accepted": "60", "version": "v1"})
    row_of = {(row["po_number"], row["line"]): number for number, row in enumerate(rows, start=2)}
    before = db_state()

    response = upload(ops_client, csv_file(header, rows))

    assert response.status_code == 400
    errors = {(e.row, e.column): e for e in response.context["result"].errors}
    assert "Line 2 has no confirmation" in errors[(row_of[("PO-MISSING", "1")], "line")].message
    assert "accepted + backordered + rejected is 48" in errors[(row_of[("PO-SUM", "2")], "accepted")].message
    assert "'TooExpensive' is not a rejection reason" in errors[(row_of[("PO-REASON", "2")], "rejection_reason")].message
    assert "'31/12/2030' is not a date: use YYYY-MM-DD" in errors[(row_of[("PO-DATE", "2")], "backorder_date")].message
    unknown = errors[(row_of[("PO-NOPE", "1")], "po_number")]
    assert (unknown.code, unknown.message) == ("not_found", "There is no purchase order PO-NOPE for you to confirm.")
    # Another vendor's PO looks exactly like one that does not exist.
    assert errors[(row_of[(theirs.number, "1")], "po_number")].message == f"There is no purchase order {theirs.number} for you to confirm."
    assert len(errors) == 6  # PO-GOOD is fine
    page = response.content.decode()
    assert 'data-testid="bulk-errors"' in page and "Rejection reason" in page and 'data-testid="bulk-apply"' not in page
    assert response.context["token"] is None
    assert db_state() == before


def test_rows_of_one_po_must_agree_on_its_dates(ops_client, vendor, two_pos):
    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    answers = good_answers(first, second)
    answers[("PO-BULK-1", 2)]["scheduled_ship_date"] = ship_day(first, 2)
    response = upload(ops_client, csv_file(header, fill(rows, answers)))
    assert response.status_code == 400
    [error] = response.context["result"].errors
    assert (error.row, error.column) == (3, "scheduled_ship_date") and "Differs from row 2" in error.message


def test_a_service_error_on_a_po_level_field_lands_on_the_row_that_gave_it(ops_client, vendor, two_pos):
    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    answers = good_answers(first, second)
    answers[("PO-BULK-2", 1)]["scheduled_ship_date"] = ship_day(second, 30)  # outside the ship window
    response = upload(ops_client, csv_file(header, fill(rows, answers)))
    [error] = response.context["result"].errors
    assert (error.row, error.column, error.column_label) == (4, "scheduled_ship_date", "Scheduled ship date")
    assert "inside the ship window" in error.message


def test_an_unreadable_file_or_one_without_answers_is_refused_as_a_whole(ops_client, vendor, two_pos):
    header, rows = downloaded_csv(ops_client)
    blank = upload(ops_client, csv_file(header, rows))
    assert blank.status_code == 400 and "confirms no purchase order" in blank.context["file_error"]
    missing = upload(ops_client, b"po_number,line,accepted\nPO-BULK-1,1,60\n")
    assert missing.status_code == 400 and "Missing columns: Backordered, Rejected, Version" in missing.context["file_error"]
    assert upload(ops_client, b"PK\x03\x04junk", name="x.xlsx").status_code == 400


# Changed since the download, or during the dry run -------------------------------------------------
def test_a_po_changed_by_the_buyer_since_the_download_is_refused(ops_client, vendor, two_pos):
    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    purchase_order_change(
        scope=Scope(is_retailer=True),
        number=first.number,
        actor=Actor(user=retailer_user(Role.BUYER)),
        lines=[LineChange(sequence=2, ordered_quantity=36)],
    )
    before = db_state()
    response = upload(ops_client, csv_file(header, fill(rows, good_answers(first, second))))
    assert response.status_code == 400
    [error] = response.context["result"].errors
    assert (error.row, error.column, error.code) == (2, "version", "po_changed")
    assert "PO PO-BULK-1 has changed since the file was downloaded" in error.message
    assert db_state() == before


def test_a_po_confirmed_by_someone_else_after_the_dry_run_makes_the_whole_file_fail(ops_client, vendor, two_pos):
    from tests.purchase_orders.test_views import confirm_data

    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    checked = upload(ops_client, csv_file(header, fill(rows, good_answers(first, second))))
    assert checked.status_code == 200
    # A colleague confirms PO-BULK-2 on its screen meanwhile.
    assert ops_client.post(f"/purchase-orders/{second.number}/confirm/", confirm_data(second, {1: {"accepted": 24}})).status_code == 302
    before = db_state()

    response = apply(ops_client, checked)

    assert response.status_code == 400
    [error] = response.context["result"].errors
    assert (error.row, error.code) == (4, "po_changed") and "it is now acknowledged" in error.message
    assert "Nothing was confirmed" in response.content.decode()
    first.refresh_from_db()
    assert first.state == PurchaseOrderState.NEW
    assert db_state() == before


def test_the_bulk_service_rolls_back_every_po_when_one_fails(vendor, two_pos, acknowledged_events, django_capture_on_commit_callbacks):
    """The service itself, without a version: the first PO is acknowledged, the second refused, and the first
    is rolled back with it (and its event never sent)."""
    first, second = two_pos
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    good = PurchaseOrderConfirmation(
        number=first.number, lines=[LineConfirmation(sequence=1, accepted=60), LineConfirmation(sequence=2, accepted=60)], ref="first"
    )
    bad = PurchaseOrderConfirmation(number=second.number, lines=[LineConfirmation(sequence=1, accepted=18, ref="bad-line")], ref="second")
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_ADMIN))
    before = db_state()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainValidationError) as raised:
        purchase_orders_acknowledge_in_bulk(scope=scope, confirmations=[good, bad], actor=actor)
    assert [(e.ref, e.field, e.code) for e in raised.value.errors] == [("bad-line", "accepted", "quantities_do_not_add_up")]
    assert db_state() == before
    assert acknowledged_events == []


# Tenancy and roles ----------------------------------------------------------------------------------
def test_another_vendors_people_neither_download_nor_confirm_these_pos(client, ops_client, vendor, other_vendor, two_pos):
    first, second = two_pos
    header, rows = downloaded_csv(ops_client)
    content = csv_file(header, fill(rows, good_answers(first, second)))
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex-admin"))
    theirs = client.get(f"{PAGE}download.csv", follow=True)
    assert b"PO-BULK" not in theirs.content
    before = db_state()
    response = upload(client, content)
    assert response.status_code == 400
    assert {e.code for e in response.context["result"].errors} == {"not_found"}
    assert db_state() == before


def test_only_people_who_confirm_pos_see_and_use_the_bulk_confirmation(client, vendor, two_pos):
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}download.csv").status_code == 403
    assert 'data-testid="bulk-confirm-link"' not in client.get("/purchase-orders/").content.decode()
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    page = client.get("/purchase-orders/?marketplace=US").content.decode()
    assert f'href="{PAGE}?marketplace=US" data-testid="bulk-confirm-link"' in page
    bulk = client.get(f"{PAGE}?marketplace=US")
    assert bulk.status_code == 200 and bulk.context["po_count"] == 2 and bulk.context["line_count"] == 3
    assert f"{PAGE}download.xlsx?marketplace=US" in bulk.content.decode()


def test_a_marketplace_limited_person_downloads_only_their_marketplaces(client, vendor):
    purchase_order_with_lines(vendor, lines=1, number="PO-US")
    purchase_order_with_lines(vendor, lines=1, number="PO-CA", marketplace=marketplace("CA"))
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="us-only", marketplaces=[marketplace("US")]))
    assert {row["po_number"] for row in downloaded_csv(client)[1]} == {"PO-US"}


# After one PO on screen: the next one ------------------------------------------------------------------
def test_saving_a_confirmation_on_screen_offers_the_next_po_due(ops_client, vendor, other_vendor):
    from tests.purchase_orders.test_views import confirm_data

    now = timezone.now()
    current = purchase_order_with_lines(vendor, lines=1, number="PO-NOW", confirmation_due_at=now + datetime.timedelta(hours=1))
    purchase_order_with_lines(vendor, lines=1, number="PO-LATER", confirmation_due_at=now + datetime.timedelta(hours=30))
    purchase_order_with_lines(vendor, lines=1, number="PO-SOON", confirmation_due_at=now + datetime.timedelta(hours=5))
    purchase_order_with_lines(vendor, lines=1, number="PO-ACKED", state=PurchaseOrderState.ACKNOWLEDGED, confirmation_due_at=now)
    purchase_order_with_lines(other_vendor, lines=1, number="PO-THEIRS", confirmation_due_at=now + datetime.timedelta(minutes=5))

    response = ops_client.post(f"/purchase-orders/{current.number}/confirm/", confirm_data(current, {1: {"accepted": 60}}), follow=True)

    assert response.redirect_chain == [(f"/purchase-orders/{current.number}/confirmed/", 302)]
    assert response.context["next_po"].number == "PO-SOON" and response.context["waiting"] == 2
    page = response.content.decode()
    assert "Confirmation of PO PO-NOW saved. It is now Acknowledged." in page
    assert 'href="/purchase-orders/PO-SOON/confirm/" data-testid="confirm-next"' in page
    assert 'href="/purchase-orders/?needs_confirmation=on"' in page
    assert "PO-THEIRS" not in page


def test_when_nothing_else_awaits_confirmation_the_page_says_so(ops_client, vendor, other_vendor):
    from tests.purchase_orders.test_views import confirm_data

    current = purchase_order_with_lines(vendor, lines=1, number="PO-LAST")
    purchase_order_with_lines(other_vendor, lines=1, number="PO-THEIRS")
    response = ops_client.post(f"/purchase-orders/{current.number}/confirm/", confirm_data(current, {1: {"accepted": 60}}), follow=True)
    assert response.context["next_po"] is None
    assert 'data-testid="nothing-to-confirm"' in response.content.decode()


def test_the_next_po_page_of_another_vendors_po_is_a_404(client, vendor, other_vendor):
    theirs = purchase_order_with_lines(other_vendor, lines=1, number="PO-THEIRS")
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert client.get(f"/purchase-orders/{theirs.number}/confirmed/").status_code == 404
