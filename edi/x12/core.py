"""X12 interchange tokenizer, envelope validation and writer.

`parse_envelope` splits an interchange into functional groups and transaction sets and files every
fault it finds as a `Problem`; it never raises for bad input. `render_interchange` is the inverse for
sets whose body segments are already built. Mapping bodies to documents lives in the set modules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

from edi.x12.codes import GroupError, InterchangeNote, SegmentError, SetError

ISA_LENGTH = 106
# Widths of ISA01..ISA16: the ISA is fixed width, which is how a reader finds the delimiters.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_SEPARATOR_POSITIONS = tuple(3 + sum(w + 1 for w in ISA_WIDTHS[:i]) for i in range(16))
ISA_TERMINATOR_POSITION = ISA_SEPARATOR_POSITIONS[-1] + 2  # 105

# The TA1 note code that reports a bad value in each ISA element.
_ISA_ELEMENT_NOTES = {
    1: InterchangeNote.INVALID_AUTHORIZATION_QUALIFIER,
    2: InterchangeNote.INVALID_AUTHORIZATION_VALUE,
    3: InterchangeNote.INVALID_SECURITY_QUALIFIER,
    4: InterchangeNote.INVALID_SECURITY_VALUE,
    5: InterchangeNote.INVALID_SENDER_QUALIFIER,
    6: InterchangeNote.INVALID_SENDER_ID,
    7: InterchangeNote.INVALID_RECEIVER_QUALIFIER,
    8: InterchangeNote.INVALID_RECEIVER_ID,
    9: InterchangeNote.INVALID_DATE,
    10: InterchangeNote.INVALID_TIME,
    11: InterchangeNote.INVALID_STANDARDS_ID,
    12: InterchangeNote.INVALID_VERSION,
    13: InterchangeNote.INVALID_CONTROL_NUMBER,
    14: InterchangeNote.INVALID_ACK_REQUESTED,
    15: InterchangeNote.INVALID_TEST_INDICATOR,
    16: InterchangeNote.INVALID_COMPONENT_SEPARATOR,
}

SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
ENVELOPE_VERSION = "00401"
GROUP_VERSION = "004010"
INTERNAL_ERROR = "internal parser error"  # tests assert it never appears


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ">"  # ISA16
    segment: str = "~"
    # Only ISA12 00402 and later carry a repetition separator in ISA11; 004010 puts "U" there.
    repetition: str = ""

    def check(self) -> None:
        chars = [self.element, self.component, self.segment] + ([self.repetition] if self.repetition else [])
        if any(len(c) != 1 or c.isalnum() or c == " " for c in chars):
            raise ValueError(f"delimiters must be single non-alphanumeric characters: {self}")
        if len(set(chars)) != len(chars):
            raise ValueError(f"delimiters must differ from each other: {self}")


DEFAULT_DELIMITERS = Delimiters()

ProblemLevel = Literal["interchange", "group", "set", "segment", "element"]


@dataclass(frozen=True)
class Problem:
    """One fault in received X12, located as precisely as the 997/TA1 can express it.

    `code` is from the code list of the level (see edi.x12.codes): TA105 for "interchange", AK905 for
    "group", AK502 for "set", AK304 for "segment", AK403 for "element"; "" where X12 has no code.
    """

    level: ProblemLevel
    code: str
    message: str
    group_control_number: str = ""
    set_control_number: str = ""
    segment_id: str = ""
    segment_position: int | None = None  # AK302: ST is 1
    element_position: int | None = None  # AK401
    component_position: int | None = None
    element_reference: str = ""  # AK402, the data element dictionary number, when known
    bad_value: str = ""

    def __str__(self) -> str:
        where = [
            f"group {self.group_control_number}" if self.group_control_number else "",
            f"set {self.set_control_number}" if self.set_control_number else "",
            f"{self.segment_id}@{self.segment_position}" if self.segment_id else "",
            f"element {self.element_position}" if self.element_position else "",
        ]
        location = ", ".join(w for w in where if w)
        return f"[{self.level} {self.code or '-'}] {self.message}" + (f" ({location})" if location else "")


@dataclass
class Segment:
    """A segment as received: `elements[0]` is the segment ID, so `segment[1]` is element 01."""

    elements: list[str]
    position: int = 0  # position inside its transaction set (ST is 1); 0 for envelope segments
    component_separator: str = field(default=">", repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.elements[0]

    def __getitem__(self, index: int) -> str:
        return self.elements[index] if 0 <= index < len(self.elements) else ""

    def components(self, index: int) -> list[str]:
        return self[index].split(self.component_separator)


@dataclass
class TransactionSet:
    id_code: str  # ST01
    control_number: str  # ST02
    segments: list[Segment] = field(default_factory=list)  # ST..SE as received
    problems: list[Problem] = field(default_factory=list)  # set, segment and element level
    document: object | None = None  # the mapped dataclass, None when unsupported or unusable

    @property
    def has_trailer(self) -> bool:
        return len(self.segments) > 1 and self.segments[-1].id == "SE"

    @property
    def body(self) -> list[Segment]:
        return self.segments[1:-1] if self.has_trailer else self.segments[1:]

    @property
    def accepted(self) -> bool:
        return not self.problems


@dataclass
class FunctionalGroup:
    functional_id_code: str  # GS01: PO, PR, SH, IN, RA, FA
    application_sender_id: str  # GS02
    application_receiver_id: str  # GS03
    date: date | None  # GS04
    time: time | None  # GS05
    control_number: str  # GS06
    agency_code: str = "X"  # GS07
    version: str = GROUP_VERSION  # GS08
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    declared_set_count: int | None = None  # GE01, None when GE is missing or unreadable
    problems: list[Problem] = field(default_factory=list)  # group level only


@dataclass
class InterchangeAck:
    """TA1: accepts or rejects a whole interchange by its ISA13."""

    control_number: str  # TA101 = ISA13 of the interchange acknowledged
    date: date | None  # TA102 = its ISA09
    time: time | None  # TA103 = its ISA10
    status: str  # TA104: A, E or R
    note_code: str  # TA105, see InterchangeNote


@dataclass
class Interchange:
    delimiters: Delimiters | None = None
    sender_qualifier: str = ""  # ISA05
    sender_id: str = ""  # ISA06 without its padding
    receiver_qualifier: str = ""  # ISA07
    receiver_id: str = ""  # ISA08
    date: date | None = None  # ISA09
    time: time | None = None  # ISA10
    version: str = ""  # ISA12
    control_number: str = ""  # ISA13
    ack_requested: bool = False  # ISA14
    usage_indicator: str = ""  # ISA15: P production, T test
    groups: list[FunctionalGroup] = field(default_factory=list)
    interchange_acks: list[InterchangeAck] = field(default_factory=list)  # TA1 segments received
    envelope_problems: list[Problem] = field(default_factory=list)  # ISA/IEA and stray segments

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, interchange first, then each group followed by its sets."""
        found = list(self.envelope_problems)
        for group in self.groups:
            found.extend(group.problems)
            for ts in group.transaction_sets:
                found.extend(ts.problems)
        return found

    @property
    def transaction_sets(self) -> list[TransactionSet]:
        return [ts for group in self.groups for ts in group.transaction_sets]

    @property
    def accepted(self) -> bool:
        return not self.problems


