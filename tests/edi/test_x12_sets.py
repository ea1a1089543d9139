"""Golden files of each transaction set parse into the expected documents, and the writer round-trips.

The golden files are written by hand in the shapes of public X12 004010 implementation guide samples:
- 850: a retailer's stand-alone order as vendor-central guides show it (BEG*00*SA, CUR*BY, REF*IA, FOB,
  DTM 037/038 ship window and 064/063 delivery window, N1*ST with the DC code under qualifier 92,
  PO1 with BP = the retailer's catalogue ID (ASIN), VN, UP/EN, PO4 pack, CTT with the hash total).
- 855: the guide example of one acknowledgment carrying every line status: IA with ACK04 068, an
  IA + IB split of one line, and IR with its reason in ACK29.
- 856: the classic pick-and-pack (structure 0001) example of the VICS/GS1 US 856 guides: S with
  TD1/TD5/REF BM+CN/DTM 011+017/N1 ST+SF, O with PRF, T (pallet) and P (carton) with MAN*GM SSCC-18,
  I with LIN and SN1; plus a carton straight under O (no pallet) and a mixed carton of a second PO.
- 810: a retailer guide's invoice (BIG, CUR*SE, N1 RI/BT/ST/SF, ITD 2% 10 net 30, IT1 with TXI and
  PID, TDS in cents, summary TXI, SAC D240 freight and C310 allowance, CTT) and a credit memo (BIG07 CR)
  in the same group.
- 820: an ACH CCP remittance (BPR with both bank accounts, TRN, N1 PR/PE, ENT with a deduction not
  tied to an invoice, RMR IV/CM with DTM 003 and an ADX deduction).
The SSCCs and UPCs carry valid GS1 check digits (company prefix 0614141, GS1's own example).
"""

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from edi.x12 import (
    Adjustment,
    AllowanceCharge,
    BankAccount,
    Carton,
    Contact,
    Delimiters,
    DocumentGroup,
    ElementNote,
    Fob,
    FunctionalAck,
    Invoice,
    InvoiceLine,
    LineAck,
    Pallet,
    Partner,
    Party,
    PaymentTerms,
    PurchaseOrder,
    PurchaseOrderAck,
    PurchaseOrderAckLine,
    PurchaseOrderLine,
    Remittance,
    RemittedInvoice,
    SegmentNote,
    SetAck,
    Shipment,
    ShipmentItem,
    ShipmentOrder,
    Tax,
    parse_interchange,
    write_document,
    write_interchange,
)

GOLDEN = Path(__file__).parent / "golden"
RETAILER = Partner("ZZ", "RETAILER")
VENDOR = Partner("ZZ", "ACMEHOME")


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode()  # not read_text(): it would turn CRLF into LF


def documents(text: str) -> list[object]:
    interchange = parse_interchange(text)
    assert interchange.problems == []
    return [ts.document for ts in interchange.transaction_sets]


def round_trip(document, **options) -> object:
    text = write_document(
        document,
        sender=RETAILER,
        receiver=VENDOR,
        interchange_control_number=7,
        group_control_number=7,
        created_at=datetime(2024, 5, 6, 7, 8),
        **options,
    )
    [parsed] = documents(text)
    return parsed


def dc4() -> Party:
    return Party("ST", "Retailer DC 4", "92", "DC04", ["100 Dock Road"], "Reno", "NV", "89502", "US")


