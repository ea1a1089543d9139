"""Inbound X12 through the portal's services: 855s confirm POs like the screens do, every group is
answered with a 997 that points at what was wrong, and nothing is applied twice or from a stranger."""

import copy
import datetime

import pytest
from django.utils import timezone

from edi import x12  # noqa: E402
from edi.models import Direction, Interchange, InterchangeSource, InterchangeStatus, SetStatus, TradingPartner  # noqa: E402
from edi.services.inbound import edi_receive  # noqa: E402
from purchase_orders.models import Acknowledgement, PurchaseOrderState  # noqa: E402
from tests.audit_check import audit_exempt  # noqa: E402
from tests.purchase_orders.factories import purchase_order_with_lines  # noqa: E402
from vendor_portal.models import AuditEvent, Channel  # noqa: E402
from vendor_portal.services.audit import Actor  # noqa: E402

VENDOR_EDI = x12.Partner("ZZ", "ACMEEDI")
RETAILER_EDI = x12.Partner("ZZ", "NORTHWIND")
SENT_AT = datetime.datetime(2026, 11, 27, 8, 0)


def trading_partner(vendor, isa_id="ACMEEDI") -> TradingPartner:
    with audit_exempt():
        return TradingPartner.objects.create(vendor=vendor, isa_qualifier="ZZ", isa_id=isa_id)


def ack_line(po_line, *acks, quantity=None, item_ids=None) -> x12.PurchaseOrderAckLine:
    return x12.PurchaseOrderAckLine(
        line_number=str(po_line.sequence),
        quantity=po_line.ordered_quantity if quantity is None else quantity,
        uom="EA",
        unit_price=po_line.net_cost,
        price_basis="NT",
        item_ids=item_ids if item_ids is not None else {"BP": po_line.asin, "VN": po_line.vendor_sku},
        acks=list(acks),
    )


def po_855(po, lines, number=None) -> x12.PurchaseOrderAck:
    return x12.PurchaseOrderAck(po_number=number or po.number, po_date=timezone.localdate(po.order_date), ack_type="AC", lines=lines)


def interchange_text(document, control_number=1, sender=VENDOR_EDI, receiver=RETAILER_EDI, **options) -> str:
    return x12.write_document(
        document,
        sender=sender,
        receiver=receiver,
        interchange_control_number=control_number,
        group_control_number=control_number,
        created_at=SENT_AT,
        **options,
    )


def accept_all_855(po, control_number=1, **options) -> str:
    ship_date = timezone.localdate(po.ship_window_start) + datetime.timedelta(days=1)
    lines = [ack_line(line, x12.LineAck("IA", line.ordered_quantity, "EA", "068", ship_date)) for line in po.lines.order_by("sequence")]
    return interchange_text(po_855(po, lines), control_number, **options)


def receive(vendor, text, source=InterchangeSource.API) -> Interchange:
    return edi_receive(vendor=vendor, content=text.encode(), actor=Actor(channel=Channel.EDI), source=source)


def the_997(interchange: Interchange) -> x12.FunctionalAck:
    parsed = x12.parse_interchange(interchange.acknowledgement.content)
    assert parsed.problems == []
    [ack] = [ts.document for ts in parsed.transaction_sets]
    return ack


@pytest.fixture
def partner(vendor):
    return trading_partner(vendor)


@pytest.fixture
def po(vendor):
    return purchase_order_with_lines(vendor, lines=2, quantity=60)


