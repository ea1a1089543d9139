"""New items from the XLSX template: download, fill, dry run, propose all at once; through the screens and the API."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from catalogue.item_imports import ItemRowError, columns_for, parse_item_proposals, template_workbook
from catalogue.models import ItemProposal, ProposalState
from catalogue.services.items import item_proposal_create
from tests.catalogue.factories import buyer, gtin13, gtin14, item_input, vendor_scope_actor
from tests.factories import ProductFactory, api_token, marketplace, retailer_user, vendor_user
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


def _row(n: int, **changes) -> dict:
    """A good row: item n's GTINs, an each of 20×15×25 cm / 1.2 kg, a case of 6 at 45×32×52 cm / 7.6 kg
    (6 eaches: 7.2 kg and 45,000 cm³; the case 74,880 cm³), offered in US."""
    body = f"06141410077{n}"
    return {
        "vendor_sku": f"KTL-IMP-{n}",
        "title": f"Acme glass kettle no. {n}",
        "brand": "Acme",
        "gtin": gtin13(body),
        "case_gtin": gtin14("1" + body),
        "case_pack": 6,
        "minimum_order_quantity": 6,
        "country_of_origin": "CN",
        "hs_code": "8516.71",
        "each_length_cm": 20,
        "each_width_cm": 15,
        "each_height_cm": 25,
        "each_weight_kg": 1.2,
        "case_length_cm": 45,
        "case_width_cm": 32,
        "case_height_cm": 52,
        "case_weight_kg": 7.6,
        "us_cost": 18.4,
        "us_list_price": 39.99,
        **changes,
    }


def _filled(template: bytes, rows: list[dict], codes=("US",)) -> io.BytesIO:
    """The template with the rows written under its header, cell by cell as a person would."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    keys = [column.key for column in columns_for(list(codes))]
    for values in rows:
        sheet.append([values.get(key) for key in keys])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "new-items.xlsx"
    return upload


@pytest.fixture
def ops(client, vendor):
    marketplace("US")
    user = vendor_user(vendor, Role.VENDOR_OPS)
    client.force_login(user)
    return user


