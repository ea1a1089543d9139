"""EDIFACT D96A beside X12: a PO issued to an EDIFACT partner goes out as ORDERS; its ORDRSP, DESADV (SSCCs
in GIN) and INVOIC come back through the same services as the screens and X12; every interchange is
answered with a CONTRL that pydifact reads back, accepting it or pointing at what was wrong."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from pydifact.segmentcollection import Interchange as PydifactInterchange

from edi import edifact
from edi.models import Direction, Interchange, InterchangeSource, InterchangeStatus, SetStatus, Syntax
from edi.services.inbound import TooManyTransactionSetsError, edi_interchange_check, edi_receive
from edi.services.outbound import edi_purchase_order_850
from edi.services.partners import trading_partner_create
from purchase_orders.models import Acknowledgement, PurchaseOrderState
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.errors import DomainValidationError
from vendor_portal.gs1 import sscc_build
from vendor_portal.models import AuditEvent, Channel
from vendor_portal.services.audit import Actor

PARTNER_GLN = "4012345000009"
RETAILER_GLN = "4000000000006"
SENT_AT = datetime.datetime(2026, 11, 27, 8, 0)
S = edifact.segment


def d(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")


def interchange_text(*messages, reference="1", sender=PARTNER_GLN, recipient=RETAILER_GLN) -> str:
    """An interchange from the partner: (type, segments) messages numbered from 1."""
    return edifact.write_interchange(
        sender=(sender, "14"),
        recipient=(recipient, "14"),
        control_reference=reference,
        messages=[edifact.OutboundMessage(str(n), (kind, "D", "96A", "UN"), segments) for n, (kind, segments) in enumerate(messages, 1)],
        prepared_at=SENT_AT,
    )


def receive(vendor, text) -> Interchange:
    return edi_receive(vendor=vendor, content=text.encode(), actor=Actor(channel=Channel.EDI), source=InterchangeSource.API)


def contrl(interchange: Interchange):
    """The CONTRL the portal answered with, read back by pydifact: (UNB, UCI, [UCM/UCS/UCD segments])."""
    parsed = PydifactInterchange.from_str(interchange.acknowledgement.content)
    [message] = list(parsed.get_messages())
    assert message.type == "CONTRL"
    uci = message.get_segment("UCI")
    return parsed, uci, [s for s in message.segments if s.tag != "UCI"]


def line_ids(line, action="") -> list:
    """LIN (with its 1229 action in an ORDRSP) and PIA: the line's GTIN, ASIN and vendor SKU."""
    return [S("LIN", str(line.sequence), action, [line.product.gtin, "EN"]), S("PIA", "5", [line.asin, "BP"], [line.vendor_sku, "SA"])]


def ordrsp(po, lines, *, number="RSP-1", ship_date=None) -> tuple[str, list]:
    ship_date = ship_date or timezone.localdate(po.ship_window_start) + datetime.timedelta(days=1)
    header = [S("BGM", "231", number, "4"), S("DTM", ["137", d(SENT_AT.date()), "102"]), S("DTM", ["11", d(ship_date), "102"])]
    return ("ORDRSP", [*header, S("RFF", ["ON", po.number]), *lines, S("UNS", "S")])


def accepted(line, action="5") -> list:
    return [*line_ids(line, action), S("QTY", ["21", str(line.ordered_quantity), "PCE"])]


@pytest.fixture
def partner(vendor):
    return trading_partner_create(vendor=vendor, actor=Actor.system(), syntax=Syntax.EDIFACT, gln=PARTNER_GLN, name="Acme EDIFACT")


@pytest.fixture
def po(vendor):
    from tests.shipments.factories import ship_from

    ship_from(vendor)
    return purchase_order_with_lines(vendor, lines=2, quantity=60)