def test_855_confirms_the_po_lines_with_edi_audit_rows_and_an_accepting_997(vendor, partner, po):
    first, second = po.lines.order_by("sequence")
    ship_date = timezone.localdate(po.ship_window_start) + datetime.timedelta(days=1)
    backorder_date = timezone.localdate(po.ship_window_end) + datetime.timedelta(days=5)
    document = po_855(
        po,
        [
            ack_line(first, x12.LineAck("IA", 60, "EA", "068", ship_date)),
            ack_line(second, x12.LineAck("IA", 48, "EA", "068", ship_date), x12.LineAck("IB", 12, "EA", "068", backorder_date)),
        ],
    )

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.ACCEPTED
    assert interchange.problems == []
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    assert po.promised_ship_date == ship_date
    second.refresh_from_db()
    assert (second.accepted_quantity, second.backordered_quantity, second.backorder_date) == (48, 12, backorder_date)
    confirmations = AuditEvent.objects.filter(action="purchase_order_line.confirm", vendor=vendor)
    assert confirmations.count() == 2
    assert set(confirmations.values_list("channel", flat=True)) == {Channel.EDI}
    assert Acknowledgement.objects.get(purchase_order=po).channel == Channel.EDI
    [record] = interchange.transactions.all()
    assert (record.set_id, record.status, record.reference, record.object_id) == ("855", SetStatus.ACCEPTED, po.number, str(po.pk))
    ack = the_997(interchange)
    assert (ack.functional_id_code, ack.group_control_number, ack.status) == ("PR", "1", "A")
    assert [(s.set_id_code, s.status) for s in ack.sets] == [("855", "A")]
    assert "AK5*A" in interchange.acknowledgement.content
    assert interchange.acknowledgement.direction == Direction.OUTBOUND
    assert interchange.acknowledgement.receiver_id == "ACMEEDI"


def test_855_accepting_more_than_ordered_is_rejected_in_the_997_and_the_po_is_unchanged(vendor, partner, po):
    first, second = po.lines.order_by("sequence")
    document = po_855(po, [ack_line(first, x12.LineAck("IA", 66, "EA")), ack_line(second, x12.LineAck("IA", 60, "EA"))])

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.REJECTED
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW
    assert not Acknowledgement.objects.filter(purchase_order=po).exists()
    first.refresh_from_db()
    assert first.accepted_quantity == 0
    ack = the_997(interchange)
    assert ack.status == "R"
    [set_ack] = ack.sets
    assert set_ack.status == "R" and set_ack.error_codes == ["5"]
    [note] = set_ack.segments
    assert (note.segment_id, note.position) == ("ACK", 4)  # ST 1, BAK 2, PO1 3, its ACK 4
    assert note.elements[0].position == 2
    [record] = interchange.transactions.all()
    assert record.status == SetStatus.REJECTED
    assert "60 were ordered" in record.errors[0]["message"]


def test_855_for_an_unknown_po_is_rejected_in_the_997_without_a_crash(vendor, partner, po):
    line = po.lines.first()
    document = po_855(po, [ack_line(line, x12.LineAck("IA", 60, "EA"))], number="NOSUCHPO")

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.REJECTED
    [set_ack] = the_997(interchange).sets
    assert set_ack.status == "R"
    [note] = set_ack.segments
    assert (note.segment_id, note.position, note.elements[0].position, note.elements[0].bad_value) == ("BAK", 2, 3, "NOSUCHPO")
    assert "not found" in interchange.problems[0]["message"]


def test_855_of_another_vendors_po_is_as_unknown_as_a_missing_one(vendor, other_vendor, partner):
    theirs = purchase_order_with_lines(other_vendor, lines=1, quantity=60)
    document = po_855(theirs, [ack_line(theirs.lines.get(), x12.LineAck("IA", 60, "EA"))])

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.REJECTED
    theirs.refresh_from_db()
    assert theirs.state == PurchaseOrderState.NEW


def test_wrong_se_segment_count_rejects_the_set_with_code_4(vendor, partner, po):
    text = accept_all_855(po)
    se = next(segment for segment in text.split("~") if segment.strip().startswith("SE*"))
    text = text.replace(se, se.replace("SE*", "SE*9", 1))

    interchange = receive(vendor, text)

    assert interchange.status == InterchangeStatus.REJECTED
    [set_ack] = the_997(interchange).sets
    assert (set_ack.status, set_ack.error_codes) == ("R", ["4"])
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


def test_line_with_another_products_identifier_is_rejected_at_that_element(vendor, partner, po):
    first, second = po.lines.order_by("sequence")
    document = po_855(
        po,
        [
            ack_line(first, x12.LineAck("IA", 60, "EA"), item_ids={"BP": second.asin}),
            ack_line(second, x12.LineAck("IA", 60, "EA")),
        ],
    )

    interchange = receive(vendor, interchange_text(document))

    [set_ack] = the_997(interchange).sets
    [note] = set_ack.segments
    assert (note.segment_id, note.position, note.elements[0].position, note.elements[0].bad_value) == ("PO1", 3, 7, second.asin)
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


