"""997 functional acknowledgments built for what we receive (and TA1), with the AK3/AK4 detail of
segment and element errors found by the set mappers."""

from datetime import date, datetime, time
from pathlib import Path

import pytest

from edi.x12 import (
    ElementNote,
    FunctionalAck,
    InterchangeAck,
    Partner,
    SegmentNote,
    SetAck,
    acknowledge,
    build_997,
    build_ta1,
    parse_interchange,
    write_document,
    write_interchange,
)

GOLDEN = Path(__file__).parent / "golden"
RETAILER = Partner("ZZ", "RETAILER")
VENDOR = Partner("ZZ", "ACMEHOME")


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode()


def write_ack(ack: FunctionalAck, control_number: int, created_at: datetime) -> str:
    return write_document(
        ack, sender=RETAILER, receiver=VENDOR, interchange_control_number=control_number, group_control_number=control_number, created_at=created_at
    )


def set_notes(text: str) -> list[tuple]:
    """(AK301, AK302, AK304, [(AK401, AK403)]) of the only set of the only group."""
    [ack] = acknowledge(parse_interchange(text))
    return [(n.segment_id, n.position, n.code, [(e.position, e.code) for e in n.elements]) for n in ack.sets[0].segments]


@pytest.mark.parametrize(
    ("name", "control_number", "created_at"),
    [
        ("855_garbage_segments", 951, datetime(2024, 3, 5, 9, 0)),
        ("856_bad_se_count", 952, datetime(2024, 3, 11, 15, 0)),
        ("810_bad_envelope", 953, datetime(2024, 3, 13, 11, 0)),
    ],
)
def test_rejecting_997_matches_the_golden_file(name, control_number, created_at):
    [ack] = acknowledge(parse_interchange(golden(f"{name}.edi")))
    assert write_ack(ack, control_number, created_at) == golden(f"{name}.997.edi")


def test_garbage_segments_keep_no_document_when_mandatory_data_is_unreadable():
    interchange = parse_interchange(golden("855_garbage_segments.edi"))
    assert interchange.transaction_sets[0].document is None  # PO102 "twelve" cannot become a quantity


@pytest.mark.parametrize(
    ("name", "ak9"),
    [
        ("850_retailer_po.edi", ("PO", "905", "A", 1, 1, 1)),
        ("810_invoice_and_credit.edi", ("IN", "418", "A", 2, 2, 2)),
        ("856_sotpi_pipe_caret_newline.edi", ("SH", "417", "A", 1, 1, 1)),
    ],
)
def test_accepting_997_for_clean_groups(name, ak9):
    [ack] = acknowledge(parse_interchange(golden(name)))
    assert (ack.functional_id_code, ack.group_control_number, ack.status, ack.included_count, ack.received_count, ack.accepted_count) == ak9
    assert all(s.status == "A" and s.segments == [] for s in ack.sets)


def test_a_997_is_never_acknowledged():
    assert acknowledge(parse_interchange(golden("997_from_vendor.edi"))) == []


def test_built_997_round_trips_including_a_component_position():
    ack = FunctionalAck(
        "SH",
        "417",
        "R",
        1,
        1,
        0,
        ["5"],
        [
            SetAck(
                "856",
                "0001",
                "R",
                ["5"],
                [
                    SegmentNote("MAN", 12, "8", elements=[ElementNote(2, "4", 1, "87", "0061414")]),
                ],
            )
        ],
    )
    text = write_ack(ack, 5, datetime(2024, 1, 1))
    assert "AK4*2>1*87*4*0061414~" in text
    [interchange] = [parse_interchange(text)]
    assert interchange.transaction_sets[0].document == ack


def test_empty_group_is_accepted_with_zero_counts():
    text = golden("850_retailer_po.edi")
    start, end = text.index("ST*850"), text.index("GE*1")
    interchange = parse_interchange(text[:start] + text[end:].replace("GE*1*", "GE*0*"))
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.included_count, ack.received_count, ack.accepted_count) == ("A", 0, 0, 0)