def test_orders_goes_out_for_an_edifact_partner_and_pydifact_reads_it(vendor, partner, po):
    sent = edi_purchase_order_850(purchase_order=po)

    assert (sent.direction, sent.syntax, sent.set_ids, sent.receiver_id) == (Direction.OUTBOUND, Syntax.EDIFACT, "ORDERS", PARTNER_GLN)
    assert edi_purchase_order_850(purchase_order=po) == sent  # once per PO
    parsed = PydifactInterchange.from_str(sent.content)
    assert (parsed.sender, parsed.recipient, parsed.control_reference) == ([RETAILER_GLN, "14"], [PARTNER_GLN, "14"], "1")
    [message] = list(parsed.get_messages())
    assert message.identifier[:4] == ["ORDERS", "D", "96A", "UN"]
    assert message.get_segment("BGM").elements == ["220", po.number, "9"]
    assert message.get_segment("DTM").elements == [["137", d(timezone.localdate(po.order_date)), "102"]]
    parties = {s.elements[0]: s.elements[1] for s in message.get_segments("NAD")}
    assert parties["BY"] == [RETAILER_GLN, "", "9"] and parties["SU"] == [PARTNER_GLN, "", "9"] and parties["DP"][0] == po.ship_to.code
    assert message.get_segment("CUX").elements == [["2", po.currency, "9"]]
    first, second = po.lines.order_by("sequence")
    assert [s.elements for s in message.get_segments("LIN")] == [["1", "", [first.product.gtin, "EN"]], ["2", "", [second.product.gtin, "EN"]]]
    assert message.get_segment("PIA").elements == ["5", [first.asin, "BP"], [first.vendor_sku, "SA"]]
    assert [s.elements[0] for s in message.get_segments("QTY")] == [["21", "60", "PCE"], ["21", "60", "PCE"]]
    assert Decimal(message.get_segment("PRI").elements[0][1]) == first.net_cost
    assert message.get_segment("CNT").elements == [["2", "2"]]