def test_rejected_line_maps_its_ack29_reason(vendor, partner, po):
    first, second = po.lines.order_by("sequence")
    document = po_855(po, [ack_line(first, x12.LineAck("IA", 60, "EA")), ack_line(second, x12.LineAck("IR", 60, "EA", reason_code="R3"))])

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.ACCEPTED
    second.refresh_from_db()
    assert (second.rejected_quantity, second.rejection_reason) == (60, "ObsoleteProduct")


def test_rejected_line_without_ack29_is_accepted_as_temporarily_unavailable(vendor, partner, po):
    """The common dialect: many vendors' systems send ACK*IR with no reason at all."""
    first, second = po.lines.order_by("sequence")
    document = po_855(po, [ack_line(first, x12.LineAck("IA", 60, "EA")), ack_line(second, x12.LineAck("IR", 60, "EA"))])

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    assert the_997(interchange).sets[0].status == "A"
    second.refresh_from_db()
    assert (second.rejected_quantity, second.rejection_reason) == (60, "TemporarilyUnavailable")


def test_855_rejecting_the_po_without_lines_rejects_every_line_as_temporarily_unavailable(vendor, partner, po):
    document = po_855(po, [])
    document.ack_type = "RJ"

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    assert the_997(interchange).sets[0].status == "A"
    assert [(line.accepted_quantity, line.rejected_quantity, line.rejection_reason) for line in po.lines.order_by("sequence")] == [
        (0, 60, "TemporarilyUnavailable"),
        (0, 60, "TemporarilyUnavailable"),
    ]


@pytest.mark.parametrize(
    ("second_line_acks", "element", "ak403"),
    [
        pytest.param([x12.LineAck("IA", 48, "EA"), x12.LineAck("IB", 12, "EA")], 5, "1", id="backorder-without-its-date"),
        pytest.param([x12.LineAck("IA", None, "EA")], 2, "1", id="ack-without-its-quantity"),
        pytest.param([x12.LineAck("IR", 60, "EA", reason_code="R9")], 29, "7", id="unknown-rejection-reason"),
        pytest.param([x12.LineAck("IA", 66, "EA")], 2, "7", id="more-than-ordered"),
    ],
)
def test_997_ak403_says_whether_an_element_is_missing_or_has_a_value_the_portal_cannot_take(vendor, partner, po, second_line_acks, element, ak403):
    first, second = po.lines.order_by("sequence")
    document = po_855(po, [ack_line(first, x12.LineAck("IA", 60, "EA")), ack_line(second, *second_line_acks)])

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.REJECTED
    [set_ack] = the_997(interchange).sets
    [note] = set_ack.segments
    [element_note] = note.elements
    assert (note.segment_id, note.code, element_note.position, element_note.code) == ("ACK", "8", element, ak403)
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


def test_repeated_isa_control_number_is_refused_and_not_applied_twice(vendor, partner, po):
    text = accept_all_855(po, control_number=77)
    first = receive(vendor, text)

    again = receive(vendor, text)

    assert first.status == InterchangeStatus.ACCEPTED
    assert again.status == InterchangeStatus.REJECTED
    assert again.duplicate_of_id == first.pk
    assert Acknowledgement.objects.filter(purchase_order=po).count() == 1
    assert "TA1*000000077*" in again.acknowledgement.content and "*R*025" in again.acknowledgement.content
    assert the_997(again).status == "R"


def test_sender_that_is_not_the_vendors_trading_partner_is_rejected(vendor, other_vendor, partner, po):
    trading_partner(other_vendor, isa_id="GLOBEXEDI")
    for sender in (x12.Partner("ZZ", "GLOBEXEDI"), x12.Partner("ZZ", "STRANGER")):
        interchange = receive(vendor, accept_all_855(po, sender=sender))

        assert interchange.status == InterchangeStatus.REJECTED
        assert interchange.partner is None and interchange.acknowledgement is None
        assert interchange.problems[0]["code"] == "006"
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


def test_interchange_for_another_receiver_is_rejected(vendor, partner, po):
    interchange = receive(vendor, accept_all_855(po, receiver=x12.Partner("ZZ", "SOMEONEELSE")))

    assert interchange.status == InterchangeStatus.REJECTED
    assert "TA1*" in interchange.acknowledgement.content
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