def expected_850() -> PurchaseOrder:
    return PurchaseOrder(
        po_number="4500012345",
        po_date=date(2024, 3, 4),
        purpose="00",
        order_type="SA",
        currency="USD",
        references={"IA": "VEND01"},
        contacts=[Contact("BD", "Pat Buyer", phone="2065550100", email="pat.buyer@retailer.example")],
        fob=Fob("CC", "OR", "Dayton OH"),
        ship_not_before=date(2024, 3, 8),
        ship_not_after=date(2024, 3, 11),
        deliver_not_before=date(2024, 3, 13),
        deliver_not_after=date(2024, 3, 15),
        parties=[Party("BY", "Retailer Inc", "92", "RTL"), dc4(), Party("VN", "Acme Home Goods", "92", "ACME")],
        lines=[
            PurchaseOrderLine(
                "1",
                24,
                "EA",
                Decimal("12.50"),
                "NT",
                {"BP": "B00EXAMPLE", "VN": "AC-100", "UP": "614141000012"},
                description="Widget, stainless",
                pack_size=6,
            ),
            PurchaseOrderLine("2", 12, "EA", Decimal("8.75"), "NT", {"BP": "B00EXAMPL2", "VN": "AC-200", "EN": "4006381333931"}, pack_size=12),
            PurchaseOrderLine("3", 2, "CA", Decimal("50.40"), "NT", {"BP": "B00EXAMPL3", "VN": "AC-300"}, pack_size=12),
        ],
    )


def expected_855() -> PurchaseOrderAck:
    return PurchaseOrderAck(
        po_number="4500012345",
        po_date=date(2024, 3, 4),
        ack_type="AC",
        purpose="00",
        seller_reference="ACK-7781",
        acknowledged_on=date(2024, 3, 5),
        references={"IA": "VEND01"},
        parties=[Party("SF", "Acme Home Goods", "92", "ACME")],
        lines=[
            PurchaseOrderAckLine(
                "1", 24, "EA", Decimal("12.5"), "NT", {"BP": "B00EXAMPLE", "VN": "AC-100"}, [LineAck("IA", 24, "EA", "068", date(2024, 3, 11))]
            ),
            PurchaseOrderAckLine(
                "2",
                12,
                "EA",
                Decimal("8.75"),
                "NT",
                {"BP": "B00EXAMPL2", "VN": "AC-200"},
                [LineAck("IA", 6, "EA", "068", date(2024, 3, 11)), LineAck("IB", 6, "EA", "068", date(2024, 3, 25))],
            ),
            PurchaseOrderAckLine(
                "3", 10, "EA", Decimal("4.2"), "NT", {"BP": "B00EXAMPL3", "VN": "AC-300"}, [LineAck("IR", 10, "EA", reason_code="R2")]
            ),
        ],
    )


def widget(quantity: int, line: str = "1") -> ShipmentItem:
    return ShipmentItem({"UP": "614141000012", "VN": "AC-100"}, quantity, "EA", line)


def expected_856() -> Shipment:
    return Shipment(
        shipment_id="ASN-20240311-01",
        shipment_date=date(2024, 3, 11),
        shipment_time=time(14, 30),
        purpose="00",
        structure_code="0001",
        packaging_code="CTN25",
        lading_quantity=4,
        gross_weight=Decimal("61.5"),
        weight_uom="LB",
        carrier_scac="ODFL",
        transport_method="M",
        bill_of_lading="BOL-778812",
        pro_number="PRO-5521904",
        shipped_date=date(2024, 3, 11),
        estimated_delivery=date(2024, 3, 14),
        parties=[dc4(), Party("SF", "Acme Home Goods", "92", "ACME", ["1 Factory Lane", "Building 2"], "Dayton", "OH", "45402", "US")],
        orders=[
            ShipmentOrder(
                po_number="4500012345",
                po_date=date(2024, 3, 4),
                pallets=[
                    Pallet(
                        "106141410000000019",
                        cartons=[
                            Carton("006141410000000012", [widget(12)]),
                            Carton("006141410000000029", [widget(12)]),
                        ],
                    )
                ],
                cartons=[Carton("006141410000000036", [ShipmentItem({"UP": "614141000029", "VN": "AC-200"}, 6, "EA", "2")])],
            ),
            ShipmentOrder(
                po_number="4500012399",
                po_date=date(2024, 3, 5),
                cartons=[
                    Carton(
                        "006141410000000043",
                        [
                            ShipmentItem({"UP": "614141000036", "VN": "AC-300"}, 4, "EA", "1"),
                            widget(2, "2"),
                        ],
                    )
                ],
            ),
        ],
    )


