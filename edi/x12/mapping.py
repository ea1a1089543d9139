"""Helpers the set modules share: reading typed elements with problems filed, and formatting them.

A mapper reads a transaction set through a `SetReader`. Every conversion that fails files a
segment- or element-level Problem on the set (with its AK3/AK4 code) instead of raising; a failure on
data the document cannot do without marks the reader `fatal`, and the set then gets no document.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date, time
from decimal import Decimal

from edi.x12.codes import ElementError, SegmentError
from edi.x12.core import Element, Problem, ProblemLevel, Segment, TransactionSet, parse_date8, parse_time

_REAL = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)")  # X12 R: sign and decimal point optional, no exponent
_IMPLIED = re.compile(r"-?[0-9]+")  # X12 Nn: digits only, the decimal point is implied


class SetReader:
    def __init__(self, ts: TransactionSet, group_control_number: str = ""):
        self.ts = ts
        self.group_control_number = group_control_number
        self.fatal = False

    @property
    def body(self) -> list[Segment]:
        return self.ts.body

    # problems
    def _file(
        self,
        level: ProblemLevel,
        code: str,
        message: str,
        segment_id: str,
        position: int | None,
        *,
        element_position: int | None = None,
        component_position: int | None = None,
        bad_value: str = "",
    ) -> None:
        self.ts.problems.append(
            Problem(
                level,
                code,
                message,
                group_control_number=self.group_control_number,
                set_control_number=self.ts.control_number,
                segment_id=segment_id,
                segment_position=position,
                element_position=element_position,
                component_position=component_position,
                bad_value=bad_value,
            )
        )

    def segment_problem(self, segment: Segment, code: str, message: str, *, fatal: bool = False) -> None:
        self._file("segment", code, message, segment.id, segment.position)
        self.fatal = self.fatal or fatal

    def element_problem(self, segment: Segment, index: int, code: str, message: str, *, component: int | None = None, fatal: bool = False) -> None:
        self._file(
            "element",
            code,
            message,
            segment.id,
            segment.position,
            element_position=index,
            component_position=component,
            bad_value=segment[index][:99],
        )
        self.fatal = self.fatal or fatal

    def missing_segment(self, segment_id: str, *, before: Iterable[str] = ("CTT",), at: int | None = None) -> None:
        """Files AK3 code 3 at the position where the segment was expected (`at`, or the first `before`)."""
        wanted = set(before)
        position = at if at is not None else next((s.position for s in self.body if s.id in wanted), None)
        if position is None:
            position = self.ts.segments[-1].position + (0 if self.ts.has_trailer else 1)
        self._file("segment", SegmentError.MANDATORY_MISSING, f"mandatory segment {segment_id} is missing", segment_id, position)
        self.fatal = True

    def first(self, segment_id: str, *, at: int | None = None, before: Iterable[str] = ("CTT",)) -> Segment | None:
        """The first `segment_id` of the body, or None with a "mandatory segment missing" filed
        (at position `at`, or where the first of `before` is, or at the SE)."""
        found = next((s for s in self.body if s.id == segment_id), None)
        if found is None:
            self.missing_segment(segment_id, at=at, before=before)
        return found

    # typed elements
    def text(self, segment: Segment, index: int, *, required: bool = False) -> str:
        value = segment[index]
        if not value and required:
            self.element_problem(segment, index, ElementError.MANDATORY_MISSING, f"{segment.id}{index:02d} is mandatory", fatal=True)
        return value

    def code(self, segment: Segment, index: int, allowed: Collection[str], *, required: bool = False) -> str:
        value = self.text(segment, index, required=required)
        if value and value not in allowed:
            self.element_problem(
                segment, index, ElementError.INVALID_CODE, f"{segment.id}{index:02d} {value!r} is not one of {sorted(allowed)}", fatal=required
            )
        return value

    def decimal(self, segment: Segment, index: int, *, required: bool = False) -> Decimal | None:
        value = self.text(segment, index, required=required)
        if not value:
            return None
        if not _REAL.fullmatch(value):
            self.element_problem(
                segment, index, ElementError.INVALID_CHARACTER, f"{segment.id}{index:02d} {value!r} is not a decimal number", fatal=required
            )
            return None
        return Decimal(value)

    def integer(self, segment: Segment, index: int, *, required: bool = False) -> int | None:
        number = self.decimal(segment, index, required=required)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.element_problem(
                segment, index, ElementError.INVALID_CHARACTER, f"{segment.id}{index:02d} {segment[index]!r} is not a whole number", fatal=required
            )
            return None
        return int(number)

    def implied(self, segment: Segment, index: int, *, places: int = 2, required: bool = False) -> Decimal | None:
        """An Nn element: "12345" with N2 is 123.45."""
        value = self.text(segment, index, required=required)
        if not value:
            return None
        if not _IMPLIED.fullmatch(value):
            self.element_problem(
                segment,
                index,
                ElementError.INVALID_CHARACTER,
                f"{segment.id}{index:02d} {value!r} must be digits with an implied decimal point (N{places})",
                fatal=required,
            )
            return None
        return Decimal(value).scaleb(-places)

    def date(self, segment: Segment, index: int, *, required: bool = False) -> date | None:
        value = self.text(segment, index, required=required)
        if not value:
            return None
        parsed = parse_date8(value)
        if parsed is None:
            self.element_problem(
                segment, index, ElementError.INVALID_DATE, f"{segment.id}{index:02d} {value!r} is not a CCYYMMDD date", fatal=required
            )
        return parsed

    def time(self, segment: Segment, index: int, *, required: bool = False) -> time | None:
        value = self.text(segment, index, required=required)
        if not value:
            return None
        parsed = parse_time(value)
        if parsed is None:
            self.element_problem(
                segment, index, ElementError.INVALID_TIME, f"{segment.id}{index:02d} {value!r} is not an HHMM[SS] time", fatal=required
            )
        return parsed

    def id_pairs(self, segment: Segment, start: int, stop: int | None = None) -> dict[str, str]:
        """Qualifier/value pairs such as PO106/PO107, PO108/PO109 ... (235/234)."""
        stop = len(segment.elements) if stop is None else min(stop, len(segment.elements))
        pairs: dict[str, str] = {}
        for index in range(start, stop, 2):
            qualifier, value = segment[index], segment[index + 1]
            if qualifier and value:
                pairs[qualifier] = value
            elif qualifier or value:
                missing = index + 1 if qualifier else index
                self.element_problem(
                    segment, missing, ElementError.CONDITIONAL_MISSING, f"{segment.id}{index:02d}/{index + 1:02d} must come as a pair"
                )
        return pairs


# --- formatting for the writers ------------------------------------------------------------------


def fmt_decimal(value: Decimal | int | None) -> str:
    """X12 R: no exponent, no trailing zeros after the decimal point (so 12.50 is "12.5")."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def fmt_implied(value: Decimal | None, places: int = 2) -> str:
    """X12 Nn: 123.45 with N2 is "12345". Refuses to round: rounding is the caller's decision."""
    if value is None:
        return ""
    scaled = Decimal(value).scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimal places")
    return str(int(scaled))


def fmt_int(value: int | None) -> str:
    return "" if value is None else str(value)


def fmt_date(value: date | None) -> str:
    return "" if value is None else value.strftime("%Y%m%d")


def fmt_time(value: time | None) -> str:
    if value is None:
        return ""
    return value.strftime("%H%M%S" if value.second else "%H%M")


def id_pair_elements(ids: dict[str, str]) -> list[Element]:
    return [item for qualifier, value in ids.items() for item in (qualifier, value)]


def pad(elements: list[Element], length: int) -> list[Element]:
    """Extends a segment with empty elements so the next one lands at position `length + 1`."""
    return elements + [""] * (length + 1 - len(elements))
