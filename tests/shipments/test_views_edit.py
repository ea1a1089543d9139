"""The ship plan editor (drafts) and the Replace ASN screen: every change goes through the services,
errors are shown in place with nothing written, and other vendors' plans stay out of reach."""

import datetime
import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchase_orders.models import PurchaseOrderLine
from shipments.models import Shipment, ShipmentState
from shipments.services.asn import shipment_submit
from shipments.services.labels import shipment_labels_request
from shipments.services.plans import CUTOFF_BEFORE_WINDOW_END, ShipPlanInput, ShipPlanLine, shipment_carton_move, shipment_create
from shipments.services.receiving import receipt_create
from tests.factories import retailer_user, vendor_user
from tests.shipments.factories import confirmed_purchase_order, ship_from, warehouse
from vendor_portal.models import AuditEvent, Document
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


def _draft(vendor, *po_lines, identifier="EDIT-1", ship_date=None, **fields) -> Shipment:
    """A draft ship plan of the given PO lines, each (line, quantity) or a line at its open quantity."""
    lines = [ShipPlanLine(*entry) if isinstance(entry, tuple) else ShipPlanLine(entry.pk, entry.open_to_ship) for entry in po_lines]
    po = PurchaseOrderLine.objects.select_related("purchase_order__ship_to").get(pk=lines[0].purchase_order_line_id).purchase_order
    data = ShipPlanInput(
        ship_to=po.ship_to.code,
        shipment_identifier=identifier,
        ship_date=ship_date or timezone.localdate() + datetime.timedelta(days=3),
        lines=lines,
        **{"transport_mode": "ltl", "bol_number": "BOL-1", "carrier_scac": "ABFS", **fields},
    )
    ship_from(vendor)
    return shipment_create(scope=Scope(vendor=vendor), data=data, actor=Actor.system())


def _transport(shipment, **changes) -> dict:
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
    }
    return {**body, **changes}


def _save_body(shipment, *, quantities=None, **changes) -> dict:
    """The editor's one form as the page sends it: the header as saved, every line at its quantity, every
    carton's tracking number and measurements as shown, then `changes` (and `quantities` by shipment line)."""
    shipment.refresh_from_db()
    body = {
        **_transport(shipment),
        "cartons_per_pallet": str(shipment.cartons_per_pallet),
        "weight_unit": shipment.weight_unit,
        "dimension_unit": shipment.dimension_unit,
    }
    for line in shipment.lines.all():
        body[f"qty_{line.pk}"] = str((quantities or {}).get(line.pk, line.quantity))
    return {**body, **changes}


def _save(client, shipment, *, htmx=False, quantities=None, **changes):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/shipments/{shipment.pk}/edit/save/", _save_body(shipment, quantities=quantities, **changes), **extra)


def _audit_count() -> int:
    return AuditEvent.objects.count()