def expected_810s() -> list[Invoice]:
    remit_to = Party("RI", "Acme Home Goods", "92", "ACME", ["PO Box 4410"], "Dayton", "OH", "45401", "US")
    invoice = Invoice(
        invoice_number="INV-10077",
        invoice_date=date(2024, 3, 12),
        total_amount=Decimal("388.65"),
        po_number="4500012345",
        po_date=date(2024, 3, 4),
        currency="USD",
        references={"IA": "VEND01"},
        parties=[
            remit_to,
            Party("BT", "Retailer Inc", "92", "RTL"),
            Party("ST", "Retailer DC 4", "92", "DC04"),
            Party("SF", "Acme Home Goods", "92", "ACME"),
        ],
        terms=PaymentTerms("08", "3", discount_percent=Decimal("2"), discount_days=10, net_days=30),
        shipped_date=date(2024, 3, 11),
        lines=[
            InvoiceLine(
                "1",
                24,
                "EA",
                Decimal("12.50"),
                "NT",
                {"BP": "B00EXAMPLE", "VN": "AC-100", "UP": "614141000012"},
                description="Widget, stainless",
                taxes=[Tax("ST", Decimal("18.00"), Decimal("6"))],
            ),
            InvoiceLine(
                "2",
                6,
                "EA",
                Decimal("8.75"),
                "NT",
                {"BP": "B00EXAMPL2", "VN": "AC-200", "UP": "614141000029"},
                taxes=[Tax("ST", Decimal("3.15"), Decimal("6"))],
            ),
        ],
        taxes=[Tax("ST", Decimal("21.15"), Decimal("6"))],
        allowances_charges=[AllowanceCharge("C", "D240", Decimal("25.00")), AllowanceCharge("A", "C310", Decimal("10.00"), "Promotional allowance")],
    )
    credit = Invoice(
        invoice_number="CM-2001",
        invoice_date=date(2024, 3, 13),
        total_amount=Decimal("25.00"),
        po_number="4500012345",
        po_date=date(2024, 3, 4),
        invoice_type="CR",
        currency="USD",
        parties=[Party("RI", "Acme Home Goods", "92", "ACME")],
        lines=[InvoiceLine("1", 2, "EA", Decimal("12.50"), "NT", {"BP": "B00EXAMPLE", "VN": "AC-100"})],
    )
    return [invoice, credit]


def expected_820() -> Remittance:
    return Remittance(
        trace_number="EFT-000778812",
        payment_amount=Decimal("453.10"),
        payment_date=date(2024, 4, 15),
        payment_method="ACH",
        handling_code="C",
        credit_debit="C",
        payment_format="CCP",
        originating_account=BankAccount("01", "021000021", "DA", "123456789"),
        receiving_account=BankAccount("01", "071000013", "DA", "9876543210"),
        originator_id="1123456789",
        currency="USD",
        parties=[
            Party("PR", "Retailer Inc", "92", "RTL"),
            Party("PE", "Acme Home Goods", "92", "ACME", ["PO Box 4410"], "Dayton", "OH", "45401", "US"),
        ],
        invoices=[
            RemittedInvoice(
                "INV-10077",
                Decimal("373.10"),
                Decimal("388.65"),
                Decimal("7.05"),
                "IV",
                date(2024, 3, 12),
                [Adjustment(Decimal("-8.50"), "06", "ZZ", "DM-5531")],
            ),
            RemittedInvoice("INV-10080", Decimal("120.00"), Decimal("120.00"), None, "IV", date(2024, 3, 20)),
            RemittedInvoice("CM-2001", Decimal("-25.00"), Decimal("-25.00"), None, "CM", date(2024, 3, 13)),
        ],
        adjustments=[Adjustment(Decimal("-15.00"), "04", "ZZ", "DM-5530")],
    )


def expected_997() -> FunctionalAck:
    return FunctionalAck(
        functional_id_code="PO",
        group_control_number="905",
        status="P",
        included_count=2,
        received_count=2,
        accepted_count=1,
        sets=[
            SetAck("850", "0001", "A"),
            SetAck("850", "0002", "R", ["5"], [SegmentNote("PO1", 14, "8", elements=[ElementNote(2, "6", None, "330", "2X4")])]),
        ],
    )


