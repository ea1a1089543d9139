"""Tokenizer and envelope checks: delimiters from the ISA, control counts and numbers, bad input.

Whatever the input, parse_interchange returns an Interchange with its problems listed; it never raises.
"""

import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from edi.x12 import (
    Delimiters,
    DocumentGroup,
    Invoice,
    InvoiceLine,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    acknowledge,
    build_ta1,
    parse_interchange,
    write_document,
    write_interchange,
)
from edi.x12.core import INTERNAL_ERROR

GOLDEN = Path(__file__).parent / "golden"
RETAILER = Partner("ZZ", "RETAILER")
VENDOR = Partner("ZZ", "ACMEHOME")


def golden(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode()


def codes(problems, level: str) -> list[str]:
    return [p.code for p in problems if p.level == level]


def write_997s(interchange) -> list[str]:
    return [
        write_document(ack, sender=RETAILER, receiver=VENDOR, interchange_control_number=99, group_control_number=99, created_at=datetime(2024, 1, 1))
        for ack in acknowledge(interchange)
    ]


# --- delimiters ----------------------------------------------------------------------------------------


def test_delimiters_come_from_the_fixed_width_isa():
    interchange = parse_interchange(golden("856_sotpi_pipe_caret_newline.edi"))
    assert interchange.problems == []
    assert interchange.delimiters == Delimiters(element="|", component="^", segment="\n")
    [star_delimited] = parse_interchange(golden("856_sotpi.edi")).transaction_sets
    assert interchange.transaction_sets[0].document == star_delimited.document


def test_isa_header_fields_are_read_without_their_padding():
    interchange = parse_interchange(golden("856_sotpi.edi"))
    assert (interchange.sender_qualifier, interchange.sender_id) == ("ZZ", "ACMEHOME")
    assert (interchange.receiver_qualifier, interchange.receiver_id) == ("ZZ", "RETAILER")
    assert interchange.control_number == "000000417"
    assert interchange.date == date(2024, 3, 11) and interchange.version == "00401"
    assert interchange.usage_indicator == "P" and interchange.ack_requested is False
    group = interchange.groups[0]
    assert (group.functional_id_code, group.control_number, group.version) == ("SH", "417", "004010")


@pytest.mark.parametrize(
    "variant",
    [
        lambda text: text.replace("~\n", "~\r\n"),
        lambda text: text.replace("~\n", "~"),
        lambda text: "\ufeff\r\n  " + text + "\r\n\r\n",
        lambda text: text.replace("~\n", "~\n\n"),
    ],
    ids=["crlf", "one-line", "bom-and-blank-lines", "blank-line-between-segments"],
)
def test_line_breaks_and_blank_lines_around_terminators_are_tolerated(variant):
    interchange = parse_interchange(variant(golden("850_retailer_po.edi")))
    assert interchange.problems == []
    assert interchange.transaction_sets[0].document.po_number == "4500012345"


def test_newline_terminated_interchange_with_crlf_line_ends():
    interchange = parse_interchange(golden("856_sotpi_pipe_caret_newline.edi").replace("\n", "\r\n"))
    assert interchange.problems == []


def test_bytes_that_are_not_utf8_are_still_read():
    text = golden("850_retailer_po.edi").replace("Pat Buyer", "Ren\xe9 Buyer")
    interchange = parse_interchange(text.encode("latin-1"))
    assert interchange.problems == []
    assert interchange.transaction_sets[0].document.contacts[0].name == "Ren\xe9 Buyer"


# --- control counts and numbers ------------------------------------------------------------------------


def test_bad_se_count_rejects_the_set_but_keeps_the_document_readable():
    interchange = parse_interchange(golden("856_bad_se_count.edi"))
    [problem] = interchange.problems
    assert (problem.level, problem.code, problem.set_control_number) == ("set", "4", "0001")
    assert "SE01 says 44" in problem.message
    ts = interchange.transaction_sets[0]
    assert not ts.accepted and ts.document is not None
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.sets[0].status, ack.sets[0].error_codes) == ("R", "R", ["4"])


