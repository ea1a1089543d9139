"""CONTRL (syntax and service report, ISO 9735 syntax 3): the portal's answer to every interchange it reads,
and the partner's answer to ours. UCI for the interchange, a UCM per message, UCS/UCD pointing at the
segment and element a problem is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from .codes import Action
from .syntax import Interchange, Message, OutboundMessage, Problem, parse_int, segment

CONTRL = ("CONTRL", "D", "3", "UN")


def _element_id(problem: Problem) -> list[str]:
    if problem.element_position is None:
        return []
    return [str(problem.element_position), str(problem.component_position or "")]


def build_contrl(ix: Interchange, reference: str) -> OutboundMessage:
    """The CONTRL for a read interchange: rejected (4) when the envelope is, each message acknowledged (7)
    or rejected (4) with its problems. Problems of the messages must have been filed before."""
    envelope = ix.problems[0] if ix.problems else None
    segments = [
        segment(
            "UCI",
            ix.control_reference,
            [ix.sender_id, ix.sender_qualifier],
            [ix.recipient_id, ix.recipient_qualifier],
            Action.REJECTED if envelope else Action.ACKNOWLEDGED,
            envelope.code if envelope else "",
            envelope.segment_tag if envelope else "",
            _element_id(envelope) if envelope else "",
        )
    ]
    if envelope is None:
        for message in ix.messages:
            segments += _message_report(message)
    return OutboundMessage(reference, CONTRL, segments)


def _message_report(message: Message) -> list:
    problems = message.problems
    # Problems of the message as a whole (its UNH/UNT, a missing segment) go on UCM; the others on UCS/UCD.
    whole = next((p for p in problems if p.segment_position in (None, 1) or p.segment_tag in ("UNH", "UNT")), None)
    report = [
        segment(
            "UCM",
            message.reference,
            [message.type, message.version, message.release, message.agency],
            Action.REJECTED if problems else Action.ACKNOWLEDGED,
            whole.code if whole else "",
            whole.segment_tag if whole else "",
            _element_id(whole) if whole else "",
        )
    ]
    for problem in problems:
        if problem is whole:
            continue
        report.append(segment("UCS", problem.segment_position, "" if problem.element_position else problem.code))
        if problem.element_position:
            report.append(segment("UCD", problem.code, _element_id(problem)))
    return report


@dataclass
class MessageReport:
    reference: str
    type: str
    action: str
    error: str = ""
    errors: list[tuple[int | None, str, int | None]] = field(default_factory=list)  # (segment position, code, element)

    @property
    def accepted(self) -> bool:
        return self.action == Action.ACKNOWLEDGED


@dataclass
class Report:
    interchange_reference: str
    action: str
    error: str = ""
    messages: list[MessageReport] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.action in (Action.ACKNOWLEDGED, Action.RECEIVED)


def read_contrl(message: Message) -> Report | None:
    uci = message.first("UCI")
    if uci is None:
        message.problems.append(Problem("segment", "13", "UCI is missing.", message.reference, "UCI"))
        return None
    report = Report(uci.get(1), uci.get(4), uci.get(5))
    position = None
    for s in message.segments:
        if s.tag == "UCM":
            report.messages.append(MessageReport(s.get(1), s.get(2), s.get(3), s.get(4)))
        elif s.tag == "UCS" and report.messages:
            position = parse_int(s.get(1))
            if s.get(2):
                report.messages[-1].errors.append((position, s.get(2), None))
        elif s.tag == "UCD" and report.messages:
            report.messages[-1].errors.append((position, s.get(1), parse_int(s.get(2))))
    return report