def _template(client) -> bytes:
    response = client.get("/catalogue/items/upload/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def test_template_round_trip_three_rows_checked_then_proposed_to_the_buyer(client, vendor, ops, django_capture_on_commit_callbacks):
    buyer()
    template = _template(client)
    book = load_workbook(io.BytesIO(template))
    items, guide = book.worksheets
    header = [cell.value for cell in items[1]]
    assert header[:4] == ["Vendor SKU", "Title", "Brand", "Item GTIN (UPC/EAN)"]
    assert header[-3:] == ["US: cost per each", "US: list price", "US: title in the marketplace"]
    assert items.max_row == 1  # one header row, nothing else
    kinds = {validation.type for validation in items.data_validations.dataValidation}
    assert {"whole", "decimal", "list", "textLength"} <= kinds
    allowed = [row[4] for row in guide.iter_rows(min_row=2, values_only=True)]
    assert "CN" in allowed and "VN" in allowed and "ZZ" not in allowed
    assert any("centimetres (cm)" in (row[2] or "") for row in guide.iter_rows(values_only=True))

    upload = _filled(template, [_row(1), _row(2), _row(3)])
    response = client.post("/catalogue/items/upload/", {"file": upload})
    assert response.status_code == 200, response.content.decode()[:2000]
    result = response.context["result"]
    assert [row.row for row in result.rows] == [2, 3, 4] and not result.errors
    assert response.content.decode().count("Would be proposed") == 3
    assert not ItemProposal.objects.exists()  # the dry run saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/catalogue/items/upload/", {"token": response.context["token"], "commit": "1"})
    assert response.status_code == 302 and response["Location"] == "/catalogue/items/?state=submitted"
    proposals = list(ItemProposal.objects.order_by("vendor_sku"))
    assert [p.vendor_sku for p in proposals] == ["KTL-IMP-1", "KTL-IMP-2", "KTL-IMP-3"]
    first = proposals[0]
    assert (first.state, first.vendor, first.hs_code, first.case_pack, first.created_by) == (ProposalState.SUBMITTED, vendor, "851671", 6, ops)
    case = first.pack_levels.get(level="case")
    assert (case.units, case.weight_kg, case.length_cm) == (6, Decimal("7.600"), Decimal("45.00"))
    offer = first.offers.get()
    assert (offer.marketplace.code, offer.cost, offer.list_price, offer.currency) == ("US", Decimal("18.40"), Decimal("39.99"), "USD")
    assert AuditEvent.objects.filter(action="item_proposal.create").count() == 3
    assert AuditEvent.objects.filter(action="item_proposal.submit").count() == 3
    assert Notification.objects.filter(user=buyer(), kind="item_proposal_submitted").count() == 1  # told once, not per item

    client.force_login(buyer())
    queue = client.get("/catalogue/items/?state=submitted").content.decode()
    assert all(f"KTL-IMP-{n}" in queue for n in (1, 2, 3))
    detail = client.get(f"/catalogue/items/{first.pk}/")
    assert detail.status_code == 200 and [e.action for e in detail.context["events"]][-2:] == ["item_proposal.submit", "item_proposal.create"]


def test_bad_rows_each_name_their_row_and_column_and_nothing_is_created(client, vendor, ops):
    template = _template(client)
    good = _row(1)
    bad_check_digit = _row(2, gtin=_row(2)["gtin"][:-1] + str((int(_row(2)["gtin"][-1]) + 1) % 10))
    same_gtin = _row(3, gtin=good["gtin"])
    no_case_pack = _row(4, case_pack=0)
    light_case = _row(5, case_weight_kg=7.1)  # 6 × 1.2 kg = 7.2 kg
    upload = _filled(template, [good, bad_check_digit, same_gtin, no_case_pack, light_case])
    response = client.post("/catalogue/items/upload/", {"file": upload})
    assert response.status_code == 400
    errors = {(e.row, e.column): e for e in response.context["result"].errors}
    assert set(errors) == {(3, "gtin"), (4, "gtin"), (5, "case_pack"), (6, "case_weight_kg")}
    assert "but its check digit is" in errors[(3, "gtin")].message
    assert errors[(4, "gtin")].message == f"GTIN {good['gtin']} is also on row 2." and errors[(4, "gtin")].code == "duplicate_gtin"
    assert errors[(5, "case_pack")].message == "A case holds at least one each."
    assert errors[(6, "case_weight_kg")].message == "A case holds 6 × 1.2 kg, so it weighs at least 7.2 kg."
    page = response.content.decode()
    assert "<strong>Item GTIN (UPC/EAN)</strong>" in page and "<strong>Case: weight (kg)</strong>" in page  # titles, not keys
    assert response.context["token"] is None and 'name="commit"' not in page
    assert not ItemProposal.objects.exists()


def test_gtins_and_skus_already_in_the_catalogue_or_on_open_proposals_are_refused(client, vendor, other_vendor, ops):
    ProductFactory(vendor=other_vendor, gtin=_row(1)["gtin"])  # a GTIN names one trade item, whoever sells it
    scope, actor = vendor_scope_actor(vendor)
    item_proposal_create(scope=scope, data=item_input(sku="KTL-IMP-2", gtin=gtin13("061414100799")), actor=actor)
    upload = _filled(_template(client), [_row(1), _row(2), _row(3, country_of_origin="XX", hs_code="85.16")])
    response = client.post("/catalogue/items/upload/", {"file": upload})
    errors = {(e.row, e.column): e.code for e in response.context["result"].errors}
    assert errors == {
        (2, "gtin"): "duplicate_gtin",
        (3, "vendor_sku"): "duplicate",
        (4, "country_of_origin"): "invalid_choice",
        (4, "hs_code"): "invalid",
    }
    assert ItemProposal.objects.count() == 1


def test_cells_that_are_no_numbers_are_row_errors(vendor):
    marketplace("US")
    scope, _actor = vendor_scope_actor(vendor)
    template = template_workbook(marketplaces=[marketplace("US")])
    upload = _filled(template, [_row(1, case_pack="six", each_length_cm=20.123, us_cost="1,5"), _row(2, minimum_order_quantity=10**12)])
    result = parse_item_proposals(upload.name, upload.getvalue(), scope=scope, marketplace_codes=["US"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "case_pack"), (2, "each_length_cm"), (2, "us_cost"), (3, "minimum_order_quantity")]
    assert isinstance(result.errors[0], ItemRowError) and result.errors[1].message == "'20.123' has more than 2 decimal places."
    assert result.errors[3].code == "max_value"  # no number PostgreSQL cannot store reaches it


def test_a_template_downloaded_in_chinese_reads_back(vendor):
    scope, _actor = vendor_scope_actor(vendor)
    with translation.override("zh-hans"):
        template = template_workbook(marketplaces=[marketplace("US")])
    result = parse_item_proposals("new-items.xlsx", _filled(template, [_row(1)]).getvalue(), scope=scope, marketplace_codes=["US"])
    assert result.ok and result.items[0].offers[0].cost == Decimal("18.40") and not result.ignored_columns


def test_a_missing_column_is_named_by_its_title(client, vendor, ops):
    book = load_workbook(io.BytesIO(_template(client)))
    book.worksheets[0].delete_cols(6)  # Case pack
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "new-items.xlsx"
    response = client.post("/catalogue/items/upload/", {"file": upload})
    assert response.status_code == 400 and "Missing columns: Case pack." in response.context["file_error"]


def test_the_checked_file_is_the_uploaders_alone_and_lands_in_their_vendor(client, vendor, other_vendor, ops):
    upload = _filled(_template(client), [_row(1)])
    token = client.post("/catalogue/items/upload/", {"file": upload}).context["token"]
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS))
    response = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})
    assert response.status_code == 400 and "not yours" in response.context["file_error"]
    assert not ItemProposal.objects.exists()
    client.force_login(ops)
    client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})
    assert ItemProposal.objects.get().vendor == vendor
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    assert "KTL-IMP-1" not in client.get("/catalogue/items/").content.decode()
    client.force_login(retailer_user(Role.BUYER, username="buyer-2"))
    assert client.get("/catalogue/items/upload/").status_code in (403, 404)  # buyers review, they do not propose


