"""997 Functional Acknowledgment (both ways) and TA1 interchange acknowledgment.

`build_997` turns the problems the parser filed on a received group into AK1/AK2/AK3/AK4/AK5/AK9;
`read_997`/`write_997` map the set itself, so one dataclass serves both directions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edi.x12.codes import AckCode, ElementError, InterchangeNote, SegmentError, SetError
from edi.x12.core import (
    Element,
    FunctionalGroup,
    Interchange,
    InterchangeAck,
    Problem,
    TransactionSet,
    is_digits,
)
from edi.x12.mapping import SetReader

_MAX_CODES = 5  # AK502-AK506 and AK905-AK909
_MAX_ELEMENT_NOTES = 99  # AK4 repeats at most 99 times per AK3
# What a 997 may echo of received data without carrying a delimiter of its own writer into it.
_SAFE_COPY = re.compile(r"[^A-Za-z0-9 .\-/]")


def _echo(value: str, limit: int = 99) -> str:
    return _SAFE_COPY.sub("", value)[:limit]


@dataclass
class ElementNote:
    """AK4."""

    position: int  # AK401-1
    code: str  # AK403, see ElementError
    component_position: int | None = None  # AK401-2
    element_reference: str = ""  # AK402
    bad_value: str = ""  # AK404


@dataclass
class SegmentNote:
    """AK3 with its AK4s."""

    segment_id: str  # AK301
    position: int  # AK302: ST is 1
    code: str = ""  # AK304, see SegmentError
    loop_id: str = ""  # AK303
    elements: list[ElementNote] = field(default_factory=list)


@dataclass
class SetAck:
    """AK2 ... AK5 for one transaction set."""

    set_id_code: str  # AK201
    control_number: str  # AK202
    status: str  # AK501: A accepted, E accepted with errors, R rejected
    error_codes: list[str] = field(default_factory=list)  # AK502-AK506, see SetError
    segments: list[SegmentNote] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in (AckCode.ACCEPTED, AckCode.ACCEPTED_WITH_ERRORS)


@dataclass
class FunctionalAck:
    """A 997: the answer to one functional group."""

    functional_id_code: str  # AK101: GS01 of the group acknowledged
    group_control_number: str  # AK102: its GS06
    status: str  # AK901: A, E, P partially accepted, R rejected
    included_count: int  # AK902: GE01 as received
    received_count: int  # AK903
    accepted_count: int  # AK904
    error_codes: list[str] = field(default_factory=list)  # AK905-AK909, see GroupError
    sets: list[SetAck] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in (AckCode.ACCEPTED, AckCode.ACCEPTED_WITH_ERRORS)

    def set_ack(self, control_number: str) -> SetAck | None:
        return next((s for s in self.sets if s.control_number == control_number), None)


# --- building a 997 for what we received ---------------------------------------------------------


def _unique_codes(problems: list[Problem], level: str) -> list[str]:
    codes: list[str] = []
    for problem in problems:
        if problem.level == level and problem.code and problem.code not in codes:
            codes.append(str(problem.code))
    return codes


def _set_ack(ts: TransactionSet, *, force_reject: bool) -> SetAck:
    codes = _unique_codes(ts.problems, "set")
    notes: dict[int, SegmentNote] = {}
    for problem in ts.problems:
        if problem.level not in ("segment", "element"):
            continue
        position = problem.segment_position or 0
        note = notes.setdefault(position, SegmentNote(segment_id=problem.segment_id, position=position))
        if problem.level == "segment":
            note.code = note.code or str(problem.code)
        elif len(note.elements) < _MAX_ELEMENT_NOTES:
            note.elements.append(
                ElementNote(
                    position=problem.element_position or 0,
                    code=str(problem.code),
                    component_position=problem.component_position,
                    element_reference=problem.element_reference,
                    bad_value=_echo(problem.bad_value),
                )
            )
    for note in notes.values():
        note.code = note.code or str(SegmentError.HAS_ELEMENT_ERRORS)
    if notes and SetError.SEGMENTS_IN_ERROR not in codes:
        codes.append(str(SetError.SEGMENTS_IN_ERROR))
    rejected = force_reject or bool(ts.problems)
    return SetAck(
        set_id_code=_echo(ts.id_code, 3),
        control_number=_echo(ts.control_number, 9),
        status=str(AckCode.REJECTED if rejected else AckCode.ACCEPTED),
        error_codes=[str(code) for code in codes[:_MAX_CODES]],
        segments=sorted(notes.values(), key=lambda n: n.position),
    )


def build_997(group: FunctionalGroup, *, reject_all: bool = False) -> FunctionalAck:
    """The 997 for a received group. A group-level fault (or `reject_all`, used when the interchange
    envelope itself is broken) rejects every set in it: their content cannot be trusted."""
    group_rejected = reject_all or bool(group.problems)
    set_acks = [_set_ack(ts, force_reject=group_rejected) for ts in group.transaction_sets]
    received = len(set_acks)
    accepted = sum(ack.accepted for ack in set_acks)
    if group_rejected or (received and accepted == 0):
        status = AckCode.REJECTED
    elif accepted < received:
        status = AckCode.PARTIALLY_ACCEPTED
    else:
        status = AckCode.ACCEPTED
    return FunctionalAck(
        functional_id_code=_echo(group.functional_id_code, 2),
        group_control_number=_echo(group.control_number, 9),
        status=str(status),
        included_count=received if group.declared_set_count is None else group.declared_set_count,
        received_count=received,
        accepted_count=accepted,
        error_codes=_unique_codes(group.problems, "group")[:_MAX_CODES],
        sets=set_acks,
    )


def acknowledge(interchange: Interchange) -> list[FunctionalAck]:
    """One 997 per received group, except groups of 997s (acknowledgments are never acknowledged)."""
    envelope_broken = bool(interchange.envelope_problems)
    return [build_997(group, reject_all=envelope_broken) for group in interchange.groups if group.functional_id_code != "FA"]


def build_ta1(interchange: Interchange) -> InterchangeAck | None:
    """TA1 for the interchange envelope; None when the ISA is too broken to name the interchange."""
    if not is_digits(interchange.control_number):
        return None
    notes = [p for p in interchange.envelope_problems if p.code]
    return InterchangeAck(
        control_number=interchange.control_number,
        date=interchange.date,
        time=interchange.time,
        status=str(AckCode.REJECTED if interchange.envelope_problems else AckCode.ACCEPTED),
        note_code=str(notes[0].code) if notes else str(InterchangeNote.NO_ERROR),
    )


# --- the 997 transaction set itself --------------------------------------------------------------


def read_997(reader: SetReader) -> FunctionalAck | None:
    ak1 = reader.first("AK1", at=2)
    ak9 = reader.first("AK9", before=())
    if ak1 is None or ak9 is None:
        return None
    ack = FunctionalAck(
        functional_id_code=reader.text(ak1, 1, required=True),
        group_control_number=reader.text(ak1, 2, required=True),
        status=reader.code(ak9, 1, ("A", "E", "M", "P", "R", "W", "X"), required=True),
        included_count=reader.integer(ak9, 2, required=True),  # type: ignore[arg-type]
        received_count=reader.integer(ak9, 3, required=True),  # type: ignore[arg-type]
        accepted_count=reader.integer(ak9, 4, required=True),  # type: ignore[arg-type]
        error_codes=[ak9[i] for i in range(5, 10) if ak9[i]],
    )
    set_ack: SetAck | None = None
    note: SegmentNote | None = None
    for segment in reader.body:
        sid = segment.id
        if sid in ("AK2", "AK9") and set_ack is not None and not set_ack.status:
            reader.missing_segment("AK5", at=segment.position)
        if sid == "AK2":
            set_ack = SetAck(set_id_code=reader.text(segment, 1, required=True), control_number=reader.text(segment, 2, required=True), status="")
            ack.sets.append(set_ack)
            note = None
        elif sid in ("AK3", "AK4", "AK5") and set_ack is None:
            reader.segment_problem(segment, SegmentError.OUT_OF_SEQUENCE, f"{sid} before any AK2", fatal=True)
        elif sid == "AK3" and set_ack is not None:
            note = SegmentNote(
                segment_id=reader.text(segment, 1, required=True),
                position=reader.integer(segment, 2, required=True) or 0,
                loop_id=segment[3],
                code=segment[4],
            )
            set_ack.segments.append(note)
        elif sid == "AK4":
            if note is None:
                reader.segment_problem(segment, SegmentError.OUT_OF_SEQUENCE, "AK4 before any AK3", fatal=True)
                continue
            position, component = (segment.components(1) + [""])[:2]
            if not is_digits(position) or (component and not is_digits(component)):
                reader.element_problem(segment, 1, ElementError.INVALID_CHARACTER, f"AK401 {segment[1]!r} is not an element position", fatal=True)
                continue
            note.elements.append(
                ElementNote(
                    position=int(position),
                    component_position=int(component) if component else None,
                    element_reference=segment[2],
                    code=reader.text(segment, 3, required=True),
                    bad_value=segment[4],
                )
            )
        elif sid == "AK5" and set_ack is not None:
            set_ack.status = reader.code(segment, 1, ("A", "E", "M", "R", "W", "X"), required=True)
            set_ack.error_codes = [segment[i] for i in range(2, 7) if segment[i]]
    return ack


def write_997(ack: FunctionalAck) -> list[list[Element]]:
    segments: list[list[Element]] = [["AK1", ack.functional_id_code, ack.group_control_number]]
    for set_ack in ack.sets:
        segments.append(["AK2", set_ack.set_id_code, set_ack.control_number])
        for note in set_ack.segments:
            segments.append(["AK3", note.segment_id, str(note.position), note.loop_id, note.code])
            for element in note.elements:
                position: Element = (
                    (str(element.position),) if element.component_position is None else (str(element.position), str(element.component_position))
                )
                segments.append(["AK4", position, element.element_reference, element.code, element.bad_value])
        segments.append(["AK5", set_ack.status, *set_ack.error_codes])
    segments.append(["AK9", ack.status, str(ack.included_count), str(ack.received_count), str(ack.accepted_count), *ack.error_codes])
    return segments