# --- reading -------------------------------------------------------------------------------------


def decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # never fails; X12's basic character set is ASCII anyway


def parse_date8(value: str) -> date | None:
    if not re.fullmatch(r"[0-9]{8}", value):
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


def parse_date6(value: str) -> date | None:
    if not re.fullmatch(r"[0-9]{6}", value):
        return None
    try:
        return datetime.strptime(value, "%y%m%d").date()
    except ValueError:
        return None


def parse_time(value: str) -> time | None:
    """HHMM, HHMMSS or HHMMSSD..; fractions of a second are dropped."""
    match = re.fullmatch(r"([0-9]{2})([0-9]{2})([0-9]{2})?[0-9]{0,2}", value)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def is_digits(value: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "³" and other digits int() refuses."""
    return value.isascii() and value.isdigit()


def _same_number(a: str, b: str) -> bool:
    """Control numbers compare as numbers when both are digits ("0001" is 1), else as text."""
    if is_digits(a) and is_digits(b):
        return int(a) == int(b)
    return a == b


def parse_envelope(data: str | bytes, *, supported_sets: Mapping[str, str] | None = None, max_transaction_sets: int | None = None) -> Interchange:
    """Tokenize and check ISA/GS/ST/SE/GE/IEA. `supported_sets` maps ST01 to its GS01.

    Linear in the size of the input. Past `max_transaction_sets` ST segments the interchange is refused
    whole: one interchange problem (TA1 note 024), no groups kept, the rest not read."""
    parser = _EnvelopeParser(supported_sets or {}, max_transaction_sets=max_transaction_sets)
    try:
        parser.run(decode(data))
    except Exception as exc:  # noqa: BLE001 - a bug here must not take the caller down with the input
        parser.interchange_problem(InterchangeNote.INVALID_CONTENT, f"{INTERNAL_ERROR}: {exc!r}")
    return parser.ix


def count_transaction_sets(data: str | bytes) -> int:
    """How many ST segments the interchange holds, without parsing it: what an upload is refused by at
    the door before any worker reads it. 0 when there is no readable ISA (the parser says what is wrong)."""
    text = decode(data).lstrip("\ufeff\r\n\t ")
    if len(text) < ISA_LENGTH or not text.startswith("ISA"):
        return 0
    element, terminator = text[3], text[ISA_TERMINATOR_POSITION]
    if element.isalnum() or element in " \t\r\n" or terminator.isalnum() or terminator == element:
        return 0
    # A segment starts after the terminator and any line breaks; the count runs in C, with no list of segments.
    pattern = re.compile(re.escape(terminator) + r"[\r\n]*ST" + re.escape(element))
    return sum(1 for _ in pattern.finditer(text))


class _EnvelopeParser:
    def __init__(self, supported_sets: Mapping[str, str], *, max_transaction_sets: int | None = None):
        self.ix = Interchange()
        self.supported_sets = supported_sets
        self.supported_groups = set(supported_sets.values())
        self.max_transaction_sets = max_transaction_sets
        self.set_count = 0
        self.group: FunctionalGroup | None = None
        self.ts: TransactionSet | None = None
        self.skipping_orphan_set = False
        self.ended = False
        # ST02s of the open group so far: a set, so each ST is checked in constant time (the parse stays linear).
        self.group_set_numbers: set[str] = set()

    # problems
    def interchange_problem(self, code: str, message: str, bad_value: str = "") -> None:
        self.ix.envelope_problems.append(Problem("interchange", code, message, bad_value=bad_value))

    def group_problem(self, group: FunctionalGroup, code: str, message: str) -> None:
        group.problems.append(Problem("group", code, message, group_control_number=group.control_number))

    def set_problem(self, ts: TransactionSet, code: str, message: str) -> None:
        group_control_number = self.group.control_number if self.group else ""
        ts.problems.append(Problem("set", code, message, group_control_number=group_control_number, set_control_number=ts.control_number))

    # driver
    def run(self, text: str) -> None:
        text = text.lstrip("\ufeff\r\n\t ")
        if not text:
            self.interchange_problem(InterchangeNote.PREMATURE_END, "the input is empty")
            return
        if not text.startswith("ISA"):
            self.interchange_problem(InterchangeNote.INVALID_CONTROL_STRUCTURE, "the input does not start with an ISA segment", bad_value=text[:20])
            return
        header = self.read_isa(text)
        if header is None:
            return
        isa, rest = header
        delimiters = self.ix.delimiters
        assert delimiters is not None
        self.apply_isa(isa)
        for raw in rest.split(delimiters.segment):
            raw = raw.strip("\r\n")  # line breaks after terminators are common and carry nothing
            if not raw:
                continue
            if self.ended:
                self.interchange_problem(InterchangeNote.INVALID_CONTENT, "data after IEA; one interchange per parse", bad_value=raw[:20])
                break
            self.feed(Segment(raw.split(delimiters.element), component_separator=delimiters.component))
            if self.max_transaction_sets is not None and self.set_count > self.max_transaction_sets:
                self.refuse_too_many_sets()
                return
        self.finish()

    def refuse_too_many_sets(self) -> None:
        self.ix.groups = []
        self.group = self.ts = None
        self.interchange_problem(
            InterchangeNote.INVALID_CONTENT,
            f"the interchange holds more than {self.max_transaction_sets} transaction sets, the most one interchange may hold; split it",
        )

    def read_isa(self, text: str) -> tuple[list[str], str] | None:
        element = text[3] if len(text) > 3 else ""
        # Only real whitespace is refused: control characters such as GS/RS/US are fine delimiters.
        if not element or element.isalnum() or element in " \t\r\n":
            self.interchange_problem(
                InterchangeNote.INVALID_ELEMENT_SEPARATOR, "ISA has no valid element separator at position 4", bad_value=text[:4]
            )
            return None
        fixed = len(text) >= ISA_LENGTH and all(text[i] == element for i in ISA_SEPARATOR_POSITIONS)
        if fixed:
            seps = ISA_SEPARATOR_POSITIONS
            isa = ["ISA"] + [text[a + 1 : b] for a, b in zip(seps, seps[1:], strict=False)] + [text[ISA_TERMINATOR_POSITION - 1]]
            terminator, rest = text[ISA_TERMINATOR_POSITION], text[ISA_LENGTH:]
        else:
            # Not 106 wide: a sender trimmed the padding, or the ISA is cut off. Read it by its
            # separators so the rest can still be checked, and report each element of the wrong width.
            parts = text.split(element, 16)
            if len(parts) < 17 or len(parts[16]) < 2:
                self.interchange_problem(InterchangeNote.PREMATURE_END, "the ISA segment is truncated", bad_value=text[:ISA_LENGTH])
                return None
            isa = parts[:16] + [parts[16][0]]
            terminator, rest = parts[16][1], parts[16][2:]
        component = isa[16]
        if component.isalnum() or component in " \t\r\n" or component == element:
            self.interchange_problem(
                InterchangeNote.INVALID_COMPONENT_SEPARATOR, f"ISA16 {component!r} cannot be a component separator", bad_value=component
            )
        if terminator.isalnum() or terminator in (" ", "\t", element, component):
            self.interchange_problem(
                InterchangeNote.INVALID_SEGMENT_TERMINATOR, f"{terminator!r} after ISA16 cannot be a segment terminator", bad_value=terminator
            )
            return None
        repetition = isa[11] if isa[11] and not isa[11].isalnum() and isa[11] not in (element, terminator) else ""
        self.ix.delimiters = Delimiters(element, component, terminator, repetition)
        return isa, rest

    def apply_isa(self, isa: list[str]) -> None:
        ix = self.ix
        for index, width in enumerate(ISA_WIDTHS, start=1):
            if len(isa[index]) != width:
                self.interchange_problem(
                    _ISA_ELEMENT_NOTES[index], f"ISA{index:02d} must be {width} characters wide, got {len(isa[index])}", bad_value=isa[index]
                )
        ix.sender_qualifier, ix.sender_id = isa[5].strip(), isa[6].strip()
        ix.receiver_qualifier, ix.receiver_id = isa[7].strip(), isa[8].strip()
        ix.date, ix.time = parse_date6(isa[9]), parse_time(isa[10])
        ix.version, ix.control_number = isa[12], isa[13].strip()
        ix.ack_requested, ix.usage_indicator = isa[14] == "1", isa[15]
        checks = (
            (9, ix.date is not None, "ISA09 is not a YYMMDD date"),
            (10, ix.time is not None, "ISA10 is not an HHMM time"),
            (12, is_digits(isa[12]), "ISA12 is not a version number"),
            (13, is_digits(isa[13]), "ISA13 is not a 9-digit control number"),
            (14, isa[14] in ("0", "1"), "ISA14 must be 0 or 1"),
            (15, isa[15] in ("P", "T", "I"), "ISA15 must be P, T or I"),
        )
        reported = {p.code for p in ix.envelope_problems}
        for index, ok, message in checks:
            if not ok and _ISA_ELEMENT_NOTES[index] not in reported:
                self.interchange_problem(_ISA_ELEMENT_NOTES[index], message, bad_value=isa[index])

    def feed(self, segment: Segment) -> None:
        sid = segment.id
        if self.skipping_orphan_set:
            if sid not in ("SE", "GS", "GE", "IEA", "ISA"):
                return
            self.skipping_orphan_set = False
            if sid == "SE":
                return
        if self.ts is not None:
            if sid == "SE":
                self.add_to_set(segment)
                self.close_set(segment)
                return
            if sid not in ("ST", "GS", "GE", "IEA", "ISA"):
                self.add_to_set(segment)
                return
            self.set_problem(self.ts, SetError.TRAILER_MISSING, f"{sid} arrived before the SE of this set")
            self.close_set(None)
        group = self.group
        if sid == "GS":
            if group is not None:
                self.group_problem(group, GroupError.TRAILER_MISSING, "GS arrived before the GE of this group")
                self.close_group(None)
            self.open_group(segment)
        elif sid == "ST":
            if group is None:
                self.interchange_problem(InterchangeNote.INVALID_CONTENT, "ST outside any functional group")
                self.skipping_orphan_set = True
            else:
                self.open_set(group, segment)
        elif sid == "GE":
            if group is None:
                self.interchange_problem(InterchangeNote.INVALID_CONTENT, "GE without a GS")
            else:
                self.close_group(segment)
        elif sid == "IEA":
            if group is not None:
                self.group_problem(group, GroupError.TRAILER_MISSING, "IEA arrived before the GE of this group")
                self.close_group(None)
            self.close_interchange(segment)
        elif sid == "TA1" and group is None:
            self.ix.interchange_acks.append(_read_ta1(segment))
        elif sid == "ISA":
            self.interchange_problem(InterchangeNote.INVALID_CONTENT, "a second ISA; one interchange per parse")
            self.ended = True
        elif group is not None:
            # X12 has no AK9 code for a stray segment between sets; it still makes the group suspect.
            self.group_problem(group, "", f"segment {sid[:3]!r} outside any transaction set")
        else:
            self.interchange_problem(InterchangeNote.INVALID_CONTENT, f"segment {sid[:3]!r} outside any functional group", bad_value=sid[:20])

    def open_group(self, gs: Segment) -> None:
        group = FunctionalGroup(
            functional_id_code=gs[1],
            application_sender_id=gs[2],
            application_receiver_id=gs[3],
            date=parse_date8(gs[4]),
            time=parse_time(gs[5]),
            control_number=gs[6],
            agency_code=gs[7],
            version=gs[8],
        )
        self.ix.groups.append(group)
        self.group = group
        self.group_set_numbers = set()
        if group.functional_id_code not in self.supported_groups:
            self.group_problem(group, GroupError.NOT_SUPPORTED, f"functional group {group.functional_id_code!r} is not supported")
        if not group.version.startswith(GROUP_VERSION):
            self.group_problem(group, GroupError.VERSION_NOT_SUPPORTED, f"GS08 {group.version!r} is not {GROUP_VERSION}")
        if not re.fullmatch(r"[0-9]{1,9}", group.control_number):
            self.group_problem(group, GroupError.CONTROL_NUMBER_INVALID, f"GS06 {group.control_number!r} is not a 1-9 digit number")

    def close_group(self, ge: Segment | None) -> None:
        group = self.group
        assert group is not None
        self.group = None
        if ge is None:  # the caller has filed why the GE is missing
            return
        received = len(group.transaction_sets)
        group.declared_set_count = int(ge[1]) if is_digits(ge[1]) else None
        if group.declared_set_count != received:
            self.group_problem(group, GroupError.SET_COUNT_MISMATCH, f"GE01 says {ge[1] or 'nothing'}, the group holds {received} transaction sets")
        if not _same_number(ge[2], group.control_number):
            self.group_problem(group, GroupError.CONTROL_NUMBER_MISMATCH, f"GE02 {ge[2]!r} does not match GS06 {group.control_number!r}")

    def open_set(self, group: FunctionalGroup, st: Segment) -> None:
        st.position = 1
        ts = TransactionSet(id_code=st[1], control_number=st[2], segments=[st])
        group.transaction_sets.append(ts)
        self.set_count += 1
        self.ts = ts
        if not re.fullmatch(r"[0-9]{3}", ts.id_code):
            self.set_problem(ts, SetError.INVALID_SET_ID, f"ST01 {ts.id_code!r} is not a transaction set ID")
        elif ts.id_code not in self.supported_sets:
            self.set_problem(ts, SetError.NOT_SUPPORTED, f"transaction set {ts.id_code} is not supported")
        elif self.supported_sets[ts.id_code] != group.functional_id_code:
            self.set_problem(ts, SetError.INVALID_SET_ID, f"a {ts.id_code} does not belong in a {group.functional_id_code!r} group")
        if not 4 <= len(ts.control_number) <= 9:
            self.set_problem(ts, SetError.INVALID_CONTROL_NUMBER, f"ST02 {ts.control_number!r} must be 4 to 9 characters")
        elif ts.control_number in self.group_set_numbers:
            self.set_problem(ts, SetError.CONTROL_NUMBER_NOT_UNIQUE, f"ST02 {ts.control_number!r} is used twice in group {group.control_number}")
        self.group_set_numbers.add(ts.control_number)

    def add_to_set(self, segment: Segment) -> None:
        ts = self.ts
        assert ts is not None
        segment.position = len(ts.segments) + 1
        ts.segments.append(segment)
        if not SEGMENT_ID.fullmatch(segment.id):
            ts.problems.append(
                Problem(
                    "segment",
                    SegmentError.UNRECOGNIZED_ID,
                    f"{segment.id[:10]!r} is not a segment ID",
                    group_control_number=self.group.control_number if self.group else "",
                    set_control_number=ts.control_number,
                    segment_id=_echoable_id(segment.id),
                    segment_position=segment.position,
                )
            )

    def close_set(self, se: Segment | None) -> None:
        ts = self.ts
        assert ts is not None
        self.ts = None
        if se is None:
            return
        counted = len(ts.segments)
        if not (is_digits(se[1]) and int(se[1]) == counted):
            self.set_problem(ts, SetError.SEGMENT_COUNT_MISMATCH, f"SE01 says {se[1] or 'nothing'}, the set holds {counted} segments")
        if se[2] != ts.control_number:
            self.set_problem(ts, SetError.CONTROL_NUMBER_MISMATCH, f"SE02 {se[2]!r} does not match ST02 {ts.control_number!r}")

    def close_interchange(self, iea: Segment) -> None:
        self.ended = True
        groups = len(self.ix.groups)
        if not (is_digits(iea[1]) and int(iea[1]) == groups):
            self.interchange_problem(
                InterchangeNote.INVALID_GROUP_COUNT, f"IEA01 says {iea[1] or 'nothing'}, the interchange holds {groups} groups", bad_value=iea[1]
            )
        if not _same_number(iea[2], self.ix.control_number):
            self.interchange_problem(
                InterchangeNote.CONTROL_NUMBER_MISMATCH, f"IEA02 {iea[2]!r} does not match ISA13 {self.ix.control_number!r}", bad_value=iea[2]
            )

    def finish(self) -> None:
        if self.ts is not None:
            self.set_problem(self.ts, SetError.TRAILER_MISSING, "the input ends inside this transaction set")
            self.close_set(None)
        if self.group is not None:
            self.group_problem(self.group, GroupError.TRAILER_MISSING, "the input ends inside this group")
            self.close_group(None)
        if not self.ended:
            self.interchange_problem(InterchangeNote.PREMATURE_END, "the input ends without an IEA")


def _echoable_id(raw: str) -> str:
    """What AK301 can echo of an unrecognized segment ID without carrying a delimiter into the 997."""
    leading = re.match(r"[A-Za-z0-9]{1,3}", raw)
    return leading[0].upper() if leading else "UNK"


def _read_ta1(segment: Segment) -> InterchangeAck:
    return InterchangeAck(
        control_number=segment[1], date=parse_date6(segment[2]), time=parse_time(segment[3]), status=segment[4], note_code=segment[5]
    )


# --- writing -------------------------------------------------------------------------------------

Element = str | tuple[str, ...]  # a tuple is a composite, joined with the component separator


@dataclass(frozen=True)
class Partner:
    """One end of an interchange: ISA05/06 (or 07/08) and GS02 (or GS03)."""

    qualifier: str  # 01 DUNS, 08 UCC EDI comm ID, 12 phone, 14 DUNS+suffix, ZZ mutually defined
    id: str  # at most 15 characters
    application_id: str = ""  # GS02/GS03 when it differs from the interchange ID

    @property
    def group_id(self) -> str:
        return self.application_id or self.id


@dataclass
class OutboundSet:
    id_code: str  # ST01
    segments: list[list[Element]]  # body segments without ST and SE, each [ID, element01, ...]


@dataclass
class OutboundGroup:
    functional_id_code: str  # GS01
    control_number: int  # GS06, kept unique by the caller
    sets: list[OutboundSet]
    first_set_control_number: int = 1  # ST02 of the first set; the rest count up


def render_segment(elements: Sequence[Element], delimiters: Delimiters) -> str:
    forbidden = {delimiters.element, delimiters.component, delimiters.segment}
    if delimiters.repetition:
        forbidden.add(delimiters.repetition)
    rendered: list[str] = []
    for element in elements:
        parts = [element] if isinstance(element, str) else list(element)
        for part in parts:
            if any(ch in part for ch in forbidden):
                # X12 004010 has no release character: a delimiter inside data cannot be sent.
                raise ValueError(f"{elements[0]} element {part!r} contains a delimiter character")
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        rendered.append(delimiters.component.join(parts))
    while len(rendered) > 1 and rendered[-1] == "":
        rendered.pop()
    return delimiters.element.join(rendered)


def _control_number(value: int, name: str, *, width: int) -> str:
    """ISA13 is zero-padded to 9 digits, ST02 to the usual 4; GS06 is not padded (width 1)."""
    if not 1 <= value <= 999_999_999:
        raise ValueError(f"{name} must be between 1 and 999999999, got {value}")
    return str(value).zfill(width)


def render_interchange(
    *,
    sender: Partner,
    receiver: Partner,
    control_number: int,
    groups: Sequence[OutboundGroup],
    created_at: datetime,
    usage_indicator: str = "P",
    ack_requested: bool = False,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    newline: bool = True,
    interchange_acks: Sequence[InterchangeAck] = (),
) -> str:
    """Envelope already-built set bodies; ST/SE, GS/GE and ISA/IEA counts are computed here."""
    delimiters.check()
    for partner in (sender, receiver):
        if len(partner.id) > 15 or len(partner.qualifier) != 2:
            raise ValueError(f"interchange ID must be at most 15 characters, qualifier 2: {partner}")
    if usage_indicator not in ("P", "T"):
        raise ValueError("usage_indicator must be P or T")
    isa13 = _control_number(control_number, "interchange control number", width=9)
    lines: list[str] = []

    def emit(elements: Sequence[Element]) -> None:
        lines.append(render_segment(elements, delimiters))

    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        sender.qualifier,
        sender.id.ljust(15),
        receiver.qualifier,
        receiver.id.ljust(15),
        created_at.strftime("%y%m%d"),
        created_at.strftime("%H%M"),
        "U",
        ENVELOPE_VERSION,
        isa13,
        "1" if ack_requested else "0",
        usage_indicator,
    ]
    for value in isa:
        if any(ch in value for ch in (delimiters.element, delimiters.segment, delimiters.component)):
            raise ValueError(f"ISA element {value!r} contains a delimiter character")
    # ISA16 is the component separator itself, so it cannot go through render_segment.
    lines.append(delimiters.element.join(isa + [delimiters.component]))
    for ta1 in interchange_acks:
        emit(
            [
                "TA1",
                ta1.control_number,
                ta1.date.strftime("%y%m%d") if ta1.date else "",
                ta1.time.strftime("%H%M") if ta1.time else "",
                ta1.status,
                ta1.note_code,
            ]
        )
    for group in groups:
        gs06 = _control_number(group.control_number, "group control number", width=1)
        emit(
            [
                "GS",
                group.functional_id_code,
                sender.group_id,
                receiver.group_id,
                created_at.strftime("%Y%m%d"),
                created_at.strftime("%H%M"),
                gs06,
                "X",
                GROUP_VERSION,
            ]
        )
        for offset, outbound in enumerate(group.sets):
            st02 = _control_number(group.first_set_control_number + offset, "set control number", width=4)
            emit(["ST", outbound.id_code, st02])
            for body_segment in outbound.segments:
                emit(body_segment)
            emit(["SE", str(len(outbound.segments) + 2), st02])
        emit(["GE", str(len(group.sets)), gs06])
    emit(["IEA", str(len(groups)), isa13])
    suffix = "\n" if newline and delimiters.segment not in ("\n", "\r") else ""
    return "".join(line + delimiters.segment + suffix for line in lines)