def test_committing_twice_creates_the_items_once(client, vendor, ops):
    upload = _filled(_template(client), [_row(1), _row(2)])
    token = client.post("/catalogue/items/upload/", {"file": upload}).context["token"]
    assert client.post("/catalogue/items/upload/", {"token": token, "commit": "1"}).status_code == 302
    response = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})  # a double click
    assert response.status_code == 400 and ItemProposal.objects.count() == 2
    assert {e.code for e in response.context["result"].errors} == {"duplicate", "duplicate_gtin"}


# API ------------------------------------------------------------------------------------------------------
def _api_file(rows):
    return _filled(template_workbook(marketplaces=[marketplace("US")]), rows)


def test_api_dry_run_then_proposes_with_an_idempotency_key(api_client, vendor):
    _, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.post("/api/v1/item-proposals/import/?dry_run=true", {"file": _api_file([_row(1), _row(2)])}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True and [item["row"] for item in body["items"]] == [2, 3] and body["items"][0]["id"] is None
    assert not ItemProposal.objects.exists()

    upload = _api_file([_row(1), _row(2)]).getvalue()

    def commit():
        file = io.BytesIO(upload)
        file.name = "new-items.xlsx"
        return api_client.post(
            "/api/v1/item-proposals/import/?dry_run=false", {"file": file}, format="multipart", HTTP_IDEMPOTENCY_KEY="items-2026-12-03"
        )

    response = commit()
    assert response.status_code == 201, response.json()
    ids = [item["id"] for item in response.json()["items"]]
    assert sorted(ids) == sorted(ItemProposal.objects.filter(state=ProposalState.SUBMITTED).values_list("pk", flat=True))
    replay = commit()
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true" and ItemProposal.objects.count() == 2


def test_api_row_errors_are_structured_and_nothing_is_saved(api_client, vendor):
    _, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    rows = [_row(1), _row(2, gtin=_row(1)["gtin"]), _row(3, case_pack=0)]
    response = api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": _api_file(rows)}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {("rows[3].gtin", "duplicate_gtin"), ("rows[4].case_pack", "min_value")}
    assert any(e["message"].startswith("Row 4, Case pack: ") for e in errors)
    assert not ItemProposal.objects.exists()
    response = api_client.post("/api/v1/item-proposals/import/?dry_run=maybe", {"file": _api_file([_row(1)])}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "dry_run"
    bad = io.BytesIO(b"%PDF-1.7")
    bad.name = "items.pdf"
    response = api_client.post("/api/v1/item-proposals/import/", {"file": bad}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"


def test_api_import_needs_a_vendor_proposer(api_client, vendor, other_vendor):
    _, raw = api_token(vendor, scopes=["orders:read"])  # no catalogue:write
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.post("/api/v1/item-proposals/import/", {"file": _api_file([_row(1)])}, format="multipart")
    assert response.status_code == 403
    api_client.credentials()
    api_client.force_authenticate(buyer())
    response = api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": _api_file([_row(1)])}, format="multipart")
    assert response.status_code == 403 and not ItemProposal.objects.exists()
    _, other_raw = api_token(other_vendor)
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": _api_file([_row(1)])}, format="multipart").status_code == 201
    assert ItemProposal.objects.get().vendor == other_vendor
