"""The EDIFACT envelope (ISO 9735 syntax 3): an interchange read with pydifact's parser into messages whose
segments know their position (UNH is 1, as CONTRL counts), the envelope checked (UNB/UNZ and UNH/UNT
references and counts), and interchanges written through pydifact's serializer."""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydifact.control import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segmentcollection import Interchange as PydifactInterchange
from pydifact.segmentcollection import Message as PydifactMessage
from pydifact.segments import Segment as PydifactSegment

from .codes import SyntaxError_

SUPPORTED_SYNTAX = {"UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOY"}
DIRECTORY = ("D", "96A", "UN")  # 0052 version, 0054 release, 0051 agency of the messages the portal reads
GLN_QUALIFIER = "14"  # 0007: EAN (GLN) in UNB S002/S003
# What the portal writes: UNA with a full stop as the decimal mark (EANCOM's advice).
CHARACTERS = Characters(component_separator=":", data_separator="+", decimal_point=".", escape_character="?", segment_terminator="'")


@dataclass(eq=False)
class Segment:
    """One segment as received. Elements and components are numbered from 1, as the directories do."""

    tag: str
    elements: list
    position: int = 0  # in its message, UNH = 1; 0 outside messages

    def get(self, element: int, component: int = 1) -> str:
        if element < 1 or element > len(self.elements):
            return ""
        value = self.elements[element - 1]
        if isinstance(value, list):
            return value[component - 1] if 0 < component <= len(value) else ""
        return value if component == 1 else ""

    def __getitem__(self, element: int) -> str:
        return self.get(element)


@dataclass
class Problem:
    """What is wrong, located for CONTRL: the level (interchange, message, segment, element), a syntax error
    code (0085), the message reference (0062), the segment's tag and position, the element and component."""

    level: str
    code: str
    message: str
    message_reference: str = ""
    segment_tag: str = ""
    segment_position: int | None = None
    element_position: int | None = None
    component_position: int | None = None


@dataclass
class Message:
    reference: str  # UNH 0062
    type: str  # S009 0065: ORDRSP, DESADV, INVOIC ...
    version: str = ""
    release: str = ""
    agency: str = ""
    segments: list[Segment] = field(default_factory=list)  # between UNH and UNT
    problems: list[Problem] = field(default_factory=list)
    document: object | None = None

    def first(self, tag: str, qualifier: str | None = None) -> Segment | None:
        return next((s for s in self.segments if s.tag == tag and (qualifier is None or s.get(1) == qualifier)), None)

    @property
    def unh_problem_target(self) -> dict:
        return {"message_reference": self.reference, "segment_tag": "UNH", "segment_position": 1}


@dataclass
class Interchange:
    syntax_identifier: str = ""
    sender_id: str = ""
    sender_qualifier: str = ""
    recipient_id: str = ""
    recipient_qualifier: str = ""
    control_reference: str = ""  # UNB 0020
    prepared_at: datetime.datetime | None = None
    ack_requested: bool = False  # UNB 0031
    test: bool = False  # UNB 0035
    messages: list[Message] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the interchange's own (envelope)

    @property
    def envelope_read(self) -> bool:
        return bool(self.control_reference)

    @property
    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(p for m in self.messages for p in m.problems)]


def looks_like_edifact(raw: bytes | str) -> bool:
    """Whether a file is EDIFACT (UNA or UNB first) rather than X12 (ISA first)."""
    head = raw[:16].lstrip()
    if isinstance(head, bytes):
        head = head.decode("latin-1")
    head = head.lstrip("\ufeff")
    return head.startswith(("UNA", "UNB"))