# --- golden files parse into the expected documents -----------------------------------------------


def test_850_golden_parses_into_the_purchase_order():
    assert documents(golden("850_retailer_po.edi")) == [expected_850()]


def test_855_golden_parses_line_statuses_and_crlf_line_ends():
    assert "\r\n" in golden("855_po_ack.edi")
    [ack] = documents(golden("855_po_ack.edi"))
    assert ack == expected_855()
    split_line = ack.lines[1]
    assert split_line.quantity_with_status("IA") == 6
    assert split_line.quantity_with_status("IB") == 6
    assert ack.lines[2].acks[0].reason_code == "R2"


def test_856_golden_parses_the_sotpi_hierarchy():
    [shipment] = documents(golden("856_sotpi.edi"))
    assert shipment == expected_856()
    first_order = shipment.orders[0]
    assert [c.sscc for c in first_order.all_cartons()] == ["006141410000000012", "006141410000000029", "006141410000000036"]
    assert sum(item.quantity for item in first_order.all_items()) == 30


def test_810_golden_parses_an_invoice_and_a_credit_memo_from_one_group():
    invoice, credit = documents(golden("810_invoice_and_credit.edi"))
    assert [invoice, credit] == expected_810s()
    assert credit.is_credit_note and not invoice.is_credit_note
    items = sum(line.amount for line in invoice.lines)
    charges = sum(charge.signed_amount for charge in invoice.allowances_charges)
    assert items + charges + sum(tax.amount for tax in invoice.taxes) == invoice.total_amount
    assert sum(tax.amount for line in invoice.lines for tax in line.taxes) == invoice.taxes[0].amount


def test_820_golden_parses_payment_invoices_and_deductions():
    [remittance] = documents(golden("820_remittance.edi"))
    assert remittance == expected_820()
    total = sum(i.amount_paid for i in remittance.invoices) + sum(a.amount for a in remittance.adjustments)
    assert total == remittance.payment_amount


def test_997_golden_parses_into_the_functional_ack():
    [ack] = documents(golden("997_from_vendor.edi"))
    assert ack == expected_997()
    assert not ack.accepted
    assert ack.set_ack("0001").accepted and not ack.set_ack("0002").accepted


def test_party_lookup_by_entity_code():
    [shipment] = documents(golden("856_sotpi.edi"))
    assert shipment.party("ST").id_code == "DC04"
    assert shipment.party("BY") is None


# --- the writer --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sender", "receiver"),
    [
        ("850_retailer_po.edi", RETAILER, VENDOR),
        ("820_remittance.edi", RETAILER, VENDOR),
        ("856_sotpi.edi", VENDOR, RETAILER),
        ("810_invoice_and_credit.edi", VENDOR, RETAILER),
        ("997_from_vendor.edi", VENDOR, RETAILER),
    ],
)
def test_writer_reproduces_the_hand_written_golden_file(name, sender, receiver):
    interchange = parse_interchange(golden(name))
    group = interchange.groups[0]
    text = write_interchange(
        sender=sender,
        receiver=receiver,
        control_number=int(interchange.control_number),
        groups=[DocumentGroup(int(group.control_number), [ts.document for ts in group.transaction_sets])],
        created_at=datetime.combine(group.date, group.time),
    )
    assert text == golden(name)


@pytest.mark.parametrize(
    "document",
    [
        expected_850(),
        expected_855(),
        expected_856(),
        *expected_810s(),
        expected_820(),
        expected_997(),
    ],
    ids=["850", "855", "856", "810", "810-credit", "820", "997"],
)
def test_round_trip(document):
    assert round_trip(document) == document