# The editor page ----------------------------------------------------------------------------------
def test_editor_offers_only_open_lines_of_the_plans_dc_with_what_remains(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-ED-1")
    same_dc = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-ED-2", warehouse=po.ship_to)
    other_dc = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-ED-3", warehouse=warehouse("PHX7"))
    shipment = _draft(vendor, po.lines.get(sequence=1))
    second = same_dc.lines.get()
    _draft(vendor, (second.pk, 6), identifier="OTHER-DRAFT")

    html = ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert "PO-ED-2" in html and f'name="add_{po.lines.get(sequence=2).pk}"' in html
    assert "PO-ED-3" not in html and f"add_{other_dc.lines.get().pk}" not in html
    assert f'name="add_{po.lines.get(sequence=1).pk}"' not in html  # already in the plan
    # 12 open to ship, 6 of them on the other draft: 6 remain
    assert f'data-testid="remaining-{second.pk}">6<' in html
    assert 'title="OTHER-DRAFT"' in html


def test_units_also_on_another_draft_are_flagged(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-TWICE-1")
    line = po.lines.get()
    shipment = _draft(vendor, line)
    _draft(vendor, (line.pk, 6), identifier="SECOND-DRAFT")
    html = ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert 'data-testid="over-planned"' in html
    assert "together with draft SECOND-DRAFT this plan holds 6 more units than are open to ship" in html


def test_adding_lines_of_two_pos_re_packs_the_cartons_and_writes_audit_rows(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-ADD-1")
    other = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-ADD-2", warehouse=po.ship_to)
    shipment = _draft(vendor, po.lines.get())
    first, second = other.lines.order_by("sequence")
    response = _save(ops, shipment, **{f"add_{first.pk}": "12", f"add_{second.pk}": "3"})
    assert response.status_code == 302 and response["Location"] == f"/shipments/{shipment.pk}/edit/"
    assert sorted(shipment.lines.values_list("quantity", flat=True)) == [3, 12, 12]
    assert shipment.cartons.count() == 2 + 2 + 1  # cases of 6, the 3 in a last partial carton
    actions = set(
        AuditEvent.objects.filter(
            object_type="shipments.shipmentline", object_id__in=[str(pk) for pk in shipment.lines.values_list("pk", flat=True)]
        ).values_list("action", flat=True)
    )
    assert actions == {"shipment_line.create"}
    assert AuditEvent.objects.filter(action="shipment.update", object_id=str(shipment.pk)).exists()
    assert "line(s) added" in ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()


def test_adding_more_than_open_to_ship_is_refused_next_to_the_line_and_nothing_is_written(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-OVER-9")
    shipment = _draft(vendor, po.lines.get(sequence=1))
    second = po.lines.get(sequence=2)
    before = _audit_count()
    response = _save(ops, shipment, **{f"add_{second.pk}": "13"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="has-error"' in html and "13 asked but only 12 open to ship" in html
    assert 'value="13"' in html  # what was typed stays in the field
    assert list(shipment.lines.values_list("purchase_order_line_id", flat=True)) == [po.lines.get(sequence=1).pk]
    assert _audit_count() == before


def test_a_line_of_another_dc_is_refused_with_a_message(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    elsewhere = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-FAR-1", warehouse=warehouse("PHX7"))
    shipment = _draft(vendor, po.lines.get())
    response = _save(ops, shipment, **{f"add_{elsewhere.lines.get().pk}": "6"})
    assert response.status_code == 200
    assert f"ships to {elsewhere.ship_to.code}, not {po.ship_to.code}" in response.content.decode()
    assert shipment.lines.count() == 1


def test_changing_a_quantity_with_htmx_swaps_the_editor_and_re_packs(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    first, second = po.lines.order_by("sequence")
    shipment = _draft(vendor, first, second)
    line1, line2 = shipment.lines.order_by("purchase_order_line__sequence")
    response = _save(ops, shipment, htmx=True, quantities={line1.pk: 6, line2.pk: 12})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="plan-editor"' in html and "Ship plan saved." in html
    line1.refresh_from_db()
    assert line1.quantity == 6 and shipment.cartons.count() == 3
    assert AuditEvent.objects.filter(action="shipment_line.change", object_id=str(line1.pk)).exists()


def test_removing_a_line(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = _draft(vendor, *po.lines.order_by("sequence"))
    line1, line2 = shipment.lines.order_by("purchase_order_line__sequence")
    response = _save(ops, shipment, remove=str(line2.pk))
    assert response.status_code == 302
    assert list(shipment.lines.values_list("pk", flat=True)) == [line1.pk]
    assert shipment.cartons.count() == 2
    assert AuditEvent.objects.filter(action="shipment_line.delete", object_id=str(line2.pk)).exists()


def test_a_quantity_that_is_not_a_number_is_shown_not_a_500(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    line = shipment.lines.get()
    before = _audit_count()
    response = _save(ops, shipment, quantities={line.pk: "twelve"})
    assert response.status_code == 200
    assert "Enter a whole number of units" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 12 and _audit_count() == before


def test_removing_the_only_line_is_refused(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    line = shipment.lines.get()
    response = _save(ops, shipment, remove=str(line.pk))
    assert response.status_code == 200 and "at least one PO line" in response.content.decode()
    assert shipment.lines.count() == 1


# Transport, cartons, pallets --------------------------------------------------------------------------
def test_transport_details_are_saved_and_manual_cartons_are_kept(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = _draft(vendor, *po.lines.order_by("sequence"))
    line2 = shipment.lines.get(purchase_order_line__sequence=2)
    response = _save(ops, shipment, move="1", from_carton="3", shipment_line=str(line2.pk), quantity="3", to_carton="1")
    assert response.status_code == 302
    packed = list(shipment.cartons.order_by("index").values_list("index", "sscc", "items__quantity"))
    arrival = (shipment.ship_date + datetime.timedelta(days=2)).isoformat()
    response = _save(
        ops,
        shipment,
        transport_mode="truckload",
        carrier_scac="odfl",
        carrier_name="Old Dominion",
        bol_number="BOL-77",
        pro_number="PRO-77",
        estimated_arrival=arrival,
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.transport_mode, shipment.carrier_scac, shipment.bol_number, shipment.pro_number) == ("truckload", "ODFL", "BOL-77", "PRO-77")
    assert shipment.estimated_arrival.isoformat() == arrival
    assert list(shipment.cartons.order_by("index").values_list("index", "sscc", "items__quantity")) == packed  # the mixed carton stays
    event = AuditEvent.objects.filter(action="shipment.update", object_id=str(shipment.pk)).first()
    assert ("pro_number", "", "PRO-77") in event.changes()


def test_a_ship_date_past_the_window_is_refused_next_to_the_field(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-WIN-1")
    shipment = _draft(vendor, po.lines.get())
    late = timezone.localdate(po.ship_window_end) + datetime.timedelta(days=3)
    before = _audit_count()
    response = _save(ops, shipment, htmx=True, ship_date=late.isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    field = html.split('name="ship_date"', 1)[1].split("</div>", 2)
    assert "after the ship window of PO PO-WIN-1 closes" in "".join(field[:2])
    shipment.refresh_from_db()
    assert shipment.ship_date != late and _audit_count() == before


def test_a_ship_date_past_the_cutoff_warns_next_to_the_field(ops, vendor):
    now = timezone.now()
    po = confirmed_purchase_order(
        vendor,
        lines=1,
        quantity=12,
        number="PO-CUT-1",
        ship_window_start=now - datetime.timedelta(days=3),
        ship_window_end=now + datetime.timedelta(days=4),
    )
    shipment = _draft(vendor, po.lines.get())
    cutoff_day = timezone.localdate(po.ship_window_end - CUTOFF_BEFORE_WINDOW_END) + datetime.timedelta(days=1)
    response = ops.post(f"/shipments/{shipment.pk}/edit/save/", _save_body(shipment, ship_date=cutoff_day.isoformat()), follow=True)
    html = response.content.decode()
    assert "past the cutoff" in html and 'data-testid="cutoff-warnings"' in html
    shipment.refresh_from_db()
    assert shipment.ship_date == cutoff_day


def test_a_bad_scac_is_shown_next_to_its_field(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    response = _save(ops, shipment, carrier_scac="A1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A SCAC is 2-4 letters." in html.split('name="carrier_scac"', 1)[1].split("</div>", 1)[0]
    shipment.refresh_from_db()
    assert shipment.carrier_scac == "ABFS"


def test_moving_units_makes_a_mixed_carton_and_a_bad_move_is_explained(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=6)
    shipment = _draft(vendor, *po.lines.order_by("sequence"))
    line2 = shipment.lines.get(purchase_order_line__sequence=2)
    response = _save(ops, shipment, htmx=True, move="1", from_carton="2", shipment_line=str(line2.pk), quantity="2", to_carton="1")
    assert response.status_code == 200 and "mixed" in response.content.decode()
    assert sorted(shipment.cartons.get(index=1).items.values_list("quantity", flat=True)) == [2, 6]
    bad = _save(ops, shipment, htmx=True, move="1", from_carton="2", shipment_line=str(line2.pk), quantity="99")
    assert bad.status_code == 200 and "Carton 2 holds 4 of that line" in bad.content.decode()


def test_re_pack_and_re_palletize(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=12)
    shipment = _draft(vendor, *po.lines.order_by("sequence"))
    line2 = shipment.lines.get(purchase_order_line__sequence=2)
    shipment_carton_move(
        scope=Scope(vendor=vendor), shipment_id=shipment.pk, from_carton=4, to_carton=1, shipment_line_id=line2.pk, quantity=6, actor=Actor.system()
    )
    assert shipment.cartons.count() == 3
    assert _save(ops, shipment, repack="1").status_code == 302
    assert shipment.cartons.count() == 4
    assert _save(ops, shipment, cartons_per_pallet="3").status_code == 302
    assert shipment.pallets.count() == 2
    bad = _save(ops, shipment, cartons_per_pallet="-1")
    assert bad.status_code == 200 and shipment.pallets.count() == 2


def test_small_parcel_tracking_numbers(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get(), transport_mode="small_parcel", bol_number="")
    page = ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert 'name="tracking_1"' in page
    assert _save(ops, shipment, tracking_1="1Z999", tracking_2="1Z998").status_code == 302
    assert list(shipment.cartons.order_by("index").values_list("tracking_number", flat=True)) == ["1Z999", "1Z998"]
    assert AuditEvent.objects.filter(action="carton.track").count() == 2


# Labels printed before a change ---------------------------------------------------------------------
def test_an_edit_outdates_labels_already_printed_and_the_pages_say_so(ops, vendor, django_capture_on_commit_callbacks):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    with django_capture_on_commit_callbacks(execute=True):
        shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    document = Document.objects.get(kind="shipment_labels")
    path = document.file.path
    assert "labels-outdated" not in ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()

    line = shipment.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert _save(ops, shipment, quantities={line.pk: 6}).status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not os.path.exists(path)
    assert AuditEvent.objects.filter(action="shipment.labels_outdate", object_id=str(shipment.pk)).exists()
    assert 'data-testid="labels-outdated"' in ops.get(f"/shipments/{shipment.pk}/edit/").content.decode()
    assert 'data-testid="labels-outdated-status"' in ops.get(f"/shipments/{shipment.pk}/").content.decode()


def test_a_failed_edit_keeps_the_labels(ops, vendor, django_capture_on_commit_callbacks):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    with django_capture_on_commit_callbacks(execute=True):
        shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    line = shipment.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        _save(ops, shipment, quantities={line.pk: 99})
    document = Document.objects.get(kind="shipment_labels")
    assert os.path.exists(document.file.path)
    assert not AuditEvent.objects.filter(action="shipment.labels_outdate").exists()


# Who may edit ---------------------------------------------------------------------------------------
EDIT_POSTS = ["edit/save/", "submit/", "cancel/", "packing-list/", "replace/"]


def test_another_vendors_plan_is_not_found(client, vendor, other_vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS))
    before = _audit_count()
    assert client.get(f"/shipments/{shipment.pk}/edit/").status_code == 404
    assert client.get(f"/shipments/{shipment.pk}/replace/").status_code == 404
    for path in EDIT_POSTS:
        assert client.post(f"/shipments/{shipment.pk}/{path}", {"cartons_per_pallet": "1", "remove": "1"}).status_code == 404, path
    assert _audit_count() == before


def test_a_role_without_manage_shipments_is_forbidden(client, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))
    assert client.get(f"/shipments/{shipment.pk}/").status_code == 200  # may look
    assert client.get(f"/shipments/{shipment.pk}/edit/").status_code == 403
    assert client.get(f"/shipments/{shipment.pk}/replace/").status_code == 403
    for path in EDIT_POSTS:
        assert client.post(f"/shipments/{shipment.pk}/{path}", {"cartons_per_pallet": "1"}).status_code == 403, path


def test_editor_queries_do_not_grow_with_lines_and_cartons(ops, vendor, django_assert_max_num_queries):
    def count(shipment):
        with CaptureQueriesContext(connection) as queries:
            assert ops.get(f"/shipments/{shipment.pk}/edit/").status_code == 200
        return len(queries)

    small = _draft(vendor, confirmed_purchase_order(vendor, lines=1, quantity=6).lines.get(), identifier="SMALL")
    po = confirmed_purchase_order(vendor, lines=5, quantity=60)
    confirmed_purchase_order(vendor, lines=5, quantity=60, warehouse=po.ship_to)  # lines to add
    big = _draft(vendor, *po.lines.all(), identifier="BIG", cartons_per_pallet=10)
    assert big.cartons.count() == 50
    few = count(small)
    assert count(big) == few
    with django_assert_max_num_queries(16):
        ops.get(f"/shipments/{big.pk}/edit/")


def test_editing_a_submitted_plan_leads_to_the_replace_screen(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    shipment_submit(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    response = ops.get(f"/shipments/{shipment.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/shipments/{shipment.pk}/replace/"
    response = ops.post(f"/shipments/{shipment.pk}/edit/save/", _save_body(shipment, cartons_per_pallet="1"), follow=True)
    assert response.redirect_chain == [(f"/shipments/{shipment.pk}/replace/", 302)]
    assert "change it with a Replace ASN" in response.content.decode()
    htmx = ops.post(f"/shipments/{shipment.pk}/edit/save/", _save_body(shipment, cartons_per_pallet="1"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == f"/shipments/{shipment.pk}/replace/"


def test_detail_page_links_to_the_editor_and_to_replace(ops, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = _draft(vendor, po.lines.get())
    assert f'href="/shipments/{shipment.pk}/edit/"' in ops.get(f"/shipments/{shipment.pk}/").content.decode()
    shipment_submit(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    html = ops.get(f"/shipments/{shipment.pk}/").content.decode()
    assert f'href="/shipments/{shipment.pk}/replace/"' in html and 'data-testid="asn-revisions"' in html


# Replace ASN ----------------------------------------------------------------------------------------
def _submitted(vendor, quantity=12, lines=1, **fields):
    po = confirmed_purchase_order(vendor, lines=lines, quantity=quantity, number="PO-REPL-1")
    shipment = _draft(vendor, *po.lines.order_by("sequence"), identifier="ASN-REPL-1", **fields)
    shipment_submit(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    return po, shipment


def _replace_body(shipment, **changes) -> dict:
    body = {
        "carrier_scac": shipment.carrier_scac,
        "carrier_name": shipment.carrier_name,
        "estimated_arrival": "",
        "bol_number": shipment.bol_number,
        "pro_number": shipment.pro_number,
    }
    for line in shipment.lines.all():
        body[f"qty_{line.pk}"] = str(line.quantity)
    for carton in shipment.cartons.prefetch_related("items"):
        for item in carton.items.all():
            body[f"carton_{carton.index}_{item.shipment_line_id}"] = str(item.quantity)
    return {**body, **changes}


def test_replace_lowers_a_quantity_changes_carrier_details_and_lists_the_revisions(ops, vendor):
    po, shipment = _submitted(vendor)
    line = shipment.lines.get()
    page = ops.get(f"/shipments/{shipment.pk}/replace/")
    assert page.status_code == 200 and 'data-testid="replace-form"' in page.content.decode()
    response = ops.post(
        f"/shipments/{shipment.pk}/replace/", _replace_body(shipment, **{f"qty_{line.pk}": "6", "pro_number": "PRO-77", "carrier_scac": "odfl"})
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.asn_type, shipment.asn_revision, shipment.pro_number, shipment.carrier_scac) == ("Replace", 2, "PRO-77", "ODFL")
    assert shipment.lines.get().quantity == 6 and po.lines.get().shipped_quantity == 6
    assert shipment.cartons.count() == 1
    assert AuditEvent.objects.filter(action="shipment.replace", object_id=str(shipment.pk)).exists()
    html = ops.get(f"/shipments/{shipment.pk}/replace/").content.decode()
    revisions = html.split('data-testid="asn-revisions"', 1)[1]
    assert 'data-testid="asn-revision-1"' in revisions and 'data-testid="asn-revision-2"' in revisions
    second = revisions.split('data-testid="asn-revision-2"', 1)[1]
    assert "Replace" in second and "PRO-77" in second and "ODFL" in second
    assert "PO PO-REPL-1 line 1" in second and '<span class="before">12</span> → <span class="after">6</span>' in second
    assert '<span class="before">2</span> → <span class="after">1</span>' in second  # cartons


def test_replace_with_cartons_packed_by_hand(ops, vendor):
    po, shipment = _submitted(vendor, quantity=6, lines=2)
    line1, line2 = shipment.lines.order_by("purchase_order_line__sequence")
    ssccs = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
    # both lines in carton 1 (a mixed carton), 2 of line 2 lowered away, carton 2 emptied
    body = _replace_body(shipment, **{f"qty_{line2.pk}": "4", f"carton_1_{line2.pk}": "4", f"carton_2_{line2.pk}": ""})
    response = ops.post(f"/shipments/{shipment.pk}/replace/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    cartons = list(shipment.cartons.order_by("index").prefetch_related("items"))
    assert len(cartons) == 1 and cartons[0].sscc == ssccs[0]
    assert sorted((item.shipment_line_id, item.quantity) for item in cartons[0].items.all()) == [(line1.pk, 6), (line2.pk, 4)]


def test_replace_with_cartons_that_do_not_add_up_is_refused_and_nothing_changes(ops, vendor):
    po, shipment = _submitted(vendor, quantity=12)
    line = shipment.lines.get()
    before = _audit_count()
    response = ops.post(f"/shipments/{shipment.pk}/replace/", _replace_body(shipment, **{f"carton_1_{line.pk}": "5"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "12 to ship but 11 in cartons" in html and 'value="5"' in html
    shipment.refresh_from_db()
    assert shipment.asn_revision == 1 and _audit_count() == before
    assert sorted(shipment.cartons.values_list("items__quantity", flat=True)) == [6, 6]


def test_replace_cannot_raise_a_quantity(ops, vendor):
    po, shipment = _submitted(vendor, quantity=12)
    line = shipment.lines.get()
    response = ops.post(f"/shipments/{shipment.pk}/replace/", _replace_body(shipment, **{f"qty_{line.pk}": "18"}))
    assert response.status_code == 200
    assert "may only lower the quantity (now 12)" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.asn_revision == 1 and po.lines.get().shipped_quantity == 12


def test_replace_cannot_drop_the_bol_of_an_ltl_shipment(ops, vendor):
    po, shipment = _submitted(vendor, quantity=12)
    response = ops.post(f"/shipments/{shipment.pk}/replace/", _replace_body(shipment, bol_number=""))
    assert response.status_code == 200
    assert "A BOL number is required" in response.content.decode().split('name="bol_number"', 1)[1].split("</ul>", 1)[0]
    shipment.refresh_from_db()
    assert shipment.bol_number == "BOL-1" and shipment.asn_revision == 1


def test_replace_is_refused_once_receiving_started(ops, vendor):
    po, shipment = _submitted(vendor, quantity=12)
    receipt_create(
        scope=Scope(is_retailer=True, roles=frozenset({Role.RECEIVING})),
        shipment_id=shipment.pk,
        scanned_ssccs=[shipment.cartons.get(index=1).sscc],
        actor=Actor(user=retailer_user(Role.RECEIVING)),
    )
    page = ops.get(f"/shipments/{shipment.pk}/replace/").content.decode()
    assert "started receiving ASN ASN-REPL-1" in page and "can no longer be replaced" in page
    assert 'data-testid="replace-form"' not in page
    line = shipment.lines.get()
    before = _audit_count()
    response = ops.post(f"/shipments/{shipment.pk}/replace/", _replace_body(shipment, **{f"qty_{line.pk}": "6"}))
    assert response.status_code == 200 and "can no longer be replaced" in response.content.decode()
    shipment.refresh_from_db()
    assert (shipment.state, shipment.asn_revision) == (ShipmentState.RECEIVING, 1) and _audit_count() == before


def test_replace_outdates_labels_of_the_earlier_revision(ops, vendor, django_capture_on_commit_callbacks):
    po, shipment = _submitted(vendor, quantity=12)
    with django_capture_on_commit_callbacks(execute=True):
        shipment_labels_request(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor.system())
    line = shipment.lines.get()
    assert ops.post(f"/shipments/{shipment.pk}/replace/", _replace_body(shipment, **{f"qty_{line.pk}": "6"})).status_code == 302
    assert Document.objects.filter(kind="shipment_labels", key=f"shipments/{shipment.pk}/labels-1.pdf").exists()  # the record of revision 1
    assert 'data-testid="labels-outdated"' in ops.get(f"/shipments/{shipment.pk}/replace/").content.decode()