def test_round_trip_ordrsp_desadv_invoic_each_answered_by_an_accepting_contrl(vendor, partner, po):
    from invoicing.models import Invoice, InvoiceState
    from shipments.models import Shipment, ShipmentState

    edi_purchase_order_850(purchase_order=po)
    first, second = po.lines.order_by("sequence")
    backorder_date = timezone.localdate(po.ship_window_end) + datetime.timedelta(days=5)
    changed = [
        *line_ids(second, "3"),
        S("QTY", ["21", "60", "PCE"]),
        S("QTY", ["12", "48", "PCE"]),
        S("QTY", ["83", "12", "PCE"]),
        S("DTM", ["11", d(backorder_date), "102"]),
    ]

    response = receive(vendor, interchange_text(ordrsp(po, [*accepted(first), *changed]), reference="100"))

    assert response.status == InterchangeStatus.ACCEPTED, response.problems
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.accepted_quantity, first.backordered_quantity) == (60, 0)
    assert (second.accepted_quantity, second.backordered_quantity, second.backorder_date) == (48, 12, backorder_date)
    assert Acknowledgement.objects.get(purchase_order=po).channel == Channel.EDI
    [record] = response.transactions.all()
    assert (record.set_id, record.control_number, record.status, record.object_id) == ("ORDRSP", "1", SetStatus.ACCEPTED, str(po.pk))
    parsed, uci, reports = contrl(response)
    assert (parsed.sender, parsed.recipient) == ([RETAILER_GLN, "14"], [PARTNER_GLN, "14"])
    assert uci.elements[0] == "100" and uci.elements[3] == "7"
    assert [s.elements for s in reports] == [["1", ["ORDRSP", "D", "96A", "UN"], "7"]]

    # DESADV: one pallet (GIN BJ) holding two cartons (GIN BJ) with the accepted units.
    prefix = vendor.gs1_company_prefix
    pallet, carton_1, carton_2 = (sscc_build(extension_digit=7, company_prefix=prefix, serial=serial) for serial in (90, 91, 92))
    shipped = timezone.localdate() - datetime.timedelta(days=1)
    desadv = (
        "DESADV",
        [
            S("BGM", "351", "DESADV-1", "9"),
            S("DTM", ["137", d(shipped), "102"]),
            S("DTM", ["11", d(shipped), "102"]),
            S("RFF", ["ON", po.number]),
            S("RFF", ["BM", "BOL-EDIFACT-1"]),
            S("NAD", "SU", [PARTNER_GLN, "", "9"]),
            S("TDT", "20", "", "3", "", ["ABFS", "", "182"]),
            S("CPS", "1"),
            S("CPS", "2", "1"),
            S("PAC", "1", "", "201"),
            S("GIN", "BJ", pallet),
            S("CPS", "3", "2"),
            S("PAC", "1", "", "CT"),
            S("GIN", "BJ", carton_1),
            *line_ids(first),
            S("QTY", ["12", "60", "PCE"]),
            S("CPS", "4", "2"),
            S("PAC", "1", "", "CT"),
            S("GIN", "BJ", carton_2),
            *line_ids(second),
            S("QTY", ["12", "48", "PCE"]),
            S("CNT", ["2", "2"]),
        ],
    )

    despatch = receive(vendor, interchange_text(desadv, reference="101"))

    assert despatch.status == InterchangeStatus.ACCEPTED, despatch.problems
    asn = Shipment.objects.get(vendor=vendor, shipment_identifier="DESADV-1")
    assert (asn.state, asn.bol_number, asn.carrier_scac) == (ShipmentState.SUBMITTED, "BOL-EDIFACT-1", "ABFS")
    assert list(asn.cartons.order_by("index").values_list("sscc", flat=True)) == [carton_1, carton_2]
    assert list(asn.pallets.values_list("sscc", flat=True)) == [pallet]
    assert list(po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [60, 48]
    assert not AuditEvent.objects.filter(action="sscc_counter.allocate").exists()
    assert contrl(despatch)[1].elements[3] == "7"

    # INVOIC: what was accepted, at the PO's cost, its totals in MOA 79/77.
    amounts = [60 * first.net_cost, 48 * second.net_cost]
    invoic = (
        "INVOIC",
        [
            S("BGM", "380", "INV-EDIFACT-1", "9"),
            S("DTM", ["137", d(timezone.localdate()), "102"]),
            S("RFF", ["ON", po.number]),
            S("CUX", ["2", po.currency, "4"]),
            *line_ids(first),
            S("QTY", ["47", "60", "PCE"]),
            S("MOA", ["203", str(amounts[0])]),
            S("PRI", ["AAA", str(first.net_cost)]),
            *line_ids(second),
            S("QTY", ["47", "48", "PCE"]),
            S("MOA", ["203", str(amounts[1])]),
            S("PRI", ["AAA", str(second.net_cost)]),
            S("UNS", "S"),
            S("MOA", ["79", str(sum(amounts))]),
            S("MOA", ["77", str(sum(amounts))]),
        ],
    )

    invoiced = receive(vendor, interchange_text(invoic, reference="102"))

    assert invoiced.status == InterchangeStatus.ACCEPTED, invoiced.problems
    invoice = Invoice.objects.get(vendor=vendor, number="INV-EDIFACT-1")
    assert (invoice.state, invoice.grand_total, invoice.currency) == (InvoiceState.SUBMITTED, sum(amounts), po.currency)
    assert invoice.lines.count() == 2
    assert set(AuditEvent.objects.filter(object_type="invoicing.invoice").values_list("channel", flat=True)) == {Channel.EDI}
    assert invoiced.transactions.get().object_id == str(invoice.pk)
    assert contrl(invoiced)[2][0].elements[2] == "7"


def test_a_message_the_service_refuses_gets_a_rejecting_contrl_pointing_at_its_quantity(vendor, partner, po, client):
    first, second = po.lines.order_by("sequence")
    too_many = [*accepted(first, "3"), S("QTY", ["12", "66", "PCE"])]

    interchange = receive(vendor, interchange_text(ordrsp(po, [*too_many, *accepted(second)])))

    assert interchange.status == InterchangeStatus.REJECTED
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW
    [record] = interchange.transactions.all()
    assert record.status == SetStatus.REJECTED and record.errors
    _, uci, reports = contrl(interchange)
    assert uci.elements[3] == "7"  # the interchange is read; its message is not
    ucm, ucs, ucd = reports[:3]
    assert ucm.elements[2] == "4"
    # UNH 1, BGM 2, DTM 3, DTM 4, RFF 5, LIN 6, PIA 7, QTY 21 8, QTY 12 9
    assert (ucs.tag, ucs.elements[0]) == ("UCS", "9")
    assert (ucd.tag, ucd.elements) == ("UCD", ["12", ["1", "2"]])

    from tests.factories import vendor_user

    client.force_login(vendor_user(vendor))
    page = client.get(f"/edi/{interchange.pk}/").content.decode()
    assert "Our acknowledgement (CONTRL)" in page and "UNH 1 · QTY01 (segment 9)" in page


def test_a_broken_envelope_is_rejected_in_uci_and_nothing_is_applied(vendor, partner, po):
    text = interchange_text(ordrsp(po, accepted(po.lines.order_by("sequence")[0])), reference="7").replace("UNZ+1+7'", "UNZ+2+7'")

    interchange = receive(vendor, text)

    assert interchange.status == InterchangeStatus.REJECTED
    _, uci, reports = contrl(interchange)
    assert (uci.elements[3], uci.elements[4], uci.elements[5]) == ("4", "29", "UNZ")
    assert reports == []
    assert "UNZ counts 2 messages" in interchange.first_problem


def test_a_message_of_a_type_the_portal_does_not_read_is_rejected_alone(vendor, partner, po):
    lines = [*accepted(po.lines.get(sequence=1)), *accepted(po.lines.get(sequence=2))]
    text = interchange_text(ordrsp(po, lines), ("PRICAT", [S("BGM", "9", "X")]))

    interchange = receive(vendor, text)

    _, uci, reports = contrl(interchange)
    assert uci.elements[3] == "7"
    ucms = [s for s in reports if s.tag == "UCM"]
    assert [(s.elements[0], s.elements[1][0], s.elements[2]) for s in ucms] == [("1", "ORDRSP", "7"), ("2", "PRICAT", "4")]
    assert ucms[1].elements[3:5] == ["14", "UNH"]
    assert interchange.status == InterchangeStatus.PARTIALLY_ACCEPTED
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED


def test_a_resent_interchange_is_a_duplicate_answered_with_code_26_and_applied_once(vendor, partner, po):
    text = interchange_text(ordrsp(po, [*accepted(po.lines.get(sequence=1)), *accepted(po.lines.get(sequence=2))]), reference="55")

    first = receive(vendor, text)
    again = receive(vendor, text)

    assert first.status == InterchangeStatus.ACCEPTED, first.problems
    assert (again.status, again.duplicate_of) == (InterchangeStatus.REJECTED, first)
    assert AuditEvent.objects.filter(action="purchase_order_line.confirm", vendor=vendor).count() == 2
    _, uci, _ = contrl(again)
    assert (uci.elements[3], uci.elements[4]) == ("4", "26")


def test_a_partner_acts_only_for_its_own_vendor(vendor, other_vendor, partner, po):
    stranger_po = purchase_order_with_lines(other_vendor, lines=1, quantity=10)
    line = stranger_po.lines.get()

    # Acme's partner names Globex's PO: not found, and Globex's PO is untouched.
    foreign = receive(vendor, interchange_text(ordrsp(stranger_po, accepted(line))))
    assert foreign.status == InterchangeStatus.REJECTED
    assert foreign.transactions.get().errors[0]["code"] == "not_found"
    stranger_po.refresh_from_db()
    assert stranger_po.state == PurchaseOrderState.NEW

    # Globex's upload claiming Acme's GLN: an unknown sender, refused, never answered to Acme's partner.
    claimed = receive(other_vendor, interchange_text(ordrsp(po, accepted(po.lines.get(sequence=1))), reference="9"))
    assert claimed.status == InterchangeStatus.REJECTED
    assert claimed.partner is None and claimed.acknowledgement is None
    assert "not an active trading partner of GLOBEX" in claimed.first_problem
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.NEW


def test_the_partners_contrl_settles_the_orders_sent(vendor, partner, po):
    sent = edi_purchase_order_850(purchase_order=po)
    answer = (
        "CONTRL",
        [S("UCI", sent.control_number, [PARTNER_GLN, "14"], [RETAILER_GLN, "14"], "7"), S("UCM", "1", ["ORDERS", "D", "96A", "UN"], "4", "12")],
    )

    received = receive(vendor, interchange_text(answer, reference="300"))

    assert received.status == InterchangeStatus.ACCEPTED, received.problems
    assert received.acknowledgement is None  # a CONTRL is not answered
    sent.refresh_from_db()
    assert (sent.status, sent.acknowledgement) == (InterchangeStatus.REJECTED, received)


def test_edifact_partners_need_a_valid_gln(vendor):
    with pytest.raises(DomainValidationError) as refused:
        trading_partner_create(vendor=vendor, actor=Actor.system(), syntax=Syntax.EDIFACT, gln="4012345000008")
    assert refused.value.field_errors()[0].field == "gln"


def test_the_limits_count_edifact_messages(settings, partner, po):
    settings.EDI_MAX_TRANSACTION_SETS = 1
    text = interchange_text(ordrsp(po, []), ordrsp(po, []))

    with pytest.raises(TooManyTransactionSetsError):
        edi_interchange_check(text.encode())


def test_a_vendor_admin_registers_an_edifact_partner_by_gln_on_the_api_and_the_screen(vendor, client):
    from rest_framework.test import APIClient

    from edi.models import TradingPartner
    from tests.factories import vendor_user
    from vendor_portal.roles import Role

    admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    api = APIClient()
    api.force_login(admin)
    created = api.post("/api/v1/edi/partners/", {"syntax": "edifact", "gln": PARTNER_GLN}, format="json", HTTP_IDEMPOTENCY_KEY="e-1")
    assert created.status_code == 201, created.json()
    assert (created.json()["syntax"], created.json()["gln"], created.json()["isa_id"]) == ("edifact", PARTNER_GLN, "")
    no_gln = api.post("/api/v1/edi/partners/", {"syntax": "edifact"}, format="json")
    assert no_gln.status_code == 400 and [e["field"] for e in no_gln.json()["errors"]] == ["gln"]

    client.force_login(admin)
    taken = client.post("/edi/partners/", {"syntax": "edifact", "gln": PARTNER_GLN, "isa_qualifier": "ZZ"})
    assert "GLN 4012345000009 is already in use." in taken.content.decode()
    page = client.get("/edi/partners/").content.decode()
    assert "UN/EDIFACT D96A" in page and PARTNER_GLN in page and RETAILER_GLN in page
    assert TradingPartner.objects.for_vendor(vendor).count() == 1


def test_an_edifact_file_at_the_top_of_the_inbox_belongs_to_the_vendor_of_its_unb_gln(vendor, partner, po, tmp_path, settings):
    from edi.tasks import edi_poll_inbox

    settings.EDI_INBOX_DIR = str(tmp_path)
    lines = [*accepted(po.lines.get(sequence=1)), *accepted(po.lines.get(sequence=2))]
    (tmp_path / "ordrsp.edifact").write_text(interchange_text(ordrsp(po, lines), reference="77"))

    assert edi_poll_inbox()["processed"] == ["ordrsp.edifact"]
    received = Interchange.objects.get(source=InterchangeSource.FOLDER)
    assert (received.vendor, received.syntax, received.status) == (vendor, Syntax.EDIFACT, InterchangeStatus.ACCEPTED)
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