def test_round_trip_of_an_856_with_items_under_pallet_and_order_and_a_carton_tracking_number():
    shipment = replace(
        expected_856(),
        purpose="05",
        shipment_time=time(9, 5, 30),
        orders=[
            ShipmentOrder(
                po_number="PO-9",
                pallets=[Pallet("106141410000000026", items=[widget(120)])],
                cartons=[Carton("006141410000000050", [widget(3)], tracking_number="1Z999AA10123456784")],
                items=[widget(1, "2")],
            )
        ],
    )
    assert round_trip(shipment) == shipment


def test_round_trip_of_a_minimal_purchase_order():
    po = PurchaseOrder(po_number="1", po_date=date(2024, 1, 2), lines=[PurchaseOrderLine("1", 1, "EA")])
    assert round_trip(po) == po


def test_round_trip_of_a_check_remittance_without_bank_accounts():
    remittance = Remittance(
        trace_number="CHK-1001",
        payment_amount=Decimal("99.99"),
        payment_date=date(2024, 2, 1),
        payment_method="CHK",
        invoices=[RemittedInvoice("INV-1", Decimal("99.99"))],
    )
    text = write_document(
        remittance, sender=RETAILER, receiver=VENDOR, interchange_control_number=1, group_control_number=1, created_at=datetime(2024, 2, 1)
    )
    assert "BPR*C*99.99*C*CHK************20240201~" in text
    assert round_trip(remittance) == remittance


@pytest.mark.parametrize(
    "delimiters",
    [
        Delimiters("|", "^", "\n"),
        Delimiters("^", ":", "'"),
        Delimiters("\x1d", "\x1f", "\x1e"),
    ],
    ids=["pipe-caret-newline", "caret-colon-quote", "control-characters"],
)
def test_round_trip_with_non_default_delimiters(delimiters):
    shipment = expected_856()
    assert round_trip(shipment, delimiters=delimiters) == shipment


def test_writer_output_without_line_breaks_is_one_line():
    text = write_document(
        expected_850(),
        sender=RETAILER,
        receiver=VENDOR,
        interchange_control_number=1,
        group_control_number=1,
        created_at=datetime(2024, 3, 4),
        newline=False,
    )
    assert "\n" not in text
    assert documents(text) == [expected_850()]


def test_pallet_and_carton_weights_and_dimensions_are_written_as_td1_and_mea_and_read_back():
    carton = Carton(
        "006141410000000050",
        [ShipmentItem({"UP": "614141000012"}, 6, "EA", "1")],
        weight=Decimal("15.5"),
        weight_uom="LB",
        length=Decimal("16"),
        width=Decimal("12"),
        height=Decimal("10.5"),
        dimension_uom="IN",
    )
    pallet = Pallet(
        "106141410000000026",
        cartons=[carton],
        weight=Decimal("72.4"),
        weight_uom="KG",
        length=Decimal("120"),
        width=Decimal("80"),
        height=Decimal("95"),
        dimension_uom="CM",
    )
    shipment = replace(expected_856(), orders=[ShipmentOrder(po_number="PO-9", pallets=[pallet])])

    text = write_document(
        shipment, sender=VENDOR, receiver=RETAILER, interchange_control_number=8, group_control_number=8, created_at=datetime(2024, 5, 6, 7, 8)
    )

    assert "TD1******G*72.4*KG~" in text and "MEA*PD*LN*120*CM~" in text and "MEA*PD*HT*95*CM~" in text
    assert "TD1******G*15.5*LB~" in text and "MEA*PD*WD*12*IN~" in text and "MEA*PD*HT*10.5*IN~" in text
    assert round_trip(shipment) == shipment


def test_a_weight_given_as_mea_g_counts_when_there_is_no_td1():
    text = golden("856_sotpi.edi").replace("MAN*GM*006141410000000012~", "MEA*PD*G*12.25*LB~\nMAN*GM*006141410000000012~").replace("SE*46*", "SE*47*")
    [shipment] = documents(text)
    carton = shipment.orders[0].pallets[0].cartons[0]
    assert (carton.weight, carton.weight_uom) == (Decimal("12.25"), "LB")
    assert shipment.orders[0].pallets[0].cartons[1].weight is None
