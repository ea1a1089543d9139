import pytest

from invoicing.models import Invoice
from invoicing.services.flips import invoice_from_shipment
from invoicing.services.submission import invoice_submit
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(vendor):
    ops = vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    finance = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    return (scope_for_user(ops), Actor(user=ops)), (scope_for_user(finance), Actor(user=finance))


def submitted_asn(vendor, ops, *pos, **fields):
    scope, actor = ops
    ship_from(vendor)
    shipment = shipment_create(scope=scope, data=plan(*pos, **fields), actor=actor)
    return shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)


def test_flip_from_asn_prefills_the_shipped_lines(vendor, people):
    ops, (scope, actor) = people
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    part = po.lines.order_by("sequence").last()
    shipment = submitted_asn(vendor, ops, po, identifier="ASN-7", quantities={part.pk: 30})
    invoice = invoice_from_shipment(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert invoice.source == "asn" and invoice.shipment_id == shipment.pk and invoice.shipment_identifier == "ASN-7"
    assert [(line.purchase_order_number, line.quantity) for line in invoice.lines.order_by("sequence")] == [(po.number, 60), (po.number, 30)]
    assert invoice.ship_from_address["city"] == "Reno"
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    with pytest.raises(DomainValidationError):
        invoice_from_shipment(scope=scope, shipment_id=shipment.pk, actor=actor)  # nothing left to invoice
    assert Invoice.objects.count() == 1


def test_a_draft_ship_plan_cannot_be_invoiced(vendor, people):
    (ops_scope, ops_actor), (scope, actor) = people
    po = confirmed_purchase_order(vendor, lines=1)
    ship_from(vendor)
    draft = shipment_create(scope=ops_scope, data=plan(po), actor=ops_actor)
    with pytest.raises(InvalidTransitionError):
        invoice_from_shipment(scope=scope, shipment_id=draft.pk, actor=actor)


def test_another_vendors_asn_is_not_found(vendor, other_vendor, people):
    ops, (scope, actor) = people
    po = confirmed_purchase_order(vendor, lines=1)
    shipment = submitted_asn(vendor, ops, po)
    intruder = vendor_user(other_vendor, Role.VENDOR_FINANCE, username="globex-finance")
    with pytest.raises(NotFoundError):
        invoice_from_shipment(scope=scope_for_user(intruder), shipment_id=shipment.pk, actor=Actor(user=intruder))


def test_flip_from_asn_through_the_api(vendor, people, token_client):
    ops, _ = people
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    shipment = submitted_asn(vendor, ops, po)
    response = token_client.post("/api/v1/invoices/from-shipment", {"shipment_id": shipment.pk}, format="json")
    assert response.status_code == 201 and response.json()["shipment_identifier"] == shipment.shipment_identifier


def test_new_from_asn_screen(vendor, people, client):
    ops, (scope, actor) = people
    po = confirmed_purchase_order(vendor, lines=1, quantity=60)
    shipment = submitted_asn(vendor, ops, po, identifier="ASN-SCREEN")
    client.force_login(actor.user)
    assert "ASN-SCREEN" in client.get("/invoices/new/from-asn/").content.decode()
    response = client.post("/invoices/new/from-asn/", {"shipment_id": shipment.pk})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/edit/"
    assert invoice.shipment_identifier == "ASN-SCREEN"


def test_the_asn_picker_lists_only_asns_still_to_invoice_with_their_value(vendor, people, client):
    ops, (scope, actor) = people
    first = submitted_asn(vendor, ops, confirmed_purchase_order(vendor, lines=2, quantity=60), identifier="ASN-DONE")
    waiting_po = confirmed_purchase_order(vendor, lines=1, quantity=30)
    waiting = submitted_asn(vendor, ops, waiting_po, identifier="ASN-WAITING")
    invoice_submit(scope=scope, invoice_id=invoice_from_shipment(scope=scope, shipment_id=first.pk, actor=actor).pk, actor=actor)
    client.force_login(actor.user)

    html = client.get("/invoices/new/from-asn/").content.decode()
    assert "ASN-WAITING" in html and "ASN-DONE" not in html
    value = waiting_po.lines.get().net_cost * 30
    assert f"{value:,.2f}" in html  # the ASN's value at the PO's net cost
    assert f'<label for="asn-{waiting.pk}">ASN-WAITING</label>' in html  # each choice is a labelled radio, no id to type
    assert 'type="number"' not in html

    # Searchable by the ASN or a PO on it.
    assert "ASN-WAITING" in client.get("/invoices/new/from-asn/", {"q": waiting_po.number}).content.decode()
    assert "ASN-WAITING" not in client.get("/invoices/new/from-asn/", {"q": "NOPE"}).content.decode()


def test_a_draft_takes_its_asn_off_the_picker_and_home_counts_the_rest(vendor, people, client):
    ops, (scope, actor) = people
    shipment = submitted_asn(vendor, ops, confirmed_purchase_order(vendor, lines=1), identifier="ASN-HOME")
    client.force_login(actor.user)
    home = client.get("/").content.decode()
    assert "ASNs ready to invoice" in home
    assert client.get("/invoices/new/from-asn/").context["shipments"] == [shipment]

    invoice_from_shipment(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert client.get("/invoices/new/from-asn/").context["shipments"] == []


def test_picking_no_asn_asks_for_one(vendor, people, client):
    ops, (scope, actor) = people
    submitted_asn(vendor, ops, confirmed_purchase_order(vendor, lines=1), identifier="ASN-X")
    client.force_login(actor.user)
    response = client.post("/invoices/new/from-asn/", {"number": "INV-1"})
    assert response.status_code == 400 and "Choose the ASN to invoice." in response.content.decode()
    assert not Invoice.objects.exists()
