"""Storing interchanges: text PostgreSQL accepts, problems as stored, and an outbound interchange with its
transaction sets and the partner's control numbers."""

from __future__ import annotations

from dataclasses import dataclass

from edi import x12
from edi.edifact import GLN_QUALIFIER
from edi.x12.core import Problem
from vendor_portal.services.audit import Actor, audit_record

from ..models import ControlNumberCounter, Direction, Interchange, InterchangeSource, InterchangeStatus, SetStatus, TradingPartner, TransactionRecord
from .partners import _x12_partner, retailer_gln, retailer_partner


def _storable(text: str) -> str:
    # PostgreSQL text and jsonb refuse NUL characters; garbage input may carry them.
    return text.replace("\x00", "\ufffd")


def _problem_summary(interchange, problems: list[dict]) -> None:
    """The problems as a list shows them (how many, the first one), kept beside the full list."""
    interchange.problems = problems
    interchange.problem_count = len(problems)
    interchange.first_problem = problems[0]["message"][:300] if problems else ""


def _problem_dict(problem: Problem) -> dict:
    return {
        "level": problem.level,
        "code": str(problem.code),
        "message": _storable(problem.message),
        "group": _storable(problem.group_control_number),
        "set": _storable(problem.set_control_number),
        "segment": _storable(problem.segment_id),
        "position": problem.segment_position,
        "element": problem.element_position,
        "bad_value": _storable(problem.bad_value),
    }


@dataclass
class _OutboundSet:
    set_id: str
    group_control_number: int
    control_number: int
    reference: str = ""
    obj: object | None = None


def _store_outbound(
    *, partner: TradingPartner, isa_control_number: int | str, text: str, sets: list[_OutboundSet], actor: Actor, action: str
) -> Interchange:
    """An interchange the portal sends: ISA13/ST02 zero-padded for X12, UNB 0020/UNH 0062 as they are for EDIFACT."""
    edifact = partner.is_edifact
    if edifact:
        sender, receiver = x12.Partner(GLN_QUALIFIER, retailer_gln()), x12.Partner(GLN_QUALIFIER, partner.gln)
    else:
        sender, receiver = retailer_partner(), _x12_partner(partner)
    interchange = Interchange.objects.create(
        vendor_id=partner.vendor_id,
        partner=partner,
        direction=Direction.OUTBOUND,
        status=InterchangeStatus.SENT,
        source=InterchangeSource.PORTAL,
        syntax=partner.syntax,
        control_number=str(isa_control_number) if edifact else str(isa_control_number).zfill(9),
        sender_qualifier=sender.qualifier,
        sender_id=sender.id,
        receiver_qualifier=receiver.qualifier,
        receiver_id=receiver.id,
        set_ids=",".join(dict.fromkeys(s.set_id for s in sets)),
        content=text,
        size=len(text.encode()),
        set_count=len(sets),
    )
    TransactionRecord.objects.bulk_create(
        [
            TransactionRecord(
                interchange=interchange,
                set_id=s.set_id,
                group_control_number=str(s.group_control_number),
                control_number=str(s.control_number) if edifact else str(s.control_number).zfill(4),
                status=SetStatus.SENT,
                reference=s.reference[:60],
                object_type=s.obj._meta.label_lower if s.obj is not None else "",
                object_id=str(s.obj.pk) if s.obj is not None else "",
            )
            for s in sets
        ]
    )
    audit_record(
        actor=actor,
        action=action,
        obj=interchange,
        after={
            "control_number": interchange.control_number,
            "partner": str(partner),
            "sets": [{"set": s.set_id, "group": s.group_control_number, "control_number": s.control_number, "reference": s.reference} for s in sets],
        },
    )
    return interchange


def _allocate(partner: TradingPartner, kind: str) -> int:
    return ControlNumberCounter.allocate(partner_id=partner.pk, kind=kind)