def count_messages(raw: bytes | str) -> int:
    """UNH segments, counted without parsing (the limits check, as X12 counts ST)."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    return text.count("UNH+") + text.count("UNH" + chr(0x1D))


def parse_decimal(value: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_int(value: str) -> int | None:
    number = parse_decimal(value)
    return int(number) if number is not None and number == number.to_integral_value() else None


def parse_date(value: str, format_code: str = "102") -> datetime.date | None:
    """A DTM date in format 102 (CCYYMMDD) or 203/204 (with the time, which is dropped)."""
    formats = {"102": "%Y%m%d", "203": "%Y%m%d%H%M", "204": "%Y%m%d%H%M%S", "101": "%y%m%d"}
    try:
        return datetime.datetime.strptime(value, formats.get(format_code or "102", "%Y%m%d")).date()
    except ValueError:
        return None


def parse_interchange(content: str, *, max_messages: int | None = None) -> Interchange:
    """Read an interchange. Never raises for bad input: what is wrong is in `problems` (the interchange's)
    and each message's `problems`; a message whose envelope is sound has its segments for a reader."""
    ix = Interchange()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydifact warns for empty segments and for its missing directories
            raw = list(Parser().parse(content))
    except (EDISyntaxError, ValueError, IndexError, AssertionError) as exc:
        ix.problems.append(Problem("interchange", SyntaxError_.INVALID_CHARACTER, f"The file cannot be read as EDIFACT: {exc}"))
        return ix
    segments = [Segment(s.tag, list(s.elements)) for s in raw if s.tag != "UNA"]
    if not segments or segments[0].tag != "UNB":
        ix.problems.append(Problem("interchange", SyntaxError_.MISSING, "The interchange does not start with UNB.", segment_tag="UNB"))
        return ix
    unb = segments[0]
    _read_unb(unb, ix)
    if ix.problems:
        return ix
    unz = segments[-1] if segments[-1].tag == "UNZ" else None
    body = segments[1:-1] if unz is not None else segments[1:]
    message: Message | None = None
    for segment in body:
        if segment.tag == "UNH":
            if message is not None:
                message.problems.append(Problem("message", SyntaxError_.MISSING, "UNT is missing before the next UNH.", message.reference, "UNT"))
                ix.messages.append(message)
            identifier = segment.elements[1] if len(segment.elements) > 1 and isinstance(segment.elements[1], list) else [segment.get(2)]
            identifier = [*identifier, "", "", "", ""]
            message = Message(segment.get(1), identifier[0], identifier[1], identifier[2], identifier[3])
            segment.position = 1
            if max_messages is not None and len(ix.messages) >= max_messages:
                ix.problems.append(Problem("interchange", SyntaxError_.TOO_MANY, f"An interchange may hold at most {max_messages} messages."))
                return ix
        elif segment.tag == "UNT":
            if message is None:
                ix.problems.append(Problem("interchange", SyntaxError_.NOT_SUPPORTED_IN_POSITION, "UNT without UNH.", segment_tag="UNT"))
                continue
            _check_unt(segment, message)
            ix.messages.append(message)
            message = None
        elif segment.tag in ("UNG", "UNE"):
            continue  # functional groups carry nothing the portal needs: their messages are read as the others
        elif message is None:
            ix.problems.append(
                Problem("interchange", SyntaxError_.NOT_SUPPORTED_IN_POSITION, f"{segment.tag} outside a message.", segment_tag=segment.tag)
            )
        else:
            segment.position = len(message.segments) + 2
            message.segments.append(segment)
    if message is not None:
        message.problems.append(Problem("message", SyntaxError_.MISSING, "The message has no UNT.", message.reference, "UNT"))
        ix.messages.append(message)
    if unz is None:
        ix.problems.append(Problem("interchange", SyntaxError_.MISSING, "The interchange does not end with UNZ.", segment_tag="UNZ"))
    else:
        if unz.get(2) != ix.control_reference:
            ix.problems.append(
                Problem(
                    "interchange",
                    SyntaxError_.REFERENCES_DO_NOT_MATCH,
                    "UNZ 0020 does not repeat UNB's control reference.",
                    segment_tag="UNZ",
                    element_position=2,
                )
            )
        if parse_int(unz.get(1)) != len(ix.messages):
            ix.problems.append(
                Problem(
                    "interchange",
                    SyntaxError_.COUNT_MISMATCH,
                    f"UNZ counts {unz.get(1) or 'no'} messages; the interchange holds {len(ix.messages)}.",
                    segment_tag="UNZ",
                    element_position=1,
                )
            )
    for message in ix.messages:
        if (message.version, message.release, message.agency) != DIRECTORY and not message.problems:
            message.problems.append(
                Problem(
                    "message",
                    SyntaxError_.VALUE_NOT_SUPPORTED,
                    f"{message.type} {message.version}:{message.release}:{message.agency}: the retailer reads directory D:96A:UN.",
                    element_position=2,
                    **message.unh_problem_target,
                )
            )
    return ix


def _read_unb(unb: Segment, ix: Interchange) -> None:
    ix.syntax_identifier = unb.get(1)
    ix.sender_id, ix.sender_qualifier = unb.get(2), unb.get(2, 2)
    ix.recipient_id, ix.recipient_qualifier = unb.get(3), unb.get(3, 2)
    ix.control_reference = unb.get(5)
    ix.ack_requested = unb.get(9) == "1"
    ix.test = unb.get(11) == "1"
    prepared = unb.get(4) + unb.get(4, 2)
    for pattern in ("%y%m%d%H%M", "%Y%m%d%H%M"):
        try:
            ix.prepared_at = datetime.datetime.strptime(prepared, pattern)
            break
        except ValueError:
            continue
    if ix.syntax_identifier not in SUPPORTED_SYNTAX:
        ix.problems.append(
            Problem(
                "interchange",
                SyntaxError_.SYNTAX_NOT_SUPPORTED,
                f"Syntax identifier {ix.syntax_identifier or '-'} is not supported.",
                segment_tag="UNB",
                element_position=1,
            )
        )
    if not ix.control_reference or len(ix.control_reference) > 14:
        ix.problems.append(
            Problem(
                "interchange",
                SyntaxError_.MISSING,
                "UNB 0020 (the interchange control reference, 1-14 characters) is missing.",
                segment_tag="UNB",
                element_position=5,
            )
        )
    if not ix.sender_id:
        ix.problems.append(Problem("interchange", SyntaxError_.MISSING, "UNB S002 (the sender) is missing.", segment_tag="UNB", element_position=2))


def _check_unt(unt: Segment, message: Message) -> None:
    if unt.get(2) != message.reference:
        message.problems.append(
            Problem(
                "message",
                SyntaxError_.REFERENCES_DO_NOT_MATCH,
                "UNT 0062 does not repeat UNH's message reference.",
                message.reference,
                "UNT",
                None,
                2,
            )
        )
    counted = len(message.segments) + 2
    if parse_int(unt.get(1)) != counted:
        message.problems.append(
            Problem(
                "message",
                SyntaxError_.COUNT_MISMATCH,
                f"UNT counts {unt.get(1) or 'no'} segments; the message holds {counted}.",
                message.reference,
                "UNT",
                counted,
                1,
            )
        )


# Writing -------------------------------------------------------------------------------------------
@dataclass
class OutboundMessage:
    reference: str  # UNH 0062
    identifier: Sequence[str]  # S009: ("ORDERS", "D", "96A", "UN")
    segments: list[PydifactSegment]


def segment(tag: str, *elements) -> PydifactSegment:
    """A segment to write; trailing empty elements are dropped, as the syntax asks."""
    elements = list(elements)
    while elements and elements[-1] in ("", None, []):
        elements.pop()
    return PydifactSegment(tag, *[[str(c or "") for c in e] if isinstance(e, (list, tuple)) else str(e or "") for e in elements])


def format_decimal(value: Decimal | int) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_interchange(
    *,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    control_reference: str,
    messages: Sequence[OutboundMessage],
    prepared_at: datetime.datetime,
    syntax_identifier: str = "UNOC",
) -> str:
    """Render messages as one interchange (with UNA). sender/recipient: (id, qualifier)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interchange = PydifactInterchange(
            sender=list(sender),
            recipient=list(recipient),
            control_reference=control_reference,
            syntax_identifier=(syntax_identifier, 3),
            timestamp=prepared_at,
            characters=CHARACTERS,
        )
        interchange.has_una_segment = True
        for outbound in messages:
            message = PydifactMessage(outbound.reference, list(outbound.identifier))
            message.add_segments(outbound.segments)
            interchange.add_message(message)
        return interchange.serialize(break_lines=True)