def test_se02_different_from_st02():
    text = golden("850_retailer_po.edi").replace("SE*24*0001~", "SE*24*0002~")
    interchange = parse_interchange(text)
    assert codes(interchange.problems, "set") == ["3"]
    [ack] = acknowledge(interchange)
    assert (ack.sets[0].status, ack.sets[0].error_codes, ack.status) == ("R", ["3"], "R")


def test_one_bad_set_of_two_partially_accepts_the_group():
    text = golden("810_invoice_and_credit.edi").replace("SE*8*0002~", "SE*9*0002~")
    [ack] = acknowledge(parse_interchange(text))
    assert [(s.control_number, s.status, s.error_codes) for s in ack.sets] == [("0001", "A", []), ("0002", "R", ["4"])]
    assert (ack.status, ack.included_count, ack.received_count, ack.accepted_count) == ("P", 2, 2, 1)


def test_ge_count_and_control_number_mismatch_reject_the_group():
    interchange = parse_interchange(golden("810_bad_envelope.edi"))
    assert codes(interchange.problems, "group") == ["5", "4"]
    assert codes(interchange.problems, "set") == ["3"]
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.included_count, ack.received_count, ack.accepted_count, ack.error_codes) == ("R", 3, 2, 0, ["5", "4"])
    assert [s.status for s in ack.sets] == ["R", "R"]


@pytest.mark.parametrize(("iea", "note"), [("IEA*2*000000417~", "021"), ("IEA*1*000000418~", "001")])
def test_iea_mismatch_is_an_interchange_problem_that_rejects_every_group(iea, note):
    interchange = parse_interchange(golden("856_sotpi.edi").replace("IEA*1*000000417~", iea))
    assert codes(interchange.problems, "interchange") == [note]
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.accepted_count, ack.sets[0].status) == ("R", 0, "R")
    ta1 = build_ta1(interchange)
    assert (ta1.control_number, ta1.status, ta1.note_code) == ("000000417", "R", note)


def test_an_interchange_cut_off_mid_set_misses_every_trailer():
    text = golden("856_sotpi.edi")
    interchange = parse_interchange(text[: text.index("HL*8*2*P")])
    assert [(p.level, p.code) for p in interchange.problems] == [("interchange", "023"), ("group", "3"), ("set", "2")]
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.error_codes, ack.sets[0].error_codes) == ("R", ["3"], ["2"])


def test_a_set_without_se_is_closed_by_the_next_st():
    text = golden("810_invoice_and_credit.edi").replace("SE*23*0001~\n", "")
    interchange = parse_interchange(text)
    assert codes(interchange.problems, "set") == ["2"]
    assert len(interchange.transaction_sets) == 2
    assert interchange.transaction_sets[1].accepted


def test_duplicate_st02_in_a_group():
    text = golden("810_invoice_and_credit.edi").replace("*0002~", "*0001~")
    assert codes(parse_interchange(text).problems, "set") == ["23"]


def test_unsupported_set_and_set_in_the_wrong_group():
    text = golden("810_invoice_and_credit.edi")
    unsupported = parse_interchange(text.replace("ST*810*0002~", "ST*860*0002~"))
    assert codes(unsupported.problems, "set") == ["1"]
    assert unsupported.transaction_sets[1].document is None
    misplaced = parse_interchange(text.replace("ST*810*0002~", "ST*856*0002~"))
    assert codes(misplaced.problems, "set") == ["6"]
    [ack] = acknowledge(misplaced)
    assert ack.status == "P"


def test_unsupported_functional_group_and_version():
    text = golden("850_retailer_po.edi").replace("GS*PO*", "GS*QM*").replace("*X*004010~", "*X*005010~")
    assert codes(parse_interchange(text).problems, "group") == ["1", "2"]