@pytest.mark.parametrize("garbage", ["hello", "ISA*00*short~", "\x00\x01\x02ISA", "ISA" + "*" * 200, "ÿþ" * 50])
def test_garbage_is_stored_with_its_problems_and_never_crashes(vendor, partner, garbage):
    interchange = receive(vendor, garbage)

    assert interchange.status == InterchangeStatus.REJECTED
    assert interchange.problems
    assert not any("internal" in problem["message"] for problem in interchange.problems)


def asn_856(po, *, identifier="ASN-EDI-1", purpose="00", first_serial=40) -> tuple[x12.Shipment, list[str]]:
    """Every line of `po` in two cartons (vendor SSCCs, extension digit 7) on one pallet; the SSCCs in label order."""
    from vendor_portal.gs1 import sscc_build

    prefix = po.vendor.gs1_company_prefix
    serials = iter(range(first_serial, first_serial + 100))
    cartons = []
    for line in po.lines.order_by("sequence"):
        half = line.open_to_ship // 2
        for quantity in (half, line.open_to_ship - half):
            cartons.append(
                x12.Carton(
                    sscc=sscc_build(extension_digit=7, company_prefix=prefix, serial=next(serials)),
                    items=[x12.ShipmentItem(item_ids={"BP": line.asin, "VN": line.vendor_sku}, quantity=quantity, line_number=str(line.sequence))],
                )
            )
    pallet = x12.Pallet(sscc=sscc_build(extension_digit=7, company_prefix=prefix, serial=next(serials)), cartons=cartons)
    shipment = x12.Shipment(
        shipment_id=identifier,
        shipment_date=timezone.localdate(),
        shipment_time=SENT_AT.time(),
        purpose=purpose,
        carrier_scac="ABFS",
        transport_method="M",
        bill_of_lading="BOL-EDI-1",
        shipped_date=timezone.localdate() - datetime.timedelta(days=1),
        orders=[x12.ShipmentOrder(po_number=po.number, pallets=[pallet])],
    )
    return shipment, [carton.sscc for carton in cartons] + [pallet.sscc]


@pytest.fixture
def confirmed_po(vendor):
    from tests.shipments.factories import confirmed_purchase_order, ship_from

    ship_from(vendor)
    return confirmed_purchase_order(vendor, lines=2, quantity=60)


