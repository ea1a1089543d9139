"""New items from the XLSX template: download, fill, dry run, propose all at once; through the screens and the API."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from catalogue.item_imports import ItemRowError, columns_for, parse_item_proposals, template_workbook
from catalogue.models import ItemProposal, ItemProposalUpload, ItemUploadStatus, ProposalState
from catalogue.services.items import item_proposal_create
from tests.catalogue.factories import buyer, gtin13, gtin14, item_input, vendor_scope_actor
from tests.factories import ProductFactory, api_token, marketplace, retailer_user, vendor_user
from vendor_portal.models import AuditEvent, Job, JobStatus, Notification
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

    with django_capture_on_commit_callbacks(execute=True):  # the worker's job runs (eager) once the request commits
        response = client.post("/catalogue/items/upload/", {"token": response.context["token"], "commit": "1"})
    upload = ItemProposalUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/catalogue/items/upload/{upload.pk}/"
    job = Job.objects.get(kind="item_proposal_upload")
    assert (job.status, job.progress_done, job.progress_total, job.target_id) == (JobStatus.SUCCEEDED, 3, 3, str(upload.pk))
    assert job.message == "3 new items submitted; the buyer has been told."
    assert (upload.status, upload.row_count, upload.proposed_count, upload.errors) == (ItemUploadStatus.PROPOSED, 3, 3, [])
    page = client.get(response["Location"]).content.decode()
    assert "3 new items submitted; the buyer has been told." in page and 'href="/catalogue/items/?state=submitted"' in page
    assert "hx-get" not in page  # done: the page stops polling
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


def test_the_checked_file_is_the_uploaders_alone_and_lands_in_their_vendor(client, vendor, other_vendor, ops, django_capture_on_commit_callbacks):
    upload = _filled(_template(client), [_row(1)])
    token = client.post("/catalogue/items/upload/", {"file": upload}).context["token"]
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS))
    response = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})
    assert response.status_code == 400 and "not yours" in response.context["file_error"]
    assert not ItemProposal.objects.exists()
    client.force_login(ops)
    with django_capture_on_commit_callbacks(execute=True):
        status_page = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})["Location"]
    assert ItemProposal.objects.get().vendor == vendor
    job = Job.objects.get(kind="item_proposal_upload")
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    assert "KTL-IMP-1" not in client.get("/catalogue/items/").content.decode()
    assert client.get(status_page).status_code == 404 and client.get(f"{status_page}progress/").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404  # document_access: the upload is the vendor's
    client.force_login(retailer_user(Role.BUYER, username="buyer-2"))
    assert client.get("/catalogue/items/upload/").status_code in (403, 404)  # buyers review, they do not propose


def test_a_double_submit_gets_the_running_job_and_a_later_one_is_refused_by_the_workers_check(
    client, vendor, ops, django_capture_on_commit_callbacks
):
    upload = _filled(_template(client), [_row(1), _row(2)])
    token = client.post("/catalogue/items/upload/", {"file": upload}).context["token"]
    first = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})  # queued: no worker ran yet
    second = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})  # a double click
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Job.objects.filter(kind="item_proposal_upload").count() == 1 and ItemProposalUpload.objects.count() == 1
    page = client.get(first["Location"]).content.decode()
    assert "Waiting for a worker" in page and 'hx-get="' in page  # the page polls its progress

    from catalogue.tasks import propose_uploaded_items

    propose_uploaded_items.delay(str(Job.objects.get().pk))
    assert ItemProposal.objects.count() == 2
    polled = client.get(f"{first['Location']}progress/", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true" and "2 new items submitted" in polled.content.decode()  # done: the page reloads once
    with django_capture_on_commit_callbacks(execute=True):
        third = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})  # once done, a new job checks again
    assert third["Location"] != first["Location"] and ItemProposal.objects.count() == 2
    refused = ItemProposalUpload.objects.get(status=ItemUploadStatus.REFUSED)
    assert {e["code"] for e in refused.errors} == {"duplicate", "duplicate_gtin"}


def test_a_gtin_taken_after_the_dry_run_refuses_the_whole_file_in_the_worker(client, vendor, ops, django_capture_on_commit_callbacks):
    upload = _filled(_template(client), [_row(1), _row(2), _row(3)])
    token = client.post("/catalogue/items/upload/", {"file": upload}).context["token"]
    scope, actor = vendor_scope_actor(vendor)
    item_proposal_create(
        scope=scope, data=item_input(sku="KTL-OTHER", gtin=_row(3)["gtin"], case_gtin=gtin14("1061414100999")), actor=actor
    )  # meanwhile, on the form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/catalogue/items/upload/", {"token": token, "commit": "1"})
    assert ItemProposal.objects.count() == 1  # nothing of the file
    upload = ItemProposalUpload.objects.get()
    assert upload.status == ItemUploadStatus.REFUSED
    assert [(e["row"], e["column"], e["title"], e["code"]) for e in upload.errors] == [(4, "gtin", "Item GTIN (UPC/EAN)", "duplicate_gtin")]
    job = Job.objects.get(kind="item_proposal_upload")
    assert job.status == JobStatus.FAILED
    assert job.message.startswith("1 problem; nothing was saved. Row 4, Item GTIN (UPC/EAN): ") and _row(3)["gtin"] in job.message
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was saved" in page and "Item GTIN (UPC/EAN)" in page and 'data-testid="item-upload-errors"' in page


def test_progress_is_reported_in_steps_of_rows(vendor, monkeypatch):
    from catalogue.services import item_batches

    monkeypatch.setattr(item_batches, "PROGRESS_ROWS", 2)
    marketplace("US")
    scope, actor = vendor_scope_actor(vendor)
    reported = []
    items = [item_input(sku=f"KTL-P-{n}", gtin=gtin13(f"06141410088{n}"), case_gtin=gtin14(f"106141410088{n}")) for n in range(5)]
    item_batches.item_proposals_create(scope=scope, items=items, actor=actor, progress=reported.append)
    assert reported == [2, 4, 5]


# API ------------------------------------------------------------------------------------------------------
def _api_file(rows):
    return _filled(template_workbook(marketplaces=[marketplace("US")]), rows)


def test_api_dry_run_then_proposes_in_a_job_with_an_idempotency_key(api_client, vendor, other_vendor, django_capture_on_commit_callbacks):
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

    with django_capture_on_commit_callbacks(execute=True):
        response = commit()
    assert response.status_code == 202, response.json()
    queued = response.json()
    assert response["Location"] == f"/api/v1/jobs/{queued['id']}/" and queued["kind"] == "item_proposal_upload"
    assert queued["upload_id"] == ItemProposalUpload.objects.get().pk
    job = api_client.get(response["Location"]).json()
    assert (job["status"], job["progress_done"], job["percent"]) == ("succeeded", 2, 100)
    assert job["message"] == "2 new items submitted; the buyer has been told."
    assert ItemProposal.objects.filter(state=ProposalState.SUBMITTED, vendor=vendor).count() == 2
    outcome = api_client.get(f"/api/v1/item-proposals/imports/{queued['upload_id']}/")
    assert outcome.status_code == 200, outcome.json()
    by_row = {item["row"]: item for item in outcome.json()["items"]}
    assert outcome.json()["status"] == "proposed" and outcome.json()["job"]["status"] == "succeeded" and sorted(by_row) == [2, 3]
    for row, data in ((2, _row(1)), (3, _row(2))):
        proposal = ItemProposal.objects.get(pk=by_row[row]["id"])
        assert (proposal.vendor_sku, proposal.gtin) == (by_row[row]["vendor_sku"], by_row[row]["gtin"]) == (data["vendor_sku"], data["gtin"])
    replay = commit()
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == queued["id"]
    assert ItemProposal.objects.count() == 2 and Job.objects.count() == 1

    _, other_raw = api_token(other_vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert api_client.get(response["Location"]).status_code == 404  # another vendor's job
    assert api_client.get(f"/api/v1/item-proposals/imports/{queued['upload_id']}/").status_code == 404  # and file


def test_api_double_submit_gets_the_running_job_and_the_workers_refusal_is_on_the_job(api_client, vendor, django_capture_on_commit_callbacks):
    _, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    content = _api_file([_row(1), _row(2)]).getvalue()

    def commit():
        file = io.BytesIO(content)
        file.name = "new-items.xlsx"
        return api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": file}, format="multipart")

    first, second = commit(), commit()  # no worker yet: the second finds the first's job queued
    assert first.status_code == second.status_code == 202 and first.json()["id"] == second.json()["id"]
    scope, actor = vendor_scope_actor(vendor)
    item_proposal_create(
        scope=scope, data=item_input(sku="KTL-OTHER", gtin=_row(2)["gtin"], case_gtin=gtin14("1061414100999")), actor=actor
    )  # taken meanwhile
    from catalogue.tasks import propose_uploaded_items

    propose_uploaded_items.delay(first.json()["id"])
    job = api_client.get(first["Location"]).json()
    assert job["status"] == "failed" and "Row 3, Item GTIN (UPC/EAN): " in job["message"] and "nothing was saved" in job["message"]
    assert list(ItemProposal.objects.values_list("vendor_sku", flat=True)) == ["KTL-OTHER"]
    outcome = api_client.get(f"/api/v1/item-proposals/imports/{first.json()['upload_id']}/").json()
    assert outcome["status"] == "refused" and outcome["items"] == [] and outcome["job"]["status"] == "failed"
    assert [(error["row"], error["column"]) for error in outcome["errors"]] == [(3, "gtin")]


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


def test_api_import_needs_a_vendor_proposer(api_client, vendor, other_vendor, django_capture_on_commit_callbacks):
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
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": _api_file([_row(1)])}, format="multipart")
    assert response.status_code == 202
    assert ItemProposal.objects.get().vendor == other_vendor


def test_the_workers_progress_is_seen_while_its_transaction_runs(transactional_db, vendor):
    """All or nothing means one long transaction; its progress goes through a connection of its own."""
    from django.db import transaction

    from vendor_portal.services.jobs import job_progress_seen

    job = Job.objects.create(vendor=vendor, kind="item_proposal_upload", status=JobStatus.RUNNING)
    with pytest.raises(RuntimeError), transaction.atomic():
        job_progress_seen(job_id=job.pk, done=100, total=2000)
        raise RuntimeError("the items are rolled back")
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.percent) == (100, 2000, 5)  # written outside the rolled-back transaction


def test_processed_files_lose_their_bytes_after_the_retention_and_keep_their_outcome(
    api_client, vendor, settings, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from catalogue.tasks import purge_item_upload_files
    from tests.audit_check import audit_exempt
    from vendor_portal.models import AuditEvent

    settings.UPLOAD_RETENTION_DAYS = 30
    _, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with django_capture_on_commit_callbacks(execute=True):
        done = api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": _api_file([_row(1)])}, format="multipart").json()
    waiting = api_client.post("/api/v1/item-proposals/import/?dry_run=false", {"file": _api_file([_row(2)])}, format="multipart").json()
    with audit_exempt():
        ItemProposalUpload.objects.update(processed_at=timezone.now() - datetime.timedelta(days=31))

    assert purge_item_upload_files() == 1
    assert purge_item_upload_files() == 0  # nothing left to purge
    purged, queued = ItemProposalUpload.objects.get(pk=done["upload_id"]), ItemProposalUpload.objects.get(pk=waiting["upload_id"])
    assert bytes(purged.content) == b"" and len(bytes(queued.content)) > 0  # a file still waiting for its worker stays
    outcome = api_client.get(f"/api/v1/item-proposals/imports/{purged.pk}/").json()
    assert outcome["status"] == "proposed" and [item["row"] for item in outcome["items"]] == [2]
    assert AuditEvent.objects.filter(action="item_proposal_upload.file_purged", object_id=str(purged.pk)).count() == 1