# --- garbage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "",
        "   \r\n",
        "hello, world",
        "ISA",
        "ISA*00*",
        "<?xml version='1.0'?><x/>",
        b"\x00\xff\xfe\x00garbage",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "ISA0000000000000000000",
        "UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+240101:1200+1'",
    ],
    ids=["empty", "whitespace", "text", "isa-only", "isa-cut", "xml", "binary", "pdf", "no-separator", "edifact"],
)
def test_garbage_is_reported_never_raised(data):
    interchange = parse_interchange(data)
    assert interchange.problems and interchange.groups == []
    assert all(p.level == "interchange" for p in interchange.problems)
    assert acknowledge(interchange) == []
    assert build_ta1(interchange) is None


def test_isa_cut_off_mid_segment():
    text = golden("850_retailer_po.edi")[:60]
    [problem] = parse_interchange(text).problems
    assert (problem.code, problem.message) == ("023", "the ISA segment is truncated")


def test_isa_without_its_padding_is_read_by_its_separators_and_rejected():
    text = golden("850_retailer_po.edi").replace("RETAILER       ", "RETAILER").replace("          ", "")
    interchange = parse_interchange(text)
    assert codes(interchange.problems, "interchange") == ["011", "013", "006"]
    assert interchange.sender_id == "RETAILER"
    assert interchange.transaction_sets[0].document.po_number == "4500012345"  # the content is still readable
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.sets[0].status) == ("R", "R")
    assert build_ta1(interchange).note_code == "011"


def test_alphanumeric_segment_terminator_is_refused():
    text = golden("850_retailer_po.edi")
    text = text[:105] + "X" + text[106:]
    [problem] = parse_interchange(text).problems
    assert problem.code == "004"


def test_garbage_segments_inside_a_set_reject_it():
    text = golden("850_retailer_po.edi").replace("CUR*BY*USD~", "CUR*BY*USD~\n#### line noise ####~\nx~")
    text = text.replace("SE*24*0001~", "SE*26*0001~")
    interchange = parse_interchange(text)
    problems = [(p.level, p.code, p.segment_id, p.segment_position) for p in interchange.problems]
    assert problems == [("segment", "1", "UNK", 4), ("segment", "1", "X", 5)]
    [ack] = acknowledge(interchange)
    assert (ack.status, ack.sets[0].error_codes) == ("R", ["5"])
    assert [(n.segment_id, n.position, n.code) for n in ack.sets[0].segments] == [("UNK", 4, "1"), ("X", 5, "1")]


def test_stray_segment_between_sets_rejects_the_group():
    text = golden("810_invoice_and_credit.edi").replace("ST*810*0002~", "NTE*GEN*hello~\nST*810*0002~")
    interchange = parse_interchange(text)
    [problem] = interchange.problems
    assert problem.level == "group" and "NTE" in problem.message
    [ack] = acknowledge(interchange)
    assert ack.status == "R"


def test_st_outside_a_group_and_data_after_iea():
    text = golden("850_retailer_po.edi")
    orphan = text.replace("GS*PO*RETAILER*ACMEHOME*20240304*1030*905*X*004010~\n", "")
    orphan_problems = parse_interchange(orphan).problems
    assert ("interchange", "024") in [(p.level, p.code) for p in orphan_problems]
    trailing = parse_interchange(text + "ISA*00*trailing~")
    assert codes(trailing.problems, "interchange") == ["024"]


# --- the whole parser against random damage -------------------------------------------------------------


def mutations(text: str, rng: random.Random):
    for _ in range(150):
        choice = rng.randrange(5)
        at = rng.randrange(len(text))
        if choice == 0:
            yield text[:at]
        elif choice == 1:
            yield text[:at] + text[at + 1 :]
        elif choice == 2:
            yield text[:at] + rng.choice("*>~|^\n\r 0A@") + text[at:]
        elif choice == 3:
            segments = text.split("~")
            i, j = rng.randrange(len(segments)), rng.randrange(len(segments))
            segments[i], segments[j] = segments[j], segments[i]
            yield "~".join(segments)
        else:
            yield bytes(rng.randrange(256) if rng.random() < 0.05 else b for b in text.encode())