def test_856_submits_the_asn_with_exactly_the_given_ssccs(vendor, partner, confirmed_po):
    from shipments.models import AsnType, Shipment, ShipmentState

    document, ssccs = asn_856(confirmed_po)

    interchange = receive(vendor, interchange_text(document, 5))

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    asn = Shipment.objects.get(vendor=vendor, shipment_identifier="ASN-EDI-1")
    assert (asn.state, asn.asn_type, asn.bol_number, asn.carrier_scac) == (ShipmentState.SUBMITTED, AsnType.ORIGINAL, "BOL-EDI-1", "ABFS")
    assert list(asn.cartons.order_by("index").values_list("sscc", flat=True)) + list(asn.pallets.values_list("sscc", flat=True)) == ssccs
    assert list(confirmed_po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [60, 60]
    assert set(AuditEvent.objects.filter(object_type="shipments.shipment").values_list("channel", flat=True)) == {Channel.EDI}
    assert not AuditEvent.objects.filter(action="sscc_counter.allocate").exists()
    [record] = interchange.transactions.all()
    assert (record.set_id, record.status, record.reference, record.object_id) == ("856", SetStatus.ACCEPTED, "ASN-EDI-1", str(asn.pk))
    assert [(s.set_id_code, s.status) for s in the_997(interchange).sets] == [("856", "A")]

    lowered = copy.deepcopy(document)
    lowered.purpose = "05"
    lowered.orders[0].pallets[0].cartons[0].items[0].quantity -= 6
    replaced = receive(vendor, interchange_text(lowered, 6))

    assert replaced.status == InterchangeStatus.ACCEPTED, replaced.problems
    asn.refresh_from_db()
    assert (asn.asn_type, asn.asn_revision) == (AsnType.REPLACE, 2)
    assert list(confirmed_po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [54, 60]


def test_856_with_a_bad_sscc_check_digit_is_rejected_in_the_997_at_its_man_segment(vendor, partner, confirmed_po):
    from shipments.models import Shipment

    document, ssccs = asn_856(confirmed_po)
    bad = ssccs[1][:-1] + str((int(ssccs[1][-1]) + 1) % 10)
    document.orders[0].pallets[0].cartons[1].sscc = bad

    interchange = receive(vendor, interchange_text(document, 5))

    assert interchange.status == InterchangeStatus.REJECTED
    [set_ack] = the_997(interchange).sets
    assert set_ack.status == "R"
    [error] = interchange.transactions.get().errors
    assert error["code"] == "sscc_check_digit" and error["segment"] == "MAN" and error["element"] == 2
    assert f"*{bad}~" in interchange.content or bad in interchange.acknowledgement.content or bad in error["message"]
    assert not Shipment.objects.exists()
    assert list(confirmed_po.lines.values_list("shipped_quantity", flat=True)) == [0, 0]


def test_856_over_shipping_a_line_is_rejected_at_its_sn1(vendor, partner, confirmed_po):
    document, _ssccs = asn_856(confirmed_po)
    document.orders[0].pallets[0].cartons[0].items[0].quantity += 6

    interchange = receive(vendor, interchange_text(document, 5))

    assert interchange.status == InterchangeStatus.REJECTED
    [error] = interchange.transactions.get().errors
    assert (error["code"], error["segment"], error["element"]) == ("over_shipped", "SN1", 2)


def _labels_printed(shipment):
    from shipments.services.labels import shipment_labels_request
    from tests.factories import vendor_user
    from vendor_portal.tenancy import scope_for_user

    ops = vendor_user(shipment.vendor, username="acme-ops-labels")
    shipment_labels_request(scope=scope_for_user(ops), shipment_id=shipment.pk, actor=Actor(user=ops))


def test_856_replace_is_the_whole_asn_again_with_its_scac_checked_and_labels_outdated(vendor, partner, confirmed_po):
    """Purpose 05 goes through the one Replace ASN service: a line left out ships nothing now, the SCAC is
    checked (refused at TD503), and labels printed before are out of date."""
    from shipments.models import AsnType, Shipment

    document, _ssccs = asn_856(confirmed_po)
    assert receive(vendor, interchange_text(document, 5)).status == InterchangeStatus.ACCEPTED
    asn = Shipment.objects.get(shipment_identifier="ASN-EDI-1")
    _labels_printed(asn)
    replace = copy.deepcopy(document)
    replace.purpose = "05"
    pallet = replace.orders[0].pallets[0]
    pallet.cartons = [carton for carton in pallet.cartons if carton.items[0].line_number == "1"]  # line 2 left out
    replace.carrier_scac = "12AB"

    refused = receive(vendor, interchange_text(replace, 6))

    assert refused.status == InterchangeStatus.REJECTED
    [error] = refused.transactions.get().errors
    assert (error["segment"], error["element"]) == ("TD5", 3) and "SCAC" in error["message"]
    asn.refresh_from_db()
    assert asn.asn_revision == 1 and list(confirmed_po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [60, 60]

    replace.carrier_scac = "saia"
    replaced = receive(vendor, interchange_text(replace, 7))

    assert replaced.status == InterchangeStatus.ACCEPTED, replaced.problems
    asn.refresh_from_db()
    assert (asn.asn_type, asn.asn_revision, asn.carrier_scac) == (AsnType.REPLACE, 2, "SAIA")
    assert list(asn.lines.order_by("purchase_order_line__sequence").values_list("quantity", flat=True)) == [60, 0]
    assert list(confirmed_po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [60, 0]
    assert AuditEvent.objects.filter(action="shipment.labels_outdate", object_id=str(asn.pk)).exists()


def test_856_cancel_purpose_is_refused(vendor, partner, confirmed_po):
    document, _ssccs = asn_856(confirmed_po, purpose="01")
    interchange = receive(vendor, interchange_text(document, 5))
    assert interchange.status == InterchangeStatus.REJECTED
    assert interchange.transactions.get().errors[0]["segment"] == "BSN"


def invoice_810(po, *, quantity=60, total=None, number="INV-EDI-1") -> x12.Invoice:
    lines = [
        x12.InvoiceLine(
            line_number=str(line.sequence),
            quantity=quantity,
            uom="EA",
            unit_price=line.net_cost,
            price_basis="NT",
            item_ids={"BP": line.asin, "VN": line.vendor_sku},
        )
        for line in po.lines.order_by("sequence")
    ]
    computed = sum(line.quantity * line.unit_price for line in lines)
    return x12.Invoice(
        invoice_number=number, invoice_date=timezone.localdate(), po_number=po.number, total_amount=computed if total is None else total, lines=lines
    )


def test_810_for_a_confirmed_po_is_created_and_submitted_through_the_invoicing_service(vendor, partner, po):
    from invoicing.models import Invoice, InvoiceState

    receive(vendor, accept_all_855(po, control_number=1))

    interchange = receive(vendor, interchange_text(invoice_810(po), 2))

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    invoice = Invoice.objects.get(vendor=vendor, number="INV-EDI-1")
    assert (invoice.state, invoice.grand_total, invoice.currency) == (InvoiceState.SUBMITTED, 1200, "USD")
    assert invoice.lines.count() == 2
    assert set(AuditEvent.objects.filter(object_type="invoicing.invoice").values_list("channel", flat=True)) == {Channel.EDI}
    record = interchange.transactions.get()
    assert (record.set_id, record.reference, record.object_id) == ("810", "INV-EDI-1", str(invoice.pk))
    assert "AK5*A" in interchange.acknowledgement.content


def test_810_that_does_not_add_up_is_rejected_at_tds_and_nothing_is_kept(vendor, partner, po):
    from invoicing.models import Invoice

    receive(vendor, accept_all_855(po, control_number=1))

    interchange = receive(vendor, interchange_text(invoice_810(po, total=1250), 2))

    assert interchange.status == InterchangeStatus.REJECTED
    assert not Invoice.objects.exists()
    [set_ack] = the_997(interchange).sets
    assert set_ack.status == "R"
    assert [(note.segment_id, note.elements[0].position) for note in set_ack.segments] == [("TDS", 1)]


def test_810_invoicing_more_than_accepted_points_at_the_quantity(vendor, partner, po):
    receive(vendor, accept_all_855(po, control_number=1))

    interchange = receive(vendor, interchange_text(invoice_810(po, quantity=61), 2))

    [set_ack] = the_997(interchange).sets
    notes = {(note.segment_id, note.position, note.elements[0].position) for note in set_ack.segments}
    assert ("IT1", 3, 2) in notes
    assert any(error["code"] == "over_invoiced" for error in interchange.transactions.get().errors)


def test_997_from_the_partner_marks_the_850_it_acknowledges(vendor, partner, po):
    from edi.services.outbound import edi_purchase_order_850

    sent = edi_purchase_order_850(purchase_order=po)
    record = sent.transactions.get()
    partner_997 = x12.FunctionalAck(
        functional_id_code="PO",
        group_control_number=record.group_control_number,
        status="A",
        included_count=1,
        received_count=1,
        accepted_count=1,
        sets=[x12.SetAck("850", record.control_number, "A")],
    )

    interchange = receive(vendor, interchange_text(partner_997, 900))

    assert interchange.status == InterchangeStatus.ACCEPTED
    assert interchange.acknowledgement is None  # acknowledgements are never acknowledged
    sent.refresh_from_db()
    assert sent.status == InterchangeStatus.ACCEPTED
    assert sent.acknowledgement_id == interchange.pk
    assert sent.transactions.get().status == SetStatus.ACCEPTED


def test_partner_delimiters_are_read_from_the_isa_and_used_in_the_answer(vendor, partner, po):
    text = accept_all_855(po, delimiters=x12.Delimiters(element="|", component="^", segment="\n"))

    interchange = receive(vendor, text)

    assert interchange.status == InterchangeStatus.ACCEPTED
    assert interchange.acknowledgement.content.startswith("ISA|00|")
    assert "\nAK5|A\n" in interchange.acknowledgement.content


@pytest.mark.django_db(transaction=True)
def test_the_same_interchange_arriving_twice_at_once_is_applied_once(vendor):
    import threading

    from django.db import connection

    trading_partner(vendor)
    po = purchase_order_with_lines(vendor, lines=2)
    text = accept_all_855(po, control_number=42)
    barrier = threading.Barrier(2)
    statuses = []

    def upload():
        try:
            barrier.wait()
            statuses.append(receive(vendor, text).status)
        finally:
            connection.close()

    workers = [threading.Thread(target=upload) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(statuses) == [InterchangeStatus.ACCEPTED, InterchangeStatus.REJECTED]
    assert Acknowledgement.objects.filter(purchase_order=po).count() == 1
    assert Interchange.objects.inbound().filter(duplicate_of__isnull=False).count() == 1


def test_exceptions_only_855_accepts_the_lines_it_does_not_mention(vendor, partner, po):
    first, second = po.lines.order_by("sequence")
    document = po_855(po, [ack_line(second, x12.LineAck("IA", 54, "EA"), x12.LineAck("IR", 6, "EA", reason_code="R1"))])
    document.ack_type = "AE"

    interchange = receive(vendor, interchange_text(document))

    assert interchange.status == InterchangeStatus.ACCEPTED
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.accepted_quantity, second.accepted_quantity, second.rejected_quantity) == (60, 54, 6)
    assert second.rejection_reason == "TemporarilyUnavailable"


def test_interchange_acknowledgment_requested_in_isa14_gets_an_accepting_ta1(vendor, partner, po):
    interchange = receive(vendor, accept_all_855(po, control_number=31, ack_requested=True))

    assert interchange.status == InterchangeStatus.ACCEPTED
    assert "TA1*000000031*" in interchange.acknowledgement.content
    assert "*A*000~" in interchange.acknowledgement.content


def test_856_weights_and_dimensions_are_stored_in_the_portals_units(vendor, partner, confirmed_po):
    from decimal import Decimal

    from shipments.models import Shipment

    document, _ssccs = asn_856(confirmed_po)
    document.gross_weight, document.weight_uom, document.packaging_code, document.lading_quantity = Decimal("131.5"), "LB", "PLT94", 1
    pallet = document.orders[0].pallets[0]
    pallet.weight, pallet.weight_uom = Decimal("131.5"), "LB"
    pallet.length, pallet.width, pallet.height, pallet.dimension_uom = Decimal(4), Decimal("3.5"), Decimal(4), "FT"
    first = pallet.cartons[0]
    first.weight, first.weight_uom = Decimal("14200"), "GR"
    first.length, first.width, first.height, first.dimension_uom = Decimal("400"), Decimal("300"), Decimal("250"), "MM"

    interchange = receive(vendor, interchange_text(document, 5))

    assert interchange.status == InterchangeStatus.ACCEPTED, interchange.problems
    asn = Shipment.objects.get(shipment_identifier="ASN-EDI-1")
    assert (asn.gross_weight, asn.weight_unit) == (Decimal("131.500"), "lb")
    stored = asn.pallets.get()
    assert (stored.weight, stored.weight_unit, stored.length, stored.width, stored.height, stored.dimension_unit) == (
        Decimal("131.500"),
        "lb",
        Decimal("48.00"),
        Decimal("42.00"),
        Decimal("48.00"),
        "in",
    )
    carton = asn.cartons.get(index=1)
    assert (carton.weight, carton.weight_unit, carton.length, carton.width, carton.height, carton.dimension_unit) == (
        Decimal("14.200"),
        "kg",
        Decimal("40.00"),
        Decimal("30.00"),
        Decimal("25.00"),
        "cm",
    )
    assert asn.cartons.get(index=2).weight is None  # not given: nothing invented


def test_856_weight_in_a_unit_the_portal_does_not_know_is_rejected_at_its_element(vendor, partner, confirmed_po):
    from decimal import Decimal

    from shipments.models import Shipment

    document, _ssccs = asn_856(confirmed_po)
    carton = document.orders[0].pallets[0].cartons[1]
    carton.weight, carton.weight_uom = Decimal("3"), "ST"

    interchange = receive(vendor, interchange_text(document, 5))

    assert interchange.status == InterchangeStatus.REJECTED
    [error] = interchange.transactions.get().errors
    assert (error["code"], error["segment"], error["element"]) == ("invalid_weight_unit", "TD1", 8)
    assert not Shipment.objects.exists()