def test_build_997_can_reject_a_clean_group_on_request():
    group = parse_interchange(golden("850_retailer_po.edi")).groups[0]
    ack = build_997(group, reject_all=True)
    assert (ack.status, ack.accepted_count, ack.sets[0].status, ack.sets[0].error_codes) == ("R", 0, "R", [])


# --- AK3/AK4 from the set mappers -----------------------------------------------------------------


def test_missing_mandatory_segment_is_ak3_code_3_where_it_was_expected():
    text = golden("850_retailer_po.edi").replace("BEG*00*SA*4500012345**20240304~\n", "")
    text = text.replace("SE*24*0001~", "SE*23*0001~")
    assert set_notes(text) == [("BEG", 2, "3", [])]
    assert parse_interchange(text).transaction_sets[0].document is None


def test_missing_and_malformed_elements_are_ak4_with_their_position():
    text = golden("850_retailer_po.edi")
    text = text.replace("PO1*2*12*EA*8.75", "PO1*2**EA*8.7.5").replace("DTM*063*20240315", "DTM*063*20240230")
    assert set_notes(text) == [("DTM", 10, "8", [(2, "8")]), ("PO1", 19, "8", [(2, "1"), (4, "6")])]


def test_unpaired_product_id_qualifier_is_a_conditional_element_error():
    text = golden("850_retailer_po.edi").replace("*VN*AC-300~", "*VN~")
    assert set_notes(text) == [("PO1", 21, "8", [(9, "2")])]
    assert parse_interchange(text).transaction_sets[0].document is not None  # optional data only


def test_invalid_code_value_is_ak4_code_7():
    text = golden("855_po_ack.edi").replace("BAK*00*AC*", "BAK*00*QQ*")
    assert set_notes(text) == [("BAK", 2, "8", [(2, "7")])]


def test_856_hierarchy_errors():
    text = golden("856_sotpi.edi")
    orphan = text.replace("HL*3*2*T*1~", "HL*3*99*T*1~")  # parent HL 99 does not exist
    notes = set_notes(orphan)
    assert notes[0] == ("HL", 18, "7", [])
    bad_level = text.replace("HL*3*2*T*1~", "HL*3*2*X*1~")
    assert set_notes(bad_level)[0] == ("HL", 18, "8", [(3, "7")])
    item_under_shipment = text.replace("HL*2*1*O*1~", "HL*2*1*I*1~")
    assert set_notes(item_under_shipment)[0] == ("HL", 16, "7", [])


def test_856_carton_without_its_sscc_is_a_missing_man():
    text = golden("856_sotpi.edi").replace("MAN*GM*006141410000000029~\n", "").replace("SE*46*", "SE*45*")
    assert set_notes(text) == [("MAN", 26, "3", [])]  # where the carton's first item HL now sits


def test_855_ack_without_a_line():
    text = golden("855_po_ack.edi").replace("REF*IA*VEND01~", "ACK*IA*1*EA~")
    assert set_notes(text) == [("ACK", 3, "7", [])]


# --- TA1 ----------------------------------------------------------------------------------------------


def test_ta1_accepts_a_clean_interchange_and_round_trips():
    interchange = parse_interchange(golden("856_sotpi.edi"))
    ta1 = build_ta1(interchange)
    assert ta1 == InterchangeAck("000000417", date(2024, 3, 11), time(14, 30), "A", "000")
    text = write_interchange(
        sender=RETAILER, receiver=VENDOR, control_number=960, groups=[], created_at=datetime(2024, 3, 11, 15, 0), interchange_acks=[ta1]
    )
    assert "TA1*000000417*240311*1430*A*000~\nIEA*0*000000960~" in text
    parsed = parse_interchange(text)
    assert parsed.problems == [] and parsed.interchange_acks == [ta1]


def test_incoming_997_without_ak5_is_flagged():
    text = golden("997_from_vendor.edi").replace("AK5*A~\n", "").replace("SE*10*0001~", "SE*9*0001~")
    interchange = parse_interchange(text)
    assert [(p.code, p.segment_id, p.segment_position) for p in interchange.problems] == [("3", "AK5", 4)]
    assert interchange.transaction_sets[0].document is None