@pytest.mark.parametrize("name", sorted(path.name for path in GOLDEN.glob("*.edi")))
def test_random_damage_never_raises_and_always_yields_a_writable_997(name):
    rng = random.Random(name)
    for damaged in mutations(golden(name), rng):
        interchange = parse_interchange(damaged)
        assert not any(INTERNAL_ERROR in p.message for p in interchange.problems), interchange.problems
        write_997s(interchange)


# --- writer guards ---------------------------------------------------------------------------------


def purchase_order(**changes) -> PurchaseOrder:
    fields = dict(po_number="PO-1", po_date=date(2024, 1, 2), lines=[PurchaseOrderLine("1", 1, "EA")])
    return PurchaseOrder(**(fields | changes))


def write(document, **options) -> str:
    return write_document(
        document, sender=RETAILER, receiver=VENDOR, interchange_control_number=1, group_control_number=1, created_at=datetime(2024, 1, 2), **options
    )


def test_writer_counts_segments_sets_and_groups():
    text = write_interchange(
        sender=RETAILER,
        receiver=VENDOR,
        control_number=123456789,
        created_at=datetime(2024, 1, 2, 3, 4),
        groups=[
            DocumentGroup(41, [purchase_order(), purchase_order(po_number="PO-2")], first_set_control_number=7),
            DocumentGroup(42, [purchase_order(po_number="PO-3")]),
        ],
    )
    assert "ST*850*0007~\n" in text and "SE*5*0008~\n" in text and "GE*2*41~\n" in text and "GE*1*42~\n" in text
    assert text.endswith("IEA*2*123456789~\n")
    interchange = parse_interchange(text)
    assert interchange.problems == []
    assert [ts.document.po_number for ts in interchange.transaction_sets] == ["PO-1", "PO-2", "PO-3"]


def test_writer_refuses_data_containing_a_delimiter():
    with pytest.raises(ValueError, match="delimiter"):
        write(purchase_order(po_number="PO*1"))
    with pytest.raises(ValueError, match="delimiter"):
        write(purchase_order(po_number="PO|1"), delimiters=Delimiters("|", "^", "\n"))


def test_writer_refuses_to_round_amounts_into_implied_decimals():
    invoice = Invoice(
        invoice_number="I-1", invoice_date=date(2024, 1, 2), total_amount=Decimal("10.005"), lines=[InvoiceLine("1", 1, "EA", Decimal("10.005"))]
    )
    with pytest.raises(ValueError, match="decimal places"):
        write(invoice)


@pytest.mark.parametrize("control_number", [0, 10**9])
def test_writer_refuses_control_numbers_out_of_range(control_number):
    with pytest.raises(ValueError):
        write_document(
            purchase_order(),
            sender=RETAILER,
            receiver=VENDOR,
            interchange_control_number=control_number,
            group_control_number=1,
            created_at=datetime(2024, 1, 2),
        )


def test_writer_refuses_mixed_groups_bad_ids_and_bad_delimiters():
    invoice = Invoice(invoice_number="I-1", invoice_date=date(2024, 1, 2), total_amount=Decimal("1"), lines=[InvoiceLine("1", 1, "EA", Decimal("1"))])
    with pytest.raises(ValueError, match="one kind"):
        write_interchange(
            sender=RETAILER,
            receiver=VENDOR,
            control_number=1,
            created_at=datetime(2024, 1, 2),
            groups=[DocumentGroup(1, [purchase_order(), invoice])],
        )
    with pytest.raises(ValueError, match="15"):
        write_document(
            purchase_order(),
            sender=Partner("ZZ", "A-SENDER-ID-TOO-LONG"),
            receiver=VENDOR,
            interchange_control_number=1,
            group_control_number=1,
            created_at=datetime(2024, 1, 2),
        )
    with pytest.raises(ValueError, match="differ"):
        write(purchase_order(), delimiters=Delimiters("*", "*", "~"))
    with pytest.raises(TypeError):
        write("not a document")
